"""The content report: counts per file, and what a reviewer should look at. ``build_fixtures`` prints it
and the review queue shows it per question; nothing here stops an import.
"""

import re
import warnings
from collections import defaultdict
from dataclasses import dataclass

from quiz.importer import ContentError, Finding, ParsedBank, ParsedSection
from quiz.importer.common import Code, chunks, normalise

# Inline math was stripped from Chip Huyen's questions: "Given a vector , find", "two vectors and .",
# "What is ?", "the dot product of and is maximum", "find a such that". Precise, so spacing in prose is no
# finding: a space before "?" or ":" after a noun ("What is Deep Learning ?") is French typography, and
# "of such" is English.
STRIPPED_MATH_RES = (
    re.compile(r"(?<=\w) +[,.](?=\s|$)"),
    re.compile(
        r"\b(?:is|are|of|and|or|the|a|an|between|with|by|from|to|than|for|vector|vectors|matrix|matrices)"
        r" +[?!;:](?=\s|$)",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:a|an|the|of|between|with|by|from)\s+(?:(?:and|or|is|are)\b|such\s+that\b)"),
)
# A list item that introduces sub-items ("- When you need:") followed by an item at its own depth: the dump
# lost the nesting. And "It uses: - one - two" run together on one line.
INTRO_ITEM_RE = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]+.*:[ \t]*$")
RUN_TOGETHER_RE = re.compile(r":\s+-\s+\S.*\s-\s+\S")
KEY_POINTS_RANGE = (3, 6)
KEY_POINT_WORDS = (4, 15)
# A prompt that points at something ("the following matrix", "the table below"): the candidate must see it.
POINTS_AT_RE = re.compile(
    r"\b(?:the following|this table|(?:is|are|shown|given|table|code|figure|matrix) (?:below|above))\b",
    re.IGNORECASE,
)
# What it may point at, in the prompt itself: a table, a list, code, maths, an image.
SHOWN_RE = re.compile(r"^\s*(?:\|.*\||[-*+]\s|\d+[.)]\s|```|~~~|\$\$|!\[)|`[^`]+`|\$[^$]+\$", re.MULTILINE)


def dangling_reference(question) -> str | None:
    """Why the prompt refers to something the candidate never sees, or None."""
    for text in (question.group_title, question.prompt_md):
        if text and (found := POINTS_AT_RE.search(text)) and not SHOWN_RE.search(question.prompt_md):
            return f"the prompt says {found.group(0)!r} but shows nothing there: {text[:100]}"
    return None


NUMBERING_RE = re.compile(r"^(?:chapter\s*)?\d+(?:\.\d+)*\.?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class FileSummary:
    path: str
    questions: int
    answered: int
    unanswered: int
    merged: int
    layout: str = "qna"
    lines: int = 0  # non-blank
    ignored: int = 0
    follow_ups: int = 0  # of ``questions``: asked after the question they follow up

    @property
    def coverage(self) -> float:
        """The share of non-blank lines that went into the bank, in percent."""
        return 100.0 if not self.lines else 100.0 * (self.lines - self.ignored) / self.lines


def summarize(bank: ParsedBank) -> list[FileSummary]:
    """One row per question file in bank order, then one per index file (all of whose lines are used)."""
    rows = []
    for source in bank.files:
        answered = sum(1 for q in source.questions if q.answer_md.strip())
        merged = sum(1 for n in source.notes if n.kind == "duplicate-question")
        rows.append(
            FileSummary(
                source.path,
                len(source.questions),
                answered,
                len(source.questions) - answered,
                merged,
                source.layout,
                source.lines,
                len(source.ignored),
                sum(1 for q in source.questions if q.parent),
            )
        )
    rows += [FileSummary(path, 0, 0, 0, 0, "index", lines, 0) for path, lines in bank.indexes.items()]
    return rows


def total(rows: list[FileSummary]) -> FileSummary:
    return FileSummary(
        "total",
        questions=sum(r.questions for r in rows),
        answered=sum(r.answered for r in rows),
        unanswered=sum(r.unanswered for r in rows),
        merged=sum(r.merged for r in rows),
        layout="",
        lines=sum(r.lines for r in rows),
        ignored=sum(r.ignored for r in rows),
        follow_ups=sum(r.follow_ups for r in rows),
    )


@dataclass(frozen=True)
class IgnoredRun:
    """A run of ignored lines (blank lines between): where it starts, how many lines, why."""

    path: str
    line: int
    count: int
    text: str
    reason: str

    def __str__(self) -> str:
        lines = f"{self.count} lines" if self.count > 1 else "1 line"
        return f"{self.path}:{self.line}: {lines}: {self.text[:80]!r}"


LINK_ONLY_RE = re.compile(r"(?:[-*+]|\d{1,9}[.)])?[ \t]*!?\[[^\]]*\]\([^)]*\)[ \t]*[.,;:]?")
ITEM_RE = re.compile(r"(?:[-*+]|\d{1,9}[.)])[ \t]")


def why_ignored(text: str) -> str:
    """Why a run starting with ``text`` went into no question, said by what the line is."""
    if text.startswith("|"):
        return "a table with no Question column, outside any question"
    if text.startswith(("```", "~~~")):
        return "code outside any question"
    if text.startswith("<"):
        return "HTML outside any question"
    if LINK_ONLY_RE.fullmatch(text):
        return "a link or image outside any question (a reading list, a badge)"
    if ITEM_RE.match(text):
        return "a list item that does not ask, outside any question"
    if text.startswith(">"):
        return "a quote outside any question"
    return "text outside any question or section introduction"


def ignored_runs(bank: ParsedBank) -> list[IgnoredRun]:
    """Every run of ignored lines in bank order, each with its reason."""
    boilerplate = {block[:60]: files for block, files in bank.boilerplate.items()}
    runs = []
    for source in bank.files:
        for line, count, text in source.ignored_runs:
            files = boilerplate.get(normalise(text)[:60])
            reason = f"boilerplate repeated in {files} files" if files else why_ignored(text)
            runs.append(IgnoredRun(source.path, line, count, text, reason))
    return runs


def set_aside(bank: ParsedBank) -> list[str]:
    """What the import leaves out on purpose: tables of contents, boilerplate dropped from answers."""
    found = [str(n) for source in bank.files for n in source.notes if n.kind == "contents"]
    found += [
        f"boilerplate in {files} files, dropped from every answer: {block[:120]!r}"
        for block, files in sorted(bank.boilerplate.items(), key=lambda item: (-item[1], item[0]))
    ]
    return found


def _python_errors(markdown_text: str) -> list[str]:
    """What ``compile`` says about each python block. Never raises: a block nested too deep to compile
    (``"1+" * 20000``) is a finding like any other."""
    errors = []
    try:
        blocks = [
            c for c in chunks(markdown_text, "answer") if isinstance(c, Code) and c.lang in ("python", "py")
        ]
    except ContentError:
        return []  # an unclosed fence inside an answer: the importer reported the file
    for chunk in blocks:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                compile("\n".join(chunk.body) + "\n", "answer", "exec")
            except SyntaxError as exc:
                errors.append(f"python block at answer line {chunk.no}: {exc.msg} (its line {exc.lineno})")
            except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
                problem = "nested too deeply" if isinstance(exc, RecursionError | MemoryError) else exc
                errors.append(f"python block at answer line {chunk.no} cannot be checked: {problem}")
    return errors


def _flattened_lists(markdown_text: str) -> list[str]:
    problems = []
    lines = [chunk.text if not isinstance(chunk, Code) else "" for chunk in chunks(markdown_text, "answer")]
    for number, (line, following) in enumerate(zip(lines, [*lines[1:], ""], strict=True), 1):
        intro = INTRO_ITEM_RE.match(line)
        if intro and re.match(rf"^{re.escape(intro['indent'])}[-*+][ \t]", following):
            problems.append(f"answer line {number}: '{line.strip()[:60]}' introduces items at its own depth")
        elif not intro and RUN_TOGETHER_RE.search(line):
            problems.append(f"answer line {number}: list items run together in one line")
    return problems


CODE_SPAN_RE = re.compile(r"`[^`\n]*`")


def literal_markdown(markdown_text: str) -> str | None:
    """What a reader would see as markdown symbols once rendered: a fence marker that opens no code block
    (one indented too deep, or inside a paragraph), or a ``**`` that closes nothing."""
    try:
        parts = chunks(markdown_text, "answer")
    except ContentError:
        return "a code fence that is never closed"
    paragraph: list[tuple[int, str]] = []

    def unmatched_bold() -> str | None:
        text = CODE_SPAN_RE.sub("", " ".join(line for _, line in paragraph))
        # "**kwargs" in prose is meant; a paragraph opening or closing on a lone "**" is a label's leftover
        if text.count("**") % 2 and (text.lstrip().startswith("**") or text.rstrip().endswith("**")):
            return f"line {paragraph[0][0]}: a ** that closes nothing shows as is"
        return None

    for part in parts:
        if isinstance(part, Code) and part.raw[0][:1] in (" ", "\t"):
            return f"line {part.no}: a code fence indented under a list item shows as text, not code"
        if isinstance(part, Code) or not part.text.strip():
            if paragraph and (found := unmatched_bold()):
                return found
            paragraph = []
            continue
        if "```" in part.text or "~~~" in part.text:
            return f"line {part.no}: a code fence marker shows as text: {part.text.strip()[:60]!r}"
        paragraph.append((part.no, part.text))
    return unmatched_bold() if paragraph else None


def editorial_gaps(question) -> list[tuple[str, str]]:
    """What the bank's editors still owe a question: a difficulty, a nested list, key points, a review."""
    gaps = []
    if question.difficulty == "unrated":
        gaps.append(("unrated", "no difficulty: tag the question [E], [M] or [H]"))
    if not question.answer_md.strip():
        return gaps
    gaps += [("flattened-list", problem) for problem in _flattened_lists(question.answer_md)]
    points = question.key_points
    if not KEY_POINTS_RANGE[0] <= len(points) <= KEY_POINTS_RANGE[1]:
        gaps.append(
            (
                "key-points",
                f"{len(points)} key points; an answer needs {'-'.join(map(str, KEY_POINTS_RANGE))}",
            )
        )
    for point in points:
        if not KEY_POINT_WORDS[0] <= len(point.split()) <= KEY_POINT_WORDS[1]:
            gaps.append(("key-points", f"key point of {len(point.split())} words: {point[:60]!r}"))
    if question.provenance is None or question.provenance.kind == "upstream":
        gaps.append(("not-reviewed", "upstream answer nobody has reviewed yet"))
    return gaps


def garbled_content(bank: ParsedBank) -> list[Finding]:
    """Prompts and answers a candidate would see garbled: markdown shown as text, maths gone, a prompt
    pointing at what it does not show."""
    found = []
    for source in bank.files:
        for question in source.questions:
            where = (question.source_path, question.source_line)
            for field, text in (("prompt", question.prompt_md), ("answer", question.answer_md)):
                if text and (shown := literal_markdown(text)):
                    found.append(Finding(*where, "literal-markdown", f"the {field}'s {shown}"))
            if any(r.search(question.prompt_md) for r in STRIPPED_MATH_RES):
                found.append(
                    Finding(
                        *where, "stripped-math", f"looks like math went missing: {question.prompt_md[:100]}"
                    )
                )
            if why := dangling_reference(question):
                found.append(Finding(*where, "dangling-reference", why))
    return found


def content_findings(bank: ParsedBank) -> list[Finding]:
    """Everything a reviewer should triage, in bank order: parse notes, gaps, suspicious text."""
    findings = list(bank.notes)
    first_title: dict[str, ParsedSection] = {}
    for source in bank.files:
        found = list(source.notes)
        for section in source.sections:
            plain = normalise(NUMBERING_RE.sub("", section.title))
            other = first_title.setdefault(plain, section)
            if other.source_path != section.source_path:
                found.append(
                    Finding(
                        section.source_path,
                        section.source_line,
                        "duplicate-section-title",
                        f"'{section.title}' repeats '{other.title}' "
                        f"({other.source_path}:{other.source_line})",
                    )
                )
        checked_groups: set[str] = set()
        for question in source.questions:
            where = (question.source_path, question.source_line)
            if not question.answer_md.strip():
                found.append(Finding(*where, "unanswered", question.prompt_md[:80]))
            found.extend(
                Finding(*where, "code-does-not-compile", e) for e in _python_errors(question.answer_md)
            )
            found.extend(Finding(*where, kind, message) for kind, message in editorial_gaps(question))
            for field, text in (("prompt", question.prompt_md), ("answer", question.answer_md)):
                if text and (shown := literal_markdown(text)):
                    found.append(Finding(*where, "literal-markdown", f"the {field}'s {shown}"))
            if why := dangling_reference(question):
                found.append(Finding(*where, "dangling-reference", why))
            texts = [question.prompt_md]
            if question.group_title not in checked_groups:
                checked_groups.add(question.group_title)
                texts.insert(0, question.group_title)
            for text in texts:
                if text and any(r.search(text) for r in STRIPPED_MATH_RES):
                    found.append(
                        Finding(*where, "stripped-math", f"looks like math went missing: {text[:100]}")
                    )
        findings.extend(sorted(found, key=lambda f: f.line))
    return findings


def findings_by_question_key(bank: ParsedBank) -> dict[str, list[Finding]]:
    """The findings that concern one question, by its key, so they can be matched to database rows however
    those moved. A merged duplicate's finding goes to the question it was merged into."""
    keys = {(q.source_path, q.source_line): q.key for source in bank.files for q in source.questions}
    found: dict[str, list[Finding]] = defaultdict(list)
    for finding in content_findings(bank):
        key = keys.get((finding.path, finding.line))
        if finding.kind == "duplicate-question" and (kept := re.search(r"line (\d+)", finding.message)):
            key = keys.get((finding.path, int(kept[1])), key)
        if key:
            found[key].append(finding)
    return dict(found)
