"""Blocks a bank repeats across many of its files (support-the-author and donation blocks, "star this repo"
lines, newsletter footers): boilerplate, not part of any answer. Found after every file is read, dropped
from the answers, and listed so the person importing sees what went."""

import re
from collections import defaultdict

from quiz.importer.common import ParsedBank, normalise

MIN_FILES = 3  # a block in fewer files is content two files happen to share
MIN_CHARS = 25  # shorter blocks ("Key points:", "Example:") are the bank's own vocabulary
PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
RULE_RE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})")


def _blocks(text: str) -> set[str]:
    """The prose paragraphs of ``text``, normalised (no headings, code, tables or rules)."""
    found = set()
    for paragraph in PARAGRAPH_RE.split(text):
        stripped = paragraph.strip()
        if (
            len(stripped) < MIN_CHARS
            or stripped[:1] in ("#", "|", "`", "~", "<")
            or RULE_RE.fullmatch(stripped)
        ):
            continue
        found.add(normalise(stripped))
    return found


def find_boilerplate(texts: dict[str, str], paths: list[str]) -> dict[str, int]:
    """Paragraphs found in at least three and at least half of the question files ``paths``: their
    normalised text and in how many files."""
    if len(paths) < MIN_FILES:
        return {}
    files: dict[str, int] = defaultdict(int)
    for path in paths:
        for block in _blocks(texts[path]):
            files[block] += 1
    return {block: n for block, n in files.items() if n >= MIN_FILES and n * 2 >= len(paths)}


def drop_boilerplate(bank: ParsedBank, boilerplate: dict[str, int]) -> None:
    """Take the boilerplate paragraphs (and a rule left dangling before them) out of every answer."""
    if not boilerplate:
        return
    for source in bank.files:
        for question in source.questions:
            if not question.answer_md:
                continue
            kept = [
                p for p in PARAGRAPH_RE.split(question.answer_md) if normalise(p.strip()) not in boilerplate
            ]
            while kept and RULE_RE.fullmatch(kept[-1].strip()):
                kept.pop()
            question.answer_md = "\n\n".join(kept).strip("\n")
