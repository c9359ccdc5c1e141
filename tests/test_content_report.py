"""The editors' side of the content report: what a question still owes before the bank is complete."""

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
