"""Follow-up questions in the markdown: read in every layout the importer knows, written back by the exporter
in the file's layout, and loaded as questions of their own that know their parent."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from quiz import bank_imports, exporter, importer
from quiz.content_loader import content_from_records, load
from quiz.exporter import bank_from_database, round_trip_problems
from quiz.importer import ContentError
from quiz.models import Bank, Question, ReviewState

PARENT_ANSWER = """Resample, reweight or move the threshold; report precision and recall, not accuracy.

```python
model.fit(X, y, sample_weight=np.where(y == 1, 1000, 1))
```

Key points:
- Accuracy hides the minority class
- Reweight or resample the rare class"""

# The syntax the bank's writers use (issue 25), word for word.
HEADINGS = f"""# Imbalance

## [M] How do you train on imbalanced classes?

{PARENT_ANSWER}

<!-- provenance: written; by: editor W1; date: 2026-12-07 -->

### Follow-up: [H] And what if the classes are 1:1000?

Treat it as anomaly detection or use focal loss; collect more positives.

Key points:
- Focal loss or anomaly detection
- Stratified evaluation

<!-- provenance: written; by: editor W1; date: 2026-12-07 -->

### Follow-up: [M] How would you detect drift in the class ratio in production?

Monitor the predicted positive rate against the training prior.

Key points:
- Compare the predicted positive rate with the prior

<!-- provenance: written; by: editor W1; date: 2026-12-07 -->

---

## [E] What is precision?

The share of predicted positives that are positive.
"""

BOLD = """# Imbalance

**How do you train on imbalanced classes?**

Resample or reweight.

**Follow-up:** [H] And what if the classes are 1:1000?

Focal loss or anomaly detection.

**Follow-up:** What metric would you report then?

PR-AUC.

**What is precision?**

The share of predicted positives that are positive.
"""

PAIRS = """# Imbalance

Q: How do you train on imbalanced classes?
A: Resample or reweight.

Follow-up: [H] And what if the classes are 1:1000?

Focal loss or anomaly detection.

Q: What is precision?
A: The share of predicted positives that are positive.
"""

LISTS = """# Case study

1. [M] How do you train on imbalanced classes?

Resample or reweight.

Follow-up: [H] And what if the classes are 1:1000?

Focal loss or anomaly detection.

2. [E] What is precision?

The share of predicted positives that are positive.
"""

CHAPTER = """## Chapter 5. Math

1. [M] How do you train on imbalanced classes?
````markdown
Resample or reweight.
````
Follow-up: [H] And what if the classes are 1:1000?
````markdown
Focal loss or anomaly detection.
````
2. [E] What is precision?
````markdown
The share of predicted positives that are positive.
````
"""

DETAILS = """# Imbalance

<details>
<summary>How do you train on imbalanced classes?</summary>

Resample or reweight.

</details>

<details>
<summary>Follow-up: [H] And what if the classes are 1:1000?</summary>

Focal loss or anomaly detection.

</details>

<details><summary>What is precision?</summary>
The share of predicted positives that are positive.
</details>
"""

TABLE = """# Imbalance

| Question | Level | Answer |
|---|---|---|
| How do you train on imbalanced classes? | medium | Resample or reweight. |
| Follow-up: And what if the classes are 1:1000? | hard | Focal loss or anomaly detection. |
| What is precision? | easy | The share of predicted positives that are positive. |
"""

# The writers' syntax dropped into the bundled bank's other two kinds of file: a chapter of fenced answers
# and a case study of numbered questions answered in paragraphs.
FOLLOW_UP_BLOCK = """### Follow-up: [H] And what if the classes are 1:1000?

Treat it as anomaly detection or use focal loss:

```python
loss = -alpha * (1 - p) ** gamma * torch.log(p)
```

Key points:
- Focal loss or anomaly detection
- Stratified evaluation

<!-- provenance: written; by: editor W1; date: 2026-12-07 -->

### Follow-up: How would you monitor it once deployed

Track the predicted positive rate.

<!-- provenance: written; by: editor W1; date: 2026-12-07 -->

---
"""
CHAPTER_HEADINGS = f"""## Chapter 5. Math

### 5.1 Imbalance

1. [M] How do you train on imbalanced classes?
````markdown
Resample or reweight.

Key points:
- Reweight the rare class
````

{FOLLOW_UP_BLOCK}
2. [E] What is precision?
````markdown
The share of predicted positives that are positive.
````
"""
LIST_HEADINGS = f"""# Case study

### Machine Learning
1. [M] How do you train on imbalanced classes?

Resample or reweight.

<!-- provenance: written; by: bank editors; date: 2026-11-30 -->

{FOLLOW_UP_BLOCK}
2. [E] What is precision?

The share of predicted positives that are positive.
"""

LAYOUTS = {
    "headings": HEADINGS,
    "bold": BOLD,
    "pairs": PAIRS,
    "lists": LISTS,
    "chapter": CHAPTER,
    "chapter-headings": CHAPTER_HEADINGS,
    "list-headings": LIST_HEADINGS,
}
# Read, not written: the exporter writes these files' questions as headings.
READ_ONLY_LAYOUTS = {"details": DETAILS, "table": TABLE}


def parsed(text: str, path: str = "imbalance.md") -> importer.ParsedBank:
    return importer.parse_bank({path: text})


def chains(bank: importer.ParsedBank) -> list[tuple[str, list[str]]]:
    """(parent prompt, its follow-ups' prompts in order) per question, as a reader sees the bank."""
    questions = [q for source in bank.files for q in source.questions]
    return [
        (q.prompt_md, [f.prompt_md for f in questions if f.parent == q.key])
        for q in questions
        if q.parent is None
    ]


@pytest.mark.parametrize("layout", {**LAYOUTS, **READ_ONLY_LAYOUTS})
def test_every_layout_reads_follow_ups_under_their_question_with_nothing_ignored(layout):
    bank = parsed({**LAYOUTS, **READ_ONLY_LAYOUTS}[layout])
    source = bank.files[0]
    assert source.ignored == []
    first, *_ = chains(bank)
    assert first[0] == "How do you train on imbalanced classes?"
    assert first[1][0] == "And what if the classes are 1:1000?"
    assert chains(bank)[-1] == ("What is precision?", [])
    follow_up = next(q for q in source.questions if q.parent)
    assert follow_up.difficulty == "hard"
    assert follow_up.answer_md.startswith(("Treat it as anomaly", "Focal loss"))


def test_the_writers_syntax_keeps_each_follow_ups_answer_key_points_and_provenance():
    source = parsed(HEADINGS).files[0]
    parent, hard, drift, precision = source.questions
    assert parent.key_points == ["Accuracy hides the minority class", "Reweight or resample the rare class"]
    assert "```python" in parent.answer_md and "Follow-up" not in parent.answer_md
    assert hard.key_points == ["Focal loss or anomaly detection", "Stratified evaluation"]
    assert drift.difficulty == "medium" and drift.key_points == [
        "Compare the predicted positive rate with the prior"
    ]
    assert hard.provenance.by == drift.provenance.by == "editor W1"
    assert [q.parent for q in (hard, drift, precision)] == [parent.key, parent.key, None]
    assert hard.section == parent.section


@pytest.mark.parametrize("layout", {**LAYOUTS, **READ_ONLY_LAYOUTS})
def test_export_writes_follow_ups_back_and_reading_it_gives_the_same_bank(layout):
    bank = parsed({**LAYOUTS, **READ_ONLY_LAYOUTS}[layout])
    files = exporter.export_bank(bank)
    again = importer.parse_bank(files)
    assert round_trip_problems(bank) == []
    assert [
        (q.key, q.parent, q.prompt_md, q.answer_md, q.difficulty) for s in again.files for q in s.questions
    ] == [(q.key, q.parent, q.prompt_md, q.answer_md, q.difficulty) for s in bank.files for q in s.questions]
    assert exporter.export_bank(again) == files  # an export of the export changes nothing


@pytest.mark.parametrize("text", [CHAPTER_HEADINGS, LIST_HEADINGS], ids=["chapter", "list"])
def test_the_writers_heading_syntax_reads_in_chapter_and_case_study_files(text):
    source = parsed(text).files[0]
    assert source.layout in ("chapter", "list") and source.ignored == []
    parent, hard, monitor, precision = source.questions
    assert hard.parent == monitor.parent == parent.key and precision.parent is None
    assert hard.answer_md.startswith("Treat it as anomaly detection or use focal loss:\n\n```python\n")
    assert hard.key_points == ["Focal loss or anomaly detection", "Stratified evaluation"]
    assert hard.provenance.by == "editor W1" and hard.difficulty == "hard"
    # Untagged and not asking with "?": a heading says it is a follow-up all the same, and it writes back.
    assert (monitor.prompt_md, monitor.difficulty, monitor.answer_md) == (
        "How would you monitor it once deployed",
        "unrated",
        "Track the predicted positive rate.",
    )
    assert precision.answer_md == "The share of predicted positives that are positive."
    assert round_trip_problems(parsed(text)) == []


def test_the_qna_export_writes_the_follow_up_a_heading_below_its_question():
    text = exporter.export_bank(parsed(HEADINGS))["imbalance.md"]
    assert "### [M] How do you train on imbalanced classes?" in text
    assert "#### Follow-up: [H] And what if the classes are 1:1000?" in text


def test_a_follow_up_before_any_question_is_refused_with_its_line():
    with pytest.raises(ContentError) as error:
        parsed("# T\n\n### Follow-up: [H] And then?\n\nAnswer.\n")
    assert str(error.value) == "imbalance.md:3: a follow-up with no question before it to follow up"


def test_a_follow_up_heading_without_a_question_is_refused():
    with pytest.raises(ContentError, match=r"imbalance.md:5: follow-up heading has no question"):
        parsed("# T\n\n## What is X?\n\n### Follow-up:\n")


def test_prose_that_says_follow_up_in_an_answer_stays_answer_text():
    text = "# T\n\n**What is X?**\n\nX is Y.\n\nFollow-up: duck typing fails only at run time.\n"
    (question,) = parsed(text).files[0].questions
    assert question.answer_md.endswith("Follow-up: duck typing fails only at run time.")


def test_the_same_follow_up_under_two_questions_gets_two_keys():
    text = "# T\n\n## What is X?\n\nX.\n\n### Follow-up: Why?\n\nA.\n\n"
    text += "## What is Y?\n\nY.\n\n### Follow-up: Why?\n\nB.\n"
    source = parsed(text).files[0]
    follow_ups = [q for q in source.questions if q.parent]
    assert len({q.key for q in follow_ups}) == 2
    assert [q.answer_md for q in follow_ups] == ["A.", "B."]


def test_a_bank_of_two_files_titled_alike_keeps_its_follow_ups_linked():
    bank = importer.parse_bank({"a/x.md": HEADINGS, "b/x.md": HEADINGS})
    for source in bank.files:
        keys = {q.key for q in source.questions}
        assert all(q.parent in keys for q in source.questions if q.parent)


# -- loading --


def records(text: str, slug: str = "imbalance") -> list[dict]:
    return bank_imports.bank_records(slug, parsed(text), "v1")


def test_fixture_records_name_the_parent_only_for_follow_ups():
    questions = [r["fields"] for r in records(HEADINGS) if r["model"] == "quiz.question"]
    assert [f.get("parent") for f in questions] == [
        None,
        [questions[0]["key"]],
        [questions[0]["key"]],
        None,
    ]
    assert all(f["key"].startswith("imbalance/") for f in questions)


@pytest.mark.django_db
def test_a_loaded_follow_up_is_a_question_of_its_own_that_knows_its_parent():
    load(content_from_records(records(HEADINGS), "test"))
    parent = Question.objects.get(prompt_md="How do you train on imbalanced classes?")
    assert [q.prompt_md for q in parent.follow_ups.order_by("position")] == [
        "And what if the classes are 1:1000?",
        "How would you detect drift in the class ratio in production?",
    ]
    follow_up = parent.follow_ups.first()
    assert follow_up.key_points == ["Focal loss or anomaly detection", "Stratified evaluation"]
    assert follow_up.provenance == "written"


@pytest.mark.django_db
def test_a_reimport_keeps_a_follow_ups_schedule_and_links(user):
    load(content_from_records(records(HEADINGS), "test"))
    follow_up = Question.objects.get(prompt_md="And what if the classes are 1:1000?")
    ReviewState.card_of(user.pk, follow_up.pk).review(3, timezone.now())
    edited = HEADINGS.replace("collect more positives", "collect more positives first")
    report = load(content_from_records(records(edited), "test"))
    assert report.questions.updated == 1 and report.questions.created == 0
    again = Question.objects.get(pk=follow_up.pk)
    assert again.parent.prompt_md == "How do you train on imbalanced classes?"
    assert ReviewState.objects.get(user=user, question=again).last_grade == 3


@pytest.mark.django_db
def test_a_follow_up_made_a_question_of_its_own_loses_its_parent():
    load(content_from_records(records(HEADINGS), "test"))
    alone = HEADINGS.replace("### Follow-up: [M] How would", "## [M] How would")
    load(content_from_records(records(alone), "test"))
    # Its key was its parent's and its own words: as a question of its own it is a new one, the old retired.
    assert Question.objects.get(prompt_md__startswith="How would you detect", retired=False).parent is None


def test_a_file_whose_follow_up_names_a_missing_question_is_refused():
    rows = records(HEADINGS)
    rows = [r for r in rows if r["fields"].get("prompt_md") != "How do you train on imbalanced classes?"]
    with pytest.raises(ContentError, match="follows up .* which is not in the file"):
        content_from_records(rows, "content.json")


@pytest.mark.django_db
def test_export_markdown_round_trips_a_bank_with_follow_ups(tmp_path):
    load(content_from_records(records(HEADINGS), "test"))
    bank = bank_from_database(tmp_path, Bank.objects.get(slug="imbalance"))
    assert (
        exporter.export_bank(bank, index=False)["imbalance.md"]
        == exporter.export_bank(parsed(HEADINGS), index=False)["imbalance.md"]
    )
    out = StringIO()
    call_command("export_markdown", tmp_path / "out", bank="imbalance", stderr=out, stdout=StringIO())
    assert out.getvalue() == ""  # no round-trip warning
    again = importer.parse_bank(importer.read_sources(tmp_path / "out"))
    assert chains(again) == chains(parsed(HEADINGS))


def test_build_of_a_bank_with_follow_ups_counts_them(tmp_path):
    (tmp_path / "imbalance").mkdir()
    (tmp_path / "imbalance" / "imbalance.md").write_text(HEADINGS, encoding="utf-8")
    out = StringIO()
    call_command(
        "build_fixtures", "--strict", source=tmp_path / "imbalance", output=tmp_path / "c.json", stdout=out
    )
    written = json.loads((tmp_path / "c.json").read_text())
    assert sum(1 for r in written if r["fields"].get("parent")) == 2
    assert "2 follow-ups among the questions" in out.getvalue()


@pytest.mark.django_db
def test_admin_links_a_follow_up_and_its_question_both_ways(admin_client):
    load(content_from_records(records(HEADINGS), "test"))
    parent = Question.objects.get(prompt_md="How do you train on imbalanced classes?")
    follow_up = parent.follow_ups.order_by("position").first()
    page = admin_client.get(f"/admin/quiz/question/{parent.pk}/change/").content.decode()
    assert f'/admin/quiz/question/{follow_up.pk}/change/">And what if the classes are 1:1000?' in page
    page = admin_client.get(f"/admin/quiz/question/{follow_up.pk}/change/").content.decode()
    assert f'/admin/quiz/question/{parent.pk}/change/">How do you train on imbalanced classes?' in page


# -- a follow-up is flagged and edited like any answer --


@pytest.mark.django_db
def test_a_follow_up_is_flagged_and_its_answer_edited_in_the_reviewers_editor(client, user):
    from quiz.models import Flag
    from tests.test_flags import edit_post, edit_url, make_user, signed_in

    load(content_from_records(records(HEADINGS), "test"))
    follow_up = Question.objects.get(prompt_md="And what if the classes are 1:1000?")
    client.force_login(user)
    client.post(
        reverse("quiz:flag-answer", args=[follow_up.pk]),
        {"reason": Flag.Reason.INCOMPLETE, "comment": "PR-AUC?"},
    )
    assert Flag.objects.get().question == follow_up
    reviewer = signed_in(make_user("rita", group="Reviewers"))
    assert "And what if the classes are 1:1000?" in reviewer.get(edit_url(follow_up)).content.decode()
    text = follow_up.answer_md.replace("collect more positives", "report PR-AUC and collect more positives")
    response = reviewer.post(edit_url(follow_up), edit_post(follow_up, text))
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert "report PR-AUC" in follow_up.answer_md and follow_up.parent is not None
    # The edited follow-up goes back to markdown under its question.
    bank = bank_from_database(None, Bank.objects.get(slug="imbalance"))
    assert round_trip_problems(bank) == []


# -- the bundled bank with follow-ups written into it, as the bank's writers do --


def with_follow_ups(path: str, text: str, every: int = 3) -> tuple[str, int]:
    """``text`` with the writers' follow-up block after every ``every``-th answer (after its provenance
    comment, or in a chapter after the fence that holds the answer), and how many blocks went in."""
    out, added, answers, pending = [], 0, 0, False
    chapter = path.startswith("Chips_Machine_Learning_Interviews_Book/")
    for line in text.split("\n"):
        out.append(line)
        if "<!-- provenance:" in line:
            answers += 1
            pending = answers % every == 0
            if chapter:
                continue  # the fence closes below
        if pending and (not chapter or line.startswith("````")):
            out += ["", FOLLOW_UP_BLOCK.replace("1:1000", f"1:{answers}"), ""]
            added, pending = added + 1, False
    return "\n".join(out), added


def test_the_bundled_bank_with_follow_ups_written_in_builds_strict_and_round_trips():
    sources = importer.read_sources(settings.QUESTION_BANK_DIR)
    written, added = {}, 0
    for path, data in sources.items():
        if path.endswith(".md"):
            text, count = with_follow_ups(path, data.decode())
            written[path], added = text.encode(), added + count
            assert count or "<!-- provenance:" not in text, path
        else:
            written[path] = data
    assert added >= 60  # in every file: QnA headings, the case study's list, the chapters' fences
    bank = importer.parse_bank(written)
    original = importer.parse_bank(sources)
    for source, before in zip(bank.files, original.files, strict=True):
        assert source.ignored == [], source.path
        assert source.layout == before.layout, source.path
    questions = [q for s in bank.files for q in s.questions]
    follow_ups = [q for q in questions if q.parent]
    had = [q for s in original.files for q in s.questions if q.parent]  # the bank's own follow-ups
    assert len(follow_ups) == len(had) + 2 * added
    assert len(questions) - len(follow_ups) == sum(len(s.questions) for s in original.files) - len(had)
    # The questions themselves come out as they were: the follow-ups took nothing from their answers.
    before = {q.key: q.answer_md for s in original.files for q in s.questions if not q.parent}
    assert {q.key: q.answer_md for q in questions if not q.parent} == before
    assert round_trip_problems(bank) == []
