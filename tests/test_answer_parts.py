"""Key points and provenance: the parts of an answer's markdown beyond the answer, one syntax everywhere."""

import datetime

import pytest

from quiz import importer
from quiz.answer_parts import (
    ProvenanceNote,
    ProvenanceSyntaxError,
    join_key_points,
    split_key_points,
    split_provenance,
)
from quiz.models import Provenance

ANSWER = """L1 adds the absolute weights to the loss.

- It makes models sparse.

Key points:
- L1 drives some weights exactly to zero
- L2 shrinks all weights smoothly
"""


def test_key_points_are_the_trailing_block_and_the_answer_keeps_its_own_lists():
    body, points = split_key_points(ANSWER)
    assert points == ["L1 drives some weights exactly to zero", "L2 shrinks all weights smoothly"]
    assert body == "L1 adds the absolute weights to the loss.\n\n- It makes models sparse."
    assert join_key_points(body, points) == ANSWER.rstrip()


def test_a_key_points_label_followed_by_more_answer_is_not_the_rubric():
    text = "Key points:\n- one\n\nMore prose after the list."
    assert split_key_points(text) == (text, [])


def test_provenance_comment_is_read_and_removed_from_the_answer():
    comment = "<!-- provenance: written; by: bank editors; date: 2026-11-30 -->"
    text, note = split_provenance(f"{ANSWER}\n{comment}\n")
    assert note == ProvenanceNote("written", "bank editors", datetime.date(2026, 11, 30))
    assert text == ANSWER.rstrip("\n")
    assert split_provenance(text + "\n" + note.comment())[1] == note


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- provenance: guessed -->",
        "<!-- provenance: written; date: 30/11/2026 -->",
        "<!-- provenance: written; who: me -->",
    ],
)
def test_a_provenance_comment_that_says_something_unknown_is_refused(comment):
    with pytest.raises(ProvenanceSyntaxError):
        split_provenance(f"Answer.\n\n{comment}")


def test_importer_reads_heading_tags_key_points_and_provenance():
    source = importer.parse_general(
        "## [H] Why does L1 give sparse weights?\n"
        + ANSWER
        + "\n<!-- provenance: reviewed; by: bank editors; date: 2026-11-30 -->\n",
        "MLE_Interview_QnA/PythonQnA.md",
        "Python QnA",
    )
    [question] = source.questions
    assert question.prompt_md == "Why does L1 give sparse weights?"
    assert question.difficulty == "hard"
    assert question.key_points == split_key_points(ANSWER)[1]
    assert question.provenance.kind == "reviewed"
    [record] = [
        r for r in importer.fixture_records(importer.ParsedBank([source])) if r["model"] == "quiz.question"
    ]
    assert record["fields"]["key_points"] == question.key_points
    assert "Key points" not in record["fields"]["answer_html"]
    assert record["fields"]["provenance_on"] == "2026-11-30"


def test_importer_reports_a_bad_provenance_comment_with_file_and_line():
    with pytest.raises(importer.ContentError, match=r"PythonQnA.md:3: provenance 'maybe'"):
        importer.parse_general(
            "# Python\n\n## What is X?\nX.\n<!-- provenance: maybe -->\n",
            "MLE_Interview_QnA/PythonQnA.md",
            "Python QnA",
        )


def test_saving_an_answer_keeps_its_key_points_beside_it_and_out_of_the_rendered_answer(make_question):
    question = make_question(answer_md=ANSWER)
    assert question.key_points == split_key_points(ANSWER)[1]
    assert "Key points" not in question.answer_html
    assert question.provenance == Provenance.UPSTREAM
