"""A file's table of contents: its entries, and the questions only it names."""

import re

from quiz.importer import markers as m
from quiz.importer.common import MAX_QUESTIONS, RawQuestion

TOC_TITLES = frozenset({"table of contents", "contents", "toc", "index", "table of content"})
QUESTION_NUMBER_RE = re.compile(r"[ \t]*q(?:uestion)?[ \t]*(\d{1,4})", re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _number(text: str) -> str | None:
    """ "Q12" for "Q12: …" (the number a bank gives a question in its headings and contents alike)."""
    found = QUESTION_NUMBER_RE.match(text)
    return f"Q{found[1]}" if found else None


class TableOfContents:
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
