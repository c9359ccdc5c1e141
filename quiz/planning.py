"""Planning to an interview date: today's work, and how much you will recall on the day.

Pure functions over plain card states, no database: the views hand in a plan's syllabus
(quiz/models/plans.py), the simulation (tests/bench/bench_plan.py) hands in synthetic learners, and both
run the same rules.

The rules, from the first practice day (today) to the day before the interview:
- Reviews: the cards FSRS has due by the end of the day.
- New questions: the ones never seen, introduced evenly so that the last is seen ``BUFFER_DAYS`` before the
  final pass begins (its first reviews come before the pass, not in it). Late in the plan, the rest are
  spread over the days left.
- The final pass: over the last days every card is shown once more, so each card's last review is close to
  the date. A card fading below DEFER_RECALL goes first, then the steadiest: the least stable, shown last,
  have the fewest days to fade. A card due in those days is one of the pass's, so a day asks no more than its
  share. The pass lasts a sixth of the plan (2 to 7 days), longer when its reviews would take more than half
  the minutes a day. In the days just before it, a due review that would still be remembered when the pass
  opens waits for it rather than coming twice in a few days.
- Nothing piles up: the day's new questions and its share of the final pass are quotas over the days left,
  so a day skipped spreads over the rest rather than landing on one.

The forecast is FSRS's retrievability on the date from each card's stability; a card never seen counts as not
known. "At this pace" keeps to the plan day by day within the minutes a day, on a sample of the syllabus when
it is large, each answer drawn from the card's own retrievability (a fixed seed, so a page shows the same
figure each time).
"""

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from quiz import scheduling
from quiz.scheduling import CardState

# Minutes a question takes: a new one is answered, then its reference answer read closely; a review is
# answered and checked. Quick start gives 3 minutes a question: these sit either side of it.
NEW_MINUTES = 4.0
REVIEW_MINUTES = 2.0
BUFFER_DAYS = 3
DEFER_RECALL = 0.8  # a card recalled at least this well can wait a few days for the final pass
FINAL_DAYS = (2, 7)  # the final pass's shortest and longest
SESSION_HOUR = 9  # the simulated day's practice starts at 09:00 UTC; the interview is at that hour too
SAMPLE = 120  # "at this pace" follows at most this many cards of the syllabus
CHART_POINTS = 60  # recall is tracked on at most this many days up to the date
MINUTES_STEP = 5  # "N more minutes a day" is said in steps of this
MAX_MINUTES = 600
GUESSES = 3  # runs at most when looking for the minutes that reach the target (after two)
GOOD, AGAIN = 3, 1


def moment(day: date, hour: int = SESSION_HOUR) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Calendar:
    """The plan's days: practice from today to the day before ``exam``; the final pass from ``final_start``;
    new questions until ``intro_end`` (inclusive). ``start``: the plan's first day."""

    today: date
    exam: date
    final_start: date
    intro_end: date
    start: date

    @classmethod
    def of(
        cls, today: date, exam: date, card_count: int, minutes: float, start: date | None = None
    ) -> "Calendar":
        """Fixed by the plan (its first day, date, syllabus and minutes), not by today: the pass does not move
        as days go by. A normal day introduces a question and reviews others, so over the plan a question
        costs about six times a review; the pass shows each once, so a sixth of the plan's days carry it at
        a normal day's load. With few minutes it takes longer: its reviews take at most half the minutes
        (the other half is for what comes due meanwhile)."""
        start = min(start or today, today)
        shortest, longest = FINAL_DAYS
        by_span = math.ceil((exam - start).days / 6)
        by_minutes = math.ceil(card_count * REVIEW_MINUTES / max(minutes / 2, 1))
        final_days = min(longest, max(shortest, by_span, by_minutes))
        final_start = exam - timedelta(days=final_days)
        return cls(today, exam, final_start, final_start - timedelta(days=BUFFER_DAYS + 1), start)

    @property
    def days_left(self) -> int:
        """Practice days from today to the day before the date."""
        return max(0, (self.exam - self.today).days)

    @property
    def final_days(self) -> int:
        return (self.exam - self.final_start).days

    @property
    def in_final_pass(self) -> bool:
        return self.today >= self.final_start

    def intro_days_left(self) -> int:
        """Days, today included, over which the questions not seen yet are introduced."""
        for last in (self.intro_end, self.final_start - timedelta(days=1), self.exam - timedelta(days=1)):
            if self.today <= last:
                return (last - self.today).days + 1
        return 1


@dataclass
class DayPlan:
    """Today's work, by card index into the syllabus, and what is done of it already."""

    due: list[int] = field(default_factory=list)
    final: list[int] = field(default_factory=list)
    new: list[int] = field(default_factory=list)
    done: int = 0  # cards of the syllabus reviewed today so far

    @property
    def todo(self) -> list[int]:
        """In the order a session asks them: what FSRS has due, the final pass, then new questions."""
        return [*self.due, *self.final, *self.new]

    @property
    def total(self) -> int:
        return self.done + len(self.due) + len(self.final) + len(self.new)

    @property
    def minutes_left(self) -> int:
        return math.ceil(len(self.new) * NEW_MINUTES + (len(self.due) + len(self.final)) * REVIEW_MINUTES)

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def day_plan(cards: Sequence[CardState | None], calendar: Calendar, introduced_today: int = 0) -> DayPlan:
    """Today's work for ``cards`` (None: never seen), in syllabus order. ``introduced_today``: how many of the
    seen cards were first seen today (they count towards today's new questions)."""
    today = calendar.today
    if calendar.days_left <= 0:
        return DayPlan()
    start, tomorrow = day_start(today), day_start(today + timedelta(days=1))
    plan = DayPlan()
    unseen: list[int] = []
    # Seen, not reviewed in the final pass yet: (fading, -stability, i). Those fading below DEFER_RECALL go
    # first; then the steadiest: the least stable, shown last, have the fewest days to fade before the date.
    # A due card not passed yet is one of them, so a day of the pass asks no more than its share.
    waiting: list[tuple[bool, float, int]] = []
    final_start = day_start(calendar.final_start)
    passed = 0
    # Just before the final pass, a review that would still be remembered when the pass opens waits for it,
    # rather than being shown twice in a few days.
    pass_opens = moment(calendar.final_start)
    deferring = calendar.final_start - timedelta(days=BUFFER_DAYS) <= today < calendar.final_start
    in_pass = calendar.in_final_pass
    for i, card in enumerate(cards):
        if card is None:
            unseen.append(i)
            continue
        plan.done += card.last_review is not None and card.last_review >= start
        is_passed = card.last_review is not None and card.last_review >= final_start
        passed += is_passed
        is_due = card.due < tomorrow
        if in_pass and not is_passed:
            fading = is_due and _recall_at(card, start) < DEFER_RECALL
            waiting.append((not fading, -(card.stability or 0.0), i))
        elif is_due and not (deferring and _recall_at(card, pass_opens) >= DEFER_RECALL):
            plan.due.append(i)
    quota = math.ceil((len(unseen) + introduced_today) / calendar.intro_days_left())
    plan.new = unseen[: max(0, quota - introduced_today)]
    if calendar.in_final_pass:
        day_number = (today - calendar.final_start).days + 1
        wanted = math.ceil(len(cards) * day_number / calendar.final_days)
        # Today's new ones are passed once learned: the pass takes the rest of the day's share.
        short = wanted - passed - len(plan.new)
        waiting.sort()
        plan.final = [i for *_, i in waiting[: max(0, short)]]
    return plan


def _recall_at(card: CardState, when: datetime) -> float:
    if card.last_review is None:
        return 0.0
    return scheduling.retrievability(card.stability, (when - card.last_review).total_seconds() / 86400)


@dataclass
class Readiness:
    """Predicted recall on the date, overall and per section: (questions, seen, recall 0-1)."""

    overall: float
    by_section: dict[int, tuple[int, int, float]]

    @property
    def percent(self) -> int:
        return round(100 * self.overall)


def readiness(cards: Sequence[CardState | None], sections: Sequence[int], when: datetime) -> Readiness:
    """FSRS's retrievability at ``when`` for each card, never-seen cards as 0; ``sections[i]`` is card i's."""
    totals: dict[int, list] = {}
    overall = 0.0
    factor, decay, day = scheduling.FACTOR, scheduling.DECAY, 86400.0
    for card, section in zip(cards, sections, strict=True):
        row = totals.setdefault(section, [0, 0, 0.0])
        row[0] += 1
        if card is None or card.last_review is None or not card.stability:
            continue
        elapsed = max((when - card.last_review).total_seconds() / day, 0.0)
        recall = (1 + factor * elapsed / card.stability) ** decay
        row[1] += 1
        row[2] += recall
        overall += recall
    return Readiness(
        overall / len(cards) if cards else 0.0,
        {pk: (n, seen, total / n) for pk, (n, seen, total) in totals.items()},
    )


# Keeping to the plan, day by day

Answer = Callable[[int, CardState | None, datetime], int]
Chooser = Callable[[Sequence[CardState | None], Calendar, int], DayPlan]


@dataclass
class Followed:
    cards: list[CardState | None]
    minutes: list[float]  # spent on each practice day
    undone: list[int]  # questions of each day's work left for lack of minutes
    # Mean predicted recall (unseen: 0) on the days tracked, the last on the date: (day, recall).
    recall: list[tuple[date, float]]


def follow(
    cards: Sequence[CardState | None],
    today: date,
    exam: date,
    minutes: float | None,
    answer: Answer,
    *,
    choose: Chooser | None = None,
    introduced_today: int = 0,
    calendar_size: int | None = None,
    track_recall: bool = False,
    start: date | None = None,
) -> Followed:
    """Do each day's work from ``today`` to the day before ``exam``, in the plan's order, while ``minutes``
    last (None: no limit; what is left over waits for the next day); ``answer(i, card, when)`` grades card
    i. A card graded today and due again within the session (FSRS's learning steps) is asked again.

    ``choose`` picks a day's work (the plan's rule by default: the simulation compares others);
    ``calendar_size``: the syllabus size the calendar is made for (a sample keeps the whole's calendar);
    ``start``: the plan's first day, if before ``today``."""
    cards = list(cards)
    choose = choose or day_plan
    spent: list[float] = []
    undone: list[int] = []
    recall: list[tuple[date, float]] = []
    stride = max(1, math.ceil((exam - today).days / CHART_POINTS))  # the date is always tracked
    credit = 0.0
    size = calendar_size or len(cards)
    day = today
    while day < exam:
        calendar = Calendar.of(day, exam, size, minutes or MAX_MINUTES, start=start or today)
        plan = choose(cards, calendar, introduced_today if day == today else 0)
        credit = credit + minutes if minutes is not None else math.inf
        used, when = 0.0, moment(day)
        new, todo = set(plan.new), plan.todo
        left = 0
        for n, i in enumerate(todo):
            cost = NEW_MINUTES if i in new else REVIEW_MINUTES
            if cost > credit:
                left = len(todo) - n
                break
            credit -= cost
            used += cost
            cards[i] = _practise(cards[i], i, when, answer)
            when += timedelta(minutes=cost)
            # Learning steps: asked again at the end of today's session while FSRS wants it within the day.
            again = 0
            while cards[i].due <= when + timedelta(minutes=30) and again < 3 and credit >= REVIEW_MINUTES:
                again += 1
                credit -= REVIEW_MINUTES
                used += REVIEW_MINUTES
                cards[i] = _practise(cards[i], i, max(when, cards[i].due), answer)
        if minutes is not None:
            credit = min(credit, max(minutes, NEW_MINUTES))  # unspent minutes carry over a day, not for ever
        spent.append(used)
        undone.append(left)
        day += timedelta(days=1)
        if track_recall and (exam - day).days % stride == 0:
            recall.append((day, _mean_recall(cards, moment(day))))
    return Followed(cards, spent, undone, recall)


def _practise(card: CardState | None, i: int, when: datetime, answer: Answer) -> CardState:
    return scheduling.review(card, answer(i, card, when), when)


def _mean_recall(cards: Sequence[CardState | None], when: datetime) -> float:
    """The mean of ``_recall_at`` (unseen: 0), inlined: the chart asks it of every card for every day."""
    if not cards:
        return 0.0
    factor, decay, total = scheduling.FACTOR, scheduling.DECAY, 0.0
    for card in cards:
        if card is not None and card.last_review is not None and card.stability:
            elapsed = max((when - card.last_review).total_seconds() / 86400, 0.0)
            total += (1 + factor * elapsed / card.stability) ** decay
    return total / len(cards)


@dataclass
class Projection:
    """Where keeping to the plan at ``minutes`` a day leads: ``recall`` on the date, the day-by-day line
    (``days``/``recall_by_day``/``stop_by_day``: keeping on, and stopping today), and the minutes a day that
    reach ``target`` (None when more than MAX_MINUTES would be needed)."""

    minutes: int
    recall: float
    target: float
    days: list[date]
    recall_by_day: list[float]
    stop_by_day: list[float]
    minutes_for_target: int | None
    sampled: int  # cards followed (the syllabus, or a sample of it)
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.recall)

    @property
    def meets_target(self) -> bool:
        return self.recall >= self.target

    @property
    def extra_minutes(self) -> int | None:
        if self.minutes_for_target is None:
            return None
        return max(0, self.minutes_for_target - self.minutes)


def sample_of(count: int, size: int = SAMPLE) -> list[int]:
    """Every k-th index, spread over the whole syllabus (sections come in order, so each has its share)."""
    if count <= size:
        return list(range(count))
    return [math.floor(i * count / size) for i in range(size)]


def project(
    cards: Sequence[CardState | None],
    calendar: Calendar,
    minutes: int,
    target: float,
    introduced_today: int = 0,
    seed: int = 27,
) -> Projection:
    """Keep to the plan from today at ``minutes`` a day; when short of ``target``, find the minutes that
    reach it (in steps of MINUTES_STEP)."""
    picked = sample_of(len(cards))
    sample = [cards[i] for i in picked]
    scale = len(sample) / len(cards) if cards else 1.0
    introduced = round(introduced_today * scale)

    def run(per_day: int | None, track: bool = False) -> Followed:
        rng = random.Random(seed)

        def answer(i: int, card: CardState | None, when: datetime) -> int:
            recall = _recall_at(card, when) if card is not None else 0.0
            # A new card is learned on first sight; a seen one is recalled with its retrievability.
            return GOOD if card is None or rng.random() < recall else AGAIN

        return follow(
            sample,
            calendar.today,
            calendar.exam,
            None if per_day is None else per_day * scale,
            answer,
            introduced_today=introduced,
            calendar_size=len(cards),
            track_recall=track,
            start=calendar.start,
        )

    followed = run(minutes, track=True)
    days = [day for day, _ in followed.recall]
    recall_by_day = [recall for _, recall in followed.recall]
    recall = recall_by_day[-1] if recall_by_day else _mean_recall(sample, moment(calendar.exam))
    stop = [_mean_recall(sample, moment(day)) for day in days]
    needed: int | None = minutes
    if recall < target:
        needed = _minutes_for(run, minutes, recall, target, moment(calendar.exam), scale)
    return Projection(minutes, recall, target, days, recall_by_day, stop, needed, len(sample), len(cards))


def _minutes_for(
    follow_at: Callable[[int | None], Followed],
    minutes: int,
    recall: float,
    target: float,
    when: datetime,
    scale: float = 1.0,
) -> int | None:
    """The fewest minutes a day (a multiple of MINUTES_STEP) whose recall on the date reaches
    ``target``, knowing ``minutes`` gives ``recall``; None when even unlimited minutes do not (or more than
    MAX_MINUTES would be needed). ``scale``: the sample's share of the syllabus (its minutes are that share
    of the whole's).

    Unlimited minutes first: its busiest day is enough minutes, so the answer lies between. Recall grows
    with the minutes nearly in proportion until most of the syllabus fits, so a guess by proportion
    (regula falsi) lands close; GUESSES of them, at most, keep the page quick."""
    unlimited = follow_at(None)
    best = _mean_recall(unlimited.cards, when)
    enough = math.ceil(max(unlimited.minutes, default=0) / scale / MINUTES_STEP) * MINUTES_STEP
    if best < target or enough > MAX_MINUTES:
        return None
    low, high = (minutes, recall), (max(enough, minutes + MINUTES_STEP), best)
    for _ in range(GUESSES):
        if high[0] - low[0] <= MINUTES_STEP:
            break
        share = (target - low[1]) / (high[1] - low[1]) if high[1] > low[1] else 0.5
        guess = math.ceil((low[0] + share * (high[0] - low[0])) / MINUTES_STEP) * MINUTES_STEP
        guess = min(max(guess, low[0] + MINUTES_STEP), high[0] - MINUTES_STEP)
        reached = _mean_recall(follow_at(guess).cards, when)
        if reached >= target:
            high = (guess, reached)
        else:
            low = (guess, reached)
    return high[0]
