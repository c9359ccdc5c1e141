"""An editor corrects a question's wording and keeps its key (``key:`` in the provenance comment), so
everyone's history stays with the question: read, loaded, exported and read back."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from quiz import exporter, importer
from quiz.content_loader import load_file
from quiz.models import Bookmark, Question

BEFORE = """# Vision

## [M] How would you detect skin legions from images when 1% of them show any?

Lower the threshold first, then reweight the loss.

<!-- provenance: reviewed; by: written by editor W1, reviewed by editor R1; date: 2026-12-01 -->

### Follow-up: [H] What if the labels come from one dermatologist?

Measure inter-rater agreement; relabel a sample with a second expert.

<!-- provenance: written; by: editor W1; date: 2026-12-01 -->
"""


def keys_of(text: str) -> dict[str, str | None]:
    (notes,) = importer.parse_bank({"notes.md": text}).files
    return {q.key: q.parent for q in notes.questions}


def corrected(text: str, key: str, follow_up_key: str = "") -> str:
    """The typo fixed, the keys the words gave before kept in the comments (a follow-up's key is made from
    its question's words too, so it keeps its own)."""
    fixed = text.replace("skin legions", "skin lesions")
    fixed = fixed.replace("date: 2026-12-01 -->", f"date: 2026-12-07; key: {key} -->", 1)
    if follow_up_key:
        fixed = fixed.replace("date: 2026-12-01 -->", f"date: 2026-12-07; key: {follow_up_key} -->", 1)
    return fixed


def test_a_kept_key_survives_a_corrected_prompt_and_its_follow_ups_stay_under_it():
    before = keys_of(BEFORE)
    (question_key,) = [key for key, parent in before.items() if parent is None]
    assert "legions" in question_key
    after = keys_of(corrected(BEFORE, question_key))
    assert question_key in after and after[question_key] is None
    (follow_up,) = [key for key, parent in after.items() if parent is not None]
    assert after[follow_up] == question_key


@pytest.mark.parametrize(
    "key",
    ["elsewhere/how-would-you-detect-skin-lesions", "vision/a/b", "vision/", "vision/Not A Slug"],
)
def test_a_kept_key_that_is_not_this_files_is_refused_with_its_line(key):
    with pytest.raises(importer.ContentError, match=r"notes\.md:\d+: provenance key .* is not a question"):
        keys_of(corrected(BEFORE, key))


def test_two_questions_keeping_one_key_is_refused():
    key = next(iter(keys_of(BEFORE)))
    text = corrected(BEFORE, key) + "\n---\n\n## [E] What is recall?\n\nTP / (TP + FN).\n\n"
    text += f"<!-- provenance: written; by: editor W1; date: 2026-12-07; key: {key} -->\n"
    with pytest.raises(importer.ContentError, match="is also line"):
        keys_of(text)


def build_and_load(folder: Path, text: str, output: Path) -> None:
    (folder / "notes.md").write_text(text)
    call_command("build_fixtures", source=folder, output=output, stdout=StringIO())
    load_file(output)


def test_the_corrected_question_is_the_same_question_with_its_history(db, tmp_path, user):
    folder, output = tmp_path / "bank", tmp_path / "content.json"
    folder.mkdir()
    build_and_load(folder, BEFORE, output)
    question = Question.objects.get(parent=None)
    Bookmark.objects.create(user=user, question=question)
    follow_up = Question.objects.get(parent=question)
    Bookmark.objects.create(user=user, question=follow_up)
    file_key, follow_up_key = keys_of(BEFORE)
    assert question.key.endswith(file_key)  # the bank's slug before it, for a bank other than the bundled one
    build_and_load(folder, corrected(BEFORE, file_key, follow_up_key), output)
    again = Question.objects.get(parent=None)
    assert (again.pk, again.retired) == (question.pk, False)
    assert "skin lesions" in again.prompt_md
    assert Question.objects.get(parent=again).pk == follow_up.pk
    assert set(Bookmark.objects.filter(user=user).values_list("question", flat=True)) == {
        question.pk,
        follow_up.pk,
    }
    assert Question.objects.filter(retired=True).count() == 0
    # Written back from the database, the comment still keeps the key, so the next build agrees.
    written = exporter.export_bank(exporter.bank_from_database(folder, again.section.bank))["notes.md"]
    assert f"date: 2026-12-07; key: {file_key} -->" in written
    assert f"date: 2026-12-07; key: {follow_up_key} -->" in written
    assert keys_of(written) == keys_of(BEFORE)
