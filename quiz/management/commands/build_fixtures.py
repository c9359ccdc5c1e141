"""Rebuild fixtures/content.json from the markdown banks (every top-level folder of fixtures/markdown/), and
report what needs a reviewer. The work is in ``quiz.fixture_build``; this command reads the arguments and
prints the report."""

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz import bank_imports, content_report, importer
from quiz.fixture_build import BankReport, LastBuild, RenderCache, build, write_atomically
from quiz.wording import counted


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
            [(bank_imports.bank_slug(source.name), source)]
            if source
            else bank_imports.folder_banks(settings.BANKS_DIR)
        )
        if source and not source.is_dir():
            raise CommandError(f"{source} is not a directory")
        sources = [(slug, importer.read_sources(folder)) for slug, folder in folders]
        renders, last = RenderCache(cache), LastBuild(cache.with_name(f"{cache.stem}.last-build.json"))
        reports = last.reports(LastBuild.inputs(renders, sources), output)
        reused, text = reports is not None, None
        if not reused:
            try:
                text, reports = build(sources, renders)
            except importer.ContentError as exc:
                raise CommandError(f"the markdown has problems, nothing was written:\n{exc}") from None
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

    def report(self, report: BankReport, verbose: bool) -> None:
        rows, findings = report.rows, report.findings
        width = max(len(r.path) for r in rows) if rows else 4
        self.stdout.write(
            f"{'file':<{width}}  questions  answered  unanswered  merged  ignored  coverage  layout"
            "   follow-ups"
        )
        for r in [*rows, content_report.total(rows)]:
            self.stdout.write(
                f"{r.path:<{width}}  {r.questions:>9}  {r.answered:>8}  {r.unanswered:>10}  {r.merged:>6}"
                f"  {r.ignored:>7}  {r.coverage:>7.1f}%  {r.layout:<7}  {r.follow_ups:>10}"
            )
        if follow_ups := content_report.total(rows).follow_ups:
            self.stdout.write(f"{counted(follow_ups, 'follow-up')} among the questions, checked as they are")
        if report.title or report.source or report.licence:
            self.stdout.write(f"\n{report.title or 'Bank'}: {report.source} {report.licence}".rstrip())
        unanswered = Counter(f.path for f in findings if f.kind == "unanswered")
        self.stdout.write("\nContent report")
        for path, count in unanswered.items():
            self.stdout.write(f"  {path}: {count} unanswered")
        # Lost content first (ignored lines, garbled prompts), then what the editors still owe the bank.
        for finding in sorted(findings, key=lambda f: f.kind not in LOST):
            if finding.kind != "unanswered" or verbose:
                line = f"  {finding}"
                self.stdout.write(self.style.WARNING(line) if finding.kind in WARNINGS else line)
        kinds = Counter(f.kind for f in findings)
        self.stdout.write(
            "  " + (", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing to report")
        )


WARNINGS = frozenset({"ignored", "no-questions"})
LOST = WARNINGS | {"literal-markdown", "stripped-math", "dangling-reference", "missing-file", "contents"}
