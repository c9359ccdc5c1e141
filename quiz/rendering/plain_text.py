"""Python-Markdown's inline parsing, skipped for text that none of its inline patterns could match.

It tries every inline pattern (code spans, escapes, links, images, autolinks, line breaks, raw HTML, entities,
emphasis: 14 regular expressions and a call each) on every piece of text: a list item, heading or table cell
that holds a plain word pays that too. Each of those patterns starts with a character of ``_TRIGGERS`` (or is
the line break's two spaces before a newline), so text without one comes out of them unchanged: it is left as
it is, and a list of 2,300 one-word items renders in two thirds of the time.
"""

import re

import markdown
from markdown import treeprocessors

# The first character each of Python-Markdown's inline patterns needs (markdown/inlinepatterns.py): "`" code,
# "\\" escape, "[" links and references ("![" images too), "<" autolinks, mail and raw HTML, "&" entities,
# "*" and "_" emphasis; "  \n" is the line break.
_TRIGGERS = re.compile(r"[`\\\[<&*_]|  \n")
_PATTERNS = {
    "backtick", "escape", "reference", "link", "image_link", "image_reference", "short_reference",
    "short_image_ref", "autolink", "automail", "linebreak", "html", "entity", "em_strong",
}  # fmt: skip


class _SkipsPlainText(treeprocessors.InlineProcessor):
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, str) and not _TRIGGERS.search(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


def register_plain_text_skip(md: markdown.Markdown) -> None:
    # A pattern this module does not know could start with any character: a Python-Markdown or an extension
    # that adds one must be looked at again.
    assert {item.name for item in md.inlinePatterns._priority} == _PATTERNS, "inline patterns changed"
    assert type(md.treeprocessors["inline"]) is treeprocessors.InlineProcessor
    assert hasattr(treeprocessors.InlineProcessor, "_InlineProcessor__handleInline")
    md.treeprocessors.register(_SkipsPlainText(md), "inline", 20)
