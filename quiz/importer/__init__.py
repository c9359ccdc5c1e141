"""Markdown question bank -> plain dataclasses -> Django fixture records.

No database and no models here: ``build_fixtures`` calls ``parse_bank(read_sources(folder))`` and writes
what ``dump_fixture(fixture_records(bank))`` returns. The four formats:

- Chip Huyen's chapters (``chapterN.md``): numbered items tagged ``[E]``/``[M]``/``[H]``, answered by the
  ```` ```text ```` fence after them; an untagged item titles the group of tagged items after it.
- The QnA files: a ``##``/``###`` heading ending in ``?`` is a question, everything after it is its answer.
- The case study (``case_study*.md``): numbered items under ``###`` sections, answered by the paragraphs
  after them.
- The index files (``README.md``, ``ml-interviews-book.md``): their link lists give titles and order.

``common`` holds what every parser shares, ``formats`` the three parsers, ``bank`` the whole bank and its
fixture records; ``quiz/content_report.py`` checks the result for things a reviewer should look at.
"""

from quiz.importer.bank import PARSERS, dump_fixture, file_kind, fixture_records, parse_bank, read_sources
from quiz.importer.common import (
    Bank,
    ContentError,
    Finding,
    Problem,
    Question,
    Section,
    SourceFile,
    decode,
    question_key,
)
from quiz.importer.formats import UNRATED, parse_case_study, parse_chapter, parse_qna

__all__ = [
    "PARSERS",
    "UNRATED",
    "Bank",
    "ContentError",
    "Finding",
    "Problem",
    "Question",
    "Section",
    "SourceFile",
    "decode",
    "dump_fixture",
    "file_kind",
    "fixture_records",
    "parse_bank",
    "parse_case_study",
    "parse_chapter",
    "parse_qna",
    "question_key",
    "read_sources",
]
