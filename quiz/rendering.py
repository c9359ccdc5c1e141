"""Markdown to safe HTML: the only module that imports markdown and bleach.

Content is partly machine-written upstream and editable by admins and reviewers, so every piece of markdown is
treated as hostile: Python-Markdown renders it, then bleach keeps only an explicit allow-list of tags and
attributes, in one pass that also turns bare URLs into links. Results are cached on the models (``*_html``
fields); nothing here runs per request except a reviewer's or an admin's preview.

Bounded: text longer than ``MAX_MARKDOWN_CHARS`` is refused (``MarkdownTooLarge``), and before
Python-Markdown sees the text, one linear pass over it (``_prepare``) takes away what makes it slow: its link,
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
"""

import bisect
import functools
import html
import re
import secrets
import threading
from dataclasses import dataclass

import bleach
import latex2mathml.converter
import markdown
import pygments
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# With MAX_MARKUP below, the slowest hostile text of this size renders in under 250 ms of CPU on the 2-core
# development machine (tests/bench/bench_rendering.py); the bank's longest answer has 2,559 characters.
MAX_MARKDOWN_CHARS = 20_000
# Lists and block quotes nested deeper than this are refused; Python-Markdown recurses once per level.
MAX_NESTING = 16
# Brackets and parentheses nested deeper than this are escaped (shown as typed, never link syntax), which
# keeps Python-Markdown's link scanning linear. A link around an image inside brackets is as deep as it gets.
MAX_BRACKET_DEPTH = 3
# Each element costs Python-Markdown and bleach ~0.05 ms of CPU, and elements come from lines and markup
# characters: text with more of these than this is refused too. The bank's densest answer has 99.
MAX_MARKUP = 3_000
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


# -- the allow-lists

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "blockquote", "pre", "code", "span", "div",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd",
        "strong", "em", "b", "i", "del", "sub", "sup", "kbd",
        "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
# Only the classes this renderer writes: Pygments' token classes, its "highlight" wrapper and the fenced-code
# language class. Anything else (say "button" or "message error" typed as raw HTML) could dress text up as
# the app's own controls and notices.
HIGHLIGHT_CLASSES = frozenset(STANDARD_TYPES.values()) | {"highlight", "hll"}
LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")


def _allowed_class(tag: str, name: str, value: str) -> bool:
    return all(c in HIGHLIGHT_CLASSES or LANGUAGE_CLASS.fullmatch(c) for c in value.split())


def _class_or(*names: str):
    def allowed(tag: str, name: str, value: str) -> bool:
        return name in names or (name == "class" and _allowed_class(tag, name, value))

    return allowed


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title"],  # src: same-site only, see _OffSiteImagesBecomeLinks
    "span": _class_or(),
    "div": _class_or(),
    "code": _class_or(),
    "pre": _class_or(),
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Exactly what latex2mathml writes (latex2mathml/converter.py, commands.py, walker.py), less what could reach
# outside the formula: href (\href), style (\style), class (\class) and mathbackground (\colorbox).
MATHML_TAGS = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
        "msqrt", "mroot", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "menclose",
        "mpadded", "mphantom",
    }
)  # fmt: skip
MATHML_ATTRIBUTES = [
    "xmlns", "display", "mathvariant", "mathsize", "mathcolor", "stretchy", "fence", "separator", "form",
    "largeop", "movablelimits", "minsize", "maxsize", "accent", "accentunder", "lspace", "rspace", "width",
    "height", "depth", "voffset", "linebreak", "linethickness", "notation", "columnalign", "columnlines",
    "columnspacing", "rowlines", "rowspacing", "frame", "displaystyle", "scriptlevel", "symmetric",
]  # fmt: skip


# bleach's URL pattern with one change: it began with ``\(*``, which backtracks over a whole run of "(" at
# each of its positions (a run of 10,000 took 1.3 s); one optional "(" finds the same links.
_URL_RE = re.compile(
    bleach.linkifier.URL_RE.pattern.replace(r"\(*  # Match any opening parentheses.", r"\(?"),
    bleach.linkifier.URL_RE.flags,
)
assert _URL_RE.pattern != bleach.linkifier.URL_RE.pattern, "bleach's URL pattern changed: revisit _URL_RE"


def _harden_links(attrs: dict, new: bool = False) -> dict:
    if (None, "href") in attrs:
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


def _same_site(url: str) -> bool:
    """A relative URL on this site: no scheme, no host (``//host`` is another site)."""
    url = url.strip()
    return not url.startswith(("//", "\\\\", "/\\", "\\/")) and ":" not in url.split("/", 1)[0]


class _OffSiteImagesBecomeLinks(Filter):
    """An image from another site would be blocked by the CSP (img-src 'self') and could track readers if it
    were not; it becomes a link to the image, labelled with its alt text: nothing the author wrote is lost."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "img":
                attrs = token["data"]
                src = attrs.get((None, "src"), "")
                if not _same_site(src):
                    label = attrs.get((None, "alt"), "").strip() or "image"
                    if src.lower().startswith(("http:", "https:")):
                        link = {(None, "href"): src, (None, "rel"): "nofollow noopener"}
                        yield {"type": "StartTag", "name": "a", "namespace": token["namespace"], "data": link}
                        yield {"type": "Characters", "data": label}
                        yield {"type": "EndTag", "name": "a", "namespace": token["namespace"], "data": {}}
                    else:
                        yield {"type": "Characters", "data": label}
                    continue
            yield token


class _Highlighter:
    """Pygments with one formatter and one lexer per language, reused: what codehilite did, at a sixth of its
    cost per block. The output is codehilite's (``<div class="highlight"><pre><span></span><code>``)."""

    def __init__(self) -> None:
        self.formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
        self.lexers: dict[str, object] = {}
        self.budget = MAX_HIGHLIGHTED_CHARS

    def __call__(self, code: str, language: str) -> str:
        code = code.strip("\n")
        lexer = self._lexer(language) if language and len(code) <= self.budget else None
        if lexer is None:
            escaped = html.escape(code, quote=False)
            return f'<div class="highlight"><pre><span></span><code>{escaped}\n</code></pre></div>'
        self.budget -= len(code)
        return pygments.highlight(code, lexer, self.formatter)

    def _lexer(self, language: str):
        if language not in self.lexers:
            try:
                self.lexers[language] = get_lexer_by_name(language)
            except ClassNotFound:
                self.lexers[language] = None
        return self.lexers[language]


class _Prepare(Preprocessor):
    """Runs ``_prepare`` inside Python-Markdown, so fenced code goes straight to the HTML stash."""

    def __init__(self, md: markdown.Markdown, highlighter: _Highlighter) -> None:
        super().__init__(md)
        self.highlighter = highlighter
        self.maths = _Maths()

    def run(self, lines: list[str]) -> list[str]:
        self.highlighter.budget = MAX_HIGHLIGHTED_CHARS
        self.maths = _Maths()
        source = _prepare("\n".join(lines), self.maths, self.md.htmlStash.store, self.highlighter)
        return source.split("\n")


class _HighlightIndentedCode(Treeprocessor):
    """Indented code blocks, shown like fenced code without a language (as codehilite's treeprocessor did)."""

    def __init__(self, md: markdown.Markdown, highlighter: _Highlighter) -> None:
        super().__init__(md)
        self.highlighter = highlighter

    def run(self, root) -> None:
        for block in root.iter("pre"):
            if len(block) == 1 and block[0].tag == "code" and block[0].text is not None:
                code = html.unescape(block[0].text)  # Python-Markdown escaped it already
                placeholder = self.md.htmlStash.store(self.highlighter(code, ""))
                block.clear()
                block.tag, block.text = "p", placeholder  # the stash unwraps a lone placeholder's <p>


class _BoundedMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        highlighter = _Highlighter()
        # After whitespace normalising (30), before raw HTML blocks (20).
        md.preprocessors.register(_Prepare(md, highlighter), "prepare", 29)
        md.treeprocessors.register(_HighlightIndentedCode(md, highlighter), "highlight", 30)


_EtreeWalker = bleach.html5lib_shim.getTreeWalker("etree")


class _LinearWalker(_EtreeWalker):
    """html5lib's etree walker finds a parent's place among its siblings with list.index each time it climbs
    back up (quadratic: 2,500 code blocks took seconds); this one looks each place up once."""

    def __init__(self, tree) -> None:
        super().__init__(tree)
        self.places: dict[int, dict[int, int]] = {}

    def getParentNode(self, node):  # noqa: N802 (html5lib's name)
        if isinstance(node, tuple) and node[3] != "text" and len(node[2]) > 1:
            parents = node[2]
            parent = parents.pop()
            siblings = parents[-1]
            places = self.places.get(id(siblings))
            if places is None:
                places = self.places[id(siblings)] = {id(child): i for i, child in enumerate(siblings)}
            return parent, places[id(parent)], parents, None
        return super().getParentNode(node)


class _Renderers(threading.local):
    """One Markdown and two Cleaners per thread: building them costs more than rendering a short answer, and
    none may be shared between threads (gunicorn runs several per worker). ``rebuild`` after any failure:
    a Markdown instance that raised half-way keeps broken state (a RecursionError left later renders without
    their paragraphs)."""

    def __init__(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        self.markdown = markdown.Markdown(extensions=["tables", "sane_lists", _BoundedMarkdown()])
        # One pass: sanitise, then linkify and rewrite off-site images as filters over the same token stream.
        # (Cleaning and then linkifying re-parsed the output, which escaped "<" in code spans twice.)
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,  # escape, not drop: a reviewer sees exactly what the source said
            strip_comments=True,
            filters=[
                functools.partial(
                    LinkifyFilter,
                    callbacks=[_harden_links],
                    skip_tags={"pre", "code"},
                    parse_email=False,
                    url_re=_URL_RE,
                ),
                _OffSiteImagesBecomeLinks,
            ],
        )
        self.cleaner.walker = _LinearWalker
        self.maths_cleaner = bleach.Cleaner(
            tags=MATHML_TAGS,
            attributes=dict.fromkeys(MATHML_TAGS, MATHML_ATTRIBUTES),
            protocols=set(),
            strip=False,
            strip_comments=True,
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


def render_markdown(text: str) -> str:
    """Render markdown ``text`` to HTML that is safe to mark safe in a template.

    Raises ``MarkdownError`` (a ``ValueError``) for text too long or nested too deep; forms show its message.
    """
    if not text or not text.strip():
        return ""
    check_markdown_size(text)
    try:
        converted = _renderers.markdown.reset().convert(text)
        maths = _renderers.markdown.preprocessors["prepare"].maths
        return maths.put_back(_renderers.cleaner.clean(converted))
    except RecursionError:
        _renderers.rebuild()
        raise MarkdownTooDeep() from None
    except BaseException:
        _renderers.rebuild()
        raise


# -- maths


@dataclass
class _Formula:
    latex: str
    display: bool
    source: str  # as typed, delimiters included: shown as code when it does not convert


class _Maths:
    """Formulas taken out of the markdown, each replaced by a token that markdown and bleach leave alone."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(6)  # per render: typed text cannot forge a token
        self.formulas: list[_Formula] = []

    def token(self, latex: str, display: bool, source: str) -> str:
        self.formulas.append(_Formula(latex, display, source))
        return f"mathtoken{self.nonce}x{len(self.formulas) - 1}x"

    def put_back(self, rendered: str) -> str:
        if not self.formulas:
            return rendered
        pattern = re.compile(rf"mathtoken{self.nonce}x(\d+)x")
        return pattern.sub(lambda m: _mathml(self.formulas[int(m.group(1))]), rendered)


def _mathml(formula: _Formula) -> str:
    """The formula as sanitised MathML, or its source as code when latex2mathml cannot read it. Each is
    cleaned on its own, so each comes out balanced (latex2mathml passes "<" in \\text through unescaped)."""
    try:
        display = "block" if formula.display else "inline"
        mathml = latex2mathml.converter.convert(formula.latex, display=display)
    except Exception:  # latex2mathml's parser on hostile input: any failure means "show the source"
        return f"<code>{html.escape(formula.source, quote=False)}</code>"
    return _renderers.maths_cleaner.clean(mathml)


# -- the linear pass before Python-Markdown

# At column 0, as Python-Markdown's fenced_code had it: a fence, then a language or {attributes}.
_FENCE = re.compile(r"(`{3,}|~{3,}) *(?:\{([^\n}]*)\}|\.?([\w#.+-]*)) *(?:hl_lines=(\"|')[^\"']*\4 *)?$")
_BLANK = re.compile(r"[ \t]*")
_TABLE_RULE = re.compile(r" *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *")
_LIST_ITEM = re.compile(r"( *)([-*+]|\d{1,9}[.)])( +|$)")
_HR = re.compile(r" {0,3}([-*_])(?: *\1){2,} *")
_ATX_HEADING = re.compile(r" {0,3}#{1,6}(?: |$)")
_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+) *")
_CONTAINER_MARKERS = re.compile(r"(?: *(?:>|[-*+](?= )|\d{1,9}[.)](?= )))+")
_MARKER = re.compile(r">|[-*+]|\d{1,9}[.)]")


def _prepare(text: str, maths: _Maths, stash, highlight) -> str:
    """The markdown Python-Markdown will see. Formulas go to ``maths``; fenced code, highlighted by
    ``highlight(code, language)``, goes to ``stash(html)``, which returns the placeholder that stands for it.
    Linear in ``len(text)``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    block: list[str] = []
    lists = _ListIndenter()

    cells = 0

    def flush() -> None:
        nonlocal cells
        if block:
            if len(block) > 1 and "|" in block[0] and _TABLE_RULE.fullmatch(block[1]):
                cells += (block[1].strip().strip("|").count("|") + 1) * len(block)
                if cells > MAX_TABLE_CELLS:
                    raise TablesTooLarge(cells)
            out.append(_inline("\n".join(block), maths))
            block.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            lists.reset()
            closing = _closing_fence(lines, i + 1, fence.group(1))  # never closed: code to the end, as GitHub
            attributes = (fence.group(2) or "").replace(".", " ").split()
            language = fence.group(3) or (attributes[0] if attributes else "")
            out.extend(["", stash(highlight("\n".join(lines[i + 1 : closing]), language)), ""])
            i = closing + 1
            continue
        if _BLANK.fullmatch(line):
            flush()
            out.append(line)
            lists.blank()
            i += 1
            continue
        if not block and not lists.active and line.startswith("    "):
            # An indented code block, to the next line indented less. Stashed like fenced code, or Python-
            # Markdown's raw-HTML scan (html.parser) would read it too: quadratic on "<" without ">".
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or _BLANK.fullmatch(lines[end])):
                end += 1
            while _BLANK.fullmatch(lines[end - 1]):
                end -= 1
            code = "\n".join(code_line[4:] for code_line in lines[i:end])
            out.extend(["", stash(highlight(code, "")), ""])
            i = end
            continue
        _check_depth(line, lists)
        previous = block[-1] if block else None
        line = lists.reindent(line, follows_text=previous is not None)
        if line is None:  # a list that GitHub starts right after a line of text
            flush()
            out.append("")
            line = lists.reindent(lines[i], follows_text=False)
        # Python-Markdown re-scans the rest of a block after each heading or rule it finds there (quadratic in
        # their number), so each one ends its block here.
        if previous is not None and _SETEXT_UNDERLINE.fullmatch(line):
            block.append(line)
            line = None
        elif _HR.fullmatch(line) or _ATX_HEADING.match(line):
            flush()
        else:
            block.append(line)
            i += 1
            continue
        if line is not None:
            block.append(line)
        flush()
        out.append("")
        lists.blank()
        i += 1
    flush()
    return "\n".join(out) + "\n\n"  # a block at the very end must still end with a blank line


def _closing_fence(lines: list[str], start: int, fence: str) -> int:
    for j in range(start, len(lines)):
        if lines[j].startswith(fence) and lines[j][len(fence) :].strip(" ") == "":
            return j
    return len(lines)


def _check_depth(line: str, lists: "_ListIndenter") -> None:
    markers = _CONTAINER_MARKERS.match(line)
    depth = len(_MARKER.findall(markers.group())) if markers else 0
    if depth + lists.depth > MAX_NESTING and not _HR.fullmatch(line):
        raise MarkdownTooDeep()


class _ListIndenter:
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


_INLINE_SPECIAL = re.compile(r"[\\`$\[\]()<*_]")
_BACKTICKS = re.compile(r"`+")
_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!")
_ANGLE = re.compile(r"[<>]")
_EMPHASIS_RUNS = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}
_DOLLAR_CLOSER = re.compile(r"(?<=[^\s\\$])\$(?![\d$])")  # not after a space, not before a digit


def _inline(block: str, maths: _Maths) -> str:
    """One block of text (no blank lines): code spans kept as they are, formulas replaced by tokens, and what
    would make Python-Markdown's inline parsing superlinear escaped: unmatched or too deeply nested link
    brackets and parentheses, backtick runs with no closing run, a "<" with no ">" before the next "<", and
    runs of four or more "*" or "_"."""
    runs_by_length: dict[int, list[int]] = {}
    for run in _BACKTICKS.finditer(block):
        runs_by_length.setdefault(len(run.group()), []).append(run.start())
    dollar_closers = [m.start() for m in _DOLLAR_CLOSER.finditer(block)]
    pieces: list[str] = []
    brackets: list[tuple[int, str]] = []  # (index in pieces, "[" "]" "(" ")")
    missing: set[str] = set()  # closing delimiters known to be absent from here on
    i, n = 0, len(block)
    while i < n:
        m = _INLINE_SPECIAL.search(block, i)
        if not m:
            pieces.append(block[i:])
            break
        j = m.start()
        if j > i:
            pieces.append(block[i:j])
        c = block[j]
        if c == "\\":
            nxt = block[j + 1 : j + 2]
            if nxt in ("(", "["):
                close = "\\)" if nxt == "(" else "\\]"
                end = -1 if close in missing else block.find(close, j + 2)
                if end == -1:
                    missing.add(close)
                elif block[j + 2 : end].strip():
                    source = block[j : end + 2]
                    pieces.append(maths.token(block[j + 2 : end], nxt == "[", source))
                    i = end + 2
                    continue
            if nxt == "$":
                pieces.append("$")  # an escaped dollar is a dollar; Python-Markdown would show the backslash
            elif nxt in _ESCAPABLE:
                pieces.append(block[j : j + 2])
            else:
                pieces.append("\\")
                i = j + 1
                continue
            i = j + 2
            continue
        if c == "`":
            length = len(_BACKTICKS.match(block, j).group())
            starts = runs_by_length.get(length, [])
            k = bisect.bisect_left(starts, j + length)
            if k < len(starts):
                end = starts[k] + length
                pieces.append(block[j:end])  # a code span, as typed
                i = end
            else:
                pieces.append("\\`" * length)
                i = j + length
            continue
        if c == "$":
            if block.startswith("$$", j):
                end = -1 if "$$" in missing else block.find("$$", j + 2)
                if end == -1:
                    missing.add("$$")
                    pieces.append("$$")
                    i = j + 2
                elif block[j + 2 : end].strip():
                    pieces.append(maths.token(block[j + 2 : end], True, block[j : end + 2]))
                    i = end + 2
                else:
                    pieces.append(block[j : end + 2])
                    i = end + 2
                continue
            if j + 1 < n and not block[j + 1].isspace():
                k = bisect.bisect_right(dollar_closers, j + 1)
                if k < len(dollar_closers):
                    end = dollar_closers[k]
                    pieces.append(maths.token(block[j + 1 : end], False, block[j : end + 1]))
                    i = end + 1
                    continue
            pieces.append("$")
            i = j + 1
            continue
        if c in "[]()":
            brackets.append((len(pieces), c))
            pieces.append(c)
            i = j + 1
            continue
        if c == "<":
            nxt = _ANGLE.search(block, j + 1)
            pieces.append("<" if nxt and nxt.group() == ">" else "&lt;")
            i = j + 1
            continue
        # "*" or "_"
        run = _EMPHASIS_RUNS[c].match(block, j).group()
        pieces.append(run if len(run) < 4 else ("\\" + c) * len(run))
        i = j + len(run)
    _escape_unbalanced(pieces, brackets)
    return "".join(pieces)


def _escape_unbalanced(pieces: list[str], brackets: list[tuple[int, str]]) -> None:
    """Escape each "[" that is never closed or nests deeper than MAX_BRACKET_DEPTH (and the "]" that closes a
    deep one, so the rest still pair up as typed), and the "(" of each "](" that is never closed or nests too
    deep. Stray "]" and other parentheses stay as they are: Python-Markdown only scans from "[" and "](", and
    every escape is one more inline match for it."""
    link_texts: set[int] = set()  # where a "]" closes a "[" that stays link syntax
    stack: list[tuple[int, bool]] = []
    for index, c in brackets:
        if c == "[":
            escaped = len(stack) >= MAX_BRACKET_DEPTH
            stack.append((index, escaped))
        elif c == "]" and stack:
            opening, escaped = stack.pop()
            if escaped:
                pieces[opening], pieces[index] = "\\[", "\\]"
            else:
                link_texts.add(index)
    for opening, _ in stack:
        pieces[opening] = "\\["
    parentheses: list[tuple[int, bool]] = []
    for index, c in brackets:
        if c == "(":
            too_deep = len(parentheses) >= MAX_BRACKET_DEPTH
            parentheses.append((index, too_deep))
            if too_deep and index - 1 in link_texts:
                pieces[index] = "\\("
        elif c == ")" and parentheses:
            parentheses.pop()
    for opening, _ in parentheses:
        if opening - 1 in link_texts:
            pieces[opening] = "\\("


_renderers = _Renderers()  # last: it needs everything above
