"""Rebuild fixtures/content.json from the markdown question bank, and report what needs a reviewer."""

import os
import tempfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz import content_report, importer


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(tmp, path)


class Command(BaseCommand):
    help = (
        "Build the question-bank fixture (fixtures/content.json) from fixtures/markdown and report its gaps."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", type=Path, default=settings.BASE_DIR / "fixtures" / "markdown")
        parser.add_argument("--output", type=Path, default=settings.BASE_DIR / "fixtures" / "content.json")
        parser.add_argument("--check", action="store_true", help="Fail if the output differs from a rebuild.")
        parser.add_argument("--verbose", action="store_true", help="List every unanswered question.")

    def handle(self, *args, source: Path, output: Path, check: bool, verbose: bool, **options) -> None:
        if not source.is_dir():
            raise CommandError(f"{source} is not a directory")
        try:
            bank = importer.parse_bank(importer.read_sources(source))
        except importer.ContentError as exc:
            raise CommandError(f"the markdown has problems, nothing was written:\n{exc}") from None
        text = importer.dump_fixture(importer.fixture_records(bank))
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else None
            if current != text:
                raise CommandError(f"{output} is out of date: run `manage.py build_fixtures` and commit it")
            self.stdout.write(f"{output} is up to date.")
            return
        write_atomically(output, text)
        if options["verbosity"] > 0:
            self.report(bank, verbose or options["verbosity"] > 1)
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))

    def report(self, bank: importer.Bank, verbose: bool) -> None:
        rows = content_report.summarize(bank)
        width = max(len(r.path) for r in rows) if rows else 4
        self.stdout.write(f"{'file':<{width}}  questions  answered  unanswered  merged")
        total = content_report.FileSummary(
            "total",
            questions=sum(r.questions for r in rows),
            answered=sum(r.answered for r in rows),
            unanswered=sum(r.unanswered for r in rows),
            merged=sum(r.merged for r in rows),
        )
        for r in [*rows, total]:
            self.stdout.write(
                f"{r.path:<{width}}  {r.questions:>9}  {r.answered:>8}  {r.unanswered:>10}  {r.merged:>6}"
            )
        findings = content_report.content_findings(bank)
        unanswered = Counter(f.path for f in findings if f.kind == "unanswered")
        self.stdout.write("\nContent report")
        for path, count in unanswered.items():
            self.stdout.write(f"  {path}: {count} unanswered")
        for finding in findings:
            if finding.kind != "unanswered" or verbose:
                self.stdout.write(f"  {finding}")
        kinds = Counter(f.kind for f in findings)
        self.stdout.write(
            "  " + (", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing to report")
        )
