"""Import one bank (a folder, a .zip or .md files) from the shell, as the upload page does."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from quiz import bank_imports, importer


class Command(BaseCommand):
    help = (
        "Import or update one bank from a folder, a .zip archive or .md files, by natural key: history and "
        "schedules stay linked, answers edited in admin are kept. --dry-run shows what would come in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH_OR_ZIP")
        parser.add_argument(
            "--slug", help="The bank's name (default: the folder's, the archive's or the title)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be imported; write nothing."
        )
        parser.add_argument(
            "--all", action="store_true", dest="show_all", help="List every run of ignored lines, not 50."
        )

    def handle(
        self, *args, paths: list[Path], slug: str | None, dry_run: bool, show_all: bool = False, **options
    ) -> None:
        sources, notes, suggested = self.read(paths)
        folder = suggested or paths[0].stem
        slug = bank_imports.bank_slug(slug) if slug else bank_imports.suggested_slug(folder)
        if not slug:
            raise CommandError("give the bank a name with --slug (letters, digits and hyphens)")
        report = bank_imports.dry_run(slug, sources, notes)
        self.show(report, show_all)
        if report.problems:
            raise CommandError("the markdown has problems, nothing was imported")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            loaded = bank_imports.import_bank(slug, sources, reason=f"import_bank {slug}")
        except importer.ContentError as error:
            raise CommandError(f"{error}. Nothing was imported.") from None
        for conflict in loaded.conflicts:
            self.stderr.write(self.style.WARNING(str(conflict)))
        self.stdout.write(self.style.SUCCESS(f"Imported bank {slug}. {loaded.summary()}"))

    def read(self, paths: list[Path]) -> tuple[dict, list[str], str]:
        if len(paths) == 1 and paths[0].is_dir():
            return importer.read_sources(paths[0]), [], paths[0].name
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"no such file or folder: {', '.join(missing)}")
        handles = [path.open("rb") for path in paths]
        try:
            files = [File(handle, name=path.name) for handle, path in zip(handles, paths, strict=True)]
            return bank_imports.read_upload(files)
        except bank_imports.UploadRefused as error:
            raise CommandError(str(error)) from None
        finally:
            for handle in handles:
                handle.close()

    def show(self, report: bank_imports.DryRun, show_all: bool = False) -> None:
        verb = "updates" if report.replaces else "creates"
        self.stdout.write(
            f"Bank {report.slug} ({verb} it): {report.title} {report.source} {report.licence}".rstrip()
        )
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"  {problem}"))
        self.stdout.write(f"{'file':<40}  layout   questions  answered  ignored")
        for row in [*report.files, report.total]:
            self.stdout.write(
                f"{row.path:<40}  {row.layout:<7}  {row.questions:>9}  {row.answered:>8}  {row.ignored:>7}"
            )
        # Lost content first, then what the editors owe the bank.
        if report.ignored:
            self.stdout.write(f"Ignored lines: {report.total.ignored}, by reason:")
            for reason, count in report.ignored_by_reason:
                self.stdout.write(f"  {count:>6}  {reason}")
            for run in report.ignored if show_all else report.ignored_shown:
                self.stdout.write(self.style.WARNING(f"  {run}  ({run.reason})"))
            if report.ignored_more and not show_all:
                self.stdout.write(f"  … {len(report.ignored_more)} more runs: --all lists every one")
        if report.set_aside:
            self.stdout.write(f"Left out on purpose: {len(report.set_aside)}")
            for item in report.set_aside:
                self.stdout.write(f"  {item}")
        if report.garbled:
            self.stdout.write(f"Prompts and answers that would show garbled: {len(report.garbled)}")
            for finding in report.garbled:
                self.stdout.write(self.style.WARNING(f"  {finding}"))
        for note in report.notes:
            self.stdout.write(f"  {note}")
