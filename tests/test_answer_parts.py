"""Key points and provenance: the parts of an answer's markdown beyond the answer, one syntax everywhere."""

import datetime

import pytest

from quiz import importer
from quiz.answer_parts import (
    ProvenanceNote,
    ProvenanceSyntaxError,
    add_alternative,
    join_key_points,
    key_point_alternatives,
    split_key_points,
    split_key_points_with_alternatives,
    split_provenance,
)
from quiz.exporter import answer_problem
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


WITH_ALTERNATIVES = """L1 adds the absolute weights to the loss.

Key points:
- L1 drives some weights exactly to zero
  - also: lasso zeroes out coefficients
  - also: feature selection for free
- L2 shrinks all weights smoothly"""


def test_alternative_phrasings_belong_to_the_point_above_them_and_are_not_points():
    body, points = split_key_points(WITH_ALTERNATIVES)
    assert points == ["L1 drives some weights exactly to zero", "L2 shrinks all weights smoothly"]
    assert body == "L1 adds the absolute weights to the loss."
    assert key_point_alternatives(WITH_ALTERNATIVES) == [
        ["lasso zeroes out coefficients", "feature selection for free"],
        [],
    ]


def test_alternative_phrasings_round_trip_through_join():
    body, points = split_key_points_with_alternatives(WITH_ALTERNATIVES)
    joined = join_key_points(body, [p for p, _ in points], [a for _, a in points])
    assert joined == WITH_ALTERNATIVES


def test_adding_an_alternative_writes_it_under_its_point_once_and_keeps_provenance():
    answer = join_key_points("The answer.", ["Point one", "Point two"])
    answer += "\n\n<!-- provenance: written; by: bank editors -->"
    added = add_alternative(answer, 1, "  the second,\n said  otherwise ")
    assert key_point_alternatives(split_provenance(added)[0]) == [[], ["the second, said otherwise"]]
    assert split_provenance(added)[1].by == "bank editors"
    assert add_alternative(added, 1, "the second, said otherwise") == added  # once
    assert add_alternative(added, 5, "no such point") == added


def test_an_answer_without_alternatives_reads_and_writes_as_before():
    # The bundled bank has none: its content.json stays byte-identical (test_build_fixtures checks the file).
    body, points = split_key_points(ANSWER)
    assert join_key_points(body, points) == join_key_points(body, points, [[] for _ in points])


def test_an_imported_alternative_survives_the_markdown_export(make_question):
    assert answer_problem("file.md", WITH_ALTERNATIVES) is None
    question = make_question(answer_md=WITH_ALTERNATIVES)
    assert question.key_points == [
        "L1 drives some weights exactly to zero",
        "L2 shrinks all weights smoothly",
    ]
    assert "also:" not in question.answer_html
