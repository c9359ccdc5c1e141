"""The question bank back to markdown, each file in its own layout: the inverse of ``quiz/importer/``.

``bank_from_database`` reads a bank's rows into the importer's dataclasses; everything else is pure
functions over them (no database): ``export_bank(bank)`` returns every file's text by its path, ready to
write, each asked the way its import found it asked (``Bank.file_styles``; the writers are in
``writers.py``). Reading what comes out with ``importer.parse_bank`` gives the same questions (keys, prompts,
answers, difficulty, group titles, sections) back (``round_trip_problems`` checks it); what an export changes
in the upstream files is listed in ``quiz/management/commands/export_markdown.py``.
"""

import functools
import json
from pathlib import Path

from django.conf import settings

from quiz import importer
from quiz.answer_parts import ProvenanceNote
from quiz.exporter.writers import (
    WRITERS,
    export_bold,
    export_chapter,
    export_details,
    export_list,
    export_pairs,
    export_qna,
    finished,
)
from quiz.importer.common import STYLES
from quiz.models import Bank, Question

__all__ = [
    "WRITERS",
    "answer_problem",
    "bank_from_database",
    "export_bank",
    "export_bold",
    "export_chapter",
    "export_details",
    "export_list",
    "export_pairs",
    "export_qna",
    "round_trip_problems",
    "write_file",
]

INDEX_PATH = "README.md"
# Where the index goes when a question file is README.md (a one-file bank from GitHub holds its questions
# there): another name, never over the questions.
OTHER_INDEX_PATHS = ("index.md", "contents.md")
INDEX_TITLE = "Question bank"

# -- a file in its own style --

# The style of a file whose style was not kept (a bank imported before), from the layout it was read as.
LAYOUT_STYLES = {"chapter": "chapter", "qna": "headings", "list": "numbered"}
STYLE_LAYOUTS = {
    **dict.fromkeys(STYLES, "qna"),
    "chapter": "chapter",
    "numbered": "list",
    "bulleted": "list",
}


def file_style(source: importer.SourceFile) -> str:
    """How the export writes ``source``: as it was written (``source.style``), else as its layout was
    written before styles were kept (question tables as headings: a table cell holds no answer's lines)."""
    if source.style in WRITERS:
        return source.style
    return LAYOUT_STYLES.get(source.layout, "headings")


def write_file(source: importer.SourceFile) -> tuple[str, str | None]:
    """``source`` in its style, and the layout ``bank.toml`` must give it (None when its content tells).

    Read back, a file in any style but headings must give the same questions: one that would not (an answer
    holding a question of the file's own shape) is written with question headings, the style that holds
    the most, rather than lose or split a question."""
    style = file_style(source)
    if style != "headings":
        text = WRITERS[style](source)
        detected = importer.detect_layout(text)
        for rule in (None, STYLE_LAYOUTS[style]):
            if (rule or detected) != "index" and _reads_back(source, text, rule or detected):
                return text, rule
    text = export_qna(source)
    return text, None if importer.detect_layout(text) == "qna" else "qna"


def _reads_back(source: importer.SourceFile, text: str, layout: str) -> bool:
    try:
        again = importer.parse_file(text, source.path, layout, source.root.title)
    except importer.ContentError:
        return False
    return _content(again) == _content(source)


def _content(source: importer.SourceFile) -> list[tuple]:
    titles = {s.key: s.title for s in source.sections}
    return [
        (titles[q.section], q.group_title, q.prompt_md, q.answer_md, q.difficulty, q.provenance, q.parent)
        for q in source.questions
    ]


# -- the whole bank --


def export_manifest(bank: importer.ParsedBank, layouts: dict[str, str | None]) -> str | None:
    """``bank.toml`` for what the files alone cannot say: the bank's title, source and licence, and the
    layout of each file that detection would read otherwise (``layouts``: path -> that layout, or None).
    None when there is nothing to say."""
    lines = [f"{name} = {json.dumps(value)}" for name, value in bank_facts(bank) if value]
    for source in bank.files:
        if layout := layouts.get(source.path):
            lines += ["", f"[files.{json.dumps(source.path)}]", f"layout = {json.dumps(layout)}"]
    return "\n".join(lines).strip("\n") + "\n" if lines else None


def bank_facts(bank: importer.ParsedBank) -> list[tuple[str, str]]:
    return [("title", bank.title), ("source", bank.source), ("licence", bank.licence)]


def export_index(files: list[importer.SourceFile]) -> str:
    """README.md: a link to every question file in bank order, its title as the link text (the import's
    source of file titles and order)."""
    lines = [f"# {INDEX_TITLE}", ""]
    lines += [f"{n}. [{source.root.title}]({source.path})" for n, source in enumerate(files, 1)]
    return finished(lines)


def export_bank(bank: importer.ParsedBank, index: bool = True) -> dict[str, str]:
    """Each question file's markdown by its path, plus ``README.md`` (the index; ``index.md`` when README.md
    holds questions) unless ``index`` is False, and ``bank.toml`` where the files need one."""
    out, layouts = {}, {}
    for source in bank.files:
        out[source.path], layouts[source.path] = write_file(source)
    taken = {path.lower() for path in out}
    free = (path for path in (INDEX_PATH, *OTHER_INDEX_PATHS) if path.lower() not in taken)
    if index and (index_path := next(free, None)):
        out[index_path] = export_index(bank.files)
    if manifest := export_manifest(bank, layouts):
        out[importer.MANIFEST] = manifest
    return out


def answer_problem(
    source_path: str, answer_md: str, layout: str | None = None, style: str = ""
) -> str | None:
    """Why ``answer_md`` would not come back the same from an export of its file, in the file's style, or
    None if it would. ``style`` is the file's as its bank keeps it (``Bank.file_styles``); without it,
    ``layout`` (``chapter``, ``qna`` or ``list``) says, and without that the bundled bank's copy of the
    file."""
    layout = STYLE_LAYOUTS.get(style) or layout or bank_layout(source_path)
    if layout not in LAYOUT_STYLES:
        return None
    root = importer.ParsedSection("file", None, "File", source_path, 1)
    question = importer.ParsedQuestion(
        "file/q", "file", "", "Question?", answer_md, importer.UNRATED, source_path, 1
    )
    source = importer.SourceFile(source_path, [root], [question], layout=layout, style=style)
    text = WRITERS[file_style(source)](source)  # no fallback: would the file's own layout hold it?
    try:
        parsed = importer.parse_file(text, source_path, layout, root.title, lists_ask=True)
    except importer.ContentError as error:
        return f"the markdown export could not be read back: {error.problems[0].message}"
    if len(parsed.questions) != 1:
        return "a line in it would start a new question or section in the markdown files"
    if parsed.questions[0].answer_md != answer_md:
        got = parsed.questions[0].answer_md.splitlines()
        for number, line in enumerate(answer_md.splitlines(), 1):
            if number > len(got) or got[number - 1] != line:
                return f"line {number} would not survive the markdown export: {line[:60]!r}"
        return "its layout (indentation or blank lines) would change in the markdown export"
    return None


def bank_layout(source_path: str, root: Path | None = None) -> str:
    """The layout the bank's own copy of a file has (``qna`` if there is none, or it cannot be read)."""
    path = (root or settings.QUESTION_BANK_DIR) / source_path
    try:
        return _layout_of(str(path), source_path, path.stat().st_mtime_ns)
    except OSError:
        return "qna"


@functools.lru_cache(maxsize=256)
def _layout_of(path: str, source_path: str, modified: int) -> str:
    """Cached by the file's modification time: the answer editor asks on every save."""
    try:
        text = importer.decode(source_path, Path(path).read_bytes())
        layout = importer.detect_layout(text)
        return layout if layout != "qna" else importer.parse_file(text, source_path, layout).layout
    except (OSError, importer.ContentError):
        return "qna"


def bank_from_database(source: Path | None = None, bank: Bank | None = None) -> importer.ParsedBank:
    """A bank's active questions (the bundled bank's by default) as the importer's dataclasses, files in bank
    order, each in source order, each in the layout its markdown under ``source`` has (the bundled bank's
    folder by default). Keys lose the bank's prefix, as reading the files back gives them."""
    bank = bank or Bank.objects.get(slug=settings.BUNDLED_BANK)
    prefix = "" if bank.is_bundled else f"{bank.slug}/"
    questions = list(
        Question.objects.active().in_banks([bank]).select_related("section").order_by("position", "pk")
    )
    needed = {q.section_id for q in questions}
    sections = [s for s in bank.sections.order_by("position", "pk") if not s.retired or s.pk in needed]
    keys = {s.pk: s.key.removeprefix(prefix) for s in sections}
    question_keys = {q.pk: q.key.removeprefix(prefix) for q in questions}
    files: dict[str, importer.SourceFile] = {}
    for s in sections:
        row = importer.ParsedSection(keys[s.pk], keys.get(s.parent_id), s.title, s.source_path, s.source_line)
        if s.parent_id is None:
            # Without a style (a bank imported before styles were kept), the layout of the file in ``source``.
            style = bank.file_styles.get(s.source_path, "")
            layout = STYLE_LAYOUTS.get(style) or bank_layout(s.source_path, source)
            files[s.source_path] = importer.SourceFile(s.source_path, [row], [], layout=layout, style=style)
        elif s.source_path in files:
            files[s.source_path].sections.append(row)
    by_pk = {q.pk: q for q in questions}
    for q in questions:
        if q.source_path in files:
            key = q.key.removeprefix(prefix)
            made = _made_key(files[q.source_path].sections[0].key, q, by_pk.get(q.parent_id))
            files[q.source_path].questions.append(
                importer.ParsedQuestion(
                    key=key,
                    section=keys[q.section_id],
                    group_title=q.group_title,
                    prompt_md=q.prompt_md,
                    answer_md=q.answer_md,
                    difficulty=q.difficulty,
                    source_path=q.source_path,
                    source_line=q.source_line,
                    provenance=_provenance(q, kept_key=key if key != made else ""),
                    parent=question_keys.get(q.parent_id),
                )
            )
    return importer.ParsedBank(
        list(files.values()), title=bank.title, source=bank.source_url, licence=bank.licence
    )


def _provenance(question: Question, kept_key: str = "") -> ProvenanceNote | None:
    """The comment the answer's markdown carries: none for an answer as upstream gave it, unless its key was
    kept through a change of wording (the words no longer give it)."""
    plain = not question.provenance_by and not question.provenance_on and not kept_key
    if question.provenance == "upstream" and plain:
        return None
    return ProvenanceNote(question.provenance, question.provenance_by, question.provenance_on, kept_key)


def _made_key(file_key: str, question: Question, parent: Question | None) -> str:
    """The key the importer makes from the question's words (and its parent's, for a follow-up)."""
    if parent is None:
        return importer.question_key(file_key, question.group_title, question.prompt_md)
    return importer.follow_up_key(file_key, parent.group_title, parent.prompt_md, question.prompt_md)


def _identity(question: importer.ParsedQuestion) -> tuple:
    return (
        question.section,
        question.group_title,
        question.prompt_md,
        question.answer_md,
        question.difficulty,
        question.provenance,
        question.parent,
    )


def round_trip_problems(bank: importer.ParsedBank) -> list[str]:
    """Questions that reading the exported files (with their index) would lose or change."""
    try:
        again = importer.parse_bank(export_bank(bank))
    except importer.ContentError as error:
        return [str(problem) for problem in error.problems]
    read = {q.key: q for source in again.files for q in source.questions}
    problems = []
    for source in bank.files:
        for question in source.questions:
            back = read.get(question.key)
            if back is None:
                problems.append(f"{question.key}: would come back under another key, or not at all")
            elif _identity(back) != _identity(question):
                problems.append(
                    f"{question.key}: would come back changed, see {back.source_path}:{back.source_line}"
                )
    return problems
