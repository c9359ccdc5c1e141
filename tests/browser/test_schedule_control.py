"""Control over the schedule and practising from anywhere, in a real browser (issue 27, parts 2 and 3): a
search in the question bank becomes an interview of exactly those questions, each grade button says when that
grade brings the question back, and the results page suspends it. axe finds nothing; nothing scrolls sideways
at 320 px."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Grade, MockInterview, ReviewState

from .test_accessibility import PHONES, axe_installed, run_axe, sideways_scroll  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def _clean(page, name: str) -> list[str]:
    """axe on the desktop, then the width check at 320 px."""
    problems = [f"{name}: {v}" for v in run_axe(page)]
    page.set_viewport_size(PHONES[1])
    if overflow := sideways_scroll(page):
        problems.append(f"{name} at 320 px: {overflow}")
    page.set_viewport_size({"width": 1280, "height": 860})
    return problems


def test_a_search_result_becomes_an_interview_whose_grades_say_when_each_comes_back(
    open_page,
    sign_in,
    bank,
    candidate,
    axe_installed,  # noqa: F811
):
    generator = bank[0]  # "What does a Python **generator** return when it is called?"
    weeks_ago = timezone.now() - timedelta(days=20)
    for day in (0, 2, 6):
        ReviewState.record(candidate.pk, generator.pk, Grade.GOOD, weeks_ago + timedelta(days=day))
    page = open_page()
    sign_in(page, candidate.username)
    problems = []

    page.goto("/questions/")
    page.get_by_label("Search questions and answers").fill("generator")
    practise = page.get_by_role("link", name="Practise these 1")
    expect(practise).to_be_visible()
    practise.click()
    page.wait_for_url(re.compile(r"/interviews/new/\?q=generator$"))
    expect(page.get_by_role("heading", level=2)).to_contain_text("Questions matching “generator”: 1 question")
    problems += _clean(page, "setup from a search")

    page.get_by_role("button", name="Start the interview").click()
    card = page.locator("#question-card")
    expect(card.locator(".progress-label")).to_have_text("Question 1 / 1")
    assert list(MockInterview.objects.get().items.values_list("question", flat=True)) == [generator.pk]
    page.keyboard.press(" ")
    labels = card.locator(".next-interval")
    expect(labels).to_have_count(4)
    expected = ReviewState.objects.get(user=candidate).next_intervals(timezone.now())
    assert labels.all_inner_texts() == [f"Next: {expected[g]}" for g in Grade]
    assert labels.first.inner_text() == "Next: in 10 minutes"  # Missed: relearn in minutes
    expect(card.get_by_role("button", name=re.compile(r"Nailed.*Next: in \d+ (days|months)"))).to_be_visible()
    problems += _clean(page, "grade buttons")

    page.keyboard.press("Escape")
    page.keyboard.press("4")
    page.wait_for_url(re.compile(r"/interviews/\d+/results/$"))
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_role("status")).to_contain_text("Suspended: it stays out of review sessions")
    expect(page.locator(".schedule-controls .badge")).to_have_text("Suspended")
    assert ReviewState.objects.get(user=candidate).suspended
    problems += _clean(page, "results with a suspended question")

    page.goto("/account/suspended/")
    page.get_by_role("button", name=re.compile("^Unsuspend")).click()
    expect(page.get_by_text("Nothing is suspended")).to_be_visible()
    assert not ReviewState.objects.get(user=candidate).suspended
    assert problems == []
