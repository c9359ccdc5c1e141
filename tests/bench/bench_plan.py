"""Plan to a date, validated by simulation: synthetic learners prepare the same syllabus for the same date
under three schedules, and the table says how each does.

    .venv/bin/python tests/bench/bench_plan.py [--learners 120] [--cards 100] [--days 30] [--markdown FILE]

Each learner has FSRS parameters of their own (the defaults, perturbed: how fast they learn a new question,
how much a review strengthens it, how fast they forget), the ground truth the app never sees. Each card has
a difficulty of its own too (its true stability times a factor). A question seen for the first time is
learned (graded Good); later, the learner recalls it with its true retrievability (Good) or not (Again). The
app's side (quiz/scheduling.py) schedules with the default parameters, as it does for every user.

Schedules, all within the learner's minutes a day (what does not fit waits for the next day):
- plain FSRS: the syllabus introduced evenly up to the day before the date, plus whatever FSRS has due;
- the plan (quiz/planning.py): due reviews, paced new questions with a buffer, the final pass;
- cram: nothing until the last 7 days, then every question, plus what comes due.

Learners have 30, 45, 60 or 90 minutes a day. "Can meet its minutes": the learner did every day's work the
schedule asked within their minutes. Goals (issue 27): of those, >= 90% reach the
target recall on the date; the plan's busiest day <= 1.5x its mean day; its total minutes within +15% of
plain FSRS; the forecast's error on the learners' true recall <= 5 points (the evening before the date, and
"at this pace" on day one for the learners it says have enough minutes). Fixed seed: the same run each time.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")

from fsrs import Card, Rating, Scheduler  # noqa: E402  (the learners' ground truth, apart from the app's)
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS  # noqa: E402

from quiz import planning, scheduling  # noqa: E402
from quiz.planning import Calendar, DayPlan  # noqa: E402

SEED = 27
TARGET = 0.90
BUDGETS = (30, 45, 60, 90)
CRAM_DAYS = 7
START = date(2027, 1, 4)
GOALS = {"reach": 0.90, "busiest": 1.5, "minutes": 1.15, "error": 5.0}
SPEED_GOAL_MS = 100


def syllabus_of(count: int, seen: float, rng: random.Random) -> list:
    """``count`` cards, a share ``seen`` of them reviewed one to five times over the last two months."""
    cards = []
    for _ in range(count):
        if rng.random() >= seen:
            cards.append(None)
            continue
        card, when = None, planning.moment(START - timedelta(days=60))
        for _ in range(rng.randint(1, 5)):
            card = scheduling.review(card, rng.choice([1, 3, 3, 3, 4]), when)
            when = max(when, card.due) + timedelta(hours=rng.randint(0, 72))
        cards.append(card)
    return cards


def plan_and_forecast_ms(cards: list, minutes: int, days: int) -> tuple[float, planning.Projection]:
    """CPU milliseconds (best of 5: the machine is shared) for what a page asks of a plan: today's work,
    the forecast per section, and at this pace with the minutes that reach the target."""
    exam = START + timedelta(days=days)
    sections = [i // 100 for i in range(len(cards))]
    best, projection = math.inf, None
    for _ in range(5):
        began = time.process_time()
        calendar = Calendar.of(START, exam, len(cards), minutes)
        planning.day_plan(cards, calendar)
        planning.readiness(cards, sections, planning.moment(exam))
        projection = planning.project(cards, calendar, minutes, TARGET)
        best = min(best, time.process_time() - began)
    return best * 1000, projection


def learner_parameters(rng: random.Random) -> tuple[float, ...]:
    """The default parameters, perturbed where learners differ most, kept within FSRS's bounds."""
    w = list(DEFAULT_PARAMETERS)
    for i in range(4):  # initial stability after the first grade: how well a first reading sticks
        w[i] *= rng.lognormvariate(0, 0.4)
    w[8] += rng.gauss(0, 0.25)  # how much a successful review strengthens memory
    w[11] *= rng.lognormvariate(0, 0.3)  # stability after a lapse
    w[20] *= rng.lognormvariate(0, 0.15)  # the forgetting curve's shape
    return tuple(
        min(max(v, lo), hi)
        for v, lo, hi in zip(w, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )


class Learner:
    """The truth about one learner's memory: a card of their own per question, moved by their parameters."""

    def __init__(self, rng: random.Random, cards: int, budget: int) -> None:
        self.parameters = learner_parameters(rng)
        self.scheduler = Scheduler(parameters=self.parameters, enable_fuzzing=False)
        self.decay = -self.parameters[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.ease = [rng.lognormvariate(0, 0.3) for _ in range(cards)]
        self.budget = budget
        self.seed = rng.randrange(2**32)

    def start(self) -> None:
        self.rng = random.Random(self.seed)  # each schedule meets the same draws
        self.truth: list[Card | None] = [None] * len(self.ease)

    def recall(self, i: int, when: datetime) -> float:
        card = self.truth[i]
        if card is None or card.last_review is None:
            return 0.0
        days = max((when - card.last_review).total_seconds() / 86400, 0.0)
        return (1 + self.factor * days / (card.stability * self.ease[i])) ** self.decay

    def answer(self, i: int, card, when: datetime) -> int:
        recalled = self.truth[i] is None or self.rng.random() < self.recall(i, when)
        grade = planning.GOOD if recalled else planning.AGAIN
        rating = Rating.Good if recalled else Rating.Again
        self.truth[i], _ = self.scheduler.review_card(self.truth[i] or Card(card_id=1), rating, when)
        return grade

    def true_recall(self, when: datetime) -> float:
        return sum(self.recall(i, when) for i in range(len(self.ease))) / len(self.ease)


def plain_fsrs(cards, calendar: Calendar, introduced_today: int) -> DayPlan:
    tomorrow = planning.day_start(calendar.today + timedelta(days=1))
    unseen = [i for i, c in enumerate(cards) if c is None]
    quota = math.ceil(len(unseen) / max(calendar.days_left, 1))
    return DayPlan(
        due=[i for i, c in enumerate(cards) if c is not None and c.due < tomorrow], new=unseen[:quota]
    )


def cram(cards, calendar: Calendar, introduced_today: int) -> DayPlan:
    if calendar.days_left > CRAM_DAYS:
        return DayPlan()
    return plain_fsrs(cards, calendar, introduced_today)


SCHEDULES = {"plain FSRS": plain_fsrs, "the plan": planning.day_plan, "cram the last week": cram}


@dataclass
class Outcome:
    learner: Learner
    true_recall: float
    forecast: float  # the app's forecast the evening before, from its own cards
    minutes: list[float]
    kept_up: bool  # every day's work was done within the learner's minutes


def run(learner: Learner, choose, exam: date) -> Outcome:
    learner.start()
    followed = planning.follow(
        [None] * len(learner.ease), START, exam, learner.budget, learner.answer, choose=choose
    )
    on_the_day = planning.moment(exam)
    sections = [0] * len(followed.cards)
    forecast = planning.readiness(followed.cards, sections, on_the_day).overall
    kept_up = not any(followed.undone)
    return Outcome(learner, learner.true_recall(on_the_day), forecast, followed.minutes, kept_up)


def summary(outcomes: list[Outcome], enough: dict[int, bool], plain_minutes: list[float]) -> dict:
    reach = [o.true_recall >= TARGET for o in outcomes if o.kept_up]
    told = [o.true_recall >= TARGET for o in outcomes if enough[o.learner.budget]]
    ratios = [max(o.minutes) / statistics.mean(o.minutes) for o in outcomes if sum(o.minutes)]
    totals = [sum(o.minutes) for o in outcomes]
    return {
        "reach": sum(reach) / len(reach) if reach else float("nan"),
        "kept_up": len(reach) / len(outcomes),
        "reach_told": sum(told) / len(told) if told else float("nan"),
        "reach_all": sum(o.true_recall >= TARGET for o in outcomes) / len(outcomes),
        "recall": statistics.mean(o.true_recall for o in outcomes),
        "busiest": statistics.median(ratios),
        "busiest_worst": max(ratios),
        "minutes": statistics.mean(totals),
        "vs_plain": statistics.mean(t / p for t, p in zip(totals, plain_minutes, strict=True)),
        "error": statistics.mean(abs(o.forecast - o.true_recall) * 100 for o in outcomes),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=120)
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--markdown", type=Path, help="Also write the figures as a markdown section here.")
    args = parser.parse_args()
    began = time.process_time()
    rng = random.Random(args.seed)
    exam = START + timedelta(days=args.days)
    learners = [Learner(rng, args.cards, BUDGETS[n % len(BUDGETS)]) for n in range(args.learners)]
    # The plan's forecast on day one, from nothing seen yet: the same for every learner with those minutes.
    calendar = {b: Calendar.of(START, exam, args.cards, b) for b in BUDGETS}
    projections = {b: planning.project([None] * args.cards, calendar[b], b, TARGET) for b in BUDGETS}
    can_meet = {b: p.meets_target for b, p in projections.items()}
    outcomes = {
        name: [run(learner, choose, exam) for learner in learners] for name, choose in SCHEDULES.items()
    }
    plain_minutes = [sum(o.minutes) for o in outcomes["plain FSRS"]]
    figures = {name: summary(rows, can_meet, plain_minutes) for name, rows in outcomes.items()}
    plan = figures["the plan"]
    # "At this pace" on day one against what the learners who could meet the minutes then recalled.
    pace_error = statistics.mean(
        abs(projections[o.learner.budget].recall - o.true_recall) * 100
        for o in outcomes["the plan"]
        if can_meet[o.learner.budget]
    )
    seconds = time.process_time() - began
    speed_rng = random.Random(args.seed)
    speeds = [
        (count, minutes, days, *plan_and_forecast_ms(syllabus_of(count, 0.6, speed_rng), minutes, days))
        for count, minutes, days in ((10_000, 30, 40), (10_000, 600, 365), (300, 45, 30))
    ]

    head = (
        f"{args.learners} learners, {args.cards} questions, {args.days} days to the date, target recall "
        f"{TARGET:.0%}, minutes a day {', '.join(map(str, BUDGETS))} (a quarter each); seed {args.seed}; "
        f"{seconds:.0f} s of CPU."
    )
    pace = ", ".join(
        f"{b} min: {p.percent}%" + ("" if p.meets_target else f" (needs {p.minutes_for_target or '> 600'})")
        for b, p in projections.items()
    )
    columns = [
        ("learners who can meet its minutes (did every day's work)", "kept_up", "{:.0%}"),
        ("of those, reach the target on the date", "reach", "{:.0%}"),
        (
            "reach the target, of those whose minutes the plan's day-one forecast called enough",
            "reach_told",
            "{:.0%}",
        ),
        ("reach the target, all learners", "reach_all", "{:.0%}"),
        ("mean true recall on the date", "recall", "{:.1%}"),
        ("busiest day / mean day (median learner)", "busiest", "{:.2f}"),
        ("busiest day / mean day (worst learner)", "busiest_worst", "{:.2f}"),
        ("total minutes (mean)", "minutes", "{:.0f}"),
        ("total minutes vs plain FSRS", "vs_plain", "{:.2f}x"),
        ("forecast error the evening before (points)", "error", "{:.1f}"),
    ]
    table = ["| | " + " | ".join(SCHEDULES) + " |", "|---|" + "---:|" * len(SCHEDULES)]
    for label, key, fmt in columns:
        cells = (figures[n][key] for n in SCHEDULES)
        table.append(f"| {label} | " + " | ".join("–" if v != v else fmt.format(v) for v in cells) + " |")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    goals = [
        f"Goal: the plan brings >= {GOALS['reach']:.0%} of learners who can meet its minutes to the target: "
        f"{plan['reach']:.0%}: {verdict(plan['reach'] >= GOALS['reach'])}",
        f"Goal: the plan's busiest day <= {GOALS['busiest']}x its mean day (median learner): "
        f"{plan['busiest']:.2f}x: {verdict(plan['busiest'] <= GOALS['busiest'])}",
        f"Goal: the plan's total minutes <= {GOALS['minutes']:.2f}x plain FSRS's: {plan['vs_plain']:.2f}x: "
        f"{verdict(plan['vs_plain'] <= GOALS['minutes'])}",
        f"Goal: the forecast's error on true recall <= {GOALS['error']:.0f} points (the evening before): "
        f"{plan['error']:.1f}: {verdict(plan['error'] <= GOALS['error'])}",
        f'Goal: "at this pace" on day one within {GOALS["error"]:.0f} points of the recall reached (learners '
        f"it gives enough minutes): {pace_error:.1f}: {verdict(pace_error <= GOALS['error'])}",
    ]
    slowest = max(ms for count, *_, ms, _p in speeds if count == 10_000)
    goals.append(
        f"Goal: plan and forecast for 10,000 cards <= {SPEED_GOAL_MS} ms in-process: {slowest:.0f} ms of CPU "
        f"(slowest case below): {verdict(slowest <= SPEED_GOAL_MS)}"
    )
    speed_table = [
        "| cards (60% seen) | minutes a day | days to the date | at this pace | CPU ms |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {count:,} | {minutes} | {days} | {p.percent}% | {ms:.0f} |"
            for count, minutes, days, ms, p in speeds
        ),
    ]
    print(head)
    print("At this pace on day one: " + pace)
    print("\n".join(table))
    print("\n".join(speed_table))
    print("\n".join(goals))
    if args.markdown:
        args.markdown.write_text(
            "### Plan to a date: simulated learners (bench_plan.py)\n\n"
            f'{head} The plan\'s forecast on day one ("at this pace"): {pace}.\n\n'
            + "\n".join(f"- {g}" for g in goals)
            + "\n\n"
            + "\n".join(table)
            + "\n\nToday's work, the forecast per section and at this pace (with the minutes that reach the "
            f"target), CPU time, best of 5; load average {os.getloadavg()[0]:.2f}:\n\n"
            + "\n".join(speed_table)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
