"""How much markdown the renderer takes, and the errors it raises for more: the bounds that keep every
accepted text fast (tests/test_rendering_limits.py fuzzes them; tests/bench/bench_rendering.py measures the
worst case)."""

# With MAX_MARKUP below, the slowest hostile text of this size renders in under 250 ms of CPU on the 2-core
# development machine (tests/bench/bench_rendering.py); the bank's longest answer has 2,559 characters.
MAX_MARKDOWN_CHARS = 20_000
# Lists and block quotes nested deeper than this are refused; Python-Markdown recurses once per level.
MAX_NESTING = 16
# Brackets and parentheses nested deeper than this are escaped (shown as typed, never link syntax), which
# keeps Python-Markdown's link scanning linear. A link around an image inside brackets is as deep as it gets.
MAX_BRACKET_DEPTH = 3
# Each element costs Python-Markdown and bleach ~0.05-0.1 ms of CPU, and elements come from lines and markup
# characters: text with more of these than this is refused too, so that none renders in more than 250 ms. The
# bank's densest answer has 99; the XSS corpus of tests/security, all in one text, 2,205.
MAX_MARKUP = 2_300
MARKUP_CHARACTERS = "`*_[]<>&\\$|\n"  # ">" too: quotes nest, and in code each is an entity for bleach
# A formula costs as much as ~8 other elements (latex2mathml, then a cleaning of its own): "$" and "\(" and
# "\[" count this much more.
FORMULA_WEIGHT = 4
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
                f"This text has {markup:,} lines and markup characters (` * _ [ ] < > & \\ $ |); at most "
                f"{MAX_MARKUP:,} can be rendered. Shorten it or split it up."
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
    markup = sum(text.count(c) for c in MARKUP_CHARACTERS) + FORMULA_WEIGHT * sum(
        text.count(opening) for opening in ("$", "\\(", "\\[")
    )
    if markup > MAX_MARKUP:
        raise MarkdownTooLarge(markup=markup)
