"""An answer's markdown reshaped as GitHub shows it, for a renderer that reads fences only at column 0 and no
list straight under a quoted paragraph: the indentation an answer kept from the list item it sat under, fences
indented under list items, and lists under a paragraph in a blockquote.

Linear in the answer's length; the words are never changed, only indentation and blank lines.
"""

import re

OPENING_RE = re.compile(r"( *)(`{3,}|~{3,})[ \t]*[^`\s]*[ \t]*$")
QUOTED_ITEM_RE = re.compile(r">[ \t]?[ \t]*(?:[*+-]|\d{1,9}[.)])[ \t]")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


INDENTED_FENCE_RE = re.compile(r"^[ \t]+(?:```|~~~)", re.MULTILINE)


def as_github_shows(markdown: str) -> str:
    if markdown[:1] not in (" ", "\t") and ">" not in markdown and not INDENTED_FENCE_RE.search(markdown):
        return markdown  # most answers: nothing indented as a whole, no indented fence, no quote
    lines = markdown.split("\n")
    common = min((_indent(line) for line in lines if line.strip()), default=0)
    if common:
        lines = [line[common:] if line.strip() else "" for line in lines]
    out: list[str] = []
    fence = ""  # the open fence's marker
    shift = 0  # columns the open fence was moved left by
    for line in lines:
        if fence:
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                out.append(stripped)
                if shift:
                    out.append("")
                fence = ""
                continue
            out.append(line[min(shift, _indent(line)) :])
            continue
        first = line.lstrip(" ")[:1]
        if first not in ("`", "~", ">"):
            out.append(line)
            continue
        if opening := OPENING_RE.match(line):
            fence, shift = opening[2], len(opening[1])
            if shift and out and out[-1].strip():
                out.append("")  # an indented fence moves to column 0, out of the paragraph it followed
            out.append(line[shift:])
            continue
        if QUOTED_ITEM_RE.match(line) and out and out[-1].startswith(">"):
            before = out[-1].lstrip(">").strip()
            if before and not QUOTED_ITEM_RE.match(out[-1]):
                out.append(">")  # "> Intro:" then "> - one": GitHub shows a list
        out.append(line)
    return "\n".join(out)
