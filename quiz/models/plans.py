"""Interview dates: a user's plan to be ready on a day, over the banks and sections it covers.

The rules (today's work, the forecast) are in quiz/planning.py and run on plain card states; this module reads
a plan's syllabus from the database in a fixed number of queries and hands it over.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from quiz import planning
from quiz.models.banks import Bank
from quiz.models.content import Question, Section
from quiz.models.interview_items import InterviewItem
from quiz.models.progress import ReviewState
from quiz.scheduling import CardState

TARGETS = (50, 99)  # percent: below half is not a plan; 100% no memory model can promise
MINUTES = (5, planning.MAX_MINUTES)


def utc_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date()


class InterviewPlanQuerySet(models.QuerySet):
    def for_user(self, user) -> "InterviewPlanQuerySet":
        return self.filter(user=user)

    def upcoming(self, now: datetime | None = None) -> "InterviewPlanQuerySet":
        """Plans whose date has not passed (the day itself included), nearest first: a plan retires itself
        the day after its date."""
        return self.filter(date__gte=utc_today(now)).order_by("date", "pk")

    def retired(self, now: datetime | None = None) -> "InterviewPlanQuerySet":
        return self.filter(date__lt=utc_today(now)).order_by("-date", "-pk")


class InterviewPlan(models.Model):
    """An interview date: be ready on ``date`` in these banks/sections (none ticked: all of them), aiming
    for ``target_percent`` recall, with ``minutes_per_day`` to practise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(max_length=120, blank=True, help_text="For you, e.g. “Acme on-site”.")
    date = models.DateField("interview date")
    banks = models.ManyToManyField(Bank, blank=True, related_name="+")
    sections = models.ManyToManyField(Section, blank=True, related_name="+")
    target_percent = models.PositiveSmallIntegerField(
        "target recall (%)",
        default=90,
        validators=[MinValueValidator(TARGETS[0]), MaxValueValidator(TARGETS[1])],
    )
    minutes_per_day = models.PositiveSmallIntegerField(
        "minutes a day",
        default=30,
        validators=[MinValueValidator(MINUTES[0]), MaxValueValidator(MINUTES[1])],
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InterviewPlanQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["user", "date"])]

    def __str__(self) -> str:
        return f"{self.name} on {self.date:%Y-%m-%d}"

    @property
    def name(self) -> str:
        return self.title or "Interview"

    @property
    def target(self) -> float:
        return self.target_percent / 100

    def is_retired(self, now: datetime | None = None) -> bool:
        return self.date < utc_today(now)

    def days_to_go(self, now: datetime | None = None) -> int:
        return (self.date - utc_today(now)).days

    def questions(self):
        """The plan's syllabus: active questions of its banks and sections (follow-ups come with their
        question, as in an interview), in bank order. Reads the plan's banks and sections (prefetched
        by ``with_choices`` or one query each)."""
        questions = Question.objects.active().filter(parent=None).in_banks(list(self.banks.all()))
        return questions.in_sections(list(self.sections.all()))

    def syllabus(self, now: datetime | None = None) -> "Syllabus":
        """The syllabus with the user's card for each question (None: never seen), in three queries (four
        with sections ticked: the section tree)."""
        today = utc_today(now)
        questions = self.questions()
        rows = list(
            questions.order_by("section__bank_id", "section__position", "position", "pk").values_list(
                "pk", "section_id"
            )
        )
        ids = [pk for pk, _ in rows]
        states = {
            row[0]: row[1:]
            for row in ReviewState.objects.for_user(self.user_id)
            .filter(question__in=questions)
            .values_list(
                "question_id", "state", "step", "stability", "difficulty", "due", "last_review", "reviews"
            )
        }
        cards = [None if (s := states.get(pk)) is None else CardState(*s[:6]) for pk in ids]
        # A card first seen today has had all its reviews today: it counts towards today's new questions.
        graded_today = (
            InterviewItem.objects.filter(
                user_id=self.user_id,
                done_day=today,
                grade__isnull=False,
                interview__updates_schedule=True,
                question__in=questions,
            )
            .values("question_id")
            .annotate(n=models.Count("id"))
            .values_list("question_id", "n")
            .order_by()
        )
        introduced = sum(1 for pk, n in graded_today if pk in states and states[pk][6] <= n)
        return Syllabus(ids, [section for _, section in rows], cards, introduced)

    def calendar(self, syllabus: "Syllabus", now: datetime | None = None) -> planning.Calendar:
        today = utc_today(now)
        return planning.Calendar.of(
            today,
            self.date,
            len(syllabus.ids),
            self.minutes_per_day,
            start=self.created_at.astimezone(UTC).date(),
        )

    def status(self, now: datetime | None = None) -> "PlanStatus":
        """Today's work, the forecast for the date, and where keeping to the plan leads."""
        syllabus = self.syllabus(now)
        calendar = self.calendar(syllabus, now)
        return PlanStatus(
            plan=self,
            calendar=calendar,
            syllabus=syllabus,
            today=planning.day_plan(syllabus.cards, calendar, syllabus.introduced_today),
            readiness=planning.readiness(syllabus.cards, syllabus.sections, planning.moment(self.date)),
            projection=self._projection(syllabus, calendar),
        )

    def _projection(self, syllabus: "Syllabus", calendar: planning.Calendar) -> planning.Projection:
        # Following the plan forward costs tens of milliseconds per run (bench_plan.py); the answer only
        # changes with the plan, the day and the syllabus's cards, so each process keeps the recent ones.
        key = (
            *(self.pk, self.date, self.minutes_per_day, self.target_percent, calendar),
            *(hash(tuple(syllabus.ids)), hash(tuple(syllabus.cards)), syllabus.introduced_today),
        )
        if (found := _projections.get(key)) is not None:
            _projections.move_to_end(key)
            return found
        found = planning.project(
            syllabus.cards,
            calendar,
            self.minutes_per_day,
            self.target,
            syllabus.introduced_today,
            seed=self.pk,
        )
        _projections[key] = found
        while len(_projections) > PROJECTIONS_KEPT:
            _projections.popitem(last=False)
        return found

    def questions_for_today(self, status: "PlanStatus") -> list[Question]:
        """Today's remaining questions in the order a session asks them (due, final pass, new)."""
        ids = [status.syllabus.ids[i] for i in status.today.todo]
        found = Question.objects.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


PROJECTIONS_KEPT = 256
_projections: OrderedDict[tuple, planning.Projection] = OrderedDict()


@dataclass
class Syllabus:
    ids: list[int]  # question pks, in bank order
    sections: list[int]  # each question's section pk
    cards: list[CardState | None]  # the user's card for each (None: never seen)
    introduced_today: int


@dataclass
class PlanStatus:
    plan: InterviewPlan
    calendar: planning.Calendar
    syllabus: Syllabus
    today: planning.DayPlan
    readiness: planning.Readiness
    projection: planning.Projection

    @property
    def seen(self) -> int:
        return sum(card is not None for card in self.syllabus.cards)

    @property
    def question_count(self) -> int:
        return len(self.syllabus.ids)

    @property
    def final_pass_starts(self) -> date:
        return self.calendar.final_start

    @property
    def last_practice_day(self) -> date:
        return self.plan.date - timedelta(days=1)
