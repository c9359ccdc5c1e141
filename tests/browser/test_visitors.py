"""A signed-out visitor in a real browser: home's bank list in two columns keeps each chapter with its
topics, a section name opens the bank filtered by it, and the sample question is answered and revealed by
keyboard, axe-clean in every look (issue 21, item 10)."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from quiz.content_loader import load_file
from quiz.models import Section
from tests.browser.test_accessibility import AXE_SOURCE, DESKTOP, check_everywhere

pytestmark = pytest.mark.browser


@pytest.fixture
def bundled_bank(transactional_db):
    load_file(Path(settings.BASE_DIR) / "fixtures" / "content.json")


def test_home_columns_keep_each_chapter_with_its_topics(page, live_server, bundled_bank):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    # A box split over two columns has one client rectangle in each.
    lefts = page.eval_on_selector_all(
        ".section-group", "groups => groups.map(g => [...g.getClientRects()].map(r => Math.round(r.left)))"
    )
    assert len(lefts) == Section.objects.filter(parent=None, retired=False).count() > 1
    assert [group for group in lefts if len(group) != 1] == []
    assert len({group[0] for group in lefts}) == 2  # and there are two columns


def test_a_section_name_on_home_opens_its_questions(page, live_server, bundled_bank):
    page.goto(live_server.url + "/")
    first = page.locator(".section-group .section-title").first
    title = first.inner_text()
    first.click()
    page.wait_for_url("**/questions/?section=*")
    assert page.locator("#id_section option:checked").inner_text().strip().endswith(title)
    assert page.locator(".bank-item").count() > 0


def test_a_visitor_tries_the_sample_question_by_keyboard(page, live_server, bundled_bank):
    assert AXE_SOURCE.exists(), f"{AXE_SOURCE} is missing: run .ci/install-browser"

    def answer_and_reveal():
        page.goto(live_server.url + "/try/")
        page.locator("#id_answer_text").focus()
        page.keyboard.type("Bias is error from wrong assumptions; variance is sensitivity to the data.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("#reference-heading")

    answer_and_reveal()
    assert page.evaluate("document.activeElement.id") == "reference-heading"
    assert page.locator(".sample-verdicts li").count() > 0
    found = check_everywhere(page, answer_and_reveal, "/try/ revealed")
    assert not found, json.dumps(found, indent=1)
