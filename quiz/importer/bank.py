"""The whole bank: reading its files, which parser reads which file, the order the index files give, and the
fixture records."""

import json
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

from quiz.importer.common import Bank, ContentError, Finding, Problem, SourceFile, decode
from quiz.importer.formats import parse_case_study, parse_chapter, parse_qna
from quiz.rendering import MarkdownError, render_markdown

INDEX_FILES = frozenset({"README.md", "ml-interviews-book.md"})
LINK_RE = re.compile(r"^[ \t]*(?:\d+\.|[*+-])[ \t]+\[([^\]]+)\]\(([^)]*)\)")


def read_sources(root: Path) -> dict[str, bytes]:
    """Every markdown file under ``root``, keyed by its posix path relative to ``root``."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md")) if p.is_file()}


def file_kind(path: str) -> str:
    name = posixpath.basename(path)
    if name in INDEX_FILES:
        return "index"
    if re.fullmatch(r"chapter\d+\.md", name):
        return "chapter"
    if name.startswith("case_study"):
        return "case-study"
    return "qna"


PARSERS = {"chapter": parse_chapter, "qna": parse_qna, "case-study": parse_case_study}


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _reading_order(texts: Mapping[str, str], notes: list[Finding]) -> list[tuple[str, str | None]]:
    """Question files in the order the index files link them, with the link text as title; then the rest."""
    order: dict[str, str | None] = {}
    by_name = {_squash(posixpath.splitext(posixpath.basename(p))[0]): p for p in sorted(texts)}
    visited: set[str] = set()

    def visit(index: str) -> None:
        visited.add(index)
        for no, line in enumerate(texts[index].split("\n"), 1):
            if not (link := LINK_RE.match(line)):
                continue
            label, target = link[1].strip(), link[2].strip()
            if target:
                path = posixpath.normpath(posixpath.join(posixpath.dirname(index), target))
            else:
                path = by_name.get(_squash(label), "")
            if path in texts and file_kind(path) == "index":
                if path not in visited:
                    visit(path)
            elif path in texts:
                order.setdefault(path, label)
            else:
                notes.append(Finding(index, no, "missing-file", f"'{label}' links to no file"))

    if "README.md" in texts:
        visit("README.md")
    for path in sorted(texts):
        if file_kind(path) != "index":
            order.setdefault(path, None)
    return list(order.items())


def parse_bank(sources: Mapping[str, bytes | str]) -> Bank:
    """Parse every file (keys: posix paths relative to the bank's root); all problems are raised together."""
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for path, data in sources.items():
        try:
            texts[path] = data if isinstance(data, str) else decode(path, data)
        except ContentError as exc:
            problems.extend(exc.problems)
    notes: list[Finding] = []
    files: list[SourceFile] = []
    for path, title in _reading_order(texts, notes):
        try:
            files.append(PARSERS[file_kind(path)](texts[path], path, title))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    roots = [f.root.key for f in files]
    for source in files:
        if roots.count(source.root.key) > 1:
            problems.append(
                Problem(
                    source.path, source.root.source_line, f"key '{source.root.key}' is another file's too"
                )
            )
    if problems:
        raise ContentError(problems)
    return Bank(files, notes)


# -- what comes out --


def fixture_records(bank: Bank) -> list[dict]:
    """Django fixture records with natural keys and no pk, sections (parents first) then questions."""
    sections, questions = [], []
    problems: list[Problem] = []

    def render(question, markdown_text: str) -> str:
        try:
            return render_markdown(markdown_text)
        except MarkdownError as error:  # too long or nested too deep: where, and why
            problems.append(Problem(question.source_path, question.source_line, str(error)))
            return ""

    for source in bank.files:
        for section in source.sections:
            sections.append(
                {
                    "model": "quiz.section",
                    "fields": {
                        "key": section.key,
                        "parent": [section.parent] if section.parent else None,
                        "title": section.title,
                        "position": len(sections),
                        "source_path": section.source_path,
                        "source_line": section.source_line,
                        "retired": False,
                    },
                }
            )
        for question in source.questions:
            questions.append(
                {
                    "model": "quiz.question",
                    "fields": {
                        "key": question.key,
                        "section": [question.section],
                        "position": len(questions),
                        "group_title": question.group_title,
                        "prompt_md": question.prompt_md,
                        "prompt_html": render(question, question.prompt_md),
                        "answer_md": question.answer_md,
                        "answer_html": render(question, question.answer_md),
                        "imported_answer_md": question.answer_md,
                        "difficulty": question.difficulty,
                        "source_path": question.source_path,
                        "source_line": question.source_line,
                        "retired": False,
                    },
                }
            )
    if problems:
        raise ContentError(problems)
    return sections + questions


def dump_fixture(records: list[dict]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
