"""Interview dates: the plan's syllabus and today's work from the database, its pages, home and progress."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from quiz import charts, planning, scheduling
from quiz.models import Bank, Grade, InterviewPlan, MockInterview, Question, ReviewState, Section
from quiz.views.plans import PLAN_SESSION_SIZE
from tests.conftest import another_user

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
HOME = reverse("quiz:home")
PROGRESS = reverse("quiz:progress")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def syllabus(db) -> list[Question]:
    """Two sections of a bank, 12 questions each, with long prompts as the bank has them."""
    bank = Bank.objects.create(slug="ml-prep", title="ML prep")
    questions = []
    for s, title in enumerate(["Gradient boosting and its regularisation", "Transformers"]):
        section = Section.objects.create(
            key=f"ml-prep/s{s}", title=title, position=s, source_path=f"s{s}.md", bank=bank
        )
        for i in range(12):
            questions.append(
                Question.objects.create(
                    key=f"ml-prep/s{s}/q{i}",
                    section=section,
                    position=100 * s + i,
                    prompt_md=f"Explain, with the trade-offs a production team weighs, point {i} of {title}?",
                    answer_md="A long reference answer. " * 40,
                    source_path=f"s{s}.md",
                )
            )
    return questions


def make_plan(user, days: int = 30, **fields) -> InterviewPlan:
    return InterviewPlan.objects.create(user=user, date=TODAY + timedelta(days=days), **fields)


def review(user, question, grade=Grade.GOOD, when=NOW - timedelta(days=3)) -> ReviewState:
    return ReviewState.record(user.pk, question.pk, grade, when)


# The model


def test_plan_covers_its_sections_or_every_bank_when_none_is_ticked(user, syllabus):
    plan = make_plan(user)
    assert plan.questions().count() == 24
    plan.sections.add(syllabus[0].section)
    assert set(plan.questions()) == set(syllabus[:12])


def test_syllabus_holds_only_the_users_own_cards(user, syllabus):
    intruder = another_user()
    review(intruder, syllabus[0])
    review(user, syllabus[1])
    cards = make_plan(user).syllabus().cards
    assert cards[0] is None and cards[1] is not None
    assert sum(card is not None for card in cards) == 1


def test_plan_retires_itself_the_day_after_its_date(user, syllabus):
    plan = make_plan(user, days=1)
    assert list(InterviewPlan.objects.for_user(user).upcoming()) == [plan]
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert list(InterviewPlan.objects.upcoming()) == [plan]  # the day itself
        assert plan.status().today.todo == []
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert not InterviewPlan.objects.upcoming().exists()
        assert list(InterviewPlan.objects.retired()) == [plan] and plan.is_retired()


def test_todays_work_is_due_reviews_then_paced_new_questions(user, syllabus):
    due = review(user, syllabus[5], Grade.MISSED, when=NOW - timedelta(days=2))
    status = make_plan(user).status()
    assert status.today.due == [syllabus.index(due.question)]
    calendar = status.calendar
    expected_new = -(-23 // calendar.intro_days_left())
    assert len(status.today.new) == expected_new
    assert status.plan.questions_for_today(status)[0] == due.question


def test_questions_first_seen_today_count_as_todays_new_ones(user, syllabus):
    plan = make_plan(user)
    quota = len(plan.status().today.new)
    session = MockInterview.start(user, syllabus[:2], kind=MockInterview.Kind.REVIEW)
    for _ in range(2):
        session.grade(session.current_item(), Grade.GOOD)
    status = plan.status()
    assert status.syllabus.introduced_today == 2
    assert len(status.today.new) == quota - 2
    assert status.today.done == 2


def test_forecast_counts_unseen_questions_as_not_known(user, syllabus):
    state = review(user, syllabus[0], when=NOW - timedelta(days=1))
    status = make_plan(user, days=10).status()
    on_the_day = planning.moment(TODAY + timedelta(days=10))
    days = (on_the_day - state.last_review).total_seconds() / 86400
    expected = scheduling.retrievability(state.stability, days) / 24
    assert status.readiness.overall == pytest.approx(expected)
    first_section = status.readiness.by_section[syllabus[0].section_id]
    assert first_section[:2] == (12, 1)


# Pages: add, edit, delete


def test_plan_form_makes_a_plan_for_the_signed_in_user(client_in, user, syllabus):
    response = client_in.post(
        reverse("quiz:plan-new"),
        {
            "title": "Acme on-site",
            "date": "2027-02-01",
            "sections": [syllabus[0].section_id],
            "target_percent": 85,
            "minutes_per_day": 45,
        },
    )
    assert response.status_code == 302 and response.url == HOME
    plan = InterviewPlan.objects.get()
    assert (plan.user, plan.date, plan.target_percent, plan.minutes_per_day) == (
        user,
        date(2027, 2, 1),
        85,
        45,
    )
    assert list(plan.sections.all()) == [syllabus[0].section]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("date", "2027-01-04", "Choose a day after today"),
        ("date", "2026-12-25", "Choose a day after today"),
        ("date", "2031-01-01", "within 2 years"),
        ("date", "not a date", "Enter a valid date"),
        ("minutes_per_day", "0", "greater than or equal to 5"),
        ("target_percent", "100", "less than or equal to 99"),
    ],
)
def test_plan_form_refuses_bad_input_with_a_message(client_in, syllabus, field, value, error):
    data = {"date": "2027-02-01", "target_percent": 90, "minutes_per_day": 30, field: value}
    response = client_in.post(reverse("quiz:plan-new"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not InterviewPlan.objects.exists()


def test_plan_form_refuses_a_syllabus_with_no_question(client_in, syllabus):
    empty = Section.objects.create(
        key="empty", title="Empty", source_path="e.md", bank=syllabus[0].section.bank
    )
    Question.objects.create(key="gone", section=empty, prompt_md="Gone?", retired=True, source_path="e.md")
    data = {"date": "2027-02-01", "target_percent": 90, "minutes_per_day": 30, "sections": [empty.pk]}
    response = client_in.post(reverse("quiz:plan-new"), data)
    assert response.status_code == 200 and not InterviewPlan.objects.exists()


def test_plan_edit_and_delete(client_in, user, syllabus):
    plan = make_plan(user)
    url = reverse("quiz:plan-edit", args=[plan.pk])
    assert client_in.get(url).status_code == 200
    data = {"date": "2027-03-01", "target_percent": 80, "minutes_per_day": 60}
    assert client_in.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert (plan.date, plan.minutes_per_day) == (date(2027, 3, 1), 60)
    response = client_in.post(reverse("quiz:plan-delete", args=[plan.pk]))
    assert response.status_code == 302 and not InterviewPlan.objects.exists()


def test_another_users_plan_is_not_found(client, user, syllabus):
    plan = make_plan(user)
    client.force_login(another_user())
    for name in ("plan-edit", "plan-delete", "plan-start"):
        method = client.get if name == "plan-edit" else client.post
        assert method(reverse(f"quiz:{name}", args=[plan.pk])).status_code == 404
    assert InterviewPlan.objects.filter(pk=plan.pk).exists()
    assert "Acme" not in client.get(reverse("quiz:plans")).content.decode()


def test_plans_page_lists_coming_and_past_dates(client_in, user, syllabus):
    make_plan(user, title="Acme on-site")
    make_plan(user, days=-3, title="Initech phone screen")
    html = client_in.get(reverse("quiz:plans")).content.decode()
    assert html.index("Acme on-site") < html.index("Past dates") < html.index("Initech phone screen")


# Home and the plan's session


def test_home_shows_todays_plan_and_where_it_leads(client_in, user, syllabus):
    plan = make_plan(user, minutes_per_day=60)
    status = plan.status()
    html = client_in.get(HOME).content.decode()
    done = re.search(r'data-testid="plan-done">([^<]*)<', html).group(1)
    assert done == f"0 of {status.today.total}"
    pace = re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", "", re.search(r'data-testid="at-pace">(.*?)</p>', html, re.S).group(1)),
    )
    assert pace.startswith(f"At this pace: {status.projection.percent}% on 3 February")
    assert reverse("quiz:plan-start", args=[plan.pk]) in html


def test_home_says_how_many_more_minutes_reach_the_target(client_in, user, syllabus):
    plan = make_plan(user, days=8, minutes_per_day=5)
    projection = plan.status().projection
    assert not projection.meets_target and projection.extra_minutes
    html = client_in.get(HOME).content.decode()
    assert f"{projection.extra_minutes} more minutes a day</strong> gets 90%" in html


def test_home_invites_a_plan_when_there_is_none(client_in, syllabus):
    assert reverse("quiz:plan-new") in client_in.get(HOME).content.decode()


def test_starting_todays_plan_opens_a_review_of_its_questions(client_in, user, syllabus):
    due = review(user, syllabus[7], Grade.MISSED, when=NOW - timedelta(days=2))
    plan = make_plan(user)
    expected = [q.pk for q in plan.questions_for_today(plan.status())][:PLAN_SESSION_SIZE]
    response = client_in.post(reverse("quiz:plan-start", args=[plan.pk]))
    session = MockInterview.objects.get()
    assert response.url == reverse("quiz:interview-step", args=[session.pk])
    assert session.kind == MockInterview.Kind.REVIEW and session.updates_schedule
    assert [item.question_id for item in session.items.order_by("position")] == expected
    assert expected[0] == due.question_id
    # A second click resumes the same session.
    again = client_in.post(reverse("quiz:plan-start", args=[plan.pk]))
    assert again.url == response.url and MockInterview.objects.count() == 1


def test_plan_start_needs_a_post(client_in, user, syllabus):
    plan = make_plan(user)
    assert client_in.get(reverse("quiz:plan-start", args=[plan.pk])).status_code == 405


@pytest.mark.parametrize("extra_questions", [0, 40])
def test_home_query_count_with_a_plan_does_not_grow(
    client_in, user, syllabus, extra_questions, django_assert_num_queries
):
    section = syllabus[0].section
    for i in range(extra_questions):
        question = Question.objects.create(key=f"x{i}", section=section, prompt_md="X?", source_path="x.md")
        review(user, question)
    plan = make_plan(user)
    plan.sections.add(section)
    # session, user; the bank tree; the running interview, recent ones, due count, the preferences and
    # today's cards (the daily limits), due forecast, flag news; the menu's review-queue check; plans with
    # their banks and sections; the quick start's answered questions; the section tree; the plan's
    # questions, its cards and what was graded today
    with django_assert_num_queries(19):
        response = client_in.get(HOME)
    assert response.status_code == 200


# Progress


def test_progress_draws_the_forecast_with_a_table_per_section(client_in, user, syllabus):
    review(user, syllabus[0])
    plan = make_plan(user, days=20, title="Acme on-site")
    html = client_in.get(PROGRESS).content.decode()
    assert 'id="readiness-heading"' in html and f'id="plan-{plan.pk}-forecast"' in html
    assert html.count('class="readiness-keep"') >= 1 and "<polyline" in html
    row = re.search(r"<th scope=\"row\">Gradient boosting and its regularisation</th>(.*?)</tr>", html, re.S)
    assert re.findall(r">(\d+%?)<", row.group(1))[:2] == ["12", "1"]
    # The day-by-day table runs from tomorrow to the date.
    table = html[html.index("Recall day by day as a table") :]
    days = re.findall(r'<tr><th scope="row">([^<]+)</th>', table)
    assert days[0] == charts.day_label(TODAY + timedelta(days=1)) and days[19] == charts.day_label(plan.date)


def test_a_plan_whose_questions_were_all_retired_says_so(client_in, user, syllabus):
    plan = make_plan(user)
    plan.sections.add(syllabus[0].section)
    Question.objects.filter(section=syllabus[0].section).update(retired=True)
    status = plan.status()
    assert status.question_count == 0 and status.today.todo == [] and status.readiness.percent == 0
    html = client_in.get(HOME).content.decode()
    assert "No question is left in the sections this plan covers" in html
    assert client_in.get(PROGRESS).status_code == 200
