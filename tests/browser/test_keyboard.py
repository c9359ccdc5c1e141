"""Keyboard and screen-reader use in a real browser: a whole interview with Tab, Enter and Space only, where
focus lands after every htmx swap (never on <body>), what the live region says, the timer's two announcements,
shortcuts turned off, and the pages that change with a user's role or account."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Flag, Grade, MockInterview, Preferences, Question
from tests.conftest import reviewers_group

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) return "<body>";
  return a.id ? `#${a.id}` : a.textContent.replace(/\\s+/g, " ").trim().slice(0, 60);
}"""


def focused(page) -> str:
    return page.evaluate(FOCUSED)


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def tab_to(page, text: str, limit: int = 40) -> None:
    """Press Tab until the focused element's text (or id) contains ``text``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if text in focused(page):
            return
    raise AssertionError(f"{text!r} never took focus with Tab; last focused: {focused(page)!r}")


def announced(page) -> str:
    return page.locator("#announcer").inner_text()


def test_a_whole_interview_by_tab_enter_and_space_without_shortcuts(page, live_server, bank, candidate):
    Preferences.objects.create(user=candidate, keyboard_shortcuts=False)
    signed_in(page, live_server, candidate)
    page.goto("/interviews/new/")
    tab_to(page, "Start the interview")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/interviews/\d+/$"))
    interview = MockInterview.objects.get(user=candidate)
    card = page.locator("#question-card")
    expect(card.locator(".shortcuts")).to_be_hidden()  # no hints for keys that do nothing

    for number in range(1, interview.question_count + 1):
        expect(card.locator(".progress-label")).to_have_text(
            f"Question {number} / {interview.question_count}"
        )
        page.keyboard.press("s")  # shortcuts are off: a stray key skips nothing
        expect(card.locator(".progress-label")).to_have_text(
            f"Question {number} / {interview.question_count}"
        )
        tab_to(page, "#answer-text")
        page.keyboard.type("An answer typed with the keyboard.")
        tab_to(page, "Reveal the answer")
        page.keyboard.press("Space")
        expect(card.locator(".reference-answer")).to_be_visible()
        expect(page.locator("#reference-heading")).to_be_focused()
        expect(page.locator("#announcer")).to_have_text("Reference answer shown: grade yourself.")
        if number == 1:
            tab_to(page, "Mark for later")
            page.keyboard.press("Space")
            expect(card.locator(".badge-mark")).to_have_text("Marked for later")
            # The same control, now saying what it would undo.
            expect(page.locator(":focus")).to_contain_text("Unmark")
        if number < interview.question_count:
            tab_to(page, "Good")
            page.keyboard.press("Enter")
            expect(card.locator(".progress-label")).to_have_text(
                f"Question {number + 1} / {interview.question_count}"
            )
            expect(page.locator("#question-heading")).to_be_focused()
            expect(page.locator("#announcer")).to_have_text(
                f"Question {number + 1} of {interview.question_count}."
            )
        else:
            tab_to(page, "Nailed")
            page.keyboard.press("Space")
            page.wait_for_url(re.compile(r"/results/$"))

    items = list(interview.items.order_by("position"))
    assert [item.grade for item in items] == [Grade.GOOD] * (len(items) - 1) + [Grade.NAILED]
    assert items[0].marked and all(item.answer_text for item in items)


def test_space_on_a_focused_button_presses_that_button(page, live_server, bank, candidate):
    signed_in(page, live_server, candidate)
    interview = MockInterview.start(candidate, bank[:2])
    page.goto(f"/interviews/{interview.pk}/")
    page.get_by_role("button", name="Skip").focus()
    page.keyboard.press("Space")
    expect(page.locator(".progress-label")).to_have_text("Question 2 / 2")
    first = interview.items.get(position=0)
    assert first.skipped and first.revealed_at is None  # skipped, not revealed
    expect(page.locator("#question-heading")).to_be_focused()


def test_a_key_pressed_the_moment_a_card_appears_stays_on_the_page(page, live_server, bank, candidate):
    """htmx wires a new card's buttons when it settles, on a timer after the swap. With the page's clock
    paused the card never settles by itself: the shortcut must still go through htmx, not reload the page."""
    signed_in(page, live_server, candidate)
    interview = MockInterview.start(candidate, bank[:2])
    page.clock.install(time=timezone.now())
    page.goto(f"/interviews/{interview.pk}/")
    page.evaluate("window.__samePage = true")
    page.clock.pause_at(timezone.now() + timedelta(seconds=1))

    page.keyboard.press(" ")
    card = page.locator("#question-card")
    expect(card.locator(".reference-answer")).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bhtmx-added\b"))  # shown, not yet settled
    page.keyboard.press("2")
    expect(card.locator(".progress-label")).to_have_text("Question 2 / 2")
    reloaded = not page.evaluate("window.__samePage === true")
    assert not reloaded, "the grade reloaded the page instead of swapping the card"
    assert interview.items.get(position=0).grade == Grade.PARTIAL


def test_the_timer_announces_one_minute_left_and_time_up_only(page, live_server, bank, candidate):
    signed_in(page, live_server, candidate)
    page.add_init_script(
        """document.addEventListener("DOMContentLoaded", () => {
             window.__said = [];
             new MutationObserver(() => {
               const text = document.getElementById("announcer").textContent;
               if (text) window.__said.push(text);
             }).observe(document.getElementById("announcer"), {childList: true, characterData: true,
                                                              subtree: true});
           });"""
    )
    page.clock.install(time=timezone.now())
    interview = MockInterview.start(candidate, bank[:1], seconds_per_question=90)
    page.goto(f"/interviews/{interview.pk}/")
    expect(page.locator(".countdown-value")).to_have_text(re.compile(r"^1:(2|3)\d$"))
    page.clock.run_for(20_000)  # about 1:10 left: every second shown, none said
    assert page.evaluate("window.__said") == []
    page.clock.run_for(15_000)  # under a minute
    assert page.evaluate("window.__said") == ["One minute left."]
    page.clock.run_for(40_000)  # still counting down: nothing more said
    assert page.evaluate("window.__said") == ["One minute left."]
    page.clock.run_for(20_000)  # past the deadline
    # Then the page asks the server for the card (the server's clock decides); its swap says the question.
    assert page.evaluate("window.__said")[:2] == ["One minute left.", "Time is up."]


def test_progress_bar_has_a_name(page, live_server, bank, candidate):
    signed_in(page, live_server, candidate)
    interview = MockInterview.start(candidate, bank[:3])
    page.goto(f"/interviews/{interview.pk}/")
    expect(page.get_by_role("progressbar", name="Question 1 / 3")).to_be_visible()


def test_focus_after_bookmark_note_pagination_and_dismiss_is_never_body(
    page, live_server, bank, candidate, make_many_questions
):
    reviewer = get_user_model().objects.create_user("rita", password=PASSWORD)
    reviewer.groups.add(reviewers_group())
    question = bank[0]
    signed_in(page, live_server, candidate)

    page.goto(f"/questions/{question.pk}/")
    page.get_by_role("button", name="Bookmark").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Remove bookmark")).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Bookmarked.")

    page.get_by_label("Private note").fill("Remember: generators are lazy.")
    page.get_by_role("button", name="Save note").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#note-form .save-status")).to_have_text("Saved")
    expect(page.get_by_role("button", name="Save note")).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Note saved.")

    page.goto("/questions/")
    page.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".pagination")).to_contain_text("Page 2 of")
    expect(page.locator("#result-count")).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("page 2 of")

    Flag.objects.create(user=candidate, question=question, reason=Flag.Reason.TYPO, comment="typo")
    signed_in(page, live_server, reviewer)
    page.goto("/review-queue/")
    page.get_by_role("button", name="Dismiss").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#review-queue .message")).to_contain_text("Dismissed flag")
    expect(page.locator("#review-queue .message")).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("Dismissed flag")


@pytest.fixture
def make_many_questions(bank):
    """Enough questions for a second page of the bank."""
    first = bank[0]
    for n in range(30):
        Question.objects.create(
            key=f"extra/q{n}",
            section=first.section,
            position=100 + n,
            prompt_md=f"Extra question {n}?",
            answer_md="Yes.",
            source_path=first.source_path,
            source_line=1000 + n,
        )


def test_a_new_reviewer_sees_the_review_queue_without_signing_in_again(page, sign_in, bank, candidate):
    sign_in(page, candidate.username)
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    expect(menu.get_by_role("link", name="Review queue")).to_have_count(0)
    candidate.groups.add(reviewers_group())
    page.reload()
    expect(menu.get_by_role("link", name="Review queue")).to_be_visible()


def test_a_mistyped_url_shows_the_apps_page_with_debug_on(page, page_problems, settings):
    settings.DEBUG = True
    page_problems.allow("404 (Not Found)")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("URLconf")
    assert page.request.get("/favicon.ico").ok  # followed to the SVG icon


def test_delete_the_account_from_the_account_page(page, sign_in, bank, candidate):
    other = get_user_model().objects.create_user("bob", password=PASSWORD)
    MockInterview.start(other, bank[:1])
    MockInterview.start(candidate, bank[:1], now=timezone.now() - timedelta(days=1))
    sign_in(page, candidate.username)
    page.goto("/account/")
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()  # the export, offered first
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account and data").click()
    expect(page.get_by_text("That is not your password. Nothing was deleted.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and data").click()
    expect(page.get_by_role("status")).to_contain_text("Your account and all your practice data are deleted.")
    assert not get_user_model().objects.filter(username=candidate.username).exists()
    assert list(MockInterview.objects.values_list("user__username", flat=True)) == ["bob"]


def test_the_answer_box_is_monospace_and_says_when_a_paste_is_cut(page, live_server, bank, candidate):
    interview = MockInterview.start(candidate, bank[:2], seconds_per_question=180)
    signed_in(page, live_server, candidate)
    page.goto(f"/interviews/{interview.pk}/")
    box = page.locator("#answer-text")
    assert box.evaluate("(box) => getComputedStyle(box).fontFamily").startswith("ui-monospace")
    limit = page.locator("[data-limit-for=answer-text]")
    box.fill("x" * 17_999)
    expect(limit).to_be_hidden()
    box.fill("x" * 18_500)
    expect(limit).to_have_text("18,500 of 20,000 characters")
    # A 78,000-character paste: the browser keeps 20,000 of it; the page says so at once.
    box.fill("")
    box.focus()
    page.evaluate(
        """(text) => {
      const box = document.getElementById("answer-text");
      const clipboardData = new DataTransfer();
      clipboardData.setData("text/plain", text);
      box.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true }));
      box.value = text.slice(0, box.maxLength);  // what the browser's own paste keeps
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }""",
        "y" * 78_000,
    )
    expected = "Your paste was cut to fit: the box holds 20,000 characters, so the last 58,000 were left out."
    expect(limit).to_have_text(expected)
    expect(page.locator("#announcer")).to_have_text(expected)
