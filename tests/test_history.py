"""The history page: every past session with its score (summed in SQL), paginated, private to its owner."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from quiz.models import Grade, InterviewItem, MockInterview, PracticeDay, Section

HISTORY = reverse("quiz:history")
NOW = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)  # a Wednesday
SKIP = "skip"


def record_sessions(
    user,
    questions,
    grades,
    *,
    start=NOW - timedelta(days=1),
    count=1,
    gap=timedelta(days=1),
    kind=MockInterview.Kind.INTERVIEW,
    finished=True,
    seconds_each=60,
):
    """``count`` sessions, one every ``gap`` from ``start``, each asking ``questions`` in order.

    ``grades`` has one entry per question: a Grade, ``SKIP``, or None for a question never reached.
    Rows go in with bulk_create, so hundreds of sessions take a moment.
    """
    interviews = MockInterview.objects.bulk_create(
        MockInterview(
            user=user,
            kind=kind,
            created_at=start + i * gap,
            finished_at=start + i * gap + timedelta(seconds=seconds_each * len(grades)) if finished else None,
            ending=MockInterview.Ending.COMPLETED if finished else "",
            question_count=len(grades),
        )
        for i in range(count)
    )
    items = []
    for interview in interviews:
        clock = interview.created_at
        for position, (question, grade) in enumerate(zip(questions, grades, strict=True)):
            reached = grade is not None
            items.append(
                InterviewItem(
                    interview=interview,
                    user=interview.user,
                    section_id=question.section_id,
                    question=question,
                    position=position,
                    started_at=clock if reached else None,
                    done_at=clock + timedelta(seconds=seconds_each) if reached else None,
                    done_day=(clock + timedelta(seconds=seconds_each)).astimezone(UTC).date()
                    if reached
                    else None,
                    grade=None if grade in (None, SKIP) else grade,
                    skipped=grade == SKIP,
                )
            )
            clock += timedelta(seconds=seconds_each) if reached else timedelta()
    InterviewItem.objects.bulk_create(items)
    tally_again(user)
    return interviews


def tally_again(user) -> None:
    """Items written straight into the table were not counted into the user's PracticeDay tallies: count
    the user's whole history again, the way migration 0015 counted history from before the table."""
    PracticeDay.objects.filter(user=user).delete()
    migration = importlib.import_module("quiz.migrations.0015_tally_past_practice")
    migration.tally_past_practice(apps, users=[user])


def build_bank(section, make_question):
    """Two questions in the chapter "Pandas" under the root "Python QnA", one in the root "Chapter 7"."""
    pandas = Section.objects.create(
        key="python-qna/pandas", title="Pandas", parent=section, position=1, source_path="p.md"
    )
    other = Section.objects.create(key="chapter7", title="Chapter 7", position=2, source_path="c.md")
    return [make_question(section=pandas), make_question(section=pandas), make_question(section=other)]


@pytest.fixture
def bank(section, make_question):
    return build_bank(section, make_question)


def rows(html: str) -> int:
    return html.count('data-testid="score"')


def test_history_shows_date_kind_length_score_and_time_used(client_in, user, bank):
    (past,) = record_sessions(user, bank, [Grade.NAILED, Grade.GOOD, Grade.PARTIAL], seconds_each=70)
    html = client_in.get(HISTORY).content.decode()
    assert "Tue 3 Jun 2025, 12:00" in html
    assert "Mock interview" in html
    assert '<td class="num" data-label="Questions">3</td>' in html
    assert ">67%<" in html  # (3 + 2 + 1) / 9
    assert "3:30" in html  # three questions of 70 seconds
    assert reverse("quiz:results", args=[past.pk]) in html


def test_history_score_counts_skipped_and_unreached_questions_as_zero(client_in, user, bank, make_question):
    record_sessions(user, [*bank, make_question()], [Grade.NAILED, Grade.MISSED, SKIP, None])
    html = client_in.get(HISTORY).content.decode()
    assert ">25%<" in html  # (3 + 0 + 0 + 0) / (3 * 4)


def test_history_score_matches_the_results_page(client_in, user, bank):
    (past,) = record_sessions(user, bank, [Grade.GOOD, Grade.PARTIAL, SKIP])
    results = client_in.get(reverse("quiz:results", args=[past.pk])).content.decode()
    assert 'data-testid="score">33%' in results
    assert ">33%<" in client_in.get(HISTORY).content.decode()


def test_history_lists_review_sessions_too(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, kind=MockInterview.Kind.REVIEW)
    assert "Review session" in client_in.get(HISTORY).content.decode()


def test_running_interview_links_back_to_its_question(client_in, user, bank):
    (running,) = record_sessions(user, bank, [Grade.GOOD, None, None], finished=False, start=NOW)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        html = client_in.get(HISTORY).content.decode()
    assert "Still running" in html
    assert reverse("quiz:interview-step", args=[running.pk]) in html


def test_history_is_paginated_by_twenty_newest_first(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, count=25, start=datetime(2025, 1, 1, 9, tzinfo=UTC))
    first = client_in.get(HISTORY).content.decode()
    assert rows(first) == 20
    assert "Sat 25 Jan 2025" in first and "Mon 6 Jan 2025" in first and "Sun 5 Jan 2025" not in first
    assert "Page 1 of 2" in first
    # Older sessions one link away, swapped in by htmx (the URL pushed) or loaded whole without JavaScript.
    assert (
        '<a href="?page=2" rel="next" hx-get="?page=2" hx-target="#history-table" hx-swap="outerHTML" '
        'hx-push-url="true">Older</a>'
    ) in first
    second = client_in.get(HISTORY, {"page": 2}).content.decode()
    assert rows(second) == 5
    assert "Wed 1 Jan 2025" in second
    assert '<a href="?page=1" rel="prev"' in second and ">Newer</a>" in second and ">Older</a>" not in second


def test_htmx_page_change_returns_only_the_table(client_in, user, bank):
    record_sessions(user, bank, [Grade.GOOD] * 3, count=21)
    response = client_in.get(HISTORY, {"page": 2}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="history-table"')
    assert rows(html) == 1
    assert "HX-Request" in response["Vary"]


def test_history_without_sessions_invites_to_start_one(client_in):
    html = client_in.get(HISTORY).content.decode()
    assert "No interviews yet" in html
    assert reverse("quiz:interview-new") in html


def test_history_never_shows_another_users_sessions(client_in, user, intruder, bank):
    record_sessions(intruder, bank, [Grade.NAILED] * 3, start=datetime(2025, 2, 2, 8, tzinfo=UTC))
    record_sessions(user, bank, [Grade.MISSED] * 3)
    html = client_in.get(HISTORY).content.decode()
    assert rows(html) == 1
    assert "Sun 2 Feb 2025" not in html and "100%" not in html


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(HISTORY)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_nav_links_to_history_progress_and_account(client_in):
    html = client_in.get(HISTORY).content.decode()
    for name in ("quiz:history", "quiz:progress", "quiz:account"):
        assert f'href="{reverse(name)}"' in html


@pytest.mark.parametrize("sessions", [1, 500])
def test_history_query_count_does_not_grow_with_sessions(
    client_in, user, bank, sessions, django_assert_num_queries
):
    record_sessions(user, bank, [Grade.GOOD, SKIP, None], count=sessions, gap=timedelta(hours=3))
    # session, user, page count, the page's sessions with their scores, the menu's "Review queue" check
    with django_assert_num_queries(5):
        response = client_in.get(HISTORY)
    assert rows(response.content.decode()) == min(sessions, 20)
