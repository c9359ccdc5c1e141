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
