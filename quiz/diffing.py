"""What changed in a reference answer, as HTML, for two audiences.

Reviewers and admins compare revisions of the source: ``diff_html`` gives line diffs of the markdown with
word-level detail, every piece of text escaped here. Learners told "the answer changed since you last saw it"
read ``rendered_diff``: the blocks (paragraphs, lists, code, tables) that were removed or added, each rendered
through ``render_markdown`` like the answer itself, so they never see ``####`` or table pipes.
"""

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quiz.models import InterviewItem, Question, ReviewState
from quiz.models.content import answers_differ
from quiz.rendering import render_markdown

WORD_RE = re.compile(r"\s+|\w+|[^\w\s]")
SIMILAR = 0.5  # lines at least this alike are shown as one line with the words that changed


def _line(kind: str, inner: str) -> str:
    return f'<div class="diff-line diff-{kind}">{inner or "&nbsp;"}</div>'


def _word_diff(old: str, new: str) -> str:
    a, b = WORD_RE.findall(old), WORD_RE.findall(new)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return "".join(parts)


WORD_DIFF_MAX_CHARS = 3000


def _changed_lines(old: list[str], new: list[str]) -> list[str]:
    if len(old) == len(new):
        rows = []
        for a, b in zip(old, new, strict=True):
            # Word diffs cost quadratic time: a very long paragraph is shown as replaced, not diffed.
            if len(a) + len(b) <= WORD_DIFF_MAX_CHARS and (
                difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR
            ):
                rows.append(_line("changed", _word_diff(a, b)))
            else:
                rows += [
                    _line("removed", f"<del>{escape(a)}</del>"),
                    _line("added", f"<ins>{escape(b)}</ins>"),
                ]
        return rows
    return [_line("removed", f"<del>{escape(a)}</del>") for a in old] + [
        _line("added", f"<ins>{escape(b)}</ins>") for b in new
    ]


def diff_html(old: str, new: str, context: int = 2) -> SafeString:
    """``old`` -> ``new`` line by line, unchanged runs cut to ``context`` lines around each change."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[str] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op != "equal":
            if op == "delete":
                rows += [_line("removed", f"<del>{escape(line)}</del>") for line in a[i1:i2]]
            elif op == "insert":
                rows += [_line("added", f"<ins>{escape(line)}</ins>") for line in b[j1:j2]]
            else:
                rows += _changed_lines(a[i1:i2], b[j1:j2])
            continue
        same = a[i1:i2]
        keep_head = context if index > 0 else 0
        keep_tail = context if index < len(opcodes) - 1 else 0
        if len(same) > keep_head + keep_tail + 1:
            rows += [_line("same", escape(line)) for line in same[:keep_head]]
            rows.append(_line("gap", "…"))
            rows += [_line("same", escape(line)) for line in same[len(same) - keep_tail :]]
        else:
            rows += [_line("same", escape(line)) for line in same]
    if not rows:
        rows.append(_line("same", "No change."))
    return mark_safe('<div class="answer-diff">' + "\n".join(rows) + "</div>")  # noqa: S308 (escaped above)


FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def markdown_blocks(text: str) -> list[str]:
    """``text`` cut into blocks at blank lines; a fenced code block (blank lines and all) stays whole."""
    blocks: list[str] = []
    current: list[str] = []
    fence = ""
    for line in text.splitlines():
        if fence:
            current.append(line)
            if line.strip().startswith(fence):
                fence = ""
            continue
        if match := FENCE_RE.match(line):
            fence = match[1]
        if not line.strip() and not fence:
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


ITEM_RE = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])\s")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def diff_units(block: str) -> list[str]:
    """A block cut where a reader sees separate points: a list into its items (each with its own indented
    lines), a paragraph into its sentences. Code, tables, headings and maths stay whole."""
    lines = block.splitlines()
    if FENCE_RE.match(lines[0]) or lines[0].lstrip().startswith(("|", "#", "$$", ">")):
        return [block]
    if any(ITEM_RE.match(line) for line in lines):
        units: list[list[str]] = []
        for line in lines:
            if ITEM_RE.match(line) or not units:
                units.append([line])
            else:  # a continuation or a nested item belongs to the item above it
                units[-1].append(line)
        return ["\n".join(unit) for unit in units]
    if "$$" in block or "`" in block:  # a split inside maths or code would break it
        return [block]
    return SENTENCE_END_RE.split(" ".join(lines))


def _rendered_block(kind: str, block: str) -> str:
    label = {"added": "Added", "removed": "Removed"}[kind]
    return (
        f'<div class="diff-block diff-{kind}"><span class="diff-label">{label}</span>'
        f"{render_markdown(block)}</div>"
    )


def rendered_diff(old: str, new: str) -> SafeString:
    """The blocks of ``new`` that ``old`` did not have and the ones it lost, rendered, with "…" for the
    unchanged runs between them (the whole current answer is shown beside it anyway)."""
    # Compared item by item and sentence by sentence: one key point added is one line added, not the list.
    a = [unit for block in markdown_blocks(old) for unit in diff_units(block)]
    b = [unit for block in markdown_blocks(new) for unit in diff_units(block)]
    squeeze = [" ".join(block.split()) for block in a], [" ".join(block.split()) for block in b]
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, *squeeze, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append('<p class="diff-gap" aria-label="unchanged text">…</p>')
            continue
        parts += [_rendered_block("removed", block) for block in a[i1:i2]]
        parts += [_rendered_block("added", block) for block in b[j1:j2]]
    return mark_safe('<div class="answer-diff-rendered">' + "".join(parts) + "</div>")  # noqa: S308 (rendered safe)


@dataclass(frozen=True)
class AnswerUpdate:
    """The answer changed since the user last saw it: when, and how (``diff`` is empty if unknown)."""

    changed_at: datetime
    seen_at: datetime
    diff: SafeString


def last_seen(question: Question, user) -> datetime | None:
    """The user's last review of the question, or the last interview step they finished on it."""
    reviewed = ReviewState.objects.filter(user=user, question=OuterRef("pk")).values("last_review")[:1]
    done = (
        InterviewItem.objects.filter(question=OuterRef("pk"), interview__user=user, done_at__isnull=False)
        .order_by("-done_at")
        .values("done_at")[:1]
    )
    row = (
        Question.objects.filter(pk=question.pk)
        .annotate(reviewed=Subquery(reviewed), done=Subquery(done))
        .values_list("reviewed", "done")
        .first()
    )
    moments = [moment for moment in row or () if moment is not None]
    return max(moments) if moments else None


def answer_update_for(question: Question, user) -> AnswerUpdate | None:
    """What changed in ``question``'s answer since ``user`` last saw it; None if nothing they saw changed.

    No query at all for a question whose answer never changed; two otherwise.
    """
    changed_at = question.answer_changed_at
    if changed_at is None or not user.is_authenticated:
        return None
    seen_at = last_seen(question, user)
    if seen_at is None or seen_at >= changed_at:
        return None
    revisions = question.revisions().values_list("answer_md", flat=True)
    seen = revisions.filter(history_date__lte=seen_at).first()
    if seen is None:  # history began after they saw it (loaded without history): the answer before the change
        seen = revisions.filter(history_date__lt=changed_at).first()
    if seen is not None and not answers_differ(seen, question.answer_md):
        return None  # changed, then changed back
    # No diff for an answer written since they saw none: the answer itself is the news.
    diff = rendered_diff(seen, question.answer_md) if seen and seen.strip() else SafeString("")
    return AnswerUpdate(changed_at, seen_at, diff)
