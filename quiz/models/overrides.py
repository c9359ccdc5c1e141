"""What candidates tell the key-point matcher: each time one unticks a pre-ticked point or ticks one the
matcher did not, at the grade. Reviewers read the rates per key point (quiz/views/overrides.py) to reword a
point or add an alternative phrasing that says it; the phrase typed behind an override is kept only for
candidates who chose to share it (Preferences.share_phrases, off by default)."""

from django.db import models
from django.utils import timezone

from quiz.models.content import Question

# What is kept of a shared answer when the matcher found no phrase in it: enough to read, not a whole essay.
PHRASE_CHARS = 600


class KeyPointOverrideQuerySet(models.QuerySet):
    def highest_rates(self, limit: int = 50) -> list[dict]:
        """Key points by override rate (overrides / times graded with the point shown), highest first, with
        counts for everyone and the shared phrases. A few overrides per key point are read: the view pages."""
        from quiz.models.interview_items import InterviewItem

        rows: dict[tuple[int, str], dict] = {}
        for override in self.select_related("question").order_by("-created_at"):
            row = rows.setdefault(
                (override.question_id, override.key_point),
                {
                    "question": override.question,
                    "key_point": override.key_point,
                    "unticked": 0,
                    "ticked": 0,
                    "phrases": [],
                },
            )
            row["ticked" if override.ticked else "unticked"] += 1
            if override.phrase and len(row["phrases"]) < 5:
                row["phrases"].append(override)
        if not rows:
            return []
        shown: dict[tuple[int, str], int] = {}
        graded = InterviewItem.objects.filter(
            question_id__in={q for q, _ in rows}, grade__isnull=False, ticked_share__isnull=False
        ).values_list("question_id", "key_points_shown")
        for question_id, points in graded.iterator():
            for point in set(points):
                if (question_id, point) in rows:
                    shown[question_id, point] = shown.get((question_id, point), 0) + 1
        for key, row in rows.items():
            row["overrides"] = row["ticked"] + row["unticked"]
            row["shown"] = max(shown.get(key, 0), row["overrides"])
            row["rate"] = row["overrides"] / row["shown"]
        ranked = sorted(rows.values(), key=lambda r: (-r["rate"], -r["overrides"], r["key_point"]))
        return ranked[:limit]


class KeyPointOverride(models.Model):
    class State(models.TextChoices):
        COVERED = "covered", "Pre-ticked"
        UNSURE = "unsure", "Unsure"
        CONTRADICTED = "contradicted", "Read as saying otherwise"
        MISSING = "missing", "Missing"

    item = models.ForeignKey("quiz.InterviewItem", on_delete=models.CASCADE, related_name="overrides")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="key_point_overrides")
    index = models.PositiveSmallIntegerField(help_text="The key point's position in the list shown.")
    key_point = models.TextField(help_text="The key point as it was shown.")
    state = models.CharField(max_length=12, choices=State.choices, help_text="What the matcher made of it.")
    score = models.FloatField()
    ticked = models.BooleanField(help_text="What the candidate said: ticked (covered) or not.")
    phrase = models.TextField(blank=True, help_text="What the candidate typed, only when they share it.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = KeyPointOverrideQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["question", "key_point"], name="override_question_point")]

    def __str__(self) -> str:
        return f"{'ticked' if self.ticked else 'unticked'} {self.key_point[:60]}"

    @classmethod
    def record(cls, item, share_phrases: bool) -> list["KeyPointOverride"]:
        """Store where the candidate's ticks differ from the matcher's pre-ticks (one query when they do)."""
        states = item.matcher_states()
        phrases = item.matched_phrases or [""] * len(states)
        found = [
            cls(
                item=item,
                question_id=item.question_id,
                index=i,
                key_point=point,
                state=state,
                score=item.coverage[i] if i < len(item.coverage) else 0.0,
                ticked=ticked,
                phrase=(phrase or item.answer_text[:PHRASE_CHARS]) if share_phrases else "",
            )
            for i, (point, state, ticked, phrase) in enumerate(
                zip(item.key_points_shown, states, item.ticks, phrases, strict=False)
            )
            if ticked != (state == cls.State.COVERED)
        ]
        if found:
            cls.objects.bulk_create(found)
        return found
