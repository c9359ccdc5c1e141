"""The reviewer workflow in a real browser: a learner flags an answer during an interview, a reviewer accepts
the flag and edits the answer, and the learner sees the flag resolved and the answer marked as changed."""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from quiz.answer_parts import join_key_points, split_key_points
from quiz.models import Flag, Question, ReviewState
from tests.conftest import reviewers_group

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
COMMENT = "<script>alert(1)</script> wrong"


@pytest.fixture
def reviewer(transactional_db):
    user = get_user_model().objects.create_user("rita", password=PASSWORD)
    user.groups.add(reviewers_group())
    return user


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()


def due_now(page) -> str:
    page.goto("/")
    return page.get_by_test_id("due-now").inner_text()


def corrected(answer: str) -> str:
    """The answer with its first word replaced and a paragraph added before its key points: the diff both
    removes and adds."""
    body, points = split_key_points(answer)
    first, *rest = body.splitlines()
    first = " ".join(["Corrected:", *first.split(" ")[1:]])
    return join_key_points("\n".join([first, *rest, "", "A reviewer checked this answer."]), points)


def test_flag_accepted_and_answer_edited_reaches_the_learner(open_page, sign_in, bank, candidate, reviewer):
    page = open_page()

    # The learner flags the answer on the question card, then grades it Nailed: due again only in days.
    sign_in(page, candidate.username)
    page.get_by_role("button", name=re.compile(r"^Start: \d+ questions?, 3 minutes each$")).click()
    card = page.locator("#question-card")
    expect(card.locator(".progress-label")).to_have_text(re.compile(r"^Question 1 / \d+$"))
    page.keyboard.press(" ")
    expect(card.locator(".reference-answer")).to_be_visible()

    card.locator("details.flag-answer summary").click()
    flag_form = card.locator("form.flag-form")
    expect(flag_form).to_be_visible()
    flag_form.get_by_label("The answer is wrong").check()
    flag_form.get_by_label("Explain (optional)").fill(COMMENT)
    flag_form.get_by_role("button", name="Flag the answer").click()
    expect(flag_form.get_by_role("status")).to_contain_text("Thanks: your flag is in the reviewers' queue.")
    expect(flag_form.get_by_role("button", name="Update my flag")).to_be_visible()
    expect(card).to_be_visible()
    flag = Flag.objects.get(user=candidate)
    question = flag.question
    assert (flag.reason, flag.comment, flag.status) == (Flag.Reason.WRONG, COMMENT, Flag.Status.OPEN)

    page.keyboard.press("Escape")
    page.keyboard.press("4")
    expect(card.locator(".progress-label")).to_have_text(re.compile(r"^Question 2 / \d+$"))
    page.once("dialog", lambda dialog: dialog.accept())  # "End the interview now?" (hx-confirm)
    page.get_by_role("button", name="End interview").click()
    page.wait_for_url(re.compile(r"/interviews/\d+/results/$"))
    assert due_now(page) == "0"
    sign_out(page)

    # From here on no page may open a dialog: a flag's comment that ran as script would.
    dialogs = []

    def refuse(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)

    # The reviewer finds the flag in the queue, accepts it and edits the answer.
    sign_in(page, reviewer.username)
    page.get_by_role("link", name="Review queue").click()
    flagged = page.get_by_test_id("flagged-question")
    expect(flagged).to_have_count(1)
    expect(flagged.locator(".badge-flag")).to_have_text("1 open flag")
    expect(flagged.locator(".flag-comment")).to_have_text(COMMENT)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=SCREENSHOTS / "review-queue.png", caret="initial")

    flagged.get_by_role("button", name="Accept and edit the answer").click()
    expect(page.get_by_role("heading", name="Edit the reference answer")).to_be_visible()
    answer_box = page.get_by_label("Reference answer (markdown)")
    old_answer = answer_box.input_value()
    answer_box.fill(corrected(old_answer))
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#answer-preview")
    expect(preview.get_by_role("heading", name="Preview")).to_be_visible()
    expect(preview.locator(".rendered")).to_contain_text("A reviewer checked this answer.")
    expect(page.get_by_role("checkbox", name=re.compile(r"The answer is wrong \(ada\)"))).to_be_checked()

    page.get_by_role("button", name="Save the answer").click()
    page.wait_for_url(re.compile(r"/review-queue/$"))
    expect(page.get_by_role("status")).to_contain_text("Saved the answer; 1 flag resolved.")
    expect(page.locator("#review-queue")).to_contain_text("No open flags")
    assert dialogs == []
    sign_out(page)

    # The learner sees the flag resolved, the changed answer, and the question due for review again.
    sign_in(page, candidate.username)
    page.goto("/my-flags/")
    resolved = page.locator("li.flag[data-status=resolved]")
    expect(resolved).to_contain_text("Resolved with an edit")
    resolved.get_by_role("link", name="see the updated answer").click()
    page.wait_for_url(f"**/questions/{question.pk}/")
    update = page.locator("section.answer-update")
    expect(update.get_by_role("heading")).to_have_text("Answer updated since you last saw it")
    diff = update.locator(".answer-diff-rendered")
    first_word = re.search(r"\w+", old_answer)[0]  # as rendered: no list marker, emphasis or backticks
    expect(diff.locator(".diff-removed").first).to_contain_text(first_word)
    expect(diff.locator(".diff-added").first).to_contain_text("Corrected:")
    expect(diff.locator(".diff-added").last).to_contain_text("A reviewer checked this answer.")
    expect(diff).not_to_contain_text("**")
    assert due_now(page) == "1"
    review = ReviewState.objects.get(user=candidate, question=question)
    assert review.due == Question.objects.get(pk=question.pk).answer_changed_at
    assert dialogs == []


def test_accepting_a_flag_opens_the_editor_at_its_own_url_so_a_reload_keeps_it(
    page, sign_in, bank, candidate, reviewer
):
    Flag.objects.create(user=candidate, question=bank[0], reason=Flag.Reason.WRONG, comment="Off by one")
    sign_in(page, reviewer.username)
    page.goto("/review-queue/")
    page.get_by_role("button", name="Accept and edit the answer").click()
    editor = f"/review-queue/questions/{bank[0].pk}/answer/"
    page.wait_for_url(re.compile(re.escape(editor) + "$"))
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the reference answer")
    page.go_back()
    page.wait_for_url(re.compile(r"/review-queue/$"))
