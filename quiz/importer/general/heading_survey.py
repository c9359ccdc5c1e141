"""Which headings ask without saying so: read once over the file's headings before any is judged.

A heading that sets a task (``### Provide a high-level overview of …``, ``## 🔹 Q7: Explain …``) asks when a
body follows it and no deeper heading does; a heading naming a topic (``#### Types of kernels``) asks when it
is such a leaf among sibling headings most of which ask.
"""

import functools
from dataclasses import dataclass

from quiz.importer import markers as m
from quiz.importer.common import Text, parse_heading

# Words a heading opens with to set a task, beyond those that ask anywhere (``markers.QUESTION_WORDS``).
TASK_WORDS = m.QUESTION_WORDS | frozenset(
    [
        "provide",
        "state",
        "present",
        "sketch",
        "interpret",
        "evaluate",
        "propose",
        "analyze",
        "analyse",
        "recommend",
        "debug",
        "choose",
        "clarify",
        "detail",
        "break",
        "talk",
        "given",
        "assume",
        "consider",
    ]
)
LOOK_AHEAD = 50  # label headings ("#### Example:") skipped to find the next real one


@dataclass(frozen=True)
class _Heading:
    no: int
    level: int
    sets_task: bool  # a leaf with a body whose first word sets a task
    topic_among_questions: bool  # a leaf with a body among siblings that mostly ask


def _quick_words(words: str) -> tuple[bool, str]:
    return m.strip_prefix(m.drop_leading_symbols(words))


def heading_words(words: str, markers: dict[str, str]) -> tuple[bool, str]:
    """(numbered or ``Q7:``-labelled, the words a reader weighs) of a heading's text."""
    text = m.split_difficulty(m.drop_leading_symbols(m.drop_source_link(words)), markers)[1]
    return m.strip_prefix(text)


def _is_label(words: str) -> bool:
    return words.rstrip(" *_").endswith(":") or m.answer_label(words) == (True, "")


class HeadingSurvey:
    @functools.cached_property
    def heading_survey(self) -> dict[int, _Heading]:
        found: list[tuple[int, int, int, str]] = []  # chunk index, line, level, words
        chunks = self.chunks
        for index, chunk in enumerate(chunks):
            if type(chunk) is not Text:
                continue
            text = chunk.text
            if text[:1] == "#" or (text[:1] == " " and text[:4].lstrip(" ")[:1] == "#"):
                indent = len(text) - len(text.lstrip(" "))
                heading = parse_heading(text[indent:])
                if heading and not m.FOLLOW_UP_RE.match(heading[1]):  # a follow-up is its question's
                    found.append((index, chunk.no, heading[0], heading[1]))
        leaves: list[tuple[int, int, bool, bool]] = []  # line, level, leaf with a body, sets a task
        for k, (index, no, level, words) in enumerate(found):
            end = found[k + 1][0] if k + 1 < len(found) else len(chunks)
            after = index + 1
            while after < end and type(chunks[after]) is Text and not chunks[after].text.strip():
                after += 1
            body = after < end
            leaf = True
            for _, _, later_level, later_words in found[k + 1 : k + 1 + LOOK_AHEAD]:
                if later_level <= level:
                    break
                if not _is_label(later_words):
                    leaf = False
                    break
            prefixed, text = _quick_words(words)  # the first word and a "?" near the end are all it weighs
            first = m.words_start(text)
            task = first in TASK_WORDS and len(text.split()) > 2 and "question" not in text.lower()
            if first == "how" and text.lower().startswith(("how to ", "how it works")):
                task = False
            ends = text[-8:]
            asks = "?" in ends or "？" in ends or task or (prefixed and words.lstrip().lower()[:1] == "q")
            leaves.append((no, level, leaf and body and not _is_label(words), asks))
        # Siblings: headings of one level under the same parent heading.
        groups: dict[tuple[int, int], list[int]] = {}
        parents: list[tuple[int, int]] = []  # (level, line) of the open headings
        for k, (no, level, _, _) in enumerate(leaves):
            while parents and parents[-1][0] >= level:
                parents.pop()
            groups.setdefault((parents[-1][1] if parents else 0, level), []).append(k)
            parents.append((level, no))
        survey = {}
        for members in groups.values():
            asking = sum(1 for k in members if leaves[k][3])
            mostly = asking >= 2 and asking * 3 >= len(members) * 2
            for k in members:
                no, level, leaf_body, asks = leaves[k]
                survey[no] = _Heading(no, level, leaf_body and asks, leaf_body and mostly)
        return survey
