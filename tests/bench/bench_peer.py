#!/usr/bin/env python
"""Peer interview polls: what a poll with nothing new costs, and many pairs polling under gunicorn.

1. In one process (Django's test client, the bench's production settings, a fresh SQLite database): the
   queries of an interviewer's poll answered 304 (nothing new), and its median CPU time beside
   /bench/constant's (a view that does nothing, behind the same middleware).
   Goals: at most 1 query beyond the session's and the user's; at most 2 ms CPU. (The poll is answered by
   quiz.middleware.PeerPollMiddleware before the session and the user are read: its one query is the version.)
2. Under gunicorn (interview/gunicorn.conf.py, production settings): the question loop of bench_loop.py at a
   fixed rate alone, then the same loop while ``--pairs`` peer pairs (two screens each) poll once a second,
   every candidate typing a line every ``--typing-every`` seconds (an autosave, then one full poll of the
   interviewer's notes), and each interviewer's checklist polling the matcher's reading every READING_EVERY
   seconds (a full one, running the matcher, after a save). The screens poll from processes of their own
   (browsers are other machines), each having loaded its ETag first, unmeasured, as from the page it polls
   on. Goals: the polls' p99 <= 50 ms; the loop's p99 with the pairs <= 1.5 x its p99 alone, measured in the
   same run.

    .venv/bin/python tests/bench/bench_peer.py [--pairs 100] [--seconds 30] [--markdown FILE]
"""

import argparse
import dataclasses
import io
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parents[1]), str(BENCH_DIR)]

import common  # noqa: E402 - after the path above
from bench_loop import Looper, fixed_rate, signed_in_clients, summarize  # noqa: E402
from common import Client, Server  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}
CPU_SAMPLES = 1000

# Run by `manage.py shell` in the server's environment: the pairs, each joined through its invite link, and a
# signed-in session for each side (made directly: signing 200 users in through the form would hash 200
# passwords, which is what the real hasher is slow at on purpose).
MAKE_PAIRS = """
import json, os
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from quiz import peers
from quiz.models import Question

User = get_user_model()
pairs = int(os.environ["BENCH_PAIRS"])
questions = list(Question.objects.active().filter(parent=None).answered().order_by("pk")[:5])

def session_for(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key

made = []
for n in range(pairs):
    candidate = User.objects.create_user(f"peer-candidate-{n:03d}")
    interviewer = User.objects.create_user(f"peer-interviewer-{n:03d}")
    interview, invite = peers.start(candidate, questions, total_seconds=3 * 3600)
    peers.accept(invite.token, interviewer)
    item = interview.current_item()
    made.append([interview.pk, item.pk, session_for(candidate), session_for(interviewer)])
print(json.dumps(made))
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=100, help="Peer pairs polling (two screens each).")
    parser.add_argument("--seconds", type=float, default=30, help="Seconds of each gunicorn run.")
    parser.add_argument("--rate", type=float, default=20, help="The question loop's requests per second.")
    parser.add_argument("--typing-every", type=float, default=10, help="Seconds between a candidate's saves.")
    parser.add_argument(
        "--reading-every",
        type=float,
        default=READING_EVERY,
        help="Seconds between an interviewer's polls of the matcher's reading (0: none).",
    )
    parser.add_argument(
        "--parts",
        default="cpu,load,floor",
        help="Comma-separated: cpu (in process), load (gunicorn), floor (gunicorn's own cost per request).",
    )
    parser.add_argument("--markdown", type=Path, help="Also write the figures as markdown to this file.")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="interview-bench-peer-"))
    results: dict = {"machine": common.machine(), "load_before": load_average()}
    try:
        if "load" in parts:  # first: the in-process part sets this process up as Django
            results["load"] = under_gunicorn(args, tmp)
        if "floor" in parts:
            results["floor"] = gunicorn_floor(args, tmp)
        if "cpu" in parts:
            results["cpu"] = in_process(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_after"] = load_average()
    print(json.dumps(results, indent=2, default=str))
    if args.markdown:
        args.markdown.write_text(markdown(results, args))
    return 0


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# -- 1. in one process


def in_process(tmp: Path) -> dict:
    env = common.production_env(sqlite_path=tmp / "cpu.sqlite3", DJANGO_SETTINGS_MODULE="bench_settings")
    env["DJANGO_ALLOWED_HOSTS"] += ",testserver"
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        for command in ("migrate", "createcachetable", "load_content"):
            call_command(command, verbosity=0, stdout=quiet)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    from quiz import peers
    from quiz.models import Question

    users = get_user_model().objects
    candidate, interviewer = users.create_user("candidate"), users.create_user("interviewer")
    interview, invite = peers.start(candidate, list(Question.objects.filter(parent=None).answered()[:5]))
    peers.accept(invite.token, interviewer)
    client = TestClient()
    client.force_login(interviewer)
    url = f"/peer/{interview.pk}/poll/"
    etag = client.get(url, **HTMX)["ETag"]
    headers = {**HTMX, "HTTP_IF_NONE_MATCH": etag}
    client.get(url, **headers)  # warm: the first request of a process reads more (content types...)
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url, **headers).status_code
    sql = [query["sql"] for query in captured.captured_queries]
    session_or_user = [q for q in sql if "django_session" in q or '"auth_user"' in q]

    # Through Django's WSGI handler, as gunicorn calls it: the test client's own work left out.
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    def wsgi_get(path: str, **extra) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "HTTP_COOKIE": cookie,
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            **extra,
        }
        statuses = []
        body = handler(environ, lambda status, headers, *_: statuses.append(status))
        b"".join(body)
        body.close()
        assert statuses[0].startswith(("200", "304")), statuses

    def cpu(send) -> float:
        for _ in range(50):  # warm-up
            send()
        samples = []
        for _ in range(CPU_SAMPLES):
            began = time.process_time()
            send()
            samples.append(time.process_time() - began)
        return statistics.median(samples)

    poll = cpu(lambda: wsgi_get(url, **headers))
    constant = cpu(lambda: wsgi_get("/bench/constant"))
    return {
        "status": status,
        "queries": len(sql),
        "beyond_session_and_user": len(sql) - len(session_or_user),
        "sql": sql,
        "poll_cpu": poll,
        "constant_cpu": constant,
    }


# -- 2. under gunicorn


NO_ANSWER = common.Response(599, {}, b"", 0.0)  # no HTTP answer came back: counted as an error


class Screen:
    """One side of a pair: polls with the ETag of what it shows, as htmx does with the page's hx-headers."""

    def __init__(self, client: Client, pk: int, query: str = "", label: str = "GET poll"):
        self.client, self.url, self.etag, self.label = client, f"/peer/{pk}/poll/{query}", "", label

    def poll(self) -> tuple[str, common.Response]:
        try:
            response = self.client.request("GET", self.url, htmx=True, headers={"If-None-Match": self.etag})
        except common.ConnectionFailed:
            return self.label, NO_ANSWER
        if response.status == 200:
            self.etag = response.header("etag") or ""
        return self.label, response


class Typist:
    """A candidate who types a line now and then: an autosave, which the next polls of both sides bring."""

    def __init__(self, client: Client, pk: int, item_pk: int, rng: random.Random):
        self.client, self.url, self.rng = client, f"/peer/{pk}/items/{item_pk}/notes/", rng
        self.text = ""

    def save(self) -> tuple[str, common.Response]:
        self.text += f" {self.rng.choice(['bias', 'variance', 'regularisation', 'recall'])} matters here."
        try:
            return "POST notes", self.client.request("POST", self.url, {"answer_text": self.text}, htmx=True)
        except common.ConnectionFailed:
            return "POST notes", NO_ANSWER


def client_with_session(port: int, session: str) -> Client:
    client = Client(port)
    # Cookie CSRF: a token of the right shape in the cookie and (common.Client) in the header.
    client.cookies.update(sessionid=session, csrftoken=common.secrets.token_hex(16))
    return client


def under_gunicorn(args, tmp: Path) -> dict:
    env = common.production_env(sqlite_path=tmp / "load.sqlite3", DJANGO_SETTINGS_MODULE="bench_settings")
    print("Preparing the database ...", flush=True)
    common.prepare_database(env)
    loop_users = [f"loop{i:03d}" for i in range(max(2, int(args.rate) // 2))]
    password = common.secrets.token_urlsafe(16)
    common.create_users(env, loop_users, password)
    print(f"Making {args.pairs} peer pairs ...", flush=True)
    pairs = json.loads(
        common.manage("shell", "--no-imports", "-c", MAKE_PAIRS, env={**env, "BENCH_PAIRS": str(args.pairs)})
    )
    server = Server(env, common.free_port(), tmp / "gunicorn.log")
    server.start()
    results: dict = {}
    try:
        rng = random.Random(1)
        loopers = [
            Looper(c, random.Random(rng.random()))
            for c in signed_in_clients(server.port, loop_users, password)
        ]
        screens, readers, typists = [], [], []
        for pk, item_pk, candidate, interviewer in pairs:
            screens.append(Screen(client_with_session(server.port, interviewer), pk))
            # The interviewer's checklist polls the matcher's reading apart, every READING_EVERY seconds.
            readers.append(
                Screen(client_with_session(server.port, interviewer), pk, "?part=reading", "GET reading")
            )
            screens.append(
                Screen(client_with_session(server.port, candidate), pk, f"?item={item_pk}&hints=0")
            )
            # Its own connection, as a browser's autosave beside a poll would have.
            typist_client = client_with_session(server.port, candidate)
            typists.append(Typist(typist_client, pk, item_pk, random.Random(rng.random())))

        print(f"The question loop alone at {args.rate:g} req/s for {args.seconds:g} s ...", flush=True)
        began = CpuUse.now(server)
        results["loop_alone"] = summarize(fixed_rate([lp.next for lp in loopers], args.rate, args.seconds))
        results["cpu_alone"] = began.until(CpuUse.now(server))

        print(f"The loop again, with {args.pairs} pairs polling every second ...", flush=True)
        together: dict[str, dict] = {}

        # The screens poll from processes of their own, as browsers do from other machines: 300 more threads
        # in this process would hold the GIL the loop's clients measure their latencies with.
        pollers = multiprocessing.get_context("fork")
        queue, ready = pollers.Queue(), pollers.Barrier(POLLERS + 1)
        children = [
            pollers.Process(
                target=_poll_in_child,
                args=(screens[i::POLLERS], readers[i::POLLERS], typists[i::POLLERS], args, queue, ready),
            )
            for i in range(POLLERS)
        ]
        for child in children:
            child.start()
        ready.wait(timeout=300)
        began = CpuUse.now(server)
        together["loop"] = fixed_rate([lp.next for lp in loopers], args.rate, args.seconds)
        results["cpu_with_pairs"] = began.until(CpuUse.now(server))
        results["cpu_with_pairs"]["pollers"] = 0.0
        for _ in children:
            figures, poller_cpu = queue.get(timeout=args.seconds + 120)
            results["cpu_with_pairs"]["pollers"] += poller_cpu / args.seconds
            for name, latencies in figures.items():
                for kind, values in latencies.items():
                    together.setdefault(name, {}).setdefault(kind, []).extend(values)
        for child in children:
            child.join(timeout=30)
        results["loop_with_pairs"] = summarize(together["loop"])
        results["polls"] = summarize(together["polls"])
        results["saves"] = summarize(together.get("saves", {}))
        results["readings"] = summarize(together.get("readings", {}))
    finally:
        server.stop()
    results["server_log"] = common.log_problems(server.log_text())
    return results


POLLERS = 2  # processes the screens poll from

# gunicorn's own cost per request, with no Django: what 200 polls a second cost before the app is reached.
FLOOR_APP = """
def application(environ, start_response):
    if environ["PATH_INFO"] == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    start_response("304 Not Modified", [("ETag", environ.get("HTTP_IF_NONE_MATCH", ""))])
    return [b""]
"""


def gunicorn_floor(args, tmp: Path) -> dict:
    """interview/gunicorn.conf.py serving an app that only answers 304, polled as the pairs' screens poll
    (2 x pairs keep-alive connections, once a second each): gunicorn's CPU per request."""
    (tmp / "floor_app.py").write_text(FLOOR_APP)
    env = common.production_env(sqlite_path=tmp / "floor.sqlite3", DJANGO_SETTINGS_MODULE="bench_settings")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), env["PYTHONPATH"]])
    server = Server(env, common.free_port(), tmp / "floor.log", app="floor_app:application")
    server.start()
    try:
        clients = [Client(server.port) for _ in range(2 * args.pairs)]

        def poller(client: Client):
            headers = {"If-None-Match": '"peer-1-interviewer-1-0"'}
            return lambda: ("GET floor", client.request("GET", "/peer/1/poll/", headers=headers))

        began = CpuUse.now(server)
        latencies = fixed_rate([poller(c) for c in clients], len(clients), min(args.seconds, 10))
        used = began.until(CpuUse.now(server))
    finally:
        server.stop()
    requests = sum(len(v) for v in latencies.values())
    return {
        "requests": requests,
        "cores": used["server"],
        "cpu_per_request": used["server"] * min(args.seconds, 10) / max(requests, 1),
    }


READING_EVERY = 5  # seconds: hx-trigger of #peer-reading in templates/quiz/peer_interviewer.html


def _poll_in_child(screens: list, readers: list, typists: list, args, queue, ready) -> None:
    """One poller process: its screens each poll once a second, its candidates save now and then. Each
    screen first gets its ETag, unmeasured, as a browser does from the page it loads before it polls."""
    for screen in screens + readers:
        screen.poll()
    ready.wait(timeout=300)
    began = _own_cpu()
    together: dict[str, dict] = {}

    def run(name: str, workers: list, rate: float) -> None:
        together[name] = fixed_rate(workers, rate, args.seconds)

    threads = [
        threading.Thread(target=run, args=("polls", [s.poll for s in screens], len(screens))),
        threading.Thread(
            target=run, args=("saves", [t.save for t in typists], len(typists) / args.typing_every)
        ),
    ]
    if args.reading_every:
        rate = len(readers) / args.reading_every
        threads.append(threading.Thread(target=run, args=("readings", [r.poll for r in readers], rate)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 120)
    queue.put((together, _own_cpu() - began))


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


_TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds a process (all its threads) has used, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


@dataclasses.dataclass
class CpuUse:
    """Where the machine's CPU goes during a run: gunicorn (master and workers) and the loop's own clients
    (this process); the poller processes report theirs. Figures are cores: CPU seconds per second."""

    at: float
    server: dict[int, float]
    clients: float

    @classmethod
    def now(cls, server: Server) -> "CpuUse":
        return cls(time.monotonic(), {pid: _process_cpu(pid) for pid in server.pids()}, _own_cpu())

    def until(self, later: "CpuUse") -> dict[str, float]:
        seconds = later.at - self.at
        used = sum(cpu - self.server.get(pid, 0.0) for pid, cpu in later.server.items())
        return {"server": used / seconds, "loop_clients": (later.clients - self.clients) / seconds}


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}" if y else "n/a"


def _goal(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _loop_p99(figures: dict) -> float:
    steps = [s["p99"] for kind, s in figures.items() if kind in ("GET step", "POST reveal", "POST grade")]
    return max(steps, default=0.0)


def markdown(r: dict, args) -> str:
    lines = [
        "### Peer interview polls (bench_peer.py)",
        "",
        f"`python tests/bench/bench_peer.py --pairs {args.pairs} --seconds {args.seconds:g}` — "
        f"{r['machine']}; load average before/after: {r['load_before']} / {r['load_after']}.",
        "",
    ]
    if "cpu" in r:
        c = r["cpu"]
        lines += [
            "#### A poll with nothing new, in one process",
            "",
            f"HTTP {c['status']}; {c['queries']} queries, {c['beyond_session_and_user']} beyond the "
            f"session's and the user's (`{c['sql'][-1][:90]}…`). "
            f"Goal <= 1: {_goal(c['beyond_session_and_user'] <= 1)}.",
            "",
            f"Median CPU over {CPU_SAMPLES} through Django's WSGI handler: {common.ms(c['poll_cpu'])}; "
            f"/bench/constant "
            f"{common.ms(c['constant_cpu'])} (ratio {_ratio(c['poll_cpu'], c['constant_cpu'])}). "
            f"Goal <= 2 ms: {_goal(c['poll_cpu'] <= 0.002)}; beyond the view that does nothing (which "
            f"reads no session or user): {common.ms(c['poll_cpu'] - c['constant_cpu'])}.",
            "",
        ]
    if "floor" in r:
        f = r["floor"]
        lines += [
            "#### What gunicorn costs per request before Django",
            "",
            f"interview/gunicorn.conf.py serving an app that only answers 304, {2 * args.pairs} keep-alive "
            f"connections polling once a second: {f['requests']} requests, "
            f"{common.ms(f['cpu_per_request'])} of gunicorn's CPU each, {f['cores']:.2f} cores for "
            f"{2 * args.pairs} polls a second (against Django's part of a poll with nothing new, above).",
            "",
        ]
    if "load" in r:
        load = r["load"]
        alone, together = _loop_p99(load["loop_alone"]), _loop_p99(load["loop_with_pairs"])
        none = {"n": 0, "p50": 0, "p99": 0}
        # The goal holds for every poll: the screens' and the interviewers' readings of the notes.
        polls_p99 = max(
            load["polls"].get("GET poll", none)["p99"], load["readings"].get("GET reading", none)["p99"]
        )
        lines += [
            f"#### {args.pairs} pairs polling every second under gunicorn, {args.seconds:g} s each run",
            "",
            f"{2 * args.pairs} screens, each polling once a second with its ETag, and each interviewer's "
            f"reading of the notes every {READING_EVERY} s; every candidate saves a "
            f"line every {args.typing_every:g} s. The question loop runs at {args.rate:g} req/s beside them, "
            "and alone before.",
            "",
            "| requests | n | p50 | p99 |",
            "|---|---|---|---|",
        ]
        for name, figures in (
            ("loop alone", load["loop_alone"]),
            ("with the pairs", load["loop_with_pairs"]),
        ):
            for kind, s in figures.items():
                lines.append(
                    f"| {kind} ({name}) | {s['n']} | {common.ms(s['p50'])} | {common.ms(s['p99'])} |"
                )
        for figures in (load["polls"], load["readings"], load["saves"]):
            for kind, s in figures.items():
                lines.append(f"| {kind} | {s['n']} | {common.ms(s['p50'])} | {common.ms(s['p99'])} |")
        lines += [
            "",
            f"Goal: polls p99 <= 50 ms (the slower of the two kinds): {common.ms(polls_p99)}, "
            f"{_goal(0 < polls_p99 <= 0.05)}. "
            f"Goal: the loop's p99 (its slowest step) with the pairs <= 1.5 x alone: {common.ms(together)} / "
            f"{common.ms(alone)} = {_ratio(together, alone)}, {_goal(alone and together / alone <= 1.5)}. "
            f"Server log: {', '.join(f'{k}: {v}' for k, v in load['server_log'].items())}.",
            "",
            f"Where the CPU went, in cores (CPU seconds per second; the machine has {os.cpu_count()}):",
            "",
            "| run | gunicorn | the loop's clients | the pairs' screens (load generator) | all |",
            "|---|---|---|---|---|",
        ]
        for name, cpu in (("loop alone", load["cpu_alone"]), ("with the pairs", load["cpu_with_pairs"])):
            pollers = cpu.get("pollers", 0.0)
            lines.append(
                f"| {name} | {cpu['server']:.2f} | {cpu['loop_clients']:.2f} | {pollers:.2f} | "
                f"{cpu['server'] + cpu['loop_clients'] + pollers:.2f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
