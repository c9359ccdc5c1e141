"""Each style's writer: a file's questions as markdown, asked the way the file asked them (``WRITERS``, by
the style the import found: ``quiz/importer/common.py``'s ``STYLES``). Pure functions over the importer's
dataclasses; ``quiz/exporter/__init__.py`` picks the writer and checks what it wrote reads back."""

import functools
import re
import textwrap
from collections import defaultdict

from quiz import importer

TAGS = {"easy": "E", "medium": "M", "hard": "H"}
BACKTICKS_RE = re.compile(r"^ {0,3}(`{3,})", re.MULTILINE)


class _Tree:
    """A file's sections as a tree, each with its questions in bank order."""

    def __init__(self, source: importer.SourceFile) -> None:
        self.root = source.root
        self.children: dict[str, list[importer.ParsedSection]] = defaultdict(list)
        for section in source.sections[1:]:
            self.children[section.parent or self.root.key].append(section)
        self.questions: dict[str, list[importer.ParsedQuestion]] = defaultdict(list)
        self.follow_ups: dict[str, list[importer.ParsedQuestion]] = defaultdict(list)
        for question in source.questions:
            if question.parent:
                self.follow_ups[question.parent].append(question)
            else:
                self.questions[question.section].append(question)

    def walk(self, section: importer.ParsedSection | None = None, depth: int = 0):
        """(section, depth) for every section below the root, parents first, in source order."""
        for child in self.children[(section or self.root).key]:
            yield child, depth + 1
            yield from self.walk(child, depth + 1)


def _tag(question: importer.ParsedQuestion) -> str:
    return f"[{TAGS[question.difficulty]}] " if question.difficulty in TAGS else ""


def _answer(question: importer.ParsedQuestion) -> str:
    """The answer as the markdown holds it: its key points stay in it, its provenance comment goes last."""
    if question.provenance is None:
        return question.answer_md
    comment = question.provenance.comment()
    return f"{question.answer_md.rstrip()}\n\n{comment}" if question.answer_md.strip() else comment


ANSWER_LABEL = "**Answer:**"


def _prompt_parts(question: importer.ParsedQuestion) -> tuple[str, str]:
    """The prompt's first paragraph, for the question's own line, and the rest (the table, code or words
    the question goes on with), which goes under it with an answer label after it."""
    first, _, rest = question.prompt_md.partition("\n\n")
    return first, rest


def _under(question: importer.ParsedQuestion, label: str = ANSWER_LABEL) -> list[str]:
    """What goes under a question's line: the rest of its prompt and the answer label (when the prompt goes
    on), then the answer after a blank line."""
    rest, answer = _prompt_parts(question)[1], _answer(question)
    lines = ["", rest, "", label] if rest else []
    return [*lines, "", answer] if answer else lines


def _heading_prompt(question: importer.ParsedQuestion) -> str:
    """A question heading the importer reads back as this question: a prompt that neither asks with "?" nor
    carries a difficulty tag gets a ``Q:`` label (which the importer strips)."""
    tag, prompt = _tag(question), _prompt_parts(question)[0]
    if tag or prompt.rstrip().endswith("?"):
        return f"{tag}{prompt}"
    return f"Q: {prompt}"


def _heading_answer(question: importer.ParsedQuestion) -> list[str]:
    """A heading question's answer, right under it (as upstream writes them), or under its prompt's rest."""
    if _prompt_parts(question)[1]:
        return _under(question)
    return [answer] if (answer := _answer(question)) else []


def _follow_up_heading(question: importer.ParsedQuestion) -> str:
    """``#### Follow-up: [M] …``: a heading, which every layout reads as a follow-up, tagged or not."""
    return _heading(4, f"Follow-up: {_tag(question)}{_prompt_parts(question)[0]}")


def _heading(level: int, text: str) -> str:
    return f"{'#' * min(level, 6)} {text}"


def _blank(lines: list[str], count: int = 1) -> list[str]:
    """``lines`` ending in ``count`` blank lines (no more: blank runs in answers are the answers' own)."""
    if lines:
        text = "\n".join(lines)
        lines += [""] * max(0, count - (len(text) - len(text.rstrip("\n"))))
    return lines


def finished(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n") + "\n"


# -- Chip Huyen's chapters --


def _answer_fence(answer: str) -> list[str]:
    """The ````markdown fence a chapter question's answer lives in (as the bank's editors write it), longer
    than any fence inside the answer; none for a question without an answer (as upstream writes most)."""
    if not answer.strip():
        return []
    longest = max((len(run) for run in BACKTICKS_RE.findall(answer)), default=3)
    fence = "`" * max(4, longest + 1)
    return [f"{fence}markdown", answer, fence]


def _chapter_items(
    questions: list[importer.ParsedQuestion], follow_ups: dict[str, list[importer.ParsedQuestion]]
) -> list[str]:
    """Numbered items: an untagged title for each group, its questions numbered from 1 again below it.

    An item after a group whose number could also continue the group's gets a blank line before it, which is
    how the importer tells the two readings apart (see ``quiz/importer/formats.py``).
    """
    lines: list[str] = []
    outer = child = 0
    group = ""
    for question in questions:
        if question.group_title:
            if question.group_title != group:
                outer += 1
                group, child = question.group_title, 0
                lines.append(f"{outer}. {group}")
            child += 1
            lines.append(f"{child}. {_tag(question)}{question.prompt_md}")
        else:
            outer += 1
            if group and outer == child + 1:
                _blank(lines)
            group = ""
            lines.append(f"{outer}. {_tag(question)}{question.prompt_md}")
        lines += _answer_fence(_answer(question))
        for follow_up in follow_ups[question.key]:
            lines += [_follow_up_heading(follow_up), *_answer_fence(_answer(follow_up))]
    return lines


def export_chapter(source: importer.SourceFile) -> str:
    tree = _Tree(source)
    lines = [
        _heading(2, tree.root.title),
        "",
        *_chapter_items(tree.questions[tree.root.key], tree.follow_ups),
    ]
    for section, depth in tree.walk():
        _blank(lines).append(_heading(depth + 2, section.title))
        lines += _chapter_items(tree.questions[section.key], tree.follow_ups)
    return finished(lines)


# -- QnA files --


def export_qna(source: importer.SourceFile) -> str:
    """``#`` title, ``##`` topics (``#``/``##`` when topics nest), ``###`` questions with their answers."""
    tree = _Tree(source)
    sections = list(tree.walk())
    nested = any(depth > 1 for _, depth in sections)

    def questions(section: importer.ParsedSection) -> list[str]:
        lines = []
        for question in tree.questions[section.key]:
            lines += [_heading(3, _heading_prompt(question)), *_heading_answer(question), ""]
            for follow_up in tree.follow_ups[question.key]:
                lines += [_follow_up_heading(follow_up), *_heading_answer(follow_up), ""]
        return lines

    lines = [_heading(1, tree.root.title), "", *questions(tree.root)]
    for section, depth in sections:
        level = min(depth, 2) if nested else 2
        _blank(lines).append(_heading(level, section.title))
        lines += ["", *questions(section)]
    return finished(lines)


# -- lists: the case study and other numbered or bulleted questions --


def export_list(source: importer.SourceFile, bullet: str = "") -> str:
    """``###`` sections, their items numbered from 1 (or marked with ``bullet``); an answer follows its item
    after a blank line (indented under a bullet, so the bullets of its key points stay its own)."""
    tree = _Tree(source)

    def items(section: importer.ParsedSection) -> list[str]:
        lines = []
        for number, question in enumerate(tree.questions[section.key], 1):
            lines.append(f"{bullet or f'{number}.'} {_tag(question)}{_prompt_parts(question)[0]}")
            if under := "\n".join(_under(question)):
                lines.append(textwrap.indent(under, " " * (len(bullet) + 1)) if bullet else under)
                _blank(lines)
            for follow_up in tree.follow_ups[question.key]:
                _blank(lines).append(_follow_up_heading(follow_up))
                if under := "\n".join(_under(follow_up)):
                    lines.append(under)
                _blank(lines)
        return lines

    lines = [_heading(1, tree.root.title), "", *items(tree.root)]
    for section, depth in tree.walk():
        _blank(lines).append(_heading(depth + 2, section.title))
        lines += items(section)
    return finished(lines)


# -- files whose questions are not headings: Q:/A: pairs, bold lines, <details> blocks --

BLOCK_START_RE = re.compile(r"^\s*(?:[#>|<$\\`~]|[*+-]\s|\d{1,9}[.)]\s|\*\*|__)")


def _pair(question: importer.ParsedQuestion, label: str) -> list[str]:
    """``Q: prompt`` (or ``Follow-up: prompt``), then ``A:`` with the answer's first paragraph on its line
    when it is plain text, as people write pairs."""
    first, rest = _prompt_parts(question)
    lines = [f"{label}: {_tag(question)}{first}", *(["", rest, ""] if rest else [])]
    answer = _answer(question)
    if not answer:
        return [*lines, "A:"] if rest else lines  # "A:" ends a prompt that goes on
    return [*lines, f"A: {answer}"] if not BLOCK_START_RE.match(answer) else [*lines, "A:", "", answer]


def _bold(question: importer.ParsedQuestion) -> list[str]:
    """``**[M] What is X?**`` and its answer after a blank line; a prompt a bold line cannot carry (one
    that neither asks nor is tagged, or has bold of its own) is asked as a ``Q:`` pair."""
    prompt = _prompt_parts(question)[0]
    if "*" in prompt or "_" in prompt[:1] + prompt[-1:] or not (_tag(question) or prompt.endswith("?")):
        return _pair(question, "Q")
    return [f"**{_tag(question)}{prompt}**", *_under(question)]


def _details(question: importer.ParsedQuestion, follows: bool = False) -> list[str]:
    """A ``<details>`` block: the prompt its summary, the answer inside, blank lines around it so it is
    read as markdown."""
    summary = f"{'Follow-up: ' if follows else ''}{_tag(question)}{question.prompt_md}"
    body = _answer(question)
    return ["<details>", f"<summary>{summary}</summary>", *(["", body] if body else []), "", "</details>"]


def _blocks(source: importer.SourceFile, block) -> str:
    """``#`` title, sections ``##``, ``###``... by depth, each question ``block(question)`` then its
    follow-ups' ``block(follow_up, True)``, a blank line between them."""
    tree = _Tree(source)

    def questions(section: importer.ParsedSection) -> list[str]:
        lines = []
        for question in tree.questions[section.key]:
            lines += [*block(question), ""]
            for follow_up in tree.follow_ups[question.key]:
                lines += [*block(follow_up, True), ""]
        return lines

    lines = [_heading(1, tree.root.title), "", *questions(tree.root)]
    for section, depth in tree.walk():
        _blank(lines).append(_heading(depth + 1, section.title))
        lines += ["", *questions(section)]
    return finished(lines)


def export_pairs(source: importer.SourceFile) -> str:
    return _blocks(source, lambda q, follows=False: _pair(q, "Follow-up" if follows else "Q"))


def export_bold(source: importer.SourceFile) -> str:
    return _blocks(source, lambda q, follows=False: _pair(q, "Follow-up") if follows else _bold(q))


def export_details(source: importer.SourceFile) -> str:
    return _blocks(source, _details)


WRITERS = {
    "chapter": export_chapter,
    "headings": export_qna,
    "numbered": export_list,
    "bulleted": functools.partial(export_list, bullet="-"),
    "pairs": export_pairs,
    "bold": export_bold,
    "details": export_details,
}
