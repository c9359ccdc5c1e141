"""Copy the live SQLite database to a file, consistently, while the site keeps serving and writing."""

import os
import sqlite3
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone


def backup_sqlite(source: str, dest: Path) -> int:
    """Copy ``source`` to ``dest`` with SQLite's online backup API; return the copy's size in bytes.

    The copy is taken in one step, inside one read transaction: with WAL the server's writers carry on
    meanwhile, and the copy holds exactly what was committed when it started. It is written next to
    ``dest`` and moved into place only once ``PRAGMA integrity_check`` passes on it.
    """
    # mode=rw: a mistyped path fails instead of quietly creating an empty database to back up.
    src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=rw", uri=True, timeout=20)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # One self-contained file: no -wal beside it to forget when the copy is moved elsewhere.
            dst.execute("PRAGMA journal_mode=DELETE")
            (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
        if verdict != "ok":
            raise CommandError(f"the copy failed its integrity check ({verdict}); nothing was written")
        os.replace(tmp, dest)
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
    return dest.stat().st_size


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to DEST (a file, or a directory for a timestamped file) while the site "
        "runs. For PostgreSQL use pg_dump."
    )
    # A backup must work even when something else in the project fails its checks.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("dest", type=Path, help="File to write, or an existing directory.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")
        parser.add_argument("--force", action="store_true", help="Replace DEST if it exists.")

    def handle(self, *args, dest: Path, database: str, force: bool, **options) -> None:
        connection = connections[database]
        if connection.vendor == "postgresql":
            raise CommandError(
                "this database is PostgreSQL: back it up with pg_dump, e.g. "
                '`pg_dump --format=custom --file=interview.dump "$DATABASE_URL"` '
                "(restore with pg_restore). `manage.py backup` copies SQLite databases only."
            )
        if connection.vendor != "sqlite":
            raise CommandError(f"backup copies SQLite databases only, not {connection.vendor}")
        source = str(connection.settings_dict["NAME"])
        if not Path(source).is_file():
            raise CommandError(f"no SQLite database at {source}")
        if dest.is_dir():
            dest = dest / f"{Path(source).stem}-{timezone.now():%Y%m%d-%H%M%S}.sqlite3"
        if dest.exists() and not force:
            raise CommandError(f"{dest} exists: pass --force to replace it")
        if not dest.parent.is_dir():
            raise CommandError(f"{dest.parent} is not a directory")
        if dest.resolve() == Path(source).resolve():
            raise CommandError("DEST is the live database itself")
        size = backup_sqlite(source, dest)
        self.stdout.write(self.style.SUCCESS(f"Backed up {source} to {dest} ({size:,} bytes)."))
