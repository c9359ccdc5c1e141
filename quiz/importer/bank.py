"""The whole bank: reading its files and its optional ``bank.toml``, which layout each file has (from its
content, or the manifest), the order the index files give, and the fixture records."""

import dataclasses
import functools
import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from quiz.answer_parts import rendered_fields
from quiz.importer.boilerplate import drop_boilerplate, find_boilerplate
from quiz.importer.common import (
    FENCE_RE,
    RULE_RE,
    ContentError,
    Finding,
    ParsedBank,
    Problem,
    SourceFile,
    decode,
    follow_up_key,
    normalise,
    parse_heading,
    question_key,
    slugify,
)
from quiz.importer.formats import parse_chapter
from quiz.importer.general import parse_general
from quiz.importer.markers import (
    DEFAULT_MARKERS,
    EASY,
    FOLLOW_UP_RE,
    HARD,
    MEDIUM,
    list_item,
    looks_like_question,
)
from quiz.rendering import MarkdownError, render_markdown

MANIFEST = "bank.toml"
LAYOUTS = ("chapter", "qna", "list", "index", "skip")
LINK_RE = re.compile(r"^[ \t]*(?:\d+\.|[*+-])[ \t]+\[([^\]]+)\]\(([^)]*)\)")
LINK_LINE_RE = re.compile(r"(?:\d{1,9}[.)]|[*+-]|#{1,6})?[ \t]*\[[^\[\]]*\]\([^()]*\)[ \t]*[.,;:]?")
TAGGED_ITEM_RE = re.compile(r"[ \t]*\d{1,9}[.)][ \t]+\[[EMH]\]", re.IGNORECASE)


# What a repository holds beside its questions: never a bank's content (a whole checkout uploaded as is).
REPOSITORY_FILES = frozenset(
    {
        "contributing",
        "code_of_conduct",
        "code-of-conduct",
        "license",
        "licence",
        "changelog",
        "changes",
        "history",
        "security",
        "support",
        "authors",
        "contributors",
        "funding",
        "pull_request_template",
        "issue_template",
        "governance",
        "maintainers",
        "codeowners",
        "notice",
    }
)
REPOSITORY_FOLDERS = (".github/", ".gitlab/", "docs/adr/", "node_modules/", ".vscode/")


def repository_file(path: str) -> bool:
    """Whether ``path`` is a repository's own file (CONTRIBUTING.md, LICENSE.md, .github/…), not questions."""
    lowered = path.lower()
    stem = posixpath.splitext(posixpath.basename(lowered))[0]
    return stem in REPOSITORY_FILES or any(f"/{lowered}".find(f"/{d}") >= 0 for d in REPOSITORY_FOLDERS)


def natural_key(path: str) -> tuple:
    """``QA_4.md`` before ``QA_100.md``: the numbers in a path compare as numbers."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", path)))


def read_sources(root: Path) -> dict[str, bytes]:
    """Every markdown file under ``root`` and its ``bank.toml``, keyed by posix path relative to ``root``."""
    found = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md")) if p.is_file()
    }
    if (root / MANIFEST).is_file():
        found[MANIFEST] = (root / MANIFEST).read_bytes()
    return found


@dataclass(frozen=True)
class FileRule:
    """What ``bank.toml`` says about one file: ``layout`` overrides detection, ``difficulty`` adds markers."""

    layout: str | None = None
    title: str | None = None
    difficulty: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    title: str = ""
    source: str = ""
    licence: str = ""
    difficulty: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileRule] = field(default_factory=dict)


def _is_web_address(url: str) -> bool:
    """What Bank.source_url accepts, and only the schemes a reader's link may have."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return len(url) <= 500


def read_manifest(text: str) -> Manifest:
    """``bank.toml``: title, source URL, licence, ``[difficulty]`` markers, ``[files."path"]`` rules."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = int(found[1]) if (found := re.search(r"line (\d+)", str(error))) else 1
        raise ContentError([Problem(MANIFEST, line, f"not TOML: {error}")]) from None

    def markers(table: object, where: str) -> dict[str, str]:
        if not isinstance(table, dict) or not all(
            isinstance(v, str) and v in (EASY, MEDIUM, HARD) for v in table.values()
        ):
            raise ContentError([Problem(MANIFEST, 1, f"{where} maps markers to easy, medium or hard")])
        return {str(marker).lower(): level for marker, level in table.items()}

    files = {}
    for path, rule in data.get("files", {}).items():
        if not isinstance(rule, dict) or rule.get("layout", "qna") not in LAYOUTS:
            raise ContentError(
                [Problem(MANIFEST, 1, f"files.{path!r}: layout is one of {', '.join(LAYOUTS)}")]
            )
        files[path] = FileRule(
            rule.get("layout"), rule.get("title"), markers(rule.get("difficulty", {}), f"files.{path!r}")
        )
    source = str(data.get("source", "")).strip()
    if source and not _is_web_address(source):
        line = next((n for n, row in enumerate(text.splitlines(), 1) if re.match(r"\s*source\s*=", row)), 1)
        raise ContentError(
            [Problem(MANIFEST, line, "source is a web address (http:// or https://, at most 500 characters)")]
        )
    # The bank's row holds a title of 200 characters and a licence of 100: say so rather than cut them.
    for name, limit in (("title", 200), ("licence", 100), ("license", 100)):
        if len(str(data.get(name, ""))) > limit:
            rows = enumerate(text.splitlines(), 1)
            line = next((n for n, row in rows if re.match(rf"\s*{name}\s*=", row)), 1)
            raise ContentError([Problem(MANIFEST, line, f"{name} is at most {limit} characters")])
    return Manifest(
        title=str(data.get("title", "")),
        source=source,
        licence=str(data.get("licence", data.get("license", ""))),
        difficulty=markers(data.get("difficulty", {}), "[difficulty]"),
        files=files,
    )


def detect_layout(text: str) -> str:
    """``chapter``, ``index`` or ``qna`` (any other layout, read by ``parse_general``), from the content.

    A chapter has ``[E]``/``[M]``/``[H]``-tagged numbered items answered by the fence right under them or
    by nothing (Chip Huyen's book), never by a paragraph after a blank line, or it has a "Chapter N" title;
    an index is mostly links and asks nothing.
    """
    tagged = answered_in_prose = links = prose = 0
    asks = False
    fence = ""  # the open fence's backticks or tildes
    after_item = 0  # 1: on a tagged item's lines, 2: and past a blank line after them
    first_heading = None
    for line in text.split("\n"):
        stripped = line.strip()
        if fence:
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = ""
            continue
        if not stripped:
            after_item = 2 if after_item else 0
            continue
        first = stripped[0]
        if first in "`~" and (opening := FENCE_RE.match(line)):
            fence = opening[1]  # a code snippet after an item may be the question's own (Chip Huyen's 6.2)
            after_item = 0
            continue
        heading = parse_heading(stripped) if first == "#" else None
        if heading and first_heading is None:
            first_heading = heading[1]
        if first.isdigit() and TAGGED_ITEM_RE.match(line):
            tagged, after_item = tagged + 1, 1
            continue
        if first in "Ff*_" and FOLLOW_UP_RE.match(stripped):
            after_item = 1  # a chapter item's follow-up: answered by the fence under it, as the item is
            continue
        if stripped[:3] == "---" and RULE_RE.match(line):
            after_item = 0
            continue
        if after_item == 2:
            # A paragraph or list after an item and a blank line answers it, as no chapter does (a figure,
            # an indented hint, a quoted note, an italic footer or the next numbered item does not).
            numbered = (item := list_item(line)) is not None and item.kind == "number"
            italic = first in "*_" and stripped[-1] == first and stripped[1:2] != first
            answered_in_prose += not heading and line[0] not in " \t<!>" and not numbered and not italic
        after_item = 1 if after_item == 1 else 0
        if "](" in stripped and LINK_LINE_RE.fullmatch(stripped):
            links += 1
        elif not heading:
            prose += 1
        if not asks and (heading or stripped[0] in "*_-+0123456789"):
            words = heading[1] if heading else stripped.lstrip("*_-+0123456789.) \t")
            asks = looks_like_question(words.rstrip("*_ "))
    chapter_title = first_heading and re.match(r"chapter\s+\d+", first_heading, re.IGNORECASE)
    if chapter_title or (tagged and not answered_in_prose):
        return "chapter"
    if links and not asks and links >= prose:
        return "index"
    return "qna"


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _reading_order(
    texts: Mapping[str, str], layouts: Mapping[str, str], notes: list[Finding]
) -> list[tuple[str, str | None]]:
    """Question files in the order the index files link them, with the link text as title; then the rest."""
    order: dict[str, str | None] = {}
    by_name = {
        _squash(posixpath.splitext(posixpath.basename(p))[0]): p for p in sorted(texts, key=natural_key)
    }
    visited: set[str] = set()

    def visit(index: str) -> None:
        visited.add(index)
        for no, line in enumerate(texts[index].split("\n"), 1):
            if not (link := LINK_RE.match(line)):
                continue
            label, target = link[1].strip(), link[2].strip()
            if target:
                path = posixpath.normpath(posixpath.join(posixpath.dirname(index), target))
            else:
                path = by_name.get(_squash(label), "")
            if path in texts and layouts[path] == "index":
                if path not in visited:
                    visit(path)
            elif path in texts and layouts[path] != "skip":
                order.setdefault(path, label)
            elif not target.startswith(("http:", "https:", "#", "mailto:")):
                notes.append(Finding(index, no, "missing-file", f"'{label}' links to no file"))

    indexes = sorted(
        (p for p in texts if layouts[p] == "index"), key=lambda p: (p.count("/"), p != "README.md", p)
    )
    for index in indexes:
        if index not in visited:
            visit(index)
    for path in sorted(texts, key=natural_key):
        if layouts[path] not in ("index", "skip"):
            order.setdefault(path, None)
    return list(order.items())


def rekey(source: SourceFile, key: str) -> SourceFile:
    """``source`` under another root key: its sections' keys move with it, its questions' are made anew."""
    old = source.root.key

    def moved(section_key: str | None) -> str | None:
        return section_key if section_key is None else key + section_key[len(old) :]

    sections = [dataclasses.replace(s, key=moved(s.key), parent=moved(s.parent)) for s in source.sections]
    parents = {q.key: q for q in source.questions if q.parent is None}
    questions = []
    for q in source.questions:
        if (parent := parents.get(q.parent)) is not None:
            new_key = follow_up_key(key, parent.group_title, parent.prompt_md, q.prompt_md)
            new_parent = question_key(key, parent.group_title, parent.prompt_md)
        else:
            new_key, new_parent = question_key(key, q.group_title, q.prompt_md), None
        questions.append(dataclasses.replace(q, key=new_key, section=moved(q.section), parent=new_parent))
    return dataclasses.replace(source, sections=sections, questions=questions)


def parse_file(
    text: str,
    path: str,
    layout: str,
    title: str | None = None,
    difficulty: dict[str, str] | None = None,
    lists_ask: bool = False,
    bank_paths: frozenset[str] = frozenset(),
) -> SourceFile:
    markers = {**DEFAULT_MARKERS, **(difficulty or {})}
    if layout == "chapter":
        return parse_chapter(text, path, title, markers)
    return parse_general(text, path, title, markers, lists_ask or layout == "list", bank_paths)


COPY_SHARE = 0.9  # of a file's questions already asked by one file before it: a copy (a synced README)


def _without_copies(files: list[SourceFile], notes: list[Finding]) -> list[SourceFile]:
    """Files whose questions another file already asks (a README a script fills from the question file),
    left out with a note: one bank asks each question once."""
    kept: list[tuple[SourceFile, set[str]]] = []
    for source in files:
        prompts = {normalise(q.prompt_md) for q in source.questions}
        original = next(
            (
                other
                for other, asked in kept
                if len(prompts) >= 5 and len(prompts & asked) >= COPY_SHARE * len(prompts)
            ),
            None,
        )
        if original is None:
            kept.append((source, prompts))
            continue
        message = f"asks the questions {original.path} asks ({len(prompts)}): a copy, left out"
        notes.append(Finding(source.path, 1, "copy", message))
    return [source for source, _ in kept]


def parse_bank(sources: Mapping[str, bytes | str]) -> ParsedBank:
    """Parse every file (keys: posix paths relative to the bank's root); all problems are raised together."""
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for path, data in sources.items():
        try:
            texts[path] = decode(path, data.encode() if isinstance(data, str) else data)
        except ContentError as exc:
            problems.extend(exc.problems)
    manifest = Manifest()
    if MANIFEST in texts:
        try:
            manifest = read_manifest(texts.pop(MANIFEST))
        except ContentError as exc:
            problems.extend(exc.problems)
    layouts: dict[str, str] = {}
    for path, text in texts.items():
        rule = manifest.files.get(path, FileRule())
        if not rule.layout and repository_file(path):
            layouts[path] = "skip"
            continue
        try:
            layouts[path] = rule.layout or detect_layout(text)
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    notes: list[Finding] = []
    files: list[SourceFile] = []
    question_files = frozenset(p for p in texts if layouts[p] not in ("index", "skip"))
    for path, title in _reading_order(texts, layouts, notes):
        rule = manifest.files.get(path, FileRule())
        try:
            source = parse_file(
                texts[path],
                path,
                layouts[path],
                rule.title or title,
                {**manifest.difficulty, **rule.difficulty},
                bank_paths=question_files,
            )
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        files.append(source)
        if not source.questions:
            notes.append(Finding(path, 1, "no-questions", f"read as {source.layout}, no question found"))
    if problems:
        raise ContentError(problems)
    files = _without_copies(files, notes)
    boilerplate = find_boilerplate(texts, [source.path for source in files])
    taken: dict[str, str] = {}
    for i, source in enumerate(files):
        if (other := taken.get(source.root.key)) is not None:
            # Two files titled alike (a translation beside its original): the later takes its path as key.
            key = slugify(posixpath.splitext(source.path)[0])
            if key in taken:
                problems.append(
                    Problem(source.path, source.root.source_line, f"key '{key}' is another file's too")
                )
                continue
            message = f"'{source.root.key}' is {other}'s key too; this file's is '{key}'"
            notes.append(Finding(source.path, source.root.source_line, "duplicate-file-key", message))
            files[i] = source = rekey(source, key)
        taken[source.root.key] = source.path
    if problems:
        raise ContentError(problems)
    indexes = {
        p: sum(1 for line in t.split("\n") if line.strip()) for p, t in texts.items() if layouts[p] == "index"
    }
    skipped = sorted((p for p in texts if layouts[p] == "skip"), key=natural_key)
    parsed = ParsedBank(files, notes, manifest.title, manifest.source, manifest.licence, indexes, skipped)
    drop_boilerplate(parsed, boilerplate)
    parsed.boilerplate = boilerplate
    return parsed


# -- what comes out --


def fixture_records(bank: ParsedBank, renderer: Callable[[str], str] = render_markdown) -> list[dict]:
    """Django fixture records with natural keys and no pk, sections (parents first) then questions.

    ``renderer`` turns markdown into HTML: ``render_markdown``, or a cache in front of it."""
    sections, questions = [], []
    problems: list[Problem] = []

    def render(question, markdown_text: str) -> str:
        try:
            return renderer(markdown_text)
        except MarkdownError as error:  # too long or nested too deep: where, and why
            problems.append(Problem(question.source_path, question.source_line, str(error)))
        except (RecursionError, MemoryError):
            problems.append(
                Problem(question.source_path, question.source_line, "cannot be rendered: nested too deeply")
            )
        return ""

    for source in bank.files:
        for section in source.sections:
            sections.append(
                {
                    "model": "quiz.section",
                    "fields": {
                        "key": section.key,
                        "parent": [section.parent] if section.parent else None,
                        "title": section.title,
                        "position": len(sections),
                        "source_path": section.source_path,
                        "source_line": section.source_line,
                        "retired": False,
                    },
                }
            )
        for question in source.questions:
            rendered = rendered_fields(
                question.prompt_md, question.answer_md, functools.partial(render, question)
            )
            provenance = question.provenance
            questions.append(
                {
                    "model": "quiz.question",
                    "fields": {
                        "key": question.key,
                        "section": [question.section],
                        "position": len(questions),
                        "group_title": question.group_title,
                        "prompt_md": question.prompt_md,
                        "prompt_html": rendered["prompt_html"],
                        "answer_md": question.answer_md,
                        "answer_html": rendered["answer_html"],
                        "imported_answer_md": question.answer_md,
                        "key_points": rendered["key_points"],
                        "provenance": provenance.kind if provenance else "upstream",
                        "provenance_by": provenance.by if provenance else "",
                        "provenance_on": provenance and provenance.date and provenance.date.isoformat(),
                        "difficulty": question.difficulty,
                        "source_path": question.source_path,
                        "source_line": question.source_line,
                        "retired": False,
                        # Only a follow-up names a parent: a bank without any builds as it did before them.
                        **({"parent": [question.parent]} if question.parent else {}),
                    },
                }
            )
    if problems:
        raise ContentError(problems)
    return sections + questions


def dump_fixture(records: list[dict]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
