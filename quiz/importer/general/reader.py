"""The reader of one file: the questions it opens and closes, walking the file chunk by chunk."""

from dataclasses import dataclass, field

from quiz.importer import markers as m
from quiz.importer.blocks import finish_answer, math_closing
from quiz.importer.common import (
    MAX_QUESTIONS,
    Code,
    ContentError,
    Draft,
    Problem,
    RawQuestion,
    SourceFile,
    chunks,
    clean_answer,
    file_key_and_title,
)
from quiz.importer.general.block_questions import BlockQuestions
from quiz.importer.general.contents import TableOfContents
from quiz.importer.general.heading_survey import HeadingSurvey
from quiz.importer.general.lines import LineReading
from quiz.importer.general.lists import ListQuestions
from quiz.importer.general.prompt_parts import PromptParts
from quiz.importer.general.survey import ListSurvey
from quiz.importer.shapes import as_github_shows

KIND_STYLES = {
    "heading": "headings",
    "bold": "bold",
    "label": "pairs",
    "details": "details",
    "table": "table",
}


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
    q_heading: bool = False  # a "### Q: …" heading: a "Question:" line under it goes on asking
    answer_from: int = 0  # lines before this one still belong to the prompt (up to "Answer:", a shown block)
    more_prompt: list[tuple[str, bool]] = field(default_factory=list)


class _Reader(
    LineReading, ListQuestions, TableOfContents, BlockQuestions, ListSurvey, HeadingSurvey, PromptParts
):
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
        self.bullets = 0  # of the list questions, those asked by a bullet (the rest are numbered)
        self.chunks = chunks(text, path)
        self.lists_ask = lists_ask
        self.bank_paths: frozenset[str] = frozenset()
        self.items: dict[str, m.Item | None] = {}

    def list_item_of(self, line: str) -> m.Item | None:
        """``markers.list_item``, once per distinct line: the survey and the reading both ask of each line."""
        try:
            return self.items[line]
        except KeyError:
            found = self.items[line] = m.list_item(line)
            return found

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
        draft.style = self.style(draft.layout)
        key, root_title = file_key_and_title(self.path, title, self.file_heading and self.file_heading[0])
        return draft.finish(key, root_title, self.file_heading[1] if self.file_heading else 1)

    def style(self, layout: str) -> str:
        """How most questions are asked (``common.STYLES``): a list file's items numbered or bulleted as
        most of them are, another file's the most common other way (headings if it asks nothing)."""
        items = self.kinds.count("item")
        if layout == "list":
            return "bulleted" if self.bullets * 2 > items else "numbered"
        others = [kind for kind in self.kinds if kind != "item"]
        kind = max(KIND_STYLES, key=lambda k: (others.count(k), k == "heading"))
        return KIND_STYLES[kind] if others else "headings"

    def start(
        self, no: int, prompt: str, difficulty: str | None, kind: str, follows: bool = False, **how
    ) -> _Open:
        self.close()
        if not prompt.strip():
            raise ContentError([Problem(self.path, no, "question has no text")])
        if len(self.draft.questions) >= MAX_QUESTIONS:
            self.draft.too_many(no, "questions", MAX_QUESTIONS)
        raw = RawQuestion(self.section, "", m.clean_prompt(prompt), "", difficulty or m.UNRATED, no, follows)
        self.draft.questions.append(raw)
        if not follows:  # a file's layout is how its questions are asked, whatever its follow-ups look like
            self.kinds.append(kind)
            if kind == "item":
                self.bullets += how["item"].kind == "bullet"
        self.draft.use(no)
        self.open = _Open(raw, kind, **how)
        self.open.answer_from = self.prompt_end(no, raw.prompt, kind)
        self.intro = self.in_toc = False
        return self.open

    def close(self) -> None:
        if self.open is not None:
            if more := clean_answer(self.open.more_prompt):
                self.open.raw.prompt += "\n\n" + as_github_shows(more)
            self.open.raw.answer = finish_answer(self.open.answer)
            self.open = None

    def answer(self, no: int, text: str, is_code: bool = False) -> None:
        assert self.open is not None
        if no < self.open.answer_from:
            self.open.more_prompt.append((text, is_code))
            self.draft.use(no)
            return
        self.open.answer.append((text, is_code))
        self.open.answering = True
        self.open.prompt_open = False
        self.draft.use(no)
