"""Spaced repetition: FSRS schedules from self-grades, review sessions and the due forecast."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from quiz import scheduling
from quiz.models import Grade, MockInterview, Question, ReviewState, Section
from tests.conftest import another_user

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_nailed_question_is_due_later_than_missed_one():
    nailed = scheduling.review(None, Grade.NAILED, START)
    missed = scheduling.review(None, Grade.MISSED, START)
    assert nailed.due > missed.due
    assert missed.due - START <= timedelta(minutes=10)


def test_intervals_grow_with_repeated_success():
    card, when, intervals = None, START, []
    for _ in range(5):
        card = scheduling.review(card, Grade.GOOD, when)
        intervals.append(card.due - when)
        when = card.due
    # After the learning steps, each successful review pushes the next one further out.
    assert intervals[2] < intervals[3] < intervals[4]
    assert intervals[4] > timedelta(days=10)


def test_schedule_is_deterministic_and_timezone_aware():
    first = scheduling.review(None, Grade.PARTIAL, START)
    again = scheduling.review(None, Grade.PARTIAL, START)
    assert first == again
    assert first.due.tzinfo is not None and first.due.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduling.review(None, Grade.GOOD, datetime(2026, 1, 1))


@pytest.fixture
def questions(db):
    section = Section.objects.create(key="s", title="Basics", source_path="s.md")
    return [
        Question.objects.create(
            key=f"k{i}", section=section, prompt_md=f"Q{i}?", answer_md="A", source_path="s.md"
        )
        for i in range(4)
    ]


@pytest.fixture
def learner(db):
    return get_user_model().objects.create_user("lin", password="pw-123-long")


def _grade_all(user, questions, grade, when, updates_schedule=True):
    with time_machine.travel(when, tick=False):
        interview = MockInterview.start(user, questions, updates_schedule=updates_schedule)
        for item in interview.items.order_by("position"):
            interview.grade(item, grade)
    return interview


def test_grading_in_an_interview_updates_the_schedule(learner, questions):
    _grade_all(learner, questions[:2], Grade.MISSED, START)
    states = ReviewState.objects.for_user(learner)
    assert states.count() == 2
    assert all(s.lapses == 1 and s.last_grade == Grade.MISSED for s in states)


def test_interview_can_leave_the_schedule_alone(learner, questions):
    _grade_all(learner, questions[:2], Grade.GOOD, START, updates_schedule=False)
    assert not ReviewState.objects.for_user(learner).exists()


def test_repeated_misses_make_a_leech(learner, questions):
    for day in range(4):
        _grade_all(learner, questions[:1], Grade.MISSED, START + timedelta(days=day))
    assert list(ReviewState.objects.for_user(learner).leeches().values_list("question", flat=True)) == [
        questions[0].pk
    ]


def test_forecast_spreads_the_coming_week_and_leaves_what_is_due_now_to_due(learner, questions):
    _grade_all(learner, questions[:2], Grade.MISSED, START)  # due in minutes
    _grade_all(learner, questions[2:], Grade.NAILED, START)  # due in days
    now = START + timedelta(days=1)
    reviews = ReviewState.objects.for_user(learner)
    forecast = reviews.forecast(days=7, now=now)
    assert reviews.due(now).count() == 2
    assert forecast[0] == (now.date(), 0)  # the two overdue ones are "due now", not "later today"
    assert len(forecast) == 7
    later = reviews.filter(due__gt=now, due__lt=now + timedelta(days=6))
    assert sum(n for _, n in forecast) == later.count()


def _home_bank_and_session_counts(client) -> tuple[int, int, int]:
    """What a learner sees as "due": the home count, the bank's Due filter, the size of the review session."""
    home = client.get(reverse("quiz:home")).content.decode()
    home_count = int(home.split('data-testid="due-now">')[1].split("<")[0])
    bank = client.get(reverse("quiz:questions"), {"due": "on"})
    client.post(reverse("quiz:review-start"))
    session = MockInterview.objects.filter(kind=MockInterview.Kind.REVIEW).order_by("-pk").first()
    session_size = session.items.count() if session else 0
    if session:
        session.delete()
    return home_count, bank.context["page"].paginator.count, session_size


def test_home_bank_filter_and_review_session_agree_on_what_is_due(client, learner, questions):
    # Graded Missed at 09:00: due again minutes later. The third one comes due at 14:00 the same day.
    _grade_all(learner, questions[:3], Grade.MISSED, START)
    good_due = START + timedelta(hours=5)
    ReviewState.objects.filter(question=questions[2]).update(due=good_due)
    client.force_login(learner)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert _home_bank_and_session_counts(client) == (2, 2, 2)
    with time_machine.travel(good_due - timedelta(seconds=1), tick=False):
        assert _home_bank_and_session_counts(client) == (2, 2, 2)
    with time_machine.travel(good_due, tick=False):
        assert _home_bank_and_session_counts(client) == (3, 3, 3)


def test_home_says_what_due_means(client, learner, questions):
    client.force_login(learner)
    home = client.get(reverse("quiz:home")).content.decode()
    assert "due now" in home
    assert "A question is due once its review time has passed" in home


def test_home_shows_due_count_and_review_session_serves_due_questions(client, learner, questions):
    _grade_all(learner, questions[:3], Grade.MISSED, START)
    client.force_login(learner)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        home = client.get(reverse("quiz:home")).content.decode()
        assert 'data-testid="due-now">3<' in home
        response = client.post(reverse("quiz:review-start"))
    review = MockInterview.objects.get(kind=MockInterview.Kind.REVIEW)
    assert response.url == reverse("quiz:interview-step", args=[review.pk])
    assert review.deadline is None  # review sessions are untimed
    assert set(review.items.values_list("question", flat=True)) == {q.pk for q in questions[:3]}


def test_review_with_nothing_due_says_so(client, learner, questions):
    client.force_login(learner)
    response = client.post(reverse("quiz:review-start"), follow=True)
    assert "Nothing is due now. Come back later" in response.content.decode()
    assert not MockInterview.objects.exists()


def test_another_users_grades_do_not_make_my_questions_due(client, learner, questions):
    other = get_user_model().objects.create_user("other", password="pw-123-long")
    _grade_all(other, questions, Grade.MISSED, START)
    client.force_login(learner)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        home = client.get(reverse("quiz:home")).content.decode()
    assert 'data-testid="due-now">0<' in home


# The week ahead, due badges, and one user's cards


def test_the_week_ahead_counts_each_days_reviews_and_leaves_out_overdue_retired_and_later_ones(
    user, six_questions
):
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    day = timedelta(days=1)
    extra = [
        Question.objects.create(
            key=f"ml/x{i}", section=six_questions[0].section, position=10 + i, prompt_md="?"
        )
        for i in range(2)
    ]
    retired = Question.objects.create(
        key="ml/gone", section=six_questions[0].section, position=20, prompt_md="?", retired=True
    )
    midnight = now.replace(hour=0)
    dues = {
        six_questions[0]: now - timedelta(hours=1),  # overdue: "due now", not in the week ahead
        six_questions[1]: now + timedelta(hours=2),  # later today
        six_questions[2]: midnight + day + timedelta(hours=9),
        six_questions[3]: midnight + day + timedelta(hours=21),
        six_questions[4]: midnight + 6 * day + timedelta(hours=23),  # the last day shown
        six_questions[5]: midnight + 7 * day + timedelta(minutes=30),  # a day past the week
        extra[0]: midnight + 3 * day,
        extra[1]: midnight + 3 * day + timedelta(hours=1),
        retired: midnight + day + timedelta(hours=9),
    }
    for question, due in dues.items():
        ReviewState.objects.create(user=user, question=question, due=due)
    counts = [n for _, n in ReviewState.objects.for_user(user).forecast(days=7, now=now)]
    days = [d for d, _ in ReviewState.objects.for_user(user).forecast(days=7, now=now)]
    assert days == [now.date() + i * day for i in range(7)]
    assert counts == [1, 2, 0, 2, 0, 0, 1]


def test_a_cards_due_badge_is_judged_at_the_time_asked(user, six_questions):
    now = timezone.now()
    ReviewState.objects.create(user=user, question=six_questions[0], due=now + timedelta(hours=1))
    ReviewState.objects.create(user=user, question=six_questions[1], due=now - timedelta(hours=1))
    badges = {s.question_id: s.is_due for s in ReviewState.objects.for_user(user).with_is_due(now)}
    assert badges == {six_questions[0].pk: False, six_questions[1].pk: True}
    later = ReviewState.objects.for_user(user).with_is_due(now + timedelta(hours=2))
    assert all(s.is_due for s in later)


def test_grading_a_question_moves_only_my_card_for_it(user, six_questions):
    theirs = another_user()
    for who in (theirs, user):
        interview = MockInterview.start(who, six_questions[:1])
        interview.grade(interview.items.get(), Grade.MISSED if who == theirs else Grade.GOOD)
    cards = {s.user_id: s for s in ReviewState.objects.filter(question=six_questions[0])}
    assert (cards[theirs.pk].last_grade, cards[theirs.pk].lapses) == (Grade.MISSED, 1)
    assert (cards[user.pk].last_grade, cards[user.pk].lapses, cards[user.pk].reviews) == (Grade.GOOD, 0, 1)


def test_a_second_good_grade_builds_on_the_first_and_pushes_the_review_further(user, six_questions):
    start = timezone.now()
    intervals = []
    for days in (0, 3):
        when = start + timedelta(days=days)
        with time_machine.travel(when, tick=False):
            interview = MockInterview.start(user, six_questions[:1])
            interview.grade(interview.items.get(), Grade.GOOD)
        card = ReviewState.objects.get(user=user)
        intervals.append(card.due - when)
    assert card.reviews == 2
    assert intervals[1] > intervals[0]


def test_a_retired_question_is_never_due(user, six_questions):
    for question in six_questions[:2]:
        ReviewState.objects.create(user=user, question=question, due=timezone.now() - timedelta(days=1))
    six_questions[0].retired = True
    six_questions[0].save()
    assert [s.question for s in ReviewState.objects.for_user(user).due()] == [six_questions[1]]
