"""Python-Markdown's link and image parsing, made linear in the number of links in a paragraph.

Its processors find where a link's text ends (``getText``) from a table of closing brackets computed over the
whole paragraph, cached for the paragraph's text as it was. But each link found is replaced by a placeholder,
which makes a new text, so the table was computed again for every link: ``"[a](b) " * 1500`` (10,500
characters) took 4 s. Where a bracket closes depends only on the text after it, and the text after the link
being read is the same as before the earlier links were replaced: the table stays valid for that tail, shifted
by the difference in length. Checking that the tail is the same is one comparison in C.
"""

import markdown
from markdown import inlinepatterns


class _TailKeepsBracketEnds:
    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802 (Python-Markdown's name)
        seen = self._bracket_data
        if seen is not None and seen is not data:
            shift = len(seen) - len(data)
            if 0 <= index + shift <= len(seen) and seen.endswith(data[index:]):
                end = self._bracket_ends[index + shift]
                if end is None:
                    return data[index:], len(data), False
                return data[index : end - shift - 1], end - shift, True
        return super().getText(data, index)


class _Link(_TailKeepsBracketEnds, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_TailKeepsBracketEnds, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_TailKeepsBracketEnds, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ImageReference(_TailKeepsBracketEnds, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortReference(_TailKeepsBracketEnds, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ShortImageReference(_TailKeepsBracketEnds, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


# Python-Markdown's own names, patterns and priorities (markdown/inlinepatterns.py, build_inlinepatterns).
_LINK_PROCESSORS = [
    ("reference", _Reference, inlinepatterns.REFERENCE_RE, 170),
    ("link", _Link, inlinepatterns.LINK_RE, 160),
    ("image_link", _Image, inlinepatterns.IMAGE_LINK_RE, 150),
    ("image_reference", _ImageReference, inlinepatterns.IMAGE_REFERENCE_RE, 140),
    ("short_reference", _ShortReference, inlinepatterns.REFERENCE_RE, 130),
    ("short_image_ref", _ShortImageReference, inlinepatterns.IMAGE_REFERENCE_RE, 125),
]


def register_linear_links(md: markdown.Markdown) -> None:
    for name, processor, pattern, priority in _LINK_PROCESSORS:
        # The processor it replaces: a Python-Markdown that renamed or moved one must be looked at again.
        assert type(md.inlinePatterns[name]) is processor.__mro__[2], name
        md.inlinePatterns.register(processor(pattern, md), name, priority)
