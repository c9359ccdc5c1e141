"""Multi-line blocks read whole: display maths in an answer, ``<details>`` blocks and question tables."""

import posixpath
import re

from quiz.importer import markers as m
from quiz.importer.blocks import ANSWER_SUMMARIES, LEVEL_WORDS, TABLE_SEPARATOR_RE, split_details, table_cells
from quiz.importer.common import Code, Finding, Text

LINK_TARGET_RE = re.compile(r"\]\(<?([^()<>\s]+)>?(?:[ \t]+\"[^\"]*\")?\)")


def _cell(row: str, column: int) -> str:
    cells = table_cells(row)
    return cells[column] if column < len(cells) else ""


class BlockQuestions:
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

    def links_into_bank(self, cells: list[str]) -> bool:
        """Whether a cell of the row links to another markdown file of the bank."""
        for cell in cells:
            for target in LINK_TARGET_RE.findall(cell):
                if target.startswith(("http:", "https:", "mailto:", "#")):
                    continue
                path = posixpath.normpath(
                    posixpath.join(posixpath.dirname(self.path), target.split("#", 1)[0])
                )
                if path in self.bank_paths and path != self.path:
                    return True
        return False

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
        linked = sum(1 for row in rows[2:] if self.links_into_bank(table_cells(row.text)))
        numbers = sum(1 for row in rows[2:] if not any(c.isalpha() for c in _cell(row.text, question)))
        if numbers * 2 > len(rows) - 2:
            # "| Topic | Questions | Count |" with "1--3, 11, 15" in it: an index by question number
            self.draft.use(*(row.no for row in rows))
            message = f"a table of contents: {len(rows) - 2} rows list question numbers"
            self.draft.notes.append(Finding(self.path, rows[0].no, "contents", message))
            return index
        if linked and linked * 2 >= len(rows) - 2:
            # "| Q# | Question | [Answer](qa/q1.md) |": an index of questions the bank's files answer
            self.draft.use(*(row.no for row in rows))
            message = f"a table of contents: {linked} rows link to questions answered in the bank's files"
            self.draft.notes.append(Finding(self.path, rows[0].no, "contents", message))
            return index
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
            if (
                answer is not None
                and answer < len(cells)
                and cells[answer]
                and not m.link_only(cells[answer])
            ):
                opened.answer.append((cells[answer], False))  # a bare link is no answer
            self.close()
        return index
