#!/usr/bin/env python
"""Server time of the history, progress and review pages for one user with 100,000 graded questions.

    .venv/bin/python tests/bench/bench_history.py [--items 100000] [--repeat 15] [--markdown FILE]

Seeds a fresh SQLite database (temp file) with the real question bank and one user whose history holds
``--items`` graded questions (10 per interview, spread over two years), plus a review card for every question.
Each page is rendered in-process through Django's test client (the whole middleware stack and the templates,
no network), ``--repeat`` times after a warm-up; the median is reported as a ratio to the home page measured
the same way in the same run. Nothing is asserted: this is a measurement.
"""

import argparse
import importlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS_PER_INTERVIEW = 10


def seed(items: int) -> object:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from quiz.models import InterviewItem, MockInterview, Question, ReviewState
    from quiz.models.interviews import share_ticked

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_content", verbosity=0, stdout=quiet)
    user = get_user_model().objects.create_user("heavy")
    sections = dict(Question.objects.active().values_list("pk", "section_id"))
    key_points = dict(Question.objects.active().values_list("pk", "key_points"))
    questions = list(sections)
    rng = random.Random(7)
    # Spread over the two years up to now, so the 90-day and 26-week windows hold a realistic share.
    count = items // QUESTIONS_PER_INTERVIEW
    step = timedelta(days=730) / count
    start = datetime.now(UTC) - timedelta(days=730)
    interviews = [
        MockInterview(
            user=user,
            created_at=start + i * step,
            finished_at=start + i * step + timedelta(minutes=8),
            ending=MockInterview.Ending.COMPLETED,
            question_count=QUESTIONS_PER_INTERVIEW,
        )
        for i in range(count)
    ]
    MockInterview.objects.bulk_create(interviews, batch_size=2000)
    rows = []
    for interview in MockInterview.objects.filter(user=user).only("pk", "created_at"):
        for position, question in enumerate(rng.sample(questions, QUESTIONS_PER_INTERVIEW)):
            done = interview.created_at + timedelta(seconds=40 * (position + 1))
            # As after a reveal: the key points shown, some ticked (what calibration reads).
            ticks = [rng.random() < 0.6 for _ in key_points[question]]
            rows.append(
                InterviewItem(
                    interview=interview,
                    user=user,
                    section_id=sections[question],
                    question_id=question,
                    position=position,
                    started_at=done - timedelta(seconds=40),
                    revealed_at=done,
                    done_at=done,
                    done_day=done.date(),
                    grade=rng.randint(1, 4),
                    key_points_shown=key_points[question],
                    ticks=ticks,
                    ticked_share=share_ticked(ticks),
                )
            )
    InterviewItem.objects.bulk_create(rows, batch_size=5000)
    # Written straight into the table, so tallied the way migration 0015 tallies history from before it.
    from django.apps import apps

    importlib.import_module("quiz.migrations.0015_tally_past_practice").tally_past_practice(
        apps, users=[user]
    )
    now = datetime.now(UTC)
    ReviewState.objects.bulk_create(
        ReviewState(
            user=user,
            question_id=q,
            state=2,
            stability=5.0,
            difficulty=5.0,
            due=now + timedelta(hours=rng.randint(-72, 24 * 14)),
            last_review=now - timedelta(days=1),
            last_grade=rng.randint(1, 4),
            reviews=rng.randint(1, 40),
            lapses=rng.randint(0, 6),
        )
        for q in questions
    )
    return user


def time_page(client, url: str, repeat: int) -> tuple[float, int]:
    response = client.get(url)  # warm-up (template loading, first-query caches)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--markdown", type=Path, help="Also write the figures as a markdown section here.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="interview-bench-history-") as tmp:
        os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "interview.settings"
        os.environ["AXES_ENABLED"] = "0"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db.models import Count
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        from quiz.models import InterviewItem, MockInterview

        setup_test_environment()  # lets the test client run against this (non-test) database
        began = time.monotonic()
        user = seed(args.items)
        seeded = time.monotonic() - began
        client = Client()
        client.force_login(user)
        latest_interview = MockInterview.objects.filter(user=user).order_by("-created_at").first()
        most_answered = (
            InterviewItem.objects.filter(user=user)
            .values("question")
            .annotate(n=Count("*"))
            .order_by("-n")[0]
        )
        pages = [
            ("home (baseline)", reverse("quiz:home")),
            ("history, first page", reverse("quiz:history")),
            ("history, last page", reverse("quiz:history") + "?page=last"),
            ("progress", reverse("quiz:progress")),
            ("results of the latest interview", reverse("quiz:results", args=[latest_interview.pk])),
            (
                f"the question answered most ({most_answered['n']} times)",
                reverse("quiz:question", args=[most_answered["question"]]),
            ),
            ("questions due for review", reverse("quiz:questions") + "?due=on"),
            ("question bank, search", reverse("quiz:questions") + "?q=gradient"),
        ]
        results = [(name, url, *time_page(client, url, args.repeat)) for name, url in pages]
        # With the planner's statistics (what a maintained server has): a plan that turns into a full scan
        # under ANALYZE shows here.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        results += [
            (f"{name}, after ANALYZE", url, *time_page(client, url, args.repeat))
            for name, url in pages
            if name.startswith(("home", "progress"))
        ]

    base = results[0][2]
    analyzed_base = next(r[2] for r in results if r[0].startswith("home") and "ANALYZE" in r[0])
    lines = [
        "### History and progress with 100,000 graded questions",
        "",
        f"`python tests/bench/bench_history.py` — one user, {args.items:,} graded questions in "
        f"{args.items // QUESTIONS_PER_INTERVIEW:,} interviews, a review card per question "
        f"(seeded in {seeded:.0f} s). "
        f"Server time in-process through Django's test client, median of {args.repeat}, SQLite.",
        "",
        "| page | median | ratio to home (same statistics) | bytes |",
        "|---|---|---|---|",
    ]
    for name, url, seconds, size in results:
        home = analyzed_base if "ANALYZE" in name else base
        lines.append(f"| {name} (`{url}`) | {seconds * 1000:.1f} ms | {seconds / home:.2f} | {size:,} |")
    progress = [r[2] / (analyzed_base if "ANALYZE" in r[0] else base) for r in results if "progress" in r[0]]
    verdict = "**met**" if max(progress) <= 3 else "**not met**"
    lines += [
        "",
        f"Goal: progress <= 3 x home, before and after ANALYZE: {' / '.join(f'{x:.2f}' for x in progress)}, "
        f"{verdict} (before issue 17: 12.7 x, and 15.3 x in docs/bench-results.md at c5e0efb). "
        f"Load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
