from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models.functions import TruncDate
from django.utils import timezone

from quiz import scheduling
from quiz.models.content import Grade, Question, Section
from quiz.wording import interval_from, percent_of


class ReviewStateQuerySet(models.QuerySet):
    def for_user(self, user) -> "ReviewStateQuerySet":
        return self.filter(user=user)

    def due(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """The one meaning of "due" (home count, review sessions, the bank's filter, a question's badge): the
        card's review time has come, now, not later today, and the user has not suspended it or buried it
        until a later day. A session started from "N due" takes exactly N (within the daily review limit)."""
        now = now or timezone.now()
        return self.in_rotation(now).filter(due__lte=now, question__retired=False)

    def in_rotation(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """Cards neither suspended nor buried at ``now``: the ones a review session may take."""
        not_buried = models.Q(buried_until__isnull=True) | models.Q(buried_until__lte=now or timezone.now())
        return self.filter(not_buried, suspended=False)

    def held(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """Cards the user suspended, or buried until a later day: kept out of what the app picks for them."""
        return self.filter(models.Q(suspended=True) | models.Q(buried_until__gt=now or timezone.now()))

    def not_due(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """Cards in rotation whose time has not come: what "practise ahead" offers, soonest due first."""
        now = now or timezone.now()
        return self.in_rotation(now).filter(due__gt=now, question__retired=False).order_by("due")

    def suspended(self) -> "ReviewStateQuerySet":
        return self.filter(suspended=True)

    def done_today(self, now: datetime | None = None) -> tuple[int, int]:
        """(new cards, other cards) graded since the start of the user's day: what the daily limits count.
        A card graded twice today counts once."""
        since = day_start(now or timezone.now())
        today = self.filter(last_review__gte=since)
        new = models.Q(introduced_at__gte=since)
        counts = today.aggregate(new=models.Count("pk", filter=new), old=models.Count("pk", filter=~new))
        return counts["new"], counts["old"]

    def with_is_due(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """Each card marked ``is_due`` by ``due()`` itself, in the same query."""
        due = ReviewState.objects.due(now).filter(pk=models.OuterRef("pk"))
        return self.annotate(is_due=models.Exists(due))

    def allowance(self, preferences, now: datetime | None = None) -> "DailyAllowance":
        """What the user's daily limits (``Preferences``) leave for the rest of today."""
        new, old = self.done_today(now)
        return DailyAllowance(
            new_left=max(preferences.new_per_day - new, 0),
            reviews_left=max(preferences.reviews_per_day - old, 0),
            preferences=preferences,
        )

    def leeches(self) -> "ReviewStateQuerySet":
        return self.filter(lapses__gte=LEECH_LAPSES, question__retired=False)

    def worst_leeches(self, limit: int = 20) -> list["ReviewState"]:
        """The leeches missed most often, with what a list of them shows (prompt, section), in one query."""
        return list(
            self.leeches()
            .select_related("question__section")
            .only("lapses", "question__prompt_html", "question__section__title")
            .order_by("-lapses", "question__position")[:limit]
        )

    def forecast(self, days: int = 7, now: datetime | None = None) -> list[tuple[date, int]]:
        """How many reviews come due on each of the next ``days`` days (UTC), after ``now``: the ones due
        already are ``due()``, counted apart, so "later today" never repeats them. Suspended cards never
        come due."""
        now = now or timezone.now()
        today = now.date()
        horizon = datetime.combine(today + timedelta(days=days), time.min, tzinfo=UTC)
        rows = (
            self.filter(due__gt=now, due__lt=horizon, question__retired=False, suspended=False)
            .annotate(day=TruncDate("due"))
            .values("day")
            .annotate(n=models.Count("id"))
        )
        counts = {today + timedelta(days=i): 0 for i in range(days)}
        for row in rows:
            counts[row["day"]] += row["n"]
        return list(counts.items())


def day_start(now: datetime) -> datetime:
    """The start of the user's day that holds ``now``. Days are UTC days here, as on the progress page and
    the week ahead (the app keeps no time zone per user)."""
    return datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)


@dataclass(frozen=True)
class DailyAllowance:
    """New questions and reviews the daily limits still allow today (never below 0)."""

    new_left: int
    reviews_left: int
    preferences: object  # the Preferences they come from, for the limits themselves


LEECH_LAPSES = 4  # missed this many times after first learning it: the card needs a different approach


class ReviewState(models.Model):
    """A user's spaced-repetition card for one question (FSRS state, see quiz/scheduling.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_states")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="review_states")
    state = models.PositiveSmallIntegerField(default=scheduling.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    last_grade = models.PositiveSmallIntegerField(choices=Grade.choices, null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0, help_text="Times graded Missed.")
    # The user's own hold on the card: suspended until they unsuspend it; buried until the next day starts.
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    # Its first grade (NULL on cards graded before this was kept): the daily limit on new questions counts it.
    introduced_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="one_review_state_per_question")
        ]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user} / {self.question_id}: due {self.due:%Y-%m-%d}"

    @property
    def card(self) -> scheduling.CardState:
        return scheduling.CardState(
            self.state, self.step, self.stability, self.difficulty, self.due, self.last_review
        )

    @property
    def schedule_card(self) -> scheduling.CardState | None:
        """The FSRS card a grade moves on: None before the first grade (or after a reset), a new card."""
        return self.card if self.reviews else None

    def next_intervals(self, now: datetime) -> dict[int, str]:
        """Per grade: when this card comes back if graded so now, in words (the grade buttons' labels)."""
        dues = scheduling.next_dues(self.schedule_card, now)
        return {grade: interval_from(now, due) for grade, due in dues.items()}

    @property
    def is_leech(self) -> bool:
        return self.lapses >= LEECH_LAPSES

    @classmethod
    def card_of(cls, user_id: int, question_id: int) -> "ReviewState":
        """The user's card for this question, or a new one not saved yet: read before the grade's write."""
        existing = cls.objects.filter(user_id=user_id, question_id=question_id).first()
        return existing or cls(user_id=user_id, question_id=question_id)

    @classmethod
    def record(cls, user_id: int, question_id: int, grade: int, when: datetime) -> "ReviewState":
        """Apply one self-grade to the user's card for this question (creating it on first sight)."""
        return cls.card_of(user_id, question_id).review(grade, when)

    def suspend(self, suspended: bool = True) -> None:
        """Take the card out of review sessions until it is unsuspended (``suspended=False``)."""
        ReviewState.objects.filter(pk=self.pk).update(suspended=suspended)
        self.suspended = suspended

    def bury(self, now: datetime | None = None) -> None:
        """Leave the card out of review sessions until the user's next day starts; its schedule is kept."""
        self.buried_until = day_start(now or timezone.now()) + timedelta(days=1)
        ReviewState.objects.filter(pk=self.pk).update(buried_until=self.buried_until)

    def unbury(self) -> None:
        ReviewState.objects.filter(pk=self.pk).update(buried_until=None)
        self.buried_until = None

    def is_buried(self, now: datetime | None = None) -> bool:
        return self.buried_until is not None and self.buried_until > (now or timezone.now())

    def forget(self) -> None:
        """Reset: the question leaves the schedule and its next grade starts it as new (the answers given
        stay in the user's history). Deleting the row is the reset: a card is the (user, question) row."""
        ReviewState.objects.filter(pk=self.pk).delete()

    SCHEDULE_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "last_grade")

    def review(self, grade: int, when: datetime) -> "ReviewState":
        """Move this card on by one grade and write it, in the caller's transaction. The card was read
        before it: if another grade of the same question was written since (two tabs), read it again."""
        seen = self.reviews
        card = scheduling.review(self.schedule_card, grade, when)
        self.state, self.step = card.state, card.step
        self.stability, self.difficulty = card.stability, card.difficulty
        self.due, self.last_review = card.due, card.last_review
        self.last_grade = grade
        self.reviews, self.lapses = seen + 1, self.lapses + (grade == Grade.MISSED)
        if not seen:
            self.introduced_at = when
            # The first grade inserts; if the same question's first grade in another tab won the race, this
            # one's card replaces it (its grade is still on its interview).
            fields = [*self.SCHEDULE_FIELDS, "reviews", "lapses", "introduced_at"]
            ReviewState.objects.bulk_create(
                [self], update_conflicts=True, unique_fields=["user", "question"], update_fields=fields
            )
            return self
        values = {f: getattr(self, f) for f in (*self.SCHEDULE_FIELDS, "lapses")}
        if not ReviewState.objects.filter(pk=self.pk, reviews=seen).update(reviews=seen + 1, **values):
            return ReviewState.objects.select_for_update().get(pk=self.pk).review(grade, when)
        return self


class QuestionNote(models.Model):
    """A user's private note on a question."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_notes"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(max_length=10000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_note_per_question")]

    def __str__(self) -> str:
        return f"Note of {self.user} on {self.question_id}"


class Bookmark(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_bookmark_per_question")]

    def __str__(self) -> str:
        return f"Bookmark of {self.user} on {self.question_id}"


class PracticeDayQuerySet(models.QuerySet):
    def for_user(self, user) -> "PracticeDayQuerySet":
        return self.filter(user=user)

    def grades_by_section(self, since: date) -> dict[int, tuple[int, int]]:
        """Per section pk: (questions graded since the day ``since``, of which Good or Nailed)."""
        rows = (
            self.filter(day__gte=since, grade__gte=Grade.MISSED, section__isnull=False)
            .values("section")
            .annotate(
                graded=models.Sum("done"),
                good=models.Sum("done", filter=models.Q(grade__gte=Grade.GOOD), default=0),
            )
            .order_by()
        )
        return {row["section"]: (row["graded"], row["good"]) for row in rows}

    def per_day(self, since: date) -> dict[date, int]:
        """Questions done (graded or skipped) per UTC day since ``since``."""
        rows = self.filter(day__gte=since).values("day").annotate(n=models.Sum("done")).order_by()
        return {row["day"]: row["n"] for row in rows}

    def days_practised(self, since: date) -> set[date]:
        """The UTC days since ``since`` with something done."""
        return set(self.filter(day__gte=since).values_list("day", flat=True).distinct().order_by())

    def calibration(self, limit: int = 5000) -> "Calibration":
        """How self-grades compare with the share of key points ticked, over the latest ``limit`` questions
        graded with key points and the rest of the day the oldest of them was graded.

        Summed from the day tallies: the cost follows the days in that window, not the questions."""
        ticked = self.filter(ticked__gt=0)
        per_day = ticked.values_list("day").annotate(count=models.Sum("ticked")).order_by("-day")
        seen, since = 0, None
        for day, count in per_day.iterator(chunk_size=64):  # newest first, read only as far as needed
            seen, since = seen + count, day
            if seen >= limit:
                break
        if since is not None:
            ticked = ticked.filter(day__gte=since)
        sums = {"count": models.Sum("ticked"), "share_total": models.Sum("ticked_share_total")}
        by_section = ticked.values_list("section__title", "grade").annotate(**sums).order_by()
        by_day = ticked.values_list("day", "grade").annotate(**sums).order_by()
        return Calibration.of(by_section, by_day)


# PracticeDay.count's upsert. Raw SQL because the ORM's (``bulk_create(update_conflicts=True)``) can only
# overwrite a column with the new row's value, not add to it. The same text runs on SQLite and PostgreSQL.
COUNT_INTO_PRACTICE_DAY = """
INSERT INTO quiz_practiceday AS tally (user_id, day, section_id, grade, done, ticked, ticked_share_total)
VALUES (%s, %s, %s, %s, 1, %s, %s)
ON CONFLICT (user_id, day, section_id, grade) DO UPDATE SET
    done = tally.done + 1,
    ticked = tally.ticked + excluded.ticked,
    ticked_share_total = tally.ticked_share_total + excluded.ticked_share_total
"""


class PracticeDay(models.Model):
    """What one user did on one UTC day in one section, by grade: the tallies the progress page sums.

    Its cost then follows the days and sections practised, not every question ever answered (a year of
    daily practice is a few thousand rows here against tens of thousands of items). Counted by
    ``MockInterview`` in the same transaction that closes the item (``count``); history from before this
    table was filled in by migration 0015."""

    SKIPPED = 0  # the grade of a skipped question's tally (not NULL: NULLs never meet in a unique index)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # NULL once the section is deleted, as on the items. Such tallies never meet in the unique index, so a
    # later count adds a row instead of adding to one: more rows, the same sums.
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    grade = models.PositiveSmallIntegerField()
    done = models.PositiveIntegerField(default=0)
    # Of those, the ones graded with the key points ticked or not, and their shares ticked added up.
    ticked = models.PositiveIntegerField(default=0)
    ticked_share_total = models.FloatField(default=0)

    objects = PracticeDayQuerySet.as_manager()

    class Meta:
        db_table = "quiz_practiceday"  # named in COUNT_INTO_PRACTICE_DAY
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "section", "grade"], name="one_practice_tally_per_day_section_grade"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: {self.done} in section {self.section_id}, grade {self.grade}"

    @classmethod
    def count(cls, user_id: int, day: date, section_id: int | None, grade: int | None, ticked_share=None):
        """Add one closed question to its tally: one statement, inserting the row or adding to it."""
        ticked = ticked_share is not None
        with connection.cursor() as cursor:
            cursor.execute(
                COUNT_INTO_PRACTICE_DAY,
                [
                    user_id,
                    connection.ops.adapt_datefield_value(day),
                    section_id,
                    grade or cls.SKIPPED,
                    int(ticked),
                    ticked_share if ticked else 0.0,
                ],
            )


@dataclass
class GradeCalibration:
    """The mean share of key points ticked when the candidate chose ``grade``."""

    grade: Grade
    share_total: float = 0.0
    count: int = 0

    @property
    def percent(self) -> int:
        return percent_of(self.share_total, self.count)


@dataclass
class Calibration:
    overall: list[GradeCalibration]
    by_section: list[tuple[str, list[GradeCalibration | None]]]  # one cell per grade, None when never chosen
    by_month: list[tuple[date, list[GradeCalibration]]]  # oldest first

    @classmethod
    def of(cls, by_section, by_day) -> "Calibration":
        """From sums over graded items with key points: ``by_section`` rows (section title, grade, count,
        share total) and ``by_day`` rows (UTC day, grade, count, share total)."""

        def table() -> dict[int, GradeCalibration]:
            return {grade: GradeCalibration(grade) for grade in Grade}

        def add(cell: GradeCalibration, count: int, share_total: float) -> None:
            cell.count += count
            cell.share_total += share_total

        overall, sections, months = table(), defaultdict(table), defaultdict(table)
        for section, grade, count, share_total in by_section:
            add(overall[grade], count, share_total)
            if section is not None:  # None: asked from a section since deleted (the overall figure keeps it)
                add(sections[section][grade], count, share_total)
        for day, grade, count, share_total in by_day:
            add(months[day.replace(day=1)][grade], count, share_total)
        return cls(
            overall=[c for c in overall.values() if c.count],
            by_section=[
                (title, [c if c.count else None for c in cells.values()])
                for title, cells in sorted(sections.items())
            ],
            by_month=[(m, [c for c in cells.values() if c.count]) for m, cells in sorted(months.items())],
        )
