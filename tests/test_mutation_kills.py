"""Rules of the models and the importer that no other test noticed breaking (found by `make mutation`).

Each test states what a candidate, a reviewer or an operator would see go wrong if the rule broke.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import serializers
from django.urls import reverse
from django.utils import timezone

from quiz import importer
from quiz.importer.general import parse_general
from quiz.models import (
    Flag,
    Grade,
    InterviewItem,
    MockInterview,
    PracticeDay,
    Preferences,
    Question,
    ReviewState,
    Section,
)
from quiz.models.progress import LEECH_LAPSES


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


def test_practising_again_stretches_the_chosen_time_once_for_a_user_who_needs_more(
    client_in, user, questions
):
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
    mine = MockInterview.start(user, questions[5:])
    mine.grade(mine.items.get(), Grade.GOOD)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):  # theirs done after mine
        theirs = MockInterview.start(other_user(), questions[:5])
        for item in theirs.items.all():
            theirs.grade(item, Grade.GOOD)
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


def test_a_second_reviewer_dismissing_a_dismissed_flag_is_told_and_changes_nothing(user, questions):
    raised = Flag.objects.create(user=user, question=questions[0], reason=Flag.Reason.WRONG)
    first, second = other_user("rita"), other_user("sam")
    assert Flag.objects.get(pk=raised.pk).dismiss(first, "Right as it is.")
    assert not Flag.objects.get(pk=raised.pk).dismiss(second, "Changed my mind.")
    raised.refresh_from_db()
    assert (raised.reviewed_by, raised.reviewer_note) == (first, "Right as it is.")


# Ending an interview after its time ran out


def test_ending_an_interview_after_its_deadline_says_it_ran_out_of_time_at_the_deadline(
    client_in, user, questions
):
    interview = MockInterview.start(user, questions[:2], seconds_per_question=60)
    with time_machine.travel(interview.created_at + timedelta(minutes=30), tick=False):
        client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
        results = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    interview.refresh_from_db()
    assert (interview.ending, interview.finished_at) == (MockInterview.Ending.TIMED_OUT, interview.deadline)
    assert "Ran out of time" in results
    assert interview.summary().seconds_used == interview.total_seconds  # not the half hour it sat open


def test_ending_an_interview_early_records_when(user, questions):
    interview = MockInterview.start(user, questions[:2], seconds_per_question=60)
    when = interview.created_at + timedelta(seconds=30)
    interview.end_early(now=when)
    interview.refresh_from_db()
    assert (interview.ending, interview.finished_at) == (MockInterview.Ending.ENDED_EARLY, when)


# Query counts that must not grow with the bank


def test_results_read_every_question_and_section_in_one_query(user, questions, django_assert_num_queries):
    interview = MockInterview.start(user, questions)
    interview.refresh_from_db()
    with django_assert_num_queries(1):
        summary = interview.summary()
        assert [result.section.title for result in summary.sections] == ["ML"]
        assert [item.question.prompt_md for item in summary.items] == [q.prompt_md for q in questions]


def test_filtering_by_section_reads_the_tree_in_one_query(questions, django_assert_num_queries):
    section = questions[0].section
    for i in range(3):
        Section.objects.create(
            key=f"ml/t{i}", title=f"T{i}", parent=section, position=i + 1, source_path="ml.md"
        )
    with django_assert_num_queries(2):
        assert len(Question.objects.in_sections([section])) == len(questions)


# The results page's figures


def test_results_count_each_outcome_and_score_each_section(client_in, user, questions):
    second = Section.objects.create(key="stats", title="Statistics", position=1, source_path="s.md")
    Question.objects.filter(pk__in=[questions[2].pk, questions[3].pk]).update(section=second)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview = MockInterview.start(user, questions[:4], seconds_per_question=60)
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
    assert [q.pk for q in summary.missed_questions] == [q.pk for q in questions[1:4]]


def test_an_interview_still_running_counts_its_time_up_to_now(user, questions):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview = MockInterview.start(user, questions[:2], seconds_per_question=60)
    with time_machine.travel(start + timedelta(seconds=45), tick=False):
        assert interview.summary().seconds_used == 45


# The home page's week ahead


def test_the_week_ahead_counts_each_days_reviews_and_leaves_out_overdue_retired_and_later_ones(
    user, questions
):
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    day = timedelta(days=1)
    extra = [
        Question.objects.create(key=f"ml/x{i}", section=questions[0].section, position=10 + i, prompt_md="?")
        for i in range(2)
    ]
    retired = Question.objects.create(
        key="ml/gone", section=questions[0].section, position=20, prompt_md="?", retired=True
    )
    midnight = now.replace(hour=0)
    dues = {
        questions[0]: now - timedelta(hours=1),  # overdue: "due now", not in the week ahead
        questions[1]: now + timedelta(hours=2),  # later today
        questions[2]: midnight + day + timedelta(hours=9),
        questions[3]: midnight + day + timedelta(hours=21),
        questions[4]: midnight + 6 * day + timedelta(hours=23),  # the last day shown
        questions[5]: midnight + 7 * day + timedelta(minutes=30),  # a day past the week
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


# The importer, each file read on its own (the layout tests share one parse per module)


def asked(text: str) -> list[tuple]:
    return [
        (q.source_line, q.prompt_md, q.answer_md, q.difficulty) for q in parse_general(text, "t.md").questions
    ]


def test_a_question_table_with_an_answer_column_imports_every_row_with_its_answer_and_level():
    text = (
        "# Stats\n\n"
        "| Question | Level | Answer |\n"
        "| --- | --- | --- |\n"
        "| What is a p-value? | Fundamental | The chance of data this extreme under the null. |\n"
        "| Why does L1 give sparse weights? | Advanced | Its corners sit on the axes. |\n"
        "| What is a prior? | | |\n"
    )
    assert asked(text) == [
        (5, "What is a p-value?", "The chance of data this extreme under the null.", "easy"),
        (6, "Why does L1 give sparse weights?", "Its corners sit on the axes.", "hard"),
        (7, "What is a prior?", "", "unrated"),
    ]


def test_an_answer_in_details_keeps_a_details_block_nested_inside_it():
    text = (
        "# Metrics\n\n"
        "1. What is recall?\n"
        "<details><summary>Answer</summary>\n\n"
        "TP / (TP + FN), with <details><summary>Why</summary>a nested note</details> inside.\n\n"
        "</details>\n\n"
        "2. What is precision?\n"
    )
    assert asked(text) == [
        (
            3,
            "What is recall?",
            "TP / (TP + FN), with <details><summary>Why</summary>a nested note</details> inside.",
            "unrated",
        ),
        (10, "What is precision?", "", "unrated"),
    ]


# Flags closed by an edit, counts that leave retired questions out, progress figures


def test_a_flag_resolved_by_an_edit_records_who_resolved_it_and_when(client_in, user, questions):
    editor = other_user("rita")
    raised = Flag.objects.create(user=user, question=questions[0], reason=Flag.Reason.WRONG)
    raised.accept(editor)
    when = timezone.now() + timedelta(days=2)
    with time_machine.travel(when, tick=False):
        resolved = questions[0].replace_answer("Better.", by=editor, base_revision=None, reason="fix")
    raised.refresh_from_db()
    assert resolved == 1
    assert (raised.status, raised.reviewed_by, raised.reviewed_at) == (Flag.Status.RESOLVED, editor, when)
    assert raised.updated_at == when
    html = client_in.get(reverse("quiz:my-flags")).content.decode()
    assert f"Resolved with an edit on {when:%-d %b %Y}" in html


def test_section_counts_leave_retired_questions_out(questions):
    questions[0].retired = True
    questions[0].save()
    (section,) = Section.objects.with_totals()
    assert (section.question_count, section.total_count) == (len(questions) - 1, len(questions) - 1)


def test_a_retired_question_is_no_leech(user, questions):
    for question in questions[:2]:
        ReviewState.objects.create(user=user, question=question, due=timezone.now(), lapses=LEECH_LAPSES)
    questions[0].retired = True
    questions[0].save()
    assert [s.question for s in ReviewState.objects.for_user(user).leeches()] == [questions[1]]


def test_a_cards_due_badge_is_judged_at_the_time_asked(user, questions):
    now = timezone.now()
    ReviewState.objects.create(user=user, question=questions[0], due=now + timedelta(hours=1))
    ReviewState.objects.create(user=user, question=questions[1], due=now - timedelta(hours=1))
    badges = {s.question_id: s.is_due for s in ReviewState.objects.for_user(user).with_is_due(now)}
    assert badges == {questions[0].pk: False, questions[1].pk: True}
    later = ReviewState.objects.for_user(user).with_is_due(now + timedelta(hours=2))
    assert all(s.is_due for s in later)


def test_section_mastery_counts_graded_questions_not_skipped_ones(user, questions):
    since = timezone.now() - timedelta(minutes=1)
    interview = MockInterview.start(user, questions[:3])
    items = list(interview.items.order_by("position"))
    interview.grade(items[0], Grade.GOOD)
    interview.skip(items[1])
    interview.grade(items[2], Grade.MISSED)
    by_section = PracticeDay.objects.for_user(user).grades_by_section(since.date())
    assert by_section == {questions[0].section_id: (2, 1)}


def test_most_missed_lists_ten_most_missed_first_ties_in_bank_order(user, questions):
    section = questions[0].section
    more = [
        Question.objects.create(key=f"ml/m{i}", section=section, position=30 + i, prompt_md=f"M{i}?")
        for i in range(6)
    ]
    every = questions + more
    once = MockInterview.start(user, every)
    for item in once.items.order_by("position"):
        once.grade(item, Grade.MISSED)
    again = MockInterview.start(user, every[-1:])
    again.grade(again.items.get(), Grade.MISSED)
    top = InterviewItem.objects.for_user(user).most_missed()
    assert [(q.pk, n) for q, n in top] == [(every[-1].pk, 2)] + [(q.pk, 1) for q in every[:9]]


def test_a_banks_fixture_loads_every_section_and_question_where_the_markdown_has_them(db):
    bank = importer.parse_bank(importer.read_sources(Path(__file__).parent / "banks" / "layouts"))
    for record in serializers.deserialize("json", importer.dump_fixture(importer.fixture_records(bank))):
        record.save()
    parsed_sections = [s for f in bank.files for s in f.sections]
    parsed = [q for f in bank.files for q in f.questions]
    assert list(Section.objects.values_list("key", flat=True)) == [
        s.key for s in parsed_sections
    ]  # bank order
    loaded = {q.key: q for q in Question.objects.all()}
    assert sorted(loaded) == sorted(q.key for q in parsed)
    for q in parsed:
        row = loaded[q.key]
        assert (row.source_path, row.source_line, row.answer_md, row.difficulty) == (
            q.source_path,
            q.source_line,
            q.answer_md,
            q.difficulty,
        )


# One user's step never touches another's interview or card


def test_finishing_an_interview_leaves_everyone_elses_running(user, questions):
    mine = MockInterview.start(user, questions[:2])
    theirs = MockInterview.start(other_user(), questions[:2])
    for item in mine.items.order_by("position"):
        mine.grade(item, Grade.GOOD)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.ending == MockInterview.Ending.COMPLETED
    assert (theirs.finished_at, theirs.ending) == (None, "")
    assert list(theirs.items.order_by("position").values_list("started_at", flat=True))[1] is None


def test_an_interview_completed_stays_completed_when_ended_again(user, questions):
    interview = MockInterview.start(user, questions[:1])
    interview.grade(interview.items.get(), Grade.GOOD)
    finished_at = MockInterview.objects.get(pk=interview.pk).finished_at
    stale = MockInterview.objects.get(pk=interview.pk)
    stale.finished_at, stale.ending = None, ""  # a second tab that read the row before it finished
    stale.end_early()
    assert (stale.ending, stale.finished_at) == (MockInterview.Ending.COMPLETED, finished_at)
    interview.refresh_from_db()
    assert (interview.ending, interview.finished_at) == (MockInterview.Ending.COMPLETED, finished_at)


def test_grading_a_question_moves_only_my_card_for_it(user, questions):
    theirs = other_user()
    for who in (theirs, user):
        interview = MockInterview.start(who, questions[:1])
        interview.grade(interview.items.get(), Grade.MISSED if who == theirs else Grade.GOOD)
    cards = {s.user_id: s for s in ReviewState.objects.filter(question=questions[0])}
    assert (cards[theirs.pk].last_grade, cards[theirs.pk].lapses) == (Grade.MISSED, 1)
    assert (cards[user.pk].last_grade, cards[user.pk].lapses, cards[user.pk].reviews) == (Grade.GOOD, 0, 1)


def test_a_second_good_grade_builds_on_the_first_and_pushes_the_review_further(user, questions):
    start = timezone.now()
    intervals = []
    for days in (0, 3):
        when = start + timedelta(days=days)
        with time_machine.travel(when, tick=False):
            interview = MockInterview.start(user, questions[:1])
            interview.grade(interview.items.get(), Grade.GOOD)
        card = ReviewState.objects.get(user=user)
        intervals.append(card.due - when)
    assert card.reviews == 2
    assert intervals[1] > intervals[0]


def test_a_retired_question_is_never_due(user, questions):
    for question in questions[:2]:
        ReviewState.objects.create(user=user, question=question, due=timezone.now() - timedelta(days=1))
    questions[0].retired = True
    questions[0].save()
    assert [s.question for s in ReviewState.objects.for_user(user).due()] == [questions[1]]
