"""What every parser shares: the shapes it produces, fence-aware line splitting, line accounting and stable
keys."""

import hashlib
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from quiz.answer_parts import ProvenanceNote, ProvenanceSyntaxError, split_key_points, split_provenance

MAX_TITLE = 300  # Section.title and Question.group_title
MAX_KEY = 200
# Longer lines are no markdown anyone writes by hand (a pasted blob, a generated file): they stop the import
# before any regular expression sees them.
MAX_LINE = 20_000
# No bank anyone keeps has files near these (the largest public one we tried has 167 questions in a file);
# past them, a file is generated or hostile, and reading it would take seconds.
MAX_QUESTIONS = 5_000
MAX_LINES = 40_000  # well past the largest public bank file we tried (docs/bench-results.md)
MAX_SECTIONS = 2_000
# List or quote markers opening one line: deeper is no question bank, and breaks the renderer.
MAX_NESTING = 40

FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)")
# A fence indented under a list item ("1. **Question**" then "    ```python"), as GitHub renders it: code.
NESTED_FENCE_RE = re.compile(r"^ {4,16}(`{3,}|~{3,})[ \t]*([^`\s]*)")
LIST_START_RE = re.compile(r"[ \t]*(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)")
RULE_RE = re.compile(r"^ {0,3}-{3,}[ \t]*$")


@dataclass(frozen=True)
class Problem:
    """Something in the markdown that stops the import."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(ValueError):
    """The content cannot be imported or loaded; nothing was written. ``problems`` say where and why (the
    loader of ``content.json`` passes one message of its own instead)."""

    def __init__(self, problems: list[Problem] | str) -> None:
        self.problems = [] if isinstance(problems, str) else problems
        super().__init__(problems if isinstance(problems, str) else "\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Finding:
    """Something a reviewer should look at; the import goes ahead."""

    path: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.message}"


@dataclass
class ParsedSection:
    key: str
    parent: str | None
    title: str
    source_path: str
    source_line: int


@dataclass
class ParsedQuestion:
    key: str
    section: str
    group_title: str
    prompt_md: str
    answer_md: str
    difficulty: str
    source_path: str
    source_line: int
    provenance: ProvenanceNote | None = None
    parent: str | None = None  # a follow-up's: the key of the question it follows up

    @property
    def key_points(self) -> list[str]:
        return split_key_points(self.answer_md)[1]


# How a file asks its questions: Chip Huyen's chapters, question headings, bold lines, ``Q:``/``A:`` pairs,
# numbered or bulleted list items, ``<details>`` blocks, rows of a question table.
STYLES = ("chapter", "headings", "bold", "pairs", "numbered", "bulleted", "details", "table")


@dataclass
class SourceFile:
    """One question file: its root section first, then its sections and questions in source order.

    ``layout`` is how the file was read (``chapter``, ``qna``, ``list`` or ``index``); ``style`` how most
    of its questions are asked (one of ``STYLES``; the markdown export writes them so again); ``lines``
    counts its non-blank lines and ``ignored`` lists those no question, answer or section used (each also a
    note).
    """

    path: str
    sections: list[ParsedSection]
    questions: list[ParsedQuestion]
    notes: list[Finding] = field(default_factory=list)  # duplicates merged, empty headings, ignored lines
    layout: str = "qna"
    lines: int = 0
    ignored: list[int] = field(default_factory=list)
    used: frozenset[int] = frozenset()  # lines in a question, an answer, a heading or the introduction
    # Each run of ignored lines (blank lines between): its first line, how many lines, the first's text.
    ignored_runs: list[tuple[int, int, str]] = field(default_factory=list)
    style: str = ""

    @property
    def root(self) -> ParsedSection:
        return self.sections[0]

    @property
    def coverage(self) -> float:
        """The share of non-blank lines that went into the bank, in percent."""
        return 100.0 if not self.lines else 100.0 * (self.lines - len(self.ignored)) / self.lines


@dataclass
class ParsedBank:
    files: list[SourceFile]
    notes: list[Finding] = field(
        default_factory=list
    )  # index links that point nowhere, files without questions
    title: str = ""  # from bank.toml
    source: str = ""
    licence: str = ""
    indexes: dict[str, int] = field(default_factory=dict)  # index file -> its non-blank lines (all used)
    skipped: list[str] = field(default_factory=list)  # files bank.toml says to skip, repository files
    boilerplate: dict[str, int] = field(
        default_factory=dict
    )  # blocks dropped from answers -> files with them


# -- lines and fences --


class Text(NamedTuple):  # a tuple: one per line of every file, so cheap to make
    no: int
    text: str


@dataclass(frozen=True)
class Code:
    no: int
    lang: str
    body: list[str]
    raw: list[str]


def decode(path: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(path, line, f"not UTF-8 (byte {data[exc.start]:#04x})")]) from None
    if (lines := text.count("\n") + 1) > MAX_LINES:
        raise ContentError(
            [Problem(path, MAX_LINES + 1, f"{lines:,} lines, more than {MAX_LINES:,}: split it")]
        )
    if (nul := text.find("\0")) >= 0:
        raise ContentError(
            [Problem(path, text.count("\n", 0, nul) + 1, "binary data (a NUL byte), not text")]
        )
    return text.replace("\r\n", "\n")


def chunks(text: str, path: str) -> list[Text | Code]:
    """Split ``text`` into plain lines and whole fenced code blocks (whose ``#`` lines are never headings)."""
    out: list[Text | Code] = []
    code: Code | None = None
    fence = ""
    in_list = False  # the lines since a list item are all indented or blank: a fence there may be indented
    for no, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE:
            raise ContentError([Problem(path, no, f"line longer than {MAX_LINE:,} characters")])
        if code is None:
            if nesting(line) > MAX_NESTING:
                raise ContentError(
                    [Problem(path, no, f"lists or quotes nested more than {MAX_NESTING} deep")]
                )
            match = None
            if line.lstrip(" ")[:1] in ("`", "~"):
                match = FENCE_RE.match(line) or (in_list and NESTED_FENCE_RE.match(line)) or None
            elif line[:1] in (" ", "\t"):
                in_list = in_list or bool(LIST_START_RE.match(line))
            elif line:
                in_list = line[0] in "-*+0123456789" and bool(LIST_START_RE.match(line))
            if match:
                fence = match[1]
                code = Code(no, match[2].lower(), [], [line])
                out.append(code)
            else:
                out.append(Text(no, line))
            continue
        code.raw.append(line)
        stripped = line.strip()
        if len(stripped) >= len(fence) and set(stripped) == {fence[0]}:
            code = None
        else:
            code.body.append(line)
    if code is not None:
        raise ContentError([Problem(path, code.no, f"code fence {fence} is never closed")])
    return out


def nesting(line: str) -> int:
    """How many list or quote markers open ``line`` ("- - - x" is three), counting no further than one past
    ``MAX_NESTING``."""
    if line.lstrip(" \t")[:1] not in ("-", "*", "+", ">"):
        return 0
    depth = i = 0
    while depth <= MAX_NESTING:
        while i < len(line) and line[i] in " \t":
            i += 1
        if i < len(line) and line[i] in "-*+>" and (line[i] == ">" or line[i + 1 : i + 2] in (" ", "\t")):
            depth, i = depth + 1, i + 1
        else:
            return depth
    return depth


def parse_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading, without its closing ``#``s. No regular expression: a heading of
    100,000 spaces must take no longer than its length."""
    if not line.startswith("#"):
        return None
    level = len(line) - len(line.lstrip("#"))
    rest = line[level:]
    if level > 6 or (rest and rest[0] not in " \t"):
        return None
    words = rest.strip(" \t")
    closing = words.rstrip("#")
    if closing != words and (not closing or closing[-1] in " \t"):
        words = closing.rstrip(" \t")
    return level, words


def clean_answer(lines: list[tuple[str, bool]]) -> str:
    """Drop ``---`` separators, squeeze blank runs and trim; lines known to be code stay untouched."""
    kept: list[str] = []
    for text, is_code in lines:
        if not is_code and RULE_RE.match(text):
            continue
        if not is_code and not text.strip():
            if kept and kept[-1] == "":
                continue
            text = ""
        kept.append(text)
    return "\n".join(kept).strip("\n")


# -- keys --


def slugify(text: str, limit: int = 60) -> str:
    text = re.sub(r"['\u2019]", "", text)  # "What's" and "What’s" both give "whats"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def normalise(text: str) -> str:
    """What counts as "the same question": case, quotes and whitespace do not."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))
    return " ".join(text.casefold().split())


def question_key(file_key: str, group_title: str, prompt: str) -> str:
    """``<file>/<slug>-<hash>``: from the question's own words only, so it survives re-ordering."""
    identity = f"{normalise(group_title)}\n{normalise(prompt)}"  # as in Draft.finish
    digest = hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()[:8]
    room = MAX_KEY - len(file_key) - len(digest) - 2
    slug = slugify(f"{group_title} {prompt}", limit=min(80, room)) or "question"
    return f"{file_key}/{slug}-{digest}"


def _kept_key(key: str, file_key: str, path: str, line: int) -> str:
    """A key an editor kept (``key:`` in the provenance comment): it must be one of this file's keys."""
    slug = key.removeprefix(f"{file_key}/")
    if slug == key or not slug or "/" in slug or len(key) > MAX_KEY or slug != slugify(slug, limit=MAX_KEY):
        problem = f"provenance key {key!r} is not a question key of this file ({file_key}/<slug>)"
        raise ContentError([Problem(path, line, problem)])
    return key


def follow_up_key(file_key: str, parent_group: str, parent_prompt: str, prompt: str) -> str:
    """A follow-up's key: its own words and its parent's, so "Why?" under two questions gives two keys."""
    identity = f"{normalise(parent_group)}\n{normalise(parent_prompt)}\n\n{normalise(prompt)}"
    digest = hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()[:8]
    room = MAX_KEY - len(file_key) - len(digest) - 2
    slug = slugify(prompt, limit=min(80, room)) or "follow-up"
    return f"{file_key}/{slug}-{digest}"


# -- the common shape every parser produces --


@dataclass
class _RawSection:
    title: str
    level: int
    line: int
    parent: int | None


@dataclass
class RawQuestion:
    section: int
    group_title: str
    prompt: str
    answer: str
    difficulty: str
    line: int
    follows: bool = False  # a follow-up of the last question before it that is none


@dataclass
class Draft:
    """What a parser collects before keys are given: index 0 of ``sections`` is the file's root.

    A parser calls ``use(line)`` for every line it puts into a question, an answer, a section heading or the
    file's introduction; ``finish`` reports every other non-blank line as ignored.
    """

    path: str
    text: str = ""
    layout: str = "qna"
    style: str = ""
    sections: list[_RawSection] = field(default_factory=lambda: [_RawSection("", 0, 1, None)])
    questions: list[RawQuestion] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    stack: list[int] = field(default_factory=lambda: [0])
    used: set[int] = field(default_factory=set)
    runs: list[tuple[int, int, str]] = field(default_factory=list)  # of ignored lines, as ``_ignored`` finds

    def use(self, *lines: int) -> None:
        self.used.update(lines)

    def use_code(self, code: Code) -> None:
        self.used.update(range(code.no, code.no + len(code.raw)))

    def _ignored(self) -> tuple[int, list[int]]:
        """The number of non-blank lines and the ignored ones; runs of ignored lines are one note each."""
        lines = self.text.split("\n")
        blank = [not line.strip() for line in lines]
        ignored = [no for no, is_blank in enumerate(blank, 1) if not is_blank and no not in self.used]
        first = 0  # index in ``ignored`` of the run's first line
        for i, no in enumerate(ignored):
            following = ignored[i + 1] if i + 1 < len(ignored) else None
            # A run goes on across blank lines only.
            if following is None or not all(blank[n - 1] for n in range(no + 1, following)):
                start, count = ignored[first], i + 1 - first
                text = lines[start - 1].strip()
                what = f"{text[:60]!r}" if count == 1 else f"{count} lines from {text[:60]!r}"
                self.notes.append(Finding(self.path, start, "ignored", what))
                self.runs.append((start, count, text[:200]))
                first = i + 1
        return len(blank) - sum(blank), ignored

    def too_many(self, line: int, what: str, limit: int) -> None:
        raise ContentError([Problem(self.path, line, f"more than {limit:,} {what} in one file: split it")])

    def open_section(self, level: int, title: str, line: int) -> int:
        if len(self.sections) > MAX_SECTIONS:
            self.too_many(line, "sections", MAX_SECTIONS)
        if len(title) > MAX_TITLE:
            raise ContentError(
                [Problem(self.path, line, f"section title longer than {MAX_TITLE} characters")]
            )
        while self.sections[self.stack[-1]].level >= level:
            self.stack.pop()
        self.sections.append(_RawSection(title, level, line, self.stack[-1]))
        self.stack.append(len(self.sections) - 1)
        return self.stack[-1]

    def empty_heading(self, level: int, line: int) -> None:
        self.notes.append(Finding(self.path, line, "empty-heading", f"'{'#' * level}' heading has no title"))

    def finish(self, root_key: str, root_title: str, root_line: int) -> SourceFile:
        self.sections[0].title, self.sections[0].line = root_title, root_line
        keys = [root_key]
        sections = [ParsedSection(root_key, None, root_title, self.path, root_line)]
        taken = {root_key}
        counts: dict[str, int] = {}  # the last number given to each base: 20,000 equal titles stay linear
        for raw in self.sections[1:]:
            base = f"{keys[raw.parent]}/{slugify(raw.title) or 'section'}"
            key, n = base, counts.get(base, 1)
            if n > 1:
                key = f"{base}-{n}"
            while key in taken:
                n += 1
                key = f"{base}-{n}"
            counts[base] = n
            if key != base:
                self.notes.append(
                    Finding(self.path, raw.line, "duplicate-section", f"'{raw.title}' again; key {key}")
                )
            taken.add(key)
            keys.append(key)
            sections.append(ParsedSection(key, keys[raw.parent], raw.title, self.path, raw.line))
        questions: list[ParsedQuestion] = []
        seen: dict[str, int] = {}
        parent: RawQuestion | None = None
        parents_key = ""
        for raw in self.questions:
            try:
                answer_md, provenance = split_provenance(raw.answer)
            except ProvenanceSyntaxError as exc:
                raise ContentError([Problem(self.path, raw.line, str(exc))]) from None
            identity = f"{normalise(raw.group_title)}\n{normalise(raw.prompt)}"
            key, parent_key, section = question_key(root_key, raw.group_title, raw.prompt), None, raw.section
            if raw.follows:
                if parent is None:
                    problem = "a follow-up with no question before it to follow up"
                    raise ContentError([Problem(self.path, raw.line, problem)])
                # A follow-up belongs where its question does, whatever heading came between.
                parent_key = parents_key
                section = parent.section
                key = follow_up_key(root_key, parent.group_title, parent.prompt, raw.prompt)
                identity = f"{normalise(parent.group_title)}\n{normalise(parent.prompt)}\n\n{identity}"
            if provenance and provenance.key:
                key = _kept_key(provenance.key, root_key, self.path, raw.line)
            if not raw.follows:
                parent, parents_key = raw, key
            question = ParsedQuestion(
                key=key,
                section=keys[section],
                group_title=raw.group_title,
                prompt_md=raw.prompt,
                answer_md=answer_md,
                difficulty=raw.difficulty,
                source_path=self.path,
                source_line=raw.line,
                provenance=provenance,
                parent=parent_key,
            )
            if identity not in seen:
                seen[identity] = len(questions)
                questions.append(question)
                continue
            index = seen[identity]
            earlier = questions[index]
            kept, dropped = (
                (question, earlier)
                if len(question.answer_md.strip()) > len(earlier.answer_md.strip())
                else (earlier, question)
            )
            questions[index] = kept
            self.notes.append(
                Finding(
                    self.path,
                    dropped.source_line,
                    "duplicate-question",
                    f"same question as line {kept.source_line}, merged into it (its answer is fuller)",
                )
            )
        lines_by_key: dict[str, int] = {}
        for question in questions:
            if (other := lines_by_key.setdefault(question.key, question.source_line)) != question.source_line:
                problem = f"key {question.key} is also line {other}'s: reword one of the two"
                raise ContentError([Problem(self.path, question.source_line, problem)])
        lines, ignored = self._ignored()
        used = frozenset(self.used)
        return SourceFile(
            self.path,
            sections,
            questions,
            self.notes,
            self.layout,
            lines,
            ignored,
            used,
            self.runs,
            self.style or ("chapter" if self.layout == "chapter" else ""),
        )


def file_key_and_title(path: str, title: str | None, heading: str | None) -> tuple[str, str]:
    stem = posixpath.splitext(posixpath.basename(path))[0]
    root_title = title or heading or stem
    return slugify(root_title) or slugify(stem) or "file", root_title
