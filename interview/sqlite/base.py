"""SQLite with writers queued on a lock file instead of on SQLite's busy handler.

SQLite lets one writer in at a time. A second ``BEGIN IMMEDIATE`` waits in the busy handler, which polls by
sleeping for growing intervals: under load most grades waited, some for a second, while the lock was free
most of that time (docs/bench-results.md). Here every write transaction first takes an exclusive
``flock`` on ``<database>.writelock``: the kernel wakes the next writer the moment the last one commits, in
every thread and every gunicorn worker. The kernel also drops the lock of a process that dies (a killed
worker never leaves it held). ``BEGIN IMMEDIATE`` still runs after it, so a writer that bypasses the lock
(``manage.py`` in another shell, the sqlite3 shell) is still serialised by SQLite itself.

An in-memory database (the test suite's) has one connection per process: nothing to queue.
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_pid: int | None = None
    _holds_lock = False

    def _take_write_lock(self) -> None:
        if self.transaction_mode != "IMMEDIATE" or self.is_in_memory_db():
            return
        # A descriptor inherited through fork() would share one lock between processes: open one per process.
        if self._lock_fd is None or self._lock_pid != os.getpid():
            self._lock_fd = os.open(f"{self.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._holds_lock = True

    def _release_write_lock(self) -> None:
        if self._holds_lock:
            self._holds_lock = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._lock_fd is not None and self._lock_pid == os.getpid():
                os.close(self._lock_fd)
                self._lock_fd = None
