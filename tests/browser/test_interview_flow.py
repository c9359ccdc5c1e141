"""What a person does in a real browser: sign up, run an interview by keyboard, run out of time,
get locked out, reload mid-answer, and answer with JavaScript off."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Grade, MockInterview, ReviewState

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a long enough new password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def tab_to(page, selector: str, limit: int = 25) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} never got the focus after {limit} presses of Tab")


def countdown_seconds(page) -> int:
    minutes, seconds = page.locator(".countdown-value").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


def answer_by_keyboard(page, text: str) -> None:
    tab_to(page, "#answer-text")
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    expect(page.locator("#answer-text")).not_to_be_focused()


def test_new_user_runs_an_interview_by_keyboard(page, bank):
    page.clock.install()  # the countdown's time moves when the test says, not with the wall clock
    page.goto("/")
    page.get_by_role("link", name="Sign up to practise").click()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("link", name="Choose sections and timing").click()
    page.get_by_role("spinbutton", name="Questions").fill("3")
    page.get_by_label("Minutes per question").check()
    page.get_by_role("spinbutton", name="Minutes").fill("1")
    page.get_by_role("button", name="Start the interview").click()

    card = page.locator("#question-card")
    expect(card.locator(".progress-label")).to_have_text("Question 1 / 3")
    before = countdown_seconds(page)
    page.clock.run_for(1500)
    assert 0 < countdown_seconds(page) < before <= 60

    # Question 1: write, leave the box, reveal with Space, grade Good with 3.
    answer_by_keyboard(page, "It returns an iterator that yields values lazily.")
    page.keyboard.press(" ")
    reference = card.locator(".reference-answer")
    expect(reference).to_be_visible()
    textarea = page.locator("#answer-text")
    expect(textarea).to_have_value("It returns an iterator that yields values lazily.")
    assert reference.bounding_box()["x"] > textarea.bounding_box()["x"] + textarea.bounding_box()["width"]
    page.keyboard.press("3")
    expect(card.locator(".progress-label")).to_have_text("Question 2 / 3")

    # Question 2: mark it for later with M, then reveal and grade Nailed with 4.
    answer_by_keyboard(page, "Second answer, worth a second look.")
    page.keyboard.press("m")
    expect(card.locator(".badge-mark")).to_have_text("Marked for later")
    expect(textarea).to_have_value("Second answer, worth a second look.")
    page.keyboard.press(" ")
    expect(card.locator(".reference-answer")).to_be_visible()
    page.keyboard.press("4")
    expect(card.locator(".progress-label")).to_have_text("Question 3 / 3")

    # Question 3: skip with S; the last step sends the browser to the results (HX-Redirect).
    answer_by_keyboard(page, "No idea, skipping.")
    page.keyboard.press("s")
    page.wait_for_url(re.compile(r"/interviews/\d+/results/$"))

    # Good (2/3) + Nailed (1) + skipped (0) over three questions.
    expect(page.get_by_test_id("score")).to_have_text("56%")
    first, second, third = (page.locator(f"#item-{n}") for n in (1, 2, 3))
    expect(first.locator(".result-item-header")).to_contain_text("Good")
    expect(first.locator(".typed-answer")).to_have_text("It returns an iterator that yields values lazily.")
    expect(second.locator(".result-item-header")).to_contain_text("Nailed")
    expect(second.locator(".result-item-header")).to_contain_text("Marked for later")
    expect(second.locator(".typed-answer")).to_have_text("Second answer, worth a second look.")
    expect(third.locator(".result-item-header")).to_contain_text("Skipped")
    expect(third.locator(".typed-answer")).to_have_text("No idea, skipping.")

    interview = MockInterview.objects.get(user__username="grace")
    assert interview.ending == MockInterview.Ending.COMPLETED
    assert interview.seconds_per_question == 60
    items = list(interview.items.order_by("position"))
    assert [(i.grade, i.skipped, i.marked, i.over_time) for i in items] == [
        (Grade.GOOD, False, False, False),
        (Grade.NAILED, False, True, False),
        (None, True, False, False),
    ]
    # Each grade reached the review schedule exactly once; the skipped question not at all.
    reviews = ReviewState.objects.filter(user=interview.user)
    assert sorted(reviews.values_list("question_id", "reviews")) == sorted(
        [(items[0].question_id, 1), (items[1].question_id, 1)]
    )


def test_pages_name_an_icon_the_browser_can_load(page):
    """Chrome fetches /favicon.ico when a page names no icon; a 404 there is an error in the console."""
    page.goto("/")
    icons = page.locator("link[rel~='icon']")
    href = icons.first.get_attribute("href") if icons.count() else "/favicon.ico"
    status = 200 if href.startswith("data:") else page.request.get(href).status
    assert status == 200, f"the page icon {href} answers {status}"


def test_question_past_its_time_is_marked_over_time(page, sign_in, bank, candidate):
    """Time moves on both sides, no waiting: Playwright's clock in the page, time_machine on the server."""
    sign_in(page, candidate.username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    start = timezone.now()
    interview = MockInterview.start(candidate, bank[:2], seconds_per_question=60, now=start)
    page.clock.install()
    page.goto(f"/interviews/{interview.pk}/")

    card = page.locator("#question-card")
    with time_machine.travel(start + timedelta(seconds=65)):
        # The first question's minute runs out; the interview (two minutes in all) still runs.
        page.clock.fast_forward("01:05")
        expect(card.locator(".countdown-value")).to_have_text("0:00")
        expect(card.locator(".countdown-label")).to_have_text("Over time")
        # Only the server renders this badge: quiz.js asked it for the card again when the clock ran out.
        expect(card.locator(".badge-late")).to_contain_text("Over time")
        page.keyboard.press(" ")
        expect(card.locator(".reference-answer")).to_be_visible()
        page.keyboard.press("2")
        expect(card.locator(".progress-label")).to_have_text("Question 2 / 2")

    # The second question's time is the interview's last minute; when it runs out, the results show.
    with time_machine.travel(start + timedelta(seconds=125)):
        page.clock.fast_forward("01:00")
        page.wait_for_url(re.compile(r"/interviews/\d+/results/$"))
        expect(page.locator("main")).to_contain_text("Ran out of time")
    first = page.locator("#item-1 .result-item-header")
    expect(first).to_contain_text("Partial")
    expect(first.locator(".badge-late")).to_have_text("Over time")
    item = interview.items.get(position=0)
    assert item.over_time
    assert item.grade == Grade.PARTIAL


def test_sign_in_locks_out_after_repeated_wrong_passwords(page, sign_in, page_problems, settings, candidate):
    # django-axes answers the locked-out attempt with 429, which Chrome notes in the console.
    page_problems.allow("status of 429 (Too Many Requests)")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, candidate.username, password=f"wrong password {attempt}")
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("locked for 15 minutes")


def test_typed_notes_survive_a_reload(page, sign_in, bank, candidate):
    sign_in(page, candidate.username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    interview = MockInterview.start(candidate, bank[:2], seconds_per_question=300)
    page.goto(f"/interviews/{interview.pk}/")
    prompt = page.locator("#question-card .prompt").inner_text()

    page.locator("#answer-text").press_sequentially("Half-way through my answer")
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.reload()

    expect(page.locator(".progress-label")).to_have_text("Question 1 / 2")
    expect(page.locator("#question-card .prompt")).to_have_text(prompt)
    expect(page.locator("#answer-text")).to_have_value("Half-way through my answer")


def test_resized_answer_box_reveals_without_csp_violation(page, sign_in, bank, candidate):
    sign_in(page, candidate.username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    interview = MockInterview.start(candidate, bank[:2], seconds_per_question=300)
    page.goto(f"/interviews/{interview.pk}/")

    # Drag the textarea's resize handle: Chrome records the new height as an inline style attribute.
    box = page.locator("#answer-text").bounding_box()
    x, y = box["x"] + box["width"] - 3, box["y"] + box["height"] - 3
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 120, steps=5)
    page.mouse.up()
    page.keyboard.press(" ")

    expect(page.locator(".reference-answer")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []


def test_interview_works_without_javascript(open_page, sign_in, page_problems, bank, candidate):
    page = open_page(java_script_enabled=False)
    sign_in(page, candidate.username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    interview = MockInterview.start(candidate, bank[:2], seconds_per_question=300)
    page.goto(f"/interviews/{interview.pk}/")

    page.locator("#answer-text").fill("Typed without any script")
    page.get_by_role("button", name="Reveal the answer").click()
    expect(page.locator(".reference-answer")).to_be_visible()
    expect(page.locator("#answer-text")).to_have_value("Typed without any script")
    page.get_by_role("button", name="Good").click()

    expect(page.locator(".progress-label")).to_have_text("Question 2 / 2")
    item = interview.items.get(position=0)
    assert (item.grade, item.answer_text) == (Grade.GOOD, "Typed without any script")

    # A refused step keeps the text: an answer over the limit comes back with the reason (and a 422).
    page_problems.allow("status of 422 (Unprocessable Entity)")
    too_long = "x" * 20001
    page.locator("#answer-text").evaluate(
        "(box, text) => { box.removeAttribute('maxlength'); box.value = text; }", too_long
    )
    page.get_by_role("button", name="Reveal the answer").click()
    expect(page.get_by_role("alert")).to_contain_text("over 20000 characters")
    expect(page.locator("#answer-text")).to_have_value(too_long)

    # "End interview" without a script keeps what was typed on the question on screen.
    page.locator("#answer-text").fill("Last thoughts before ending")
    page.get_by_role("button", name="End interview").click()
    page.wait_for_url(re.compile(r"/interviews/\d+/results/$"))
    expect(page.locator("#item-2 .typed-answer")).to_have_text("Last thoughts before ending")


def test_readme_screenshots(open_page, sign_in, bank, candidate, tmp_path):
    """The README's pictures. Written to docs/screenshots only with UPDATE_SCREENSHOTS=1, so a test run
    does not rewrite committed images whose clock and dates change every time."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    # The first question with key points, so the pictures show the checklist after Reveal.
    generator = bank[0]
    generator.answer_md += (
        "\n\nKey points:\n- Calling it returns a generator object, an iterator\n"
        "- The body runs lazily, up to each yield, on next()\n"
        "- Values come one at a time, so memory stays flat\n"
        "- It is exhausted after the last yield"
    )
    generator.save()
    page = open_page()  # 1280 x 860
    sign_in(page, candidate.username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # Fifteen minutes in all, started four minutes ago, so the clock and the results look lived in.
    started = timezone.now() - timedelta(minutes=4)
    interview = MockInterview.start(candidate, bank[:4], total_seconds=15 * 60, now=started)
    later = interview.items.order_by("position")[2:]
    for minutes, item, grade in zip([1, 2], later, [Grade.PARTIAL, Grade.MISSED], strict=True):
        # The last two already graded keeps the screen on question 1. Written directly: the interview
        # itself only grades the question on screen.
        at = started + timedelta(minutes=minutes)
        interview.items.filter(pk=item.pk).update(grade=grade, started_at=at, revealed_at=at, done_at=at)

    page.goto(f"/interviews/{interview.pk}/")
    page.locator("#answer-text").press_sequentially(
        "Calling it returns a generator object, which is an iterator.\nThe body only runs on next(), "
        "up to each yield, so values come one at a time and memory stays flat."
    )
    page.keyboard.press("Escape")
    page.keyboard.press(" ")
    expect(page.locator(".reference-answer")).to_be_visible()
    expect(page.locator(".key-point-tick:checked")).not_to_have_count(0)  # the matcher ticked what was said
    # caret="initial": hiding the caret puts style attributes on the inputs, which htmx then copies while
    # swapping and the page's CSP rightly refuses.
    page.screenshot(path=folder / "question.png", caret="initial")

    page.keyboard.press("3")
    expect(page.locator(".progress-label")).to_have_text("Question 2 / 4")
    page.locator("#answer-text").fill("df.dropna(), with subset= for the columns that matter.")
    page.keyboard.press("Escape")
    page.keyboard.press(" ")
    expect(page.locator(".reference-answer")).to_be_visible()
    page.keyboard.press("4")
    page.wait_for_url(re.compile(r"/results/$"))
    page.screenshot(path=folder / "results.png", caret="initial")

    page.goto("/")
    page.screenshot(path=folder / "home.png", caret="initial")

    # A phone, 390 px wide: the revealed answer fits the width, its code scrolls in its own box.
    phone = open_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    sign_in(phone, candidate.username)
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    on_phone = MockInterview.start(candidate, bank[:3], seconds_per_question=180)
    phone.goto(f"/interviews/{on_phone.pk}/")
    phone.locator("#answer-text").fill("A generator object: an iterator that runs lazily, yield by yield.")
    phone.get_by_role("button", name="Reveal the answer").click()
    expect(phone.locator(".reference-answer")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=folder / "phone-question.png", caret="initial", full_page=True)


def test_back_from_an_interview_shows_home_as_it_is_now(page, sign_in, bank, candidate):
    """Pages that change with state are never shown from the browser's or htmx's stale copy (issue 14.3)."""
    sign_in(page, candidate.username)
    page.goto("/")
    expect(page.get_by_role("link", name="Resume it")).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"^Start: ")).click()
    expect(page.locator("#question-card")).to_be_visible()
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#question-card .reference-answer")).to_be_visible()
    page.go_back()  # the htmx swap pushed no entry: back is the home page as it was before starting
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Resume it")).to_be_visible()
