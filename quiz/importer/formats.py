"""The three question formats: Chip Huyen's chapters, the QnA files and the case study.

Each ``parse_*`` function turns one file's text into a ``SourceFile``, or raises ``ContentError`` saying
``path:line: what is wrong``.
"""

import posixpath
import re
import textwrap
from dataclasses import dataclass, field

from quiz.importer.common import (
    MAX_TITLE,
    Code,
    ContentError,
    Draft,
    Finding,
    Problem,
    RawQuestion,
    SourceFile,
    chunks,
    clean_answer,
    file_key_and_title,
    parse_heading,
    slugify,
)

DIFFICULTIES = {"E": "easy", "M": "medium", "H": "hard"}
UNRATED = "unrated"
ITEM_RE = re.compile(r"^(\d{1,9})\.(?:[ \t]+(.*?))?[ \t]*$")
TAG_RE = re.compile(r"^\[([EMH])\](?:[ \t]+(.*))?$", re.IGNORECASE)
# Lines that start a markdown block of their own, so they never continue an item's prompt.
BLOCK_START_RE = re.compile(r"^[ \t]*(?:[*+-][ \t]|\d+\.[ \t]|>|\||#|```|~~~)")
CHAPTER_TITLE_RE = re.compile(r"^(?:chapter\s*)?(\d+)\.?\s+(.+)$", re.IGNORECASE)


# -- Chip Huyen's chapters --


@dataclass
class _Item:
    line: int
    number: int
    difficulty: str | None  # None: untagged, a group title (or an unrated question if nothing follows)
    prompt: str
    section: int
    blank_before: bool
    fences: list[Code] = field(default_factory=list)


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


def _chapter_answer(fences: list[Code]) -> str:
    parts = []
    for fence in fences:
        body = textwrap.dedent("\n".join(fence.body)).strip("\n")
        if fence.lang not in ("", "text", "txt", "markdown", "md"):
            parts.append("\n".join(fence.raw))
        elif body.strip() and body.strip().upper() != "NOT ANSWERED":
            parts.append(body)
    return "\n\n".join(parts)


def parse_chapter(text: str, path: str, title: str | None = None) -> SourceFile:
    draft = Draft(path)
    heading: tuple[str, int] | None = None
    section = 0
    items: list[_Item] = []
    last: _Item | None = None
    blank = continues = False
    for chunk in chunks(text, path):
        if isinstance(chunk, Code):
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
        if found := parse_heading(line):
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
                RawQuestion(
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
    draft = Draft(path)
    file_heading: tuple[str, int] | None = None
    section = 0
    answer: list[tuple[str, bool]] | None = None
    answers: list[list[tuple[str, bool]]] = []
    for chunk in chunks(text, path):
        if isinstance(chunk, Code):
            if answer is not None:
                answer.extend((line, True) for line in chunk.raw)
            continue
        found = parse_heading(chunk.text)
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
            difficulty, prompt = _item_text(path, chunk.no, words)
            answer = []
            answers.append(answer)
            draft.questions.append(RawQuestion(section, "", prompt, "", difficulty or UNRATED, chunk.no))
        elif words.endswith(":"):
            if answer is not None:
                answer.append((chunk.text, False))
        elif level == 1 and file_heading is None and len(draft.sections) == 1 and not draft.questions:
            file_heading = (words, chunk.no)
        else:
            section = draft.open_section(level, words, chunk.no)
            answer = None
    for question, lines in zip(draft.questions, answers, strict=True):
        question.answer = clean_answer(lines)
    key, root_title = file_key_and_title(path, title, file_heading[0] if file_heading else None)
    return draft.finish(key, root_title, file_heading[1] if file_heading else 1)


# -- the case study --


def parse_case_study(text: str, path: str, title: str | None = None) -> SourceFile:
    draft = Draft(path)
    file_heading: tuple[str, int] | None = None
    section = 0
    answer: list[tuple[str, bool]] | None = None
    answers: list[list[tuple[str, bool]]] = []
    continues = False
    for chunk in chunks(text, path):
        if isinstance(chunk, Code):
            if answer is not None:
                answer.extend((line, True) for line in chunk.raw)
            continues = False
            continue
        line = chunk.text
        if found := parse_heading(line):
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
            draft.questions.append(RawQuestion(section, "", prompt, "", difficulty or UNRATED, chunk.no))
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
        question.answer = clean_answer(lines)
    key, root_title = file_key_and_title(path, title, file_heading[0] if file_heading else None)
    return draft.finish(key, root_title, file_heading[1] if file_heading else 1)
