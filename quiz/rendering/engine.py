"""Python-Markdown and the cleaners, built once per thread, with the pre-pass and highlighting plugged in."""

import threading

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from quiz.rendering.highlighting import Highlighter, HighlightIndentedCode
from quiz.rendering.limits import MAX_HIGHLIGHTED_CHARS
from quiz.rendering.links import register_linear_links
from quiz.rendering.maths import Maths
from quiz.rendering.plain_text import register_plain_text_skip
from quiz.rendering.prepass import prepare
from quiz.rendering.sanitiser import maths_cleaner, page_cleaner


class _Prepare(Preprocessor):
    """Runs ``prepare`` inside Python-Markdown, so fenced code goes straight to the HTML stash."""

    def __init__(self, md: markdown.Markdown, highlighter: Highlighter) -> None:
        super().__init__(md)
        self.highlighter = highlighter
        self.maths = Maths()

    def run(self, lines: list[str]) -> list[str]:
        self.highlighter.budget = MAX_HIGHLIGHTED_CHARS
        self.maths = Maths()
        source = prepare("\n".join(lines), self.maths, self.md.htmlStash.store, self.highlighter)
        return source.split("\n")


class _BoundedMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        highlighter = Highlighter()
        # After whitespace normalising (30), before raw HTML blocks (20).
        md.preprocessors.register(_Prepare(md, highlighter), "prepare", 29)
        md.treeprocessors.register(HighlightIndentedCode(md, highlighter), "highlight", 30)
        register_linear_links(md)
        register_plain_text_skip(md)


class _Renderers(threading.local):
    """One Markdown and two Cleaners per thread: building them costs more than rendering a short answer, and
    none may be shared between threads (gunicorn runs several per worker). ``rebuild`` after any failure:
    a Markdown instance that raised half-way keeps broken state (a RecursionError left later renders without
    their paragraphs)."""

    def __init__(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        self.markdown = markdown.Markdown(extensions=["tables", "sane_lists", _BoundedMarkdown()])
        self.cleaner = page_cleaner()
        self.maths_cleaner = maths_cleaner()


renderers = _Renderers()
