"""Banks: each source of questions (the bundled one, or one staff added), and the uploads waiting to go in."""

import base64
import os
import socket
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

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
    # Stored at import so an uploaded bank goes back out as it came in; a bank imported before this says
    # nothing, and its export writes each file in the layout the bundled bank's copy has (else headings).
    file_styles = models.JSONField(
        default=dict,
        blank=True,
        help_text="posix path -> how the file asks its questions (headings, pairs, ...), as imported.",
    )

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


# An import records its worker (host and process id) and when it last reported. A worker on this host that is
# gone (killed, crashed) is noticed at once; one elsewhere when it has said nothing for this long (its steps
# report; the longest, loading 20,000 questions, takes well under this).
SILENT_WORKER_BOUND = timedelta(minutes=15)
# A queued import no worker has picked up after this long: the page stops polling and says so.
UNCLAIMED_BOUND = timedelta(minutes=2)
STOPPED = "The worker stopped during the import (killed, or its machine restarted); nothing was imported."


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(pid: int) -> bool:
    """No such process on this host, or a zombie (killed, not yet reaped by its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, another user's
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux): it exists
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


class BankUploadQuerySet(models.QuerySet):
    def fail_abandoned(self) -> int:
        """Mark failed each running import whose worker is gone, so its page stops waiting and offers a
        retry; the import's transaction died with the worker, so nothing of it was written. Returns how
        many."""
        now, failed = timezone.now(), 0
        for upload in self.filter(status=BankUpload.Status.RUNNING).only("pk", "worker", "heartbeat_at"):
            if upload.worker_is_gone(now):
                # Only if it is still as read: a worker that finished meanwhile keeps its result.
                failed += BankUpload.objects.filter(
                    pk=upload.pk,
                    status=BankUpload.Status.RUNNING,
                    worker=upload.worker,
                    heartbeat_at=upload.heartbeat_at,
                ).update(status=BankUpload.Status.FAILED, progress="The worker stopped", result=STOPPED)
        return failed


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
    worker = models.CharField(max_length=300, blank=True, help_text="host:pid of the worker importing it.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was queued, or its worker last reported a step."
    )
    excluded = models.JSONField(
        default=list, blank=True, help_text="Paths unticked on the dry run: kept, neither read nor imported."
    )

    objects = BankUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.slug} ({self.get_status_display()})"

    @classmethod
    def stash(cls, user, slug: str, sources: dict[str, bytes]) -> "BankUpload":
        encoded = {path: base64.b64encode(data).decode("ascii") for path, data in sources.items()}
        return cls.objects.create(uploaded_by=user, slug=slug, sources=encoded)

    def source_files(self) -> dict[str, bytes]:
        """The files the dry run and the import read: every one uploaded but those unticked."""
        skip = set(self.excluded)
        return {path: base64.b64decode(data) for path, data in self.sources.items() if path not in skip}

    def choose_files(self, paths: list[str]) -> None:
        """Keep only ``paths`` (of those uploaded) in the dry run and the import; the rest stay stashed."""
        self.excluded = sorted(set(self.sources) - set(paths))
        self.save(update_fields=["excluded"])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_unclaimed(self) -> bool:
        """Queued, and no worker has taken it for a while: is a worker running?"""
        return (
            self.status == self.Status.QUEUED
            and self.heartbeat_at is not None
            and timezone.now() - self.heartbeat_at > UNCLAIMED_BOUND
        )

    def worker_is_gone(self, now) -> bool:
        host, _, pid = self.worker.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            return _process_gone(int(pid))
        return self.heartbeat_at is None or now - self.heartbeat_at > SILENT_WORKER_BOUND

    def queue(self, *, retry: bool = False) -> bool:
        """Queue the import: from the dry run, or (``retry``) again after a failure. False when it is not
        in that state (a second click, another tab): only the first queues."""
        previous = self.Status.FAILED if retry else self.Status.CHECKED
        return bool(
            BankUpload.objects.filter(pk=self.pk, status=previous).update(
                status=self.Status.QUEUED,
                progress="",
                result="",
                worker="",
                heartbeat_at=timezone.now(),
            )
        )

    def step(self, status: str, progress: str) -> None:
        """Record how far the import got (and ``result``, the reason it failed or what it did), where the
        upload page (polling) can read it; each step also says which worker is alive and working on it."""
        self.status, self.progress = status, progress
        self.worker, self.heartbeat_at = this_worker(), timezone.now()
        self.save(update_fields=["status", "progress", "result", "worker", "heartbeat_at"])
