"""The key points' checklist in a real browser (issue 13): type an answer, reveal, see the covered points
ticked, untick one by keyboard, accept the suggestion that follows, and find it on results and progress."""

import re

import pytest
from playwright.sync_api import expect

from quiz.answer_parts import join_key_points
from quiz.feedback import TICK, UNSURE, key_point_coverage
from quiz.models import Grade, MockInterview, Question
from tests.browser.test_accessibility import AXE_SOURCE, run_axe, sideways_scroll
from tests.test_checklist import ANSWER, KEY_POINTS, UNSURE_ANSWER, expected_grade

pytestmark = pytest.mark.browser


@pytest.fixture
def regularisation(bank) -> Question:
    question = bank[5]  # "What does L1 regularisation do that L2 does not?"
    question.answer_md = join_key_points(question.answer_md, KEY_POINTS)
    question.save()
    return question


def type_and_reveal(page, candidate, sign_in, question, answer) -> MockInterview:
    """Sign in, open a new interview on ``question``, type ``answer`` and press Reveal."""
    interview = MockInterview.start(candidate, [question])
    sign_in(page, candidate.username)
    page.goto(f"/interviews/{interview.pk}/")
    page.locator("#answer-text").fill(answer)
    page.get_by_role("button", name="Reveal the answer").click()
    return interview


def test_type_reveal_untick_accept_the_suggestion_and_see_it_on_results_and_progress(
    page, candidate, sign_in, regularisation
):
    covered = [score >= TICK for score in key_point_coverage(KEY_POINTS, ANSWER)]
    assert sum(covered) == 2  # what this test is about: two points ticked for the candidate
    interview = type_and_reveal(page, candidate, sign_in, regularisation, ANSWER)
    ticks = page.locator(".key-point-tick")
    expect(ticks).to_have_count(len(KEY_POINTS))
    for box, ticked in zip(ticks.all(), covered, strict=True):
        (expect(box).to_be_checked if ticked else expect(box).not_to_be_checked)()
    expect(page.locator(".checklist mark")).to_have_count(2)
    suggested = page.locator("button.grade.is-suggested")
    expect(suggested).to_have_count(1)
    expect(suggested).to_have_attribute("value", str(expected_grade(2, 3).value))
    expect(suggested.locator(".badge-suggested")).to_be_visible()

    # Untick the first covered point with the keyboard: the suggestion follows the share ticked.
    first = ticks.nth(covered.index(True))
    first.focus()
    page.keyboard.press(" ")
    expect(first).not_to_be_checked()
    now_suggested = expected_grade(1, 3)
    expect(suggested).to_have_count(1)
    expect(suggested).to_have_attribute("value", str(now_suggested.value))
    expect(page.locator(".badge-suggested:visible")).to_have_count(1)

    suggested.click()
    expect(page.get_by_role("heading", name="Results", level=1)).to_be_visible()
    expect(page.locator(".points-covered")).to_contain_text(f"Key points covered: 1 of {len(KEY_POINTS)}")
    expect(page.locator(f".result-item .badge.grade-{now_suggested.value}")).to_have_text(now_suggested.label)
    item = interview.items.get()
    assert item.grade == now_suggested and item.suggested_grade == now_suggested
    assert sum(item.ticks) == 1

    page.goto("/progress/")
    sentence = page.locator(f".calibration-sentences li[data-grade='{now_suggested.value}']")
    expect(sentence).to_contain_text(f"You grade {now_suggested.label} when you covered {round(100 / 3)}%")
    expect(page.locator(".calibration-chart circle")).to_have_count(1)


def test_without_javascript_the_ticks_post_with_the_grade(open_page, candidate, sign_in, regularisation):
    page = open_page(java_script_enabled=False)
    interview = MockInterview.start(candidate, [regularisation])
    sign_in(page, candidate.username)
    page.goto(f"/interviews/{interview.pk}/")
    page.locator("#answer-text").fill(ANSWER)
    page.get_by_role("button", name="Reveal the answer").click()
    page.locator(".key-point-tick").nth(1).check()
    page.get_by_role("button", name="Nailed").click()
    expect(page.get_by_role("heading", name="Results", level=1)).to_be_visible()
    item = interview.items.get()
    assert item.grade == Grade.NAILED and all(item.ticks)
    assert item.suggested_grade == Grade.NAILED


def test_an_unsure_point_is_confirmed_with_one_key_and_the_card_is_axe_clean_on_a_phone(
    open_page, candidate, sign_in, regularisation
):
    assert AXE_SOURCE.exists(), f"{AXE_SOURCE} is missing: run .ci/install-browser"
    scores = key_point_coverage(KEY_POINTS, UNSURE_ANSWER)
    assert [s >= TICK for s in scores] == [True, False, True] and scores[1] >= UNSURE
    page = open_page(viewport={"width": 320, "height": 640})
    interview = type_and_reveal(page, candidate, sign_in, regularisation, UNSURE_ANSWER)

    unsure = page.locator(".is-unsure .key-point-tick")
    expect(unsure).to_have_count(1)
    expect(unsure).not_to_be_checked()
    # The question is the box's description, so a screen reader says it with the point.
    expect(unsure).to_have_accessible_description(re.compile(r"Unsure .*is it what the point says\?"))
    suggested = page.locator("button.grade.is-suggested")
    expect(suggested).to_have_attribute("value", str(expected_grade(2, 3).value))
    assert run_axe(page) == []
    assert sideways_scroll(page) is None

    unsure.focus()
    page.keyboard.press(" ")  # one key confirms it
    expect(unsure).to_be_checked()
    expect(suggested).to_have_attribute("value", str(Grade.NAILED.value))
    expect(page.locator("#announcer")).to_have_text("Suggested grade: Nailed.")
    suggested.click()
    expect(page.get_by_role("heading", name="Results", level=1)).to_be_visible()
    assert interview.items.get().ticks == [True, True, True]
