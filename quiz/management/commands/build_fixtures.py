"""Rebuild fixtures/content.json from the markdown banks (every top-level folder of fixtures/markdown/), and
report what needs a reviewer."""

import contextlib
import hashlib
import importlib.metadata
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz import banks, content_report, importer, rendering


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
        fingerprint = hashlib.sha256(Path(rendering.__file__).read_bytes())
        for name in self.LIBRARIES:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                fingerprint.update(f"{name}={importlib.metadata.version(name)};".encode())
        self.fingerprint = fingerprint.hexdigest()
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
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
            write_atomically(self.path, json.dumps({"renderer": self.fingerprint, "html": self.used}))


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
            help="Rendered HTML kept between builds (delete it to render everything again).",
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
        renders = RenderCache(cache)
        records, built = [], []
        for slug, folder in folders:
            try:
                sources = importer.read_sources(folder)
                bank = importer.parse_bank(sources)
                records += banks.bank_records(
                    slug, bank, banks.bank_version(sources), renderer=renders.render
                )
            except importer.ContentError as exc:
                raise CommandError(f"the markdown has problems, nothing was written:\n{exc}") from None
            built.append((slug, bank))
        try:
            text = importer.dump_fixture(records)
        except importer.ContentError as exc:
            raise CommandError(f"the markdown has problems, nothing was written:\n{exc}") from None
        renders.save()
        # The report runs before anything is written: whatever it meets, the output stays as it was.
        findings = {slug: content_report.content_findings(bank) for slug, bank in built}
        every_finding = [finding for found in findings.values() for finding in found]
        if strict and (ignored := [f for f in every_finding if f.kind == "ignored"]):
            listed = "\n".join(f"  {f}" for f in ignored)
            raise CommandError(f"--strict: {len(ignored)} parts of the markdown are ignored:\n{listed}")
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else None
            if current != text:
                raise CommandError(f"{output} is out of date: run `manage.py build_fixtures` and commit it")
            self.stdout.write(f"{output} is up to date.")
            return
        write_atomically(output, text)
        if options["verbosity"] > 0:
            for slug, bank in built:
                if len(built) > 1:
                    self.stdout.write(f"\n== bank {slug}")
                self.report(bank, findings[slug], verbose or options["verbosity"] > 1)
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))

    def report(self, bank: importer.Bank, findings: list[importer.Finding], verbose: bool) -> None:
        rows = content_report.summarize(bank)
        width = max(len(r.path) for r in rows) if rows else 4
        self.stdout.write(
            f"{'file':<{width}}  questions  answered  unanswered  merged  ignored  coverage  layout"
        )
        for r in [*rows, content_report.total(rows)]:
            self.stdout.write(
                f"{r.path:<{width}}  {r.questions:>9}  {r.answered:>8}  {r.unanswered:>10}  {r.merged:>6}"
                f"  {r.ignored:>7}  {r.coverage:>7.1f}%  {r.layout}"
            )
        if bank.title or bank.source or bank.licence:
            self.stdout.write(f"\n{bank.title or 'Bank'}: {bank.source} {bank.licence}".rstrip())
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
