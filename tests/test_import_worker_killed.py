"""A bank import survives its worker being killed (issue 22.1): a real `manage.py db_worker` process gets
SIGKILL while it loads a large bank; nothing of the bank is written, the upload page says the worker stopped
and stops polling, and its Retry has a new worker import the whole bank.

Everything runs in subprocesses on a SQLite file of its own (the test's database lives in this process), the
pages through Django's test client inside `manage.py shell`."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from django.conf import settings

QUESTIONS = 1_500  # enough that loading them takes long enough to be caught at it


def big_bank() -> dict[str, str]:
    files = {"bank.toml": 'title = "Big bank"\n'}
    per_file = 500
    for f in range(QUESTIONS // per_file):
        body = [f"# Topic {f}\n"]
        for q in range(per_file):
            body.append(
                f"### Question {f}-{q}: what does `step_{q}` return for input {q}?\n"
                f"It returns **{q * 3}**, the input times three; see [the docs](https://example.com/{f}/{q}).\n"
            )
        files[f"topic_{f:02}.md"] = "\n".join(body)
    return files


def environment(database) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    return {**environ, "SQLITE_PATH": str(database), "DJANGO_DEBUG": "1"}


def manage(database, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def shell(database, code: str) -> dict:
    """Run ``code`` in `manage.py shell`; it prints one JSON object as its last line."""
    prelude = """
        import json
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import setup_test_environment
        from quiz.models import BankUpload, Question
        setup_test_environment()
        User = get_user_model()
        staff = User.objects.filter(username="grace").first() or User.objects.create_superuser("grace")
        client = Client()
        client.force_login(staff)
    """
    result = manage(database, "shell", "-c", textwrap.dedent(prelude) + textwrap.dedent(code))
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_worker(database, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload", *args],
        cwd=settings.BASE_DIR,
        env=environment(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def progress(database) -> tuple[str, str]:
    db = sqlite3.connect(database, timeout=20)
    try:
        return db.execute("SELECT status, progress FROM quiz_bankupload").fetchone()
    finally:
        db.close()


def wait_for(condition, worker: subprocess.Popen, bound: float = 300) -> None:
    """Until ``condition()`` holds, checking often; fails if the worker exits first or the bound passes."""
    deadline = time.monotonic() + bound
    while not condition():
        assert worker.poll() is None, f"the worker exited early: {worker.stderr.read()[-3000:]}"
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


def test_an_import_whose_worker_is_killed_is_shown_stopped_and_a_retry_imports_it(tmp_path):
    database = tmp_path / "db.sqlite3"
    manage(database, "migrate", "--no-input", "--verbosity", "0")
    (tmp_path / "bank.json").write_text(json.dumps(big_bank()))
    queued = shell(
        database,
        f"""
        from quiz.tasks import import_upload
        files = json.load(open({str(tmp_path / "bank.json")!r}))
        upload = BankUpload.stash(staff, "big", {{p: t.encode() for p, t in files.items()}})
        response = client.post(f"/banks/uploads/{{upload.pk}}/import/")
        print(json.dumps({{"pk": upload.pk, "status": response.status_code}}))
        """,
    )
    assert queued["status"] == 302
    detail = f"/banks/uploads/{queued['pk']}/"

    worker = start_worker(database)
    try:
        wait_for(lambda: progress(database)[1].startswith("Loading"), worker)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    assert progress(database) == ("running", f"Loading {QUESTIONS} questions")

    # The page notices the worker is gone: it says so, offers a retry, and stops polling.
    seen = shell(
        database,
        f"""
        page = client.get({detail!r}, headers={{"HX-Request": "true"}}).content.decode()
        upload = BankUpload.objects.get()
        bank_questions = Question.objects.filter(key__startswith="big/").count()
        print(json.dumps({{"page": page, "status": upload.status, "questions": bank_questions}}))
        """,
    )
    assert seen["questions"] == 0  # nothing half-imported
    assert seen["status"] == "failed"
    assert "The worker stopped during the import" in seen["page"]
    assert "Retry the import" in seen["page"] and "hx-trigger" not in seen["page"]

    retried = shell(
        database,
        f"""
        response = client.post("{detail}import/")
        page = client.get({detail!r}, headers={{"HX-Request": "true"}}).content.decode()
        print(json.dumps({{"status": response.status_code, "page": page}}))
        """,
    )
    assert retried["status"] == 302
    assert "Waiting for the worker" in retried["page"] and 'hx-trigger="every 1s"' in retried["page"]

    second = start_worker(database, "--batch")  # runs what is queued, then exits
    try:
        assert second.wait(timeout=600) == 0, second.stderr.read()[-3000:]
    finally:
        second.kill()
    done = shell(
        database,
        f"""
        page = client.get({detail!r}, headers={{"HX-Request": "true"}}).content.decode()
        bank_questions = Question.objects.filter(key__startswith="big/").count()
        print(json.dumps({{"page": page, "questions": bank_questions}}))
        """,
    )
    assert done["questions"] == QUESTIONS
    assert "Imported" in done["page"] and f"{QUESTIONS} created" in done["page"]
    assert "hx-trigger" not in done["page"] and "Retry" not in done["page"]
