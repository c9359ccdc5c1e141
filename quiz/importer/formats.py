"""Chip Huyen's chapters: numbered items tagged ``[E]``/``[M]``/``[H]``, an untagged item titling the group of
items after it (indented under it, or numbered from 1 again), each answered by the fence after it.

``parse_chapter`` turns one file's text into a ``SourceFile``, or raises ``ContentError`` saying
``path:line: what is wrong``; every other layout is read by ``quiz/importer/general/``.
"""

import posixpath
import re
import textwrap
from dataclasses import dataclass, field

from quiz.importer.blocks import math_closing
from quiz.importer.common import (
    MAX_QUESTIONS,
    MAX_TITLE,
    RULE_RE,
    Code,
    ContentError,
    Draft,
    Problem,
    RawQuestion,
    SourceFile,
    chunks,
    clean_answer,
    parse_heading,
    slugify,
)
from quiz.importer.markers import FOLLOW_UP_RE, UNRATED, follow_up, list_item

DIFFICULTIES = {"E": "easy", "M": "medium", "H": "hard"}
BEAM = 16
FIGURE_RE = re.compile(r"!\[|<|\$\$|\\\[")  # a figure, its HTML, or display maths
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
    indent: int = 0
    fences: list[Code] = field(default_factory=list)
    figure: bool = False
    follow_ups: list["_Item"] = field(default_factory=list)
    # A follow-up's answer as it comes: prose lines, and fences (a ````markdown one unwrapped) as is.
    answer: list[tuple[str, bool]] | None = None


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
    if any(item.indent >= 2 for item in items):
        # Nested as its authors keep it: indentation says which items belong to the group above them.
        roles = []
        for i, item in enumerate(items):
            nested = item.indent >= 2 and bool(roles)
            followed = i + 1 < len(items) and items[i + 1].indent > item.indent
            roles.append("child" if nested else "group" if followed and item.difficulty is None else "outer")
        return roles
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
        # Keep the few best readings: a list of 100,000 items stays linear.
        best = dict(sorted(following.items(), key=lambda kv: kv[1][0])[:BEAM])
    return list(min(best.values())[1])


def _follow_up_of(heading: tuple[int, str] | None, stripped: str, markers: dict[str, str]):
    """(difficulty, prompt) if the line opens a follow-up: a ``Follow-up:`` heading or line."""
    if heading is not None:
        return follow_up(heading[1], markers, heading=True)
    return follow_up(stripped, markers, heading=False) if stripped[:1] in "Ff*_" else None


def _fence_lines(fence: Code) -> list[tuple[str, bool]]:
    """A fence in a follow-up's answer, as ``_chapter_answer`` reads one: a markdown fence unwrapped."""
    if fence.lang not in ("", "text", "txt", "markdown", "md"):
        return [(raw, True) for raw in fence.raw]
    body = textwrap.dedent("\n".join(fence.body)).strip("\n")
    if not body.strip() or body.strip().upper() == "NOT ANSWERED":
        return []
    return [(line, True) for line in body.split("\n")]


def _chapter_answer(fences: list[Code]) -> str:
    parts = []
    for fence in fences:
        body = textwrap.dedent("\n".join(fence.body)).strip("\n")
        if fence.lang not in ("", "text", "txt", "markdown", "md"):
            parts.append("\n".join(fence.raw))
        elif body.strip() and body.strip().upper() != "NOT ANSWERED":
            parts.append(body)
    return "\n\n".join(parts)


def parse_chapter(
    text: str, path: str, title: str | None = None, difficulty_markers: dict[str, str] | None = None
) -> SourceFile:
    draft = Draft(path, text, layout="chapter")
    heading: tuple[str, int] | None = None
    section = 0
    items: list[_Item] = []
    last: _Item | None = None
    blank = continues = False
    maths = ""  # the closing of an open display-maths block
    markers = difficulty_markers or {}
    for chunk in chunks(text, path):
        if isinstance(chunk, Code):
            if last is not None:
                if last.answer is not None:
                    last.answer += _fence_lines(chunk)
                else:
                    last.fences.append(chunk)
                draft.use_code(chunk)
            blank = continues = False
            continue
        line = chunk.text
        stripped = line.strip()
        heading_found = parse_heading(line)
        asked = _follow_up_of(heading_found, stripped, markers)
        if asked is None and heading_found and FOLLOW_UP_RE.match(heading_found[1]):
            raise ContentError([Problem(path, chunk.no, "follow-up heading has no question")])
        if last is not None and last.answer is not None and asked is None and not heading_found:
            numbered = (item := list_item(line)) is not None and item.kind == "number"
            if continues and stripped and not BLOCK_START_RE.match(line):
                last.prompt += " " + stripped  # a "Follow-up:" line's prompt, wrapped
                draft.use(chunk.no)
                continue
            if not numbered:
                # A follow-up answered in prose, as under a question heading: up to the next item or heading.
                last.answer.append((line, False))
                draft.use(chunk.no)
                blank, continues = not stripped, False
                continue
        if maths and last is not None and stripped:  # display maths under an item belongs to its prompt
            last.prompt += "\n" + stripped
            maths = "" if stripped.endswith(maths) else maths
            draft.use(chunk.no)
            continue
        if not stripped:
            blank, continues, maths = True, False, ""
            continue
        if asked is not None:
            # "Follow-up: [H] …" (a line or a heading) under an item: asked after it, answered below it.
            owner = items[-1] if items else None
            if owner is None:
                raise ContentError([Problem(path, chunk.no, "a follow-up with no question before it")])
            last = _Item(chunk.no, 0, asked[0] or UNRATED, asked[1], section, blank, answer=[])
            owner.follow_ups.append(last)
            draft.use(chunk.no)
            blank, continues = False, heading_found is None
            continue
        if found := heading_found:
            level, words = found
            draft.use(chunk.no)
            if not words:
                draft.empty_heading(level, chunk.no)
            elif heading is None and level <= 2:
                heading = (chapter_title(words), chunk.no)
            else:
                section = draft.open_section(level, words, chunk.no)
            last, blank, continues = None, False, False
            continue
        item = list_item(line)
        if item is not None and item.kind == "number":
            difficulty, prompt = _item_text(path, chunk.no, item.text)
            if len(items) >= MAX_QUESTIONS:
                draft.too_many(chunk.no, "numbered items", MAX_QUESTIONS)
            last = _Item(chunk.no, item.number, difficulty, prompt, section, blank, item.indent)
            items.append(last)
            draft.use(chunk.no)
            blank, continues = False, True
            continue
        if continues and last is not None and not BLOCK_START_RE.match(line):
            last.prompt += " " + stripped
            draft.use(chunk.no)
            continue
        if last is not None and (FIGURE_RE.match(stripped) or line[0] in " \t"):
            # A figure, its HTML or an indented hint between items belongs to the question above it.
            last.prompt += ("\n" if last.figure else "\n\n") + stripped
            last.figure = True
            maths = math_closing(stripped) or ""
            draft.use(chunk.no)
        elif not items or RULE_RE.match(line):
            draft.use(chunk.no)  # the chapter's introduction, or a separator
        blank = continues = False

    for section_index in dict.fromkeys(item.section for item in items):
        in_section = [item for item in items if item.section == section_index]
        roles = _resolve_groups(in_section)
        group = setting = ""
        for i, (item, role) in enumerate(zip(in_section, roles, strict=True)):
            has_children = i + 1 < len(roles) and roles[i + 1] == "child"
            if role == "outer":
                group = setting = ""
            if role == "group" and has_children:
                if item.follow_ups:
                    problem = "a follow-up under a group title: put it under one of the group's questions"
                    raise ContentError([Problem(path, item.follow_ups[0].line, problem)])
                group, setting = item.prompt, ""
                if len(group) > MAX_TITLE:
                    # A scenario too long for a title: each of its questions starts with it.
                    group, setting = group[: MAX_TITLE - 1].rstrip() + "…", item.prompt
                continue
            draft.questions.append(
                RawQuestion(
                    section=item.section,
                    group_title=group if role == "child" else "",
                    prompt=f"{setting}\n\n{item.prompt}" if setting and role == "child" else item.prompt,
                    answer=_chapter_answer(item.fences),
                    difficulty=item.difficulty or UNRATED,
                    line=item.line,
                )
            )
            draft.questions += [
                RawQuestion(
                    section=item.section,
                    group_title=group if role == "child" else "",
                    prompt=asked.prompt,
                    answer=clean_answer(asked.answer or []),
                    difficulty=asked.difficulty,
                    line=asked.line,
                    follows=True,
                )
                for asked in item.follow_ups
            ]
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
