"""Markdown to safe HTML: the only module that imports markdown and bleach.

Content is partly machine-written upstream and editable by admins and reviewers, so every piece of markdown is
treated as hostile: Python-Markdown renders it, then bleach keeps only an explicit allow-list of tags and
attributes. Results are cached on the models (``*_html`` fields); nothing here runs per request.
"""

import threading

import bleach
import bleach.linkifier
import markdown

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
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title"],
    # Pygments' highlight classes and the fenced-code language class.
    "span": ["class"],
    "div": ["class"],
    "code": ["class"],
    "pre": ["class"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_EXTENSIONS = ["fenced_code", "tables", "codehilite", "sane_lists"]
_EXTENSION_CONFIGS = {"codehilite": {"css_class": "highlight", "guess_lang": False}}


def _harden_links(attrs: dict, new: bool = False) -> dict:
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


class _Renderers(threading.local):
    """One Markdown, Cleaner and Linker per thread: building them costs more than rendering a short answer,
    and none of the three may be shared between threads (gunicorn runs several per worker)."""

    def __init__(self) -> None:
        self.markdown = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,  # escape, not drop: a reviewer sees exactly what the source said
            strip_comments=True,
        )
        self.linker = bleach.linkifier.Linker(
            callbacks=[_harden_links], skip_tags={"pre", "code"}, parse_email=False
        )


_renderers = _Renderers()


def render_markdown(text: str) -> str:
    """Render markdown ``text`` to HTML that is safe to mark safe in a template."""
    if not text or not text.strip():
        return ""
    html = _renderers.markdown.reset().convert(text)
    return _renderers.linker.linkify(_renderers.cleaner.clean(html))
