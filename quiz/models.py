from django.db import models
from django.db.models import Count, Q
from simple_history.models import HistoricalRecords

from quiz.rendering import render_markdown


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"
    UNRATED = "unrated", "Unrated"


class SectionManager(models.Manager):
    def get_by_natural_key(self, key: str) -> "Section":
        return self.get(key=key)


class Section(models.Model):
    """A node of the question bank's tree: a source file at the top, its chapters and topics below."""

    key = models.CharField(max_length=200, unique=True, help_text="Stable natural key, e.g. 'python-qna/pandas'.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0, help_text="Order among the bank's sections.")
    source_path = models.CharField(max_length=300)
    source_line = models.PositiveIntegerField(default=1)
    retired = models.BooleanField(default=False, help_text="Gone from the markdown; kept for history.")

    objects = SectionManager()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    @property
    def depth(self) -> int:
        return self.key.count("/")


class QuestionQuerySet(models.QuerySet):
    def active(self) -> "QuestionQuerySet":
        return self.filter(retired=False)

    def answered(self) -> "QuestionQuerySet":
        return self.exclude(answer_md="")


class QuestionManager(models.Manager.from_queryset(QuestionQuerySet)):
    def get_by_natural_key(self, key: str) -> "Question":
        return self.get(key=key)


class Question(models.Model):
    key = models.CharField(max_length=200, unique=True, help_text="Stable natural key, survives re-ordering.")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveIntegerField(default=0, help_text="Order in the bank (source order).")
    group_title = models.CharField(
        max_length=300, blank=True, help_text="The untagged item a group of questions sits under."
    )
    prompt_md = models.TextField("question")
    prompt_html = models.TextField(editable=False, default="")
    answer_md = models.TextField("reference answer", blank=True)
    answer_html = models.TextField(editable=False, default="")
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices, default=Difficulty.UNRATED)
    source_path = models.CharField(max_length=300)
    source_line = models.PositiveIntegerField(default=1)
    # What the last import delivered, so an admin's edit is told apart from upstream's and never overwritten.
    imported_answer_md = models.TextField(blank=True, editable=False)
    retired = models.BooleanField(default=False, help_text="Gone from the markdown: hidden from new interviews.")

    history = HistoricalRecords(excluded_fields=["prompt_html", "answer_html", "position"])
    objects = QuestionManager()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.prompt_md[:80]

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    def save(self, **kwargs) -> None:
        # Admin edits land here; loaddata skips save(), so the importer writes the *_html fields too.
        self.prompt_html = render_markdown(self.prompt_md)
        self.answer_html = render_markdown(self.answer_md)
        super().save(**kwargs)

    @property
    def has_answer(self) -> bool:
        return bool(self.answer_md.strip())

    @property
    def edited_since_import(self) -> bool:
        return self.answer_md != self.imported_answer_md


def section_question_counts() -> dict[int, int]:
    """Active questions per section id, in one query."""
    rows = Question.objects.active().values("section_id").annotate(n=Count("id"))
    return {row["section_id"]: row["n"] for row in rows}


__all__ = ["Difficulty", "Section", "Question", "Q", "section_question_counts"]
