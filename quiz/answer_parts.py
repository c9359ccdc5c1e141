"""The parts of a reference answer's markdown beyond the answer itself: one syntax for the importer, the
exporter, the in-app editor and admin.

    The answer, in markdown...

    Key points:
    - L1 drives some weights exactly to zero
    - L2 shrinks all weights smoothly towards zero

    <!-- provenance: written; by: bank editors; date: 2026-11-30 -->

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


def split_key_points(answer_md: str) -> tuple[str, list[str]]:
    """The answer without its trailing key-point block, and the key points (an empty list without one)."""
    match = _KEY_POINTS_RE.search(answer_md)
    if not match:
        return answer_md, []
    points = [m[1] for line in match["items"].splitlines() if (m := _ITEM_RE.match(line)) and m[1]]
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


def join_key_points(body_md: str, key_points: list[str]) -> str:
    """The inverse of ``split_key_points``."""
    if not key_points:
        return body_md
    block = "\n".join([KEY_POINTS_LABEL, *(f"- {point}" for point in key_points)])
    return f"{body_md.rstrip()}\n\n{block}" if body_md.strip() else block


@dataclass(frozen=True)
class ProvenanceNote:
    """What a ``<!-- provenance: kind; by: who; date: YYYY-MM-DD -->`` comment says."""

    kind: str
    by: str = ""
    date: datetime.date | None = None

    def comment(self) -> str:
        parts = [self.kind]
        if self.by:
            parts.append(f"by: {self.by}")
        if self.date:
            parts.append(f"date: {self.date.isoformat()}")
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
    if unknown := set(fields) - {"by", "date"}:
        raise ProvenanceSyntaxError(f"unknown provenance field {sorted(unknown)[0]!r} (use 'by' and 'date')")
    try:
        date = datetime.date.fromisoformat(fields["date"]) if fields.get("date") else None
    except ValueError:
        raise ProvenanceSyntaxError(f"provenance date {fields['date']!r} is not YYYY-MM-DD") from None
    text = (answer_md[: match.start()] + answer_md[match.end() :]).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text, ProvenanceNote(kind.lower(), fields.get("by", ""), date)
