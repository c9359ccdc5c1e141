"""Markdown question bank -> plain dataclasses -> Django fixture records.

No database and no models here: ``build_fixtures`` reads the files, calls ``parse_bank`` and writes
what ``dump_fixture(fixture_records(bank))`` returns. The four formats:

- Chip Huyen's chapters (``chapterN.md``): numbered items tagged ``[E]``/``[M]``/``[H]``, answered by the
  ```` ```text ```` fence after them; an untagged item titles the group of tagged items after it.
- The QnA files: a ``##``/``###`` heading ending in ``?`` is a question, everything after it is its answer.
- The case study (``case_study*.md``): numbered items under ``###`` sections, answered by the paragraphs
  after them.
- The index files (``README.md``, ``ml-interviews-book.md``): their link lists give titles and order.
"""

import hashlib
import json
import posixpath
import re
import textwrap
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from quiz.rendering import render_markdown

INDEX_FILES = frozenset({"README.md", "ml-interviews-book.md"})
DIFFICULTIES = {"E": "easy", "M": "medium", "H": "hard"}
UNRATED = "unrated"
MAX_TITLE = 300  # Section.title and Question.group_title
MAX_KEY = 200

HEADING_RE = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
ITEM_RE = re.compile(r"^(\d{1,9})\.(?:[ \t]+(.*?))?[ \t]*$")
TAG_RE = re.compile(r"^\[([EMH])\](?:[ \t]+(.*))?$", re.IGNORECASE)
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)")
RULE_RE = re.compile(r"^ {0,3}-{3,}[ \t]*$")
LINK_RE = re.compile(r"^[ \t]*(?:\d+\.|[*+-])[ \t]+\[([^\]]+)\]\(([^)]*)\)")
# Lines that start a markdown block of their own, so they never continue an item's prompt.
BLOCK_START_RE = re.compile(r"^[ \t]*(?:[*+-][ \t]|\d+\.[ \t]|>|\||#|```|~~~)")
# Inline math was stripped from Chip Huyen's questions: "Given a vector , find", "two vectors and .",
# "What is ?", "the dot product of and is maximum".
STRIPPED_MATH_RES = (
    re.compile(r"(?<=\w) +[,.;:?!](?=\s|$)"),
    re.compile(r"\b(?:a|an|the|of|between|with|by|from)\s+(?:and|or|is|are|such)\b"),
)
NUMBERING_RE = re.compile(r"^(?:chapter\s*)?\d+(?:\.\d+)*\.?\s+", re.IGNORECASE)
CHAPTER_TITLE_RE = re.compile(r"^(?:chapter\s*)?(\d+)\.?\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """Something in the markdown that stops the import."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(ValueError):
    """The markdown cannot be imported; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
class Section:
    key: str
    parent: str | None
    title: str
    source_path: str
    source_line: int


@dataclass
class Question:
    key: str
    section: str
    group_title: str
    prompt_md: str
    answer_md: str
    difficulty: str
    source_path: str
    source_line: int


@dataclass
class SourceFile:
    """One question file: its root section first, then its sections and questions in source order."""

    path: str
    sections: list[Section]
    questions: list[Question]
    notes: list[Finding] = field(default_factory=list)  # duplicates merged, empty headings, stray text

    @property
    def root(self) -> Section:
        return self.sections[0]


@dataclass
class Bank:
    files: list[SourceFile]
    notes: list[Finding] = field(default_factory=list)  # index links that point nowhere


@dataclass(frozen=True)
class FileSummary:
    path: str
    questions: int
    answered: int
    unanswered: int
    merged: int


# -- lines and fences --


@dataclass(frozen=True)
class _Text:
    no: int
    text: str


@dataclass(frozen=True)
class _Code:
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
    return text.replace("\r\n", "\n")


def _chunks(text: str, path: str) -> list[_Text | _Code]:
    """Split ``text`` into plain lines and whole fenced code blocks (whose ``#`` lines are never headings)."""
    out: list[_Text | _Code] = []
    code: _Code | None = None
    fence = ""
    for no, line in enumerate(text.split("\n"), 1):
        if code is None:
            match = FENCE_RE.match(line)
            if match:
                fence = match[1]
                code = _Code(no, match[2].lower(), [], [line])
                out.append(code)
            else:
                out.append(_Text(no, line))
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


def _heading(line: str) -> tuple[int, str] | None:
    match = HEADING_RE.match(line)
    return (len(match[1]), (match[2] or "").strip()) if match else None


def _clean_answer(lines: list[tuple[str, bool]]) -> str:
    """Drop ``---`` separators, squeeze blank runs and trim; lines flagged as code stay untouched."""
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
    identity = f"{normalise(group_title)}\n{normalise(prompt)}"  # as in _Draft.finish
    digest = hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()[:8]
    room = MAX_KEY - len(file_key) - len(digest) - 2
    slug = slugify(f"{group_title} {prompt}", limit=min(80, room)) or "question"
    return f"{file_key}/{slug}-{digest}"


# -- the common shape every parser produces --


@dataclass
class _RawSection:
    title: str
    level: int
    line: int
    parent: int | None


@dataclass
class _RawQuestion:
    section: int
    group_title: str
    prompt: str
    answer: str
    difficulty: str
    line: int


@dataclass
class _Draft:
    """What a parser collects before keys are given: index 0 of ``sections`` is the file's root."""

    path: str
    sections: list[_RawSection] = field(default_factory=lambda: [_RawSection("", 0, 1, None)])
    questions: list[_RawQuestion] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    stack: list[int] = field(default_factory=lambda: [0])

    def open_section(self, level: int, title: str, line: int) -> int:
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
        sections = [Section(root_key, None, root_title, self.path, root_line)]
        taken = {root_key}
        for raw in self.sections[1:]:
            base = f"{keys[raw.parent]}/{slugify(raw.title) or 'section'}"
            key, n = base, 1
            while key in taken:
                n += 1
                key = f"{base}-{n}"
            if n > 1:
                self.notes.append(
                    Finding(self.path, raw.line, "duplicate-section", f"'{raw.title}' again; key {key}")
                )
            taken.add(key)
            keys.append(key)
            sections.append(Section(key, keys[raw.parent], raw.title, self.path, raw.line))
        questions: list[Question] = []
        seen: dict[str, int] = {}
        for raw in self.questions:
            question = Question(
                key=question_key(root_key, raw.group_title, raw.prompt),
                section=keys[raw.section],
                group_title=raw.group_title,
                prompt_md=raw.prompt,
                answer_md=raw.answer,
                difficulty=raw.difficulty,
                source_path=self.path,
                source_line=raw.line,
            )
            identity = f"{normalise(raw.group_title)}\n{normalise(raw.prompt)}"
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
        return SourceFile(self.path, sections, questions, self.notes)


def _file_key_and_title(path: str, title: str | None, heading: str | None) -> tuple[str, str]:
    stem = posixpath.splitext(posixpath.basename(path))[0]
    root_title = title or heading or stem
    return slugify(root_title) or slugify(stem) or "file", root_title


# -- Chip Huyen's chapters --


@dataclass
class _Item:
    line: int
    number: int
    difficulty: str | None  # None: untagged, a group title (or an unrated question if nothing follows)
    prompt: str
    section: int
    blank_before: bool
    fences: list[_Code] = field(default_factory=list)


def chapter_title(heading: str) -> str:
    """Both "5 Math" and "Chapter 7. Computer Science" become "Chapter N. Title"."""
    match = CHAPTER_TITLE_RE.match(heading)
    return f"Chapter {match[1]}. {match[2].strip()}" if match else heading


def _resolve_groups(items: list[_Item]) -> list[str]:
    """Give each item of a section a role: "group" (untagged title), "child" (inside a group) or "outer".

    Numbers tell them apart: outer items count 1, 2, 3...; a group's children count 1, 2, 3... again. An item
    like "3. [E] ..." after children 1 and 2 of group 2 fits both counts, so the whole section is read both
    ways and the reading with fewest numbering breaks wins; on a tie, a blank line before the item ends the
    group.
    """
    # state (outer number, child number or None outside a group) -> ((breaks, tie-breaks), roles so far)
    best: dict[tuple[int, int | None], tuple[tuple[int, int], tuple[str, ...]]] = {(0, None): ((0, 0), ())}
    for item in items:
        following: dict[tuple[int, int | None], tuple[tuple[int, int], tuple[str, ...]]] = {}
        for (outer, child), ((breaks, ties), roles) in best.items():
            options: list[tuple[tuple[int, int | None], int, int, str]] = []
            outer_break = int(item.number != outer + 1)
            if item.difficulty is None:
                options.append(((item.number, 0), outer_break, 0, "group"))
            else:
                left_group = int(child is not None and not item.blank_before)
                options.append(((item.number, None), outer_break, left_group, "outer"))
                if child is not None:
                    options.append(
                        ((outer, item.number), int(item.number != child + 1), int(item.blank_before), "child")
                    )
            for state, more_breaks, more_ties, role in options:
                candidate = ((breaks + more_breaks, ties + more_ties), (*roles, role))
                if state not in following or candidate < following[state]:
                    following[state] = candidate
        best = following
    return list(min(best.values())[1])


def _chapter_answer(fences: list[_Code]) -> str:
    parts = []
    for fence in fences:
        body = textwrap.dedent("\n".join(fence.body)).strip("\n")
        if fence.lang not in ("", "text", "txt", "markdown", "md"):
            parts.append("\n".join(fence.raw))
        elif body.strip() and body.strip().upper() != "NOT ANSWERED":
            parts.append(body)
    return "\n\n".join(parts)


def parse_chapter(text: str, path: str, title: str | None = None) -> SourceFile:
    draft = _Draft(path)
    heading: tuple[str, int] | None = None
    section = 0
    items: list[_Item] = []
    last: _Item | None = None
    blank = continues = False
    for chunk in _chunks(text, path):
        if isinstance(chunk, _Code):
            if last is not None:
                last.fences.append(chunk)
            else:
                draft.notes.append(
                    Finding(path, chunk.no, "unparsed-text", "code block outside any question")
                )
            blank = continues = False
            continue
        line = chunk.text
        if not line.strip():
            blank, continues = True, False
            continue
        if found := _heading(line):
            level, words = found
            if not words:
                draft.empty_heading(level, chunk.no)
            elif heading is None and level <= 2:
                heading = (chapter_title(words), chunk.no)
            else:
                section = draft.open_section(level, words, chunk.no)
            last, blank, continues = None, False, False
            continue
        if match := ITEM_RE.match(line):
            difficulty, prompt = _item_text(path, chunk.no, match[2])
            last = _Item(chunk.no, int(match[1]), difficulty, prompt, section, blank)
            items.append(last)
            blank, continues = False, True
            continue
        if continues and last is not None and not BLOCK_START_RE.match(line):
            last.prompt += " " + line.strip()
            continue
        draft.notes.append(
            Finding(path, chunk.no, "unparsed-text", f"text outside any question: {line[:60]!r}")
        )
        blank = continues = False

    for section_index in dict.fromkeys(item.section for item in items):
        in_section = [item for item in items if item.section == section_index]
        roles = _resolve_groups(in_section)
        group = ""
        for i, (item, role) in enumerate(zip(in_section, roles, strict=True)):
            has_children = i + 1 < len(roles) and roles[i + 1] == "child"
            if role == "group" and has_children:
                if len(item.prompt) > MAX_TITLE:
                    raise ContentError(
                        [Problem(path, item.line, f"group title longer than {MAX_TITLE} characters")]
                    )
                group = item.prompt
                continue
            draft.questions.append(
                _RawQuestion(
                    section=item.section,
                    group_title=group if role == "child" else "",
                    prompt=item.prompt,
                    answer=_chapter_answer(item.fences),
                    difficulty=item.difficulty or UNRATED,
                    line=item.line,
                )
            )
    stem = posixpath.splitext(posixpath.basename(path))[0]
    root_title = heading[0] if heading else (title or stem)
    return draft.finish(slugify(stem), root_title, heading[1] if heading else 1)


def _item_text(path: str, line: int, rest: str | None) -> tuple[str | None, str]:
    """The difficulty (None if untagged) and prompt of a numbered item's text."""
    rest = (rest or "").strip()
    if not rest:
        raise ContentError([Problem(path, line, "numbered item has no text")])
    tag = TAG_RE.match(rest)
    if not tag:
        return None, rest
    prompt = (tag[2] or "").strip()
    if not prompt:
        raise ContentError([Problem(path, line, f"[{tag[1].upper()}] question has no text")])
    return DIFFICULTIES[tag[1].upper()], prompt


# -- QnA files --


def parse_qna(text: str, path: str, title: str | None = None) -> SourceFile:
    draft = _Draft(path)
    file_heading: tuple[str, int] | None = None
    section = 0
    answer: list[tuple[str, bool]] | None = None
    answers: list[list[tuple[str, bool]]] = []
    for chunk in _chunks(text, path):
        if isinstance(chunk, _Code):
            if answer is not None:
                answer.extend((line, True) for line in chunk.raw)
            continue
        found = _heading(chunk.text)
        # Plain lines, and ### or deeper headings that ask nothing, are answer text.
        if found is None or (found[0] >= 3 and found[1] and not found[1].endswith("?")):
            if answer is not None:
                answer.append((chunk.text, False))
            continue
        level, words = found
        if not words:
            draft.empty_heading(level, chunk.no)
        elif words.endswith("?"):
            if not words.rstrip("? \t"):
                raise ContentError([Problem(path, chunk.no, "question heading has no text")])
            answer = []
            answers.append(answer)
            draft.questions.append(_RawQuestion(section, "", words, "", UNRATED, chunk.no))
        elif words.endswith(":"):
            if answer is not None:
                answer.append((chunk.text, False))
        elif level == 1 and file_heading is None and len(draft.sections) == 1 and not draft.questions:
            file_heading = (words, chunk.no)
        else:
            section = draft.open_section(level, words, chunk.no)
            answer = None
    for question, lines in zip(draft.questions, answers, strict=True):
        question.answer = _clean_answer(lines)
    key, root_title = _file_key_and_title(path, title, file_heading[0] if file_heading else None)
    return draft.finish(key, root_title, file_heading[1] if file_heading else 1)


# -- the case study --


def parse_case_study(text: str, path: str, title: str | None = None) -> SourceFile:
    draft = _Draft(path)
    file_heading: tuple[str, int] | None = None
    section = 0
    answer: list[tuple[str, bool]] | None = None
    answers: list[list[tuple[str, bool]]] = []
    continues = False
    for chunk in _chunks(text, path):
        if isinstance(chunk, _Code):
            if answer is not None:
                answer.extend((line, True) for line in chunk.raw)
            continues = False
            continue
        line = chunk.text
        if found := _heading(line):
            level, words = found
            if not words:
                draft.empty_heading(level, chunk.no)
            elif level == 1 and file_heading is None and len(draft.sections) == 1 and not draft.questions:
                file_heading = (words, chunk.no)
            else:
                section = draft.open_section(level, words, chunk.no)
            answer, continues = None, False
            continue
        if match := ITEM_RE.match(line):
            difficulty, prompt = _item_text(path, chunk.no, match[2])
            answer = []
            answers.append(answer)
            draft.questions.append(_RawQuestion(section, "", prompt, "", difficulty or UNRATED, chunk.no))
            continues = True
            continue
        if continues and line.strip() and not BLOCK_START_RE.match(line):
            draft.questions[-1].prompt += " " + line.strip()
            continue
        continues = False
        if answer is not None:
            answer.append((line, False))
        elif line.strip():
            draft.notes.append(
                Finding(path, chunk.no, "unparsed-text", f"text outside any question: {line[:60]!r}")
            )
    for question, lines in zip(draft.questions, answers, strict=True):
        question.answer = _clean_answer(lines)
    key, root_title = _file_key_and_title(path, title, file_heading[0] if file_heading else None)
    return draft.finish(key, root_title, file_heading[1] if file_heading else 1)


# -- the whole bank --


def file_kind(path: str) -> str:
    name = posixpath.basename(path)
    if name in INDEX_FILES:
        return "index"
    if re.fullmatch(r"chapter\d+\.md", name):
        return "chapter"
    if name.startswith("case_study"):
        return "case-study"
    return "qna"


PARSERS = {"chapter": parse_chapter, "qna": parse_qna, "case-study": parse_case_study}


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _reading_order(texts: Mapping[str, str], notes: list[Finding]) -> list[tuple[str, str | None]]:
    """Question files in the order the index files link them, with the link text as title; then the rest."""
    order: dict[str, str | None] = {}
    by_name = {_squash(posixpath.splitext(posixpath.basename(p))[0]): p for p in sorted(texts)}
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
            if path in texts and file_kind(path) == "index":
                if path not in visited:
                    visit(path)
            elif path in texts:
                order.setdefault(path, label)
            else:
                notes.append(Finding(index, no, "missing-file", f"'{label}' links to no file"))

    if "README.md" in texts:
        visit("README.md")
    for path in sorted(texts):
        if file_kind(path) != "index":
            order.setdefault(path, None)
    return list(order.items())


def parse_bank(sources: Mapping[str, bytes | str]) -> Bank:
    """Parse every file (keys: posix paths relative to the bank's root); all problems are raised together."""
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for path, data in sources.items():
        try:
            texts[path] = data if isinstance(data, str) else decode(path, data)
        except ContentError as exc:
            problems.extend(exc.problems)
    notes: list[Finding] = []
    files: list[SourceFile] = []
    for path, title in _reading_order(texts, notes):
        try:
            files.append(PARSERS[file_kind(path)](texts[path], path, title))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    roots = [f.root.key for f in files]
    for source in files:
        if roots.count(source.root.key) > 1:
            problems.append(
                Problem(
                    source.path, source.root.source_line, f"key '{source.root.key}' is another file's too"
                )
            )
    if problems:
        raise ContentError(problems)
    return Bank(files, notes)


# -- what comes out --


def fixture_records(bank: Bank) -> list[dict]:
    """Django fixture records with natural keys and no pk, sections (parents first) then questions."""
    sections, questions = [], []
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
            questions.append(
                {
                    "model": "quiz.question",
                    "fields": {
                        "key": question.key,
                        "section": [question.section],
                        "position": len(questions),
                        "group_title": question.group_title,
                        "prompt_md": question.prompt_md,
                        "prompt_html": render_markdown(question.prompt_md),
                        "answer_md": question.answer_md,
                        "answer_html": render_markdown(question.answer_md),
                        "imported_answer_md": question.answer_md,
                        "difficulty": question.difficulty,
                        "source_path": question.source_path,
                        "source_line": question.source_line,
                        "retired": False,
                    },
                }
            )
    return sections + questions


def dump_fixture(records: list[dict]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def summarize(bank: Bank) -> list[FileSummary]:
    rows = []
    for source in bank.files:
        answered = sum(1 for q in source.questions if q.answer_md.strip())
        merged = sum(1 for n in source.notes if n.kind == "duplicate-question")
        rows.append(
            FileSummary(
                source.path, len(source.questions), answered, len(source.questions) - answered, merged
            )
        )
    return rows


def _python_errors(markdown_text: str) -> list[str]:
    errors = []
    for chunk in _chunks(markdown_text, "answer"):
        if isinstance(chunk, _Code) and chunk.lang in ("python", "py"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    compile("\n".join(chunk.body) + "\n", "answer", "exec")
                except SyntaxError as exc:
                    errors.append(
                        f"python block at answer line {chunk.no}: {exc.msg} (its line {exc.lineno})"
                    )
    return errors


def content_findings(bank: Bank) -> list[Finding]:
    """Everything a reviewer should triage, in bank order: parse notes, gaps, suspicious text."""
    findings = list(bank.notes)
    first_title: dict[str, Section] = {}
    for source in bank.files:
        found = list(source.notes)
        for section in source.sections:
            plain = normalise(NUMBERING_RE.sub("", section.title))
            other = first_title.setdefault(plain, section)
            if other.source_path != section.source_path:
                found.append(
                    Finding(
                        section.source_path,
                        section.source_line,
                        "duplicate-section-title",
                        f"'{section.title}' repeats '{other.title}' "
                        f"({other.source_path}:{other.source_line})",
                    )
                )
        checked_groups: set[str] = set()
        for question in source.questions:
            where = (question.source_path, question.source_line)
            if not question.answer_md.strip():
                found.append(Finding(*where, "unanswered", question.prompt_md[:80]))
            found.extend(
                Finding(*where, "code-does-not-compile", e) for e in _python_errors(question.answer_md)
            )
            texts = [question.prompt_md]
            if question.group_title not in checked_groups:
                checked_groups.add(question.group_title)
                texts.insert(0, question.group_title)
            for text in texts:
                if text and any(r.search(text) for r in STRIPPED_MATH_RES):
                    found.append(
                        Finding(*where, "stripped-math", f"looks like math went missing: {text[:100]}")
                    )
        findings.extend(sorted(found, key=lambda f: f.line))
    return findings
