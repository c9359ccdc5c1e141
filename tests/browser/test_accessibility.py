"""Every page of the URL table, as each role that may open it, the error pages (400, 403, CSRF failure,
404, 429, 500) and the pages showing the bundled bank's 20 widest answers: axe-core finds no WCAG 2.2 A/AA
violation in light and dark, on a desktop and a 390 px phone, and no page scrolls sideways at 390 or 320 px.

axe-core comes from npm (tests/browser/axe, installed by .ci/install-browser). It is evaluated through the
DevTools protocol (``page.evaluate``), which the page's CSP does not govern, so the pages keep their strict
policy while axe runs; the conftest's watcher still fails the test on any CSP violation the pages raise.
One context per role, its pages visited in turn; colour scheme and width change in place.
"""

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django_tasks_db.models import DBTaskResult

from quiz import peers
from quiz.content_loader import load_file
from quiz.models import BankUpload, Flag, Grade, InterviewPlan, MockInterview, Question, ReviewState
from quiz.tasks import import_upload
from tests.conftest import reviewers_group
from tests.test_url_roles import ROLES, TABLE, expected, open_peer_interview, reopen_peer_interview

pytestmark = pytest.mark.browser

AXE_SOURCE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 860}
PHONES = [{"width": 390, "height": 844}, {"width": 320, "height": 640}]
# Not pages: a health check, a download, the admin's JavaScript catalogue, a redirect to the icon.
NOT_PAGES = {
    "quiz:healthz",
    "quiz:export",
    "quiz:questions-export",
    "admin:jsi18n",
    "favicon",
    "quiz:peer-poll",
}

LONG_CODE = "result = " + " + ".join(f"very_long_variable_name_{i}" for i in range(12))
WIDE_TABLE = (
    "| "
    + " | ".join(f"column {i}" for i in range(10))
    + " |\n"
    + "|---" * 10
    + "|\n"
    + ("| " + " | ".join("a fairly long cell" for _ in range(10)) + " |")
)
ANSWER = (
    f"An *iterator*.\n\n```python\n{LONG_CODE}\n```\n\n{WIDE_TABLE}\n\nInline `{LONG_CODE}` too.\n\n"
    "Key points:\n- A generator returns an iterator\n- Its body runs lazily, one yield at a time\n"
    f"- Long identifiers such as {LONG_CODE} still wrap"
)
# Says every key point (the last by its long line): the card shows its checklist, highlights and suggestion.
TYPED = f"Calling it gives back an iterator; the body runs lazily, one yield at a time. {LONG_CODE}"


@pytest.fixture
def objects(bank) -> dict:
    """The objects the URL table's rows point at, with answers that hold a long code line and a wide table."""
    users = get_user_model().objects
    owner = users.create_user("ada")
    reviewer = users.create_user("rita")
    reviewer.groups.add(reviewers_group())
    question = bank[0]
    question.answer_md = ANSWER
    question.save()
    interviewer = users.create_user("ivan")
    # The peer interview's screens with the answer's long code line and wide table, typed notes beside it.
    peer, invite = open_peer_interview(owner, interviewer, [question, *bank[1:3]])
    peers.save_notes(peer, peer.current_item(), TYPED)
    running = MockInterview.start(owner, bank[:3], seconds_per_question=180)
    running.reveal(running.current_item(), answer_text=TYPED)
    finished = MockInterview.start(owner, bank, total_seconds=600)
    for item, grade in zip(finished.items.order_by("position"), [*Grade, *Grade], strict=False):
        finished.reveal(item, answer_text=TYPED)  # results and progress show ticks and calibration
        finished.grade(item, grade, answer_text=f"My answer: {LONG_CODE}")
    finished.end_early()
    # One question suspended: the suspended list shows a row, the results and question pages the badge.
    ReviewState.objects.filter(user=owner, question=bank[5]).update(suspended=True)
    unrevealed = MockInterview.start(owner, bank[3:5], total_seconds=600)
    reopen_peer_interview(peer)
    upload = BankUpload.stash(owner, "team", {"sql.md": f"# SQL\n\n### What is a join?\n{ANSWER}\n".encode()})
    clerk = users.create_user("clara", is_staff=True)  # staff holding only the permission to add banks
    clerk.user_permissions.add(Permission.objects.get(codename="add_bank"))
    return {
        "extra pages": {
            "user": [
                f"/interviews/{unrevealed.pk}/",  # the table's running one is revealed
                "/interviews/new/?q=generator",  # practise from a search, or from one question (issue 27)
                f"/interviews/new/?question={bank[1].pk}&kind=review",
            ]
        },
        "users": {
            "anonymous": None,
            "user": owner,
            "other user": users.create_user("bob"),
            "reviewer": reviewer,
            "staff": users.create_superuser("grace"),
            "bank clerk": clerk,
            "interviewer": interviewer,
        },
        "owner": owner,
        "peer": peer,
        "peer_item": peer.current_item(),
        "invite": invite,
        "question": question,
        "question_type": ContentType.objects.get_for_model(Question),
        "revision": question.history.order_by("history_date").first().history_id,
        "section": question.section,
        "flag": Flag.objects.create(user=owner, question=question, reason=Flag.Reason.WRONG, comment="Wrong"),
        "running": running,
        "item": running.current_item(),
        "finished": finished,
        "group": reviewers_group(),
        "attempt": None,
        "access_log": None,
        "failure_log": None,
        "bank": question.section.bank,
        "upload": upload,
        "task": DBTaskResult.objects.get(id=import_upload.enqueue(upload.pk).id),
        # Home shows today's share of it, progress its forecast chart and table.
        "plan": InterviewPlan.objects.create(
            user=owner, title="Acme on-site: the ML loop", date=date.today() + timedelta(days=21)
        ),
    }


def pages_for(role: str, objects: dict) -> list[str]:
    """The URLs of the table that ``role`` may open as a page (GET answers 200), and the fixture's extras."""
    urls = list(objects["extra pages"].get(role, []))
    for name, row in TABLE.items():
        if name in NOT_PAGES or row.post is not None or expected(row.get, role) != 200:
            continue
        try:
            urls.append(row.url(objects))
        except AttributeError:  # an axes log row the fixture does not make: the admin's own pages
            continue
    return urls


def signed_in_page(open_page, live_server, user, **options):
    """A page (conftest's ``open_page``: problems checked at the end) signed in as ``user`` by cookie."""
    page = open_page(**options)
    page.context.set_default_timeout(8000)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return page


def run_axe(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("(options) => axe.run(document, options)", options)
    found = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            why = node["any"][0]["message"] if node["any"] else ""
            found.append(f"{violation['id']}: {' '.join(node['target'])} {why}"[:300])
    return found


def sideways_scroll(page) -> str | None:
    """What sticks out past the right edge when the page scrolls sideways, else None."""
    return page.evaluate(
        """() => {
      const root = document.documentElement;
      if (root.scrollWidth <= window.innerWidth) return null;
      const wide = [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((el) => !el.parentElement.closest("pre, table, .table-scroll, .answer-diff"))
        .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
      return `${root.scrollWidth}px wide at ${window.innerWidth}px: ${wide.join(", ")}`;
    }"""
    )


@pytest.fixture
def axe_installed():
    assert AXE_SOURCE.exists(), f"{AXE_SOURCE} is missing: run .ci/install-browser"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_axe_clean_and_fits_a_phone(role, open_page, live_server, objects, axe_installed):
    urls = pages_for(role, objects)
    assert len(urls) >= 5, urls
    page = signed_in_page(open_page, live_server, objects["users"][role], viewport=DESKTOP)
    found: dict[str, list[str]] = {}
    for url in urls:
        found |= check_everywhere(page, lambda url=url: page.goto(url), url)
    assert not found, json.dumps(found, indent=1)


# Light and dark on a desktop and a 390 px phone (axe each time), then 320 px (the width only).
LOOKS = [(scheme, viewport) for viewport in [DESKTOP, PHONES[0]] for scheme in ["light", "dark"]] + [
    ("light", PHONES[1])
]


def check_everywhere(page, show: Callable[[], object], name: str, looks=LOOKS) -> dict[str, list[str]]:
    """``show()`` the page in every look; what axe, the heading count and the width check find, by look."""
    found = {}
    for scheme, viewport in looks:
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size(viewport)
        show()
        problems = [] if viewport == PHONES[1] else run_axe(page)
        if (headings := page.locator("h1, [role=heading][aria-level='1']").count()) != 1:
            problems.append(f"{headings} level-one headings")
        if viewport != DESKTOP and (overflow := sideways_scroll(page)):
            problems.append(overflow)
        if problems:
            found[f"{name} {scheme} {viewport['width']}px"] = problems
    return found


def test_error_pages_are_axe_clean_and_fit_a_phone(
    open_page, live_server, page_problems, objects, axe_installed, monkeypatch
):
    page = signed_in_page(open_page, live_server, objects["users"]["user"], viewport=DESKTOP)
    page_problems.allow("the server responded with a status of")  # the browser notes each error status
    page.goto("/")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    form = "application/x-www-form-urlencoded"

    def posted(url: str, body: bytes, content_type: str = form) -> Callable[[], object]:
        """Open ``url`` as the answer to a form post with ``body``: the page the browser would show."""

        def show():
            page.route(
                url,
                lambda route: route.fulfill(
                    response=route.fetch(
                        method="POST",
                        post_data=body,
                        headers={**route.request.headers, "content-type": content_type},
                    )
                ),
            )
            try:
                return page.goto(url)
            finally:
                page.unroute(url)

        return show

    # Only the interview start is over its limit: sign-in attempts are counted with hit() too (the 400 case).
    monkeypatch.setattr("quiz.throttles.hit", lambda request, what: what == "interview-start")
    monkeypatch.setattr("quiz.views.pages.render", lambda *args, **kwargs: 1 / 0)  # home fails: the 500 page
    cases = {
        400: posted(
            "/accounts/login/",
            f"csrfmiddlewaretoken={token}&username=a".encode("utf-16"),
            f"{form}; charset=utf-16",
        ),
        403: lambda: page.goto("/review-queue/"),
        "403 CSRF": posted("/accounts/logout/", b"next=/"),
        404: lambda: page.goto("/no-such-page/"),
        429: posted("/interviews/new/", f"csrfmiddlewaretoken={token}&quick=1".encode()),
        500: lambda: page.goto("/"),
    }
    found = {}
    for status, show in cases.items():
        response = show()
        assert response.status == int(str(status)[:3]), (status, response.status)
        found |= check_everywhere(page, show, str(status))
    assert not found, json.dumps(found, indent=1)


def widest(questions: list[Question], count: int) -> list[Question]:
    """The answers most likely to push a page sideways: the longest lines (code, tables, paths) first."""
    return sorted(questions, key=lambda q: -max(map(len, q.answer_md.splitlines() or [""])))[:count]


def test_the_bundled_banks_widest_answers_are_axe_clean_and_fit_a_phone(
    open_page, live_server, transactional_db, axe_installed
):
    load_file(Path(settings.BASE_DIR) / "fixtures" / "content.json")
    chosen = widest(list(Question.objects.active().exclude(answer_md="")), 20)
    reviewer = get_user_model().objects.create_user("rita")
    reviewer.groups.add(reviewers_group())
    finished = MockInterview.start(reviewer, chosen, total_seconds=3600)
    for item, grade in zip(finished.items.order_by("position"), [*Grade] * 5, strict=False):
        finished.reveal(item, answer_text=f"{TYPED} {item.question.answer_md[:300]}")
        finished.grade(item, grade)
    Flag.objects.bulk_create(Flag(user=reviewer, question=q, reason=Flag.Reason.WRONG) for q in chosen)
    urls = [f"/interviews/{finished.pk}/results/", "/review-queue/"]
    urls += [f"/questions/{q.pk}/" for q in chosen] + [
        f"/review-queue/questions/{q.pk}/answer/" for q in chosen
    ]
    page = signed_in_page(open_page, live_server, reviewer, viewport=DESKTOP)
    found: dict[str, list[str]] = {}
    for url in urls:

        def show(url=url):
            page.goto(url)
            # The review queue's answers sit in closed boxes: open, they must fit too.
            page.evaluate(
                "() => document.querySelectorAll('details.reference-answer').forEach((d) => (d.open = true))"
            )

        found |= check_everywhere(page, show, url, LOOKS[:4])  # test_phone_width walks these at 320 px
    assert not found, json.dumps(found, indent=1)
