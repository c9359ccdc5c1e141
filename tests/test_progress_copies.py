"""The progress page counts from copies kept on each item (user, section, UTC day; the share of key points
ticked) and from per-day tallies: history that predates them is filled in by migrations 0011, 0013 and
0015, and new grades keep them in step."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quiz.models import Grade, InterviewItem, MockInterview, PracticeDay, Section


def history_before(migration: tuple[str, str], items: int):
    """The schema as it was at ``migration``, with one user's interview of ``items`` questions (the test adds
    its items): (the apps of that state, user, section, question, interview)."""
    executor = MigrationExecutor(connection)
    executor.migrate([migration])
    apps = executor.loader.project_state([migration]).apps
    user = apps.get_model("auth", "User").objects.create(username="old-timer")
    # That schema's bank, not the default's (today's Bank model, whose later columns that schema lacks).
    bank = apps.get_model("quiz", "Bank").objects.create(slug=settings.BUNDLED_BANK, title="Bundled")
    section = apps.get_model("quiz", "Section").objects.create(
        key="s", title="S", position=0, source_path="s.md", bank=bank
    )
    question = apps.get_model("quiz", "Question").objects.create(
        section=section, key="q", position=0, prompt_md="Why?", prompt_html="<p>Why?</p>"
    )
    interview = apps.get_model("quiz", "MockInterview").objects.create(user=user, question_count=items)
    return apps, user, section, question, interview


def items_after(migration: tuple[str, str]):
    """Migrate to ``migration``: the items as it left them, in position order (then on to the latest)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([migration])
    apps = executor.loader.project_state([migration]).apps
    rows = list(apps.get_model("quiz", "InterviewItem").objects.order_by("position"))
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    return rows


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_copies_of_history_that_predates_them():
    apps, user, section, question, interview = history_before(("quiz", "0009_sections_by_bank"), items=2)
    done = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    items = apps.get_model("quiz", "InterviewItem").objects
    items.create(interview=interview, question=question, position=0, done_at=done, grade=3)
    items.create(interview=interview, question=question, position=1)

    rows = items_after(("quiz", "0011_fill_in_progress_copies"))
    assert [(r.user_id, r.section_id, r.done_day) for r in rows] == [
        (user.pk, section.pk, done.date()),
        (user.pk, section.pk, None),
    ]


def test_a_grade_keeps_the_copies_in_step(user, question):
    interview = MockInterview.start(user, [question])
    item = interview.current_item()
    assert interview.grade(item, 3)
    item.refresh_from_db()
    assert (item.user_id, item.section_id) == (interview.user_id, item.question.section_id)
    assert item.done_day == item.done_at.astimezone(UTC).date()


@pytest.mark.django_db(transaction=True)
def test_the_migration_stores_the_ticked_share_of_graded_history():
    apps, _, _, question, interview = history_before(("quiz", "0011_fill_in_progress_copies"), items=3)
    items = apps.get_model("quiz", "InterviewItem").objects
    ticked = [True, False, True, True]
    items.create(interview=interview, question=question, position=0, grade=3, ticks=ticked)
    items.create(interview=interview, question=question, position=1, ticks=ticked)  # revealed, not graded
    items.create(interview=interview, question=question, position=2, grade=2)  # no key points shown

    rows = items_after(("quiz", "0013_fill_in_ticked_share"))
    assert [r.ticked_share for r in rows] == [sum(ticked) / len(ticked), None, None]


def test_a_grade_stores_the_share_of_key_points_ticked_behind_it(user, question):
    question.answer_md = "An answer.\n\nKey points:\n- one point here\n- two points here\n- three points here"
    question.save()
    interview = MockInterview.start(user, [question])
    item = interview.current_item()
    interview.reveal(item, answer_text="")
    assert item.ticked_share is None  # revealed: nothing graded yet
    assert interview.grade(item, 3, ticks=[0, 2])
    item.refresh_from_db()
    assert item.ticked_share == pytest.approx(2 / 3)


# The per-day tallies (PracticeDay) the progress page sums: counted with each closed question, filled in for
# history from before them by migration 0015, and always what the items themselves add up to.


def tallies_from_items(user) -> dict:
    """What the tallies must hold, summed from the items themselves: (day, section, grade or 0) ->
    (done, ticked, share total rounded)."""
    truth = {}
    for item in InterviewItem.objects.for_user(user).filter(done_day__isnull=False):
        key = (item.done_day, item.section_id, item.grade or PracticeDay.SKIPPED)
        done, ticked, total = truth.get(key, (0, 0, 0.0))
        share = item.ticked_share
        truth[key] = (done + 1, ticked + (share is not None), total + (share or 0.0))
    return {key: (done, ticked, round(total, 6)) for key, (done, ticked, total) in truth.items()}


def tallies_of(user) -> dict:
    return {
        (t.day, t.section_id, t.grade): (t.done, t.ticked, round(t.ticked_share_total, 6))
        for t in PracticeDay.objects.for_user(user)
    }


def test_every_closed_question_is_counted_once_into_its_day_section_and_grade(user, section, make_question):
    other = Section.objects.create(key="ch7", title="Chapter 7", position=2, source_path="c.md")
    with_points = "An answer.\n\nKey points:\n- one point here\n- two points here\n- three points here"
    questions = [make_question(answer_md=with_points), make_question(section=other), make_question()]
    monday = datetime(2026, 3, 2, 23, 50, tzinfo=UTC)
    for start, plan in [(monday, ["good", "skip", "good"]), (monday + timedelta(minutes=20), ["miss"] * 3)]:
        with time_machine.travel(start, tick=False):
            interview = MockInterview.start(user, questions, seconds_per_question=600)
        for n, step in enumerate(plan):
            # Each step a few minutes on: the second interview's questions fall either side of midnight.
            with time_machine.travel(start + timedelta(minutes=5 * (n + 1)), tick=False):
                item = interview.current_item()
                if step == "skip":
                    assert interview.skip(item)
                    continue
                interview.reveal(item, answer_text="")
                grade = {"good": Grade.GOOD, "miss": Grade.MISSED}[step]
                assert interview.grade(item, grade, ticks=[0, 2] if item.question.key_points else None)
                assert not interview.grade(item, grade)  # a second submit changes nothing, counts nothing

    tallies = tallies_of(user)
    assert tallies == tallies_from_items(user)
    assert sum(done for done, _, _ in tallies.values()) == 6
    assert {day for day, _, _ in tallies} == {monday.date(), monday.date() + timedelta(days=1)}
    skipped_on = (monday + timedelta(minutes=10)).date()  # just past midnight: Tuesday's
    assert tallies[(skipped_on, questions[1].section_id, PracticeDay.SKIPPED)] == (1, 0, 0.0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_tallies_the_history_that_predates_the_tallies():
    apps, user, section, question, interview = history_before(("quiz", "0013_fill_in_ticked_share"), items=4)
    items = apps.get_model("quiz", "InterviewItem").objects
    day = datetime(2026, 3, 1, 12, tzinfo=UTC)
    copies = {"user_id": user.pk, "section_id": section.pk, "done_day": day.date(), "done_at": day}
    items.create(interview=interview, question=question, position=0, grade=3, ticked_share=0.5, **copies)
    items.create(interview=interview, question=question, position=1, grade=3, ticked_share=0.25, **copies)
    items.create(interview=interview, question=question, position=2, skipped=True, **copies)
    items.create(interview=interview, question=question, position=3)  # never reached: not counted

    items_after(("quiz", "0015_tally_past_practice"))
    user = get_user_model().objects.get(pk=user.pk)
    assert tallies_of(user) == tallies_from_items(user)
    assert tallies_of(user) == {
        (day.date(), section.pk, 3): (2, 2, 0.75),
        (day.date(), section.pk, 0): (1, 0, 0.0),
    }
