#!/usr/bin/env python
"""Search: does the question a person wants come in the top 3, and how long does a query take at 10,000?

    .venv/bin/python tests/bench/bench_search.py [--database-url postgres://...] [--questions 10000]

On a fresh database (a temp SQLite file, or a database of its own on the PostgreSQL server given) with the
bundled banks loaded: the top-3 hit rate of the labelled queries in tests/data/search_queries.toml (and of
each tests/data/search_queries_*.toml beside it, reported apart: fresh, round3; round4 and round5 held out),
then the server time of one query (``quiz.search.query.search``, in-process) over the labelled queries, first
on the bundled banks and then with the bank grown to ``--questions`` questions (copies of the real ones with
their texts mixed). The baseline measured in the same run is what search did before (every word as
``icontains`` on the prompt and the answer, unranked). Nothing is asserted: this is a measurement.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))


HELD_OUT = {"round4", "round5"}


def labelled_sets() -> dict[str, list[dict]]:
    sets = {"labelled (tests/data/search_queries.toml)": DATA / "search_queries.toml"}
    # Tuned on: labelled; round3 (written after the ranking was first tuned); fresh (held out until issue 29's
    # second pass tuned on its misses). Held out, never tuned on: round4 (written before its author read the
    # ranking; measured once, its misses reported, not fixed); round5 (written by a helper who read neither
    # the ranking nor any bench output, before issue 29's third pass was measured on it).
    sets |= {
        f"{stem} ({path.name}){', held out' if stem in HELD_OUT else ''}": path
        for path in sorted(DATA.glob("search_queries_*.toml"))
        if (stem := path.stem.removeprefix("search_queries_"))
    }
    return {name: tomllib.loads(path.read_text())["query"] for name, path in sets.items()}


def hit_rate(queries: list[dict]) -> tuple[float, list[str]]:
    """The share of queries with a wanted question in the top 3: ``want`` lists key prefixes,
    ``want_prompts`` exact prompts."""
    from quiz.models import Question
    from quiz.search.query import search

    rows = {
        pk: (key, prompt.strip())
        for pk, key, prompt in Question.objects.values_list("pk", "key", "prompt_md")
    }
    misses = []
    for query in queries:
        top = [rows[pk] for pk in search(query["text"]).ids[:3]]
        keys, prompts = tuple(query.get("want", ())), set(query.get("want_prompts", ()))
        if not any((keys and key.startswith(keys)) or prompt in prompts for key, prompt in top):
            misses.append(query["text"])
    return 1 - len(misses) / len(queries), misses


def old_search(text: str) -> list[int]:
    from django.db.models import Q

    from quiz.models import Question

    every = Q()
    for word in text.split():
        every &= Q(prompt_md__icontains=word) | Q(answer_md__icontains=word)
    return list(Question.objects.active().filter(every).values_list("pk", flat=True)[:25])


def timings(queries: list[str], repeat: int) -> tuple[list[float], list[float]]:
    from quiz.search.query import search

    ours, before = [], []
    for _ in range(repeat):
        for text in queries:
            began = time.perf_counter()
            search(text)
            ours.append(time.perf_counter() - began)
            began = time.perf_counter()
            old_search(text)
            before.append(time.perf_counter() - began)
    return ours, before


def grow(target: int) -> int:
    """Copies of the real questions, each answer mixed with another's, until the bank holds ``target``."""
    from quiz.models import Question
    from quiz.search.index import rebuild_vocabulary, search_fields

    real = list(Question.objects.active().values("section_id", "prompt_md", "answer_md", "difficulty"))
    rng = random.Random(3)
    rows, n = [], 0
    while len(real) + len(rows) < target:
        one, other = rng.choice(real), rng.choice(real)
        answer = one["answer_md"] + "\n\n" + other["answer_md"].split("\n\n")[0]
        prompt = f"{one['prompt_md']} (variant {n})"
        rows.append(
            Question(
                key=f"bench/{n}",
                section_id=one["section_id"],
                prompt_md=prompt,
                prompt_html=prompt,
                answer_md=answer,
                answer_html=answer,
                difficulty=one["difficulty"],
                source_path="bench",
                **search_fields(prompt, answer),
            )
        )
        n += 1
    Question.objects.bulk_create(rows, batch_size=1000)
    rebuild_vocabulary()
    return Question.objects.active().count()


def met(yes: bool) -> str:
    return "**met**" if yes else "**not met**"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="A PostgreSQL server on 127.0.0.1 (a database of its own is made)."
    )
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--markdown", type=Path, help="Also write the figures as a markdown section here.")
    args = parser.parse_args()

    import common

    with tempfile.TemporaryDirectory(prefix="interview-bench-search-") as tmp:
        os.environ.pop("DATABASE_URL", None)
        name = "interview_bench_search"
        if args.database_url:
            os.environ["DATABASE_URL"] = common.fresh_postgres_database(args.database_url, name)
        else:
            os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        os.environ["DJANGO_SETTINGS_MODULE"] = "interview.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False  # as in production: no query log
        from django.core.management import call_command
        from django.db import connection

        try:
            call_command("migrate", verbosity=0)
            with open(os.devnull, "w") as quiet:
                call_command("load_content", verbosity=0, stdout=quiet)
            from quiz.models import Question

            bundled = Question.objects.active().count()
            print(f"loaded {bundled} questions", file=sys.stderr, flush=True)
            sets = labelled_sets()
            rates = {label: hit_rate(queries) for label, queries in sets.items()}
            texts = [query["text"] for queries in sets.values() for query in queries]
            print(f"hit rates {rates}", file=sys.stderr, flush=True)
            small = timings(texts, args.repeat)
            print("timed the bundled banks", file=sys.stderr, flush=True)
            grown = grow(args.questions)
            print(f"grown to {grown}", file=sys.stderr, flush=True)
            large = timings(texts, args.repeat)
        finally:
            connection.close()
            if args.database_url:
                common.drop_postgres_database(args.database_url, name)

    database = "PostgreSQL" if args.database_url else "SQLite"
    lines = [
        f"### Search on {database}",
        "",
        f"`python tests/bench/bench_search.py{' --database-url URL' if args.database_url else ''}` — "
        f"the bundled banks ({bundled:,} questions), then grown to {grown:,}; "
        f"{len(texts)} labelled queries x {args.repeat}, in-process.",
        "",
        "| labelled set | queries | top-3 hit rate | misses |",
        "|---|---|---|---|",
    ]
    for label, (rate, misses) in rates.items():
        shown = ", ".join(f"`{m}`" for m in misses) or "none"
        lines.append(f"| {label} | {len(sets[label])} | {rate:.2f} | {shown} |")
    lines += [
        "",
        "| bank | search p50 | search p95 | baseline p95 (per-word icontains, unranked) | ratio p95 |",
        "|---|---|---|---|---|",
    ]
    for label, (ours, before) in ((f"{bundled:,} questions", small), (f"{grown:,} questions", large)):
        p95, base = percentile(ours, 95), percentile(before, 95)
        lines.append(
            f"| {label} | {statistics.median(ours) * 1000:.1f} ms | {p95 * 1000:.1f} ms "
            f"| {base * 1000:.1f} ms | {p95 / base:.2f} |"
        )
    worst = min(rate for rate, _ in rates.values())
    p95 = percentile(large[0], 95) * 1000
    lines += [
        "",
        f"Goal (issue 29): top-3 hit rate ≥ 0.9 — {worst:.2f}, {met(worst >= 0.9)}; "
        f"p95 ≤ 30 ms at 10,000 questions — {p95:.1f} ms, {met(p95 <= 30)}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
