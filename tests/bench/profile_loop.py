#!/usr/bin/env python
"""Where a question loop request's time goes: CPU per request in one process, without a server.

    .venv/bin/python tests/bench/profile_loop.py [--questions 300] [--profile KIND]

Runs the loop of bench_loop.py (GET step, POST reveal, POST grade; a quick start every 10 questions) through
Django's test client against a fresh SQLite database with the production settings of the bench, beside the
two baselines (/bench/constant, /bench/ceiling), and prints the median CPU time of each kind of request, and
what building the step's one query costs next to running it. ``--profile step|reveal|grade|ceiling`` also
prints cProfile's top functions for that kind. Nothing is asserted: this explains the ratios of
bench_loop.py, where the same requests go through gunicorn.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parents[1]), str(BENCH_DIR)]

import common  # noqa: E402 - after the path above

REVEAL = re.compile(r'hx-post="(/interviews/\d+/items/\d+/reveal/)"')
GRADE = re.compile(r'hx-post="(/interviews/\d+/items/\d+/grade/)"')
HTMX = {"HTTP_HX_REQUEST": "true"}
KINDS = ("constant", "ceiling", "step", "reveal", "grade")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=300, help="Questions answered (after 5 of warm-up).")
    parser.add_argument("--profile", choices=KINDS, help="Also print cProfile's top functions for this kind.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="interview-profile-loop-") as tmp:
        env = common.production_env(
            sqlite_path=Path(tmp) / "profile.sqlite3", DJANGO_SETTINGS_MODULE="bench_settings"
        )
        env["DJANGO_ALLOWED_HOSTS"] += ",testserver"
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        from quiz import feedback

        with open(os.devnull, "w") as quiet:
            for command in ("migrate", "createcachetable", "load_content"):
                call_command(command, verbosity=0, stdout=quiet)
        feedback.warm_up()  # as interview/wsgi.py does before a server forks its workers
        report(*measure(args.questions, args.profile))
    return 0


def measure(
    questions: int, profiled_kind: str | None
) -> tuple[dict[str, list[float]], cProfile.Profile, dict]:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.create_user("profile"))
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    profile = cProfile.Profile()

    def timed(kind: str, send, *args, **kwargs):
        began = time.process_time()
        if kind == profiled_kind:
            profile.enable()
        response = send(*args, **kwargs)
        if kind == profiled_kind:
            profile.disable()
        cpu[kind].append(time.process_time() - began)
        return response

    rng, interview = random.Random(1), None
    for _ in range(questions + 5):
        timed("constant", client.get, "/bench/constant")
        timed("ceiling", client.get, "/bench/ceiling")
        if interview is None:
            cache.clear()  # the start throttle (60 an hour) would refuse a long run
            interview = client.post("/interviews/new/", {"quick": "1"})["Location"]
        card = timed("step", client.get, interview).content.decode()
        reveal = REVEAL.search(card)[1]
        card = timed("reveal", client.post, reveal, {"answer_text": "thinking"}, **HTMX).content.decode()
        grade = {"grade": rng.randint(1, 4), "answer_text": "x"}
        if timed("grade", client.post, GRADE.search(card)[1], grade, **HTMX).get("HX-Redirect"):
            interview = None
    return {kind: times[5:] for kind, times in cpu.items()}, profile, query_costs()


def query_costs(repeat: int = 300) -> dict[str, float]:
    """The step's one read (item, interview, question, section): building its SQL, then running it alone."""
    from django.db import connection

    from quiz.models import InterviewItem, MockInterview

    item = InterviewItem.objects.filter(done_at__isnull=True).select_related("interview").first()
    user, pk = item.interview.user, item.interview_id

    def median_ms(work) -> float:
        samples = []
        for _ in range(repeat):
            began = time.process_time()
            work()
            samples.append(time.process_time() - began)
        return statistics.median(samples) * 1000

    read = (
        InterviewItem.objects.filter(interview__user=user, interview_id=pk, done_at__isnull=True)
        .select_related("interview", "question__section")
        .order_by("position")[:2]
    )
    sql, params = read.query.sql_with_params()

    def run_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return {
        "the whole read (MockInterview.at_step)": median_ms(lambda: MockInterview.at_step(user, pk)),
        "building its SQL": median_ms(lambda: read.query.sql_with_params()),
        "running that SQL": median_ms(run_sql),
    }


def report(cpu: dict[str, list[float]], profile: cProfile.Profile, queries: dict[str, float]) -> None:
    ceiling = statistics.median(cpu["ceiling"])
    print(f"CPU per request, median of {len(cpu['step'])} ({common.machine()}):")
    for kind, samples in cpu.items():
        median = statistics.median(samples)
        print(f"  {kind:<9} {median * 1000:6.2f} ms  {median / ceiling:5.2f} x the ceiling")
    loop = statistics.mean(statistics.median(cpu[k]) for k in ("step", "reveal", "grade"))
    print(
        f"  the loop's mean request costs {loop / ceiling:.2f} x the ceiling's: "
        f"at most {ceiling / loop:.2f} of its req/s"
    )
    print("The step's one query:")
    for name, ms in queries.items():
        print(f"  {name:<40} {ms:6.3f} ms")
    if profile.getstats():
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
        print(text.getvalue())


if __name__ == "__main__":
    sys.exit(main())
