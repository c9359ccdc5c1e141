#!/usr/bin/env python
"""Load and reliability test: many people run mock interviews at once against a real gunicorn.

A fresh database (SQLite in a temp dir, or ``--database-url`` for a PostgreSQL server on 127.0.0.1, where
a separate database ``interview_load`` is created), migrated and loaded with the question bank; gunicorn
with interview/gunicorn.conf.py on a free loopback port. Each simulated user signs in through the real
login form, quick-starts an interview and answers it the way htmx does (GET step, POST reveal, POST grade
with HX-Request and X-CSRFToken) until the server sends HX-Redirect to the results.

Every grade the server acknowledged (200 or 302) is checked in the database afterwards. With ``--kill``
the gunicorn master alone gets SIGKILL mid-run (a crash or the OOM killer: its workers are orphaned) and a
new server is started on the same port at once; it must answer within RESTART_LIMIT seconds, so the old
workers must not hold the port. Clients wait and carry on from the current step. A grade whose response
never came back may or may not have landed; an acknowledged one must never be lost. Exits 1 if any check
fails.

    .venv/bin/python tests/bench/load_interviews.py [--kill] [--database-url postgres://...]
"""

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import common
from common import Client, ConnectionFailed, Server

REVEAL_RE = re.compile(r'hx-post="(/interviews/\d+/items/(\d+)/reveal/)"')
GRADE_RE = re.compile(r'hx-post="(/interviews/\d+/items/(\d+)/grade/)"')
STARTED_RE = re.compile(r"^/interviews/(\d+)/$")
PG_DATABASE = "interview_load"
USER_PREFIX = "load"

VERIFY = """
import json, os
from django.db import connection
from quiz.models import InterviewItem, MockInterview
acks = json.load(open(os.environ["BENCH_ACKS"]))
found = {}
ids = [a[1] for a in acks]
for i in range(0, len(ids), 500):
    rows = InterviewItem.objects.filter(pk__in=ids[i : i + 500])
    for pk, grade, user in rows.values_list("pk", "grade", "interview__user__username"):
        found[pk] = [grade, user]
lost = [a for a in acks if found.get(a[1]) != [a[2], a[0]]]
mine = InterviewItem.objects.filter(interview__user__username__startswith=os.environ["BENCH_PREFIX"])
integrity = None
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        integrity = cursor.fetchone()[0]
print(json.dumps({
    "lost": lost,
    "graded_in_db": mine.filter(grade__isnull=False).count(),
    "interviews": MockInterview.objects.count(),
    "finished": MockInterview.objects.finished().count(),
    "integrity": integrity,
    "vendor": connection.vendor,
}))
"""


class Stop(Exception):
    """The run's request or time budget is spent."""


class GaveUp(Exception):
    """A user met an HTTP error or could not reach the server; recorded, the user stops."""


class Run:
    def __init__(self, port: int, max_requests: int, seconds: float):
        self.port = port
        self.max_requests = max_requests
        self.deadline = time.monotonic() + seconds
        self.began = time.monotonic()
        self.lock = threading.Lock()
        self.requests = 0
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.http_errors: list[tuple[str, int, str, str]] = []
        self.connection_errors: list[tuple[float, str, bool]] = []  # (when, what, timed out)
        self.acks: list[tuple[str, int, int]] = []
        self.unacknowledged: list[tuple[str, int, int]] = []
        self.interviews_done = 0
        self.gave_up: list[str] = []
        self.capped = False
        self.outages: list[tuple[float, float]] = []  # (killed at, answering again at), run-relative

    def now(self) -> float:
        return time.monotonic() - self.began

    def call(self, client: Client, kind: str, method: str, path: str, form=None, htmx=False):
        with self.lock:
            if self.requests >= self.max_requests or time.monotonic() > self.deadline:
                self.capped = True
                raise Stop
            self.requests += 1
        try:
            response = client.request(method, path, form, htmx=htmx)
        except ConnectionFailed as error:
            with self.lock:
                self.connection_errors.append((self.now(), f"{kind}: {error}", error.timed_out))
            raise
        with self.lock:
            self.latencies[kind].append(response.seconds)
            if response.status >= 400:
                self.http_errors.append((kind, response.status, path, response.text[:200]))
        if response.status >= 400:
            raise GaveUp(f"{kind} {path}: HTTP {response.status}")
        return response

    def wait_for_server(self, rng: random.Random, limit: float = 60) -> None:
        """Poll /healthz on a connection of its own, as a retrying browser would, until it answers."""
        end = min(time.monotonic() + limit, self.deadline)
        while time.monotonic() < end:
            try:
                if Client(self.port, timeout=2).request("GET", "/healthz").status == 200:
                    return
            except ConnectionFailed:
                pass
            time.sleep(0.2 + rng.random() * 0.3)
        raise GaveUp("the server did not come back")


def retrying(run: Run, rng: random.Random, step, attempts: int = 5):
    for _ in range(attempts):
        try:
            return step()
        except ConnectionFailed:
            run.wait_for_server(rng)
    raise GaveUp("too many connection failures")


def log_in(run: Run, client: Client, username: str, password: str) -> None:
    page = run.call(client, "login page", "GET", "/accounts/login/")
    token = common.CSRF_INPUT_RE.search(page.text).group(1)
    form = {"csrfmiddlewaretoken": token, "username": username, "password": password}
    answer = run.call(client, "login", "POST", "/accounts/login/", form)
    if answer.status != 302 or "sessionid" not in client.cookies:
        raise GaveUp(f"login of {username} answered {answer.status}")


def start_interview(run: Run, client: Client) -> int:
    answer = run.call(client, "start", "POST", "/interviews/new/", {"quick": "1"})
    match = STARTED_RE.match(answer.header("location") or "")
    if answer.status != 302 or not match:
        raise GaveUp(f"quick start answered {answer.status} {answer.header('location')}")
    return int(match.group(1))


def answer_interview(run: Run, client: Client, username: str, pk: int, rng: random.Random) -> None:
    """GET step, reveal, grade, again, until the grade response redirects (htmx) to the results."""
    step_url = f"/interviews/{pk}/"
    for _ in range(60):  # 10 questions; the rest is room for retries after a restart
        grade_sent = None
        try:
            step = run.call(client, "GET step", "GET", step_url)
            if step.status == 302 and "/results/" in (step.header("location") or ""):
                break
            card = step.text
            if reveal := REVEAL_RE.search(card):
                card = run.call(
                    client, "POST reveal", "POST", reveal.group(1), {"answer_text": "thinking"}, htmx=True
                ).text
            grade_url = GRADE_RE.search(card)
            if not grade_url:
                raise GaveUp(f"no grade button on interview {pk}")
            item, grade = int(grade_url.group(2)), rng.randint(1, 4)
            grade_sent = (username, item, grade)
            form = {"grade": grade, "answer_text": "x"}
            graded = run.call(client, "POST grade", "POST", grade_url.group(1), form, htmx=True)
            with run.lock:
                run.acks.append(grade_sent)
            if graded.header("hx-redirect"):
                break
        except ConnectionFailed:
            # Carry on from whatever the server says the current step is: never post a grade twice.
            if grade_sent:
                with run.lock:
                    run.unacknowledged.append(grade_sent)
            run.wait_for_server(rng)
    else:
        raise GaveUp(f"interview {pk} did not finish")
    retrying(run, rng, lambda: run.call(client, "GET results", "GET", f"/interviews/{pk}/results/"))
    with run.lock:
        run.interviews_done += 1


def simulate(run: Run, username: str, password: str, interviews: int, seed: int, arrive: float) -> None:
    rng = random.Random(seed)
    client = Client(run.port)
    try:
        # People arrive over the ramp: 50 sign-ins in the same second would only measure the password hasher.
        time.sleep(arrive + rng.random())
        retrying(run, rng, lambda: log_in(run, client, username, password))
        for _ in range(interviews):
            pk = retrying(run, rng, lambda: start_interview(run, client))
            answer_interview(run, client, username, pk, rng)
    except Stop:
        pass
    except GaveUp as error:
        with run.lock:
            run.gave_up.append(f"{username}: {error}")
    finally:
        client.close()


RESTART_LIMIT = 5.0  # seconds from starting the new server to its first answer


def killer(run: Run, server: Server, expected_grades: int, events: list[str], restarts: list[dict]) -> None:
    """SIGKILL the master alone once a third of the grades are in, then start gunicorn again at once."""
    while len(run.acks) < expected_grades // 3 and time.monotonic() < run.deadline:
        time.sleep(0.05)
    if time.monotonic() >= run.deadline:
        return
    killed_at = run.now()
    workers = server.kill_master()
    events.append(f"{killed_at:.1f} s: SIGKILL to the gunicorn master only ({len(workers)} workers orphaned)")
    try:
        boot = server.start(wait=RESTART_LIMIT)
    except RuntimeError as error:
        boot = None
        events.append(f"{run.now():.1f} s: restart failed: {error}")
        server.start()
    run.outages.append((killed_at, run.now()))
    orphans_left = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    restarts.append({"seconds_to_answer": boot, "orphaned_workers_left_at_restart": len(orphans_left)})
    shown = f"{boot:.1f} s" if boot is not None else f"over {RESTART_LIMIT:.0f} s"
    events.append(f"{run.now():.1f} s: answering again ({shown} after the restart)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--interviews", type=int, default=1, help="Interviews per user (10 questions each).")
    parser.add_argument("--ramp", type=float, default=20, help="Seconds over which the users arrive.")
    parser.add_argument("--database-url", help="PostgreSQL server (127.0.0.1) to create a test database on.")
    parser.add_argument("--kill", action="store_true", help="SIGKILL gunicorn mid-run and restart it.")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's 2 x cores + 1).")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=120, help="Time cap for the simulated users.")
    parser.add_argument("--markdown", type=Path, help="Also write the summary as markdown to this file.")
    parser.add_argument("--keep", action="store_true", help="Keep the temp dir and the PostgreSQL database.")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="interview-load-"))
    database = "SQLite (WAL, temp file)"
    if args.database_url:
        url = common.fresh_postgres_database(args.database_url, PG_DATABASE)
        env = common.production_env(database_url=url)
        database = f"PostgreSQL (database {PG_DATABASE})"
    else:
        env = common.production_env(sqlite_path=tmp / "load.sqlite3")
    print(f"Preparing {database} in {tmp} ...", flush=True)
    common.prepare_database(env)
    usernames = [f"{USER_PREFIX}{i:03d}" for i in range(args.users)]
    password = common.secrets.token_urlsafe(16)
    common.create_users(env, usernames, password)

    port = common.free_port()
    server = Server(env, port, tmp / "gunicorn.log", workers=args.workers)
    server.start()
    run = Run(port, args.max_requests, args.seconds)
    events: list[str] = []
    threads = [
        threading.Thread(
            target=simulate,
            args=(run, name, password, args.interviews, i, i * args.ramp / args.users),
            daemon=True,
        )
        for i, name in enumerate(usernames)
    ]
    restarts: list[dict] = []
    if args.kill:
        expected = args.users * args.interviews * 10
        threads.append(
            threading.Thread(target=killer, args=(run, server, expected, events, restarts), daemon=True)
        )
    mode = " with --kill" if args.kill else ""
    print(f"{args.users} users x {args.interviews} interviews on 127.0.0.1:{port}{mode}", flush=True)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, run.deadline - time.monotonic() + 60))
    elapsed = run.now()
    server.stop()

    acks_file = tmp / "acks.json"
    acks_file.write_text(json.dumps(run.acks))
    verify_env = {**env, "BENCH_ACKS": str(acks_file), "BENCH_PREFIX": USER_PREFIX}
    out = common.manage("shell", "--no-imports", "-c", VERIFY, env=verify_env)
    db = json.loads(out.strip().splitlines()[-1])
    problems = common.log_problems(server.log_text())

    # In --kill mode a connection error while the server was down is the point; any other is a failure.
    def in_outage(at: float) -> bool:
        return any(start - 0.5 <= at <= end + 2 for start, end in run.outages)

    stray_connection_errors = [e for e in run.connection_errors if not in_outage(e[0])]
    timeouts = [e for e in run.connection_errors if e[2]]
    all_latencies = [s for values in run.latencies.values() for s in values]
    summary = {
        "database": database,
        "mode": "kill and restart mid-run" if args.kill else "normal",
        "users": args.users,
        "workers": server.env.get("WEB_CONCURRENCY", "config default (2 x cores + 1)"),
        "seconds": round(elapsed, 1),
        "requests": run.requests,
        "requests_per_second": round(run.requests / elapsed, 1) if elapsed else 0,
        "http_errors": len(run.http_errors),
        "connection_errors": len(run.connection_errors),
        "connection_errors_outside_outage": len(stray_connection_errors),
        "client_timeouts_30s": len(timeouts),
        "load_average": " ".join(f"{x:.1f}" for x in common.os.getloadavg()),
        "p50_ms": round(common.percentile(all_latencies, 50) * 1000, 1),
        "p99_ms": round(common.percentile(all_latencies, 99) * 1000, 1),
        "per_step": {
            kind: {
                "n": len(values),
                "p50_ms": round(common.percentile(values, 50) * 1000, 1),
                "p99_ms": round(common.percentile(values, 99) * 1000, 1),
            }
            for kind, values in run.latencies.items()
        },
        "interviews_completed": run.interviews_done,
        "interviews_expected": args.users * args.interviews,
        "grades_acknowledged": len(run.acks),
        "grades_acknowledged_found": len(run.acks) - len(db["lost"]),
        "grades_unacknowledged": len(run.unacknowledged),
        "graded_items_in_db": db["graded_in_db"],
        "sqlite_integrity_check": db["integrity"],
        "log": problems,
        "events": events,
        "restarts": restarts,
        "capped": run.capped,
        "gave_up": run.gave_up[:10],
        "http_error_samples": run.http_errors[:5],
        "connection_error_samples": [e[1] for e in stray_connection_errors[:5]],
        "lost_samples": db["lost"][:10],
    }
    failures = []
    if run.http_errors:
        failures.append(f"{len(run.http_errors)} HTTP errors")
    if stray_connection_errors:
        failures.append(f"{len(stray_connection_errors)} connection errors outside a restart")
    if db["lost"]:
        failures.append(f"{len(db['lost'])} acknowledged grades not in the database")
    if problems["database is locked"] or problems["tracebacks"] or problems["5xx in access log"]:
        failures.append(f"server log: {problems}")
    if db["integrity"] not in (None, "ok"):
        failures.append(f"integrity_check: {db['integrity']}")
    if run.gave_up:
        failures.append(f"{len(run.gave_up)} users gave up")
    if any(r["seconds_to_answer"] is None for r in restarts):
        failures.append(f"the restart after the kill did not answer within {RESTART_LIMIT:.0f} s")
    if run.interviews_done < args.users * args.interviews and not run.capped:
        failures.append("not every interview finished")
    summary["result"] = "PASS" if not failures else "FAIL: " + "; ".join(failures)

    print(json.dumps(summary, indent=2))
    if args.markdown:
        args.markdown.write_text(markdown(summary, args))
    if args.keep:
        print(f"Kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
        if args.database_url:
            common.drop_postgres_database(args.database_url, PG_DATABASE)
    return 0 if not failures else 1


def markdown(s: dict, args) -> str:
    # The command as run, with the database URL and the output file left out.
    shown, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg in {"--markdown", "--database-url"}:
            skip = True
            shown += ["--database-url", "$DATABASE_URL"] if arg == "--database-url" else []
        elif not arg.startswith(("--markdown=", "--database-url=")):
            shown.append(arg)
    command = " ".join(["python tests/bench/load_interviews.py", *shown])
    lines = [
        f"### Load test: {s['database']}, {s['mode']}",
        "",
        f"`{command}` — {s['result']}",
        "",
        "| users | requests | req/s | HTTP errors | connection errors (outside restart) | p50 | p99 |"
        " interviews done | grades acknowledged / found in DB | unacknowledged | log problems |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {s['users']} | {s['requests']} | {s['requests_per_second']} | {s['http_errors']} "
        f"| {s['connection_errors']} ({s['connection_errors_outside_outage']}) | {s['p50_ms']} ms "
        f"| {s['p99_ms']} ms | {s['interviews_completed']}/{s['interviews_expected']} "
        f"| {s['grades_acknowledged']} / {s['grades_acknowledged_found']} | {s['grades_unacknowledged']} "
        f"| {', '.join(f'{k}: {v}' for k, v in s['log'].items())} |",
        "",
        "| step | n | p50 | p99 |",
        "|---|---|---|---|",
        *(f"| {k} | {v['n']} | {v['p50_ms']} ms | {v['p99_ms']} ms |" for k, v in s["per_step"].items()),
    ]
    if s["events"]:
        lines += ["", *(f"- {e}" for e in s["events"])]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
