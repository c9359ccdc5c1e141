"""A chain with a hint in a real browser, on a phone: ask for a hint by keyboard (focus and announcement
land on it), reveal, see the suggestion capped at Good, grade, get the follow-up with its question above it,
finish, and find the chain's depth and the hint on results. Axe-clean; nothing scrolls sideways at 320 px."""

import pytest
from playwright.sync_api import expect

from quiz.answer_parts import join_key_points
from quiz.models import Grade, MockInterview, Question
from tests.browser.test_accessibility import run_axe, sideways_scroll

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
KEY_POINTS = [
    "Simple models underfit: high bias",
    "Flexible models overfit, so their variance on new data is high",
    "Regularisation, more data and cross-validation move the balance",
]


@pytest.fixture
def chain(bank) -> tuple[Question, Question]:
    parent = bank[3]  # "Explain the bias-variance trade-off."
    parent.answer_md = join_key_points(parent.answer_md, KEY_POINTS)
    parent.save()
    follow_up = Question.objects.create(
        key=f"{parent.key}/how-would-you-see-it",
        section=parent.section,
        position=parent.position,
        parent=parent,
        prompt_md="And how would you **see** which of the two your model suffers from, in production?",
        answer_md=join_key_points(
            "Compare the training and validation curves:\n\n```python\n"
            "train_loss, val_loss = history['loss'], history['val_loss']  # a gap that grows: variance, "
            "both high: bias\n```",
            ["A growing train/validation gap means variance", "Both errors high means bias"],
        ),
        source_path=parent.source_path,
    )
    return parent, follow_up


def focused_text(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.textContent.trim()")


def check_phone_page(page, where: str) -> None:
    assert run_axe(page) == [], where
    page.set_viewport_size(NARROW)
    assert sideways_scroll(page) is None, where
    page.set_viewport_size(PHONE)


def test_a_chain_with_a_hint_on_a_phone(open_page, sign_in, candidate, bank, chain):
    parent, follow_up = chain
    page = open_page(viewport=PHONE)
    interview = MockInterview.start(
        candidate, [parent, bank[4]], seconds_per_question=600, follow_ups={parent.pk: [follow_up]}
    )
    sign_in(page, candidate.username)
    page.goto(f"/interviews/{interview.pk}/")
    expect(page.locator("#question-heading")).to_contain_text("bias-variance")

    # A hint by keyboard: H, as the button says. The hint is focused and read out.
    page.keyboard.press("h")
    hint = page.locator(".hint-list li")
    expect(hint).to_have_count(1)
    expect(hint).to_have_text("Simple models underfit…")
    expect(page.locator("#announcer")).to_contain_text("Hint 1: Simple models underfit…")
    assert focused_text(page) == "Simple models underfit…"
    expect(page.get_by_role("button", name="Another hint")).to_contain_text("(2 left)")
    check_phone_page(page, "question with a hint")

    page.locator("#answer-text").fill(
        "Simple models underfit with high bias; flexible ones overfit with high variance. "
        "Regularisation, more data and cross-validation move the balance."
    )
    page.get_by_role("button", name="Reveal the answer").click()
    # The first reveal scores the typed answer (the matcher's first use in the server): give it time.
    expect(page.locator(".checklist")).to_have_attribute(
        "data-grade-cap", str(Grade.GOOD.value), timeout=20000
    )
    for box in page.locator(".key-point-tick").all():
        box.check()
    # Every point ticked, and still Good: a hint was taken.
    suggested = page.locator("button.grade.is-suggested")
    expect(suggested).to_have_count(1)
    expect(suggested).to_have_attribute("value", str(Grade.GOOD.value))
    suggested.click()

    # The follow-up comes next, the question it follows above it; the focus on its prompt.
    expect(page.locator(".follow-up-label")).to_have_text("Follow-up 1 to question 1")
    expect(page.locator(".parent-prompt")).to_contain_text("Explain the bias-variance trade-off.")
    expect(page.locator("#question-heading")).to_contain_text("which of the two your model suffers from")
    expect(page.locator("#announcer")).to_contain_text("Follow-up 1 to question 1.")
    assert "which of the two" in focused_text(page)
    expect(page.locator(".progress-label")).to_have_text("Question 1 / 2")
    check_phone_page(page, "follow-up")

    page.get_by_role("button", name="Reveal the answer").click()
    page.get_by_role("button", name="Nailed").click()
    expect(page.locator(".progress-label")).to_have_text("Question 2 / 2")
    page.get_by_role("button", name="Skip").click()

    expect(page.get_by_role("heading", name="Results", level=1)).to_be_visible()
    expect(page.locator(".chain-depth")).to_contain_text("Follow-ups: reached 1 of 1, passed 1")
    expect(page.locator("#item-1 .hints-used")).to_contain_text("1 hint taken")
    expect(page.locator("#item-1-1 .follow-up-label")).to_have_text("Follow-up 1")
    check_phone_page(page, "results")
    items = {i.question_id: i for i in interview.items.all()}
    assert (items[parent.pk].hints_used, items[parent.pk].suggested_grade) == (1, Grade.GOOD)
    assert items[follow_up.pk].grade == Grade.NAILED


def test_a_hint_without_javascript(open_page, sign_in, candidate, chain):
    parent, _ = chain
    page = open_page(java_script_enabled=False)
    interview = MockInterview.start(candidate, [parent])
    sign_in(page, candidate.username)
    page.goto(f"/interviews/{interview.pk}/")
    page.locator("#answer-text").fill("Underfitting is bias")
    page.get_by_role("button", name="Hint").click()
    expect(page.locator(".hint-list li")).to_have_text("Simple models underfit…")
    expect(page.locator("#answer-text")).to_have_value("Underfitting is bias")
    page.get_by_role("button", name="Another hint").click()
    expect(page.locator(".hint-list li")).to_have_count(2)
    assert interview.items.get().hints_used == 2
