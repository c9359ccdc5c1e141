#!/usr/bin/env python
"""Run every bench script and write their figures to one markdown file (what `make bench` does).

    .venv/bin/python tests/bench/run_all.py --output docs/bench-results.md [--database-url postgres://...]

With ``--database-url`` (a PostgreSQL server on 127.0.0.1, e.g. the one `bash .ci/postgres start` prints)
the question loop and the load test also run on PostgreSQL, in a database of its own. Exits 1 if a load
test failed; the file is written either way.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import common

BENCH = Path(__file__).resolve().parent


def script(name: str, *args: str, markdown: Path, timeout: float) -> tuple[int, float]:
    began = time.monotonic()
    command = [sys.executable, str(BENCH / name), *args, "--markdown", str(markdown)]
    print("+", " ".join(command[1:]), flush=True)
    try:
        code = subprocess.run(command, cwd=common.ROOT, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        markdown.write_text(f"### {name} {' '.join(args)}\n\nDid not finish within {timeout:.0f} s.\n")
        code = 1
    return code, time.monotonic() - began


# The one part of the output written by hand: figures the code's comments point to, measured when the code
# was written. A run keeps it (from this heading to the end) and rewrites everything above it.
BY_HAND = "## Figures the code's comments point to"


def kept_by_hand(output: Path) -> str:
    text = output.read_text() if output.exists() else ""
    return "\n" + text[text.index(BY_HAND) :] if BY_HAND in text else ""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", type=Path, default=common.ROOT / "docs" / "bench-results.md")
    parser.add_argument("--database-url", help="Also run the loop and load tests on this PostgreSQL server.")
    args = parser.parse_args()

    runs = [
        ("bench_loop.py", ("--database-url", args.database_url) if args.database_url else ()),
        ("bench_history.py", ()),
        ("bench_feedback.py", ()),
        ("bench_search.py", ()),
        ("bench_rendering.py", ("--random", "100")),
        ("bench_plan.py", ()),
        ("bench_peer.py", ()),
        ("load_interviews.py", ()),
        ("load_interviews.py", ("--kill",)),
    ]
    if args.database_url:
        pg = ("--database-url", args.database_url)
        runs += [("bench_search.py", pg)]
        runs += [("load_interviews.py", pg), ("load_interviews.py", (*pg, "--kill"))]
    sections, failed, began = [], [], time.monotonic()
    with tempfile.TemporaryDirectory(prefix="interview-bench-md-") as tmp:
        for i, (name, extra) in enumerate(runs):
            md = Path(tmp) / f"{i}.md"
            code, seconds = script(name, *extra, markdown=md, timeout=600)
            if code:
                failed.append(f"{name} {' '.join(a for a in extra if not a.startswith('postgres'))}")
            sections.append(md.read_text() if md.exists() else f"### {name}\n\nNo figures (exit {code}).\n")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True, text=True
    ).stdout.strip()
    header = [
        "# Benchmark and load-test results",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit or '?'}, "
        f"in {time.monotonic() - began:.0f} s; {common.machine()}.",
        "",
        "Reproduce:",
        "",
        "```",
        "make bench                                                # SQLite only",
        "make bench BENCH_DATABASE_URL=$(bash .ci/postgres start)  # loop + load tests on PostgreSQL too",
        "python tests/bench/bench_loop.py                          # one script alone; --help lists knobs",
        "python tests/bench/bench_history.py                       # 100,000 graded questions",
        "python tests/bench/load_interviews.py [--kill] [--database-url URL]",
        "python tests/bench/bench_feedback.py                      # the key-point matcher alone",
        "python tests/bench/bench_search.py [--database-url URL]   # search: top-3 hits, time at 10,000",
        "python tests/bench/bench_rendering.py                     # the slowest accepted markdown",
        "python tests/bench/bench_plan.py                          # plan to a date: simulated learners",
        "python tests/bench/bench_peer.py [--pairs 100]            # peer interview polls: CPU, 100 pairs",
        "python tests/bench/profile_loop.py [--profile reveal]     # CPU per loop request, no server",
        "```",
        "",
        "Everything runs against real gunicorn processes on 127.0.0.1 with the production settings of",
        "`make serve` (DEBUG off, whitenoise, plain http on loopback). Absolute figures move with the",
        "machine and whatever else runs on it (compare the load averages); the ratios to a baseline measured",
        "in the same run are the figures to compare between runs. Nothing here is asserted by the tests.",
        "",
    ]
    if failed:
        header += [f"**Failed: {', '.join(failed)}** (details below).", ""]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(header) + "\n" + "\n".join(sections) + kept_by_hand(args.output))
    print(f"Wrote {args.output}")
    # Every goal of issue 17, with its baseline and the ratio measured in this run.
    goals = [line for section in sections for line in section.splitlines() if "Goal" in line]
    print("\nGoals:\n" + "\n".join(f"- {line}" for line in goals))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
