"""Markdown question bank -> plain dataclasses -> Django fixture records.

No database and no models here: ``build_fixtures`` calls ``parse_bank(read_sources(folder))`` and writes
what ``dump_fixture(fixture_records(bank))`` returns. Each file's layout comes from its content (or from the
bank's optional ``bank.toml``):

- ``chapter``: Chip Huyen's chapters, numbered items tagged ``[E]``/``[M]``/``[H]``, nested under untagged
  group titles, answered by the fence after them (``formats.py``);
- ``qna`` and ``list``: everything else, mixed freely: question headings, bold-line questions, ``Q:``/``A:``
  pairs, numbered or bulleted questions answered by the paragraphs after them, ``<details>`` blocks and
  question tables (``general/``); ``list`` when most questions are list items (the exporter writes it so);
- ``index``: mostly links; the links give the other files their titles and order.

Every non-blank line is used (a question, an answer, a section heading, an introduction, an index) or
reported as ignored. ``common`` holds what every parser shares, ``markers`` how one line's words are read,
``blocks`` details blocks, tables and display maths, ``bank`` the whole bank and its fixture records;
``quiz/content_report.py`` checks the result for things a reviewer should look at.
"""

from quiz.importer.bank import (
    MANIFEST,
    Manifest,
    detect_layout,
    dump_fixture,
    fixture_records,
    natural_key,
    parse_bank,
    parse_file,
    read_manifest,
    read_sources,
    repository_file,
)
from quiz.importer.common import (
    ContentError,
    Finding,
    ParsedBank,
    ParsedQuestion,
    ParsedSection,
    Problem,
    SourceFile,
    decode,
    follow_up_key,
    question_key,
)
from quiz.importer.formats import parse_chapter
from quiz.importer.general import parse_general
from quiz.importer.markers import UNRATED

__all__ = [
    "MANIFEST",
    "UNRATED",
    "ParsedBank",
    "ContentError",
    "Finding",
    "Manifest",
    "ParsedQuestion",
    "ParsedSection",
    "Problem",
    "SourceFile",
    "decode",
    "detect_layout",
    "follow_up_key",
    "dump_fixture",
    "fixture_records",
    "natural_key",
    "parse_bank",
    "parse_chapter",
    "parse_file",
    "parse_general",
    "question_key",
    "read_manifest",
    "read_sources",
    "repository_file",
]
