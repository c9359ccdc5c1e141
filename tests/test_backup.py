"""`manage.py backup DEST`: a consistent copy of the live SQLite database, even while it is being written."""

import os
import sqlite3
import subprocess
import sys
import threading
import time

from django.conf import settings


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def open_like_the_site(path) -> sqlite3.Connection:
    # The site's own SQLite options: WAL, and writers queue at BEGIN IMMEDIATE.
    db = sqlite3.connect(path, timeout=20, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


class Writer(threading.Thread):
    """Commits one row per transaction until stopped; ``committed`` lists the ids whose COMMIT returned."""

    def __init__(self, path, limit: int = 20000, seconds: float = 60):
        super().__init__(daemon=True)
        self.path, self.limit, self.seconds = path, limit, seconds
        self.committed: list[int] = []
        self.busy = threading.Event()  # set once 50 rows are committed: the writer is well under way
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        db = open_like_the_site(self.path)
        deadline = time.monotonic() + self.seconds
        try:
            while not self.stop.is_set() and len(self.committed) < self.limit and time.monotonic() < deadline:
                db.execute("BEGIN IMMEDIATE")
                row_id = db.execute("INSERT INTO note (body) VALUES (?)", ["x" * 200]).lastrowid
                db.execute("COMMIT")
                self.committed.append(row_id)
                if len(self.committed) == 50:
                    self.busy.set()
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            db.close()


def test_backup_copies_a_database_being_written(tmp_path):
    live = tmp_path / "live.sqlite3"
    db = open_like_the_site(live)
    db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    db.executemany("INSERT INTO note (body) VALUES (?)", [["seed" * 50]] * 2000)
    db.close()

    writer = Writer(live)
    writer.start()
    try:
        writer.busy.wait(timeout=10)  # waits on the writer, not on the clock
        committed_before = list(writer.committed)
        result = manage("backup", str(tmp_path / "copy.sqlite3"), SQLITE_PATH=str(live))
        rows_during = len(writer.committed) - len(committed_before)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stderr
    assert "Backed up" in result.stdout
    assert committed_before and rows_during > 0, "the writer must be busy while the backup runs"

    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ids = [row_id for (row_id,) in copy.execute("SELECT id FROM note ORDER BY id")]
    copy.close()
    assert set(range(1, 2001)) <= set(ids), "seed rows are missing"
    assert set(committed_before) <= set(ids), "rows committed before the backup began are missing"
    # One snapshot: every row up to the last one copied, no holes from half-seen transactions.
    assert ids == list(range(1, ids[-1] + 1))


def test_backup_into_a_directory_names_the_file_and_leaves_no_temporary_files(tmp_path):
    live = tmp_path / "live.sqlite3"
    db = open_like_the_site(live)
    db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    db.close()
    out = tmp_path / "backups"
    out.mkdir()

    result = manage("backup", str(out), SQLITE_PATH=str(live))

    assert result.returncode == 0, result.stderr
    (written,) = out.iterdir()
    assert written.name.startswith("live-") and written.suffix == ".sqlite3"


def test_backup_refuses_to_overwrite_without_force(tmp_path):
    live = tmp_path / "live.sqlite3"
    open_like_the_site(live).close()
    dest = tmp_path / "copy.sqlite3"
    dest.write_text("an older backup")

    refused = manage("backup", str(dest), SQLITE_PATH=str(live))
    forced = manage("backup", str(dest), "--force", SQLITE_PATH=str(live))

    assert refused.returncode != 0 and "--force" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    assert dest.read_bytes().startswith(b"SQLite format 3")


def test_backup_of_a_missing_database_creates_nothing(tmp_path):
    result = manage("backup", str(tmp_path / "copy.sqlite3"), SQLITE_PATH=str(tmp_path / "nope.sqlite3"))

    assert result.returncode != 0 and "no SQLite database" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    # Nothing listens on port 1: the command must answer without connecting.
    result = manage("backup", str(tmp_path / "x"), DATABASE_URL="postgres://u:p@127.0.0.1:1/interview")

    assert result.returncode != 0
    assert "pg_dump" in result.stderr
    assert not (tmp_path / "x").exists()
