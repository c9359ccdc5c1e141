"""The part of a rendered answer that shows why it matched a search, with the matched words marked.

Works on the answer's cached HTML (rendered and sanitised by quiz.rendering), so maths and code look as they
do in the answer, never as raw ``$…$`` or ``**``. The excerpt is the first block (paragraph, list item, table
cell, code block) holding a searched term, its text cut to a window around the first match; every tag is kept,
so the excerpt stays well-formed, and maths is kept or dropped whole. Text is re-escaped as it is written.
"""

import html
import re
from html.parser import HTMLParser

from django.utils.safestring import SafeString, mark_safe

from quiz.search.analysis import token_terms, words

BLOCKS = frozenset({"p", "li", "td", "th", "pre", "dd", "dt", "blockquote", *(f"h{n}" for n in range(1, 7))})
# Tags an excerpt keeps (with everything inside <math>); others (lists, tables, links) give only their text.
INLINE = frozenset({"code", "strong", "em", "b", "i", "sub", "sup", "kbd", "del", "ins", "s", "math"})
BEFORE, AFTER = 90, 160  # characters of text kept around the first match
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*|[^A-Za-z0-9]+", re.ASCII)


class _Blocks(HTMLParser):
    """The answer as a list of innermost blocks, each a list of ("tag", markup) and ("text", text) pieces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[tuple[str, str]]] = []
        self.open: list[list[tuple[str, str]]] = []  # the blocks we are inside, innermost last
        self.maths = 0  # inside <math>: its text is not searched or cut, its tags all kept

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.open.append([])
            self.blocks.append(self.open[-1])
            return
        self.maths += tag == "math"
        if self.open and (self.maths or tag in INLINE):
            attributes = "".join(f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs)
            self.open[-1].append(("tag", f"<{tag}{attributes}>"))

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            if self.open:
                self.open.pop()
            return
        if self.open and (self.maths or tag in INLINE):
            self.open[-1].append(("tag", f"</{tag}>"))
        self.maths -= tag == "math" and self.maths > 0

    def handle_data(self, data):
        if self.open:
            self.open[-1].append(("maths" if self.maths else "text", data))


def _matches(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    spans = []
    for match in _WORD_RE.finditer(text):
        token = match.group()
        if token[0].isalnum() and any(term in terms for w in words(token) for term in token_terms(w)):
            spans.append(match.span())
    return spans


def excerpt(answer_html: str, terms: frozenset[str]) -> SafeString | None:
    """The excerpt of ``answer_html`` for a search of ``terms`` (quiz.search.analysis terms), or None."""
    parser = _Blocks()
    parser.feed(answer_html)
    for block in parser.blocks:
        texts = [piece for kind, piece in block if kind == "text"]
        if any(_matches(text, terms) for text in texts):
            return mark_safe(_cut(block, terms))  # noqa: S308 - sanitised tags, text escaped by _cut
    return None


def _cut(block: list[tuple[str, str]], terms: frozenset[str]) -> str:
    plain = "".join(piece for kind, piece in block if kind != "tag")
    first = next(
        (offset + span[0] for offset, piece in _text_offsets(block) for span in _matches(piece, terms)), 0
    )
    start, end = max(0, first - BEFORE), first + AFTER
    out, at = [], 0
    if start:
        out.append("… ")
    for kind, piece in block:
        if kind == "tag":
            out.append(piece)
            continue
        lo, hi = at, at + len(piece)
        at = hi
        if kind == "maths":  # whole or nothing
            out.append(html.escape(piece) if lo < end and hi > start else "")
            continue
        keep = piece[max(0, start - lo) : max(0, end - lo)]
        out.append(_marked(keep, terms))
    if end < len(plain):
        out.append(" …")
    return "".join(out)


def _text_offsets(block):
    at = 0
    for kind, piece in block:
        if kind == "tag":
            continue
        if kind == "text":
            yield at, piece
        at += len(piece)


def _marked(text: str, terms: frozenset[str]) -> str:
    out, last = [], 0
    for lo, hi in _matches(text, terms):
        out.append(html.escape(text[last:lo]))
        out.append(f"<mark>{html.escape(text[lo:hi])}</mark>")
        last = hi
    out.append(html.escape(text[last:]))
    return "".join(out)
