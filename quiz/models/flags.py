from django.conf import settings
from django.db import models
from django.utils import timezone

from quiz.models.content import Question


class FlagQuerySet(models.QuerySet):
    def for_user(self, user) -> "FlagQuerySet":
        return self.filter(user=user)

    def open(self) -> "FlagQuerySet":
        return self.filter(status__in=[Flag.Status.OPEN, Flag.Status.ACCEPTED])


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
