"""The progress page counts from copies kept on each item (user, section, UTC day): history that predates
them is filled in by migration 0011, and new grades keep them in step."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quiz.models import MockInterview

BEFORE, AFTER = ("quiz", "0009_sections_by_bank"), ("quiz", "0011_fill_in_progress_copies")


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_copies_of_history_that_predates_them():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    user = apps.get_model("auth", "User").objects.create(username="old-timer")
    section = apps.get_model("quiz", "Section").objects.create(
        key="s", title="S", position=0, source_path="s.md"
    )
    question = apps.get_model("quiz", "Question").objects.create(
        section=section, key="q", position=0, prompt_md="Why?", prompt_html="<p>Why?</p>"
    )
    interview = apps.get_model("quiz", "MockInterview").objects.create(user=user, question_count=2)
    done = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    items = apps.get_model("quiz", "InterviewItem").objects
    items.create(interview=interview, question=question, position=0, done_at=done, grade=3)
    items.create(interview=interview, question=question, position=1)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    apps = executor.loader.project_state([AFTER]).apps
    rows = apps.get_model("quiz", "InterviewItem").objects.order_by("position")
    assert list(rows.values_list("user_id", "section_id", "done_day")) == [
        (user.pk, section.pk, done.date()),
        (user.pk, section.pk, None),
    ]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_grade_keeps_the_copies_in_step(user, question):
    interview = MockInterview.start(user, [question])
    item = interview.current_item()
    assert interview.grade(item, 3)
    item.refresh_from_db()
    assert (item.user_id, item.section_id) == (interview.user_id, item.question.section_id)
    assert item.done_day == item.done_at.astimezone(UTC).date()


@pytest.mark.django_db(transaction=True)
def test_the_migration_stores_the_ticked_share_of_graded_history():
    before, after = ("quiz", "0011_fill_in_progress_copies"), ("quiz", "0013_fill_in_ticked_share")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    apps = executor.loader.project_state([before]).apps
    user = apps.get_model("auth", "User").objects.create(username="checklist-user")
    section = apps.get_model("quiz", "Section").objects.create(
        key="s", title="S", position=0, source_path="s.md"
    )
    question = apps.get_model("quiz", "Question").objects.create(
        section=section, key="q", position=0, prompt_md="Why?", prompt_html="<p>Why?</p>"
    )
    interview = apps.get_model("quiz", "MockInterview").objects.create(user=user, question_count=3)
    items = apps.get_model("quiz", "InterviewItem").objects
    ticked = [True, False, True, True]
    items.create(interview=interview, question=question, position=0, grade=3, ticks=ticked)
    items.create(interview=interview, question=question, position=1, ticks=ticked)  # revealed, not graded
    items.create(interview=interview, question=question, position=2, grade=2)  # no key points shown

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    apps = executor.loader.project_state([after]).apps
    shares = apps.get_model("quiz", "InterviewItem").objects.order_by("position")
    assert list(shares.values_list("ticked_share", flat=True)) == [sum(ticked) / len(ticked), None, None]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


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
