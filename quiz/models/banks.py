"""Banks: each source of questions (the bundled one, or one staff added), and the uploads waiting to go in."""

import base64

from django.conf import settings
from django.db import models

BUNDLED_TITLE = "MLE Interview Questions"  # until its bank.toml is loaded


class BankQuerySet(models.QuerySet):
    def with_question_counts(self) -> "BankQuerySet":
        """Each bank's active questions, counted in the same query (follow-ups come with their question)."""
        active = models.Q(sections__questions__retired=False, sections__questions__parent=None)
        return self.annotate(question_count=models.Count("sections__questions", filter=active))


class BankManager(models.Manager.from_queryset(BankQuerySet)):
    def get_by_natural_key(self, slug: str) -> "Bank":
        return self.get(slug=slug)


class Bank(models.Model):
    """One source of questions. Every section belongs to one; a bank's sections never move to another."""

    slug = models.SlugField(max_length=40, unique=True, help_text="Stable name; a re-import updates it.")
    title = models.CharField(max_length=200)
    source_url = models.URLField("source URL", max_length=500, blank=True)
    licence = models.CharField(max_length=100, blank=True)
    version = models.CharField(
        max_length=64, blank=True, help_text="bank.toml's version, else a digest of the files imported."
    )
    imported_at = models.DateTimeField(null=True, blank=True, help_text="When this version came in.")

    objects = BankManager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def is_bundled(self) -> bool:
        return self.slug == settings.BUNDLED_BANK


def bundled_bank_id() -> int:
    """A section made without a bank (in admin, in a test, from a content.json older than banks) is the
    bundled bank's, as every section was before banks."""
    bank, _ = Bank.objects.get_or_create(slug=settings.BUNDLED_BANK, defaults={"title": BUNDLED_TITLE})
    return bank.pk


class BankUpload(models.Model):
    """Files staff uploaded, kept (markdown only, already checked) until the import that reads them is done.

    The dry run and the import read ``sources`` from here, so the background worker needs no shared disk.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", "Dry run shown"
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    slug = models.SlugField(max_length=40)
    # Base64, so bytes that are not UTF-8 reach the importer as sent, and it says where (file:line).
    sources = models.JSONField(help_text="posix path -> the file's bytes in base64, as read from the upload.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    progress = models.CharField(max_length=200, blank=True, help_text="The import's last step, as shown.")
    result = models.TextField(blank=True, help_text="The load report, or why the import failed.")
    bank = models.ForeignKey(Bank, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.slug} ({self.get_status_display()})"

    @classmethod
    def stash(cls, user, slug: str, sources: dict[str, bytes]) -> "BankUpload":
        encoded = {path: base64.b64encode(data).decode("ascii") for path, data in sources.items()}
        return cls.objects.create(uploaded_by=user, slug=slug, sources=encoded)

    def source_files(self) -> dict[str, bytes]:
        return {path: base64.b64decode(data) for path, data in self.sources.items()}

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def step(self, status: str, progress: str) -> None:
        """Record how far the import got, where the upload page (polling) can read it."""
        self.status, self.progress = status, progress
        self.save(update_fields=["status", "progress"])
