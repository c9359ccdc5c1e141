"""The editors' side of the content report: what a question still owes before the bank is complete."""

from pathlib import Path

import pytest
from django.conf import settings

from quiz import content_report, importer

REVIEWED = "<!-- provenance: reviewed; by: bank editors; date: 2026-11-30 -->"
KEY_POINTS = (
    "Key points:\n- Bagging trains trees on bootstrap samples\n- Averaging many trees lowers variance\n"
    "- Random feature subsets decorrelate the trees"
)


def gaps(heading: str, answer: str) -> list[str]:
    source = importer.parse_general(f"# DS\n\n{heading}\n{answer}\n", "DS.md", "DS")
    return [kind for kind, _ in content_report.editorial_gaps(source.questions[0])]


def test_a_complete_question_owes_nothing():
    assert (
        gaps("## [M] What is a random forest?", f"An ensemble of trees.\n\n{KEY_POINTS}\n\n{REVIEWED}") == []
    )


def test_unrated_unreviewed_and_without_key_points_are_each_reported():
    assert gaps("## What is a random forest?", "An ensemble of trees.") == [
        "unrated",
        "key-points",
        "not-reviewed",
    ]


def test_flattened_nesting_is_reported_and_real_nesting_is_not():
    flat = "- When you need:\n- Speed\n- Interpretability"
    nested = "- When you need:\n    - Speed\n    - Interpretability"
    tail = f"\n\n{KEY_POINTS}\n\n{REVIEWED}"
    assert gaps("## [E] Why logistic regression?", flat + tail) == ["flattened-list"]
    assert gaps("## [E] Why logistic regression?", nested + tail) == []
    assert gaps("## [E] Why logistic regression?", "It uses: - speed - simplicity" + tail) == [
        "flattened-list"
    ]


def test_key_points_outside_three_to_six_or_of_odd_length_are_reported():
    two = "Key points:\n- Bagging trains trees on bootstrap samples\n- Averaging many trees lowers variance"
    short = KEY_POINTS + "\n- Bagging"
    assert gaps("## [M] What is a random forest?", f"Trees.\n\n{two}\n\n{REVIEWED}") == ["key-points"]
    assert gaps("## [M] What is a random forest?", f"Trees.\n\n{short}\n\n{REVIEWED}") == ["key-points"]


@pytest.mark.parametrize(
    ("text", "dangling"),
    [
        ("### Given the following confusion matrix, what is F1?\nIt is 0.7.\n", True),
        ("### What does the code below print?\nNothing.\n", True),
        ("### Reading this table, which model wins?\nB.\n", True),
        ("### What do the numbers shown above mean?\nLittle.\n", True),
        ("### What does the following print: `print(1 + 1)`?\nIt prints 2.\n", False),
        ("### Simplify the following: $x^2 / x$.\nIt is $x$.\n", False),
        ("### Is the gradient above zero here?\nOnly when the loss rises.\n", False),
    ],
)
def test_a_prompt_pointing_at_something_it_does_not_show_is_reported(text, dangling):
    source = importer.parse_general(f"# DS\n\n{text}", "a.md", "DS")
    kinds = [f.kind for f in content_report.content_findings(importer.ParsedBank([source]))]
    assert ("dangling-reference" in kinds) is dangling, kinds


def test_the_bundled_banks_questions_state_what_they_refer_to():
    # The confusion-matrix group once said "the following confusion matrix" and showed none (issue 21.13);
    # its title now gives the matrix, and its questions kept their keys.
    bank = importer.parse_bank(importer.read_sources(Path(settings.QUESTION_BANK_DIR)))
    dangling = [str(f) for f in content_report.content_findings(bank) if f.kind == "dangling-reference"]
    assert dangling == []
    group = [q for f in bank.files for q in f.questions if "confusion matrix on 95 examples" in q.group_title]
    assert group and all("the-following-confusion-matrix" in q.key for q in group if q.parent is None)
