"""The progress page counts from copies kept on each item (user, section, UTC day; the share of key points
ticked): history that predates them is filled in by migrations 0011 and 0013, and new grades keep them in
step."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quiz.models import MockInterview


def history_before(migration: tuple[str, str], items: int):
    """The schema as it was at ``migration``, with one user's interview of ``items`` questions (the test adds
    its items): (the apps of that state, user, section, question, interview)."""
    executor = MigrationExecutor(connection)
    executor.migrate([migration])
    apps = executor.loader.project_state([migration]).apps
    user = apps.get_model("auth", "User").objects.create(username="old-timer")
    section = apps.get_model("quiz", "Section").objects.create(
        key="s", title="S", position=0, source_path="s.md"
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
