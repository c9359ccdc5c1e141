"""Every layout but Chip Huyen's chapters, mixed freely within one file.

A question starts at:

- a heading that asks (``## What is X?``, ``### 3) Explain X``, ``### Q5: Explain X ###``, ``#### Q. …``,
  ``## [M] …``); deeper headings that do not ask belong to its answer, which runs to the next heading as deep;
- a bold line that asks (``**What is X? 👶**``, ``**3)** What is X?``); its answer runs to the next question;
- ``Q:`` / ``**Question:**`` (the answer after ``A:`` / ``**Answer:**``, on the same line or below);
- a list item that asks: in a list where most items ask, every item does (``1. Let a dataset…``); indented
  items and ``a.``/``i.`` items under it are part of it; the paragraphs after it are its answer;
- a ``<details><summary>question</summary>answer</details>`` block;
- a row of a table with a "Question" column (and optionally a level column for difficulty).

A heading that does not ask opens a section. A table of contents (links to anchors) is skipped, but a question
only it names is imported unanswered. Lines under the file's title before any section or question are its
introduction. Every other line outside a question is reported as ignored (``Draft.finish``).
"""

from quiz.importer import markers as m
from quiz.importer.common import SourceFile
from quiz.importer.general.reader import _Reader


def parse_general(
    text: str,
    path: str,
    title: str | None = None,
    difficulty_markers: dict[str, str] | None = None,
    lists_ask: bool = False,
    bank_paths: frozenset[str] = frozenset(),
) -> SourceFile:
    """``lists_ask``: read every numbered item as a question, as a file whose lists mostly ask does (the
    exporter's check that an answer survives in any such file). ``bank_paths``: the bank's other files, so a
    table of questions linking to their answers there is known for a table of contents."""
    reader = _Reader(text, path, difficulty_markers or m.DEFAULT_MARKERS, lists_ask)
    reader.bank_paths = bank_paths
    return reader.read(title)
