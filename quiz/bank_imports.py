"""Banks side by side: a bank's fixture records, the folders of ``fixtures/markdown/``, uploads read as
hostile input, the dry run, and the import that ``manage.py import_bank``, the upload page and the worker
share.

Keys: the bundled bank's keys predate banks and stay as they were (history and schedules hang on them);
every other bank's section and question keys start with ``<slug>/``, so two banks with a file titled alike
never meet.
Within a bank, keys come from titles and prompts (``importer.question_key``), never from paths or positions,
so a re-import of a changed bank updates its rows in place.
"""

import contextlib
import hashlib
import io
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from quiz import content_report, importer
from quiz.content_loader import LoadReport, content_from_records, load
from quiz.rendering import check_markdown, render_markdown

# An upload is hostile until read: these bound what one can cost. The largest real bank (the bundled one) is
# 13 files and under 1 MB.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the upload as sent (a zip, or the .md files together)
MAX_ENTRIES = 2_000  # entries in an archive, folders and skipped files included
MAX_FILES = 500  # markdown files read
MAX_FILE_BYTES = 2 * 1024 * 1024  # one file, uncompressed
MAX_TOTAL_BYTES = 20 * 1024 * 1024  # every file read, uncompressed
MAX_PATH = 250  # Section.source_path holds 300
SAMPLES = 5
SHOWN_IGNORED = 50  # runs of ignored lines listed before "show all"
GARBLED = frozenset({"literal-markdown", "stripped-math", "dangling-reference"})
READ = (".md", ".markdown")


class UploadRefused(ValueError):
    """The upload cannot be read; the message says why, in words for the person who sent it."""


MAX_SLUG = 40
GITHUB_SUFFIX_RE = re.compile(r"[-_](?:main|master)$", re.IGNORECASE)


def bank_slug(name: str) -> str:
    """``name`` as a bank's slug, at most 40 characters, cut between words, never inside one."""
    slug = slugify(name)
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1].rsplit("-", 1)[0]
        slug = cut if cut and len(cut) < len(slug[: MAX_SLUG + 1]) else slug[:MAX_SLUG]
    return slug.strip("-")


def suggested_slug(folder: str) -> str:
    """A bank's slug from its folder's name, less the "-main" or "-master" GitHub's archives add."""
    return bank_slug(GITHUB_SUFFIX_RE.sub("", folder))


def bank_version(sources: dict[str, bytes | str]) -> str:
    """A digest of the files: it changes exactly when the bank's content does."""
    digest = hashlib.sha256()
    for path in sorted(sources):
        data = sources[path]
        digest.update(path.encode() + b"\0" + (data.encode() if isinstance(data, str) else data) + b"\0")
    return digest.hexdigest()[:12]


def only_root_title(parsed: importer.ParsedBank) -> str:
    """Without a bank.toml title, a one-file bank is called what its file's heading calls it, not its slug."""
    return parsed.files[0].sections[0].title if len(parsed.files) == 1 and parsed.files[0].sections else ""


def bank_records(slug: str, parsed: importer.ParsedBank, version: str, renderer=None) -> list[dict]:
    """The bank's own record, then its sections (each naming the bank) and questions, keys prefixed.
    ``renderer``: what turns markdown into HTML (the build's cache), else ``render_markdown``."""
    prefix = "" if slug == settings.BUNDLED_BANK else f"{slug}/"

    def keyed(key: list | None) -> list | None:
        return None if key is None else [prefix + key[0]]

    records = importer.fixture_records(parsed, **({"renderer": renderer} if renderer else {}))
    for record in records:
        fields = record["fields"]
        fields["key"] = prefix + fields["key"]
        if record["model"] == "quiz.section":
            fields["parent"] = keyed(fields["parent"])
            fields["bank"] = [slug]
        else:
            fields["section"] = keyed(fields["section"])
            if "parent" in fields:
                fields["parent"] = keyed(fields["parent"])
    bank = {
        "slug": slug,
        "file_styles": {source.path: source.style for source in parsed.files},
        "title": (parsed.title or only_root_title(parsed) or slug)[:200],
        "source_url": parsed.source[:500],
        "licence": parsed.licence[:100],
        "version": version,
    }
    return [{"model": "quiz.bank", "fields": bank}, *records]


def folder_banks(root: Path) -> list[tuple[str, Path]]:
    """Every top-level folder of ``root`` is a bank: (slug, folder), by slug."""
    return sorted((bank_slug(p.name), p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


# -- uploads --


def read_upload(files) -> tuple[dict[str, bytes], list[str], str]:
    """The markdown and ``bank.toml`` in uploaded ``.zip`` or ``.md`` files: (sources, notes, suggested slug).

    Raises ``UploadRefused`` for anything that is no bank: too large, too many files, a path leaving the bank
    (``../``, absolute), a symlink, an encrypted or broken archive. Other files are skipped with a note.
    """
    if not files:
        raise UploadRefused("Choose a .zip archive or one or more .md files.")
    if sum(f.size for f in files) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"The upload is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
    sources: dict[str, bytes] = {}
    notes: list[str] = []
    zips = [f for f in files if f.name.lower().endswith(".zip")]
    if zips and len(files) > 1:
        raise UploadRefused("Upload one .zip archive on its own, or .md files without an archive.")
    if zips:
        sources, notes, folder = _read_zip(zips[0])
        suggested = folder or posixpath.splitext(zips[0].name)[0]
    else:
        for upload in files:
            path = _checked_path(upload.name)
            if not path.lower().endswith((*READ, ".toml")) or (
                path.endswith(".toml") and path != "bank.toml"
            ):
                notes.append(f"{path}: not read (only markdown files and bank.toml are)")
                continue
            if upload.size > MAX_FILE_BYTES:
                raise UploadRefused(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            sources[path] = upload.read()
        suggested = ""
    if len(sources) > MAX_FILES:
        raise UploadRefused(f"The upload has more than {MAX_FILES} markdown files.")
    if not any(path.lower().endswith(READ) for path in sources):
        raise UploadRefused("The upload holds no markdown (.md) file.")
    if not suggested and "bank.toml" in sources:
        with contextlib.suppress(importer.ContentError):
            suggested = importer.read_manifest(sources["bank.toml"].decode("utf-8", "replace")).title
    return sources, notes, suggested_slug(suggested)


def _checked_path(name: str) -> str:
    """``name`` as a path inside the bank, or ``UploadRefused``: no absolute path, no ``..``, no drive."""
    shown = name[:100]
    if "\0" in name or "\\" in name:
        raise UploadRefused(f"{shown!r}: a file name with a backslash or a NUL byte is refused.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UploadRefused(f"{shown!r}: an absolute path is refused; paths stay inside the bank.")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UploadRefused(f"{shown!r}: '..' in a path is refused; paths stay inside the bank.")
    path = "/".join(parts)
    if not path or len(path) > MAX_PATH:
        raise UploadRefused(f"{shown!r}: a path must have 1 to {MAX_PATH} characters.")
    return path


def _read_zip(upload) -> tuple[dict[str, bytes], list[str], str]:
    try:
        archive = zipfile.ZipFile(upload)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused(f"{upload.name[:100]!r} is not a readable .zip archive.") from None
    if len(entries) > MAX_ENTRIES:
        raise UploadRefused(f"The archive has more than {MAX_ENTRIES} entries.")
    wanted: list[tuple[str, zipfile.ZipInfo]] = []
    notes: list[str] = []
    for entry in entries:
        path = _checked_path(entry.filename)
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise UploadRefused(f"{path}: a symbolic link is refused; the archive must hold plain files.")
        if entry.flag_bits & 0x1:
            raise UploadRefused(f"{path}: encrypted archives are refused.")
        if entry.is_dir():
            continue
        if path.lower().endswith(READ) or posixpath.basename(path) == "bank.toml":
            wanted.append((path, entry))
        else:
            notes.append(f"{path}: not read (only markdown files and bank.toml are)")
    if len(wanted) > MAX_FILES:
        raise UploadRefused(f"The archive has more than {MAX_FILES} markdown files.")
    # One folder holding everything (how zip tools pack a folder) is the bank's root, and names it.
    tops = {path.split("/", 1)[0] for path, _ in wanted}
    folder = tops.pop() if len(tops) == 1 and all("/" in path for path, _ in wanted) else ""
    sources: dict[str, bytes] = {}
    total = 0
    for path, entry in wanted:
        inside = path[len(folder) + 1 :] if folder else path
        if inside.endswith(".toml") and inside != "bank.toml":
            notes.append(f"{path}: not read (bank.toml is read at the bank's root only)")
            continue
        try:
            with archive.open(entry) as handle:  # the declared size may lie: read one byte past the limit
                data = handle.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error):  # bad CRC, truncated
            raise UploadRefused(f"{upload.name[:100]!r} is not a readable .zip archive.") from None
        if len(data) > MAX_FILE_BYTES:
            raise UploadRefused(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB uncompressed.")
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise UploadRefused(f"The archive holds more than {MAX_TOTAL_BYTES // 2**20} MB uncompressed.")
        sources[inside] = data
    return sources, notes, folder


# -- the dry run and the import --


@dataclass
class Sample:
    path: str
    prompt_html: str
    answer_html: str
    line: int = 0
    why: str = ""  # a suspicious one: what the dry run found in it


@dataclass
class DryRun:
    """What an import would bring in, computed without writing anything."""

    slug: str
    title: str
    source: str
    licence: str
    files: list[content_report.FileSummary] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    suspicious: list[Sample] = field(default_factory=list)  # questions the garbled findings name, rendered
    problems: list[importer.Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Lost content first: every run of ignored lines (file:line, reason), then answers and prompts that will
    # show markdown as text or lost their maths.
    ignored: list[content_report.IgnoredRun] = field(default_factory=list)
    garbled: list[importer.Finding] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)  # tables of contents, boilerplate: left out on purpose
    skipped: list[str] = field(default_factory=list)  # repository files and files bank.toml skips
    importing: int = 0  # the questions the import writes, as it will count them
    replaces: bool = False  # a bank with this slug exists: the import updates it
    added: int = 0  # questions the import adds, changes (prompt or answer) and retires in that bank
    changed: int = 0
    retired: int = 0

    @property
    def total(self) -> content_report.FileSummary:
        return content_report.total(self.files)

    @property
    def ignored_shown(self) -> list[content_report.IgnoredRun]:
        return self.ignored[:SHOWN_IGNORED]

    @property
    def ignored_more(self) -> list[content_report.IgnoredRun]:
        return self.ignored[SHOWN_IGNORED:]

    @property
    def ignored_by_reason(self) -> list[tuple[str, int]]:
        """Each reason with the number of ignored lines it accounts for, most first."""
        counts: dict[str, int] = {}
        for run in self.ignored:
            counts[run.reason] = counts.get(run.reason, 0) + run.count
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def can_import(self) -> bool:
        return not self.problems and self.total.questions > 0

    @property
    def needs_confirmation(self) -> bool:
        """Questions people have practised will change or go: the import asks first."""
        return bool(self.changed or self.retired)


def dry_run(slug: str, sources: dict[str, bytes | str], notes: list[str] = ()) -> DryRun:
    from quiz.models import Bank  # the models import nothing from here; this keeps it that way

    report = DryRun(slug, slug, "", "", notes=list(notes), replaces=Bank.objects.filter(slug=slug).exists())
    try:
        parsed = importer.parse_bank(sources)
    except importer.ContentError as error:
        report.problems = error.problems
        return report
    report.title, report.source, report.licence = parsed.title or slug, parsed.source, parsed.licence
    report.files = content_report.summarize(parsed)
    report.ignored = content_report.ignored_runs(parsed)
    report.garbled = content_report.garbled_content(parsed)
    report.set_aside = content_report.set_aside(parsed)
    report.notes += [str(note) for note in parsed.notes]
    report.skipped = parsed.skipped
    try:  # every question as the import will render it (file:line for each refused), without rendering
        records = importer.fixture_records(parsed, renderer=_checked)
    except importer.ContentError as error:
        report.problems = error.problems
        return report
    report.importing = sum(1 for record in records if record["model"] == "quiz.question")
    if report.replaces:
        _count_changes(report, records)
    answered = [q for source in parsed.files for q in source.questions if q.answer_md.strip()]
    if without := sum(1 for q in answered if not q.key_points):
        report.notes.append(
            f'{without} of {len(answered)} answers have no key points (a closing "Key points:" list), so '
            "candidates get no checklist to tick and no suggested grade for them."
        )
    by_place = {(q.source_path, q.source_line): q for source in parsed.files for q in source.questions}
    for finding in report.garbled:
        question = by_place.get((finding.path, finding.line))
        if question is not None and len(report.suspicious) < SAMPLES:
            prompt, answer = render_markdown(question.prompt_md), render_markdown(question.answer_md)
            report.suspicious.append(Sample(finding.path, prompt, answer, finding.line, finding.message))
    for source in parsed.files:
        for question in source.questions[: SAMPLES - len(report.samples)]:
            report.samples.append(
                Sample(
                    question.source_path,
                    render_markdown(question.prompt_md),
                    render_markdown(question.answer_md),
                )
            )
    return report


def _count_changes(report: DryRun, records: list[dict]) -> None:
    """How many of the existing bank's questions the import adds, changes and retires."""
    from quiz.models import Question

    prefix = "" if report.slug == settings.BUNDLED_BANK else f"{report.slug}/"
    incoming = {
        prefix + r["fields"]["key"]: (r["fields"]["prompt_md"], r["fields"]["answer_md"])
        for r in records
        if r["model"] == "quiz.question"
    }
    existing = {
        key: (prompt, answer)
        for key, prompt, answer in Question.objects.filter(
            section__bank__slug=report.slug, retired=False
        ).values_list("key", "prompt_md", "answer_md")
    }
    report.added = len(incoming.keys() - existing.keys())
    report.retired = len(existing.keys() - incoming.keys())
    report.changed = sum(1 for key in incoming.keys() & existing.keys() if incoming[key] != existing[key])


def _checked(text: str) -> str:
    check_markdown(text)
    return ""


def credit_import(records: list[dict], by: str) -> list[dict]:
    """Answers the markdown does not credit are the importer's, today: the page then says who brought them in
    and when, not that they are the bundled bank's machine-written ones."""
    today = timezone.localdate().isoformat()
    for record in records:
        fields = record["fields"]
        if (
            record["model"] == "quiz.question"
            and fields["provenance"] == "upstream"
            and not fields["provenance_by"]
        ):
            fields["provenance_by"], fields["provenance_on"] = by[:150], today
    return records


def import_bank(
    slug: str, sources: dict[str, bytes | str], *, reason: str, by: str = "an administrator"
) -> LoadReport:
    """Parse ``sources`` as bank ``slug`` and load it by natural key (admin edits kept, as load_content
    does)."""
    parsed = importer.parse_bank(sources)
    records = credit_import(bank_records(slug, parsed, bank_version(sources)), by)
    return load(content_from_records(records, where=slug), change_reason=reason[:100])


def run_import(upload) -> str:
    """Import a ``BankUpload``, recording each step on it (the upload page polls it); returns the summary.

    Bad content marks the upload failed with every problem (file:line) and writes no row of the bank.
    """
    sources = upload.source_files()
    questions_hint = f"{len(sources)} file{'s' if len(sources) != 1 else ''}"
    upload.step(upload.Status.RUNNING, f"Reading {questions_hint}")
    try:
        parsed = importer.parse_bank(sources)
        records = credit_import(
            bank_records(upload.slug, parsed, bank_version(sources)), upload.uploaded_by.get_username()
        )
        count = sum(1 for record in records if record["model"] == "quiz.question")
        upload.step(upload.Status.RUNNING, f"Loading {count} questions")
        # The rows and "done" in one transaction: a worker killed before its end leaves neither, and the
        # upload is then found abandoned (BankUploadQuerySet.fail_abandoned), never half-imported.
        with transaction.atomic():
            report = load(
                content_from_records(records, where=upload.slug), change_reason=f"upload {upload.slug}"
            )
            upload.bank = type(upload).bank.field.related_model.objects.get(slug=upload.slug)
            upload.result = report.summary() + "".join(f"\n{conflict}" for conflict in report.conflicts)
            upload.save(update_fields=["bank", "result"])
            upload.step(upload.Status.DONE, "Imported")
    except importer.ContentError as error:
        upload.result = f"Nothing was imported:\n{error}"
        problems = len(error.problems) or 1
        upload.step(upload.Status.FAILED, f"{problems} problem{'s' if problems != 1 else ''} in the content")
        return upload.result
    except Exception as error:
        upload.result = (
            f"Nothing was imported: the import stopped on an error ({type(error).__name__}: {error})."
        )
        upload.step(upload.Status.FAILED, "Stopped on an error the server logged")
        raise
    return upload.result


def zip_bytes(sources: dict[str, bytes | str]) -> bytes:
    """``sources`` as a zip archive (tests and the shell command's folder path use it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sources.items():
            archive.writestr(path, data)
    return buffer.getvalue()
