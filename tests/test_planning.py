"""Planning to a date (quiz/planning.py): the day's work, the final pass, pacing, the forecast."""

from datetime import date, timedelta

import pytest

from quiz import planning, scheduling
from quiz.planning import Calendar

TODAY = date(2027, 1, 4)
EXAM = TODAY + timedelta(days=30)


def always_good(i, card, when):
    return planning.GOOD


def learned(days_ago: int, grades=(3, 3, 3)) -> scheduling.CardState:
    """A card graded ``grades`` in turn, each when due, the last review ``days_ago`` days before TODAY."""
    card, when = None, planning.moment(TODAY) - timedelta(days=60)
    for grade in grades:
        card = scheduling.review(card, grade, when)
        when = max(card.due, when + timedelta(minutes=10))
    last = planning.moment(TODAY) - timedelta(days=days_ago)
    return scheduling.CardState(card.state, card.step, card.stability, card.difficulty, last, last)


def test_calendar_is_fixed_by_the_date_not_by_today():
    first = Calendar.of(TODAY, EXAM, 100, 30)
    later = Calendar.of(TODAY + timedelta(days=20), EXAM, 100, 30)
    assert (first.final_start, first.intro_end) == (later.final_start, later.intro_end)
    # New questions end a buffer before the final pass, which ends the day before the date.
    assert first.intro_end < first.final_start < EXAM
    assert (first.final_start - first.intro_end).days == planning.BUFFER_DAYS + 1


@pytest.mark.parametrize(
    ("cards", "minutes", "span", "days"),
    [
        (10, 600, 12, 2),
        (10, 600, 30, 5),
        (10, 600, 90, 7),
        (100, 100, 30, 5),
        (100, 30, 30, 7),
        (5000, 5, 30, 7),
    ],
)
def test_final_pass_lasts_a_sixth_of_the_plan_or_longer_when_minutes_are_few(cards, minutes, span, days):
    exam = TODAY + timedelta(days=span)
    assert Calendar.of(TODAY, exam, cards, minutes).final_days == days
    # Later days of the same plan keep its calendar.
    assert (
        Calendar.of(TODAY + timedelta(days=span // 2), exam, cards, minutes, start=TODAY).final_days == days
    )


def test_new_questions_are_paced_to_end_before_the_final_pass():
    calendar = Calendar.of(TODAY, EXAM, 60, 30)
    plan = planning.day_plan([None] * 60, calendar)
    days = calendar.intro_days_left()
    assert len(plan.new) == -(-60 // days)
    assert plan.new == list(range(len(plan.new)))  # in syllabus order


def test_new_questions_seen_today_count_towards_todays_quota():
    calendar = Calendar.of(TODAY, EXAM, 60, 30)
    quota = len(planning.day_plan([None] * 60, calendar).new)
    seen_today = [learned(0, grades=(3,))] * 2 + [None] * 58
    plan = planning.day_plan(seen_today, calendar, introduced_today=2)
    assert len(plan.new) == quota - 2
    assert plan.done == 2
    assert plan.total == quota + len(plan.due)


def test_nothing_is_asked_on_the_day_or_after():
    for today in (EXAM, EXAM + timedelta(days=3)):
        plan = planning.day_plan([None] * 10, Calendar.of(today, EXAM, 10, 30))
        assert plan.todo == [] and plan.total == 0


def test_following_the_plan_shows_every_card_in_the_final_pass_and_reaches_the_target():
    followed = planning.follow([None] * 80, TODAY, EXAM, None, always_good)
    calendar = Calendar.of(TODAY, EXAM, 80, planning.MAX_MINUTES)
    opens = planning.day_start(calendar.final_start)
    assert all(card.last_review >= opens for card in followed.cards)
    readiness = planning.readiness(followed.cards, [1] * 80, planning.moment(EXAM))
    assert readiness.overall >= 0.9


def test_no_day_of_the_plan_piles_up():
    followed = planning.follow([None] * 120, TODAY, EXAM, None, always_good)
    busy = followed.minutes
    assert max(busy) <= 1.5 * (sum(busy) / len(busy))


def test_minutes_a_day_cap_the_work_and_the_rest_waits():
    followed = planning.follow([None] * 120, TODAY, EXAM, 20, always_good)
    # A few minutes left over one day (too few for the next question) carry to the next, no further.
    assert sum(followed.minutes) <= 20 * len(followed.minutes)
    assert max(followed.minutes) <= 20 + planning.NEW_MINUTES
    assert any(followed.undone)


def test_readiness_counts_unseen_cards_as_not_known_and_splits_by_section():
    card = learned(days_ago=2)
    when = planning.moment(EXAM)
    readiness = planning.readiness([card, None, card, None], [7, 7, 8, 9], when)
    expected = scheduling.retrievability(card.stability, (when - card.last_review).total_seconds() / 86400)
    assert readiness.by_section[7] == (2, 1, pytest.approx(expected / 2))
    assert readiness.by_section[9] == (1, 0, 0.0)
    assert readiness.overall == pytest.approx(expected / 2)
    assert 0 < readiness.percent < 50


def test_retrievability_matches_fsrs_and_fades_with_time():
    card = learned(days_ago=0)
    soon = scheduling.retrievability(card.stability, 1)
    later = scheduling.retrievability(card.stability, 30)
    assert 1 > soon > later > 0
    assert scheduling.retrievability(None, 3) == 0.0


def test_at_this_pace_with_enough_minutes_meets_the_target():
    calendar = Calendar.of(TODAY, EXAM, 40, 60)
    projection = planning.project([None] * 40, calendar, 60, 0.9)
    assert projection.meets_target and projection.extra_minutes == 0
    assert projection.days[-1] == EXAM and len(projection.recall_by_day) == 30
    assert projection.recall_by_day[-1] == pytest.approx(projection.recall)


def test_at_this_pace_says_how_many_more_minutes_reach_the_target():
    calendar = Calendar.of(TODAY, EXAM, 150, 10)
    short = planning.project([None] * 150, calendar, 10, 0.9)
    assert not short.meets_target
    assert short.extra_minutes and short.extra_minutes % planning.MINUTES_STEP == 0
    enough = short.minutes + short.extra_minutes
    again = planning.project([None] * 150, Calendar.of(TODAY, EXAM, 150, enough), enough, 0.9)
    assert again.meets_target


def test_at_this_pace_says_when_no_minutes_are_enough():
    exam = TODAY + timedelta(days=2)
    projection = planning.project([None] * 50, Calendar.of(TODAY, exam, 50, 30), 30, 0.99)
    assert projection.minutes_for_target is None and projection.extra_minutes is None


def test_a_large_syllabus_is_followed_on_a_sample_spread_over_it():
    picked = planning.sample_of(10_000)
    assert len(picked) == planning.SAMPLE
    assert picked[0] == 0 and picked[-1] > 9_900
    assert planning.sample_of(7) == list(range(7))


def test_the_same_syllabus_gets_the_same_forecast():
    calendar = Calendar.of(TODAY, EXAM, 30, 20)
    cards = [learned(d % 9) for d in range(20)] + [None] * 10
    first = planning.project(cards, calendar, 20, 0.9)
    assert planning.project(cards, calendar, 20, 0.9) == first
