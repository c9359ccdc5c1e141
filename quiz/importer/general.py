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

import functools
import re
from dataclasses import dataclass, field

from quiz.importer import markers as m
from quiz.importer.blocks import (
    ANSWER_SUMMARIES,
    LEVEL_WORDS,
    STRUCTURE_RE,
    TABLE_SEPARATOR_RE,
    finish_answer,
    math_closing,
    split_details,
    table_cells,
)
from quiz.importer.common import (
    MAX_QUESTIONS,
    MAX_TITLE,
    Code,
    ContentError,
    Draft,
    Problem,
    RawQuestion,
    SourceFile,
    Text,
    chunks,
    file_key_and_title,
    parse_heading,
)

LIST_OR_HEADING = frozenset("-*+#0123456789")
BLOCK_START_RE = re.compile(r"[*+-][ \t]|\d{1,9}[.)][ \t]|>|\||#|```|~~~|<")
TOC_TITLES = frozenset({"table of contents", "contents", "toc", "index", "table of content"})
QUESTION_NUMBER_RE = re.compile(r"[ \t]*q(?:uestion)?[ \t]*(\d{1,4})", re.IGNORECASE)


@dataclass
class _Open:
    """The question being read; how it started decides what ends it."""

    raw: RawQuestion
    kind: str  # "heading", "bold", "label", "item", "details" or "table"
    level: int = 0  # a heading question's level
    item: m.Item | None = None  # a list question's item
    answer: list[tuple[str, bool]] = field(default_factory=list)
    answering: bool = False  # the prompt has ended, what follows is answer
    prompt_open: bool = True  # the next line may still continue a wrapped prompt


@dataclass(frozen=True)
class _Survey:
    """Whether most numbered items, bullets and numbered headings of the file ask, and which items do."""

    numbered_ask: bool
    bullets_ask: bool
    headings_ask: bool
    asking: set[int]


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _number(text: str) -> str | None:
    """ "Q12" for "Q12: …" (the number a bank gives a question in its headings and contents alike)."""
    found = QUESTION_NUMBER_RE.match(text)
    return f"Q{found[1]}" if found else None


class _Reader:
    def __init__(
        self, text: str, path: str, difficulty_markers: dict[str, str], lists_ask: bool = False
    ) -> None:
        self.path = path
        self.draft = Draft(path, text)
        self.markers = difficulty_markers
        self.section = 0
        self.file_heading: tuple[str, int] | None = None
        self.open: _Open | None = None
        self.intro = True
        self.in_toc = False
        self.toc: list[tuple[str, str | None, int, int, str | None]] = []  # prompt, level, line, section, Qn
        self.numbers: set[str] = set()  # "Q12" numbers of the questions read
        self.kinds: list[str] = []
        self.chunks = chunks(text, path)
        self.lists_ask = lists_ask

    # -- the file --

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
                first, ends = m.words_start(item[2]), item[2].rstrip(" \t*_`").endswith("?")
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
            found = m.list_item(chunk.text)
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

    def read(self, title: str | None) -> SourceFile:
        index = 0
        while index < len(self.chunks):
            chunk = self.chunks[index]
            index += 1
            if isinstance(chunk, Code):
                self.code(chunk)
                continue
            stripped = chunk.text.strip()
            if self.open is not None and (closing := math_closing(stripped)):
                index = self.maths(index - 1, closing)
            elif stripped[:1] == "<" and stripped[:8].lower() == "<details":
                index = self.details(index - 1)
            elif stripped.startswith("|") and stripped.count("|") >= 2:
                index = self.table(index - 1)
            else:
                self.line(chunk.no, chunk.text, stripped)
        self.close()
        self.add_toc_questions()
        draft = self.draft
        items = sum(1 for kind in self.kinds if kind == "item")
        draft.layout = "list" if items * 2 > len(self.kinds) else "qna"
        key, root_title = file_key_and_title(self.path, title, self.file_heading and self.file_heading[0])
        return draft.finish(key, root_title, self.file_heading[1] if self.file_heading else 1)

    # -- starting and ending questions --

    def start(
        self, no: int, prompt: str, difficulty: str | None, kind: str, follows: bool = False, **how
    ) -> _Open:
        self.close()
        if not prompt.strip():
            raise ContentError([Problem(self.path, no, "question has no text")])
        if len(self.draft.questions) >= MAX_QUESTIONS:
            self.draft.too_many(no, "questions", MAX_QUESTIONS)
        raw = RawQuestion(self.section, "", prompt.strip(), "", difficulty or m.UNRATED, no, follows)
        self.draft.questions.append(raw)
        if not follows:  # a file's layout is how its questions are asked, whatever its follow-ups look like
            self.kinds.append(kind)
        self.draft.use(no)
        self.open = _Open(raw, kind, **how)
        self.intro = self.in_toc = False
        return self.open

    def close(self) -> None:
        if self.open is not None:
            self.open.raw.answer = finish_answer(self.open.answer)
            self.open = None

    def answer(self, no: int, text: str, is_code: bool = False) -> None:
        assert self.open is not None
        self.open.answer.append((text, is_code))
        self.open.answering = True
        self.open.prompt_open = False
        self.draft.use(no)

    # -- one line --

    def code(self, code: Code) -> None:
        if self.open is None:
            return  # reported as ignored
        for no, raw in enumerate(code.raw, code.no):
            self.answer(no, raw, True)

    def line(self, no: int, line: str, stripped: str) -> None:
        opened = self.open
        if not stripped:
            if opened is not None:
                opened.prompt_open = False
                if opened.answering:
                    opened.answer.append(("", False))
            return
        indent = len(line) - len(line.lstrip(" "))
        if indent <= 3 and (heading := parse_heading(line[indent:])):
            self.heading(no, line, *heading)
            return
        if opened is not None and opened.kind == "heading":
            if opened.item is not None and self.ends_follow_up(no, line, opened.item):
                return
            self.answer(no, line)
            return
        if self.question_line(no, stripped):
            return
        if opened is not None and not opened.answering:
            labelled, rest = m.answer_label(stripped)
            if labelled:
                self.draft.use(no)
                opened.answering, opened.prompt_open = True, False
                if rest.strip():
                    self.answer(no, rest)
                return
        if (item := m.list_item(line)) is not None and self.list_item(no, line, item):
            return
        if opened is not None:
            if opened.prompt_open and opened.kind in ("item", "label") and not BLOCK_START_RE.match(stripped):
                opened.raw.prompt += " " + stripped
                self.draft.use(no)
            else:
                self.answer(no, line)
        elif self.intro or STRUCTURE_RE.fullmatch(stripped):
            self.draft.use(no)

    def question_line(self, no: int, stripped: str) -> bool:
        """A ``Q:`` line or a bold line that asks starts a question; a ``Follow-up:`` line a follow-up."""
        if (follow_up := m.follow_up(stripped, self.markers, heading=False)) is not None:
            self.start_follow_up(no, *follow_up)
            return True
        labelled, rest = m.question_label(stripped)
        if labelled:
            answer = ""
            if split := m.INLINE_ANSWER_RE.search(rest):
                rest, answer = rest[: split.start()], rest[split.end() :].strip()
            difficulty, prompt = m.split_difficulty(rest.strip(), self.markers)
            self.start(no, prompt, difficulty, "label")
            if answer:
                self.answer(no, answer)
            return True
        if (bold := self.bold_question(stripped)) is not None:
            self.start(no, bold[1], bold[0], "bold", answering=True, prompt_open=False)
            return True
        return False

    def start_follow_up(self, no: int, difficulty: str | None, prompt: str, **how) -> None:
        """A follow-up under a list question reads like one (the next item ends it); else like ``Q:``."""
        parent = self.open
        if how:
            # A heading under a list question: its answer runs to the heading or the list's next item.
            chain_item = parent.item if parent is not None else None
            self.start(no, prompt, difficulty, "heading", follows=True, item=chain_item, **how)
        elif parent is not None and parent.kind == "item":
            self.start(no, prompt, difficulty, "item", follows=True, item=parent.item)
        else:
            self.start(no, prompt, difficulty, "label", follows=True)

    def ends_follow_up(self, no: int, line: str, asked: m.Item) -> bool:
        """The list's next question under a follow-up heading in a list file: it starts there."""
        item = m.list_item(line)
        if item is None or item.kind != asked.kind or item.indent > asked.indent or not self.asks(item, no):
            return False
        self.start_item(no, item)
        return True

    def bold_question(self, stripped: str) -> tuple[str | None, str] | None:
        delimiter = stripped[:2]
        if delimiter not in ("**", "__"):
            return None
        end = stripped.find(delimiter, 2)
        if end < 0:
            return None
        inner, rest = stripped[2:end].strip(), stripped[end + 2 :].strip()
        numbered = bool(m.PREFIX_RE.fullmatch(inner))
        if numbered and rest:
            text = rest  # **3)** What is X?
        elif m.PREFIX_RE.match(inner) and not m.SECTION_NUMBER_RE.match(inner):
            numbered, text = True, f"{inner} {rest}".strip()  # **1) FizzBuzz.** Print 1 to 100
        elif not rest or m.split_difficulty("x " + rest, self.markers)[1] == "x":
            text = f"{inner} {rest}".strip()  # **What is X?** 👶
        else:
            return None
        difficulty, text = m.split_difficulty(text, self.markers)
        prefixed, text = m.strip_prefix(text)
        if text.rstrip("*_ ").endswith(":") and not numbered:
            return None  # "**Example:**"
        if text.endswith("?") or difficulty or numbered or prefixed or m.looks_like_question(text):
            return difficulty, text
        return None

    def heading(self, no: int, line: str, level: int, words: str) -> None:
        opened = self.open
        words = m.drop_source_link(words)
        if not words:
            self.draft.empty_heading(level, no)
            self.draft.use(no)
            return
        if m.FOLLOW_UP_RE.match(words):
            if (follow_up := m.follow_up(words, self.markers, heading=True)) is None:
                raise ContentError([Problem(self.path, no, "follow-up heading has no question")])
            self.start_follow_up(no, *follow_up, level=level, answering=True, prompt_open=False)
            return
        difficulty, text = m.split_difficulty(words, self.markers)
        prefixed, text = m.strip_prefix(text)
        q_prefix = prefixed and words.lstrip("[ EMHemh]").lower().startswith("q")
        if q_prefix and (number := _number(words)):
            self.numbers.add(number)
        asks = text.endswith("?") or q_prefix or difficulty is not None
        if opened is not None and m.answer_label(words) == (True, ""):
            self.draft.use(no)  # "### Answer": a label, not text
            opened.answering, opened.prompt_open = True, False
            return
        deeper = opened is not None and opened.kind == "heading" and level > opened.level
        # "#### 64) Given …, why would this be incorrect :" in a file of numbered question headings
        numbered_question = prefixed and not q_prefix and not deeper and self.survey.headings_ask
        labels = words.endswith(":") and not numbered_question  # "### Main Components:", "#### Example:"
        if opened is not None and (labels or (deeper and not asks)):
            self.answer(no, line)
            return
        if asks and not text.rstrip("? \t"):
            raise ContentError([Problem(self.path, no, "question heading has no text")])
        long = len(words) > MAX_TITLE  # no section title is that long: a question without a "?"
        if not labels and (
            asks or long or numbered_question or (not deeper and self.imperative(text, prefixed))
        ):
            self.start(no, text, difficulty, "heading", level=level, answering=True, prompt_open=False)
            return
        self.close()
        self.draft.use(no)
        self.in_toc = words.lower().strip(" :") in TOC_TITLES
        if self.in_toc:
            return
        first = level == 1 and self.file_heading is None and len(self.draft.sections) == 1
        if first and not self.draft.questions:
            self.file_heading = (words, no)
            return
        self.intro = False
        self.section = self.draft.open_section(level, words, no)

    @staticmethod
    def imperative(text: str, numbered: bool) -> bool:
        """``## Explain X``, ``## 12. Describe X.``: a heading that sets a task is a question too."""
        first = m.words_start(text)
        if first == "how" and text.lower().startswith(("how to ", "how it works")):
            return numbered
        if numbered and m.looks_like_list_question(text):
            return True
        # "List 99 ML questions", "Questions to ask" title lists of questions
        return first in m.QUESTION_WORDS and len(text.split()) > 2 and "question" not in text.lower()

    # -- lists --

    def list_item(self, no: int, line: str, item: m.Item) -> bool:
        """Handle a list item; False if it is plain text to the caller."""
        opened = self.open
        if opened is not None and opened.kind == "item":
            asked = opened.item
            if item.kind == "letter" or item.indent > asked.indent + 1:
                if opened.answering:
                    self.answer(no, line)
                else:
                    opened.raw.prompt += "\n" + line[asked.indent :].rstrip()
                    self.draft.use(no)
                return True
            if item.kind == asked.kind and self.asks(item, no):
                self.start_item(no, item)
            else:
                self.answer(no, line)
            return True
        if opened is not None:
            self.answer(no, line)
            return True
        link = m.link_only(item.text)
        if link and ("#" in link[1] or not link[1] or self.in_toc):
            self.toc_entry(no, link[0])  # a table of contents: links to the file's own questions
            return True
        if item.kind != "letter" and not link and self.asks(item, no):
            self.start_item(no, item)
            return True
        if self.intro:
            self.draft.use(no)
            return True
        return True  # reported as ignored

    def asks(self, item: m.Item, no: int) -> bool:
        if item.kind == "number" and self.survey.numbered_ask:
            return True
        if item.kind == "bullet" and self.survey.bullets_ask:
            return True
        if item.text.startswith("[") and "](http" in item.text[:500]:
            return False  # "[How to prepare for X](https://…)": a reading list, not a question
        text = m.split_difficulty(item.text, self.markers)[1]
        return no in self.survey.asking or m.looks_like_question(text)

    def start_item(self, no: int, item: m.Item) -> None:
        if not item.text:
            return  # an empty item: reported as ignored
        difficulty, prompt = m.split_difficulty(item.text, self.markers)
        if not prompt.strip():
            raise ContentError([Problem(self.path, no, "question has no text")])
        self.start(no, prompt, difficulty, "item", item=item)

    def toc_entry(self, no: int, label: str) -> None:
        self.draft.use(no)
        self.in_toc = True
        difficulty, text = m.split_difficulty(label, self.markers)
        prefixed, text = m.strip_prefix(text)
        if text and (prefixed or m.looks_like_question(text)):
            self.toc.append((text, difficulty, no, self.section, _number(label)))

    def add_toc_questions(self) -> None:
        """A question only the table of contents names is imported, unanswered."""
        if not self.toc:
            return
        # The contents may word a question a little differently ("…?" for "…."), so the start of its words,
        # or its "Q12" number, finds it.
        asked = {_squash(q.prompt)[:40] for q in self.draft.questions}
        asked |= self.numbers
        added = False
        for text, difficulty, no, section, number in self.toc:
            if _squash(text)[:40] not in asked and (number is None or number not in asked):
                if len(self.draft.questions) >= MAX_QUESTIONS:
                    self.draft.too_many(no, "questions", MAX_QUESTIONS)
                asked.add(_squash(text)[:40])
                self.draft.questions.append(RawQuestion(section, "", text, "", difficulty or m.UNRATED, no))
                added = True
        if added:
            self.draft.questions.sort(key=lambda q: q.line)

    # -- blocks --

    def maths(self, index: int, closing: str) -> int:
        """A display-maths block in an answer (``$$``/``\\[`` on a line of its own, up to its closing line):
        its lines are answer text whatever they start with (``- \\lambda``, ``1.``, ``#``)."""
        end = index + 1
        while end < len(self.chunks) and end - index <= 200:
            chunk = self.chunks[end]
            if isinstance(chunk, Code) or not chunk.text.strip():
                break  # display maths holds no code and no blank line
            if chunk.text.strip().endswith(closing):
                for inside in self.chunks[index : end + 1]:
                    self.answer(inside.no, inside.text)
                return end + 1
            end += 1
        self.line(self.chunks[index].no, self.chunks[index].text, self.chunks[index].text.strip())
        return index + 1  # never closed (within 200 lines): an ordinary line

    def details(self, index: int) -> int:
        """A ``<details>`` block: a question with its answer, or the hidden answer of the question above."""
        first = self.chunks[index]
        lines: list[tuple[int, str, bool]] = []
        depth = 0
        while index < len(self.chunks):
            chunk = self.chunks[index]
            index += 1
            if isinstance(chunk, Code):
                lines += [(no, raw, True) for no, raw in enumerate(chunk.raw, chunk.no)]
                continue
            lower = chunk.text.lower()
            lines.append((chunk.no, chunk.text, False))
            depth += lower.count("<details") - lower.count("</details>")
            if depth <= 0:
                break
        self.draft.use(*(no for no, _, _ in lines))
        summary, body = split_details("\n".join(raw for _, raw, _ in lines))
        body_lines = [(line, False) for line in body.strip("\n").split("\n")]
        if self.open is not None and (not summary or summary.lower().startswith(ANSWER_SUMMARIES)):
            self.open.answer += body_lines
            self.open.answering = True
            return index
        if (follow_up := m.follow_up(summary, self.markers, heading=True)) is not None:
            opened = self.start(first.no, follow_up[1], follow_up[0], "details", follows=True)
            opened.answer = body_lines
            self.close()
            return index
        difficulty, prompt = m.split_difficulty(summary, self.markers)
        prefixed, prompt = m.strip_prefix(prompt)
        if not prompt:
            return index  # an empty summary outside any question: the lines are used, nothing asked
        opened = self.start(first.no, prompt, difficulty, "details")
        opened.answer = body_lines
        self.close()
        return index

    def table(self, index: int) -> int:
        rows: list[Text] = []
        while index < len(self.chunks):
            chunk = self.chunks[index]
            stripped = chunk.text.strip() if isinstance(chunk, Text) else ""
            if not (stripped.startswith("|") and stripped.count("|") >= 2):
                break
            rows.append(chunk)
            index += 1
        header = table_cells(rows[0].text)
        columns = [cell.lower().strip("*_ ") for cell in header]
        question = next((i for i, c in enumerate(columns) if c in ("question", "questions", "q")), None)
        separator = len(rows) > 1 and all(TABLE_SEPARATOR_RE.fullmatch(c) for c in table_cells(rows[1].text))
        if question is None or not separator:
            for row in rows:
                self.line(row.no, row.text, row.text.strip())
            return index
        level = next((i for i, c in enumerate(columns) if c in ("level", "difficulty")), None)
        answer = next((i for i, c in enumerate(columns) if c in ("answer", "answers")), None)
        self.close()
        self.draft.use(rows[0].no, rows[1].no)
        for row in rows[2:]:
            cells = table_cells(row.text)
            prompt = cells[question] if question < len(cells) else ""
            if not prompt:
                continue  # an empty row: reported as ignored
            word = cells[level].lower().strip("*_ ") if level is not None and level < len(cells) else ""
            # A row "Follow-up: …" follows up the row above it.
            follow_up = m.follow_up(prompt, self.markers, heading=True)
            difficulty, prompt = follow_up or m.split_difficulty(prompt, self.markers)
            opened = self.start(
                row.no, prompt, LEVEL_WORDS.get(word, difficulty), "table", follows=follow_up is not None
            )
            if answer is not None and answer < len(cells) and cells[answer]:
                opened.answer.append((cells[answer], False))
            self.close()
        return index


def parse_general(
    text: str,
    path: str,
    title: str | None = None,
    difficulty_markers: dict[str, str] | None = None,
    lists_ask: bool = False,
) -> SourceFile:
    """``lists_ask``: read every numbered item as a question, as a file whose lists mostly ask does (the
    exporter's check that an answer survives in any such file)."""
    return _Reader(text, path, difficulty_markers or m.DEFAULT_MARKERS, lists_ask).read(title)
