"""How much markdown the renderer takes, and the errors it raises for more: the bounds that keep every
accepted text fast (tests/test_rendering_limits.py fuzzes them; tests/bench/bench_rendering.py measures the
worst case)."""

import re

# With MAX_MARKUP below, the slowest hostile text of this size renders in about 0.1 s of CPU on the 2-core
# development machine (tests/bench/bench_rendering.py; the suite holds 250 ms); the bank's longest answer has
# 2,559 characters.
MAX_MARKDOWN_CHARS = 20_000
# Lists and block quotes nested deeper than this are refused; Python-Markdown recurses once per level.
MAX_NESTING = 16
# Brackets and parentheses nested deeper than this are escaped (shown as typed, never link syntax), which
# keeps Python-Markdown's link scanning linear. A link around an image inside brackets is as deep as it gets.
MAX_BRACKET_DEPTH = 3
# Each element costs Python-Markdown and bleach ~0.04-0.1 ms of CPU, and elements come from lines and markup
# characters: text with more of these than this (weighted below by the elements each makes) is refused too.
# The bank's densest text counts 1,932 (790 characters of maths); the XSS corpus of tests/security, all in
# one text, 2,268.
MAX_MARKUP = 2_300
MARKUP_CHARACTERS = "`*_[]<>&\\$|\n"  # ">" too: quotes nest, and in code each is an entity for bleach
# A list marker at the start of a line makes an item: it counts twice more; each further marker on the line
# opens a list in that item (two elements more, each parsed deeper): five times more (2,300 lines of "- - x"
# took 0.4 s of CPU, 1,000 lines of 15 markers 2 s). A heading, a line break (two spaces at the end of a line)
# and a link's "](" make an element besides their line or brackets: each counts once more.
_LINE_STARTS = re.compile(
    r"^[ \t]*((?:(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*)*)"  # quote and list markers
    r"(#{1,6}(?=[ \t]|$))?",  # a heading
    re.MULTILINE,
)
_LIST_MARKER = re.compile(r"[-*+]|\d{1,9}[.)]")
_LINE_BREAK = re.compile(r"  $", re.MULTILINE)
# A code block becomes four elements (a highlighted block's wrappers): each fence line counts three times more
# (1,150 empty fenced blocks took 0.2 s), and each line indented four spaces after a blank line (an indented
# code block, or a list item's paragraph) five times more (575 one-line blocks between paragraphs, 0.24 s).
_FENCE_LINE = re.compile(r"^(?:```|~~~)", re.MULTILINE)
FENCE_WEIGHT = 3
_INDENTED_AFTER_BLANK = re.compile(r"(?:\A|\n)[ \t]*\n(?=    )")
INDENTED_BLOCK_WEIGHT = 5
LIST_MARKER_WEIGHT = 2
NESTED_LIST_MARKER_WEIGHT = 5
# A formula costs as much as ~8 other elements (latex2mathml, then a cleaning of its own): "$" and "\(" and
# "\[" count this much more.
FORMULA_WEIGHT = 4
# And a formula makes an element or two per character of LaTeX ("a+b": <mi>, <mo>, <mi>), each cleaned by
# bleach: each character inside a formula counts this much too (one formula of 20,000 letters took 1.5 s).
# The bank's text with the most maths has 790 characters of it.
FORMULA_CHARACTER_WEIGHT = 2
# A table makes an element per cell: its columns times its rows. The bank's largest table has 18 cells.
MAX_TABLE_CELLS = 1_000
# Highlighted code makes an element per token: past this many characters of code in one text, code is plain.
# The bank's answer with the most code has 806 characters of it.
MAX_HIGHLIGHTED_CHARS = 3_000


class MarkdownError(ValueError):
    """Markdown the renderer refuses; the message is written for the person who typed it."""


class MarkdownTooLarge(MarkdownError):
    def __init__(self, length: int = 0, markup: int = 0) -> None:
        if markup:
            super().__init__(
                f"This text has {markup:,} lines and markup characters (` * _ [ ] < > & \\ $ |, and more "
                "for what makes more elements: code blocks, list markers, headings, line breaks, links, "
                f"formulas); at most {MAX_MARKUP:,} can be rendered. Shorten it or split it up."
            )
        else:
            super().__init__(
                f"This text is {length:,} characters long; at most {MAX_MARKDOWN_CHARS:,} can be rendered. "
                "Shorten it or split it up."
            )


class TablesTooLarge(MarkdownTooLarge):
    def __init__(self, cells: int) -> None:
        ValueError.__init__(
            self,
            f"The tables here have {cells:,} cells; at most {MAX_TABLE_CELLS:,} can be rendered. "
            "Split them up or shorten them.",
        )


class MarkdownTooDeep(MarkdownError):
    def __init__(self) -> None:
        super().__init__(
            f"Lists or quotes are nested more than {MAX_NESTING} levels deep here; flatten them to render it."
        )


def check_markdown_size(text: str) -> None:
    """Raise ``MarkdownTooLarge`` for text the renderer refuses for its size; cheap, for forms to call."""
    if len(text) > MAX_MARKDOWN_CHARS:
        raise MarkdownTooLarge(length=len(text))
    markup = markup_count(text)
    if markup > MAX_MARKUP:
        raise MarkdownTooLarge(markup=markup)


def check_formula_size(text: str, formula_characters: int) -> None:
    """Raise ``MarkdownTooLarge`` when the formulas' characters (which only the pre-pass finds) take the
    markup of ``text`` over the limit."""
    markup = markup_count(text) + FORMULA_CHARACTER_WEIGHT * formula_characters
    if markup > MAX_MARKUP:
        raise MarkdownTooLarge(markup=markup)


def markup_count(text: str) -> int:
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # a lone "\r" ends a line too (prepass)
    return (
        sum(text.count(c) for c in MARKUP_CHARACTERS)
        + FORMULA_WEIGHT * sum(text.count(opening) for opening in ("$", "\\(", "\\["))
        + sum(_line_start_weight(markers, heading) for markers, heading in _LINE_STARTS.findall(text))
        + text.count("](")
        + FENCE_WEIGHT * len(_FENCE_LINE.findall(text))
        + INDENTED_BLOCK_WEIGHT * len(_INDENTED_AFTER_BLANK.findall(text))
        + len(_LINE_BREAK.findall(text))
    )


def _line_start_weight(markers: str, heading: str) -> int:
    # Past MAX_NESTING the text is refused as too deep, which says more than "too large".
    lists = min(len(_LIST_MARKER.findall(markers)), MAX_NESTING + 1) if markers else 0
    nested = NESTED_LIST_MARKER_WEIGHT * (lists - 1) if lists > 1 else 0
    return LIST_MARKER_WEIGHT * min(lists, 1) + nested + bool(heading)
