"""`manage.py load_content`: loads the bank by natural key, keeps admin edits, retires instead of deleting."""

import itertools
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quiz.models import InterviewItem, MockInterview, Question, ReviewState, Section

pytestmark = pytest.mark.django_db


def section_record(key="python-qna", parent=None, **fields):
    return {
        "model": "quiz.section",
        "fields": {
            "key": key,
            "parent": [parent] if parent else None,
            "title": key.title(),
            "position": 0,
            "source_path": "MLE_Interview_QnA/PythonQnA.md",
            "source_line": 1,
            "retired": False,
            **fields,
        },
    }


def question_record(key, answer="A lazy iterator.", section="python-qna/generators", **fields):
    return {
        "model": "quiz.question",
        "fields": {
            "key": key,
            "section": [section],
            "position": 0,
            "group_title": "",
            "prompt_md": f"What is {key}?",
            "prompt_html": f"<p>What is {key}?</p>",
            "answer_md": answer,
            "answer_html": f"<p>{answer}</p>" if answer else "",
            "imported_answer_md": answer,
            "difficulty": "unrated",
            "source_path": "MLE_Interview_QnA/PythonQnA.md",
            "source_line": 42,
            "retired": False,
            **fields,
        },
    }


def bank(*questions):
    return [section_record(), section_record("python-qna/generators", parent="python-qna"), *questions]


@pytest.fixture
def write(tmp_path):
    """``write(records)``: a new content.json (in its own folder, so earlier versions stay) and its path."""
    versions = itertools.count(1)

    def write(records) -> str:
        folder = tmp_path / f"v{next(versions)}"
        folder.mkdir()
        path = folder / "content.json"
        path.write_text(json.dumps(records))
        return str(path)

    return write


def load_content(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_content", path, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def edit_answer_in_admin(client, staff_user, question, answer):
    client.force_login(staff_user)
    url = reverse("admin:quiz_question_change", args=[question.pk])
    response = client.post(url, {"answer_md": answer, "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_load_content_creates_the_bank_with_its_tree_and_rendered_html(write):
    out, _ = load_content(write(bank(question_record("generators"))))

    question = Question.objects.select_related("section__parent").get(key="generators")
    assert question.section.parent.key == "python-qna"
    assert question.answer_html == "<p>A lazy iterator.</p>"
    assert question.imported_answer_md == "A lazy iterator."
    assert not question.edited_since_import
    assert "Questions: 1 created, 0 updated, 0 unchanged, 0 retired" in out
    assert "Sections: 2 created" in out


def test_load_content_renders_html_missing_from_the_file(write):
    record = question_record("generators", answer="**lazy**")
    record["fields"].pop("prompt_html")
    record["fields"]["answer_html"] = ""
    load_content(write(bank(record)))

    question = Question.objects.get(key="generators")
    assert question.prompt_html == "<p>What is generators?</p>"
    assert question.answer_html == "<p><strong>lazy</strong></p>"


def test_load_content_twice_is_a_no_op(write):
    path = write(bank(question_record("generators"), question_record("decorators", answer="")))
    load_content(path)
    history_rows = Question.history.count()

    with CaptureQueriesContext(connection) as queries:
        out, err = load_content(path)

    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert Question.history.count() == history_rows
    assert "Questions: 0 created, 0 updated, 2 unchanged, 0 retired" in out
    assert "Sections: 0 created, 0 updated, 2 unchanged, 0 retired" in out
    assert err == ""


def test_load_content_updates_a_changed_question_in_place_with_a_history_row(write):
    load_content(write(bank(question_record("generators"))))
    before = Question.objects.get(key="generators")

    out, _ = load_content(write(bank(question_record("generators", answer="Yields values one at a time."))))

    after = Question.objects.get(key="generators")
    assert after.pk == before.pk
    assert after.answer_md == after.imported_answer_md == "Yields values one at a time."
    assert "1 updated" in out
    latest = after.history.first()
    assert latest.answer_md == "Yields values one at a time."
    assert latest.history_change_reason == "load_content content.json"


def test_load_content_moves_a_question_to_its_new_section_in_place(write):
    load_content(write(bank(question_record("generators"))))
    before = Question.objects.get(key="generators")

    load_content(
        write([*bank(), section_record("iterators"), question_record("generators", section="iterators")])
    )

    after = Question.objects.select_related("section").get(key="generators")
    assert after.pk == before.pk
    assert after.section.key == "iterators"


def test_load_content_reordering_alone_adds_no_history_row(write):
    load_content(write(bank(question_record("generators", position=1))))
    history_rows = Question.history.count()

    out, _ = load_content(write(bank(question_record("generators", position=2))))

    assert Question.objects.get(key="generators").position == 2
    assert Question.history.count() == history_rows
    assert "1 updated" in out


def test_load_content_keeps_an_answer_edited_in_admin(write, client, staff_user):
    path = write(bank(question_record("generators")))
    load_content(path)
    question = Question.objects.get(key="generators")
    edit_answer_in_admin(client, staff_user, question, "A generator returns a *generator iterator*.")

    out, err = load_content(path)

    question.refresh_from_db()
    assert question.answer_md == "A generator returns a *generator iterator*."
    assert question.answer_html == "<p>A generator returns a <em>generator iterator</em>.</p>"
    assert question.edited_since_import
    assert "1 kept admin edits, 0 conflicts" in out
    assert err == ""


def test_load_content_reports_a_conflict_and_keeps_admin_text_when_upstream_changed_too(
    write, client, staff_user
):
    load_content(write(bank(question_record("generators", source_line=42))))
    question = Question.objects.get(key="generators")
    edit_answer_in_admin(client, staff_user, question, "Admin's fix.")
    changed_upstream = write(bank(question_record("generators", answer="Upstream's fix.", source_line=57)))

    out, err = load_content(changed_upstream)

    question.refresh_from_db()
    assert question.answer_md == "Admin's fix."
    assert question.source_line == 57  # the rest of the question still follows upstream
    assert "CONFLICT generators (MLE_Interview_QnA/PythonQnA.md:57)" in err
    assert "0 kept admin edits, 1 conflicts" in out
    # Reported again on every load until someone makes the two agree.
    _, err_again = load_content(changed_upstream)
    assert "CONFLICT generators" in err_again


def test_load_content_settles_an_edit_once_upstream_says_the_same(write, client, staff_user):
    load_content(write(bank(question_record("generators"))))
    question = Question.objects.get(key="generators")
    edit_answer_in_admin(client, staff_user, question, "Admin's fix.")

    out, err = load_content(write(bank(question_record("generators", answer="Admin's fix."))))

    question.refresh_from_db()
    assert not question.edited_since_import
    assert err == ""
    assert "0 kept admin edits, 0 conflicts" in out


def test_load_content_retires_a_removed_question_and_its_interviews_survive(write, user):
    load_content(write(bank(question_record("generators"), question_record("decorators"))))
    gone = Question.objects.get(key="decorators")
    interview = MockInterview.start(user, [gone])

    out, _ = load_content(write(bank(question_record("generators"))))

    gone.refresh_from_db()
    assert gone.retired
    assert InterviewItem.objects.get(interview=interview).question == gone
    assert "1 retired" in out
    assert list(Question.objects.active().values_list("key", flat=True)) == ["generators"]


def test_load_content_retires_a_removed_section(write):
    load_content(write(bank(question_record("generators"))))

    out, _ = load_content(write([section_record()]))

    assert Section.objects.get(key="python-qna/generators").retired
    assert Question.objects.get(key="generators").retired
    assert "Sections: 0 created, 0 updated, 1 unchanged, 1 retired" in out


def test_load_content_unretires_a_question_that_reappears(write):
    both = write(bank(question_record("generators"), question_record("decorators")))
    load_content(both)
    load_content(write(bank(question_record("generators"))))

    out, _ = load_content(both)

    assert not Question.objects.get(key="decorators").retired
    assert "0 created, 1 updated" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{", "invalid JSON at line 1"),
        ('{"model": "quiz.section"}', "expected a list of records"),
        (json.dumps([{"model": "quiz.flag", "fields": {"key": "x"}}]), "unknown model 'quiz.flag'"),
        (
            json.dumps(bank(question_record("q", section="nowhere"))),
            "section 'nowhere', which is not in the file",
        ),
        (json.dumps([section_record("child", parent="nobody")]), "parent 'nobody', which is not in the file"),
        (json.dumps(bank(question_record("q", difficulty="brutal"))), "'brutal' is not one of"),
        (json.dumps(bank(question_record("q", colour="red"))), "unknown field(s) for quiz.question: colour"),
        (json.dumps(bank(question_record("q"), question_record("q"))), "key 'q' appears twice"),
    ],
)
def test_load_content_bad_input_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "content.json"
    path.write_text(content)

    with pytest.raises(CommandError, match="Nothing was loaded") as error:
        load_content(str(path))

    assert message in str(error.value)
    assert not Section.objects.exists()
    assert not Question.objects.exists()


def test_load_content_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        load_content(str(tmp_path / "absent.json"))


def test_load_content_bad_record_late_in_the_file_changes_nothing_already_loaded(write):
    load_content(write(bank(question_record("generators"))))
    broken = bank(question_record("generators", answer="New text."), question_record("q", section="nowhere"))

    with pytest.raises(CommandError):
        load_content(write(broken))

    assert Question.objects.get(key="generators").answer_md == "A lazy iterator."


def test_load_content_upstream_answer_change_brings_the_question_back_for_review(write, user):
    load_content(write(bank(question_record("generators"))))
    question = Question.objects.get(key="generators")
    interview = MockInterview.start(user, [question])
    interview.grade(interview.items.get(), 4)
    state = ReviewState.objects.get(user=user, question=question)
    assert state.due > timezone.now() + timedelta(days=1)

    load_content(write(bank(question_record("generators", answer="Yields values lazily, one at a time."))))

    question.refresh_from_db()
    state.refresh_from_db()
    assert question.answer_changed_at is not None
    assert state.due == question.answer_changed_at  # due again now, not in days


def test_load_content_whitespace_only_change_is_not_news(write, user):
    load_content(write(bank(question_record("generators", answer="A lazy iterator."))))
    load_content(write(bank(question_record("generators", answer="A  lazy\niterator."))))
    assert Question.objects.get(key="generators").answer_changed_at is None
