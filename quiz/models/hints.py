"""Hints before Reveal: the candidate may ask for one key point's gist at a time, as an interviewer nudges.

Hint N is the gist of the question's N-th key point (``gist``: its first clause, at most a few words, so it
nudges rather than answers). ``InterviewItem.hints_used`` counts the hints shown; it is kept with the item,
shown on the results page, and caps the suggested grade (``ceiling``): a hinted answer is at most
Good. Asking is idempotent: a form asks for "hint N", so a double click or a retried post shows no more.
"""

import re

from django.db.models import Value
from django.db.models.functions import Greatest

from quiz.models.content import Grade

# A hinted answer is suggested this grade at most.
HINTED_GRADE_CAP = Grade.GOOD
GIST_WORDS = 6
CLAUSE_BREAK_RE = re.compile(r"[,;:(]|\s[-–—]\s")
# Words a shortened gist does not end on ("Use shift(1) before rolling so the…").
DANGLING = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "so", "the", "to"]
    + ["with", "than", "that"]
)


def ceiling(hints_used: int) -> Grade | None:
    """The best grade an answer given with ``hints_used`` hints may be suggested: Good once any hint was
    taken, else no cap. ``suggested_grade`` (beside ``Grade``) applies it."""
    return HINTED_GRADE_CAP if hints_used else None


def gist(point: str) -> str:
    """A key point shortened to a nudge: its first clause (if that says something), at most ``GIST_WORDS``
    words, with "…" where words were left out."""
    plain = " ".join(point.split())
    head = CLAUSE_BREAK_RE.split(plain, maxsplit=1)[0].strip()
    if len(head.split()) < 3:
        head = plain
    words = head.split()[:GIST_WORDS]
    while len(words) > 2 and words[-1].lower() in DANGLING and len(words) < len(plain.split()):
        words.pop()
    short = " ".join(words).rstrip(",.;:")
    return short if short == plain.rstrip(".") else f"{short}…"


def key_points_for_hints(item) -> list[str]:
    """The key points hints come from: as shown at Reveal once revealed, the question's own before."""
    return item.key_points_shown if item.revealed_at else item.question.key_points


def shown(item) -> list[str]:
    """The gists of the hints ``item``'s candidate has been given, in order."""
    return [gist(point) for point in key_points_for_hints(item)[: item.hints_used]]


def left(item) -> int:
    """How many more hints can be asked for now (none once the answer is revealed)."""
    if item.revealed_at:
        return 0
    return max(0, len(item.question.key_points) - item.hints_used)


def give(interview, item, wanted: int, answer_text: str | None = None) -> bool:
    """Show hints up to number ``wanted`` (the next one, as the form asks), keeping the typed text.

    False when nothing new is shown: the answer is revealed, the question is not the one asked now, there
    is no such key point, or the hint was already given (a double click)."""
    wanted = min(wanted, len(item.question.key_points))
    if item.revealed_at is not None or wanted <= item.hints_used:
        if answer_text is not None:
            interview.save_answer(item, answer_text)
        return False
    if not interview._write_open_item(item, answer_text, hints_used=Greatest("hints_used", Value(wanted))):
        return False
    item.hints_used = wanted
    return True
