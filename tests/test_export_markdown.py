"""export_markdown writes the bank back as upstream markdown; import -> export -> import is the same bank."""

import datetime
import difflib
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from quiz import exporter, importer
from quiz.answer_parts import ProvenanceNote
from quiz.content_loader import load_file
from quiz.importer import read_sources
from quiz.models import Question

BANK_DIR = settings.QUESTION_BANK_DIR


@pytest.fixture(scope="module")
def sources() -> dict[str, bytes]:
    return read_sources(BANK_DIR)


@pytest.fixture(scope="module")
def bank(sources) -> importer.ParsedBank:
    return importer.parse_bank(sources)


def write(directory: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(text, encoding="utf-8")


def questions_of(bank: importer.ParsedBank) -> list[tuple]:
    return [
        (q.key, q.section, q.group_title, q.prompt_md, q.answer_md, q.difficulty)
        for source in bank.files
        for q in source.questions
    ]


def sections_of(bank: importer.ParsedBank) -> list[tuple]:
    return [(s.key, s.parent, s.title) for source in bank.files for s in source.sections]


# -- the whole bank --


def test_import_export_import_gives_the_same_bank(tmp_path, bank):
    write(tmp_path, exporter.export_bank(bank))
    again = importer.parse_bank(read_sources(tmp_path))
    assert len(questions_of(bank)) > 150
    assert questions_of(again) == questions_of(bank)
    assert sections_of(again) == sections_of(bank)


def test_exporting_an_export_changes_nothing(bank):
    once = exporter.export_bank(bank)
    assert exporter.export_bank(importer.parse_bank(once)) == once


def comparable(text: str) -> list[str]:
    """A file's lines with the documented normalisations applied (see export_markdown's docstring)."""
    kept: list[str] = []
    fence, block, titled = None, [], False
    for line in text.split("\n"):
        if fence is not None:
            block.append(line)
            if len(line.strip()) >= len(fence) and set(line.strip()) == {fence[0]}:
                if "\n".join(block[1:-1]).strip() not in ("", "NOT ANSWERED"):  # 4: empty fences
                    language = block[0].lstrip("`~")  # 10: an answer's fence is ````markdown
                    language = "" if language in ("text", "markdown") else language
                    # 5: blank lines, inside an answer's fence too (the provenance comment is written last)
                    kept += ["```" + language, *(b for b in block[1:-1] if b.strip()), "```"]
                fence = None
            continue
        if opening := re.match(r"^ {0,3}(`{3,}|~{3,})", line):
            fence, block = opening[1], [line]
        elif line.strip() and not re.fullmatch(r" {0,3}-{3,}\s*", line):  # 5: blank lines, 4: separators
            if line.startswith("#"):
                line = re.sub(r"^#{1,6}", "#", line) if titled else "# TITLE"  # 1: titles, 2: levels
                titled = True
            kept.append(re.sub(r"^\d+\.(?=\s)", "N.", line))  # 3: numbering
    return kept


def test_export_reproduces_the_sources_but_for_the_documented_normalisations(sources, bank):
    exported = exporter.export_bank(bank)
    left_out = {}
    for path, text in exported.items():
        if path == importer.MANIFEST:  # TOML, not markdown: its facts come back, its comments do not
            written, read = importer.read_manifest(text), importer.read_manifest(sources[path].decode())
            assert (written.title, written.source, written.licence) == (read.title, read.source, read.licence)
            continue
        if path == exporter.INDEX_PATH:
            continue
        diff = list(
            difflib.unified_diff(comparable(sources[path].decode()), comparable(text), n=0, lineterm="")
        )
        assert not [line for line in diff[2:] if line.startswith("+")], f"{path}: the export added text"
        left_out[path] = [line[1:] for line in diff[2:] if line.startswith("-")]
    python = left_out.pop("MLE_Interview_QnA/PythonQnA.md")
    assert len(python) == 1 and python[0].startswith("I'm preparing for Data Science & MLE interviews")  # 4
    assert all(not lines for lines in left_out.values()), left_out


# -- each normalisation, on a small file --


def export_one(path: str, text: str, title: str = "Title") -> str:
    index = f"1. [{title}]({path})\n"
    return exporter.export_bank(importer.parse_bank({"README.md": index, path: text}))[path]


def test_a_file_title_is_its_title_in_the_bank():
    assert export_one("a/QnA.md", "# Our long heading\n## Why?\nBecause.\n", "Short").startswith("# Short\n")
    assert export_one("b/chapter5.md", "## 5 Math\n1. [E] Why?\n").startswith("## Chapter 5. Math\n")


def test_qna_headings_get_fixed_levels():
    text = "# T\n# Topic\n## Why?\nBecause.\n"
    assert export_one("QnA.md", text) == "# Title\n\n## Topic\n\n### Why?\nBecause.\n"


def test_nested_qna_topics_keep_their_nesting():
    text = "# T\n# Topic\n## Subtopic\n### Why?\nBecause.\n"
    assert "# Topic\n\n## Subtopic\n\n### Why?\n" in export_one("QnA.md", text)


def test_case_study_items_are_renumbered_in_each_section():
    text = "# T\n### One\n3. First?\n\nAnswer.\n\n1. Second?\n### Two\n16. Third?\n"
    assert export_one("case_study.md", text) == (
        "# Title\n\n### One\n1. First?\n\nAnswer.\n\n2. Second?\n\n### Two\n1. Third?\n"
    )


def test_separators_introductions_and_empty_fences_are_dropped():
    qna = "# T\nAn introduction.\n\n## Why?\nBecause.\n\n---\n## How?\nLike so.\n"
    assert export_one("QnA.md", qna) == "# Title\n\n### Why?\nBecause.\n\n### How?\nLike so.\n"
    chapter = "## 5 Math\n1. [E] Why?\n```text\nNOT ANSWERED\n```\n2. [M] How?\n```text\n\n```\n"
    assert export_one("chapter5.md", chapter) == "## Chapter 5. Math\n\n1. [E] Why?\n2. [M] How?\n"


def test_a_question_asked_twice_is_written_once():
    text = "# T\n## Why?\nShort.\n## Why?\nThe fuller answer.\n"
    assert export_one("QnA.md", text) == "# Title\n\n### Why?\nThe fuller answer.\n"


def test_a_wrapped_prompt_is_written_on_one_line():
    text = "# T\n### S\n1. A long question\nwrapped here?\n"
    assert "1. A long question wrapped here?\n" in export_one("case_study.md", text)


def test_chapter_groups_number_from_one_and_stay_apart():
    text = (
        "## 7 CS\n### 7.1 Basics\n1. [E] Alone?\n2. Group title.\n1. [E] First?\n2. [M] Second?\n"
        "\n3. [H] After the group?\n"
    )
    exported = export_one("chapter7.md", text)
    assert exported == (
        "## Chapter 7. CS\n\n### 7.1 Basics\n1. [E] Alone?\n2. Group title.\n1. [E] First?\n2. [M] Second?\n"
        "\n3. [H] After the group?\n"
    )
    [question] = [
        q for q in importer.parse_bank({"chapter7.md": exported}).files[0].questions if "After" in q.prompt_md
    ]
    assert question.group_title == ""  # the blank line keeps it out of the group


def test_a_chapter_answer_with_its_own_fence_gets_a_longer_one():
    answer = "Like this:\n\n```python\nprint(1)\n```"
    bank = importer.ParsedBank(
        [
            importer.SourceFile(
                "chapter5.md",
                [importer.ParsedSection("chapter5", None, "Chapter 5. Math", "chapter5.md", 1)],
                [importer.ParsedQuestion("k", "chapter5", "", "Why?", answer, "easy", "chapter5.md", 2)],
                layout="chapter",
            )
        ]
    )
    text = exporter.export_bank(bank)["chapter5.md"]
    assert "````markdown\nLike this:" in text
    assert importer.parse_bank({"chapter5.md": text}).files[0].questions[0].answer_md == answer


def test_the_index_lists_every_file_with_its_title(bank):
    index = exporter.export_bank(bank)["README.md"]
    assert "1. [Python QnA](MLE_Interview_QnA/PythonQnA.md)" in index
    for source in bank.files:
        if source.questions:
            assert f"[{source.root.title}]({source.path})" in index


@pytest.mark.parametrize(
    "path,answer,survives",
    [
        ("MLE_Interview_QnA/PythonQnA.md", "Text.\n\n#### Example:\n- a list", True),
        ("MLE_Interview_QnA/PythonQnA.md", "Text.\n## A topic", False),
        ("MLE_Interview_QnA/PythonQnA.md", "Text.\n### Another question?", False),
        ("MLE_Interview_QnA/case_study_company_A.md", "Steps:\n- one\n- two", True),
        ("MLE_Interview_QnA/case_study_company_A.md", "Steps:\n1. one\n2. two", False),
        ("Chips_Machine_Learning_Interviews_Book/chapter7.md", "1. anything\n## goes in a fence", True),
        ("Chips_Machine_Learning_Interviews_Book/chapter7.md", "```python\nx = 1\n```", True),
    ],
)
def test_answer_problem_says_which_answers_the_markdown_cannot_hold(path, answer, survives):
    assert (exporter.answer_problem(path, answer) is None) is survives


# -- the command, from the database --


@pytest.fixture
def loaded(db):
    load_file(settings.BASE_DIR / "fixtures" / "content.json")


def test_command_writes_the_bank_as_the_markdown_gives_it(loaded, tmp_path, bank):
    call_command("export_markdown", str(tmp_path), stdout=StringIO())
    written = read_sources(tmp_path)
    expected = exporter.export_bank(bank)
    assert sorted(written) == sorted(expected)
    assert all(written[path].decode() == text for path, text in expected.items())


def test_command_exports_edits_and_leaves_out_retired_questions(loaded, tmp_path):
    edited = Question.objects.get(prompt_md="What is Logistic Regression?")
    edited.answer_md = (
        "A linear classifier of log-odds.\n\n```python\nfrom sklearn.linear_model import X\n```"
    )
    edited.save()
    retired = Question.objects.exclude(pk=edited.pk).first()
    Question.objects.filter(pk=retired.pk).update(retired=True)
    out = StringIO()
    call_command("export_markdown", str(tmp_path), stdout=out)
    again = {
        q.key: q for source in importer.parse_bank(read_sources(tmp_path)).files for q in source.questions
    }
    assert again[edited.key].answer_md == edited.answer_md
    assert retired.key not in again
    bundled = Question.objects.active().filter(section__bank__slug=settings.BUNDLED_BANK)
    assert set(again) == set(bundled.values_list("key", flat=True))
    assert f"{len(again)} questions" in out.getvalue()


def test_command_warns_about_an_answer_that_would_not_come_back(loaded, tmp_path):
    broken = Question.objects.get(prompt_md="What is Logistic Regression?")
    Question.objects.filter(pk=broken.pk).update(answer_md="Fine.\n## Now a topic")
    err = StringIO()
    call_command("export_markdown", str(tmp_path), stdout=StringIO(), stderr=err)
    assert f"WARNING {broken.key}" in err.getvalue()


def test_command_can_leave_the_index_alone(loaded, tmp_path):
    (tmp_path / "README.md").write_text("Our own index.\n")
    call_command("export_markdown", str(tmp_path), "--no-index", stdout=StringIO())
    assert (tmp_path / "README.md").read_text() == "Our own index.\n"
    assert (tmp_path / "MLE_Interview_QnA" / "PythonQnA.md").exists()


def test_command_writes_difficulty_tags_key_points_and_provenance_back(loaded, tmp_path):
    question = Question.objects.get(prompt_md="What is Logistic Regression?")
    question.answer_md = "A linear classifier of log-odds.\n\nKey points:\n- log-odds\n- linear"
    question.difficulty = "hard"
    question.provenance, question.provenance_by = "reviewed", "bank editors"
    question.provenance_on = datetime.date(2026, 11, 30)
    question.save()
    call_command("export_markdown", str(tmp_path), stdout=StringIO())
    text = (tmp_path / question.source_path).read_text()
    assert "### [H] What is Logistic Regression?\n" in text
    assert "- linear\n\n<!-- provenance: reviewed; by: bank editors; date: 2026-11-30 -->\n" in text
    again = {q.key: q for f in importer.parse_bank(read_sources(tmp_path)).files for q in f.questions}
    back = again[question.key]
    assert (back.answer_md, back.key_points, back.difficulty) == (
        question.answer_md,
        ["log-odds", "linear"],
        "hard",
    )
    assert back.provenance == ProvenanceNote("reviewed", "bank editors", datetime.date(2026, 11, 30))
