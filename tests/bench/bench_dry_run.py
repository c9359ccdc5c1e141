"""CPU time of the upload's dry run (``bank_imports.dry_run``) on a generated bank of 1,000 questions.

    .venv/bin/python tests/bench/bench_dry_run.py [--questions 1000]

Ten files of heading questions, each answer with prose, a code fence and a key-points list, and a stray
section per file (ignored lines for the report to list). The goal (issue 28): a 1,000-question bank's dry run
within 2 s; CPU time, best of three, because the machine is shared. Needs a migrated database (the dry run
asks whether the bank exists): run it after ``make run`` or ``manage.py migrate``.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")

import django  # noqa: E402

django.setup()

from quiz import bank_imports  # noqa: E402

GOAL_SECONDS = 2.0


def generated_bank(questions: int, files: int = 10) -> dict[str, str]:
    per_file = max(1, questions // files)
    bank = {}
    for f in range(files):
        parts = [f"# File {f}\n"]
        for n in range(per_file):
            parts.append(
                f"\n## Section {n}\n\n### What does setting {f}-{n} change in the optimiser?\n\n"
                f"It changes the step size of run {n}: "
                + "a long answer sentence with `code` and **bold** words. "
                * 8
                + f"\n\n```python\ndef f{n}(x):\n    return x * {n}\n```\n\nKey points:\n"
                "- one point here about the step size\n- another point about the schedule\n"
                "- a third point about the warm-up\n"
            )
        parts.append("\n## Aside\n\nA stray line no question uses.\n")
        bank[f"bank/part-{f}.md"] = "".join(parts)
    return bank


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    sources = generated_bank(args.questions)
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        report = bank_imports.dry_run("bench-dry-run", sources)
        best = min(best, time.process_time() - began)
    verdict = "met" if best <= GOAL_SECONDS else "NOT met"
    print(
        f"dry run of {report.total.questions} questions, {report.total.ignored} ignored lines listed: "
        f"{best:.2f} s CPU (best of 3); goal <= {GOAL_SECONDS:.0f} s: {verdict}"
    )


if __name__ == "__main__":
    main()
