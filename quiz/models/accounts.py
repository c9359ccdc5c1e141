from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models


class Preferences(models.Model):
    """How a user wants the app to behave for them: keyboard shortcuts, more time in timed interviews.

    Users who have none yet get the defaults (``for_user``); a row is written the first time they save.
    """

    class ExtraTime(models.TextChoices):
        NONE = "none", "None: the time set for the interview"
        HALF = "1.5", "1.5 × the time"
        DOUBLE = "2", "2 × the time"
        UNTIMED = "untimed", "Untimed: no countdown at all"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="preferences"
    )
    keyboard_shortcuts = models.BooleanField(
        default=True,
        help_text="Single keys (Space, 1–4, S, F) press the question card's buttons. Turn them off if you "
        "use speech input or a screen reader, or press keys by accident.",
    )
    extra_time = models.CharField(
        max_length=8,
        choices=ExtraTime.choices,
        default=ExtraTime.NONE,
        help_text="Applied to every timed interview you start from now on.",
    )
    share_phrases = models.BooleanField(
        default=False,
        help_text="When you untick a point the checker ticked, or tick one it did not, reviewers always see "
        "that it happened. With this on they also see the words you typed, to teach the checker new "
        "phrasings. Off: only the counts.",
    )

    # Daily limits (Anki's habit): at most this many questions new to the schedule, and this many reviews,
    # each day; counted by ``ReviewStateQuerySet.done_today``.
    new_per_day = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(999)],
        help_text="Questions you have never graded that an interview may bring into your review schedule "
        "each day. 0: none, only reviews. Questions you pick yourself (one question, a search) always come.",
    )
    reviews_per_day = models.PositiveSmallIntegerField(
        default=200,
        validators=[MaxValueValidator(9999)],
        help_text="Questions a review session takes each day at most; the rest wait for tomorrow, still due.",
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"

    @classmethod
    def for_user(cls, user) -> "Preferences":
        return cls.objects.filter(user=user).first() or cls(user=user)

    def time_allowed(self, seconds_per_question: int | None, total_seconds: int | None) -> tuple:
        """The time limits of an interview this user starts, given the limits they chose for it
        (WCAG 2.2.1: users who need it get more time, or none). ``MockInterview.start`` asks this."""
        if self.extra_time == self.ExtraTime.UNTIMED:
            return None, None
        factor = {self.ExtraTime.HALF: 1.5, self.ExtraTime.DOUBLE: 2}.get(self.extra_time, 1)
        return tuple(round(s * factor) if s else s for s in (seconds_per_question, total_seconds))
