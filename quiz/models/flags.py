from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models, transaction
from django.utils import timezone

from quiz.models.content import Question


class FlagQuerySet(models.QuerySet):
    def for_user(self, user) -> "FlagQuerySet":
        return self.filter(user=user)

    def open(self) -> "FlagQuerySet":
        return self.filter(status__in=[Flag.Status.OPEN, Flag.Status.ACCEPTED])

    def accepted(self) -> "FlagQuerySet":
        return self.filter(status=Flag.Status.ACCEPTED)

    def with_unseen_outcome(self) -> "FlagQuerySet":
        """Flags a reviewer accepted, resolved or dismissed since their author last looked at My flags."""
        return self.filter(reviewed_at__isnull=False).filter(
            models.Q(outcome_seen_at__isnull=True) | models.Q(outcome_seen_at__lt=models.F("reviewed_at"))
        )

    def mark_outcomes_seen(self) -> int:
        return self.with_unseen_outcome().update(outcome_seen_at=timezone.now())

    def resolve(self, revision_id: int | None, by) -> int:
        """Close these flags, linked to the answer revision that dealt with them."""
        now = timezone.now()
        return self.update(
            status=Flag.Status.RESOLVED,
            resolved_revision_id=revision_id,
            reviewed_by=by,
            reviewed_at=now,
            updated_at=now,
        )


class Flag(models.Model):
    """A user's report that a reference answer (or its question) is wrong, and what became of it."""

    class Reason(models.TextChoices):
        WRONG = "wrong", "The answer is wrong"
        INCOMPLETE = "incomplete", "The answer is incomplete"
        UNCLEAR = "unclear", "The question is unclear"
        OUTDATED = "outdated", "Outdated"
        FORMATTING = "formatting", "Broken code or formatting"
        TYPO = "typo", "Typo"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted, answer being edited"
        RESOLVED = "resolved", "Resolved with an edit"
        DISMISSED = "dismissed", "Dismissed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    comment = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer_note = models.TextField(max_length=2000, blank=True)
    # When its author last saw what became of it (My flags): home tells them of reviews since.
    outcome_seen_at = models.DateTimeField(null=True, blank=True)
    # The answer revision (simple_history row id) whose save resolved this flag.
    resolved_revision_id = models.PositiveBigIntegerField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("triage_flag", "Can triage flags in the review queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"],
                condition=models.Q(status__in=["open", "accepted"]),
                name="one_open_flag_per_user_and_question",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.question_id}"

    MAX_NEW_PER_HOUR = 10

    class TooManyFlags(Exception):
        """The user raised ``MAX_NEW_PER_HOUR`` flags in the last hour."""

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ACCEPTED)

    @classmethod
    @transaction.atomic
    def raise_or_update(cls, user, question: Question, reason: str, comment: str = "") -> tuple["Flag", bool]:
        """The user's open flag on ``question``, updated, or a new one; True if it is new.

        Counted in the database, so the hourly limit holds across app servers. Locking the user's row makes
        two simultaneous posts of the same user take turns (SQLite's IMMEDIATE transactions already do).
        """
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        flag = cls.objects.open().filter(user=user, question=question).first()
        if flag is not None:
            flag.reason, flag.comment = reason, comment
            flag.save(update_fields=["reason", "comment", "updated_at"])
            return flag, False
        now = timezone.now()
        if (
            cls.objects.filter(user=user, created_at__gt=now - timedelta(hours=1)).count()
            >= cls.MAX_NEW_PER_HOUR
        ):
            raise cls.TooManyFlags
        return cls.objects.create(
            user=user, question=question, reason=reason, comment=comment, created_at=now
        ), True

    def accept(self, by) -> bool:
        """A reviewer agrees the answer needs an edit; the edit that follows resolves the flag."""
        return self._review(self.Status.ACCEPTED, by)

    def dismiss(self, by, note: str = "") -> bool:
        return self._review(self.Status.DISMISSED, by, reviewer_note=note)

    def _review(self, status: str, by, **fields) -> bool:
        # A conditional UPDATE: a flag already dismissed or resolved (another tab, another reviewer) stays so.
        now = timezone.now()
        values = {"status": status, "reviewed_by": by, "reviewed_at": now, "updated_at": now, **fields}
        if not Flag.objects.open().filter(pk=self.pk).update(**values):
            self.refresh_from_db()
            return False
        for name, value in values.items():
            setattr(self, name, value)
        return True


def can_triage(user) -> bool:
    """A reviewer (the triage permission, given to the user or one of their groups) or staff.

    Asked on every page for the menu, so one small query instead of loading every permission the user has; a
    user added to the Reviewers group sees the queue on their next page, without signing in again.
    """
    if not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if not hasattr(user, "_can_triage"):  # asked by the view and by the menu: once per request
        user._can_triage = (
            Permission.objects.filter(content_type__app_label="quiz", codename="triage_flag")
            .filter(models.Q(user=user) | models.Q(group__user=user))
            .exists()
        )
    return user._can_triage
