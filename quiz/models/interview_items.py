"""One question of an interview as the candidate met it, its key-point checklist, and the queries over a
user's answers."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import models

from quiz import feedback
from quiz.models import hints
from quiz.models.content import Grade, Question, Section, answer_ceiling, suggested_grade
from quiz.models.progress import ReviewState

POINTS_MISSED_WINDOW = 500  # answers the results page's "points I keep missing" reads, newest first


class InterviewItemQuerySet(models.QuerySet):
    def for_user(self, user) -> "InterviewItemQuerySet":
        return self.filter(user=user)

    def most_missed(self, limit: int = 10) -> list[tuple[Question, int]]:
        """The questions graded Missed most often, with how often."""
        top = list(
            self.filter(grade=Grade.MISSED)
            .values("question")
            .annotate(misses=models.Count("*"))
            .order_by("-misses", "question")[:limit]
        )
        questions = (
            Question.objects.select_related("section")
            .only("prompt_html", "section__title")
            .in_bulk([row["question"] for row in top])
        )
        return [(questions[row["question"]], row["misses"]) for row in top]

    def with_ticks(self) -> "InterviewItemQuerySet":
        """Graded items whose key points the candidate ticked or left unticked."""
        return self.filter(ticked_share__isnull=False)

    def points_missed_most(
        self, sections, per_section: int = 3, latest: int = POINTS_MISSED_WINDOW
    ) -> list[tuple[str, list[tuple[str, int, int]]]]:
        """Per section (title, in bank order): the key points left unticked most often, as (point, missed,
        shown), over the ``latest`` answers graded with key points in those sections.

        A window, not the whole history: each answer's points are decoded here, and a long history made
        the results page take 0.6 s at 100,000 graded questions."""
        rows = (
            self.with_ticks()
            .filter(section__in=sections)
            .order_by("-done_day")  # the user's ticked-items index, walked newest first
            .values_list("section__position", "section__title", "key_points_shown", "ticks")[:latest]
        )
        tally: dict[str, dict[str, list[int]]] = {}
        for _, title, points, ticks in sorted(rows, key=lambda row: row[0]):
            for point, ticked in zip(points, ticks, strict=False):
                counts = tally.setdefault(title, {}).setdefault(point, [0, 0])
                counts[0] += not ticked
                counts[1] += 1
        result = []
        for title, points in tally.items():
            missed = sorted(
                ((p, m, n) for p, (m, n) in points.items() if m), key=lambda r: (-r[1], -r[1] / r[2])
            )
            if missed:
                result.append((title, missed[:per_section]))
        return result

    def export_rows(self, chunk_size: int = 2000) -> Iterator[dict]:
        """One dict per item, oldest interview first, read from the database in chunks."""
        grades = dict(Grade.choices)
        rows = self.order_by("interview_id", "position").values(
            "interview_id",
            "interview__kind",
            "interview__created_at",
            "question__key",
            "question__section__title",
            "question__prompt_md",
            "question__difficulty",
            "grade",
            "skipped",
            "over_time",
            "started_at",
            "done_at",
            "answer_text",
            "key_points_shown",
            "coverage",
            "ticks",
            "suggested_grade",
            "hints_used",
            "question__parent__key",
        )
        for row in rows.iterator(chunk_size=chunk_size):
            started, done = row["started_at"], row["done_at"]
            yield {
                "interview_id": row["interview_id"],
                "kind": row["interview__kind"],
                "interview_started_at": row["interview__created_at"].isoformat(),
                "question_key": row["question__key"],
                "section": row["question__section__title"],
                "prompt": row["question__prompt_md"],
                "difficulty": row["question__difficulty"],
                "grade": grades.get(row["grade"], ""),
                "skipped": row["skipped"],
                "over_time": row["over_time"],
                "seconds_taken": int((done - started).total_seconds()) if started and done else None,
                "answer_text": row["answer_text"],
                "done_at": done.isoformat() if done else None,
                "key_points": row["key_points_shown"],
                "coverage": row["coverage"],
                "ticks": row["ticks"],
                "suggested_grade": grades.get(row["suggested_grade"], ""),
                "hints_used": row["hints_used"],
                "follows_up": row["question__parent__key"] or "",  # the key of the question it follows up
            }


class InterviewItem(models.Model):
    interview = models.ForeignKey("quiz.MockInterview", on_delete=models.CASCADE, related_name="items")
    # PROTECT: a retired question keeps every interview that asked it.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="interview_items")
    position = models.PositiveIntegerField()
    started_at = models.DateTimeField(null=True, blank=True)
    answer_text = models.TextField(blank=True, max_length=20000)
    revealed_at = models.DateTimeField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices, null=True, blank=True)
    skipped = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    # Copies kept for the progress page, which reads a user's whole history: the interview's user, the
    # section the question was in when asked, the UTC day of done_at. Its counts then come from the indexes
    # below (covering: no row read) instead of every item the user has, joined to its question.
    # No single-column indexes on these: the composite ones below serve every lookup, and after ANALYZE
    # SQLite chose a scan of a section index to skip a GROUP BY sort, which made the mastery query slow.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        editable=False,
        db_index=False,
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        db_index=False,
    )
    done_day = models.DateField(null=True, blank=True, editable=False)
    over_time = models.BooleanField(default=False)
    marked = models.BooleanField(default=False, help_text="Marked by the candidate to look at again.")
    # Taken once, at reveal: the key points as shown then (a reviewer's later edit rewrites no past coverage),
    # the matcher's score per point, and the phrase of the answer that said each covered point.
    key_points_shown = models.JSONField(default=list, blank=True)
    coverage = models.JSONField(default=list, blank=True)
    matched_phrases = models.JSONField(default=list, blank=True)
    # Per key point shown: whether the matcher read the typed answer saying otherwise (quiz.feedback.Reading).
    contradicted = models.JSONField(default=list, blank=True)
    ticks = models.JSONField(default=list, blank=True, help_text="Per key point shown: ticked as covered.")
    suggested_grade = models.PositiveSmallIntegerField(
        choices=Grade.choices, null=True, blank=True, help_text="What the ticked share suggested."
    )
    # Set by the grade: the share of ``ticks`` ticked behind it (None without key points, or not graded). The
    # grade adds it to the day's PracticeDay tally, which calibration sums; here it marks the items whose key
    # points were ticked, in one condition the partial index below is built on.
    ticked_share = models.FloatField(null=True, blank=True, editable=False)
    # A follow-up's item points at the item of the question it follows (the chain's first); see followups.py.
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="chain", editable=False
    )
    # In an interview with follow-ups: the number of the question a chain asks (shown as "Question 3 / 10" on
    # each of its items), and a follow-up's place in its chain (1, 2, ...).
    question_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    follow_up_step = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    hints_used = models.PositiveSmallIntegerField(
        default=0, help_text="Key points shown as hints before Reveal."
    )

    FEEDBACK_FIELDS = (
        "key_points_shown",
        "coverage",
        "matched_phrases",
        "contradicted",
        "ticks",
        "suggested_grade",
    )

    objects = InterviewItemQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "position"], name="one_item_per_position"),
        ]
        indexes = [
            models.Index(fields=["question", "done_at"]),
            # Most missed, on the progress page (its other counts read PracticeDay's tallies).
            models.Index(fields=["user", "grade", "question"], name="item_user_grade_question"),
            # A question's page: the user's answers to it. Without it, SQLite's planner (before ANALYZE)
            # reads every item of the user's through the index above.
            models.Index(fields=["user", "question"], name="item_user_question"),
            # Progress's depth: a user's follow-ups' items alone (followups.depth_of).
            models.Index(
                fields=["user", "interview"],
                condition=models.Q(follows__isnull=False),
                name="item_user_follow_ups",
            ),
            # The key points missed most, on the results page: a user's items with key points ticked, newest
            # day first, filtered by section in the index. (Its grade and share columns served calibration,
            # which now sums tallies; kept rather than rebuilt, as a rebuild buys no measurable write.)
            models.Index(
                fields=["user", "done_day", "grade", "section", "ticked_share"],
                condition=models.Q(ticked_share__isnull=False),
                name="item_user_ticked",
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.position + 1} of interview {self.interview_id}"

    @property
    def number(self) -> int:
        """The question's number in the interview: a follow-up has its question's."""
        return self.question_number or self.position + 1

    @property
    def anchor(self) -> str:
        """Its id on the results page: ``item-3``, a follow-up ``item-3-1``."""
        return f"item-{self.number}" + (f"-{self.follow_up_step}" if self.follow_up_step else "")

    @property
    def deadline(self) -> datetime | None:
        """The earlier of this question's own limit and the interview's."""
        limits = [self.interview.deadline]
        if self.interview.seconds_per_question and self.started_at:
            limits.append(self.started_at + timedelta(seconds=self.interview.seconds_per_question))
        limits = [limit for limit in limits if limit is not None]
        return min(limits) if limits else None

    def review_card(self) -> ReviewState:
        """The user's card for this question: as the step's read brought it (``MockInterview.at_step`` with
        ``with_cards``), else read now; a new one, not saved yet, on first sight."""
        if "user_card" in self.__dict__:
            return self.user_card or ReviewState(user_id=self.user_id, question_id=self.question_id)
        return ReviewState.card_of(self.user_id, self.question_id)

    def is_late(self, now: datetime) -> bool:
        return self.deadline is not None and now > self.deadline

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def seconds_taken(self) -> int | None:
        if self.started_at and self.done_at:
            return int((self.done_at - self.started_at).total_seconds())
        return None

    @property
    def score(self) -> float:
        """0 for missed, skipped or never reached; 1 for nailed."""
        return (self.grade - 1) / 3 if self.grade else 0.0

    def take_feedback(self, key_points: list[str], alternatives: list[list[str]] | None = None) -> None:
        """Score the typed answer against the key points (and their alternative phrasings) and pre-tick the
        covered ones (at reveal only)."""
        self.key_points_shown = list(key_points)
        self.coverage, self.matched_phrases, self.contradicted = feedback.key_point_feedback(
            self.key_points_shown, self.answer_text, alternatives
        )
        self.confirm_ticks(i for i, score in enumerate(self.coverage) if score >= feedback.TICK)

    def confirm_ticks(self, ticked) -> None:
        ticked = set(ticked)
        self.ticks = [i in ticked for i in range(len(self.key_points_shown))]
        self.suggested_grade = suggested_grade(self.ticks, self.answer_text, ceiling=self.grade_cap)

    @property
    def grade_cap(self) -> Grade | None:
        """The best grade the ticks may suggest: after hints, or when the answer contradicts a key point."""
        return answer_ceiling(hints.ceiling(self.hints_used), any(self.contradicted or ()))

    def checklist(self) -> list["ChecklistRow"]:
        """The key points for the card after Reveal: ticked or not, what the matcher made of each, and the
        phrase of the typed answer it read as saying the point (covered) or only touching it (unsure)."""
        phrases = self.matched_phrases or [""] * len(self.key_points_shown)
        states = self.matcher_states()
        return [
            ChecklistRow(i, point, ticked, phrase, state)
            for i, (point, ticked, phrase, state) in enumerate(
                zip(self.key_points_shown, self.ticks, phrases, states, strict=False)
            )
        ]

    def matcher_states(self) -> list[str]:
        """Per key point shown: "covered" (pre-ticked), "unsure" (asked about, not ticked), "contradicted" or
        "missing", as the matcher scored it at reveal; answers scored before the unsure band count as covered
        or missing."""
        scores = self.coverage or [1.0 if ticked else 0.0 for ticked in self.ticks]
        contradicted = self.contradicted or [False] * len(scores)
        return [feedback.coverage_state(s, c) for s, c in zip(scores, contradicted, strict=False)]

    @property
    def points_covered(self) -> list[str]:
        return [p for p, ticked in zip(self.key_points_shown, self.ticks, strict=False) if ticked]

    @property
    def points_missed(self) -> list[str]:
        return [p for p, ticked in zip(self.key_points_shown, self.ticks, strict=False) if not ticked]


class ChecklistRow(NamedTuple):
    index: int
    point: str
    ticked: bool
    phrase: str
    state: str  # InterviewItem.matcher_states


def share_ticked(ticks: list[bool]) -> float | None:
    return sum(ticks) / len(ticks) if ticks else None
