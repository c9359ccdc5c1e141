"""Control over the schedule (issue 27, part 2): the next interval under each grade, suspend, bury, reset,
daily limits and practising ahead. The clock is frozen (time_machine) wherever a rule reads it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from quiz import scheduling
from quiz.models import Grade, MockInterview, ReviewState
from quiz.wording import interval_from

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def _step(interview) -> str:
    return reverse("quiz:interview-step", args=[interview.pk])


def _item_url(name: str, item) -> str:
    return reverse(f"quiz:item-{name}", args=[item.interview_id, item.pk])


def _intervals(html: str) -> list[str]:
    return re.findall(r'<span class="next-interval">Next: ([^<]+)</span>', html)


# -- 1. The next interval under each grade button


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=20), "in 1 minute"),
        (timedelta(minutes=10), "in 10 minutes"),
        (timedelta(minutes=59, seconds=40), "in 1 hour"),
        (timedelta(hours=5), "in 5 hours"),
        (timedelta(hours=23, minutes=40), "tomorrow"),
        (timedelta(days=1), "tomorrow"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=61), "in 2 months"),
        (timedelta(days=365), "in 1 year"),
        (timedelta(days=550), "in 1.5 years"),
    ],
)
def test_an_interval_reads_in_the_unit_a_person_would_use(delta, words):
    assert interval_from(START, START + delta) == words


def test_the_previewed_due_is_the_one_the_grade_then_sets():
    card = scheduling.review(None, Grade.GOOD, START)
    later = card.due + timedelta(hours=3)
    previews = scheduling.next_dues(card, later)
    assert previews == {g: scheduling.review(card, g, later).due for g in Grade}
    assert previews[Grade.MISSED] < previews[Grade.PARTIAL] <= previews[Grade.GOOD] < previews[Grade.NAILED]


def test_a_new_card_shows_the_first_grades_intervals(client_in, user, six_questions):
    with time_machine.travel(START, tick=False):
        interview = MockInterview.start(user, six_questions[:2])
        item = interview.items.order_by("position").first()
        html = client_in.post(_item_url("reveal", item), {"answer_text": "x"}, **HTMX).content.decode()
    expected = ReviewState(user=user, question=item.question).next_intervals(START)
    assert _intervals(html) == [expected[g] for g in Grade]
    assert _intervals(html)[0] == "in 1 minute"  # Missed: FSRS's first learning step


def test_a_known_cards_intervals_come_from_its_own_state_and_the_grade_keeps_them(
    client_in, user, six_questions
):
    question = six_questions[0]
    for day in (0, 1, 4):  # three Good reviews: a card in review, weeks apart at Nailed
        ReviewState.record(user.pk, question.pk, Grade.GOOD, START + timedelta(days=day))
    card = ReviewState.objects.get(user=user, question=question)
    when = card.due + timedelta(days=1)
    with time_machine.travel(when, tick=False):
        interview = MockInterview.start(user, [question])
        item = interview.items.get()
        client_in.post(_item_url("reveal", item), {"answer_text": "x"})
        html = client_in.get(_step(interview)).content.decode()
        shown = _intervals(html)
        client_in.post(_item_url("grade", item), {"grade": Grade.NAILED})
    assert shown[0] == "in 10 minutes" and shown[3].endswith("months")  # Missed relearns; Nailed: months
    card.refresh_from_db()
    assert interval_from(when, card.due) == shown[3]  # the label under Nailed is what Nailed did


def test_practice_that_leaves_the_schedule_alone_says_so_instead_of_intervals(client_in, user, six_questions):
    interview = MockInterview.start(user, six_questions[:1], updates_schedule=False)
    item = interview.items.get()
    html = client_in.post(_item_url("reveal", item), {"answer_text": "x"}, **HTMX).content.decode()
    assert _intervals(html) == []
    assert "Practice only: your schedule is not changed." in html


def test_the_labels_cost_no_query(client_in, user, six_questions, django_assert_num_queries):
    # The same counts as the question loop's budget (tests/test_interviews.py): a step 3, a reveal 4 + 2.
    ReviewState.record(user.pk, six_questions[0].pk, Grade.GOOD, START)
    interview = MockInterview.start(user, six_questions[:2])
    item = interview.items.order_by("position").first()
    with django_assert_num_queries(4 + 2):
        html = client_in.post(_item_url("reveal", item), {"answer_text": "x"}, **HTMX).content.decode()
    assert len(_intervals(html)) == 4
    with django_assert_num_queries(3):
        html = client_in.get(_step(interview), **HTMX).content.decode()
    assert len(_intervals(html)) == 4
