"""Peer mock interviews: another signed-in user takes the interviewer's chair for one interview.

The candidate starts a peer interview (a ``MockInterview`` of kind ``PEER``) and gets an invite link
(``PeerInvite``: an unguessable token, single use, 24 hours, revocable). The user who accepts it becomes the
interview's ``interviewer``: they see that interview and nothing else of the candidate's. Per question the
interviewer ticks key points, scores a rubric and writes notes (``PeerAssessment``); their grade is the
item's grade, recorded through ``MockInterview.grade``, so the candidate's schedule and tallies move as
after a self-grade. The rules of the flow (who may do what, when) live in ``quiz/peers.py``.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

INVITE_LIFETIME = timedelta(hours=24)
NOTES_MAX = 5000


class Criterion(models.TextChoices):
    CORRECTNESS = "correctness", "Correctness"
    DEPTH = "depth", "Depth"
    COMMUNICATION = "communication", "Communication"


# What each level of the rubric means, shown beside the choice on the interviewer's screen and on results.
RUBRIC_LEVELS: dict[str, dict[int, str]] = {
    Criterion.CORRECTNESS: {
        1: "Wrong, or no answer",
        2: "Partly right, with errors that matter",
        3: "Right, with small slips",
        4: "Right and precise throughout",
    },
    Criterion.DEPTH: {
        1: "Surface only: names the idea, no why",
        2: "Some reasons, no trade-offs",
        3: "Explains why and the main trade-offs",
        4: "Trade-offs, edge cases and practice, unprompted",
    },
    Criterion.COMMUNICATION: {
        1: "Hard to follow",
        2: "Followable with effort; rambles or jumps",
        3: "Clear and ordered",
        4: "Clear, structured, checks understanding",
    },
}


class PeerInviteQuerySet(models.QuerySet):
    def for_user(self, user) -> "PeerInviteQuerySet":
        """The invites to the user's own interviews (the candidate's)."""
        return self.filter(interview__user=user)


class PeerInvite(models.Model):
    """A link that makes whoever accepts it the interviewer of one peer interview."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for someone to join"
        USED = "used", "Used"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    interview = models.ForeignKey("quiz.MockInterview", on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = PeerInviteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite to interview {self.interview_id} ({self.state().label})"

    @classmethod
    def issue(cls, interview, now: datetime | None = None) -> "PeerInvite":
        """A new link for ``interview``; the links issued before it stop working."""
        now = now or timezone.now()
        cls.objects.filter(interview=interview, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        # 32 random bytes: a guess has no chance, and the token is only compared by an exact lookup.
        token = secrets.token_urlsafe(32)
        return cls.objects.create(
            interview=interview, token=token, created_at=now, expires_at=now + INVITE_LIFETIME
        )

    def state(self, now: datetime | None = None) -> "PeerInvite.State":
        if self.accepted_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return self.State.EXPIRED
        return self.State.OPEN

    def revoke(self, now: datetime | None = None) -> bool:
        """Stop the link working, unless someone has already joined with it."""
        now = now or timezone.now()
        revoked = PeerInvite.objects.filter(
            pk=self.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        if revoked:
            self.revoked_at = now
        return bool(revoked)


class PeerAssessment(models.Model):
    """The interviewer's view of one answer: key points ticked, the rubric and their notes.

    Kept as the interviewer works (every change is saved), so leaving or a closed tab loses nothing; the
    grade is copied to the item by ``MockInterview.grade`` when the interviewer moves on."""

    item = models.OneToOneField("quiz.InterviewItem", on_delete=models.CASCADE, related_name="assessment")
    ticks = models.JSONField(default=list, blank=True, help_text="Indices of the key points ticked.")
    correctness = models.PositiveSmallIntegerField(null=True, blank=True)
    depth = models.PositiveSmallIntegerField(null=True, blank=True)
    communication = models.PositiveSmallIntegerField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The grade chosen, not yet given."
    )
    notes = models.TextField(blank=True, max_length=NOTES_MAX)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Assessment of item {self.item_id}"

    def rubric(self) -> list[tuple[str, int | None, str]]:
        """(criterion, level, what the level means) for each criterion, in order."""
        return [
            (label, getattr(self, name), RUBRIC_LEVELS[name].get(getattr(self, name), ""))
            for name, label in Criterion.choices
        ]

    @property
    def is_blank(self) -> bool:
        return not (self.ticks or self.correctness or self.depth or self.communication or self.notes)
