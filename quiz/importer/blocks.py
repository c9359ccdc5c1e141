"""The parts of the general reader that work on whole blocks rather than lines: ``<details>`` blocks,
tables, display maths, and an answer's last clean-up."""

import re

from quiz.importer import markers as m
from quiz.importer.common import clean_answer
from quiz.importer.shapes import as_github_shows

STRUCTURE_RE = re.compile(r"(?:-{3,}|\*{3,}|_{3,}|<br[ \t]*/?>|<hr[ \t]*/?>)", re.IGNORECASE)
TABLE_SEPARATOR_RE = re.compile(r":?-{1,}:?")
LEVEL_WORDS = {
    "easy": m.EASY,
    "e": m.EASY,
    "basic": m.EASY,
    "beginner": m.EASY,
    "fundamental": m.EASY,
    "junior": m.EASY,
    "medium": m.MEDIUM,
    "m": m.MEDIUM,
    "intermediate": m.MEDIUM,
    "hard": m.HARD,
    "h": m.HARD,
    "advanced": m.HARD,
    "advance": m.HARD,
    "expert": m.HARD,
    "senior": m.HARD,
}
ANSWER_SUMMARIES = ("answer", "solution", "show answer", "click", "expand", "see answer", "reveal")


def split_details(text: str) -> tuple[str, str]:
    """The plain-text summary and the markdown body of a ``<details>`` block's text."""
    lower = text.lower()
    start, end = lower.find("<summary"), lower.find("</summary>")
    if start < 0 or end < start:
        summary, body_from = "", lower.find(">", lower.find("<details")) + 1
    else:
        summary, body_from = m.plain_html(text[text.find(">", start) + 1 : end]), end + len("</summary>")
    body_to = lower.rfind("</details>")
    return summary, text[body_from : body_to if body_to >= body_from else len(text)]


def math_closing(stripped: str) -> str | None:
    """``$$`` or ``\\]`` if ``stripped`` opens a display-maths block (one that goes on to later lines)."""
    for opening, closing in (("$$", "$$"), ("\\[", "\\]")):
        if stripped.startswith(opening) and closing not in stripped[len(opening) :]:
            return closing
    return None


def table_cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def finish_answer(lines: list[tuple[str, bool]]) -> str:
    """Drop a leading answer label and trim; a placeholder ("TBD", "Answer here") means no answer."""
    for i, (text, is_code) in enumerate(lines):
        if is_code or not text.strip():
            continue
        labelled, rest = m.answer_label(text.strip())
        if labelled:
            lines = [*lines[:i], *([(rest, False)] if rest.strip() else []), *lines[i + 1 :]]
        break
    answer = as_github_shows(clean_answer(lines))
    # "Answer here", then a <br/> spacer: a placeholder all the same
    words = "\n".join(line for line in answer.split("\n") if not STRUCTURE_RE.fullmatch(line.strip()))
    return "" if m.means_unanswered(words) else answer
