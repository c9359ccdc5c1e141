"""The linear pass over the text before Python-Markdown sees it: blocks (fenced and indented code, lists,
headings, tables, nesting depth). Each block of text then goes through ``inline_escapes``."""

import re

from quiz.rendering.inline_escapes import escape_inline
from quiz.rendering.limits import MAX_NESTING, MAX_TABLE_CELLS, MarkdownTooDeep, TablesTooLarge
from quiz.rendering.lists import ListIndenter
from quiz.rendering.maths import Maths

# At column 0, as Python-Markdown's fenced_code had it: a fence, then a language or {attributes}.
# Possessive spaces (*+): what follows a run of spaces is never a space, so giving some back never makes a
# match; backtracking over them was quadratic ("~~~" and 15,000 spaces took 8 s).
_FENCE = re.compile(r"(`{3,}|~{3,}) *+(?:\{([^\n}]*)\}|\.?([\w#.+-]*)) *+(?:hl_lines=(\"|')[^\"']*\4 *+)?$")
_BLANK = re.compile(r"[ \t]*")
_TABLE_RULE = re.compile(r" *+\|? *+:?-++:? *+(?:\| *+:?-++:? *+)*+\|? *+")
_HR = re.compile(r" {0,3}([-*_])(?: *\1){2,} *")
_ATX_HEADING = re.compile(r" {0,3}#{1,6}(?: |$)")
_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+) *")
_CONTAINER_MARKERS = re.compile(r"(?: *(?:>|[-*+](?= )|\d{1,9}[.)](?= )))+")
_MARKER = re.compile(r">|[-*+]|\d{1,9}[.)]")


def prepare(text: str, maths: Maths, stash, highlight) -> str:
    """The markdown Python-Markdown will see. Formulas go to ``maths``; fenced code, highlighted by
    ``highlight(code, language)``, goes to ``stash(html)``, which returns the placeholder that stands for it.
    Linear in ``len(text)``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    block: list[str] = []
    lists = ListIndenter()

    cells = 0

    def flush() -> None:
        nonlocal cells
        if block:
            if len(block) > 1 and "|" in block[0] and _TABLE_RULE.fullmatch(block[1]):
                cells += (block[1].strip().strip("|").count("|") + 1) * len(block)
                if cells > MAX_TABLE_CELLS:
                    raise TablesTooLarge(cells)
            out.append(escape_inline("\n".join(block), maths))
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


def _check_depth(line: str, lists: "ListIndenter") -> None:
    markers = _CONTAINER_MARKERS.match(line)
    depth = len(_MARKER.findall(markers.group())) if markers else 0
    if depth + lists.depth > MAX_NESTING and not _HR.fullmatch(line):
        raise MarkdownTooDeep()
