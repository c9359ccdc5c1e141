"""bleach, set up for rendered markdown: the allow-lists, bare URLs turned into links, off-site images turned
into links, and a tree walker that stays linear on long documents."""

import functools
import re

import bleach
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter

from quiz.rendering.allow_lists import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    MATHML_ATTRIBUTES,
    MATHML_TAGS,
)

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


def page_cleaner() -> bleach.Cleaner:
    """One pass: sanitise, then linkify and rewrite off-site images as filters over the same token stream.
    (Cleaning and then linkifying re-parsed the output, which escaped "<" in code spans twice.)"""
    cleaner = bleach.Cleaner(
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
    cleaner.walker = _LinearWalker
    return cleaner


def maths_cleaner() -> bleach.Cleaner:
    """Only the MathML latex2mathml writes; used on each formula on its own."""
    return bleach.Cleaner(
        tags=MATHML_TAGS,
        attributes=dict.fromkeys(MATHML_TAGS, MATHML_ATTRIBUTES),
        protocols=set(),
        strip=False,
        strip_comments=True,
    )
