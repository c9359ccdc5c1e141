"""A mock interview or review session: its setup, deadlines and the verbs of its question loop."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from quiz.answer_parts import key_point_alternatives
from quiz.models import followups, hints
from quiz.models.accounts import Preferences
from quiz.models.content import Question
from quiz.models.interview_items import InterviewItem, share_ticked
from quiz.models.interview_results import InterviewSummary
from quiz.models.progress import PracticeDay


class MockInterviewQuerySet(models.QuerySet):
    def for_user(self, user) -> "MockInterviewQuerySet":
        return self.filter(user=user)

    def for_peer(self, user) -> "MockInterviewQuerySet":
        """Peer interviews the user sits as candidate or conducts as interviewer (quiz/peers.py)."""
        return self.filter(models.Q(user=user) | models.Q(interviewer=user), kind=MockInterview.Kind.PEER)

    @staticmethod
    def _over(now: datetime | None) -> Q:
        # Finished, or its deadline has passed: a read needs no write to know an interview ran out of time.
        return Q(finished_at__isnull=False) | Q(deadline__lte=now or timezone.now())

    def finished(self, now: datetime | None = None) -> "MockInterviewQuerySet":
        return self.filter(self._over(now))

    def unfinished(self, now: datetime | None = None) -> "MockInterviewQuerySet":
        return self.exclude(self._over(now))

    def with_anything_graded(self) -> "MockInterviewQuerySet":
        graded = InterviewItem.objects.filter(interview=models.OuterRef("pk"), grade__isnull=False)
        return self.filter(models.Exists(graded))

    def with_scores(self) -> "MockInterviewQuerySet":
        """``score`` 0-1: the mean of (grade - 1) / 3 over the questions, skipped and unreached counting 0."""
        points = (
            InterviewItem.objects.filter(interview=models.OuterRef("pk"), follows__isnull=True)
            .order_by()
            .values("interview")
            .annotate(
                total=models.Sum(Coalesce(models.F("grade") - 1, 0, output_field=models.IntegerField()))
            )
            .values("total")
        )
        # A subquery rather than a join: a page's COUNT stays plain and only the shown rows are summed.
        return self.annotate(
            score=Cast(
                Coalesce(models.Subquery(points, output_field=models.IntegerField()), 0), models.FloatField()
            )
            / NullIf(3 * models.F("question_count"), 0)
        )


class MockInterview(models.Model):
    """One sitting: a fixed list of questions, a clock the server keeps, and the candidate's self-grades."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", "Mock interview"
        REVIEW = "review", "Review session"
        PEER = "peer", "Peer interview"

    class Ending(models.TextChoices):
        COMPLETED = "completed", "Completed"
        ENDED_EARLY = "ended_early", "Ended early"
        TIMED_OUT = "timed_out", "Ran out of time"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interviews")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INTERVIEW)
    created_at = models.DateTimeField(default=timezone.now)
    # A per-question limit (the total budget is then questions x limit), or only a total; neither = untimed.
    seconds_per_question = models.PositiveIntegerField(null=True, blank=True)
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="When the whole interview's time runs out."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    ending = models.CharField(max_length=12, choices=Ending.choices, blank=True)
    updates_schedule = models.BooleanField(default=True, help_text="Grades feed spaced-repetition review.")
    question_count = models.PositiveIntegerField(default=0)
    # The choices it was set up with, so "practise again" can repeat them.
    setup = models.JSONField(default=dict, blank=True)
    # A peer interview's interviewer (quiz/models/peers.py), and a counter every change both peers see
    # bumps: a peer's screen polls with it as its ETag, so a poll with nothing new costs one small read.
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interviews_conducted",
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    # The candidate's notes saves, counted apart: only the interviewer's screen shows them, so the
    # candidate's own typing does not redraw the candidate's screen (peers.screen_version).
    notes_version = models.PositiveIntegerField(default=0, editable=False)

    objects = MockInterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of {self.user}"

    # The same "Start" again within this many seconds is a double click: it gets the first interview.
    DOUBLE_START_SECONDS = 10

    @classmethod
    @transaction.atomic
    def start(
        cls,
        user,
        questions: list["Question"],
        *,
        seconds_per_question: int | None = None,
        total_seconds: int | None = None,
        kind: str = Kind.INTERVIEW,
        updates_schedule: bool = True,
        setup: dict | None = None,
        now: datetime | None = None,
        follow_ups: dict[int, list["Question"]] | None = None,
    ) -> "MockInterview":
        """``follow_ups``: by question pk, the follow-ups asked after it (``followups.follow_ups_of``), inside
        the same time budget."""
        now = now or timezone.now()
        setup = setup or {}
        # Users who need it get more time, or none (WCAG 2.2.1): their preference stretches what they chose.
        seconds_per_question, total_seconds = Preferences.for_user(user).time_allowed(
            seconds_per_question, total_seconds
        )
        # Locking the user's row makes two simultaneous starts take turns (SQLite's IMMEDIATE transactions
        # already do), so the second one finds the first instead of creating a twin.
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        recent = (
            cls.objects.for_user(user)
            .unfinished(now)
            .filter(kind=kind, created_at__gte=now - timedelta(seconds=cls.DOUBLE_START_SECONDS))
        )
        # Only a start from the user's choices (a form) can be a double click; code that starts without them
        # means a new interview each time.
        if setup and (twin := next((i for i in recent if i.setup == setup), None)):
            return twin
        # One interview at a time: one left open when another starts is ended early, so no stale "Still
        # running" session lingers in the history (the setup page offers to resume it first).
        for left_open in cls.objects.for_user(user).unfinished(now):
            left_open.end_early(now)
        if seconds_per_question:
            total_seconds = seconds_per_question * len(questions)
        interview = cls.objects.create(
            user=user,
            kind=kind,
            created_at=now,
            seconds_per_question=seconds_per_question,
            deadline=now + timedelta(seconds=total_seconds) if total_seconds else None,
            updates_schedule=updates_schedule,
            question_count=len(questions),
            setup=setup,
        )
        followups.create_items(interview, questions, follow_ups or {}, now)
        return interview

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    def chosen_limits(self) -> tuple[int | None, int | None]:
        """(seconds per question, total seconds) as the user chose them, before any extra time their
        preferences give: what a repeat of this interview starts from."""
        timing, minutes = self.setup.get("timing"), self.setup.get("minutes")
        if timing == "untimed":
            return None, None
        if timing in ("per_question", "total") and minutes:
            return (minutes * 60, None) if timing == "per_question" else (None, minutes * 60)
        return self.seconds_per_question, None if self.seconds_per_question else self.total_seconds

    @property
    def total_seconds(self) -> int | None:
        return int((self.deadline - self.created_at).total_seconds()) if self.deadline else None

    def is_past_deadline(self, now: datetime | None = None) -> bool:
        return self.deadline is not None and (now or timezone.now()) >= self.deadline

    def is_over(self, now: datetime | None = None) -> bool:
        """Finished, or out of time (the row is closed by the next step posted, not by a page view)."""
        return self.is_finished or self.is_past_deadline(now)

    @property
    def ended_at(self) -> datetime | None:
        if self.finished_at or not self.is_past_deadline():
            return self.finished_at
        return self.deadline

    @property
    def outcome(self) -> "MockInterview.Ending | None":
        """How it ended, as the results page says it, whether or not a step has closed the row yet."""
        if self.ending:
            return self.Ending(self.ending)
        return self.Ending.TIMED_OUT if self.is_past_deadline() else None

    def finish(self, ending: str, now: datetime | None = None) -> None:
        # A conditional UPDATE, so two requests racing to finish agree on one ending.
        now = now or timezone.now()
        updated = MockInterview.objects.filter(pk=self.pk, finished_at__isnull=True).update(
            finished_at=now, ending=ending, version=models.F("version") + 1
        )
        if updated:
            self.finished_at, self.ending = now, ending
        else:
            self.refresh_from_db(fields=["finished_at", "ending"])

    def _open_items(self) -> models.QuerySet["InterviewItem"]:
        return self.items.filter(done_at__isnull=True).order_by("position")

    @classmethod
    def at_step(cls, user, pk: int, with_cards: bool = False) -> "MockInterview | None":
        """The user's interview with the question asked now and the one after it, read in one query; None
        when the interview has no open question (or is not the user's): then look it up the plain way.

        ``with_cards``: each question's review card comes in the same read (a grade moves it on), so the
        grade's own statements stay within the question loop's budget."""
        if not 0 < pk < 2**63:  # a typed URL's id no row can have (SQLite raised OverflowError on it)
            return None
        items = InterviewItem.objects.filter(interview__user=user, interview_id=pk, done_at__isnull=True)
        if with_cards:
            own_card = models.Q(question__review_states__user=user)
            items = items.annotate(
                user_card=models.FilteredRelation("question__review_states", condition=own_card)
            ).select_related("user_card")
        items = items.select_related("interview", "question__section", "question__parent")
        items = list(items.order_by("position")[:2])
        if not items:
            return None
        interview = items[0].interview
        for item in items:
            item.interview = interview
            if with_cards:
                item.__dict__.setdefault("user_card", None)  # the join found none: a first grade
        interview._asked, interview._knows_following = items, True
        return interview

    def current_item(self) -> "InterviewItem | None":
        if (asked := self.__dict__.get("_asked")) is not None:
            return asked[0] if asked else None
        return self._open_items().select_related("question__section", "question__parent").first()

    def _following(self, item: "InterviewItem") -> "InterviewItem | None":
        """The question after ``item``: from the step's read when there was one, else one query."""
        asked = self.__dict__.get("_asked") or []
        if self.__dict__.get("_knows_following") and asked and asked[0].pk == item.pk:
            return asked[1] if len(asked) > 1 else None
        following = self._open_items().filter(position__gt=item.position)
        return following.select_related("question__section", "question__parent").first()

    def _advance(self, following: "InterviewItem | None", now: datetime) -> None:
        """Start the clock on the next question; finish when none is left, or when time has run out."""
        self._asked, self._knows_following = ([following] if following else []), False
        if self.is_past_deadline(now):
            self.finish(self.Ending.TIMED_OUT, now=self.deadline)
        elif following is None:
            self.finish(self.Ending.COMPLETED, now=now)
        elif following.started_at is None:
            InterviewItem.objects.filter(pk=following.pk, started_at__isnull=True).update(started_at=now)
            following.started_at, following.interview = now, self

    def _write_open_item(self, item: "InterviewItem", answer_text: str | None, **fields) -> bool:
        """Write ``fields`` (and the typed text) in one conditional UPDATE, only while ``item`` is the
        question asked now in an interview that has not ended: a step taken twice, a stale tab or a crafted
        URL changes nothing. The condition is checked by the write itself, so nothing needs reading under the
        write lock; a refusal reads the interview again so the page shows where it stands."""
        if answer_text is not None:
            fields["answer_text"] = answer_text
        open_before = InterviewItem.objects.filter(
            interview_id=self.pk, done_at__isnull=True, position__lt=item.position
        )
        ended = MockInterview.objects.filter(pk=self.pk, finished_at__isnull=False)
        written = (
            InterviewItem.objects.filter(pk=item.pk, interview_id=self.pk, done_at__isnull=True)
            .exclude(models.Exists(open_before))
            .exclude(models.Exists(ended))
            .update(**fields)
        )
        if not written:
            self.__dict__.pop("_asked", None)
            self.refresh_from_db(fields=["finished_at", "ending"])
            return False
        if answer_text is not None:
            item.answer_text = answer_text
        return True

    def _close_item(self, item: "InterviewItem", answer_text: str | None, now: datetime, **fields) -> bool:
        if item.started_at is None:
            # A copy read before its question was reached (code holding items across steps; a page always
            # reads the current one afresh): its clock started since, and lateness is counted from it.
            item.refresh_from_db(fields=["started_at"])
        over_time, day = item.is_late(now), now.astimezone(UTC).date()
        if not self._write_open_item(
            item, answer_text, done_at=now, done_day=day, over_time=over_time, **fields
        ):
            return False
        item.done_at, item.done_day, item.over_time = now, day, over_time
        PracticeDay.count(self.user_id, day, item.section_id, fields.get("grade"), fields.get("ticked_share"))
        return True

    def reveal(
        self, item: "InterviewItem", answer_text: str | None = None, now: datetime | None = None
    ) -> bool:
        now = now or timezone.now()
        feedback_fields = {}
        if item.revealed_at is None:
            # The typed text is scored against the key points once, at the first reveal, and before the write
            # transaction (the matcher is CPU work that no other writer should queue behind).
            if answer_text is not None:
                item.answer_text = answer_text
            item.take_feedback(item.question.key_points, key_point_alternatives(item.question.answer_md))
            feedback_fields = {name: getattr(item, name) for name in InterviewItem.FEEDBACK_FIELDS}
        with transaction.atomic():
            revealed = Coalesce("revealed_at", models.Value(now))
            if not self._write_open_item(item, answer_text, revealed_at=revealed, **feedback_fields):
                return False
        item.revealed_at = item.revealed_at or now
        return True

    def _record_overrides(self, item: "InterviewItem") -> None:
        """Where the candidate's ticks differ from the matcher's pre-ticks, what the matcher learns from."""
        from quiz.models.overrides import KeyPointOverride

        states = item.matcher_states()
        if any(t != (s == "covered") for t, s in zip(item.ticks, states, strict=False)):
            shared = Preferences.objects.filter(user_id=self.user_id, share_phrases=True).exists()
            KeyPointOverride.record(item, share_phrases=shared)

    def grade(
        self, item: "InterviewItem", grade: int, answer_text: str | None = None, now=None, ticks=None
    ) -> bool:
        """Record a self-grade once; a second submit of the same step changes nothing and returns False.

        ``ticks``: the indices of the key points the candidate confirmed (None keeps the ticks of the reveal).

        Past the interview's deadline the grade of the question on screen is still kept, marked over time,
        and the interview ends there, timed out: no later question can be graded."""
        now = now or timezone.now()
        # Reads before the write transaction, so other writers do not queue behind them.
        card = item.review_card() if self.updates_schedule else None
        following = self._following(item)
        revealed = Coalesce("revealed_at", models.Value(now))
        confirmed = {}
        if ticks is not None:
            item.confirm_ticks(ticks)
            confirmed = {"ticks": item.ticks, "suggested_grade": item.suggested_grade}
        # Graded with key points: the share ticked behind this grade, what calibration sums.
        confirmed["ticked_share"] = share_ticked(item.ticks)
        with transaction.atomic():
            if not self._close_item(item, answer_text, now, grade=grade, revealed_at=revealed, **confirmed):
                return False
            if card is not None:
                card.review(grade, now)
            self._advance(following, now)
            if ticks is not None:
                self._record_overrides(item)
        item.grade, item.revealed_at = grade, item.revealed_at or now
        item.ticked_share = confirmed["ticked_share"]
        return True

    def skip(self, item: "InterviewItem", answer_text: str | None = None, now=None) -> bool:
        """Skip the question on screen; skipping a question (or a follow-up) skips the rest of its chain."""
        now = now or timezone.now()
        following = self._following(item)
        with transaction.atomic():
            if not self._close_item(item, answer_text, now, skipped=True):
                return False
            self._advance(followups.skip_rest_of_chain(item, following, now), now)
        item.skipped = True
        return True

    @transaction.atomic
    def save_answer(self, item: "InterviewItem", answer_text: str) -> bool:
        """Keep typed notes as they are typed, even past the deadline (the late grade may still come);
        only into the question being asked, and never once the interview has ended."""
        return self._write_open_item(item, answer_text)

    def give_hint(self, item: "InterviewItem", wanted: int, answer_text: str | None = None) -> bool:
        """Show hints up to number ``wanted`` before Reveal (quiz/models/hints.py)."""
        return hints.give(self, item, wanted, answer_text)

    def next_follow_up(self, item: "InterviewItem") -> "InterviewItem | None":
        """The follow-up asked after ``item`` if it has one in its chain (quiz/models/followups.py)."""
        return followups.next_in_chain(item)

    def mark(self, item: "InterviewItem", marked: bool) -> None:
        InterviewItem.objects.filter(pk=item.pk).update(marked=marked)
        item.marked = marked

    def end_early(self, now: datetime | None = None) -> None:
        now = now or timezone.now()
        if self.is_past_deadline(now):
            self.finish(self.Ending.TIMED_OUT, now=self.deadline)
        else:
            self.finish(self.Ending.ENDED_EARLY, now=now)

    def summary(self) -> "InterviewSummary":
        return InterviewSummary.of(self)
