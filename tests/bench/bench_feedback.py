#!/usr/bin/env python
"""Quality, speed and memory of the key-point matcher (quiz/feedback/) against plain word overlap.

    .venv/bin/python tests/bench/bench_feedback.py [--markdown FILE] [--fit]

Reads the labelled answers in tests/data/feedback_eval.toml and reports, for the matcher, its ablations and a
word-overlap baseline measured in the same run, on five sets: the tuning half (questions at even positions,
on which ``--fit`` sets the weights), the held-out half (odd positions; the hand-kept vocabulary was written
with both halves in view, so it is not untouched), fresh round 1 (8 questions written after the first matcher
was frozen), fresh round 2 (20 questions whose key points are the bank's own `Key points:` blocks, written
before the second round of work on the matcher and never used to shape it) and all of them:

- per key point: precision, recall and F1 of "covered" (score >= 0.5) against the labels;
- ordering: share of questions where mean coverage ranks strong > partial > wrong;
- false below strong: share of questions where the answer that reuses the key words but says something false
  scores below the strong paraphrase.

Speed is the time of one ``key_point_coverage`` call (model already loaded) on the labelled answers and on
answers of about 300 words; memory is the resident set size added by importing the matcher and by loading the
embedding model, measured in a fresh interpreter. ``--fit`` grid-searches the cue weights on the tuning half
and prints them (they live in quiz/feedback/scoring.py). Nothing is asserted: this is a measurement.
"""

import argparse
import itertools
import json
import re
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from quiz import feedback  # noqa: E402

DATA = ROOT / "tests" / "data" / "feedback_eval.toml"
KINDS = ("strong", "partial", "wrong", "false")
BASELINE_STOPWORDS = feedback.STOPWORDS


def load() -> list[dict]:
    return tomllib.loads(DATA.read_text())["question"]


def word_overlap(key_points: list[str], answer: str) -> list[float]:
    """The baseline: share of a key point's words (lower case, stopwords out) that the answer contains."""
    said = set(re.findall(r"[a-z0-9]+", answer.lower()))
    scores = []
    for point in key_points:
        words = {w for w in re.findall(r"[a-z0-9]+", point.lower()) if w not in BASELINE_STOPWORDS}
        scores.append(len(words & said) / len(words) if words else 0.0)
    return scores


METHODS = {
    "matcher": lambda kp, a: feedback.key_point_coverage(kp, a),
    "without embeddings": lambda kp, a: feedback._score(kp, a, feedback.Options(embeddings=False)),
    "without stemming/synonyms/typos": lambda kp, a: feedback._score(kp, a, feedback.Options(synonyms=False)),
    "without negation/contrasts": lambda kp, a: feedback._score(
        kp, a, feedback.Options(contradictions=False)
    ),
    "word overlap (baseline)": word_overlap,
}


def evaluate(questions: list[dict], scorer) -> dict:
    tp = fp = fn = 0
    ordered = false_below = 0
    for q in questions:
        means = {}
        for answer in q["answer"]:
            scores = scorer(q["key_points"], answer["text"])
            for score, label in zip(scores, answer["covered"], strict=True):
                covered = score >= feedback.COVERED
                tp += covered and label
                fp += covered and not label
                fn += (not covered) and label
            means[answer["kind"]] = sum(scores) / len(scores)
        ordered += means["strong"] > means["partial"] > means["wrong"]
        false_below += means["false"] < means["strong"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(questions)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ordering": ordered / n,
        "false_below_strong": false_below / n,
    }


def subsets(questions: list[dict]) -> dict[str, list[dict]]:
    """The tuning and held-out halves of the questions the matcher was shaped on, the fresh rounds, all."""
    shaped = [q for q in questions if not q.get("fresh")]
    return {
        "tuning half": shaped[0::2],
        "held-out half": shaped[1::2],
        "fresh round 1": [q for q in questions if q.get("fresh") and q.get("round", 1) == 1],
        "fresh round 2": [q for q in questions if q.get("fresh") and q.get("round") == 2],
        "all": questions,
    }


def quality(questions: list[dict]) -> list[str]:
    halves = subsets(questions)
    lines = [
        "| method | set | questions | precision | recall | F1 | ordering s>p>w | false < strong |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, scorer in METHODS.items():
        for half, subset in halves.items():
            r = evaluate(subset, scorer)
            lines.append(
                f"| {name} | {half} | {len(subset)} | {r['precision']:.2f} | {r['recall']:.2f} "
                f"| {r['f1']:.2f} "
                f"| {r['ordering']:.0%} | {r['false_below_strong']:.0%} |"
            )
    return lines


def long_answers(questions: list[dict], words: int = 300) -> list[tuple[list[str], str]]:
    """For each question: its own answers, then other questions' strong answers, cut at ``words`` words."""
    strong = [a["text"] for q in questions for a in q["answer"] if a["kind"] == "strong"]
    out = []
    for i, q in enumerate(questions):
        parts = [a["text"] for a in q["answer"]] + strong[i + 1 :] + strong[: i + 1]
        text = " ".join(". ".join(parts).split()[:words])
        out.append((q["key_points"], text))
    return out


def p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def speed(questions: list[dict]) -> list[str]:
    feedback.key_point_coverage(["warm up the model"], "load it once")
    lines = [
        "| answers | calls | median ms | p95 ms | max ms | CPU median ms | CPU p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    typed = [(q["key_points"], a["text"]) for q in questions for a in q["answer"]]
    for label, cases in (
        (f"labelled answers (median {statistics.median(len(t.split()) for _, t in typed):.0f} words)", typed),
        ("300-word answers", long_answers(questions) * 3),
        ("10,000-word paste (read up to 1,500 words)", long_answers(questions, 10_000)[:5] * 2),
    ):
        times, cpu = [], []
        for key_points, text in cases:
            if "10,000" in label:
                text = " ".join((text + " ") * 40).split()
                text = " ".join(text[:10_000])
            began, began_cpu = time.perf_counter(), time.process_time()
            feedback.key_point_coverage(key_points, text)
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        times.sort()
        cpu.sort()
        lines.append(
            f"| {label} | {len(times)} | {statistics.median(times):.1f} | {p95(times):.1f} | {times[-1]:.1f} "
            f"| {statistics.median(cpu):.1f} | {p95(cpu):.1f} |"
        )
    return lines


MEMORY_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
start = rss()
from quiz import feedback
imported = rss()
loaded = feedback._embedding_model() is not None
feedback.key_point_coverage(["L1 gives sparse weights"], "lasso zeroes out coefficients")
after = rss()
print(json.dumps({"start": start, "imported": imported, "after": after, "loaded": loaded}))
"""


def memory() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    ).stdout
    m = json.loads(out)
    return [
        f"- RSS of a fresh interpreter: {m['start']:.0f} MiB; after `import quiz.feedback` (PyStemmer, "
        f"rapidfuzz): +{m['imported'] - m['start']:.0f} MiB; after the first call "
        f"(wordllama and numpy imported, "
        f"model loaded: {m['loaded']}): +{m['after'] - m['imported']:.0f} MiB; "
        f"**added in all: {m['after'] - m['start']:.0f} MiB** (run with HF_HUB_OFFLINE=1).",
    ]


def fit(questions: list[dict]) -> None:
    """Grid-search the cue weights and penalties on the tuning half; print the best."""
    import numpy as np

    tuning = [q for q in questions if not q.get("fresh")][0::2]
    for embeddings in (True, False):
        options = feedback.Options(embeddings=embeddings)
        rows, labels, groups = [], [], []
        for qi, q in enumerate(tuning):
            for answer in q["answer"]:
                per_point = feedback.features(q["key_points"], answer["text"], options)
                for pi, windows in enumerate(per_point):
                    rows.append(windows)
                    labels.append(answer["covered"][pi])
                    groups.append((qi, answer["kind"]))
        width = max(len(w) for w in rows)
        names = ("lexical", "order", "embedding", "contradiction", "negation", "falsity")
        table = np.zeros((len(rows), width, len(names)))
        mask = np.zeros((len(rows), width), dtype=bool)
        for i, windows in enumerate(rows):
            for j, row in enumerate(windows):
                table[i, j] = [row[n] for n in names]
                mask[i, j] = True
        labels_array = np.array(labels, dtype=bool)
        best = None
        grid = itertools.product(
            (-1.5, -2, -2.5, -3, -3.5, -4, -5),
            (4, 6, 8, 9, 10, 12),
            (0, 1),
            (0, 1, 2, 4) if embeddings else (0,),
            (0.8, 1.0),
            (0.6, 0.8),
            (0, 0.5, 1.0),
            (0.2, 0.3),
        )
        for bias, lexical, order, embedding, contradiction, negation, falsity, floor in grid:
            x = bias + lexical * table[..., 0] + order * table[..., 1] + embedding * table[..., 2]
            score = 1 / (1 + np.exp(-x))
            score *= 1 - contradiction * table[..., 3]
            score *= 1 - negation * table[..., 4]
            score *= np.clip(1 - falsity * np.clip((table[..., 5] - floor) / (1 - floor), 0, 1), 0, 1)
            score = np.where(mask, score, 0).max(axis=1)
            covered = score >= feedback.COVERED
            tp = (covered & labels_array).sum()
            precision = tp / max(1, covered.sum())
            recall = tp / max(1, labels_array.sum())
            f1 = 2 * precision * recall / max(1e-9, precision + recall)
            means: dict[tuple, list] = {}
            for g, s in zip(groups, score, strict=True):
                means.setdefault(g, []).append(s)
            mean = {g: sum(v) / len(v) for g, v in means.items()}
            ordering = np.mean(
                [mean[(i, "strong")] > mean[(i, "partial")] > mean[(i, "wrong")] for i in range(len(tuning))]
            )
            false_below = np.mean([mean[(i, "false")] < mean[(i, "strong")] for i in range(len(tuning))])
            objective = f1 + 0.5 * ordering + 0.3 * false_below
            if best is None or objective > best[0]:
                best = (
                    objective,
                    f1,
                    ordering,
                    false_below,
                    bias,
                    lexical,
                    order,
                    embedding,
                    contradiction,
                    negation,
                    falsity,
                    floor,
                )
        names = "objective f1 ordering false_below bias lexical order embedding contradiction negation"
        names += " falsity falsity_floor"
        print(
            "embeddings" if embeddings else "no embeddings",
            dict(zip(names.split(), (round(float(v), 3) for v in best), strict=True)),
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--markdown", type=Path, help="Also write the figures to this markdown file.")
    parser.add_argument("--fit", action="store_true", help="Grid-search the weights on the tuning half.")
    args = parser.parse_args()
    questions = load()
    if args.fit:
        fit(questions)
        return 0
    began = time.monotonic()
    model = feedback._embedding_model()
    quality_lines = quality(questions)
    speed_lines = speed(questions)
    memory_lines = memory()
    answers = sum(len(q["answer"]) for q in questions)
    points = sum(len(q["key_points"]) * len(q["answer"]) for q in questions)
    text = "\n".join(
        [
            "### Key-point matcher (bench_feedback.py)",
            "",
            f"{len(questions)} questions, {answers} typed answers, {points} labelled "
            f"(answer, key point) pairs "
            f"in `tests/data/feedback_eval.toml`. Weights tuned on the tuning half; the vocabulary was "
            f"written with the tuning and held-out halves in view; the fresh rounds were written before the "
            f"work they measure and never used to shape it. Covered = score >= {feedback.COVERED}. "
            f"Embedding model loaded: {model is not None}. Targets on an unseen set: F1 >= 0.70, "
            f"ordering >= 90%, false < strong >= 60%.",
            "",
            *quality_lines,
            "",
            "Time per `key_point_coverage` call, model loaded once (wall clock, and this process's CPU time,"
            " which other load on the machine disturbs less):",
            "",
            *speed_lines,
            "",
            *memory_lines,
            "",
            f"Measured in {time.monotonic() - began:.0f} s.",
            "",
        ]
    )
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
