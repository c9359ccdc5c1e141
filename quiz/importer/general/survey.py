"""How the lists and numbered headings of a file ask, read once before a list item is judged."""

import functools
import re
from dataclasses import dataclass

from quiz.importer import markers as m
from quiz.importer.common import Text, parse_heading


@dataclass(frozen=True)
class _Survey:
    """Whether most numbered items, bullets and numbered headings of the file ask, and which items do."""

    numbered_ask: bool
    bullets_ask: bool
    headings_ask: bool
    asking: set[int]


# The characters a list item or a numbered heading can start with; the starts of a line that opens a new block
# (and so does not continue a wrapped item or prompt).
LIST_OR_HEADING = frozenset("-*+#0123456789")
BLOCK_START_RE = re.compile(r"[*+-][ \t]|\d{1,9}[.)][ \t]|>|\||#|```|~~~|<")


class ListSurvey:
    @functools.cached_property
    def survey(self) -> "_Survey":
        """Read only when a list item or numbered heading needs it (never in a file of question headings)."""
        asking: set[int] = set()
        numbered, bullets, headings = self._lists_that_ask(asking)
        return _Survey(numbered or self.lists_ask, bullets, headings, asking)

    def _lists_that_ask(self, asking: set[int]) -> tuple[bool, bool, bool]:
        """Whether most top-level numbered items, most bullets and most numbered headings look like
        questions: then all of them are ("1. Let a dataset…", "#### 16) Talk me through…"). Also notes
        which items ask once their wrapped lines are read ("1. A long question" / "wrapped here?")."""
        counts = {"number": [0, 0], "bullet": [0, 0], "heading": [0, 0]}
        item: tuple[int, str, str] | None = None  # line, kind, text so far

        def count() -> None:
            if item is not None:
                first, ends = m.words_start(item[2]), item[2].rstrip(" \t*_`").endswith(m.ASKS)
                counts[item[1]][0] += 1
                counts[item[1]][1] += ends or first in m.QUESTION_WORDS or first in m.SCENARIO_WORDS
                if ends or first in m.QUESTION_WORDS:
                    asking.add(item[0])

        for chunk in self.chunks:
            if not isinstance(chunk, Text):
                count()
                item = None
                continue
            if item is None and chunk.text.lstrip(" \t")[:1] not in LIST_OR_HEADING:
                continue  # neither a list item, a numbered heading nor a wrapped item's next line
            found = self.list_item_of(chunk.text)
            stripped = chunk.text.strip()
            if found is None and item is not None and stripped and not BLOCK_START_RE.match(stripped):
                item = (item[0], item[1], f"{item[2]} {stripped}")
                continue
            count()
            item = None
            if found and found.kind in counts and found.indent < 2 and found.text:
                if not m.link_only(found.text):
                    item = (chunk.no, found.kind, found.text)
            elif (heading := parse_heading(chunk.text.lstrip(" "))) and heading[1][:1].isdigit():
                numbered, text = m.strip_prefix(heading[1])
                if numbered:
                    counts["heading"][0] += 1
                    counts["heading"][1] += m.looks_like_list_question(m.drop_source_link(text))
        count()
        return tuple(total > 1 and asks * 2 >= total for total, asks in counts.values())
