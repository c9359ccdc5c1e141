"""Follow-up questions in a mock interview: a question's follow-ups are asked right after it, in order, inside
the interview's time budget, as a real interviewer probes.

A chain is a question's item and its follow-ups' items, created together when the interview starts (so the
server-kept order, clock and double-submit guards of ``MockInterview`` apply to them unchanged): each
follow-up's item ``follows`` the item of its question and sits at the positions right after it. Grading an
item moves on to the next one, the chain's next follow-up; skipping any item of a chain ends the chain (a
follow-up builds on what came before it), and running out of time or ending early leaves the rest unreached.

The interview's score counts its questions only; follow-ups are its depth: how many were reached and passed
(graded Good or Nailed). In review sessions a follow-up is a card of its own, shown below the question it
follows up.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import models

from quiz.models.content import Grade, Question

PASSED = Grade.GOOD  # a follow-up graded this or better is passed


def follow_ups_of(questions: Iterable[Question], include_unanswered: bool) -> dict[int, list[Question]]:
    """Each question's active follow-ups in order, by the question's pk: one query."""
    rows = Question.objects.active().filter(parent__in=[q.pk for q in questions])
    if not include_unanswered:
        rows = rows.answered()
    chains: dict[int, list[Question]] = {}
    for question in rows.order_by("position", "pk"):
        chains.setdefault(question.parent_id, []).append(question)
    return chains


def create_items(interview, questions: list[Question], follow_ups: dict[int, list[Question]], now) -> None:
    """The interview's items: each question, then its follow-ups (``follows`` its item). Two inserts with
    follow-ups (a follow-up needs its question's item's id), one without."""
    item_model = interview.items.model
    chained = bool(follow_ups)
    roots, chain = [], []
    position = 0
    for number, question in enumerate(questions, 1):
        root = item_model(
            interview=interview,
            user_id=interview.user_id,
            section_id=question.section_id,
            question=question,
            position=position,
            started_at=now if position == 0 else None,
            question_number=number if chained else None,
        )
        roots.append(root)
        position += 1
        for step, follow_up in enumerate(follow_ups.get(question.pk, []), 1):
            item = item_model(
                interview=interview,
                user_id=interview.user_id,
                section_id=follow_up.section_id,
                question=follow_up,
                position=position,
                question_number=number,
                follow_up_step=step,
            )
            chain.append((root, item))
            position += 1
    item_model.objects.bulk_create(roots)
    for root, item in chain:
        item.follows = root
    item_model.objects.bulk_create([item for _, item in chain])


def skip_rest_of_chain(item, following, now: datetime):
    """When ``following`` (the item after a skipped ``item``) is in ``item``'s chain, close the rest of the
    chain as skipped, never asked, and return the item after the chain; else ``following`` as it is."""
    root = item.follows_id or item.pk
    if following is None or following.follows_id != root:
        return following
    items = type(item).objects.filter(interview_id=item.interview_id, done_at__isnull=True)
    # Not counted in the day's practice: these were never shown.
    items.filter(follows_id=root).update(skipped=True, done_at=now, done_day=now.astimezone(UTC).date())
    after = items.filter(position__gt=item.position).order_by("position")
    return after.select_related("question__section", "question__parent").first()


def next_in_chain(item):
    """The follow-up's item after ``item`` in its chain (one query), or None at the chain's end."""
    chain = type(item).objects.filter(interview_id=item.interview_id, follows_id=item.follows_id or item.pk)
    return chain.filter(position__gt=item.position).order_by("position").select_related("question").first()


@dataclass
class Chain:
    """A question's item and its follow-ups' items, as the results page shows them."""

    item: object
    follow_ups: list = field(default_factory=list)

    @property
    def reached(self) -> int:
        return sum(1 for item in self.follow_ups if item.started_at is not None)

    @property
    def passed(self) -> int:
        return sum(1 for item in self.follow_ups if item.grade and item.grade >= PASSED)


def chains(items: list) -> list[Chain]:
    """``items`` (in position order) grouped into chains."""
    grouped: dict[int, Chain] = {}
    for item in items:
        if item.follows_id is None:
            grouped[item.pk] = Chain(item)
        elif item.follows_id in grouped:
            grouped[item.follows_id].follow_ups.append(item)
    return list(grouped.values())


@dataclass
class Depth:
    """How deep a candidate gets into follow-ups over their interviews: the shares of the follow-ups offered
    that were reached and passed."""

    offered: int
    reached: int
    passed: int

    @property
    def reached_percent(self) -> int:
        return round(100 * self.reached / self.offered) if self.offered else 0

    @property
    def passed_percent(self) -> int:
        return round(100 * self.passed / self.offered) if self.offered else 0


def depth_of(items, now: datetime) -> Depth:
    """``items``: a user's interview items (``InterviewItem.objects.for_user(user)``), of interviews that are
    over (a running one has not offered its follow-ups yet); one query, over the follow-ups' items only (a
    partial index holds them)."""
    over = models.Q(interview__finished_at__isnull=False) | models.Q(interview__deadline__lte=now)
    totals = items.filter(over, follows__isnull=False).aggregate(
        offered=models.Count("pk"),
        reached=models.Count("pk", filter=models.Q(started_at__isnull=False)),
        passed=models.Count("pk", filter=models.Q(grade__gte=PASSED)),
    )
    return Depth(**totals)
