"""What bleach lets through: the HTML tags, attributes and URL schemes of rendered markdown, and the MathML
that latex2mathml writes. Everything else is escaped."""

import re

from pygments.token import STANDARD_TYPES

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
