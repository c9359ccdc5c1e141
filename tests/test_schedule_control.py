"""Control over the schedule (issue 27, part 2): the next interval under each grade, suspend, bury, reset,
daily limits and practising ahead. The clock is frozen (time_machine) wherever a rule reads it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from quiz import scheduling
from quiz.models import Grade, MockInterview, Preferences, ReviewState
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


# -- 2. Suspend, bury, reset, daily limits


def _card(user, question, grade=Grade.GOOD, when=START) -> ReviewState:
    return ReviewState.record(user.pk, question.pk, grade, when)


def _due_ids(user, now) -> set[int]:
    return set(ReviewState.objects.for_user(user).due(now).values_list("question", flat=True))


def test_a_suspended_card_is_never_due_until_unsuspended(user, six_questions):
    card = _card(user, six_questions[0], Grade.MISSED)
    later = START + timedelta(days=30)
    card.suspend()
    assert _due_ids(user, later) == set()
    assert list(ReviewState.objects.for_user(user).suspended()) == [card]
    card.suspend(False)
    assert _due_ids(user, later) == {six_questions[0].pk}


def test_a_buried_card_waits_until_the_next_day_starts_and_keeps_its_schedule(user, six_questions):
    card = _card(user, six_questions[0], Grade.MISSED)  # due ten minutes later, the same day
    due_before = card.due
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        card.bury()
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    assert card.buried_until == midnight
    assert _due_ids(user, midnight - timedelta(seconds=1)) == set()
    assert _due_ids(user, midnight) == {six_questions[0].pk}
    card.refresh_from_db()
    assert card.due == due_before


def test_reset_forgets_the_card_and_the_next_grade_starts_it_as_new(user, six_questions):
    for day in range(3):
        _card(user, six_questions[0], Grade.MISSED, START + timedelta(days=day))
    ReviewState.objects.get(user=user).forget()
    assert not ReviewState.objects.for_user(user).exists()
    later = START + timedelta(days=5)
    again = _card(user, six_questions[0], Grade.GOOD, later)
    assert (again.reviews, again.lapses, again.introduced_at) == (1, 0, later)
    assert again.due == scheduling.review(None, Grade.GOOD, later).due


def test_the_day_counts_new_cards_apart_from_reviews_and_starts_at_midnight(user, six_questions):
    _card(user, six_questions[0], when=START - timedelta(days=3))
    _card(user, six_questions[1], when=START - timedelta(days=3))
    _card(user, six_questions[0], when=START)  # a review today
    _card(user, six_questions[2], when=START)  # new today
    _card(user, six_questions[2], when=START + timedelta(minutes=10))  # the same card again: counted once
    cards = ReviewState.objects.for_user(user)
    assert cards.done_today(START + timedelta(hours=1)) == (1, 1)
    assert cards.done_today(datetime(2026, 3, 3, tzinfo=UTC)) == (0, 0)
    prefs = Preferences(user=user, new_per_day=1, reviews_per_day=5)
    allowance = cards.allowance(prefs, START + timedelta(hours=1))
    assert (allowance.new_left, allowance.reviews_left) == (0, 4)


def _session(client):
    client.post(reverse("quiz:review-start"))
    return MockInterview.objects.filter(kind=MockInterview.Kind.REVIEW).order_by("-pk").first()


def test_a_review_session_leaves_out_suspended_and_buried_cards(client_in, user, six_questions):
    cards = [_card(user, q, Grade.MISSED) for q in six_questions[:3]]
    cards[0].suspend()
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        cards[1].bury()
        session = _session(client_in)
        home = client_in.get(reverse("quiz:home")).content.decode()
    assert list(session.items.values_list("question", flat=True)) == [six_questions[2].pk]
    assert 'data-testid="due-now">1<' in home


def test_a_review_session_stops_at_the_daily_review_limit(client_in, user, six_questions):
    for question in six_questions[:4]:
        _card(user, question, Grade.MISSED, START - timedelta(days=2))
    Preferences.objects.create(user=user, reviews_per_day=3)
    now = START + timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        _card(user, six_questions[4], Grade.GOOD, START - timedelta(days=3))
        _card(user, six_questions[4], Grade.GOOD, now)  # one review done today already
        session = _session(client_in)
        assert session.items.count() == 2  # the limit of 3 leaves 2
        for item in session.items.order_by("position"):
            session.grade(item, Grade.GOOD, now=now)
        home = client_in.get(reverse("quiz:home")).content.decode()
        response = client_in.post(reverse("quiz:review-start"), follow=True)
    assert "leaves room for\n        0 more today" in home
    assert "You have done today&#x27;s 3 reviews (your daily limit)" in response.content.decode()
    assert MockInterview.objects.filter(kind=MockInterview.Kind.REVIEW).count() == 1


def _setup(count: int, updates_schedule: bool = True) -> dict:
    data = {"question_count": count, "timing": "untimed", "minutes": 3}
    return {**data, "updates_schedule": "on"} if updates_schedule else data


def test_an_interview_brings_in_no_more_new_questions_than_todays_limit(client_in, user, six_questions):
    for question in six_questions[:2]:
        _card(user, question, when=START - timedelta(days=1))
    Preferences.objects.create(user=user, new_per_day=1)
    with time_machine.travel(START, tick=False):
        response = client_in.post(reverse("quiz:interview-new"), _setup(3), follow=True)
    asked = set(MockInterview.objects.get().items.values_list("question", flat=True))
    assert len(asked) == 3 and {q.pk for q in six_questions[:2]} <= asked
    assert "Today&#x27;s limit on new questions (1, in your account) left room for 1 new one" in (
        response.content.decode()
    )


def test_practice_that_leaves_the_schedule_alone_is_not_held_to_the_new_limit(client_in, user, six_questions):
    Preferences.objects.create(user=user, new_per_day=0)
    client_in.post(reverse("quiz:interview-new"), _setup(4, updates_schedule=False))
    assert MockInterview.objects.get().question_count == 4


def test_an_interview_leaves_out_suspended_and_buried_questions(client_in, user, six_questions):
    cards = [_card(user, q) for q in six_questions[:2]]
    cards[0].suspend()
    cards[1].bury()
    client_in.post(reverse("quiz:interview-new"), _setup(6, updates_schedule=False))
    asked = set(MockInterview.objects.get().items.values_list("question", flat=True))
    assert asked == {q.pk for q in six_questions[2:]}


def _schedule_url(question) -> str:
    return reverse("quiz:question-schedule", args=[question.pk])


def test_suspend_bury_and_back_from_the_question_page(client_in, user, six_questions):
    question = six_questions[0]
    _card(user, question)
    page = reverse("quiz:question", args=[question.pk])
    assert 'value="suspend"' in client_in.get(page).content.decode()
    response = client_in.post(_schedule_url(question), {"action": "suspend", "next": page}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page
    assert "Suspended: it stays out of review sessions" in html and 'value="unsuspend"' in html
    with time_machine.travel(START, tick=False):
        client_in.post(_schedule_url(question), {"action": "bury"})
        html = client_in.get(page).content.decode()
    assert "Buried until tomorrow" in html and 'value="unbury"' in html
    card = ReviewState.objects.get(user=user)
    assert card.suspended and card.buried_until == datetime(2026, 3, 3, tzinfo=UTC)


def test_a_schedule_action_goes_back_only_to_this_site(client_in, user, question):
    _card(user, question)
    response = client_in.post(_schedule_url(question), {"action": "bury", "next": "https://evil.example/"})
    assert response.url == reverse("quiz:question", args=[question.pk])


def test_a_wrong_action_changes_nothing_and_says_so(client_in, user, question):
    _card(user, question)
    response = client_in.post(_schedule_url(question), {"action": "delete-everything"}, follow=True)
    assert "Choose suspend, unsuspend, bury or unbury." in response.content.decode()
    card = ReviewState.objects.get(user=user)
    assert not card.suspended and card.buried_until is None


def test_schedule_actions_need_the_csrf_token(user, question):
    from django.test import Client

    _card(user, question)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(_schedule_url(question), {"action": "suspend"}).status_code == 403
    assert client.post(reverse("quiz:question-reset", args=[question.pk])).status_code == 403
    assert ReviewState.objects.get(user=user).suspended is False


def test_another_users_card_cannot_be_touched(client, user, intruder, question):
    _card(user, question)
    client.force_login(intruder)
    assert client.post(_schedule_url(question), {"action": "suspend"}).status_code == 404
    assert client.get(reverse("quiz:question-reset", args=[question.pk])).status_code == 404
    assert client.post(reverse("quiz:question-reset", args=[question.pk])).status_code == 404
    assert ReviewState.objects.get(user=user).suspended is False


def test_reset_asks_first_then_forgets(client_in, user, question):
    for day in range(2):
        _card(user, question, Grade.MISSED, START + timedelta(days=day))
    url = reverse("quiz:question-reset", args=[question.pk])
    page = client_in.get(url).content.decode()
    assert "Reset this question's schedule?" in page and "2 reviews and\n    2 lapses" in page
    assert ReviewState.objects.filter(user=user).exists()  # asking changes nothing
    response = client_in.post(url, {"next": reverse("quiz:question", args=[question.pk])}, follow=True)
    assert "Not in your review schedule yet" in response.content.decode()
    assert not ReviewState.objects.filter(user=user).exists()
    assert user.interviews.count() == 0  # the cards were graded directly; an interview's items would stay


def test_the_results_page_offers_each_questions_schedule_controls(client_in, user, six_questions):
    interview = MockInterview.start(user, six_questions[:2])
    interview.grade(interview.items.order_by("position").first(), Grade.MISSED)
    interview.end_early()
    results = reverse("quiz:results", args=[interview.pk])
    html = client_in.get(results).content.decode()
    assert html.count('value="suspend"') == 1  # the graded question; the unreached one has no card
    client_in.post(_schedule_url(six_questions[0]), {"action": "suspend", "next": f"{results}#item-1"})
    assert 'badge-late">Suspended' in client_in.get(results).content.decode()


@pytest.mark.parametrize("count", [2, 30])
def test_the_suspended_list_shows_mine_to_unsuspend_in_the_same_queries(
    client_in, user, intruder, make_question, count, django_assert_num_queries
):
    questions = [make_question() for _ in range(count)]
    for question in questions:
        _card(user, question).suspend()
    _card(intruder, questions[0]).suspend()
    _card(user, make_question(prompt_md="Not suspended?"))
    # session, user, the count, the page of cards with their questions and sections, the menu's review-queue
    # permission check
    with django_assert_num_queries(5):
        html = client_in.get(reverse("quiz:suspended")).content.decode()
    assert html.count('value="unsuspend"') == min(count, 25)
    assert "Not suspended?" not in html
    client_in.post(_schedule_url(questions[0]), {"action": "unsuspend", "next": reverse("quiz:suspended")})
    assert ReviewState.objects.for_user(user).suspended().count() == count - 1
    assert ReviewState.objects.get(user=intruder).suspended


@pytest.mark.parametrize(
    ("value", "error"),
    [("-1", "0 is the least"), ("10000", "At most 9999 a day."), ("twenty", "A whole number of questions")],
)
def test_daily_limits_are_validated(client_in, user, value, error):
    response = client_in.post(reverse("quiz:account"), {"extra_time": "none", "reviews_per_day": value})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Preferences.for_user(user).reviews_per_day == 200


def test_daily_limits_are_saved_and_a_form_without_them_keeps_them(client_in, user):
    defaults = Preferences.for_user(user)
    assert (defaults.new_per_day, defaults.reviews_per_day) == (20, 200)  # as the README says
    client_in.post(
        reverse("quiz:account"), {"extra_time": "none", "new_per_day": "5", "reviews_per_day": "50"}
    )
    client_in.post(reverse("quiz:account"), {"extra_time": "none"})
    prefs = Preferences.for_user(user)
    assert (prefs.new_per_day, prefs.reviews_per_day) == (5, 50)


# -- 3. Practise ahead: review early without touching the schedule


def test_practising_ahead_takes_cards_not_yet_due_and_leaves_their_schedule_alone(
    client_in, user, six_questions
):
    for question in six_questions[:3]:
        _card(user, question, Grade.NAILED)  # due in days
    _card(user, six_questions[3], Grade.MISSED)  # due now: a review session's, not practice ahead's
    ReviewState.objects.filter(question=six_questions[2]).update(suspended=True)
    before = {c.question_id: (c.due, c.stability, c.difficulty, c.reviews) for c in ReviewState.objects.all()}
    now = START + timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        response = client_in.post(reverse("quiz:review-start"), {"ahead": "on"}, follow=True)
        session = MockInterview.objects.get()
        for item in session.items.order_by("position"):
            client_in.post(_item_url("reveal", item), {"answer_text": "x"})
            if item.position == 0:
                html = client_in.get(_step(session)).content.decode()
            client_in.post(_item_url("grade", item), {"grade": Grade.MISSED})
    assert response.redirect_chain[-1][0] == _step(session)
    assert not session.updates_schedule and session.setup == {"review": True, "ahead": True}
    assert set(session.items.values_list("question", flat=True)) == {q.pk for q in six_questions[:2]}
    assert "Practice only: your schedule is not changed." in html and _intervals(html) == []
    after = {c.question_id: (c.due, c.stability, c.difficulty, c.reviews) for c in ReviewState.objects.all()}
    assert after == before
    assert set(session.items.values_list("grade", flat=True)) == {Grade.MISSED}  # the practice is kept


def test_home_offers_practice_ahead_and_says_what_it_does(client_in, user):
    html = client_in.get(reverse("quiz:home")).content.decode()
    assert 'name="ahead"' in html
    assert "Practice only: your schedule is not changed." in html


def test_practising_ahead_with_nothing_scheduled_says_so(client_in, user):
    response = client_in.post(reverse("quiz:review-start"), {"ahead": "on"}, follow=True)
    assert "Nothing waits to come due" in response.content.decode()
    assert not MockInterview.objects.exists()


def test_the_week_ahead_leaves_out_suspended_cards(user, six_questions):
    cards = [_card(user, q, Grade.NAILED) for q in six_questions[:2]]
    cards[0].suspend()
    week = ReviewState.objects.for_user(user).forecast(days=30, now=START + timedelta(minutes=1))
    assert sum(n for _, n in week) == 1
