"""Lists as GitHub reads them, rewritten for Python-Markdown (the bank's markdown is written for GitHub)."""

import re

_LIST_ITEM = re.compile(r"( *)([-*+]|\d{1,9}[.)])( +|$)")


class ListIndenter:
    """Lists as GitHub reads them, rewritten for Python-Markdown: nested items indented by 2 or 3 spaces (to
    their parent's text) become 4-space indents, and a list may start right after a line of text when its
    first item is a bullet or "1."."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.content_columns: list[int] = []  # where each open item's text starts, outermost first
        self.after_blank = False

    @property
    def active(self) -> bool:
        return bool(self.content_columns)

    @property
    def depth(self) -> int:
        return len(self.content_columns)

    def blank(self) -> None:
        self.after_blank = True

    def reindent(self, line: str, follows_text: bool) -> str | None:
        """The line re-indented; None when a blank line must come first to start a list after text."""
        item = _LIST_ITEM.match(line)
        indent = len(line) - len(line.lstrip(" "))
        after_blank, self.after_blank = self.after_blank, False
        if item and item.group(3) and line[item.end() :].strip():
            if not self.active:
                if indent > 3:
                    return line
                marker = item.group(2)
                if follows_text and not (marker in "-*+" or marker in ("1.", "1)")):
                    return line  # "2019. was a good year" is text
                if follows_text:
                    return None
            while self.content_columns and indent < self.content_columns[-1]:
                self.content_columns.pop()
            depth = len(self.content_columns)
            self.content_columns.append(item.end())
            return "    " * depth + line[indent:]
        if not self.active:
            return line
        if not after_blank and not follows_text:
            return line
        if after_blank and indent < self.content_columns[0]:
            self.reset()  # text at the margin after a blank line ends the list
            return line
        if not after_blank:
            return line  # a lazy continuation of the item's paragraph
        while len(self.content_columns) > 1 and indent < self.content_columns[-1]:
            self.content_columns.pop()
        extra = max(0, indent - self.content_columns[-1])
        return "    " * len(self.content_columns) + " " * extra + line[indent:]
