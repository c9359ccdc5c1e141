"""Markdown to safe HTML: the only module that imports markdown and bleach.

Content is partly machine-written upstream and editable by admins and reviewers, so every piece of markdown is
treated as hostile: Python-Markdown renders it, then bleach keeps only an explicit allow-list of tags and
attributes, in one pass that also turns bare URLs into links. Results are cached on the models (``*_html``
fields); nothing here runs per request except a reviewer's or an admin's preview.

Bounded: text longer than ``MAX_MARKDOWN_CHARS`` is refused (``MarkdownTooLarge``), and before
Python-Markdown sees the text, one linear pass over it (``prepass``) takes away what makes it slow: its link,
code span and raw-HTML parsing are quadratic on unmatched ``[``, backticks and ``<``, its block parser on many
headings in one block, its inline parser on many matches in one paragraph. The pass escapes what could never
have formed markup anyway, splits blocks where that changes nothing, highlights code with Pygments directly,
and shows a paragraph with absurdly much markup as typed. Nesting deeper than ``MAX_NESTING`` (lists, block
quotes) is refused with ``MarkdownTooDeep``: Python-Markdown recurses per level.
tests/test_rendering_limits.py fuzzes this; tests/bench/bench_rendering.py measures the worst case.

The same pass keeps maths away from markdown (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` become opaque
tokens) and renders it to MathML with latex2mathml after the main sanitising, through a second cleaner that
allows only the MathML latex2mathml produces; so a ``<math>`` typed into markdown is escaped like any other
HTML. It also makes lists read as GitHub shows them (a list right after a line of text; items nested by two
spaces), since the bank's markdown is written for GitHub.

``render_markdown`` is the way in (the errors and ``check_markdown_size`` come with it, for forms). Inside:
``limits`` (the bounds and the errors), ``prepass`` (the block pass) and ``inline_escapes`` (its inline part),
``lists`` (GitHub's list rules), ``maths`` (formulas to MathML), ``highlighting`` (Pygments),
``allow_lists`` and ``sanitiser`` (bleach), ``engine`` (Python-Markdown and the cleaners, per thread).
"""

from quiz.rendering.engine import renderers
from quiz.rendering.limits import (
    MAX_MARKDOWN_CHARS,
    MarkdownError,
    MarkdownTooDeep,
    MarkdownTooLarge,
    TablesTooLarge,
    check_formula_size,
    check_markdown_size,
)
from quiz.rendering.maths import Maths
from quiz.rendering.prepass import prepare

__all__ = [
    "MAX_MARKDOWN_CHARS",
    "MarkdownError",
    "MarkdownTooDeep",
    "MarkdownTooLarge",
    "TablesTooLarge",
    "check_markdown",
    "check_markdown_size",
    "render_markdown",
]


def render_markdown(text: str) -> str:
    """Render markdown ``text`` to HTML that is safe to mark safe in a template.

    Raises ``MarkdownError`` (a ``ValueError``) for text too long or nested too deep; forms show its message.
    """
    if not text or not text.strip():
        return ""
    check_markdown_size(text)
    try:
        converted = renderers.markdown.reset().convert(text)
        maths = renderers.markdown.preprocessors["prepare"].maths
        check_formula_size(text, maths.characters())  # only the pre-pass finds the formulas
        return maths.put_back(renderers.cleaner.clean(converted), renderers.maths_cleaner)
    except MarkdownTooLarge:
        raise  # refused before anything broke
    except RecursionError:
        renderers.rebuild()
        raise MarkdownTooDeep() from None
    except BaseException:
        renderers.rebuild()
        raise


def check_markdown(text: str) -> None:
    """Raise the ``MarkdownError`` that ``render_markdown(text)`` would, without rendering: the size limits
    and the nesting depth, in one linear pass (a bank's dry run checks every answer this way)."""
    if not text or not text.strip():
        return
    check_markdown_size(text)
    maths = Maths()
    prepare(text, maths, lambda html: "", lambda code, language: "")
    check_formula_size(text, maths.characters())
