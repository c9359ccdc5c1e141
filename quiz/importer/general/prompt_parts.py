"""The parts of a question that come after its first line: text up to an answer label, and the block the
prompt points at ("the following code", "the table below"). Both belong to the prompt, not the answer."""

import functools
import re

from quiz.importer import markers as m
from quiz.importer.common import Code, Text, parse_heading

# A prompt that points at what comes after it.
POINTS_AT_RE = re.compile(
    r"\b(?:the following|this (?:code|snippet|query|table|function|program|schema)|"
    r"(?:code|table|schema|snippet|query|data|function|example) below|below:|following:)",
    re.IGNORECASE,
)
LOOK_AHEAD = 60  # lines searched for an answer label


class PromptParts:
    @functools.cached_property
    def chunk_at(self) -> dict[int, int]:
        return {chunk.no: index for index, chunk in enumerate(self.chunks)}

    def prompt_end(self, no: int, prompt: str, kind: str) -> int:
        """The first line of the answer when lines after line ``no`` still belong to the prompt, else 0."""
        start = self.chunk_at.get(no)
        if start is None or kind not in ("heading", "bold", "label", "item"):
            return 0
        if label := self._label_ahead(start, kind):
            return label
        if POINTS_AT_RE.search(prompt):
            return self._block_after(start)
        return 0

    def _label_ahead(self, start: int, kind: str) -> int:
        """The line of an answer label before anything that starts another question, or 0."""
        for chunk in self.chunks[start + 1 : start + 1 + LOOK_AHEAD]:
            if isinstance(chunk, Code):
                continue
            stripped = chunk.text.strip()
            if not stripped:
                continue
            heading = parse_heading(stripped) if stripped[0] == "#" else None
            if heading:
                labelled = m.answer_label(heading[1]) == (True, "")
                return chunk.no if labelled else 0
            first = stripped[0].lower()
            if (first in "asmiegbqd*_" or first > "~") and m.answer_label(stripped)[0]:
                return chunk.no  # "**Answer:**", "A:", "✅ Strong answer:"
            if m.question_label(stripped)[0] or (kind == "bold" and stripped.startswith(("**", "__"))):
                return 0
            if kind == "item" and (item := self.list_item_of(chunk.text)) and item.indent < 2:
                return 0
        return 0

    def _block_after(self, start: int) -> int:
        """The line after the code, table or display maths right below the prompt (blank lines between)."""
        index = start + 1
        while (
            index < len(self.chunks)
            and isinstance(self.chunks[index], Text)
            and not self.chunks[index].text.strip()
        ):
            index += 1
        if index >= len(self.chunks):
            return 0
        chunk = self.chunks[index]
        if isinstance(chunk, Code):
            return chunk.no + len(chunk.raw)
        if chunk.text.strip().startswith("|"):
            while (
                index < len(self.chunks)
                and isinstance(self.chunks[index], Text)
                and self.chunks[index].text.strip().startswith("|")
            ):
                index += 1
            return self.chunks[index].no if index < len(self.chunks) else self.chunks[-1].no + 1
        return 0
