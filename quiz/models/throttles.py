"""The throttles' counts (quiz/throttles.py): a row per thing limited, per address or account, per window."""

from django.db import models


class ThrottleCount(models.Model):
    # "<what>:<digest of who>:<window number>": the digest keeps addresses and mailboxes out of the table.
    slot = models.CharField(max_length=120, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    # The window's end: a row past it counts for nothing and is deleted when a new window starts.
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.slot}: {self.hits}"
