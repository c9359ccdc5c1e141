"""Rules of the models and the importer that no other test noticed breaking (found by `make mutation`).

Each test states what a candidate, a reviewer or an operator would see go wrong if the rule broke.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from quiz.models import Flag, Grade, MockInterview, Preferences, Question, Section


@pytest.fixture
def questions(db):
    section = Section.objects.create(key="ml", title="ML", position=0, source_path="ml.md")
    return [
        Question.objects.create(
            key=f"ml/q{i}", section=section, position=i, prompt_md=f"Question {i}?", answer_md=f"Answer {i}."
        )
        for i in range(6)
    ]


def other_user(name="grace"):
    return get_user_model().objects.create_user(name, password="another horse battery")


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
    client_in, user, questions, setup, limits, expected_per_question, expected_total_per_question
):
    first = MockInterview.start(user, questions[:3], setup=setup, **limits)
    new = practise_missed(client_in, first)
    assert new.seconds_per_question == expected_per_question
    if setup["timing"] == "per_question":
        assert new.total_seconds == expected_total_per_question * new.question_count
    elif setup["timing"] == "total":
        assert new.total_seconds == setup["minutes"] * 60
    else:
        assert new.deadline is None


def test_practising_again_stretches_the_chosen_time_once_for_a_user_who_needs_more(client_in, user, questions):
    Preferences.objects.create(user=user, extra_time=Preferences.ExtraTime.DOUBLE)
    first = MockInterview.start(
        user, questions[:2], seconds_per_question=60, setup={"timing": "per_question", "minutes": 1}
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
    client_in, user, questions, limits, expected
):
    first = MockInterview.start(user, questions[:2], **limits)  # no setup: started by code, e.g. a review
    new = practise_missed(client_in, first)
    assert (new.seconds_per_question, new.total_seconds) == expected


# Fresh questions first


def test_another_users_history_does_not_make_a_question_stale_for_me(user, questions):
    theirs = MockInterview.start(other_user(), questions[:5])
    for item in theirs.items.all():
        theirs.grade(item, Grade.GOOD)
    mine = MockInterview.start(user, questions[5:])
    mine.grade(mine.items.get(), Grade.GOOD)
    picked = list(Question.objects.fresh_first_for(user))
    assert picked[-1] == questions[5]  # the one I did comes last; theirs are fresh for me


def test_a_question_left_unfinished_still_counts_as_fresh(user, questions):
    done = MockInterview.start(user, questions[:1])
    done.grade(done.items.get(), Grade.GOOD)
    unfinished = MockInterview.start(user, questions[1:])  # questions[1:] asked but never graded
    unfinished.end_early()
    assert list(Question.objects.fresh_first_for(user))[-1] == questions[0]


def test_questions_never_seen_come_in_a_different_order_from_one_interview_to_the_next(user, questions):
    orders = {tuple(q.pk for q in Question.objects.fresh_first_for(user)) for _ in range(20)}
    assert len(orders) > 1


# Flags: who reviewed them, and what the flagger reads back


def test_accepting_a_flag_records_the_reviewer(user, questions):
    reviewer = other_user("rita")
    raised = Flag.objects.create(user=user, question=questions[0], reason=Flag.Reason.WRONG)
    assert raised.accept(reviewer)
    raised.refresh_from_db()
    assert (raised.status, raised.reviewed_by) == (Flag.Status.ACCEPTED, reviewer)


def test_a_flag_dismissed_without_a_note_tells_the_flagger_so(client_in, user, questions):
    raised = Flag.objects.create(user=user, question=questions[0], reason=Flag.Reason.WRONG)
    raised.dismiss(other_user("rita"))
    html = client_in.get(reverse("quiz:my-flags")).content.decode()
    assert "without a note" in html
    assert "The reviewer's note" not in html
