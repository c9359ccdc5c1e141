"""The markdown importer: four formats, their traps, stable keys, and the committed fixture."""

import functools
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError

from quiz import bank_imports, content_report, importer
from quiz.importer import read_sources
from quiz.importer.common import Code, chunks
from quiz.importer.general import parse_general
from quiz.models import Question, Section

BANK = Path(settings.QUESTION_BANK_DIR)
CONTENT = Path(settings.BASE_DIR) / "fixtures" / "content.json"


def qna(text: str, path: str = "MLE_Interview_QnA/PythonQnA.md") -> importer.SourceFile:
    return importer.parse_general(text, path, "Python QnA")


def chapter(
    text: str, path: str = "Chips_Machine_Learning_Interviews_Book/chapter7.md"
) -> importer.SourceFile:
    return importer.parse_chapter(text, path)


def by_prompt(source: importer.SourceFile) -> dict[str, importer.ParsedQuestion]:
    return {q.prompt_md: q for q in source.questions}


@pytest.fixture(scope="module")
def bank() -> importer.ParsedBank:
    return importer.parse_bank(read_sources(BANK))


# -- QnA files --


def test_qna_python_comments_in_code_fences_are_not_headings():
    source = qna(
        "# Python for DS\n\n## Basics\n\n### What is a loop?\n```python\n# Sample data\nfor i in range(3):\n"
        "    print(i)\n```\n---\n### What is a dict?\nA mapping.\n"
    )
    assert [s.title for s in source.sections] == ["Python QnA", "Basics"]
    loop = by_prompt(source)["What is a loop?"]
    assert "# Sample data" in loop.answer_md
    assert loop.answer_md.endswith("```")


def test_qna_headings_ending_in_colon_stay_in_the_answer():
    source = qna(
        "## What is a CNN?\nA network.\n\n### Main Components of a CNN:\n#### 1. Convolution\n- filters\n"
    )
    (question,) = source.questions
    assert "### Main Components of a CNN:" in question.answer_md
    assert "#### 1. Convolution" in question.answer_md
    assert len(source.sections) == 1


def test_qna_topic_headings_become_sections_and_own_the_questions_after_them():
    source = qna(
        "# DS Interview QnA\n## What is XGBoost?\nBoosting.\n# Dara preprocessing\n## What is scaling?\nIt.\n"
    )
    assert [(s.key, s.title) for s in source.sections] == [
        ("python-qna", "Python QnA"),
        ("python-qna/dara-preprocessing", "Dara preprocessing"),
    ]
    questions = by_prompt(source)
    assert questions["What is XGBoost?"].section == "python-qna"
    assert questions["What is scaling?"].section == "python-qna/dara-preprocessing"
    assert questions["What is scaling?"].source_line == 5


def test_qna_separators_are_not_part_of_answers():
    source = qna("### What is RAG?\n- retrieval\n---\n\n### What is memory?\nState.\n\n---\n")
    assert [q.answer_md for q in source.questions] == ["- retrieval", "State."]


def test_qna_question_heading_without_text_is_an_error():
    with pytest.raises(importer.ContentError, match=r"^MLE_Interview_QnA/PythonQnA.md:3: question heading"):
        qna("## Pandas\n\n### ?\nSome answer.\n")


# -- Chip Huyen's chapters --


def test_chapter_not_answered_empty_fence_and_no_fence_mean_no_answer():
    source = chapter(
        "## Chapter 7. Computer Science\n### 7.1 Basics\n"
        "1. [E] Answered?\n```text\nYes, **this**.\n```\n"
        "2. [M] Not answered?\n```text\nNOT ANSWERED\n```\n"
        "3. [H] Empty fence?\n```text\n\n```\n"
        "4. [M] No fence at all?\n"
    )
    assert [(q.prompt_md, q.answer_md, q.difficulty) for q in source.questions] == [
        ("Answered?", "Yes, **this**.", "easy"),
        ("Not answered?", "", "medium"),
        ("Empty fence?", "", "hard"),
        ("No fence at all?", "", "medium"),
    ]


def test_chapter_untagged_item_titles_the_group_whose_numbering_restarts():
    source = chapter(
        "### 7.1 Basics\n1. [E] Explain learning.\n\n2. Empirical risk minimization.\n"
        "1. [E] What's the risk?\n2. [E] Why is it empirical?\n"
    )
    assert [(q.group_title, q.prompt_md) for q in source.questions] == [
        ("", "Explain learning."),
        ("Empirical risk minimization.", "What's the risk?"),
        ("Empirical risk minimization.", "Why is it empirical?"),
    ]
    assert source.questions[1].key.startswith("chapter7/empirical-risk-minimization-whats-the-risk-")


def test_chapter_item_continuing_the_outer_numbering_ends_the_group():
    # Child 3 of group 2 and outer item 3 share a number; what follows decides (chapter7.md, 7.1).
    source = chapter(
        "2. Empirical risk minimization.\n1. [E] Risk?\n2. [E] Empirical?\n3. [E] Minimize?\n\n"
        "3. [E] Occam's razor?\n4. [E] Deep learning?\n"
    )
    groups = {q.prompt_md: q.group_title for q in source.questions}
    assert groups["Minimize?"] == "Empirical risk minimization."
    assert groups["Occam's razor?"] == ""
    assert groups["Deep learning?"] == ""


def test_chapter_later_numbering_ends_an_ambiguous_group():
    # chapter5.md: "3." after children 1-2 of group 2 is outer, as "6. Norms and metrics" later shows
    # (upstream also has a blank line before it; the numbering alone decides).
    source = chapter(
        "2. Outer product\n1. [E] Calculate it?\n2. [M] Useful in ML?\n"
        "3. [E] Linearly independent?\n4. [M] Same basis?\n5. [M] Span?\n"
        "6. Norms and metrics\n1. [E] A norm?\n"
    )
    groups = {q.prompt_md: q.group_title for q in source.questions}
    assert groups == {
        "Calculate it?": "Outer product",
        "Useful in ML?": "Outer product",
        "Linearly independent?": "",
        "Same basis?": "",
        "Span?": "",
        "A norm?": "Norms and metrics",
    }


def test_chapter_heading_becomes_a_chapter_title():
    source = chapter(
        "## 5 Math\n\n### 5.1.1 Vectors\n", path="Chips_Machine_Learning_Interviews_Book/chapter5.md"
    )
    assert [(s.key, s.title, s.source_line) for s in source.sections] == [
        ("chapter5", "Chapter 5. Math", 1),
        ("chapter5/5-1-1-vectors", "5.1.1 Vectors", 3),
    ]


def test_chapter_empty_heading_makes_no_section_and_is_reported():
    source = chapter(
        "## Chapter 6. Computer Science\n\n###\n\n", path="Chips_Machine_Learning_Interviews_Book/chapter6.md"
    )
    assert [s.title for s in source.sections] == ["Chapter 6. Computer Science"]
    assert source.questions == []
    assert [(n.line, n.kind) for n in source.notes] == [(3, "empty-heading")]


def test_chapter_tag_without_question_text_is_an_error():
    with pytest.raises(importer.ContentError, match=r"chapter7.md:3: \[M\] question has no text"):
        chapter("### 7.1 Basics\n1. [E] Fine?\n3. [M]\n")


# -- the case study --


def test_case_study_items_with_and_without_answers_under_sections():
    source = importer.parse_general(
        "# Company A Questions and Answers (beta)\n\n### Machine Learning\n1. Describe learning.\n"
        "2. How would you bootstrap?\n\nUse it as a feature extractor:\n\n"
        "* Train it.\n* Extract features.\n\n"
        "1. Let a dataset with thousands of features.\n10. Where should we use ReLU?\n\nHidden layers.\n"
        "### Data Structures\n21. What does python use for dictionaries?\n\nHash maps\n\n",
        "MLE_Interview_QnA/case_study_company_A.md",
        "Case Study - Company A QnA",
    )
    assert [(q.section, q.prompt_md, q.answer_md, q.source_line) for q in source.questions] == [
        ("case-study-company-a-qna/machine-learning", "Describe learning.", "", 4),
        (
            "case-study-company-a-qna/machine-learning",
            "How would you bootstrap?",
            "Use it as a feature extractor:\n\n* Train it.\n* Extract features.",
            5,
        ),
        ("case-study-company-a-qna/machine-learning", "Let a dataset with thousands of features.", "", 12),
        ("case-study-company-a-qna/machine-learning", "Where should we use ReLU?", "Hidden layers.", 13),
        (
            "case-study-company-a-qna/data-structures",
            "What does python use for dictionaries?",
            "Hash maps",
            17,
        ),
    ]
    assert {q.difficulty for q in source.questions} == {"unrated"}


# -- duplicates and keys --


def test_duplicate_questions_merge_keeping_the_fuller_answer_and_are_reported():
    source = qna(
        "## Pandas\n### What are window functions?\n- short\n---\n"
        "### What are  window functions?\n- short\n- and the example\n"
    )
    (question,) = source.questions
    assert question.answer_md == "- short\n- and the example"
    assert question.source_line == 5
    assert [(n.line, n.kind) for n in source.notes] == [(2, "duplicate-question")]
    assert content_report.summarize(importer.ParsedBank([source]))[0].merged == 1


QNA = {
    "a": "### What is encapsulation?\nBundling.\n",
    "b": "### What is inheritance?\nReuse.\n",
    "c": "### What is polymorphism?\nMany forms.\n",
}


def keys(text: str) -> dict[str, str]:
    return {q.prompt_md: q.key for q in qna("## OOP concepts\n" + text).questions}


def test_question_keys_survive_reordering():
    assert keys(QNA["a"] + QNA["b"] + QNA["c"]) == keys(QNA["c"] + QNA["a"] + QNA["b"])


def test_question_keys_survive_edits_to_other_questions():
    before = keys(QNA["a"] + QNA["b"] + QNA["c"])
    after = keys(QNA["a"] + "### What is multiple inheritance?\nMore than one parent.\n" + QNA["c"])
    assert after["What is encapsulation?"] == before["What is encapsulation?"]
    assert after["What is polymorphism?"] == before["What is polymorphism?"]


def test_question_keys_are_short_and_readable():
    key = importer.question_key("python-qna", "", "What’s the difference between `.loc[]` and " + "x" * 300)
    assert len(key) <= 200
    assert re.fullmatch(r"python-qna/whats-the-difference-between-loc-and-x+-[0-9a-f]{8}", key)


# -- bad input reaches the command as path:line --


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        (
            "PythonQnA.md",
            b"## Pandas\n### What?\ncaf\xe9\n",
            "MLE_Interview_QnA/PythonQnA.md:3: not UTF-8",
        ),
        ("PythonQnA.md", b"### What?\n```python\nx = 1\n", "MLE_Interview_QnA/PythonQnA.md:2: code fence"),
        ("PythonQnA.md", b"\x89PNG\r\n\x1a\n\x00\x00", "MLE_Interview_QnA/PythonQnA.md:1: not UTF-8"),
        ("PythonQnA.md", b"### What?\nA\x00B\n", "MLE_Interview_QnA/PythonQnA.md:2: binary"),
        ("PythonQnA.md", b"### What?\n" + b"x" * 10_000_000, "MLE_Interview_QnA/PythonQnA.md:2: line longer"),
        ("PythonQnA.md", b"### What?\n" + b"- " * 600 + b"x", "MLE_Interview_QnA/PythonQnA.md:2: lists or"),
    ],
)
def test_build_fixtures_reports_bad_input_with_file_and_line_and_writes_nothing(
    tmp_path, name, content, where
):
    (tmp_path / "MLE_Interview_QnA").mkdir()
    (tmp_path / "MLE_Interview_QnA" / name).write_bytes(content)
    output = tmp_path / "content.json"
    with pytest.raises(CommandError, match=re.escape(where)):
        call_command("build_fixtures", source=tmp_path, output=output, stdout=StringIO())
    assert not output.exists()


def test_bank_readme_link_texts_title_the_root_sections():
    built = importer.parse_bank(
        {
            "README.md": (
                "1. [Python QnA](MLE_Interview_QnA/PythonQnA.md)\n2. [MLOps QnA]()\n3. [Agentic AI QnA]()\n"
            ),
            "MLE_Interview_QnA/AgenticAIQnA.md": "# Agentic AI\n### What is an agent?\nA loop.\n",
            "MLE_Interview_QnA/PythonQnA.md": "# Python for DS/MLE\n### What is a thread?\nA unit.\n",
        }
    )
    assert [(f.root.key, f.root.title) for f in built.files] == [
        ("python-qna", "Python QnA"),
        ("agentic-ai-qna", "Agentic AI QnA"),
    ]
    assert [(n.path, n.line, n.kind) for n in built.notes] == [("README.md", 2, "missing-file")]


# -- findings --


def test_findings_report_python_that_does_not_compile_and_stripped_math():
    source = qna("### Given a vector , what is ?\n```python\ndef f():\nreturn 1\n```\n")
    kinds = [f.kind for f in content_report.content_findings(importer.ParsedBank([source]))]
    editorial = {"unrated", "key-points", "not-reviewed"}  # what the editors owe it besides
    assert [kind for kind in kinds if kind not in editorial] == ["code-does-not-compile", "stripped-math"]


def test_the_bundled_bank_owes_its_editors_nothing(bank):
    # Every question answered, rated, with key points, reviewed or written here; no stripped maths, no lost
    # nesting, no code that does not compile, no index link to nowhere (issue 12's definition of done).
    assert [str(f) for f in content_report.content_findings(bank)] == []


# -- the real bank --


# Every question of the bundled bank carries a difficulty tag and every answer one provenance comment: counted
# straight from the files, they are what the importer must find.
TAGGED_QUESTION_RE = re.compile(r"^(?:#{2,6} |\d+\. )\[[EMH]\] ", re.MULTILINE)
FOLLOW_UP_RE = re.compile(r"^#{2,6} Follow-up: \[[EMH]\] ", re.MULTILINE)


def expected_counts(path: str) -> tuple[int, int, int, int]:
    """A file's questions and follow-ups (each tagged with its difficulty) and the answered ones (each has
    its provenance line)."""
    text = (BANK / path).read_text()
    tagged = len(TAGGED_QUESTION_RE.findall(text)) + len(FOLLOW_UP_RE.findall(text))
    questions, answered = tagged, text.count("<!-- provenance:")
    return questions, answered, questions - answered, 0


def test_bank_counts_per_file(bank):
    rows = content_report.summarize(bank)
    counts = {s.path: (s.questions, s.answered, s.unanswered, s.merged) for s in rows}
    assert counts == {path: expected_counts(path) for path in counts}
    assert sum(questions for questions, *_ in counts.values()) > 0
    assert {s.path for s in rows if s.layout == "index"} == {
        "Chips_Machine_Learning_Interviews_Book/ml-interviews-book.md",
        "README.md",
    }
    assert all(s.ignored == 0 and s.coverage == 100.0 for s in rows)


def test_bank_root_sections_are_titled_from_the_readme_and_chapter_headings(bank):
    assert [(f.root.key, f.root.title) for f in bank.files] == [
        ("python-qna", "Python QnA"),
        ("data-science-qna", "Data Science QnA"),
        ("agentic-ai-qna", "Agentic AI QnA"),
        ("case-study-company-a-qna", "Case Study - Company A QnA"),
        ("chapter5", "Chapter 5. Math"),
        ("chapter7", "Chapter 7. Machine Learning Workflows"),
    ]


def test_bank_every_python_block_compiles(bank):
    blocks = 0
    for path in sorted(BANK.rglob("*.md")):
        for match in re.finditer(r"^```python\n(.*?)^```", path.read_text(), re.MULTILINE | re.DOTALL):
            line = path.read_text()[: match.start()].count("\n") + 1
            compile(match[1], f"{path}:{line}", "exec")
            blocks += 1
    # Every block the file scan found is one the importer put into an answer, and the other way round.
    in_answers = sum(
        1
        for source in bank.files
        for question in source.questions
        for chunk in chunks(question.answer_md, "answer")
        if isinstance(chunk, Code) and chunk.lang == "python"
    )
    assert blocks == in_answers > 0


def test_fixture_records_use_natural_keys_and_rendered_html(bank):
    records = importer.fixture_records(bank)
    assert all("pk" not in r for r in records)
    question = next(r["fields"] for r in records if r["model"] == "quiz.question")
    assert question["section"] == ["python-qna/oop-concepts"]
    assert question["prompt_html"] == "<p>What is encapsulation in OOP?</p>"
    assert "<h4>In Python:</h4>" in question["answer_html"]
    assert question["imported_answer_md"] == question["answer_md"]
    keys = [r["fields"]["key"] for r in records]
    assert len(keys) == len(set(keys))


def test_committed_content_json_matches_a_rebuild():
    """content.json is each bank folder's bank record and rows, the banks by slug."""
    call_command("build_fixtures", check=True, stdout=StringIO())
    expected = []
    for slug, folder in bank_imports.folder_banks(settings.BANKS_DIR):
        sources = read_sources(folder)
        version = bank_imports.bank_version(sources)
        expected += bank_imports.bank_records(slug, importer.parse_bank(sources), version)
    assert CONTENT.read_bytes() == importer.dump_fixture(expected).encode()


def test_build_fixtures_writes_the_same_bytes_twice(tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    call_command("build_fixtures", output=first, stdout=StringIO())
    call_command("build_fixtures", output=second, stdout=StringIO())
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().endswith(b"}\n]\n")


def test_build_fixtures_check_fails_on_a_stale_file_and_leaves_it_alone(tmp_path):
    stale = tmp_path / "content.json"
    stale.write_text("[]\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("build_fixtures", output=stale, check=True, stdout=StringIO())
    assert stale.read_text() == "[]\n"


def test_build_fixtures_prints_the_summary_and_report(tmp_path):
    out = StringIO()
    call_command("build_fixtures", output=tmp_path / "c.json", verbose=True, stdout=out)
    text = out.getvalue()
    chapter7 = "Chips_Machine_Learning_Interviews_Book/chapter7.md"
    assert re.search(r"chapter7\.md\s+{}\s+{}\s+{}\s+{}".format(*expected_counts(chapter7)), text)
    totals = [sum(column) for column in zip(*(expected_counts(p) for p in read_sources(BANK)), strict=True)]
    assert re.search(r"total\s+{}\s+{}\s+{}\s+{}".format(*totals), text)
    assert "Content report\n  nothing to report\n" in text


# -- every layout, from tests/banks/layouts (our own text in each shape) --

LAYOUTS = Path(__file__).parent / "banks" / "layouts"


@pytest.fixture(scope="module")
def layouts() -> dict[str, importer.SourceFile]:
    return {source.path: source for source in importer.parse_bank(read_sources(LAYOUTS)).files}


def asked(source: importer.SourceFile) -> list[tuple]:
    return [(q.source_line, q.prompt_md, q.answer_md, q.difficulty) for q in source.questions]


def ignored(source: importer.SourceFile) -> list[tuple[int, str]]:
    return [(n.line, n.message) for n in source.notes if n.kind == "ignored"]


def test_layout_question_headings_whatever_their_ending(layouts):
    source = layouts["headings.md"]
    assert asked(source) == [
        (8, "Why normalise inputs?", "", "unrated"),  # only the contents name it
        (
            12,
            "Explain what a tensor is",
            "A tensor is an n-dimensional array.\n\n#### Shapes:\nEach axis has a length.",
            "unrated",
        ),
        (
            19,
            "Describe broadcasting.",
            r"Broadcasting stretches the smaller array, as in $a_{ij} + b_j$ and \(x_i \cdot y_i\).",
            "unrated",
        ),
        (23, "Explain dropout", "Dropout zeroes random activations during training.", "unrated"),
        (27, "What does a learning rate do?", "It scales each step.", "unrated"),
        (35, "What is momentum?", "", "medium"),
    ]
    assert [s.title for s in source.sections] == ["Question headings", "Basics", "Optimisers"]
    assert ignored(source) == [(33, "'Stray remark that belongs to no question.'")]
    assert source.lines - len(source.ignored) == 19


def test_layout_bold_lines_with_difficulty_markers(layouts):
    source = layouts["bold.md"]
    assert asked(source) == [
        (
            7,
            "What is linear regression?",
            "It fits a line by least squares:\n\n$$\n\\hat\\beta = (X^\\top X)^{-1} X^\\top y\n$$",
            "easy",
        ),
        (
            15,
            "What is regularisation?",
            "It penalises large weights.\n\n- L1 gives sparsity\n- L2 shrinks smoothly",
            "hard",
        ),
        (22, "Why scale features?", "", "medium"),
        (28, "What is a decision tree?", "", "hard"),  # "Answer here"
    ]
    assert ignored(source) == []


def test_layout_question_and_answer_pairs(layouts):
    assert asked(layouts["pairs.md"]) == [
        (3, "What is overfitting?", "Fitting noise in the training data.", "unrated"),
        (6, "What is underfitting, and how does it differ from overfitting?", "", "unrated"),
        (10, "What is a validation set?", "Held-out data for tuning.", "unrated"),
        (12, "What is a test set?", "Data used once, at the end.", "unrated"),
    ]
    assert ignored(layouts["pairs.md"]) == []


def test_layout_nested_numbered_lists_as_chip_huyens_book_keeps_them(layouts):
    source = layouts["nested.md"]
    assert source.layout == "chapter"
    assert [(q.group_title, q.prompt_md, q.difficulty) for q in source.questions] == [
        ("Dot product", "What is the dot product's geometric meaning?", "easy"),
        ("Dot product", "When is it zero?", "medium"),
        ("", "What does linear independence mean?", "easy"),
        ("Norms", "What is a norm? What is $$L_1$$?", "medium"),
        (
            "Norms",
            "How do norms and metrics differ?\n\n"
            '<center>\n<img src="images/norms.png" alt="norms">\n</center>',
            "hard",
        ),
        ("", "Given $$n$$ vectors of $$d$$ dimensions, what is the dimension of their span?", "medium"),
    ]
    assert ignored(source) == []


def test_layout_flat_lists_and_question_tables(layouts):
    source = layouts["lists.md"]
    assert asked(source) == [
        (5, "What is a p-value?", "", "unrated"),
        (6, "Explain the central limit theorem and when it fails to hold.", "", "unrated"),
        (
            8,
            "Describe two sampling methods.\n    a. Which one is unbiased?\n    b. Which one is cheaper?",
            "",
            "unrated",
        ),
        (11, "Bias of a coin.", "", "unrated"),  # most items of the list ask, so all of them do
        (17, "What is the bias of an estimator?", "", "easy"),
        (18, "Why does L1 give sparse weights?", "", "hard"),
    ]
    assert ignored(source) == [(20, "'Thanks to everyone who sent questions.'")]


def test_layout_details_blocks(layouts):
    assert asked(layouts["details.md"]) == [
        (3, "What is a confusion matrix?", "A table of predicted against actual classes.", "unrated"),
        (10, "What is recall?", "TP / (TP + FN)", "easy"),
        (14, "What is precision?", "TP / (TP + FP)", "unrated"),  # its <details> holds the answer
    ]


def test_layout_index_lines_are_used_and_title_the_files():
    bank = importer.parse_bank(read_sources(LAYOUTS))
    assert bank.indexes == {"README.md": 8}
    assert [f.root.title for f in bank.files][:2] == ["Question headings", "Bold lines"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## Basics\n\n1. Not a question here\n2. Nor here\n", "qna"),
        ("## Chapter 4. Where to start\n", "chapter"),
        ("1. [E] Why?\n```text\nBecause.\n```\n2. [M] How?\n", "chapter"),
        ("1. [M] Why?\n\nBecause the answer is a paragraph.\n\n2. [E] How?\n\nLike so.\n", "qna"),
        ("# Index\n\n- [One](one.md)\n- [Two](two.md)\n", "index"),
        ("# Index\n\n- [What is X?](one.md)\n", "qna"),
    ],
)
def test_layout_is_detected_from_the_content(text, expected):
    assert importer.detect_layout(text) == expected


def test_layout_case_study_items_with_tags_keep_their_paragraph_answers():
    text = (
        "# Case\n### ML\n1. [M] Why scale?\n\nGradients behave.\n\n2. [E] What is a label?\n\nThe target.\n"
    )
    (source,) = importer.parse_bank({"case.md": text}).files
    assert asked(source) == [
        (3, "Why scale?", "Gradients behave.", "medium"),
        (7, "What is a label?", "The target.", "easy"),
    ]


def test_a_heading_that_asks_nothing_swallows_no_question_and_its_body_is_reported():
    source = importer.parse_general(
        "# T\n### Notes\nSome notes.\n**What is X?**\nAn x.\n### More notes\n", "t.md"
    )
    assert asked(source) == [(4, "What is X?", "An x.", "unrated")]
    assert [s.title for s in source.sections] == ["T", "Notes", "More notes"]
    assert ignored(source) == [(3, "'Some notes.'")]


def test_a_file_without_questions_is_a_warning():
    bank = importer.parse_bank({"notes.md": "# Notes\n\n## Setup\nInstall it.\n"})
    assert [(n.path, n.kind) for n in bank.notes] == [("notes.md", "no-questions")]
    assert bank.files[0].coverage == pytest.approx(100 * 2 / 3)


# -- bank.toml --


def test_manifest_overrides_the_layout_and_adds_difficulty_markers(tmp_path):
    (tmp_path / "bank.toml").write_text(
        'title = "Ours"\nsource = "https://example.com/bank"\nlicence = "CC-BY-4.0"\n'
        '[difficulty]\n"🐣" = "easy"\n'
        '[files."faq.md"]\nlayout = "skip"\n'
        '[files."notes.md"]\ntitle = "Notes"\n[files."notes.md".difficulty]\n"(tricky)" = "hard"\n'
    )
    (tmp_path / "faq.md").write_text("# FAQ\n## How do I install it?\nRun make.\n")
    (tmp_path / "notes.md").write_text("# N\n**What is X? 🐣**\nAn x.\n**Why Y? (tricky)**\nY.\n")
    bank = importer.parse_bank(read_sources(tmp_path))
    assert (bank.title, bank.source, bank.licence, bank.skipped) == (
        "Ours",
        "https://example.com/bank",
        "CC-BY-4.0",
        ["faq.md"],
    )
    (notes,) = bank.files
    assert notes.root.title == "Notes"
    assert [(q.prompt_md, q.difficulty) for q in notes.questions] == [
        ("What is X?", "easy"),
        ("Why Y?", "hard"),
    ]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("title = \n", "bank.toml:1: not TOML"),
        ('[files."a.md"]\nlayout = "poem"\n', "layout is one of"),
        ('[difficulty]\n"x" = "tough"\n', "maps markers to easy, medium or hard"),
        # Longer than the bank's row holds: refused with its line, never cut short on the way in.
        (f'title = "Bank"\nlicence = "{"x" * 101}"\n', "bank.toml:2: licence is at most 100 characters"),
        (f'title = "{"t" * 201}"\n', "bank.toml:1: title is at most 200 characters"),
    ],
)
def test_a_bad_manifest_is_a_problem(manifest, message):
    with pytest.raises(importer.ContentError, match=re.escape(message)):
        importer.parse_bank({"bank.toml": manifest, "a.md": "## Why?\nBecause.\n"})


# -- build_fixtures on any bank --


def test_build_fixtures_strict_fails_on_ignored_lines_and_writes_nothing(tmp_path):
    (tmp_path / "a.md").write_text("# A\n## Why?\nBecause.\n## Topic\nStray.\n")
    output = tmp_path / "content.json"
    with pytest.raises(CommandError, match=r"a\.md:5: ignored: 'Stray\.'"):
        call_command("build_fixtures", source=tmp_path, output=output, strict=True, stdout=StringIO())
    assert not output.exists()
    out = StringIO()
    call_command("build_fixtures", source=tmp_path, output=output, stdout=out)
    assert re.search(r"a\.md\s+1\s+1\s+0\s+0\s+1\s+80\.0%\s+qna", out.getvalue())
    assert "a.md:5: ignored: 'Stray.'" in out.getvalue()


def test_the_bundled_bank_builds_strict_clean(tmp_path):
    out = StringIO()
    call_command("build_fixtures", output=tmp_path / "c.json", strict=True, stdout=out)
    assert re.search(r"total(\s+\d+){4}\s+0\s+100\.0%", out.getvalue())


def test_build_fixtures_says_when_a_file_has_no_questions(tmp_path):
    (tmp_path / "a.md").write_text("# Notes\nJust prose under a title.\n")
    out = StringIO()
    call_command("build_fixtures", source=tmp_path, output=tmp_path / "c.json", stdout=out)
    assert "a.md:1: no-questions" in out.getvalue()
    assert "nothing to report" not in out.getvalue()


def test_the_content_report_survives_python_too_deep_to_compile():
    answer = "```python\n" + "1+" * 9000 + "1\n```"
    source = importer.parse_general(f"### Why?\n{answer}\n", "a.md")
    findings = content_report.content_findings(importer.ParsedBank([source]))
    findings = [f for f in findings if f.kind not in ("unrated", "key-points", "not-reviewed")]  # editorial
    assert [f.kind for f in findings] == ["code-does-not-compile"]
    assert "cannot be checked" in findings[0].message or "too many" in findings[0].message


# -- the editors kept every key --

# The upstream dump the bank began as, kept with the tests so a fresh clone runs them on its own.
SEED = Path(__file__).parent / "data" / "seed-markdown"


def test_editing_the_bank_kept_every_questions_key(bank):
    """Rewritten answers, tags, key points, provenance and new fences: history and schedules hang on keys,
    so only prompts whose maths the dump had stripped (restored since) may have new ones."""
    seed = importer.parse_bank(read_sources(SEED))
    stripped = {
        key
        for key, found in content_report.findings_by_question_key(seed).items()
        if any(f.kind == "stripped-math" for f in found)
    }

    def words(prompt: str) -> str:  # a prompt as the dump would have left it: maths gone, spacing loose
        return " ".join(re.sub(r"\$[^$]*\$|\s+(?=[,.;:?!])", "", prompt).split()).casefold()

    restored = {words(q.prompt_md) for f in bank.files for q in f.questions if "$" in q.prompt_md}
    restored_keys = {q.key for f in seed.files for q in f.questions if words(q.prompt_md) in restored}
    now = {q.key for f in bank.files for q in f.questions}
    lost = {q.key for f in seed.files for q in f.questions} - now
    assert lost and lost <= stripped | restored_keys


def seen_questions(bank: importer.ParsedBank) -> list[tuple]:
    return [
        (q.key, q.answer_md, q.difficulty, q.provenance, q.key_points)
        for f in bank.files
        for q in f.questions
    ]


def test_maths_is_kept_as_written_and_its_lines_are_never_structure():
    block = (
        "$$\nL = \\sum_i (y_i - \\hat y_i)^2\n+ \\lambda \\|w\\|_2^2\n1. \\text{not an item}\n"
        "# not a heading\n$$"
    )
    text = (
        f"# T\n\n1. What is ridge?\n\nIt adds $\\lambda \\|w\\|^2$ to the loss:\n\n{block}\n\n"
        "2. What is lasso? \\(\\|w\\|_1\\)\n\n\\[\n- \\lambda\n\\]\n"
    )
    source = importer.parse_general(text, "a.md")
    assert [(q.prompt_md, q.answer_md) for q in source.questions] == [
        (
            "What is ridge?",
            f"It adds $\\lambda \\|w\\|^2$ to the loss:\n\n{block}",
        ),
        ("What is lasso? \\(\\|w\\|_1\\)", "\\[\n- \\lambda\n\\]"),
    ]
    assert source.ignored == []


def test_a_reading_list_of_other_pages_asks_nothing_and_is_reported():
    source = importer.parse_general(
        "# Reading\n\n## Links\n\n* [How to prepare for X?](https://example.com/x)\n"
        "* [Why Y?](https://example.com/y) by Z\n",
        "r.md",
    )
    assert source.questions == []
    assert ignored(source) == [(5, "2 lines from '* [How to prepare for X?](https://example.com/x)'")]


def test_files_titled_alike_keep_apart_by_their_paths():
    heading = "# Vectors\n## What is a vector?\nAn arrow.\n"
    bank = importer.parse_bank({"contents/vectors.md": heading, "translation/fa/vectors.md": heading})
    assert [f.root.key for f in bank.files] == ["vectors", "translation-fa-vectors"]
    keys = [q.key for f in bank.files for q in f.questions]
    assert keys[1].startswith("translation-fa-vectors/what-is-a-vector-") and len(set(keys)) == 2
    assert [(n.path, n.kind) for n in bank.notes] == [("translation/fa/vectors.md", "duplicate-file-key")]


def test_display_maths_under_a_chapter_item_is_part_of_its_prompt():
    text = (
        "## Chapter 9. X\n\n1. [E] Solve for $x$:\n\n$$\nx^2 = 4\n# not a heading\n$$\n\n"
        "2. [M] Is $$a$$ or $$b$$ larger?\n"
    )
    (source,) = importer.parse_bank({"chapter9.md": text}).files
    assert [q.prompt_md for q in source.questions] == [
        "Solve for $x$:\n\n$$\nx^2 = 4\n# not a heading\n$$",
        "Is $$a$$ or $$b$$ larger?",
    ]
    assert source.ignored == []


def test_a_rebuild_takes_rendered_html_from_the_cache_until_the_markdown_or_the_renderer_changes(tmp_path):
    source, output, cache = tmp_path / "bank", tmp_path / "content.json", tmp_path / "rendered.json"
    (source / "MLE_Interview_QnA").mkdir(parents=True)
    qna = source / "MLE_Interview_QnA" / "PythonQnA.md"
    qna.write_text("# Python\n### What is a list?\nA **mutable** sequence.\n")
    build = functools.partial(call_command, "build_fixtures", source=source, output=output, cache=cache)
    build(stdout=StringIO())
    fresh = output.read_text()
    stored = json.loads(cache.read_text())
    assert any("<strong>mutable</strong>" in html for html in stored["html"].values())
    # The cache is what a rebuild uses: an entry changed by hand shows up in the output.
    stored["html"] = {key: html.replace("mutable", "cached") for key, html in stored["html"].items()}
    cache.write_text(json.dumps(stored))
    build(stdout=StringIO())
    assert "<strong>cached</strong>" in output.read_text()
    # Edited markdown is rendered again; so is everything once the renderer differs.
    qna.write_text("# Python\n### What is a list?\nA **growable** sequence.\n")
    build(stdout=StringIO())
    assert "<strong>growable</strong>" in output.read_text()
    cache.write_text(json.dumps({**stored, "renderer": "an older renderer"}))
    qna.write_text("# Python\n### What is a list?\nA **mutable** sequence.\n")
    build(stdout=StringIO())
    assert output.read_text() == fresh


# Each file read on its own (the layout tests share one parse per module)


def asked_text(text: str) -> list[tuple]:
    return [
        (q.source_line, q.prompt_md, q.answer_md, q.difficulty) for q in parse_general(text, "t.md").questions
    ]


def test_a_question_table_with_an_answer_column_imports_every_row_with_its_answer_and_level():
    text = (
        "# Stats\n\n"
        "| Question | Level | Answer |\n"
        "| --- | --- | --- |\n"
        "| What is a p-value? | Fundamental | The chance of data this extreme under the null. |\n"
        "| Why does L1 give sparse weights? | Advanced | Its corners sit on the axes. |\n"
        "| What is a prior? | | |\n"
    )
    assert asked_text(text) == [
        (5, "What is a p-value?", "The chance of data this extreme under the null.", "easy"),
        (6, "Why does L1 give sparse weights?", "Its corners sit on the axes.", "hard"),
        (7, "What is a prior?", "", "unrated"),
    ]


def test_an_answer_in_details_keeps_a_details_block_nested_inside_it():
    text = (
        "# Metrics\n\n"
        "1. What is recall?\n"
        "<details><summary>Answer</summary>\n\n"
        "TP / (TP + FN), with <details><summary>Why</summary>a nested note</details> inside.\n\n"
        "</details>\n\n"
        "2. What is precision?\n"
    )
    assert asked_text(text) == [
        (
            3,
            "What is recall?",
            "TP / (TP + FN), with <details><summary>Why</summary>a nested note</details> inside.",
            "unrated",
        ),
        (10, "What is precision?", "", "unrated"),
    ]


def test_a_banks_fixture_loads_every_section_and_question_where_the_markdown_has_them(db):
    bank = importer.parse_bank(importer.read_sources(Path(__file__).parent / "banks" / "layouts"))
    for record in serializers.deserialize("json", importer.dump_fixture(importer.fixture_records(bank))):
        record.save()
    parsed_sections = [s for f in bank.files for s in f.sections]
    parsed = [q for f in bank.files for q in f.questions]
    assert list(Section.objects.values_list("key", flat=True)) == [
        s.key for s in parsed_sections
    ]  # bank order
    loaded = {q.key: q for q in Question.objects.all()}
    assert sorted(loaded) == sorted(q.key for q in parsed)
    for q in parsed:
        row = loaded[q.key]
        assert (row.source_path, row.source_line, row.answer_md, row.difficulty) == (
            q.source_path,
            q.source_line,
            q.answer_md,
            q.difficulty,
        )
