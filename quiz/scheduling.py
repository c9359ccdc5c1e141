"""Spaced repetition: the only module that imports fsrs.

Each self-grade moves a (user, question) card through FSRS. The four grades map onto FSRS's ratings:
Missed -> Again, Partial -> Hard, Good -> Good, Nailed -> Easy. Fuzzing is off so that the same history
always gives the same schedule (users can trust the forecast; tests can pin dates).
"""

from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler, State

RATING_FOR_GRADE = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}
LEARNING, REVIEW, RELEARNING = State.Learning.value, State.Review.value, State.Relearning.value

_scheduler = Scheduler(enable_fuzzing=False)
# fsrs makes a card's id from the clock and sleeps 1 ms so the next one differs, inside the grade's write
# transaction. The database keeps no card id (a card is the (user, question) row): any constant will do.
CARD_ID = 1


@dataclass(frozen=True)
class CardState:
    """What the database keeps of an FSRS card."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


def review(previous: CardState | None, grade: int, when: datetime) -> CardState:
    """The card after a review graded ``grade`` (1-4) at ``when`` (timezone-aware)."""
    if when.tzinfo is None:
        raise ValueError("review times must be timezone-aware")
    card = Card(card_id=CARD_ID) if previous is None else _card_from(previous)
    card, _log = _scheduler.review_card(card, RATING_FOR_GRADE[grade], when)
    return CardState(
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def next_dues(previous: CardState | None, when: datetime) -> dict[int, datetime]:
    """Per grade (1-4): when the card would come due if graded so at ``when``, by ``review`` itself, so the
    interval shown under a grade button is the one that grade then sets. Pure computation: no database."""
    return {grade: review(previous, grade, when).due for grade in RATING_FOR_GRADE}


def _card_from(state: CardState) -> Card:
    return Card(
        card_id=CARD_ID,
        state=State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


# FSRS's forgetting curve, R(t) = (1 + FACTOR * t / S) ** DECAY, with the scheduler's own parameters: the
# readiness forecast (quiz/planning.py) computes it for every card of a syllabus, so it is plain arithmetic
# here rather than a Card built per call.
DECAY = -_scheduler.parameters[20]
FACTOR = 0.9 ** (1 / DECAY) - 1


def retrievability(stability: float | None, elapsed_days: float) -> float:
    """The chance of recalling a card ``elapsed_days`` after its last review (0 for a card never learned)."""
    if not stability:
        return 0.0
    return (1 + FACTOR * max(elapsed_days, 0.0) / stability) ** DECAY
