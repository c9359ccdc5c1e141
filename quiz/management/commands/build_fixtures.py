"""Rebuild fixtures/content.json from the markdown banks (every top-level folder of fixtures/markdown/), and
report what needs a reviewer."""

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz import answer_parts, banks, content_report, importer, rendering


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(tmp, path)


class RenderCache:
    """Rendered HTML by the hash of its markdown, kept between builds in ``path``: a rebuild renders only
    what changed (rendering is nearly all of a build's time). The key also hashes the renderer's source and
    the versions of the libraries it uses, so a change to either renders everything again."""

    LIBRARIES = ("markdown", "bleach", "pygments", "latex2mathml")

    def __init__(self, path: Path):
        self.path, self.used, self.rendered = path, {}, 0
        fingerprint = hashlib.sha256()
        for module in sorted(Path(rendering.__file__).parent.glob("*.py")):
            fingerprint.update(f"{module.name}:".encode() + module.read_bytes())
        for name in self.LIBRARIES:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                fingerprint.update(f"{name}={importlib.metadata.version(name)};".encode())
        self.fingerprint = fingerprint.hexdigest()
        try:
            data = path.read_bytes()
            stored = json.loads(data)
        except (OSError, ValueError):
            data, stored = b"", {}
        # The file as it is on disk: the HTML in it is an input of the build like the markdown (LastBuild).
        self.digest = hashlib.sha256(data).hexdigest()
        self.stored = stored.get("html", {}) if stored.get("renderer") == self.fingerprint else {}

    def render(self, text: str) -> str:
        key = hashlib.sha256(text.encode()).hexdigest()
        if (html := self.stored.get(key)) is None:
            html, self.rendered = rendering.render_markdown(text), self.rendered + 1
        self.used[key] = html
        return html

    def save(self) -> None:
        """Keep what this build used (what no longer exists drops out); only when something was new."""
        if self.rendered or len(self.used) != len(self.stored):
            text = json.dumps({"renderer": self.fingerprint, "html": self.used})
            write_atomically(self.path, text)
            self.digest = hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BankReport:
    """What the command prints about one bank: its summary rows and its findings."""

    slug: str
    title: str
    source: str
    licence: str
    rows: list[content_report.FileSummary]
    findings: list[importer.Finding]

    @classmethod
    def of(cls, slug: str, bank: importer.Bank) -> "BankReport":
        rows, findings = content_report.summarize(bank), content_report.content_findings(bank)
        return cls(slug, bank.title, bank.source, bank.licence, rows, findings)

    def to_json(self) -> dict:
        findings = [[f.path, f.line, f.kind, f.message] for f in self.findings]
        return {**vars(self), "rows": [vars(row) for row in self.rows], "findings": findings}

    @classmethod
    def from_json(cls, data: dict) -> "BankReport":
        rows = [content_report.FileSummary(**row) for row in data["rows"]]
        findings = [importer.Finding(*finding) for finding in data["findings"]]
        return cls(**{**data, "rows": rows, "findings": findings})


class LastBuild:
    """The previous build, remembered beside the render cache in ``path``: a digest of what went in, a digest
    of the output it made, and its report. When the markdown and bank.toml (paths and bytes), the build's
    code and libraries, the rendered HTML it used and the output file on disk are all as they were, a rebuild
    would write the same bytes and print the same report, so neither is made again (nothing is parsed)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        self.stored = stored if isinstance(stored, dict) else {}

    @staticmethod
    def inputs(renders: RenderCache, sources: list[tuple[str, dict[str, bytes]]]) -> str:
        """A digest of everything a build reads: each bank's slug and files, the code that turns them into
        the output and the report (quiz/rendering/ and the libraries are in ``renders.fingerprint``), the
        Python and Django that run it, and the rendered HTML the cache holds."""
        digest = hashlib.sha256()

        def feed(*parts: str | bytes) -> None:  # length-prefixed, so no two inputs read alike
            for part in parts:
                data = part.encode() if isinstance(part, str) else part
                digest.update(b"%d:" % len(data) + data)

        feed(renders.fingerprint, renders.digest, sys.version, django.get_version(), settings.BUNDLED_BANK)
        quiz = Path(banks.__file__).parent
        for path in build_code():
            feed(path.relative_to(quiz).as_posix(), path.read_bytes())
        for slug, files in sources:
            feed("bank", slug, str(len(files)))
            for name in sorted(files):
                feed(name, files[name])
        return digest.hexdigest()

    def reports(self, inputs: str, output: Path) -> list[BankReport] | None:
        """The previous build's report if it holds for these inputs and ``output`` is what it wrote."""
        if self.stored.get("inputs") != inputs:
            return None
        try:
            with output.open("rb") as handle:
                written = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None
        if written != self.stored.get("output"):
            return None
        try:
            return [BankReport.from_json(report) for report in self.stored["reports"]]
        except (KeyError, TypeError, ValueError):  # edited by hand: build for real
            return None

    def remember(self, inputs: str, text: str, reports: list[BankReport]) -> None:
        self.stored = {
            "inputs": inputs,
            "output": hashlib.sha256(text.encode()).hexdigest(),
            "reports": [report.to_json() for report in reports],
        }
        write_atomically(self.path, json.dumps(self.stored))


def build_code() -> list[Path]:
    """The source files whose change can change what a build writes or reports (quiz/rendering/ is in
    RenderCache's fingerprint): the importer, the report, the key points, the bank records, this command."""
    modules = [Path(module.__file__) for module in (content_report, answer_parts, banks)]
    return sorted([*Path(importer.__file__).parent.glob("*.py"), *modules, Path(__file__)])


class Command(BaseCommand):
    help = (
        "Build the question-bank fixture (fixtures/content.json) from the banks in fixtures/markdown "
        "(each top-level folder is one) and report their gaps."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--source", type=Path, default=None, help="One bank's folder (default: every bank in BANKS_DIR)."
        )
        parser.add_argument("--output", type=Path, default=settings.BASE_DIR / "fixtures" / "content.json")
        parser.add_argument("--check", action="store_true", help="Fail if the output differs from a rebuild.")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Fail, writing nothing, if any line of the markdown is ignored.",
        )
        parser.add_argument("--verbose", action="store_true", help="List every unanswered question.")
        parser.add_argument(
            "--cache",
            type=Path,
            default=settings.BASE_DIR / ".cache" / "rendered-html.json",
            help=(
                "Rendered HTML kept between builds (delete it to render everything again); beside it, "
                "<name>.last-build.json: what the last build read and wrote, and its report, so a build "
                "with nothing changed reuses them."
            ),
        )

    def handle(
        self,
        *args,
        source: Path | None,
        output: Path,
        check: bool,
        strict: bool,
        verbose: bool,
        cache: Path,
        **options,
    ) -> None:
        folders = (
            [(banks.bank_slug(source.name), source)] if source else banks.folder_banks(settings.BANKS_DIR)
        )
        if source and not source.is_dir():
            raise CommandError(f"{source} is not a directory")
        sources = [(slug, importer.read_sources(folder)) for slug, folder in folders]
        renders, last = RenderCache(cache), LastBuild(cache.with_name(f"{cache.stem}.last-build.json"))
        reports = last.reports(LastBuild.inputs(renders, sources), output)
        reused, text = reports is not None, None
        if not reused:
            text, reports = self.build(sources, renders)
            renders.save()
            last.remember(LastBuild.inputs(renders, sources), text, reports)
        # The report runs before anything is written: whatever it meets, the output stays as it was.
        every_finding = [finding for report in reports for finding in report.findings]
        if strict and (ignored := [f for f in every_finding if f.kind == "ignored"]):
            listed = "\n".join(f"  {f}" for f in ignored)
            raise CommandError(f"--strict: {len(ignored)} parts of the markdown are ignored:\n{listed}")
        if check and not reused:
            current = output.read_text(encoding="utf-8") if output.exists() else None
            if current != text:
                raise CommandError(f"{output} is out of date: run `manage.py build_fixtures` and commit it")
        if check:  # reused means the file on disk is byte for byte what the last build wrote
            self.stdout.write(f"{output} is up to date.")
            return
        if not reused:
            write_atomically(output, text)
        if options["verbosity"] > 0:
            for report in reports:
                if len(reports) > 1:
                    self.stdout.write(f"\n== bank {report.slug}")
                self.report(report, verbose or options["verbosity"] > 1)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{output} is up to date: nothing changed since the last build."
                    if reused
                    else f"Wrote {output}"
                )
            )

    @staticmethod
    def build(
        sources: list[tuple[str, dict[str, bytes]]], renders: RenderCache
    ) -> tuple[str, list[BankReport]]:
        """Parse and render every bank: the output's text and each bank's report."""
        records, reports = [], []
        try:
            for slug, files in sources:
                bank = importer.parse_bank(files)
                records += banks.bank_records(slug, bank, banks.bank_version(files), renderer=renders.render)
                reports.append(BankReport.of(slug, bank))
            return importer.dump_fixture(records), reports
        except importer.ContentError as exc:
            raise CommandError(f"the markdown has problems, nothing was written:\n{exc}") from None

    def report(self, report: BankReport, verbose: bool) -> None:
        rows, findings = report.rows, report.findings
        width = max(len(r.path) for r in rows) if rows else 4
        self.stdout.write(
            f"{'file':<{width}}  questions  answered  unanswered  merged  ignored  coverage  layout"
        )
        for r in [*rows, content_report.total(rows)]:
            self.stdout.write(
                f"{r.path:<{width}}  {r.questions:>9}  {r.answered:>8}  {r.unanswered:>10}  {r.merged:>6}"
                f"  {r.ignored:>7}  {r.coverage:>7.1f}%  {r.layout}"
            )
        if report.title or report.source or report.licence:
            self.stdout.write(f"\n{report.title or 'Bank'}: {report.source} {report.licence}".rstrip())
        unanswered = Counter(f.path for f in findings if f.kind == "unanswered")
        self.stdout.write("\nContent report")
        for path, count in unanswered.items():
            self.stdout.write(f"  {path}: {count} unanswered")
        for finding in findings:
            if finding.kind != "unanswered" or verbose:
                line = f"  {finding}"
                self.stdout.write(self.style.WARNING(line) if finding.kind in WARNINGS else line)
        kinds = Counter(f.kind for f in findings)
        self.stdout.write(
            "  " + (", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing to report")
        )


WARNINGS = frozenset({"ignored", "no-questions"})
