"""An uploaded bank goes back out as it came in: each file under its own path, in its own layout
(question headings, Q/A pairs, bold lines, numbered or bulleted items, details blocks, a chapter), and reading
the export gives back the same questions, answers, difficulties, follow-ups, key points and hints (issue 21,
item 12).

The bank is tests/banks/export-layouts: one file per layout, with long answers, code, maths and tables."""

import difflib
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from quiz import bank_imports, exporter, importer
from quiz.importer import read_sources
from quiz.models import Bank, BankUpload, Question
from quiz.models.hints import gist

SHELF = Path(__file__).parent / "banks" / "export-layouts"
PAIRS = "theory/probability-pairs.md"
DETAILS = "practice/evaluation-details.md"
BOLD = "theory/deep-learning-bold.md"
NUMBERED = "practice/case-study-numbered.md"


@pytest.fixture(scope="module")
def sources() -> dict[str, bytes]:
    return read_sources(SHELF)


@pytest.fixture(scope="module")
def uploaded(sources) -> importer.ParsedBank:
    return importer.parse_bank(sources)


def content(bank: importer.ParsedBank) -> dict[str, list[tuple]]:
    """Per file: each question's section, prompt, answer, difficulty, the prompt it follows up, key points
    and hints (the gists of its key points), in order."""
    out = {}
    for source in bank.files:
        titles = {s.key: s.title for s in source.sections}
        prompts = {q.key: q.prompt_md for q in source.questions}
        out[source.path] = [
            (
                titles[q.section],
                q.prompt_md,
                q.answer_md,
                q.difficulty,
                prompts.get(q.parent),
                q.key_points,
                [gist(point) for point in q.key_points],
            )
            for q in source.questions
        ]
    return out


def styles(bank: importer.ParsedBank) -> dict[str, str]:
    return {source.path: source.style for source in bank.files}


def exported_zip(client, slug: str) -> dict[str, bytes]:
    response = client.get("/questions/export/", {"bank": slug, "format": "md"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_shelf_holds_one_file_of_each_layout_with_realistic_answers(uploaded):
    assert sorted(styles(uploaded).values()) == sorted(exporter.WRITERS)
    answers = [q.answer_md for source in uploaded.files for q in source.questions]
    assert any("```python" in a for a in answers) and any("$$" in a for a in answers)
    assert any("|---|" in a for a in answers) and max(len(a) for a in answers) > 900
    assert all(source.questions for source in uploaded.files)


# -- the export of the parsed files --


def test_each_file_comes_back_in_its_layout_under_its_path(uploaded):
    again = importer.parse_bank(exporter.export_bank(uploaded))
    assert styles(again) == styles(uploaded)
    assert content(again) == content(uploaded)
    assert exporter.round_trip_problems(uploaded) == []


@pytest.mark.parametrize(
    "path,looks_like",
    [
        (
            PAIRS,
            "Q: [M] Why does the central limit theorem fail for the Cauchy distribution?\nA: The theorem",
        ),
        (PAIRS, "Follow-up: [H] What does the median of those draws do?\nA: It converges"),
        (BOLD, "\n**[M] What does a residual connection buy a deep network?**\n\n"),
        ("practice/behavioural-bulleted.md", "\n- [M] How do you explain a model's failure to someone"),
        ("practice/behavioural-bulleted.md", "\n\n  Key points:\n  - the situation and both positions\n"),
        (NUMBERED, "\n2. [M] Which features would you build from viewing logs?\n"),
        (DETAILS, "<details>\n<summary>[M] Why can ROC AUC look good on a heavily imbalanced problem?"),
        ("practice/chapter9.md", "\n2. Bayes' rule\n1. [M] A test is 99% sensitive"),
        (
            "theory/optimisation-and-regularisation-asked-as-headings.md",
            "\n### [M] Why does Adam need bias correction in its first steps?\n",
        ),
    ],
)
def test_the_export_writes_each_question_as_its_file_asks_it(uploaded, path, looks_like):
    assert looks_like in exporter.export_bank(uploaded)[path]
    assert "### Q:" not in exporter.export_bank(uploaded)[path]


def test_an_unchanged_file_reads_close_to_the_uploaded_one(sources, uploaded):
    """Not byte for byte (difficulty markers become tags; numbering, nesting and blank lines follow one
    layout), but most of each file's lines are the uploaded ones, many more than a rewrite as question
    headings (the export before) keeps."""
    exported = exporter.export_bank(uploaded, index=False)

    def similarity(before: str, after: str) -> float:
        return difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False).ratio()

    for source in uploaded.files:
        upload = sources[source.path].decode()
        kept, as_headings = (
            similarity(upload, exported[source.path]),
            similarity(upload, exporter.export_qna(source)),
        )
        assert kept > 0.7, (source.path, kept)
        assert kept > as_headings or source.style == "headings", (source.path, kept, as_headings)


def test_the_exported_bank_toml_keeps_the_banks_title_source_and_licence(uploaded):
    manifest = importer.read_manifest(exporter.export_bank(uploaded)[importer.MANIFEST])
    assert (manifest.title, manifest.source, manifest.licence) == (
        "Shelf of layouts",
        "https://example.com/shelf-of-layouts",
        "CC BY 4.0",
    )


def test_a_file_whose_answer_would_break_its_layout_is_written_in_its_layout_before(uploaded):
    """An answer in a file of bold questions holding a bold question of its own would come back as two
    questions: the file is written with question headings instead (as every file was before), and nothing
    is lost."""
    bold = next(source for source in uploaded.files if source.path == BOLD)
    answer = bold.questions[1].answer_md
    bold.questions[
        1
    ].answer_md = f"**Why not layer normalisation?**\n\nIt normalises per example.\n\n{answer}"
    try:
        text, rule = exporter.write_file(bold)
        assert "\n### Why does batch normalisation speed up training?\n**Why not layer" in text
        again = importer.parse_file(text, BOLD, rule or importer.detect_layout(text), bold.root.title)
        assert [q.answer_md for q in again.questions] == [q.answer_md for q in bold.questions]
    finally:
        bold.questions[1].answer_md = answer


def test_a_summary_that_would_close_its_details_block_cannot_inject_markup(uploaded):
    details = next(source for source in uploaded.files if source.path == DETAILS)
    prompt = details.questions[2].prompt_md
    details.questions[2].prompt_md = "What is recall?</summary></details><script>alert(1)</script>"
    try:
        text, rule = exporter.write_file(details)
        assert "<details>" not in text  # written as headings: the prompt is one heading's text again
        again = importer.parse_file(text, DETAILS, rule or importer.detect_layout(text), details.root.title)
        assert again.questions[2].prompt_md == details.questions[2].prompt_md
    finally:
        details.questions[2].prompt_md = prompt


# -- an uploaded bank, from the database --


def import_shelf(sources) -> Bank:
    bank_imports.import_bank("shelf", sources, reason="test", by="grace")
    return Bank.objects.get(slug="shelf")


def test_the_import_keeps_each_files_layout_on_the_bank(db, sources, uploaded):
    assert import_shelf(sources).file_styles == styles(uploaded)


def test_import_export_import_gives_the_same_bank(client_in, sources, uploaded):
    import_shelf(sources)
    files = exported_zip(client_in, "shelf")
    assert sorted(files) == sorted([*styles(uploaded), importer.MANIFEST, exporter.INDEX_PATH])
    again = importer.parse_bank(files)
    assert styles(again) == styles(uploaded)
    assert content(again) == content(uploaded)
    # The import credits the answers to whoever imported them; the export says so, and a re-import keeps it.
    assert {q.provenance.by for source in again.files for q in source.questions if q.answer_md} == {"grace"}
    rows = Question.objects.filter(section__bank__slug="shelf", retired=False)
    assert sorted(f"shelf/{q.key}" for source in again.files for q in source.questions) == sorted(
        rows.values_list("key", flat=True)
    )


def test_an_edited_answer_goes_out_in_its_files_layout(client_in, sources):
    import_shelf(sources)
    question = Question.objects.get(prompt_md="What is a confidence interval?")
    question.answer_md = (
        "A range built so that 95% of such ranges, over repeated samples, contain the true value:\n\n"
        "$$\n\\bar x \\pm 1.96 \\frac{s}{\\sqrt n}\n$$\n\nKey points:\n- it is about the procedure\n"
        "- not a probability for this one interval"
    )
    question.difficulty = "medium"
    question.save()
    text = exported_zip(client_in, "shelf")[PAIRS].decode()
    assert "\nQ: [M] What is a confidence interval?\nA: A range built so that 95%" in text
    again = {q.prompt_md: q for f in importer.parse_bank({PAIRS: text}).files for q in f.questions}
    back = again["What is a confidence interval?"]
    assert (back.answer_md.split("\n\n<!--")[0], back.difficulty) == (question.answer_md, "medium")
    assert back.key_points == ["it is about the procedure", "not a probability for this one interval"]


def test_a_bank_imported_before_layouts_were_kept_exports_as_before(client_in, sources, uploaded):
    Bank.objects.filter(pk=import_shelf(sources).pk).update(file_styles={})
    files = exported_zip(client_in, "shelf")
    assert (
        files[PAIRS]
        .decode()
        .startswith(
            "# Probability, question and answer\n\n## Distributions\n\n### What is the expected value"
        )
    )
    again = importer.parse_bank(files)
    assert content(again) == content(uploaded)


def test_the_command_writes_an_uploaded_bank_in_its_layouts(db, tmp_path, sources, uploaded):
    import_shelf(sources)
    out = StringIO()
    call_command("export_markdown", str(tmp_path), "--bank", "shelf", stdout=out, stderr=out)
    assert "WARNING" not in out.getvalue()
    again = importer.parse_bank(read_sources(tmp_path))
    assert styles(again) == styles(uploaded) and content(again) == content(uploaded)


@pytest.mark.django_db(transaction=True)  # the worker closes the connection, as a real one does
def test_a_bank_uploaded_in_the_browser_keeps_its_layouts(staff_user, client, sources, uploaded):
    client.force_login(staff_user)
    archive = SimpleUploadedFile("shelf.zip", bank_imports.zip_bytes(sources), content_type="application/zip")
    client.post("/banks/upload/", {"files": archive, "slug": "shelf"})
    upload = BankUpload.objects.get()
    client.post(f"/banks/uploads/{upload.pk}/import/")
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0, stdout=StringIO())
    upload.refresh_from_db()
    assert upload.status == BankUpload.Status.DONE, upload.result
    again = importer.parse_bank(exported_zip(client, upload.bank.slug))
    assert styles(again) == styles(uploaded) and content(again) == content(uploaded)


def test_a_list_answer_holding_a_numbered_list_is_written_with_headings_not_split(client_in, sources):
    """Before, the export wrote the file as a list anyway, and reading it back made each step a question."""
    import_shelf(sources)
    churn = Question.objects.get(prompt_md="How would you define churn for a monthly subscription?")
    steps = "Three steps:\n\n1. pick a grace period\n2. leave paused accounts out\n3. count missed renewals"
    Question.objects.filter(pk=churn.pk).update(answer_md=steps)  # an edit from before the editor checked
    text = exported_zip(client_in, "shelf")[NUMBERED].decode()
    assert "\n### How would you define churn for a monthly subscription?\n" in text
    again = importer.parse_bank({NUMBERED: text}).files[0].questions
    assert [q.prompt_md for q in again] == list(
        Question.objects.filter(source_path=NUMBERED).order_by("position").values_list("prompt_md", flat=True)
    )
    assert again[0].answer_md.split("\n\n<!--")[0] == steps


# -- the answer editor keeps each file's layout --


@pytest.mark.parametrize(
    "style,answer,holds",
    [
        ("bold", "Per batch.\n\n**Why not layer normalisation?**\n\nIt is per example.", False),
        ("headings", "Per batch.\n\n**Why not layer normalisation?**\n\nIt is per example.", True),
        ("pairs", "Yes.\n\nQ: and the next question?", False),
        ("details", "Closed early.\n\n</details>\n\nAfter.", False),
        ("bulleted", "Steps:\n\n- one\n- two\n\nKey points:\n- first\n- second", True),
        ("numbered", "Steps:\n\n1. one\n2. two", False),
        ("pairs", "A long answer with code:\n\n```python\nprint('Q: not a question')\n```", True),
    ],
)
def test_the_answer_check_asks_whether_the_files_own_layout_holds_the_answer(style, answer, holds):
    assert (exporter.answer_problem("some/file.md", answer, style=style) is None) is holds


def test_the_editor_refuses_an_answer_that_would_break_an_uploaded_files_layout(db, sources):
    from tests.test_flags import edit_post, edit_url, make_user, signed_in

    import_shelf(sources)
    reviewer = signed_in(make_user("rita", group="Reviewers"))
    question = Question.objects.get(prompt_md="Why does batch normalisation speed up training?")
    answer = "Per batch.\n\n**Why not layer normalisation?**\n\nIt is per example."
    response = reviewer.post(edit_url(question), edit_post(question, answer))
    assert b"markdown files could not hold this answer" in response.content
    question.refresh_from_db()
    assert "layer normalisation" not in question.answer_md


def test_a_bank_whose_questions_are_in_its_readme_keeps_them(client_in):
    """Before, the index was written over README.md, and the export of a one-file GitHub bank held no
    question at all."""
    readme = (
        "# Awesome LLM interview questions\n\n**What is RLHF?**\n\nReinforcement learning from human "
        "feedback: a reward model trained on preferences, then PPO against it.\n\n**What is DPO?**\n\n"
        "Direct preference optimisation: the preference loss on the policy itself, no reward model.\n"
    )
    bank_imports.import_bank("awesome", {"README.md": readme}, reason="test")
    files = exported_zip(client_in, "awesome")
    assert sorted(files) == ["README.md", "bank.toml", "index.md"]
    assert files["README.md"].decode().startswith("# Awesome LLM interview questions\n\n**What is RLHF?**\n")
    again = importer.parse_bank(files)
    assert content(again) == content(importer.parse_bank({"README.md": readme}))


def test_a_file_of_question_tables_goes_out_as_headings_with_the_same_questions():
    glossary = (
        "# Glossary\n\n| Question | Level | Answer |\n|---|---|---|\n"
        "| What is a logit? | Fundamental | The log-odds $\\log \\frac{p}{1-p}$ a classifier outputs. |\n"
        "| What is perplexity? | Advanced | $\\exp$ of the mean negative log-likelihood per token. |\n"
    )
    parsed = importer.parse_bank({"glossary.md": glossary})
    assert styles(parsed) == {"glossary.md": "table"}
    exported = exporter.export_bank(parsed)["glossary.md"]
    assert "\n### [H] What is perplexity?\n$\\exp$ of the mean" in exported
    assert content(importer.parse_bank({"glossary.md": exported})) == content(parsed)


# -- every test bank of the importer, and prompts that go on below their first line --


@pytest.mark.parametrize("folder", ["layouts", "fresh", "fresh-boilerplate", "export-layouts"])
def test_each_importer_test_bank_comes_back_the_same_in_its_layouts(folder):
    parsed = importer.parse_bank(read_sources(SHELF.parent / folder))
    again = importer.parse_bank(exporter.export_bank(parsed))
    assert exporter.round_trip_problems(parsed) == []
    assert styles(again) == styles(parsed) and content(again) == content(parsed)


CONTEXT = (
    "Your model's offline AUC rose from 0.81 to 0.86, yet the online click-through rate fell.\n\n"
    "| metric | before | after |\n|---|---|---|\n| AUC | 0.81 | 0.86 |\n| CTR | 3.1% | 2.7% |\n\n"
    "List three causes you would check first."
)


@pytest.mark.parametrize("style", sorted(exporter.WRITERS))
def test_a_prompt_with_a_table_below_its_first_line_comes_back_whole(style):
    """A question that carries its context below its first line (a table, code, a second paragraph) keeps
    it: the rest of the prompt goes under the question's line and an answer label ends it (before, a
    question heading held the first line only, and the question came back as another)."""
    layout = exporter.STYLE_LAYOUTS[style]
    root = importer.ParsedSection("ctr", None, "Click-through", "ctr.md", 1)
    questions = [
        importer.ParsedQuestion(
            "ctr/q",
            "ctr",
            "",
            CONTEXT,
            "Training-serving skew, a leak, position bias.",
            "medium",
            "ctr.md",
            3,
        ),
        importer.ParsedQuestion("ctr/n", "ctr", "", "What next?", "Fix it.", "easy", "ctr.md", 9),
    ]
    source = importer.SourceFile("ctr.md", [root], questions, layout=layout, style=style)
    text, rule = exporter.write_file(source)
    again = importer.parse_file(text, "ctr.md", rule or importer.detect_layout(text), "Click-through")
    assert [(q.prompt_md, q.answer_md, q.difficulty) for q in again.questions] == [
        (q.prompt_md, q.answer_md, q.difficulty) for q in questions
    ]
    if style in ("headings", "bold", "numbered", "bulleted"):
        assert "\n| CTR | 3.1% | 2.7% |\n\nList three causes you would check first.\n\n**Answer:**\n" in (
            text.replace("\n  ", "\n")
        )


def test_a_prompts_table_stays_apart_from_the_words_after_it():
    """GitHub shows a line right under a table as one more row: the blank line between them is kept."""
    text = (
        "# Metrics\n\n**Why did the click-through rate fall? [M]**\n\n"
        "| metric | before | after |\n|---|---|---|\n| CTR | 3.1% | 2.7% |\n\n"
        "List three causes you would check first.\n\n**Answer:**\n\nA leak.\n"
    )
    [question] = importer.parse_bank({"metrics.md": text}).files[0].questions
    assert question.prompt_md.endswith("| CTR | 3.1% | 2.7% |\n\nList three causes you would check first.")
    assert question.answer_md == "A leak."
