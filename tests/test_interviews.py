"""The mock-interview loop: setup, steps (page, htmx fragment, no-JS), deadlines, idempotence, privacy."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz.models import (
    Difficulty,
    Grade,
    InterviewItem,
    MockInterview,
    Preferences,
    Question,
    ReviewState,
    Section,
)
from tests.conftest import another_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bank(db):
    root = Section.objects.create(key="python-qna", title="Python QnA", position=0, source_path="p.md")
    pandas = Section.objects.create(
        key="python-qna/pandas", title="Pandas", parent=root, position=1, source_path="p.md"
    )
    other = Section.objects.create(key="chapter7", title="Chapter 7", position=2, source_path="c.md")
    questions = []
    for i in range(6):
        questions.append(
            Question.objects.create(
                key=f"q{i}",
                section=pandas if i < 3 else other,
                position=i,
                prompt_md=f"Question number {i}?",
                answer_md=f"**Answer {i}**" if i != 5 else "",
                difficulty=Difficulty.EASY if i % 2 else Difficulty.HARD,
                source_path="p.md",
                source_line=i + 1,
            )
        )
    return questions


@pytest.fixture
def candidate(user):
    """The signed-up user taking the interviews (``client_in`` is signed in as them)."""
    return user


@pytest.fixture
def interview(candidate, bank):
    return MockInterview.start(candidate, bank[:3], seconds_per_question=180)


def step_url(interview):
    return reverse("quiz:interview-step", args=[interview.pk])


def item_url(name, item):
    return reverse(f"quiz:item-{name}", args=[item.interview_id, item.pk])


def first_item(interview):
    return interview.items.order_by("position").first()


# Setup


def test_quick_start_creates_ten_question_interview_with_three_minutes_each(client_in, bank):
    response = client_in.post(reverse("quiz:interview-new"), {"quick": "1"})
    interview = MockInterview.objects.get()
    assert response.url == step_url(interview)
    # Only five of the six questions have answers; the default leaves the unanswered one out.
    assert interview.question_count == 5
    assert interview.seconds_per_question == 180
    assert interview.deadline == interview.created_at + timedelta(minutes=15)
    assert not interview.items.filter(question__answer_md="").exists()


def test_setup_form_filters_by_section_subtree_and_difficulty(client_in, bank):
    root = Section.objects.get(key="python-qna")
    data = {
        "sections": [root.pk],
        "difficulties": [Difficulty.HARD],
        "question_count": 10,
        "timing": "total",
        "minutes": 20,
        "updates_schedule": "on",
    }
    client_in.post(reverse("quiz:interview-new"), data)
    interview = MockInterview.objects.get()
    keys = set(interview.items.values_list("question__key", flat=True))
    assert keys == {"q0", "q2"}  # hard questions under Pandas, found through the Python QnA root
    assert interview.seconds_per_question is None
    assert interview.total_seconds == 20 * 60


def test_a_section_with_no_question_is_neither_offered_nor_accepted(client_in, bank):
    empty = Section.objects.create(
        key="chapter8", title="Chapter 8 (to come)", position=3, source_path="e.md"
    )
    page = client_in.get(reverse("quiz:interview-new")).content.decode()
    assert "Chapter 7 (3)" in page and "Pandas (3)" in page and "Python QnA (3)" in page
    assert empty.title not in page
    data = {"sections": [empty.pk], "question_count": 5, "timing": "untimed", "minutes": 3}
    response = client_in.post(reverse("quiz:interview-new"), data)
    assert "sections" in response.context["form"].errors
    assert not MockInterview.objects.exists()


def test_a_quick_start_counts_no_sections(client_in, bank, django_assert_num_queries):
    # session, user; the start throttle (its count added and read in one statement, in a savepoint);
    # the interview in progress (a one-click start must not end it); the preferences and today's cards (the
    # daily limit on new questions), the questions picked, their follow-ups (none here); then in a savepoint:
    # the preferences (extra time), the user's row locked, the open interviews (to end them), the interview
    # and its items. No section is read: none was ticked.
    with django_assert_num_queries(19):
        client_in.post(reverse("quiz:interview-new"), {"quick": "1"})
    assert MockInterview.objects.get().question_count == 5


def test_setup_form_with_no_matching_question_says_so(client_in, bank):
    data = {"difficulties": [Difficulty.MEDIUM], "question_count": 5, "timing": "untimed", "minutes": 3}
    response = client_in.post(reverse("quiz:interview-new"), data)
    assert response.status_code == 200
    assert "No question matches these choices" in response.content.decode()
    assert not MockInterview.objects.exists()


def test_setup_form_rejects_bad_numbers_with_field_errors(client_in, bank):
    data = {"question_count": 0, "timing": "per_question", "minutes": 45}
    response = client_in.post(reverse("quiz:interview-new"), data)
    errors = response.context["form"].errors
    assert "question_count" in errors and "minutes" in errors
    assert not MockInterview.objects.exists()


def test_unanswered_questions_come_in_when_asked_for(client_in, bank):
    data = {"include_unanswered": "on", "question_count": 10, "timing": "untimed", "minutes": 3}
    client_in.post(reverse("quiz:interview-new"), data)
    assert MockInterview.objects.get().question_count == 6


def test_questions_never_seen_come_before_ones_done_recently(candidate, bank):
    done = MockInterview.start(candidate, bank[:3])
    for item in done.items.all():
        done.grade(item, Grade.GOOD)
    picked = list(Question.objects.active().fresh_first_for(candidate)[:3])
    assert {q.key for q in picked} == {"q3", "q4", "q5"}


# The step page


def test_step_full_page_shows_question_countdown_and_progress(client_in, interview):
    response = client_in.get(step_url(interview))
    html = response.content.decode()
    assert "<html" in html
    assert "Question number 0?" in html
    assert "Question 1 / 3" in html
    assert 'data-deadline="' in html
    assert "Reveal the answer" in html
    assert "Answer 0" not in html  # the reference answer stays hidden until revealed


def test_step_fragment_is_only_the_card(client_in, interview):
    response = client_in.get(step_url(interview), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<article id="question-card"')


def test_reveal_shows_reference_answer_beside_typed_text(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("reveal", item), {"answer_text": "groupby then rolling"}, **HTMX)
    html = response.content.decode()
    assert "<strong>Answer 0</strong>" in html
    assert "groupby then rolling" in html
    assert "Nailed" in html and "Complete and crisp" in html
    item.refresh_from_db()
    assert item.revealed_at is not None
    assert item.answer_text == "groupby then rolling"


def test_reveal_without_javascript_redirects_to_the_step(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("reveal", item), {"answer_text": "x"})
    assert response.status_code == 302
    assert response.url == step_url(interview)
    assert "Reference answer" in client_in.get(response.url).content.decode()


def test_grade_moves_to_next_question_as_fragment(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), **HTMX)
    response = client_in.post(item_url("grade", item), {"grade": Grade.GOOD, "answer_text": "mine"}, **HTMX)
    html = response.content.decode()
    assert "Question number 1?" in html
    assert "Question 2 / 3" in html
    item.refresh_from_db()
    assert item.grade == Grade.GOOD and not item.over_time and item.answer_text == "mine"


def test_grade_without_javascript_redirects(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("grade", item), {"grade": Grade.MISSED})
    assert response.url == step_url(interview)
    item.refresh_from_db()
    assert item.grade == Grade.MISSED


def test_invalid_grade_is_refused_with_a_message(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("grade", item), {"grade": 9}, follow=True)
    assert "Pick one of the four grades." in response.content.decode()
    item.refresh_from_db()
    assert item.grade is None


def test_last_grade_sends_htmx_to_results(client_in, interview):
    items = list(interview.items.order_by("position"))
    for item in items[:-1]:
        client_in.post(item_url("grade", item), {"grade": Grade.NAILED})
    response = client_in.post(item_url("grade", items[-1]), {"grade": Grade.PARTIAL}, **HTMX)
    assert response["HX-Redirect"] == reverse("quiz:results", args=[interview.pk])
    interview.refresh_from_db()
    assert interview.ending == MockInterview.Ending.COMPLETED


def test_skip_records_skip_and_moves_on(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("skip", item), {"answer_text": "no idea"})
    assert response.url == step_url(interview)
    item.refresh_from_db()
    assert item.skipped and item.grade is None and item.answer_text == "no idea"
    assert "Question number 1?" in client_in.get(step_url(interview)).content.decode()


def test_mark_sets_the_state_asked_for_so_double_clicks_agree(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("mark", item), {"marked": "on"}, **HTMX)
    response = client_in.post(item_url("mark", item), {"marked": "on"}, **HTMX)
    item.refresh_from_db()
    assert item.marked
    assert "Marked for later" in response.content.decode()
    client_in.post(item_url("mark", item), {"marked": ""})
    item.refresh_from_db()
    assert not item.marked


def test_typed_answer_autosaves_without_submitting(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("answer", item), {"answer_text": "draft one"}, **HTMX)
    assert response.content.decode() == "Saved"
    item.refresh_from_db()
    assert item.answer_text == "draft one"


def test_typed_answer_too_long_is_refused_and_keeps_the_old_text(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("answer", item), {"answer_text": "kept"}, **HTMX)
    response = client_in.post(item_url("answer", item), {"answer_text": "x" * 20001}, **HTMX)
    assert response.status_code == 422
    item.refresh_from_db()
    assert item.answer_text == "kept"


def test_end_early_finishes_and_shows_results(client_in, interview):
    response = client_in.post(reverse("quiz:interview-end", args=[interview.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("quiz:results", args=[interview.pk])
    interview.refresh_from_db()
    assert interview.ending == MockInterview.Ending.ENDED_EARLY
    page = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert "Not reached" in page


# Idempotence


def test_double_grade_records_once_and_does_not_skip_a_question(client_in, interview):
    first, second = list(interview.items.order_by("position"))[:2]
    client_in.post(item_url("grade", first), {"grade": Grade.GOOD})
    response = client_in.post(item_url("grade", first), {"grade": Grade.MISSED}, **HTMX)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.grade == Grade.GOOD
    assert second.grade is None
    assert "Question number 1?" in response.content.decode()  # the current state comes back


def test_second_tab_grading_a_stale_question_gets_current_state(client_in, interview):
    first, second = list(interview.items.order_by("position"))[:2]
    client_in.post(item_url("grade", first), {"grade": Grade.GOOD})  # tab A
    client_in.post(item_url("skip", first))  # tab B, still showing question 1
    second.refresh_from_db()
    first.refresh_from_db()
    assert not first.skipped and not second.skipped and second.grade is None


def test_resume_lands_on_current_question_with_remaining_time(client_in, interview):
    start = interview.created_at
    first = first_item(interview)
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        client_in.post(item_url("grade", first), {"grade": Grade.GOOD})
    with time_machine.travel(start + timedelta(seconds=160), tick=False):
        response = client_in.get(step_url(interview))
    html = response.content.decode()
    assert "Question number 1?" in html
    second = interview.items.get(position=1)
    assert second.deadline == start + timedelta(seconds=280)
    assert f'data-deadline="{second.deadline.isoformat()}"' in html


# Deadlines (the server clock decides)


def test_grade_after_question_deadline_is_kept_and_marked_over_time(client_in, interview):
    item = first_item(interview)
    with time_machine.travel(interview.created_at + timedelta(seconds=200), tick=False):
        client_in.post(item_url("grade", item), {"grade": Grade.NAILED})
    item.refresh_from_db()
    assert item.grade == Grade.NAILED
    assert item.over_time


def test_grade_just_before_deadline_is_on_time(client_in, interview):
    item = first_item(interview)
    with time_machine.travel(interview.created_at + timedelta(seconds=179), tick=False):
        client_in.post(item_url("grade", item), {"grade": Grade.NAILED})
    item.refresh_from_db()
    assert not item.over_time


def test_over_time_question_says_so_on_the_card(client_in, interview):
    with time_machine.travel(interview.created_at + timedelta(seconds=181), tick=False):
        html = client_in.get(step_url(interview)).content.decode()
    assert "Over time: still recorded, marked late" in html


def test_interview_left_open_past_deadline_shows_as_timed_out_without_a_write(client_in, interview):
    """A page view reads the state; it does not close the interview as a side effect (issue 15)."""
    with time_machine.travel(interview.created_at + timedelta(hours=2), tick=False):
        response = client_in.get(step_url(interview))
        assert response.url == reverse("quiz:results", args=[interview.pk])
        results = client_in.get(response.url).content.decode()
        home = client_in.get(reverse("quiz:home")).content.decode()
        assert MockInterview.objects.finished().get() == interview
    assert "Ran out of time" in results
    assert "Ran out of time" in home and "Resume" not in home
    interview.refresh_from_db()
    assert interview.finished_at is None  # nothing written by the GETs


def test_grade_posted_after_interview_deadline_is_kept_marked_and_ends_it(client_in, interview):
    item = first_item(interview)
    with time_machine.travel(interview.created_at + timedelta(hours=1), tick=False):
        response = client_in.post(item_url("grade", item), {"grade": Grade.GOOD}, **HTMX)
    assert response["HX-Redirect"] == reverse("quiz:results", args=[interview.pk])
    item.refresh_from_db()
    interview.refresh_from_db()
    assert item.grade == Grade.GOOD and item.over_time
    assert interview.ending == MockInterview.Ending.TIMED_OUT


def test_client_supplied_time_fields_are_ignored(client_in, interview):
    item = first_item(interview)
    with time_machine.travel(interview.created_at + timedelta(seconds=500), tick=False):
        client_in.post(
            item_url("grade", item), {"grade": Grade.GOOD, "done_at": "2000-01-01", "over_time": ""}
        )
    item.refresh_from_db()
    assert item.over_time
    assert item.done_at > interview.created_at


def test_untimed_interview_has_no_deadline(candidate, bank, client):
    client.force_login(candidate)
    interview = MockInterview.start(candidate, bank[:2])
    html = client.get(step_url(interview)).content.decode()
    assert "Untimed" in html
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert not interview.is_over()
        assert "Untimed" in client.get(step_url(interview)).content.decode()


# Results


def test_results_show_score_sections_and_every_answer(client_in, interview):
    items = list(interview.items.order_by("position"))
    client_in.post(item_url("grade", items[0]), {"grade": Grade.NAILED, "answer_text": "my words"})
    client_in.post(item_url("grade", items[1]), {"grade": Grade.MISSED})
    client_in.post(item_url("skip", items[2]))
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert 'data-testid="score">33%' in html  # (1 + 0 + 0) / 3
    assert "my words" in html
    assert "<strong>Answer 1</strong>" in html
    assert "Pandas" in html
    assert "Practise the 2 I missed" in html


def test_results_of_running_interview_send_back_to_the_question(client_in, interview):
    response = client_in.get(reverse("quiz:results", args=[interview.pk]))
    assert response.url == step_url(interview)


def test_practise_missed_starts_new_interview_with_those_questions(client_in, interview):
    items = list(interview.items.order_by("position"))
    client_in.post(item_url("grade", items[0]), {"grade": Grade.NAILED})
    client_in.post(item_url("grade", items[1]), {"grade": Grade.PARTIAL})
    client_in.post(item_url("grade", items[2]), {"grade": Grade.MISSED})
    response = client_in.post(reverse("quiz:practise-missed", args=[interview.pk]))
    new = MockInterview.objects.exclude(pk=interview.pk).get()
    assert response.url == step_url(new)
    assert list(new.items.values_list("question__key", flat=True)) == ["q1", "q2"]


def test_typed_answer_is_shown_escaped_on_results(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("grade", item), {"grade": Grade.GOOD, "answer_text": "<script>alert(1)</script>"})
    client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Privacy, auth and CSRF


@pytest.mark.parametrize(
    "name,method,needs_item",
    [
        ("interview-step", "get", False),
        ("results", "get", False),
        ("interview-end", "post", False),
        ("practise-missed", "post", False),
        ("item-reveal", "post", True),
        ("item-grade", "post", True),
        ("item-skip", "post", True),
        ("item-mark", "post", True),
        ("item-answer", "post", True),
    ],
)
def test_another_user_gets_404_for_every_interview_url(client, interview, name, method, needs_item):
    intruder = get_user_model().objects.create_user("mallory", password="x-secret-x")
    client.force_login(intruder)
    item = first_item(interview)
    args = [interview.pk, item.pk] if needs_item else [interview.pk]
    response = getattr(client, method)(reverse(f"quiz:{name}", args=args), {"grade": 4, "answer_text": "x"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.grade is None and item.answer_text == ""


def test_anonymous_visitor_is_sent_to_sign_in(client, interview):
    for url in [reverse("quiz:interview-new"), step_url(interview), item_url("grade", first_item(interview))]:
        response = client.post(url) if "grade" in url else client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_post_without_csrf_token_is_forbidden(candidate, interview):
    client = Client(enforce_csrf_checks=True)
    client.force_login(candidate)
    response = client.post(item_url("grade", first_item(interview)), {"grade": 4}, **HTMX)
    assert response.status_code == 403
    assert first_item(interview).grade is None


def test_htmx_post_with_csrf_header_is_accepted(candidate, interview):
    client = Client(enforce_csrf_checks=True)
    client.force_login(candidate)
    html = client.get(step_url(interview)).content.decode()
    token = client.cookies["csrftoken"].value
    assert "x-csrftoken" in html  # the body's hx-headers carries the token for every htmx request
    response = client.post(
        item_url("grade", first_item(interview)), {"grade": 4}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert response.status_code == 200
    assert first_item(interview).grade == 4


# Query counts


def _past_interviews(user, questions, count):
    """``count`` finished interviews in which every question was graded, written in bulk."""
    began = timezone.now() - timedelta(days=count)
    past = MockInterview.objects.bulk_create(
        MockInterview(user=user, created_at=began + timedelta(days=n), finished_at=began + timedelta(days=n))
        for n in range(count)
    )
    InterviewItem.objects.bulk_create(
        InterviewItem(
            interview=p,
            user=user,
            section_id=q.section_id,
            question=q,
            position=i,
            done_at=p.created_at,
            grade=Grade.GOOD,
        )
        for p in past
        for i, q in enumerate(questions)
    )
    for question in questions:
        ReviewState.record(user.pk, question.pk, Grade.GOOD, began)


# What the issue counts: the statements a step runs, session and user included. Under the test's own
# transaction a step's transaction is a savepoint: two more statements (SAVEPOINT, RELEASE).
STEP_QUERIES, REVEAL_QUERIES, GRADE_QUERIES, SAVEPOINT = 3, 4, 7, 2


@pytest.mark.parametrize("past", [1, 500])
def test_the_question_loop_runs_a_fixed_handful_of_queries_whatever_the_history(
    client_in, candidate, bank, past, django_assert_num_queries
):
    _past_interviews(candidate, bank, past)
    interview = MockInterview.start(candidate, bank[:3], seconds_per_question=60)
    first, second = interview.items.order_by("position")[:2]
    # session, user; the interview with the question asked now and the next, questions and sections
    with django_assert_num_queries(STEP_QUERIES):
        response = client_in.get(step_url(interview), **HTMX)
    assert item_url("reveal", first) in response.content.decode()
    # ... and one conditional UPDATE; the card is rendered from what was read
    with django_assert_num_queries(REVEAL_QUERIES + SAVEPOINT):
        response = client_in.post(item_url("reveal", first), {"answer_text": "a"}, **HTMX)
    assert item_url("grade", first) in response.content.decode()
    # ... the review card, then in the write: the item, the card, the next question's clock
    with django_assert_num_queries(GRADE_QUERIES + SAVEPOINT):
        response = client_in.post(item_url("grade", first), {"grade": Grade.GOOD, "answer_text": "b"}, **HTMX)
    assert item_url("reveal", second) in response.content.decode()
    first.refresh_from_db()
    assert (first.grade, first.answer_text) == (Grade.GOOD, "b")
    assert ReviewState.objects.get(user=candidate, question=first.question).reviews == 2


# One rule for late and out-of-order steps, with or without JavaScript (issue 16, item 4)


def _review_states(candidate) -> dict:
    return {s.question_id: s.due for s in ReviewState.objects.for_user(candidate)}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_after_the_deadline_only_the_question_on_screen_is_graded_once_and_it_times_out(
    client_in, candidate, interview, headers
):
    items = list(interview.items.order_by("position"))
    with time_machine.travel(interview.deadline + timedelta(minutes=5), tick=False):
        for item in items:  # a script posting every grade without following redirects
            client_in.post(item_url("grade", item), {"grade": Grade.NAILED}, **headers)
    graded = [i for i in interview.items.order_by("position") if i.grade]
    assert [(i.position, i.over_time) for i in graded] == [(0, True)]
    assert list(_review_states(candidate)) == [items[0].question_id]
    interview.refresh_from_db()
    assert interview.ending == MockInterview.Ending.TIMED_OUT
    assert interview.finished_at == interview.deadline


def test_an_unreached_question_cannot_be_graded_skipped_or_revealed(client_in, candidate, interview):
    later = interview.items.get(position=2)
    for step in ("grade", "skip", "reveal"):
        client_in.post(item_url(step, later), {"grade": Grade.GOOD, "answer_text": "sneaky"})
    later.refresh_from_db()
    assert later.grade is None and not later.skipped and not later.is_revealed and later.answer_text == ""
    assert _review_states(candidate) == {}
    assert "Question number 0?" in client_in.get(step_url(interview)).content.decode()


def test_grading_an_ended_interview_records_nothing(client_in, candidate, interview):
    # Its current item is still open: only "the interview has finished" stops the grade (issue 15).
    client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
    item = first_item(interview)
    response = client_in.post(item_url("grade", item), {"grade": Grade.GOOD})
    assert response.url == step_url(interview)
    item.refresh_from_db()
    assert item.grade is None
    assert _review_states(candidate) == {}


# Typed text: counted as the browser counts it, never lost (issue 16, item 5)

# The probe's answer: 199 line breaks, 19,899 characters as the textarea counts them, 20,098 as posted.
LONG_WITH_BREAKS = ("x" * 98 + "\r\n") * 199 + "x" * 198


def test_line_breaks_count_once_as_in_the_browser(client_in, interview):
    item = first_item(interview)
    assert len(LONG_WITH_BREAKS.replace("\r\n", "\n")) <= 20000 < len(LONG_WITH_BREAKS)
    response = client_in.post(item_url("reveal", item), {"answer_text": LONG_WITH_BREAKS})
    assert response.url == step_url(interview)
    item.refresh_from_db()
    assert item.is_revealed and item.answer_text == LONG_WITH_BREAKS.replace("\r\n", "\n")


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("reveal", {"answer_text": "y" * 20001}, "over 20000 characters"),
        ("grade", {"answer_text": "my careful answer", "grade": ""}, "Pick one of the four grades."),
        ("grade", {"answer_text": "z" * 20001, "grade": Grade.GOOD}, "over 20000 characters"),
        ("skip", {"answer_text": "w" * 20001}, "over 20000 characters"),
    ],
)
def test_a_refused_step_shows_the_typed_text_again_with_the_reason(
    client_in, interview, headers, step, data, message
):
    item = first_item(interview)
    response = client_in.post(item_url(step, item), data, **headers)
    html = response.content.decode()
    assert response.status_code == (200 if headers else 422)
    assert message in html
    assert data["answer_text"] in html  # back in the text box
    item.refresh_from_db()
    assert not item.is_revealed and item.grade is None and not item.skipped


def test_end_interview_without_javascript_keeps_the_typed_text(client_in, interview):
    response = client_in.post(
        reverse("quiz:interview-end", args=[interview.pk]), {"answer_text": "half a thought"}
    )
    results = client_in.get(response.url).content.decode()
    assert "half a thought" in results


def test_end_interview_with_too_long_text_ends_nothing_and_keeps_it(client_in, interview):
    text = "v" * 20001
    response = client_in.post(reverse("quiz:interview-end", args=[interview.pk]), {"answer_text": text})
    assert response.status_code == 422 and text in response.content.decode()
    interview.refresh_from_db()
    assert not interview.is_finished


# Autosave and double starts (issue 16, item 6)


def test_autosave_into_an_unreached_question_is_refused(client_in, interview):
    later = interview.items.get(position=1)
    response = client_in.post(item_url("answer", later), {"answer_text": "planted"}, **HTMX)
    assert response.status_code == 409 and "Not saved" in response.content.decode()
    later.refresh_from_db()
    assert later.answer_text == ""


def test_autosave_into_a_finished_interview_is_refused(client_in, interview):
    client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
    item = first_item(interview)
    response = client_in.post(item_url("answer", item), {"answer_text": "after the end"}, **HTMX)
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.answer_text == ""


@pytest.mark.parametrize(
    "data", [{"quick": "1"}, {**{"question_count": 3, "timing": "untimed", "minutes": 3}}]
)
def test_a_double_click_on_start_opens_one_interview(client_in, bank, data):
    first = client_in.post(reverse("quiz:interview-new"), data)
    second = client_in.post(reverse("quiz:interview-new"), data)
    assert MockInterview.objects.count() == 1
    assert first.url == second.url == step_url(MockInterview.objects.get())


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections to one database; SQLite's test database is in memory (PostgreSQL's run has it)",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_clicks_on_start_open_one_interview(bank, candidate):
    clicks = 5
    barrier = threading.Barrier(clicks)
    landed = []

    def click() -> None:
        try:
            client = Client()
            client.force_login(candidate)
            barrier.wait(timeout=10)
            landed.append(client.post(reverse("quiz:interview-new"), {"quick": "1"}).url)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    interview = MockInterview.objects.get()
    assert landed == [step_url(interview)] * clicks


def test_a_double_click_on_review_or_practise_again_opens_one_session(client_in, candidate, bank):
    ReviewState.record(candidate.pk, bank[0].pk, Grade.MISSED, timezone.now() - timedelta(days=30))
    first, second = (client_in.post(reverse("quiz:review-start")) for _ in range(2))
    assert first.url == second.url
    review = MockInterview.objects.get(kind=MockInterview.Kind.REVIEW)
    client_in.post(reverse("quiz:interview-end", args=[review.pk]))
    practise = reverse("quiz:practise-missed", args=[review.pk])
    first, second = (client_in.post(practise) for _ in range(2))
    assert first.url == second.url
    assert MockInterview.objects.count() == 2


def test_the_same_start_later_opens_a_new_interview(client_in, bank):
    # From the setup page, which warns that a new start ends the one in progress.
    setup = {"question_count": 3, "timing": "untimed", "minutes": 3}
    client_in.post(reverse("quiz:interview-new"), setup)
    with time_machine.travel(timezone.now() + timedelta(seconds=MockInterview.DOUBLE_START_SECONDS + 1)):
        client_in.post(reverse("quiz:interview-new"), setup)
    assert MockInterview.objects.count() == 2


# Caching


def test_the_step_page_varies_on_hx_request(client_in, interview):
    # The full page and the card share a URL: a cache that ignored the header would serve one for the other.
    response = client_in.get(step_url(interview))
    assert "HX-Request" in response["Vary"]


def test_setup_offers_to_resume_or_end_the_interview_left_open(client_in, user, bank):
    open_one = MockInterview.start(user, bank[:2], seconds_per_question=None)
    page = client_in.get(reverse("quiz:interview-new")).content.decode()
    assert "You have a mock interview in progress" in page
    assert f'href="{reverse("quiz:interview-step", args=[open_one.pk])}">Resume it' in page
    assert f'action="{reverse("quiz:interview-end", args=[open_one.pk])}"' in page


def test_starting_another_interview_ends_the_one_left_open(client_in, user, bank):
    left_open = MockInterview.start(user, bank[:2])  # untimed: it would otherwise run forever
    # From the setup page, which says "Starting a new one ends it early" above its form.
    client_in.post(reverse("quiz:interview-new"), {"question_count": 3, "timing": "untimed", "minutes": 3})
    left_open.refresh_from_db()
    assert left_open.ending == MockInterview.Ending.ENDED_EARLY
    history = client_in.get(reverse("quiz:history")).content.decode()
    assert history.count("Still running") == 1  # only the interview just started
    newest = MockInterview.objects.for_user(user).latest("created_at")
    page = client_in.get(reverse("quiz:interview-new")).content.decode()
    assert f'href="{reverse("quiz:interview-step", args=[newest.pk])}">Resume it' in page
    assert reverse("quiz:interview-step", args=[left_open.pk]) not in page


def test_grading_a_question_already_graded_in_another_tab_says_so(client_in, user, bank):
    interview = MockInterview.start(user, bank[:3])
    first = interview.current_item()
    url = reverse("quiz:item-grade", args=[interview.pk, first.pk])
    client_in.post(url, {"grade": Grade.GOOD})  # the first tab
    card = client_in.post(url, {"grade": Grade.MISSED}, headers={"HX-Request": "true"}).content.decode()
    assert "already answered, in another tab" in card and "Question 2 / 3" in card
    page = client_in.post(url, {"grade": Grade.MISSED}, follow=True).content.decode()  # without JavaScript
    assert "already answered, in another tab" in page and "Question 2 / 3" in page
    first.refresh_from_db()
    assert first.grade == Grade.GOOD
    fresh = client_in.post(
        reverse("quiz:item-grade", args=[interview.pk, interview.current_item().pk]),
        {"grade": Grade.GOOD},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "already answered" not in fresh


# Practise the missed ones: the new interview keeps the time the user chose


def practise_missed(client_in, interview) -> MockInterview:
    interview.end_early()
    response = client_in.post(reverse("quiz:practise-missed", args=[interview.pk]))
    new = MockInterview.objects.exclude(pk=interview.pk).get()
    assert response.url == reverse("quiz:interview-step", args=[new.pk])
    return new


@pytest.mark.parametrize(
    ("setup", "limits", "expected_per_question", "expected_total_per_question"),
    [
        ({"timing": "per_question", "minutes": 2}, {"seconds_per_question": 120}, 120, 120),
        ({"timing": "total", "minutes": 5}, {"total_seconds": 300}, None, None),
        ({"timing": "untimed", "minutes": 5}, {}, None, None),
    ],
)
def test_practising_the_missed_questions_keeps_the_timing_chosen(
    client_in, user, six_questions, setup, limits, expected_per_question, expected_total_per_question
):
    first = MockInterview.start(user, six_questions[:3], setup=setup, **limits)
    new = practise_missed(client_in, first)
    assert new.seconds_per_question == expected_per_question
    if setup["timing"] == "per_question":
        assert new.total_seconds == expected_total_per_question * new.question_count
    elif setup["timing"] == "total":
        assert new.total_seconds == setup["minutes"] * 60
    else:
        assert new.deadline is None


def test_practising_again_stretches_the_chosen_time_once_for_a_user_who_needs_more(
    client_in, user, six_questions
):
    Preferences.objects.create(user=user, extra_time=Preferences.ExtraTime.DOUBLE)
    first = MockInterview.start(
        user, six_questions[:2], seconds_per_question=60, setup={"timing": "per_question", "minutes": 1}
    )
    assert first.seconds_per_question == 120
    new = practise_missed(client_in, first)
    assert new.seconds_per_question == 120  # 1 minute chosen, doubled once: not 4 minutes


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"seconds_per_question": 90}, (90, 180)),
        ({"total_seconds": 400}, (None, 400)),
        ({}, (None, None)),
    ],
)
def test_practising_again_an_interview_started_without_a_form_keeps_its_limits(
    client_in, user, six_questions, limits, expected
):
    first = MockInterview.start(user, six_questions[:2], **limits)  # no setup: started by code, e.g. a review
    new = practise_missed(client_in, first)
    assert (new.seconds_per_question, new.total_seconds) == expected


# Fresh questions first


def test_another_users_history_does_not_make_a_question_stale_for_me(user, six_questions):
    mine = MockInterview.start(user, six_questions[5:])
    mine.grade(mine.items.get(), Grade.GOOD)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):  # theirs done after mine
        theirs = MockInterview.start(another_user(), six_questions[:5])
        for item in theirs.items.all():
            theirs.grade(item, Grade.GOOD)
    picked = list(Question.objects.fresh_first_for(user))
    assert picked[-1] == six_questions[5]  # the one I did comes last; theirs are fresh for me


def test_a_question_left_unfinished_still_counts_as_fresh(user, six_questions):
    done = MockInterview.start(user, six_questions[:1])
    done.grade(done.items.get(), Grade.GOOD)
    unfinished = MockInterview.start(user, six_questions[1:])  # six_questions[1:] asked but never graded
    unfinished.end_early()
    assert list(Question.objects.fresh_first_for(user))[-1] == six_questions[0]


def test_questions_never_seen_come_in_a_different_order_from_one_interview_to_the_next(user, six_questions):
    orders = {tuple(q.pk for q in Question.objects.fresh_first_for(user)) for _ in range(20)}
    assert len(orders) > 1


# Ending an interview after its time ran out


def test_ending_an_interview_after_its_deadline_says_it_ran_out_of_time_at_the_deadline(
    client_in, user, six_questions
):
    interview = MockInterview.start(user, six_questions[:2], seconds_per_question=60)
    with time_machine.travel(interview.created_at + timedelta(minutes=30), tick=False):
        client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
        results = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    interview.refresh_from_db()
    assert (interview.ending, interview.finished_at) == (MockInterview.Ending.TIMED_OUT, interview.deadline)
    assert "Ran out of time" in results
    assert interview.summary().seconds_used == interview.total_seconds  # not the half hour it sat open


def test_ending_an_interview_early_records_when(user, six_questions):
    interview = MockInterview.start(user, six_questions[:2], seconds_per_question=60)
    when = interview.created_at + timedelta(seconds=30)
    interview.end_early(now=when)
    interview.refresh_from_db()
    assert (interview.ending, interview.finished_at) == (MockInterview.Ending.ENDED_EARLY, when)


# The results page's figures, read in one query


def test_results_read_every_question_and_section_in_one_query(user, six_questions, django_assert_num_queries):
    interview = MockInterview.start(user, six_questions)
    interview.refresh_from_db()
    with django_assert_num_queries(1):
        summary = interview.summary()
        assert [result.section.title for result in summary.sections] == ["ML"]
        assert [item.question.prompt_md for item in summary.items] == [q.prompt_md for q in six_questions]


def test_results_count_each_outcome_and_score_each_section(client_in, user, six_questions):
    second = Section.objects.create(key="stats", title="Statistics", position=1, source_path="s.md")
    Question.objects.filter(pk__in=[six_questions[2].pk, six_questions[3].pk]).update(section=second)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview = MockInterview.start(user, six_questions[:4], seconds_per_question=60)
    items = list(interview.items.order_by("position"))
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        interview.grade(items[0], Grade.NAILED)
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        interview.skip(items[1])
    with time_machine.travel(start + timedelta(seconds=110), tick=False):  # 90 s on a 60 s question
        interview.grade(items[2], Grade.PARTIAL)
    with time_machine.travel(start + timedelta(seconds=120), tick=False):
        client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
        html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    interview.refresh_from_db()
    summary = interview.summary()

    nailed, partial = 1, 1 / 3  # (grade - 1) / 3; skipped and not reached score 0
    assert summary.percent == round(100 * (nailed + partial) / 4)
    assert (summary.graded, summary.skipped, summary.unreached, summary.over_time) == (2, 1, 1, 1)
    assert summary.grade_counts == {Grade.MISSED: 0, Grade.PARTIAL: 1, Grade.GOOD: 0, Grade.NAILED: 1}
    assert (summary.seconds_used, summary.seconds_budget) == (120, 4 * 60)
    assert [(r.section.title, r.asked, r.percent) for r in summary.sections] == [
        ("ML", 2, round(100 * nailed / 2)),
        ("Statistics", 2, round(100 * partial / 2)),
    ]
    assert f'data-testid="score">{summary.percent}%' in html
    assert "2 / 4" in html and "2:00" in html and "of 4:00" in html
    assert "<td>Statistics</td><td>2</td><td>17%</td>" in html
    assert [q.pk for q in summary.missed_questions] == [q.pk for q in six_questions[1:4]]


def test_an_interview_still_running_counts_its_time_up_to_now(user, six_questions):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview = MockInterview.start(user, six_questions[:2], seconds_per_question=60)
    with time_machine.travel(start + timedelta(seconds=45), tick=False):
        assert interview.summary().seconds_used == 45


# One user's step never touches another's interview


def test_finishing_an_interview_leaves_everyone_elses_running(user, six_questions):
    mine = MockInterview.start(user, six_questions[:2])
    theirs = MockInterview.start(another_user(), six_questions[:2])
    for item in mine.items.order_by("position"):
        mine.grade(item, Grade.GOOD)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.ending == MockInterview.Ending.COMPLETED
    assert (theirs.finished_at, theirs.ending) == (None, "")
    assert list(theirs.items.order_by("position").values_list("started_at", flat=True))[1] is None


def test_an_interview_completed_stays_completed_when_ended_again(user, six_questions):
    interview = MockInterview.start(user, six_questions[:1])
    interview.grade(interview.items.get(), Grade.GOOD)
    finished_at = MockInterview.objects.get(pk=interview.pk).finished_at
    stale = MockInterview.objects.get(pk=interview.pk)
    stale.finished_at, stale.ending = None, ""  # a second tab that read the row before it finished
    stale.end_early()
    assert (stale.ending, stale.finished_at) == (MockInterview.Ending.COMPLETED, finished_at)
    interview.refresh_from_db()
    assert (interview.ending, interview.finished_at) == (MockInterview.Ending.COMPLETED, finished_at)


def test_an_invalid_difficulty_on_the_setup_page_says_what_is_wrong(client_in, question):
    response = client_in.post(
        reverse("quiz:interview-new"),
        {"sections": [question.section_id], "difficulties": ["impossible"], "question_count": 5},
    )
    html = response.content.decode()
    assert response.status_code in (200, 422)
    assert "Select a valid choice. impossible is not one of the available choices." in html


@pytest.mark.parametrize("url", ["/interviews/{huge}/", "/interviews/{huge}/items/1/grade/"])
def test_an_interview_id_past_any_row_is_a_404_not_a_500(client_in, url):
    huge = "9" * 30
    assert client_in.get(url.format(huge=huge)).status_code in (404, 405)
    assert client_in.post(url.format(huge=huge), {"grade": "good"}).status_code == 404


@pytest.mark.parametrize(
    ("start", "data"),
    [("quiz:interview-new", {"quick": "1"}), ("quiz:review-start", {})],
    ids=["quick", "review"],
)
def test_a_one_click_start_on_home_keeps_the_interview_in_progress(client_in, user, bank, start, data):
    ReviewState.record(user.pk, bank[0].pk, Grade.MISSED, timezone.now() - timedelta(days=30))
    left_open = MockInterview.start(user, bank[:2])
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        response = client_in.post(reverse(start), data, follow=True)
    left_open.refresh_from_db()
    assert left_open.ending == ""
    assert MockInterview.objects.count() == 1
    assert response.redirect_chain == [(reverse("quiz:home"), 302)]
    assert "You have an interview in progress: resume it, or end it before starting another." in (
        response.content.decode()
    )


def test_home_offers_resume_or_end_instead_of_starts_while_an_interview_runs(client_in, user, bank):
    ReviewState.record(user.pk, bank[0].pk, Grade.MISSED, timezone.now() - timedelta(days=30))
    home = client_in.get(reverse("quiz:home")).content.decode()
    assert "Start: " in home and "Review what is due" in home
    left_open = MockInterview.start(user, bank[:2])
    home = client_in.get(reverse("quiz:home")).content.decode()
    assert "Start: " not in home and "Review what is due" not in home
    assert f'href="{reverse("quiz:interview-step", args=[left_open.pk])}">Resume it' in home
    assert f'action="{reverse("quiz:interview-end", args=[left_open.pk])}"' in home
    response = client_in.post(reverse("quiz:interview-end", args=[left_open.pk]), {"next": "/"})
    assert response.url == "/"
    left_open.refresh_from_db()
    assert left_open.ending == MockInterview.Ending.ENDED_EARLY
    assert "Review what is due" in client_in.get(reverse("quiz:home")).content.decode()


def test_ending_an_interview_goes_nowhere_outside_the_site(client_in, user, bank):
    left_open = MockInterview.start(user, bank[:2])
    response = client_in.post(
        reverse("quiz:interview-end", args=[left_open.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("quiz:results", args=[left_open.pk])


def test_a_chained_question_shows_its_shared_context_with_its_prompt(client_in, user, make_question):
    context = "You run an e-commerce site and sales dropped 20% last week."
    chained = make_question(group_title=context, prompt_md="What are your hypotheses about the causes?")
    interview = MockInterview.start(user, [chained])
    for url in (step_url(interview), reverse("quiz:question", args=[chained.pk])):
        page = client_in.get(url).content.decode()
        shown = page.index(f'<p class="group-context">{context}</p>')
        assert shown < page.index("What are your hypotheses about the causes?"), url


def test_an_anki_card_carries_a_chained_questions_shared_context(make_question):
    from quiz.decks import anki_note

    chained = make_question(group_title="Given <this> dataset:", prompt_md="Which model?")
    assert anki_note(chained).fields[0].startswith("<p>Given &lt;this&gt; dataset:</p>")
