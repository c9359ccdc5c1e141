from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import TruncDate
from django.utils import timezone

from quiz import scheduling
from quiz.models.content import Grade, Question


class ReviewStateQuerySet(models.QuerySet):
    def for_user(self, user) -> "ReviewStateQuerySet":
        return self.filter(user=user)

    def due(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """The one meaning of "due" (home count, review sessions, the bank's filter, a question's badge): the
        card's review time has come, now, not later today. A session started from "N due" takes exactly N."""
        return self.filter(due__lte=now or timezone.now(), question__retired=False)

    def with_is_due(self, now: datetime | None = None) -> "ReviewStateQuerySet":
        """Each card marked ``is_due`` by ``due()`` itself, in the same query."""
        due = ReviewState.objects.due(now).filter(pk=models.OuterRef("pk"))
        return self.annotate(is_due=models.Exists(due))

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
        already are ``due()``, counted apart, so "later today" never repeats them."""
        now = now or timezone.now()
        today = now.date()
        horizon = datetime.combine(today + timedelta(days=days), time.min, tzinfo=UTC)
        rows = (
            self.filter(due__gt=now, due__lt=horizon, question__retired=False)
            .annotate(day=TruncDate("due"))
            .values("day")
            .annotate(n=models.Count("id"))
        )
        counts = {today + timedelta(days=i): 0 for i in range(days)}
        for row in rows:
            counts[row["day"]] += row["n"]
        return list(counts.items())


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

    SCHEDULE_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "last_grade")

    def review(self, grade: int, when: datetime) -> "ReviewState":
        """Move this card on by one grade and write it, in the caller's transaction. The card was read
        before it: if another grade of the same question was written since (two tabs), read it again."""
        seen = self.reviews
        card = scheduling.review(self.card if seen else None, grade, when)
        self.state, self.step = card.state, card.step
        self.stability, self.difficulty = card.stability, card.difficulty
        self.due, self.last_review = card.due, card.last_review
        self.last_grade = grade
        self.reviews, self.lapses = seen + 1, self.lapses + (grade == Grade.MISSED)
        if not seen:
            # The first grade inserts; if the same question's first grade in another tab won the race, this
            # one's card replaces it (its grade is still on its interview).
            fields = [*self.SCHEDULE_FIELDS, "reviews", "lapses"]
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
