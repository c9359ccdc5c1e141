"""Every question of the bundled bank fits a 320 px phone: the question page, the review queue holding a flag
on it and the reviewer's answer editor. The bank's real answers hold long source paths, long inline code and
wide tables, which a made-up sample misses. One page walks them all in turn; it measures, it does not launch.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from quiz import bank_imports
from quiz.content_loader import load_file
from quiz.models import Flag, Question
from tests.conftest import reviewers_group

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}

# For each page: how far its document reaches past the viewport, and the first elements that stick out.
OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .filter((el) => !el.parentElement.closest("pre, table, .table-scroll, .answer-diff, .math-scroll"))
    .slice(-3).map((el) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.slice(0, 40)}"`);
  return `${root.scrollWidth}px: ${wide.join(", ")}`;
}"""


# An uploaded bank as teams write them: deep folders, long file names, long identifiers in running text.
UPLOADED_PATH = "platform-team/interview-notes/distributed_systems_and_data_pipelines_interview_questions.md"
UPLOADED = f"""# Data pipelines

### What does `apache_beam.transforms.window.GlobalWindows.windowed_value_with_timestamp` do?
It wraps an element as `apache_beam.transforms.window.GlobalWindows.windowed_value_with_timestamp(value, ts)`;
see `{UPLOADED_PATH}` and **ExactlyOnceDeliverySemanticsWithIdempotentProducerConfiguration**.

### Why is `spark.sql.adaptive.coalescePartitions.parallelismFirst` off in production?
Because `spark.sql.adaptive.coalescePartitions.parallelismFirst=false` respects the advisory partition size.
"""


@pytest.fixture
def bundled_bank(transactional_db) -> list[Question]:
    load_file(Path(settings.BASE_DIR) / "fixtures" / "content.json")
    return list(Question.objects.active().select_related("section__bank").order_by("pk"))


@pytest.fixture
def uploaded_bank(transactional_db) -> list[Question]:
    bank_imports.import_bank("platform-team", {UPLOADED_PATH: UPLOADED}, reason="test")
    return list(Question.objects.filter(section__bank__slug="platform-team").order_by("pk"))


def reviewer_page(open_page, live_server, flagged=None):
    reviewer = get_user_model().objects.create_user("rita")
    reviewer.groups.add(reviewers_group())
    # Every question flagged once, so the review queue's pages show every answer in turn.
    Flag.objects.bulk_create(
        Flag(user=reviewer, question=question, reason=Flag.Reason.WRONG)
        for question in (Question.objects.all() if flagged is None else flagged)
    )
    client = Client()
    client.force_login(reviewer)
    page = open_page(viewport=PHONE, is_mobile=True)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_every_question_of_the_bundled_bank_fits_a_320px_phone(
    open_page, live_server, bundled_bank, uploaded_bank
):
    expected = json.loads((Path(settings.BASE_DIR) / "fixtures" / "content.json").read_text())
    assert len(bundled_bank) == sum(1 for row in expected if row["model"] == "quiz.question")
    assert len(uploaded_bank) == UPLOADED.count("### ")
    # The first bank's questions (the upstream dump's long paths and code) and the uploaded one on every
    # reviewer's page too; the banks written here, on the question page each is asked from.
    first = [q for q in bundled_bank if q.section.bank.slug == settings.BUNDLED_BANK and q.parent_id is None]
    written_here = [q for q in bundled_bank if q.section.bank.slug != settings.BUNDLED_BANK]
    reviewed = first + uploaded_bank
    page = reviewer_page(open_page, live_server, flagged=reviewed)
    too_wide = {}
    pages = [(q, (f"/questions/{q.pk}/", f"/review-queue/questions/{q.pk}/answer/")) for q in reviewed]
    pages += [(q, (f"/questions/{q.pk}/",)) for q in written_here]
    for _question, urls in pages:
        for url in urls:
            page.goto(url, wait_until="domcontentloaded")
            if overflow := page.evaluate(OVERFLOW):
                too_wide[url] = overflow
    queue, shown = "/review-queue/", 0
    while queue:
        page.goto(queue, wait_until="domcontentloaded")
        page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        shown += page.get_by_test_id("flagged-question").count()
        if overflow := page.evaluate(OVERFLOW):
            too_wide[queue] = overflow
        following = page.locator("a[rel=next]")
        queue = (
            "/review-queue/" + following.first.get_attribute("href").split("#")[0]
            if following.count()
            else None
        )
    assert shown == len(reviewed)
    assert too_wide == {}, f"{len(too_wide)} pages scroll sideways:\n" + "\n".join(
        f"{url} {why}" for url, why in list(too_wide.items())[:30]
    )
