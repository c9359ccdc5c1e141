"""List items that ask, and the lines a list question holds."""

from quiz.importer import markers as m
from quiz.importer.common import ContentError, Problem


class ListQuestions:
    def list_item(self, no: int, line: str, item: m.Item) -> bool:
        """Handle a list item; False if it is plain text to the caller."""
        opened = self.open
        if opened is not None and opened.kind == "item":
            asked = opened.item
            if item.kind == "letter" or item.indent > asked.indent + 1:
                # Under "- **Topic**" or "- What is X?" a bullet answers; "a." and "i." items ask with it.
                complete = (
                    item.kind != "letter"
                    and "\n" not in opened.raw.prompt
                    and (asked.text.rstrip(" *_").endswith(m.ASKS) or m.wholly_bold(asked.text))
                )
                if opened.answering or complete:
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

    def ends_follow_up(self, no: int, line: str, asked: m.Item) -> bool:
        """The list's next question under a follow-up heading in a list file: it starts there."""
        item = self.list_item_of(line)
        if item is None or item.kind != asked.kind or item.indent > asked.indent or not self.asks(item, no):
            return False
        self.start_item(no, item)
        return True

    def start_item(self, no: int, item: m.Item) -> None:
        if not item.text:
            return  # an empty item: reported as ignored
        difficulty, prompt = m.split_difficulty(item.text, self.markers)
        if not prompt.strip():
            raise ContentError([Problem(self.path, no, "question has no text")])
        self.start(no, prompt, difficulty, "item", item=item)
