#!/usr/bin/env python
"""Benchmarks of the question loop, each as a ratio to a baseline measured in the same run.

1. Throughput of the loop (GET step, POST reveal, POST grade) under gunicorn with the production settings,
   against /bench/constant, a view returning a constant response behind the same middleware and server.
2. p50/p99 latency of each step at a fixed request rate, against the constant view at the same rate.
3. build_fixtures + load_content on a generated 10,000-question bank, against the real bank.
4. Bytes for a complete question screen (HTML, CSS, JS, htmx) as whitenoise serves them with
   Accept-Encoding: gzip, against the same requests without compression.

Absolute numbers depend on the machine and on what else runs on it; the ratios travel better. Nothing here
is asserted: it prints figures (and ``--markdown FILE`` writes them as a section of docs/bench-results.md).

    .venv/bin/python tests/bench/bench_loop.py [--markdown FILE]
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
from common import Client, Server

REVEAL_RE = re.compile(r'hx-post="(/interviews/\d+/items/\d+/reveal/)"')
GRADE_RE = re.compile(r'hx-post="(/interviews/\d+/items/\d+/grade/)"')
ASSET_RE = re.compile(r'<(?:link[^>]*href|script[^>]*src)="(/static/[^"]+)"')


class Looper:
    """One signed-in user going round the question loop, one request per ``next()``."""

    def __init__(self, client: Client, rng: random.Random):
        self.client, self.rng = client, rng
        self.pk: int | None = None
        self.pending: list[str] = []  # what comes next: "step", then "reveal", then "grade"
        self.card = ""

    def start(self) -> common.Response:
        answer = self.client.request("POST", "/interviews/new/", {"quick": "1"})
        self.pk = int(re.match(r"^/interviews/(\d+)/$", answer.header("location")).group(1))
        self.pending = ["GET step"]
        return answer

    def next(self) -> tuple[str, common.Response]:
        if not self.pending:  # starting an interview is a request of its own, timed as such
            answer = self.start()
            return "POST start", answer
        kind = self.pending.pop(0)
        if kind == "GET step":
            response = self.client.request("GET", f"/interviews/{self.pk}/")
            if response.status == 302:  # finished: begin another interview
                self.pending = []
                return kind, response
            self.pending = ["POST reveal"]
        elif kind == "POST reveal":
            url = REVEAL_RE.search(self.card).group(1)
            response = self.client.request("POST", url, {"answer_text": "thinking"}, htmx=True)
            self.pending = ["POST grade"]
        else:
            url = GRADE_RE.search(self.card).group(1)
            form = {"grade": self.rng.randint(1, 4), "answer_text": "x"}
            response = self.client.request("POST", url, form, htmx=True)
            self.pending = [] if response.header("hx-redirect") else ["GET step"]
        self.card = response.text
        return kind, response


def constant_request(client: Client) -> tuple[str, common.Response]:
    return "GET constant", client.request("GET", "/bench/constant")


def ceiling_request(client: Client) -> tuple[str, common.Response]:
    return "GET ceiling", client.request("GET", "/bench/ceiling")


def signed_in_clients(port: int, usernames: list[str], password: str) -> list[Client]:
    clients = [Client(port) for _ in usernames]
    threads = [
        threading.Thread(target=common.log_in, args=(c, name, password))
        for c, name in zip(clients, usernames, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return clients


def closed_loop(workers: list, seconds: float, warmup: float) -> dict:
    """Every worker sends its next request as soon as the last one answered. Returns counts and errors."""
    counts, errors = defaultdict(int), defaultdict(int)
    lock = threading.Lock()
    began = time.monotonic()
    measure_from, stop = began + warmup, began + warmup + seconds

    def work(next_request) -> None:
        while (now := time.monotonic()) < stop:
            kind, response = next_request()
            if now >= measure_from:
                with lock:
                    counts[kind] += 1
                    if response.status >= 400:
                        errors[kind] += 1

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + warmup + 60)
    return {"requests": dict(counts), "errors": dict(errors), "seconds": seconds}


def fixed_rate(workers: list, rate: float, seconds: float) -> dict[str, list[float]]:
    """Open loop: each worker sends on a fixed schedule, so all together send ``rate`` requests a second.

    A latency runs from when the request was due, not when it went out: a slow answer that delays the
    next request shows up in that request's latency too (no coordinated omission).
    """
    latencies: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    interval = len(workers) / rate
    began = time.monotonic() + 0.5
    ticks = int(seconds * rate / len(workers))

    def work(index: int, next_request) -> None:
        for tick in range(ticks):
            due = began + index * interval / len(workers) + tick * interval
            time.sleep(max(0.0, due - time.monotonic()))
            kind, response = next_request()
            took = time.monotonic() - due
            with lock:
                latencies[kind if response.status < 400 else f"{kind} (HTTP {response.status})"].append(took)

    threads = [threading.Thread(target=work, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return dict(latencies)


def transfer_bytes(client: Client) -> dict:
    """A full question page and the assets it links, with and without gzip; plus the htmx partials."""
    looper = Looper(client, random.Random(0))
    looper.start()
    gzip = {"Accept-Encoding": "gzip"}
    page_url = f"/interviews/{looper.pk}/"
    page = client.request("GET", page_url)
    page_gz = client.request("GET", page_url, headers=gzip)
    rows = [
        ("question page (HTML)", len(page.body), len(page_gz.body), page_gz.header("content-encoding"), "")
    ]
    for asset in ASSET_RE.findall(page.text):
        plain = client.request("GET", asset)
        packed = client.request("GET", asset, headers=gzip)
        name = asset.rsplit("/", 1)[-1]
        rows.append(
            (
                name,
                len(plain.body),
                len(packed.body),
                packed.header("content-encoding"),
                plain.header("cache-control"),
            )
        )
    brotli = client.request("GET", ASSET_RE.findall(page.text)[0], headers={"Accept-Encoding": "br, gzip"})
    # The partials htmx swaps in for every later question.
    looper.card = page.text
    looper.pending = ["POST reveal"]
    _, reveal = looper.next()
    _, grade = looper.next()
    return {
        "rows": rows,
        "plain": sum(r[1] for r in rows),
        "compressed": sum(r[2] for r in rows),
        "brotli_served": brotli.header("content-encoding") == "br",
        "reveal_partial": len(reveal.body),
        "grade_partial": len(grade.body),
    }


TIMING = """
import io, json, os, time
from pathlib import Path
from django.core.management import call_command
out, printed = Path(os.environ["BENCH_OUT"]), io.StringIO()
began = time.perf_counter()
call_command(
    "build_fixtures",
    source=Path(os.environ["BENCH_SRC"]),
    output=out,
    cache=Path(os.environ["BENCH_CACHE"]),
    check=os.environ.get("BENCH_CHECK") == "1",
    verbosity=int(os.environ["BENCH_VERBOSITY"]),
    stdout=printed,
)
built = time.perf_counter()
if os.environ.get("BENCH_LOAD") == "1":
    call_command("load_content", str(out), stdout=io.StringIO(), stderr=io.StringIO())
loaded = time.perf_counter()
from quiz.models import Question
reused = "nothing changed since the last build" in printed.getvalue()
print(json.dumps({"build": built - began, "load": loaded - built, "questions": Question.objects.count(),
                  "reused": reused}))
"""


def generate_bank(directory: Path, questions: int, per_file: int = 500) -> None:
    """Markdown in the QnA format (a ### heading ending in ? is a question), answers like the real bank's."""
    rng = random.Random(42)
    words = ["model", "gradient", "feature", "batch", "loss", "tensor", "token", "latency", "cache", "shard"]
    for f in range(0, questions, per_file):
        lines = [f"# Generated QnA {f // per_file + 1}", "Questions made up for the load benchmark.", ""]
        for n in range(f, min(f + per_file, questions)):
            if n % 25 == 0:
                lines += [f"## Topic {n // 25}", ""]
            a, b, c = rng.sample(words, 3)
            lines += [
                f"### How does the {a} relate to the {b} in case {n}?",
                f"- The **{a}** bounds the {b}: when it grows, the `{c}` follows.",
                f"- In practice, measure the {c} first, then tune the {a} ({n % 7 + 1} steps).",
                "",
                "```python",
                f"def {a}_{n}(x):",
                f"    return x * {n % 13 + 1}",
                "```",
                "",
                f"Trade-off: a larger {b} costs memory; a smaller one costs accuracy.",
                "",
                "---",
            ]
        (directory / f"Generated{f // per_file + 1:02d}QnA.md").write_text("\n".join(lines) + "\n")


def time_fixtures(source: Path, work: Path, label: str, load: bool = True, check: bool = False) -> dict:
    """build_fixtures then load_content into a fresh database; with ``load`` false, a rebuild alone, printing
    its report as an operator sees it (its last line says whether the last build was reused); with ``check``,
    ``build_fixtures --check``."""
    env = common.production_env(sqlite_path=work / f"{label}.sqlite3")
    common.manage("migrate", "--no-input", env=env)
    run_env = {
        **env,
        "BENCH_SRC": str(source),
        "BENCH_OUT": str(work / f"{label}.json"),
        "BENCH_CACHE": str(work / f"{label}-rendered.json"),
        "BENCH_LOAD": "1" if load else "0",
        "BENCH_CHECK": "1" if check else "0",
        "BENCH_VERBOSITY": "0" if load or check else "1",
    }
    out = common.manage("shell", "--no-imports", "-c", TIMING, env=run_env, timeout=900)
    return json.loads(out.strip().splitlines()[-1])


def summarize(latencies: dict[str, list[float]]) -> dict[str, dict]:
    return {
        kind: {"n": len(v), "p50": common.percentile(v, 50), "p99": common.percentile(v, 99)}
        for kind, v in latencies.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients for throughput.")
    parser.add_argument("--seconds", type=float, default=10, help="Measured seconds of each throughput run.")
    parser.add_argument("--rate", type=float, default=20, help="Requests per second for the latency runs.")
    parser.add_argument(
        "--rate-seconds",
        type=float,
        default=40,
        help="Seconds of each latency run. 40 s gives each loop step ~260 samples: over 15 s (100) its p99 "
        "was the single slowest request, and moved by 1.5x between runs.",
    )
    parser.add_argument("--questions", type=int, default=10000, help="Size of the generated bank.")
    parser.add_argument("--markdown", type=Path, help="Also write the figures as markdown to this file.")
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: interview/gunicorn.conf.py's)."
    )
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default: the config's).")
    parser.add_argument("--database-url", help="Also run the loop on this PostgreSQL server (127.0.0.1).")
    parser.add_argument(
        "--parts",
        default="loop,fixtures",
        help="Comma-separated: loop (throughput, latency, bytes), fixtures.",
    )
    args = parser.parse_args()
    args.parts = set(args.parts.split(","))

    tmp = Path(tempfile.mkdtemp(prefix="interview-bench-"))
    try:
        results = run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2, default=str))
    if args.markdown:
        args.markdown.write_text(markdown(results, args))
    return 0


def run(args, tmp: Path) -> dict:
    results: dict = {"machine": common.machine(), "load_before": load_average()}
    if "loop" in args.parts:
        results["sqlite"] = loop_figures(args, tmp, sqlite_path=tmp / "bench.sqlite3")
    if "loop" in args.parts and args.database_url:
        name = f"interview_bench_loop_{common.os.getpid()}"
        url = common.fresh_postgres_database(args.database_url, name)
        try:
            results["postgresql"] = loop_figures(args, tmp, database_url=url, bytes_too=False)
        finally:
            common.drop_postgres_database(args.database_url, name)
    if "fixtures" in args.parts:
        print(
            f"build_fixtures + load_content: real bank, then {args.questions} generated questions ...",
            flush=True,
        )
        bundled = common.ROOT / "fixtures" / "markdown" / "mle-interview-questions"
        results["fixtures_full"] = time_fixtures(bundled, tmp, "full")
        generated = tmp / "generated"
        generated.mkdir()
        generate_bank(generated, args.questions)
        results["fixtures_generated"] = time_fixtures(generated, tmp, "generated")
        results["fixtures_unchanged"] = time_fixtures(generated, tmp, "generated", load=False)
        results["fixtures_check"] = time_fixtures(generated, tmp, "generated", load=False, check=True)
    results["load_after"] = load_average()
    return results


def loop_figures(args, tmp: Path, bytes_too: bool = True, **database) -> dict:
    env = common.production_env(**database, DJANGO_SETTINGS_MODULE="bench_settings")
    print(
        f"Preparing the database ({'PostgreSQL' if 'database_url' in database else 'SQLite'}) ...", flush=True
    )
    common.prepare_database(env)
    latency_users = max(2, int(args.rate) // 2)
    usernames = [f"bench{i:03d}" for i in range(args.clients + latency_users)]
    password = common.secrets.token_urlsafe(16)
    common.create_users(env, usernames, password)
    server = Server(env, common.free_port(), tmp / "gunicorn.log", workers=args.workers, threads=args.threads)
    server.start()
    results: dict = {}
    try:
        clients = signed_in_clients(server.port, usernames, password)
        loop_clients, rate_clients = clients[: args.clients], clients[args.clients :]
        rng = random.Random(1)

        print("Throughput ...", flush=True)
        results["constant_throughput"] = closed_loop(
            [lambda c=c: constant_request(c) for c in loop_clients], args.seconds, warmup=2
        )
        results["ceiling_throughput"] = closed_loop(
            [lambda c=c: ceiling_request(c) for c in loop_clients], args.seconds, warmup=2
        )
        loopers = [Looper(c, random.Random(rng.random())) for c in loop_clients]
        results["loop_throughput"] = closed_loop([lp.next for lp in loopers], args.seconds, warmup=2)

        print(f"Latency at {args.rate:g} req/s ...", flush=True)
        results["constant_latency"] = summarize(
            fixed_rate([lambda c=c: constant_request(c) for c in rate_clients], args.rate, args.rate_seconds)
        )
        results["ceiling_latency"] = summarize(
            fixed_rate([lambda c=c: ceiling_request(c) for c in rate_clients], args.rate, args.rate_seconds)
        )
        rate_loopers = [Looper(c, random.Random(rng.random())) for c in rate_clients]
        results["loop_latency"] = summarize(
            fixed_rate([lp.next for lp in rate_loopers], args.rate, args.rate_seconds)
        )
        if bytes_too:
            print("Bytes of a question screen ...", flush=True)
            results["bytes"] = transfer_bytes(clients[0])
    finally:
        server.stop()
    results["server_log"] = common.log_problems(server.log_text())
    return results


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in common.os.getloadavg())


def rps(run: dict, kinds=None) -> float:
    counts = run["requests"]
    return sum(n for k, n in counts.items() if kinds is None or k in kinds) / run["seconds"]


# The per-question cost of the generated bank against the real one before issue 17 (docs/bench-results.md,
# 2026-11-24, commit c5e0efb): the "today" its goal is measured against.
FIXTURES_PER_QUESTION_BEFORE = 1.38


def ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}" if y else "n/a"


def goal(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def loop_markdown(r: dict, args, database: str) -> list[str]:
    loop_kinds = {"POST start", "GET step", "POST reveal", "POST grade"}
    constant_rps, ceiling_rps = rps(r["constant_throughput"]), rps(r["ceiling_throughput"])
    loop_rps = rps(r["loop_throughput"], loop_kinds)
    loops = r["loop_throughput"]["requests"].get("POST grade", 0) / r["loop_throughput"]["seconds"]
    errors = sum(sum(r[k]["errors"].values()) for k in r if k.endswith("_throughput"))
    base = r["constant_latency"].get("GET constant", {"n": 0, "p50": 0, "p99": 0})
    ceiling = r["ceiling_latency"].get("GET ceiling", {"n": 0, "p50": 0, "p99": 0})
    # The goal is the question loop's steps; starting an interview (one request in 31) is shown beside them.
    steps = {kind: s for kind, s in r["loop_latency"].items() if kind != "POST start"}
    worst_p99 = max((s["p99"] for s in steps.values()), default=0)
    lines = [
        f"### {database}: throughput ({args.clients} clients, keep-alive, "
        f"{args.seconds:g} s after 2 s warm-up)",
        "",
        "| what | req/s | ratio to constant | ratio to ceiling |",
        "|---|---|---|---|",
        f"| GET /bench/constant (a view that does nothing) | {constant_rps:.1f} | 1.00 | |",
        f"| GET /bench/ceiling (one indexed SELECT, one UPDATE in a transaction, a small template) "
        f"| {ceiling_rps:.1f} | {ratio(ceiling_rps, constant_rps)} | 1.00 |",
        "| question loop (GET step + POST reveal + POST grade; POST start every 10 questions) "
        f"| {loop_rps:.1f} | "
        f"{ratio(loop_rps, constant_rps)} | {ratio(loop_rps, ceiling_rps)} |",
        "",
        f"{loops:.1f} questions answered per second. HTTP errors during the runs: {errors}. "
        f"Goal: loop >= 0.85 x ceiling: {ratio(loop_rps, ceiling_rps)}, "
        f"{goal(ceiling_rps and loop_rps / ceiling_rps >= 0.85)} (issue 17's baseline: 0.49-0.61).",
        "",
        f"### {database}: latency at a fixed {args.rate:g} req/s for {args.rate_seconds:g} s",
        "",
        "Measured from when each request was due, so a slow answer also delays the next one's figure.",
        "",
        "| step | n | p50 | p99 | p99 / ceiling p99 |",
        "|---|---|---|---|---|",
        f"| GET /bench/constant | {base['n']} | {common.ms(base['p50'])} | {common.ms(base['p99'])} "
        f"| {ratio(base['p99'], ceiling['p99'])} |",
        f"| GET /bench/ceiling | {ceiling['n']} | {common.ms(ceiling['p50'])} "
        f"| {common.ms(ceiling['p99'])} | 1.00 |",
    ]
    for kind, s in r["loop_latency"].items():
        lines.append(
            f"| {kind} | {s['n']} | {common.ms(s['p50'])} | {common.ms(s['p99'])} "
            f"| {ratio(s['p99'], ceiling['p99'])} |"
        )
    lines += [
        "",
        f"Goal: the p99 of every step (GET step, POST reveal, POST grade) <= 3 x the ceiling's: worst "
        f"{ratio(worst_p99, ceiling['p99'])}, "
        f"{goal(ceiling['p99'] and worst_p99 / ceiling['p99'] <= 3)} (POST start, once per interview, is "
        "shown but not a step of the loop). "
        f"Server log: {', '.join(f'{k}: {v}' for k, v in r['server_log'].items())}.",
        "",
    ]
    return lines


def markdown(r: dict, args) -> str:
    workers = f"{args.workers} workers" if args.workers else "WEB_CONCURRENCY's workers"
    threads = f"{args.threads} threads" if args.threads else "GUNICORN_THREADS' threads"
    lines = [
        "## Question loop benchmarks",
        "",
        f"`python tests/bench/bench_loop.py` — {r['machine']}; load average before/after: "
        f"{r['load_before']} / {r['load_after']}. gunicorn with interview/gunicorn.conf.py ({workers}, "
        f"{threads}), production settings. Between runs, compare the ratios (absolute figures move with "
        "the machine's load).",
        "",
    ]
    for key, name in (("sqlite", "SQLite (WAL)"), ("postgresql", "PostgreSQL")):
        if key in r:
            lines += loop_markdown(r[key], args, name)
    if "fixtures_full" in r:
        full, gen, again = r["fixtures_full"], r["fixtures_generated"], r["fixtures_unchanged"]
        check = r["fixtures_check"]
        reused = "reused the last build" if again["reused"] else "built again"
        slowest = max(again["build"], check["build"])
        full_total, gen_total = full["build"] + full["load"], gen["build"] + gen["load"]
        per_q = (gen_total / gen["questions"]) / (full_total / full["questions"])
        vs_before = per_q / FIXTURES_PER_QUESTION_BEFORE
        lines += [
            "### build_fixtures + load_content (fresh SQLite database each, rendering cache empty)",
            "",
            "| bank | questions | build_fixtures | load_content | total | ratio to real bank |",
            "|---|---|---|---|---|---|",
            f"| baseline: fixtures/markdown | {full['questions']} | {full['build']:.2f} s "
            f"| {full['load']:.2f} s "
            f"| {full_total:.2f} s | 1.00 |",
            f"| generated QnA markdown | {gen['questions']} | {gen['build']:.2f} s | {gen['load']:.2f} s "
            f"| {gen_total:.2f} s | {ratio(gen_total, full_total)} |",
            f"| the generated bank rebuilt, nothing changed ({reused}) | {gen['questions']} "
            f"| {again['build']:.2f} s | | | |",
            f"| then `build_fixtures --check`, nothing changed | {gen['questions']} "
            f"| {check['build']:.2f} s | | | |",
            "",
            f"Per question the generated bank costs {per_q:.2f} x the real bank's time; before issue 17 "
            f"{FIXTURES_PER_QUESTION_BEFORE:.2f} x. Goal <= 0.35 x before: "
            f"{vs_before:.2f}, {goal(vs_before <= 0.35)}. "
            f"Goal: a rebuild or `--check` with nothing changed <= 1 s plus Django's start-up (timed in the "
            f"process, so start-up is left out): {again['build']:.2f} s and {check['build']:.2f} s, "
            f"{goal(slowest <= 1)}.",
            "",
        ]
    if "bytes" in r.get("sqlite", {}):
        b = r["sqlite"]["bytes"]
        lines += [
            "### Bytes for a complete question screen (what a first visit downloads)",
            "",
            "| resource | plain | Accept-Encoding: gzip | encoding | Cache-Control |",
            "|---|---|---|---|---|",
            *(
                f"| {name} | {p:,} | {c:,} | {enc or 'none'} | {cc or ''} |"
                for name, p, c, enc, cc in b["rows"]
            ),
            f"| **total** | **{b['plain']:,}** | **{b['compressed']:,}** "
            f"| ratio **{ratio(b['compressed'], b['plain'])}** | |",
            "",
            f"Brotli served: {'yes' if b['brotli_served'] else 'no (the brotli package is not installed)'}. "
            f"Each later question swaps in htmx partials: reveal {b['reveal_partial']:,} bytes, "
            f"grade (next card) {b['grade_partial']:,} bytes, uncompressed.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
