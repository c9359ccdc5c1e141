"""A whole peer interview in two browsers: the candidate starts it from the setup page and copies the invite
link; the interviewer opens it and joins; the candidate's typed notes show up live on the interviewer's screen
with the matcher's reading beside the key points; a hint and a follow-up reach the candidate (announced, the
notes box keeping focus until the question changes); the interviewer scores the rubric, ticks, grades and
ends; both see the results; Switch roles starts the mirror interview. Both screens, the invite page and the
results are axe-clean, and nothing scrolls sideways at 320 px.

Time moves by the app's own polls (every 2 s): the test waits for what they bring, never sleeps."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from quiz import peers
from quiz.answer_parts import join_key_points
from quiz.models import Grade, MockInterview, PeerAssessment, Question, ReviewState
from tests.browser.conftest import PASSWORD
from tests.browser.test_accessibility import run_axe, sideways_scroll

pytestmark = pytest.mark.browser

POLLED = 10_000  # ms: a poll every 2 s, a 1 s pause before an autosave, and a slow machine
MATCHER = 30_000  # the first page that runs the matcher loads its embeddings
KEY_POINTS = [
    "Simple models underfit: high bias",
    "Flexible models overfit, so their variance on new data is high",
    "Regularisation, more data and cross-validation move the balance",
]
NOTES = "Simple models underfit with high bias, and flexible models overfit with high variance."


@pytest.fixture
def chain(bank) -> tuple[Question, Question]:
    parent = bank[3]  # "Explain the bias-variance trade-off.", the one Medium question of ML fundamentals
    parent.answer_md = join_key_points(parent.answer_md, KEY_POINTS)
    parent.save()
    follow_up = Question.objects.create(
        key=f"{parent.key}/in-production",
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


@pytest.fixture
def interviewer(transactional_db):
    return get_user_model().objects.create_user("grace", password=PASSWORD)


def check_page(page, where: str) -> None:
    """Axe-clean at the page's size, and no sideways scroll at 320 px."""
    assert run_axe(page) == [], where
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    assert sideways_scroll(page) is None, where
    page.set_viewport_size(size)


def saves(response, text: str) -> bool:
    """Is ``response`` the interviewer's autosave of a form holding ``text`` (as the form encodes it)?"""
    return "/assess/" in response.url and text in (response.request.post_data or "")


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_a_whole_peer_interview_in_two_browsers(open_page, sign_in, candidate, interviewer, chain):
    parent, follow_up = chain
    ada = open_page(permissions=["clipboard-read", "clipboard-write"])
    grace = open_page()
    polls: list[int] = []  # the statuses of the interviewer's polls: 304 when nothing changed
    for page in (ada, grace):
        page.context.set_default_timeout(POLLED)
    grace.on("response", lambda response: "/poll/" in response.url and polls.append(response.status))

    # The candidate starts a peer interview from the setup page, with the setup page's choices.
    sign_in(ada, candidate.username)
    ada.goto("/interviews/new/")
    ada.get_by_label("ML fundamentals (3)").check()
    ada.get_by_label("Medium").check()
    ada.get_by_label("Questions", exact=True).fill("1")
    ada.get_by_role("button", name="Start a peer interview").click()
    expect(ada.get_by_role("heading", name="Invite your interviewer", level=1)).to_be_visible()
    link = ada.locator("#invite-link").input_value()
    assert "/peer/join/" in link
    ada.get_by_role("button", name="Copy the link").click()
    expect(ada.locator("#announcer")).to_have_text("Link copied.")
    assert ada.evaluate("() => navigator.clipboard.readText()") == link
    check_page(ada, "invite page")

    # The interviewer opens the link, is asked, and joins.
    sign_in(grace, interviewer.username)
    grace.goto(link)
    check_page(grace, "join page")
    grace.get_by_role("button", name="Join as the interviewer").click()
    expect(grace.locator("#question-heading")).to_contain_text("bias-variance", timeout=MATCHER)
    expect(grace.locator(".reference-answer")).to_contain_text("underfit")

    # The candidate's waiting room moves on by itself; the clock runs from now.
    expect(ada.locator("#answer-text")).to_be_visible()
    expect(ada.locator("#question-heading")).to_contain_text("bias-variance")
    expect(ada.locator(".countdown-value")).to_be_visible()
    expect(ada.locator(".reference-answer")).to_have_count(0)

    # Typed notes appear on the interviewer's screen as they are typed, with the matcher's reading.
    ada.locator("#answer-text").click()
    ada.keyboard.type(NOTES)
    expect(ada.locator("#save-status")).to_contain_text("Saved")
    expect(grace.get_by_test_id("candidate-notes")).to_have_text(NOTES)
    expect(grace.locator("#suggestion-0")).to_contain_text("covered")
    assert focused_id(ada) == "answer-text"  # the candidate's own polls left the box alone
    # Nothing typed for a while: the interviewer's next polls carry the ETag and come back 304, no body.
    seen = len(polls)
    grace.wait_for_event("response", lambda response: "/poll/" in response.url and response.status == 304)
    assert 200 in polls[:seen] or 200 in polls

    # A hint: given by the interviewer, announced to the candidate, whose typing is not interrupted.
    grace.get_by_role("button", name="Give a hint").click()
    expect(grace.locator(".peer-live .hint-list li")).to_have_count(1)
    expect(ada.locator(".hint-list li")).to_have_text("Simple models underfit…")
    expect(ada.locator("#announcer")).to_contain_text("Hint 1: Simple models underfit…")
    assert focused_id(ada) == "answer-text"
    check_page(grace, "interviewer's screen")
    check_page(ada, "candidate's screen")

    # The rubric, the ticks, the grade and notes, kept as the interviewer works.
    for n in range(2):
        grace.locator(f"#tick-{n}").check()
    grace.get_by_role("radio", name="4 Right and precise throughout").check()
    grace.get_by_role("radio", name="2 Some reasons, no trade-offs").check()
    grace.get_by_role("radio", name="3 Clear and ordered").check()
    grace.get_by_role("radio", name="Good Correct, minor gaps").check()
    # A pause in typing saves: everything so far goes with it.
    with grace.expect_response(lambda response: saves(response, "regularisation")) as saved:
        grace.get_by_label("Your notes for them").fill("Name the regularisation levers next time.")
    assert saved.value.status == 200
    expect(grace.locator("#assess-status")).to_contain_text("Saved")
    assessment = PeerAssessment.objects.get(item__question=parent)
    assert (assessment.correctness, assessment.depth, assessment.communication) == (4, 2, 3)
    assert (assessment.ticks, assessment.grade) == ([0, 1], Grade.GOOD)

    # A follow-up: the candidate gets its prompt, announced, with a fresh notes box; the focus stays in the
    # box, now the follow-up's, so typing goes on where it was.
    grace.get_by_role("button", name="Ask a follow-up").click()
    expect(grace.locator("#question-heading")).to_contain_text("which of the two")
    expect(ada.locator("#question-heading")).to_contain_text("which of the two")
    expect(ada.locator("#announcer")).to_contain_text("Follow-up 1 to question 1.")
    expect(ada.locator("#answer-text")).to_have_value("")
    assert focused_id(ada) == "answer-text"
    ada.locator("#answer-text").fill("Compare the training and validation curves.")
    expect(grace.get_by_test_id("candidate-notes")).to_contain_text("validation curves")
    check_page(grace, "interviewer's screen, follow-up")

    # The interviewer grades the follow-up and ends; both land on the results.
    # The grade's autosave is let finish: leaving the page at once would abort it (the button posts it too).
    with grace.expect_response(lambda response: saves(response, "grade=4")):
        grace.get_by_role("radio", name="Nailed Complete and crisp, interview-ready").check()
    grace.get_by_role("button", name="End the interview").click()
    for page in (grace, ada):
        expect(page.get_by_role("heading", name="Peer interview results", level=1)).to_be_visible()
        expect(page.locator("#item-1")).to_contain_text("Question 1: Good")
        expect(page.locator("#item-1")).to_contain_text("4 / 4: Right and precise throughout")
        expect(page.locator("#item-1")).to_contain_text("Name the regularisation levers next time.")
        expect(page.locator("#item-1")).to_contain_text("Covered: Simple models underfit")
        expect(page.locator("#item-1")).to_contain_text("Missed: Regularisation")
        expect(page.locator("#item-1-1")).to_contain_text("Follow-up 1: Nailed")
        check_page(page, "results")
    interview = MockInterview.objects.get(user=candidate)
    assert interview.interviewer == interviewer and interview.is_finished
    assert ReviewState.objects.filter(user=candidate, question__in=[parent, follow_up]).count() == 2
    assert PeerAssessment.objects.filter(item__interview=interview).count() == 2

    # Switch roles: the interviewer is now the candidate, the same two people.
    grace.get_by_role("button", name="Switch roles").click()
    expect(grace.locator(".peer-role")).to_contain_text("You are the candidate")
    # The candidate's results page learns of it by its poll, and says so.
    expect(ada.locator("#announcer")).to_have_text("Roles switched: the mirror interview has started.")
    ada.get_by_role("link", name="Go to the mirror interview").click()
    expect(ada.locator(".peer-role")).to_contain_text("You are interviewing grace")
    mirror = MockInterview.objects.get(user=interviewer)
    assert mirror.interviewer == candidate and mirror.setup["mirror_of"] == interview.pk


def test_both_screens_work_without_javascript(
    open_page, sign_in, candidate, interviewer, chain, page_problems
):
    parent, follow_up = chain
    page_problems.allow("status of 422")  # moving on without a grade: the page says why, as a 422
    interview, invite = peers.start(candidate, [parent], follow_ups={parent.pk: [follow_up]})
    ada, grace = open_page(java_script_enabled=False), open_page(java_script_enabled=False)
    sign_in(ada, candidate.username)
    sign_in(grace, interviewer.username)
    grace.goto(f"/peer/join/{invite.token}/")
    grace.get_by_role("button", name="Join as the interviewer").click()
    ada.goto(f"/peer/{interview.pk}/invite/")
    ada.get_by_role("link", name="Refresh").click()
    ada.locator("#answer-text").fill(NOTES)
    ada.get_by_role("button", name="Save notes").click()
    expect(ada.locator(".messages")).to_contain_text("Notes saved.")
    grace.get_by_role("link", name="Refresh").click()
    expect(grace.get_by_test_id("candidate-notes")).to_have_text(NOTES, timeout=MATCHER)
    grace.get_by_role("button", name="Next question").click()  # no grade chosen: refused, said why
    expect(grace.locator("#assess-errors")).to_contain_text("Choose a grade")
    grace.get_by_role("radio", name="Partial Some key points, real gaps").check()
    grace.get_by_role("button", name="Next question").click()
    expect(grace.get_by_role("heading", name="Peer interview results", level=1)).to_be_visible()
    ada.get_by_role("link", name="Refresh").click()
    expect(ada.get_by_role("heading", name="Peer interview results", level=1)).to_be_visible()
    expect(ada.locator("#item-1")).to_contain_text("Question 1: Partial")
    assert interview.items.get(question=parent).grade == Grade.PARTIAL
