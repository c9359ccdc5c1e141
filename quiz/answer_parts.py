"""The parts of a reference answer's markdown beyond the answer itself: one syntax for the importer, the
exporter, the in-app editor and admin.

    The answer, in markdown...

    Key points:
    - L1 drives some weights exactly to zero
    - L2 shrinks all weights smoothly towards zero

    <!-- provenance: written; by: bank editors; date: 2026-11-30 -->

A key point may carry alternative phrasings, each an indented ``also:`` item under it: wordings that say the
point (added by a reviewer from candidates' answers), which the matcher accepts as well as the point itself:

    Key points:
    - L1 drives some weights exactly to zero
      - also: lasso zeroes out coefficients

The ``Key points:`` block stays in ``answer_md`` (so whoever edits the answer edits its rubric in the same
text box, and a re-import keeps an admin's edit of either); ``Question.save`` keeps the parsed list beside it.
The provenance comment records who wrote or reviewed the answer; the importer moves it into
the question's provenance fields and the exporter writes it back.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

KEY_POINTS_LABEL = "Key points:"
# The last block of the answer: the label on a line of its own, then one list item per line, nothing after.
_KEY_POINTS_RE = re.compile(
    r"(?:^|\n)[ \t]*(?:\*\*)?Key points:?(?:\*\*)?:?[ \t]*\n"
    r"(?P<items>(?:[ \t]*[-*+][ \t]+[^\n]*(?:\n|$))+)\s*$",
    re.IGNORECASE,
)
_ITEM_RE = re.compile(r"^[ \t]*[-*+][ \t]+(.*?)[ \t]*$")
_PROVENANCE_RE = re.compile(
    r"^[ \t]*<!--[ \t]*provenance:(?P<body>[^\n]*?)-->[ \t]*$", re.IGNORECASE | re.MULTILINE
)


ALSO = "also:"
_ALSO_RE = re.compile(r"^[ \t]+[-*+][ \t]+also:[ \t]*(.*?)[ \t]*$", re.IGNORECASE)


def split_key_points(answer_md: str) -> tuple[str, list[str]]:
    """The answer without its trailing key-point block, and the key points (an empty list without one)."""
    match = _KEY_POINTS_RE.search(answer_md)
    if not match:
        return answer_md, []
    points = [
        m[1]
        for line in match["items"].splitlines()
        if not _is_alternative(line) and (m := _ITEM_RE.match(line)) and m[1]
    ]
    return answer_md[: match.start()].rstrip(), points


def _is_alternative(line: str) -> re.Match | None:
    return _ALSO_RE.match(line) if line[:1] in " \t" else None  # only an indented item can be one


def split_key_points_with_alternatives(answer_md: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """``split_key_points`` with, per key point, its alternative phrasings (``also:`` items under it)."""
    match = _KEY_POINTS_RE.search(answer_md)
    if not match:
        return answer_md, []
    points: list[tuple[str, list[str]]] = []
    for line in match["items"].splitlines():
        if also := _is_alternative(line):
            if points and also[1]:  # an "also:" before any point has nothing to belong to
                points[-1][1].append(also[1])
        elif (m := _ITEM_RE.match(line)) and m[1]:
            points.append((m[1], []))
    return answer_md[: match.start()].rstrip(), points


def rendered_fields(
    prompt_md: str,
    answer_md: str,
    render: Callable[[str], str],
    *,
    prompt_html: str = "",
    answer_html: str = "",
) -> dict:
    """What a question keeps beside its markdown: ``prompt_html``, ``answer_html`` (the answer without its
    key-point block) and ``key_points``. HTML given (rendered earlier, as a fixture carries it) is kept; the
    rest is rendered with ``render``. An empty answer has no HTML."""
    body_md, key_points = split_key_points(answer_md)
    return {
        "prompt_html": prompt_html or render(prompt_md),
        "answer_html": answer_html or (render(body_md) if answer_md else ""),
        "key_points": key_points,
    }


def key_point_alternatives(answer_md: str) -> list[list[str]]:
    """Per key point of ``answer_md``, its alternative phrasings (empty lists when it has none)."""
    return [alternatives for _, alternatives in split_key_points_with_alternatives(answer_md)[1]]


def join_key_points(body_md: str, key_points: list[str], alternatives: list[list[str]] | None = None) -> str:
    """The inverse of ``split_key_points`` (and, given ``alternatives``, of the ``..._with_alternatives``)."""
    if not key_points:
        return body_md
    lines = [KEY_POINTS_LABEL]
    for i, point in enumerate(key_points):
        lines.append(f"- {point}")
        for phrase in (alternatives or [])[i] if alternatives and i < len(alternatives) else []:
            lines.append(f"  - {ALSO} {phrase}")
    block = "\n".join(lines)
    return f"{body_md.rstrip()}\n\n{block}" if body_md.strip() else block


def add_alternative(answer_md: str, index: int, phrase: str) -> str:
    """``answer_md`` with ``phrase`` added as an alternative phrasing of its ``index``-th key point (unchanged
    when the point already has it). The provenance comment, wherever it stands, is kept."""
    phrase = " ".join(phrase.split())
    text, note = split_provenance(answer_md)
    body, points = split_key_points_with_alternatives(text)
    if not phrase or not 0 <= index < len(points) or phrase in points[index][1]:
        return answer_md
    points[index][1].append(phrase)
    joined = join_key_points(body, [p for p, _ in points], [a for _, a in points])
    return f"{joined}\n\n{note.comment()}" if note else joined


@dataclass(frozen=True)
class ProvenanceNote:
    """What a ``<!-- provenance: kind; by: who; date: YYYY-MM-DD; key: … -->`` comment says.

    ``key`` keeps a question's key when an editor corrects its wording (the key is otherwise made from the
    words, so a corrected typo would start the question afresh and leave everyone's history behind)."""

    kind: str
    by: str = ""
    date: datetime.date | None = None
    key: str = ""

    def comment(self) -> str:
        parts = [self.kind]
        if self.by:
            parts.append(f"by: {self.by}")
        if self.date:
            parts.append(f"date: {self.date.isoformat()}")
        if self.key:
            parts.append(f"key: {self.key}")
        return f"<!-- provenance: {'; '.join(parts)} -->"


# What an answer's provenance can say; the model's Provenance choices use the same words.
PROVENANCE_KINDS = ("upstream", "written", "reviewed", "edited")


class ProvenanceSyntaxError(ValueError):
    pass


def split_provenance(answer_md: str) -> tuple[str, ProvenanceNote | None]:
    """The answer without its provenance comment (wherever it stands), and what the comment says."""
    matches = list(_PROVENANCE_RE.finditer(answer_md))
    if not matches:
        return answer_md, None
    if len(matches) > 1:
        raise ProvenanceSyntaxError("more than one provenance comment in one answer")
    match = matches[0]
    kind, *rest = (part.strip() for part in match["body"].split(";"))
    fields = {}
    for part in rest:
        name, _, value = part.partition(":")
        fields[name.strip().lower()] = value.strip()
    if kind.lower() not in PROVENANCE_KINDS:
        raise ProvenanceSyntaxError(f"provenance {kind!r} is not one of {', '.join(PROVENANCE_KINDS)}")
    if unknown := set(fields) - {"by", "date", "key"}:
        field = sorted(unknown)[0]
        raise ProvenanceSyntaxError(f"unknown provenance field {field!r} (use 'by', 'date' and 'key')")
    try:
        date = datetime.date.fromisoformat(fields["date"]) if fields.get("date") else None
    except ValueError:
        raise ProvenanceSyntaxError(f"provenance date {fields['date']!r} is not YYYY-MM-DD") from None
    text = (answer_md[: match.start()] + answer_md[match.end() :]).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text, ProvenanceNote(kind.lower(), fields.get("by", ""), date, fields.get("key", ""))
