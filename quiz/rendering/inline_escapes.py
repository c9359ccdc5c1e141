"""One block of text made safe for Python-Markdown's inline parser: code spans kept, formulas taken out as
tokens, and what would make the parser superlinear escaped."""

import bisect
import re

from quiz.rendering.limits import MAX_BRACKET_DEPTH
from quiz.rendering.maths import Maths

_INLINE_SPECIAL = re.compile(r"[\\`$\[\]()<*_]")
_BACKTICKS = re.compile(r"`+")
_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!")
_ANGLE = re.compile(r"[<>]")
_EMPHASIS_RUNS = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}
_DOLLAR_CLOSER = re.compile(r"(?<=[^\s\\$])\$(?![\d$])")  # not after a space, not before a digit


def escape_inline(block: str, maths: Maths) -> str:
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
