from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz.content_loader import ContentError, load_file


class Command(BaseCommand):
    help = (
        "Load or update the question bank from a fixture file, by natural key, in one transaction. "
        "Rows missing from the file are retired, never deleted; answers edited in admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            default=settings.BASE_DIR / "fixtures" / "content.json",
            help="Fixture JSON written by build_fixtures (default: fixtures/content.json).",
        )

    def handle(self, *args, file: Path, **options):
        try:
            report = load_file(file)
        except ContentError as error:
            raise CommandError(f"{error}. Nothing was loaded.") from None
        for conflict in report.conflicts:
            self.stderr.write(self.style.WARNING(str(conflict)))
        self.stdout.write(f"Loaded {file}. {report.summary()}")
