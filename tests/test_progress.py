"""The progress page: streak, practice heatmap, score trend, mastery per section, weak spots and leeches."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quiz import charts
from quiz.models import LEECH_LAPSES, Grade, InterviewItem, MockInterview, PracticeDay, Question, ReviewState
from tests.test_history import NOW, SKIP, build_bank, record_sessions

PROGRESS = reverse("quiz:progress")
TODAY = NOW.date()  # Wednesday 4 June 2025


@pytest.fixture
def bank(section, make_question):
    return build_bank(section, make_question)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client) -> str:
    response = client.get(PROGRESS)
    assert response.status_code == 200
    return response.content.decode()


def days_ago(n: int, hour: int = 9) -> datetime:
    return datetime(TODAY.year, TODAY.month, TODAY.day, hour, tzinfo=UTC) - timedelta(days=n)


def streak_shown(html: str) -> str:
    return re.search(r'data-testid="streak">([^<]*)<', html).group(1)


def mastery_shown(html: str, section_key: str) -> str:
    row = re.search(rf'data-section="{re.escape(section_key)}">(.*?)</tr>', html, re.S).group(1)
    return re.search(r'class="mastery-value">(\d+%)<', row).group(1)


# Streak and heatmap


def test_streak_counts_consecutive_days_up_to_today(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, start=days_ago(2), count=3)  # Mon, Tue, today
    record_sessions(user, bank, [Grade.GOOD] * 3, start=days_ago(5))  # before a gap: not counted
    assert streak_shown(page(client_in)) == "3"


def test_streak_still_counts_until_today_is_over(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, start=days_ago(2), count=2)  # Mon, Tue
    html = page(client_in)
    assert streak_shown(html) == "2"
    assert "practise today to keep it" in html


def test_streak_is_zero_after_a_day_off(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, start=days_ago(3), count=2)
    assert streak_shown(page(client_in)) == "0"


def test_heatmap_square_tells_how_many_questions_that_day(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD, SKIP, None], start=days_ago(2))  # two done on Monday
    record_sessions(user, bank, [Grade.MISSED] * 3, start=days_ago(2, hour=20))
    html = page(client_in)
    assert "<title>5 questions on Mon 2 Jun 2025</title>" in html
    assert "<title>No practice on Sun 1 Jun 2025</title>" in html
    assert 'class="heat-2" x=' in html  # 4 to 7 questions in a day


def test_heatmap_covers_26_weeks_ending_today(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, start=days_ago(400))
    html = page(client_in)
    cells = re.findall(r'data-day="([\d-]+)"', html)
    assert cells[0] == "2024-12-09"  # the Monday 25 weeks before this week's
    assert cells[-1] == "2025-06-04"
    assert len(cells) == 25 * 7 + 3


# Trend


def test_trend_plots_finished_interviews_and_review_sessions_with_their_scores(client_in, user, bank):
    record_sessions(user, bank, [Grade.NAILED, Grade.NAILED, Grade.MISSED], start=days_ago(3))
    (review,) = record_sessions(
        user, bank, [Grade.MISSED] * 3, start=days_ago(2), kind=MockInterview.Kind.REVIEW
    )
    (last,) = record_sessions(user, bank, [Grade.NAILED, Grade.GOOD, Grade.PARTIAL], start=days_ago(1))
    record_sessions(user, bank, [None, None, None], start=days_ago(1, hour=12))  # ended before any grade
    record_sessions(user, bank, [Grade.MISSED, None, None], start=days_ago(0), finished=False)
    html = page(client_in)
    svg = re.search(r'<svg class="trend-chart"[^>]*>.*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="trend-title trend-desc"' in svg
    assert "<title>Mock interview, Sun 1 Jun 2025: 67% over 3 questions</title>" in svg
    assert "<title>Review session, Mon 2 Jun 2025: 0% over 3 questions</title>" in svg
    assert "<title>Mock interview, Tue 3 Jun 2025: 67% over 3 questions</title>" in svg
    assert "3 sessions from Sun 1 Jun 2025 to Tue 3 Jun 2025. Latest 67%, best 67%, average 45%." in html
    # Nothing graded says nothing: the empty interview and the running one are left out.
    assert svg.count("<circle") == 3
    # A picture holds no links (axe: nested-interactive); the table under it links every session.
    assert "<a " not in svg
    for session in (review, last):
        assert f'<a href="{reverse("quiz:results", args=[session.pk])}">' in html
    # The table under it, newest first: when, kind, questions, score.
    rows = re.findall(r"<tr><td><a [^>]*>([^<]*)</a></td><td>([^<]*)</td>", html)
    assert rows == [
        ("Tue 3 Jun 2025, 09:00", "Mock interview"),
        ("Mon 2 Jun 2025, 09:00", "Review session"),
        ("Sun 1 Jun 2025, 09:00", "Mock interview"),
    ]
    assert ">1 Jun</text>" in svg and ">3 Jun</text>" in svg


def test_trend_of_one_day_labels_its_axis_with_times(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, start=days_ago(1, hour=9))
    record_sessions(user, bank, [Grade.MISSED] * 3, start=days_ago(1, hour=18))
    svg = re.search(r'<svg class="trend-chart"[^>]*>.*?</svg>', page(client_in), re.S).group(0)
    assert ">09:00</text>" in svg and ">18:00</text>" in svg and "3 Jun</text>" not in svg


def test_charts_use_no_inline_styles(client_in, user, bank):
    record_sessions(user, bank, [Grade.NAILED, Grade.GOOD, Grade.MISSED], start=days_ago(3), count=3)
    html = page(client_in)
    assert "<svg" in html
    assert " style=" not in html and "<style" not in html


# Mastery, weak spots, leeches


def test_mastery_is_the_share_of_recent_good_or_nailed_grades(client_in, user, bank):
    pandas_a, pandas_b, chapter7 = bank
    grades = [Grade.NAILED, Grade.MISSED, Grade.GOOD]
    record_sessions(user, [pandas_a, pandas_b, chapter7], grades, start=days_ago(10))
    record_sessions(user, [pandas_a, pandas_b, chapter7], [Grade.PARTIAL, Grade.GOOD, Grade.GOOD])
    record_sessions(user, bank, [Grade.MISSED] * 3, start=days_ago(120))  # older than 90 days
    html = page(client_in)
    assert mastery_shown(html, "python-qna/pandas") == "50%"  # nailed, good of nailed, missed, partial, good
    assert mastery_shown(html, "python-qna") == "50%"  # the root holds pandas
    assert mastery_shown(html, "chapter7") == "100%"


def test_weakest_sections_need_three_grades(client_in, user, bank):
    record_sessions(user, bank, [Grade.MISSED, Grade.PARTIAL, Grade.MISSED], count=2, start=days_ago(5))
    record_sessions(user, bank[:2], [Grade.GOOD, Grade.MISSED], start=days_ago(2))
    weakest = re.search(r'class="plain-list weakest-list">(.*?)</ol>', page(client_in), re.S).group(1)
    assert '<strong>Pandas</strong> <span class="muted">17% of 6 grades</span>' in weakest
    assert "Chapter 7" not in weakest  # two grades only (both Missed)
    assert "Python QnA" not in weakest  # a root with chapters is summed up in them


def test_questions_missed_most_come_first(client_in, user, intruder, bank, make_question):
    often = make_question(prompt_md="What is the `GIL`?", section=bank[0].section)
    record_sessions(user, [often, bank[2]], [Grade.MISSED, Grade.MISSED], start=days_ago(3))
    record_sessions(user, [often, bank[2]], [Grade.MISSED, Grade.GOOD], start=days_ago(2))
    record_sessions(intruder, [bank[2]] * 3, [Grade.MISSED] * 3, count=2)
    html = page(client_in)
    missed = re.search(r'id="missed-heading">.*?</section>', html, re.S).group(0)
    assert missed.index("What is the GIL?") < missed.index(bank[2].prompt_md)  # shown as text, not markdown
    assert "Pandas · missed 2 times" in missed
    assert "Chapter 7 · missed 1 time<" in missed


def test_leeches_are_the_questions_you_keep_missing(client_in, user, intruder, bank):
    ReviewState.objects.create(user=user, question=bank[0], due=NOW, lapses=LEECH_LAPSES, reviews=9)
    ReviewState.objects.create(user=user, question=bank[1], due=NOW, lapses=LEECH_LAPSES - 1, reviews=5)
    ReviewState.objects.create(user=intruder, question=bank[2], due=NOW, lapses=9, reviews=9)
    html = page(client_in)
    leeches = re.search(r'id="leech-heading">.*?</section>', html, re.S).group(0)
    assert f"{bank[0].prompt_md}</span>" in leeches
    assert f"Pandas · {LEECH_LAPSES} lapses" in leeches
    assert bank[1].prompt_md not in leeches and bank[2].prompt_md not in leeches


# Empty state, privacy, queries


def test_progress_without_history_is_a_friendly_invitation(client_in):
    html = page(client_in)
    assert "Nothing to show yet" in html
    assert reverse("quiz:interview-new") in html
    assert "<svg" not in html


def test_progress_never_shows_another_users_practice(client_in, intruder, bank):
    record_sessions(intruder, bank, [Grade.MISSED] * 3, count=5, start=days_ago(4))
    ReviewState.objects.create(user=intruder, question=bank[0], due=NOW, lapses=9)
    assert "Nothing to show yet" in page(client_in)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(PROGRESS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("sessions", [1, 500])
def test_progress_query_count_does_not_grow_with_sessions(
    client_in, user, bank, sessions, django_assert_num_queries
):
    gap = timedelta(hours=9)
    record_sessions(
        user, bank, [Grade.MISSED, Grade.GOOD, SKIP], count=sessions, start=NOW - sessions * gap, gap=gap
    )
    ReviewState.objects.create(user=user, question=bank[0], due=NOW, lapses=LEECH_LAPSES)
    # session, user; mastery counts, sections; questions per day for the heatmap, the days practised for the
    # streak; trend; missed most and their questions; leeches; the banks to pick from; the menu's "Review
    # queue" check; the calibration of grades against ticked key points (where its latest items start, its
    # sums by section and by day); the depth reached in follow-ups; the interview dates coming up
    with django_assert_num_queries(17):
        html = page(client_in)
    assert streak_shown(html) == ("1" if sessions == 1 else "188")  # 500 sessions 9 hours apart: 188 days


# The chart builders


def test_streak_ignores_today_until_it_has_practice():
    yesterday, before = TODAY - timedelta(days=1), TODAY - timedelta(days=2)
    assert charts.streak({yesterday, before}, TODAY) == 2
    assert charts.streak({TODAY, yesterday}, TODAY) == 2
    assert charts.streak({before}, TODAY) == 0
    assert charts.streak(set(), TODAY) == 0


def test_heat_levels_grow_with_questions_done():
    assert [charts.heat_level(n) for n in (0, 1, 3, 4, 8, 15, 40)] == [0, 1, 1, 2, 3, 4, 4]


def test_heatmap_puts_mondays_on_top_and_today_in_the_last_column():
    grid = charts.heatmap({date(2025, 6, 2): 3}, TODAY, weeks=2)
    assert [c.day for c in grid.cells][:1] == [date(2025, 5, 26)]
    monday = next(c for c in grid.cells if c.day == date(2025, 6, 2))
    assert monday.y == grid.cells[0].y and monday.x > grid.cells[0].x
    assert monday.title == "3 questions on Mon 2 Jun 2025"
    assert grid.cells[-1].day == TODAY
    assert (grid.days_practised, grid.questions) == (1, 3)


def test_trend_chart_puts_100_percent_on_top_and_centres_a_single_point():
    when = datetime(2025, 6, 1, tzinfo=UTC)
    chart = charts.trend_chart(
        [(when, 100, 10, "/a", "Mock interview"), (when, 0, 10, "/b", "Mock interview")]
    )
    top, bottom = chart.points
    assert top.y < bottom.y and top.x < bottom.x
    single = charts.trend_chart([(when, 50, 5, "/c", "Review session")])
    assert single.points[0].x == (single.left + single.right) / 2
    assert charts.trend_chart([]) is None


# Mastery, most missed and leeches


def test_section_mastery_counts_graded_questions_not_skipped_ones(user, six_questions):
    since = timezone.now() - timedelta(minutes=1)
    interview = MockInterview.start(user, six_questions[:3])
    items = list(interview.items.order_by("position"))
    interview.grade(items[0], Grade.GOOD)
    interview.skip(items[1])
    interview.grade(items[2], Grade.MISSED)
    by_section = PracticeDay.objects.for_user(user).grades_by_section(since.date())
    assert by_section == {six_questions[0].section_id: (2, 1)}


def test_most_missed_lists_ten_most_missed_first_ties_in_bank_order(user, six_questions):
    section = six_questions[0].section
    more = [
        Question.objects.create(key=f"ml/m{i}", section=section, position=30 + i, prompt_md=f"M{i}?")
        for i in range(6)
    ]
    every = six_questions + more
    once = MockInterview.start(user, every)
    for item in once.items.order_by("position"):
        once.grade(item, Grade.MISSED)
    again = MockInterview.start(user, every[-1:])
    again.grade(again.items.get(), Grade.MISSED)
    top = InterviewItem.objects.for_user(user).most_missed()
    assert [(q.pk, n) for q, n in top] == [(every[-1].pk, 2)] + [(q.pk, 1) for q in every[:9]]


def test_a_retired_question_is_no_leech(user, six_questions):
    for question in six_questions[:2]:
        ReviewState.objects.create(user=user, question=question, due=timezone.now(), lapses=LEECH_LAPSES)
    six_questions[0].retired = True
    six_questions[0].save()
    assert [s.question for s in ReviewState.objects.for_user(user).leeches()] == [six_questions[1]]
