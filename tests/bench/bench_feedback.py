#!/usr/bin/env python
"""Quality, speed and memory of the key-point matcher (quiz/feedback/) against plain word overlap.

    .venv/bin/python tests/bench/bench_feedback.py [--markdown FILE] [--fit] [--quality-only]

Reads the labelled answers in tests/data/feedback_eval.toml and any number of extra sets in
tests/data/feedback_fresh_*.toml (same format; ``kind = "salad"`` answers allowed, and any subset of the
kinds), and reports, for the matcher, its ablations and a word-overlap baseline measured in the same run,
by subset:

- tuned on: the questions of feedback_eval.toml at even positions (``--fit`` sets the weights on them; the
  vocabulary and the rules were written looking at them);
- held out: the odd positions; the vocabulary was written with both halves in view, so it is not untouched;
- held out (earlier fresh rounds): the questions marked ``fresh`` in feedback_eval.toml, written by earlier
  rounds before the work they measured; this round's figures on them were looked at, so they are not fresh;
- fresh: each feedback_fresh_*.toml, written by people who did not see the matcher, and all of them together.

Per set: pre-ticked precision (score >= TICK) against the labels; recall of the labelled points as ticked or
unsure (score >= UNSURE); the share of pairs in the unsure band; ordering (share of questions where mean
coverage ranks strong > partial > wrong); false below strong; the share of wrong, false and salad answers
whose ticks suggest Good or Nailed; and the share of salad answers and of a generated 10,000-word paste of
each question's own key words (one per question) that suggest at most Partial.

Speed is the time of one ``key_point_coverage`` call (model already loaded) on the labelled answers and on
answers of about 300 words; memory is the resident set size added by importing the matcher and by loading the
embedding model, measured in a fresh interpreter. ``--fit`` grid-searches the cue weights on the tuning half
and prints them (they live in quiz/feedback/scoring.py). Nothing is asserted: this is a measurement.
"""

import argparse
import itertools
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")

import django  # noqa: E402

django.setup()

from quiz import feedback  # noqa: E402
from quiz.feedback import embeddings, scoring  # noqa: E402
from quiz.models import Grade, suggested_grade  # noqa: E402
from quiz.models.content import answer_ceiling  # noqa: E402

DATA = ROOT / "tests" / "data" / "feedback_eval.toml"
FRESH = sorted((ROOT / "tests" / "data").glob("feedback_fresh_*.toml"))
KINDS = ("strong", "partial", "wrong", "false")
BAD_KINDS = ("wrong", "false", "salad")
BASELINE_STOPWORDS = feedback.STOPWORDS


def load() -> list[dict]:
    return tomllib.loads(DATA.read_text())["question"]


def load_fresh() -> dict[str, list[dict]]:
    return {path.name: tomllib.loads(path.read_text())["question"] for path in FRESH}


def word_overlap(key_points: list[str], answer: str) -> list[float]:
    """The baseline: share of a key point's words (lower case, stopwords out) that the answer contains."""
    said = set(re.findall(r"[a-z0-9]+", answer.lower()))
    scores = []
    for point in key_points:
        words = {w for w in re.findall(r"[a-z0-9]+", point.lower()) if w not in BASELINE_STOPWORDS}
        scores.append(len(words & said) / len(words) if words else 0.0)
    return scores


METHODS = {
    "matcher": lambda kp, a: feedback.key_point_feedback(kp, a),
    "without embeddings": lambda kp, a: scoring._score(kp, a, feedback.Options(embeddings=False)),
    "without stemming/synonyms/typos": lambda kp, a: scoring._score(kp, a, feedback.Options(synonyms=False)),
    "without negation/contrasts": lambda kp, a: scoring._score(kp, a, feedback.Options(contradictions=False)),
    "without the claims.py checks": lambda kp, a: scoring._score(kp, a, feedback.Options(claims=False)),
    "word overlap (baseline)": word_overlap,
}


def paste(question: dict, words: int = 10_000) -> str:
    """A long buzzword paste: the question's own key words and the prompt's, shuffled and repeated."""
    pool = re.findall(r"[A-Za-z0-9]+", " ".join([*question["key_points"], question.get("prompt", "")]))
    rng = random.Random(question.get("prompt", ""))
    return " ".join(rng.choice(pool) for _ in range(words))


def _read(result) -> tuple[list[float], bool]:
    """Scores, and whether the answer contradicts a point (the matcher's ``Reading`` says; others cannot)."""
    if isinstance(result, feedback.Reading):
        return result.scores, any(result.contradicted)
    return result, False


def evaluate(questions: list[dict], scorer) -> dict:
    pairs = ticked = tp = unsure = labelled = found = 0
    orderable = ordered = compared = false_below = 0
    bad = praised = salads = salads_capped = 0
    for q in questions:
        means: dict[str, list[float]] = {}
        for answer in q["answer"]:
            scores, contradicted = _read(scorer(q["key_points"], answer["text"]))
            for score, label in zip(scores, answer["covered"], strict=True):
                pairs += 1
                ticked += score >= feedback.TICK
                tp += score >= feedback.TICK and bool(label)
                unsure += feedback.UNSURE <= score < feedback.TICK
                labelled += bool(label)
                found += score >= feedback.UNSURE and bool(label)
            means.setdefault(answer["kind"], []).append(sum(scores) / len(scores) if scores else 0.0)
            ticks = [s >= feedback.TICK for s in scores]
            grade = suggested_grade(ticks, answer["text"], ceiling=answer_ceiling(None, contradicted))
            if answer["kind"] in BAD_KINDS:
                bad += 1
                praised += grade is not None and grade >= Grade.GOOD
            if answer["kind"] == "salad":
                salads += 1
                salads_capped += grade is None or grade <= Grade.PARTIAL
        mean = {kind: sum(v) / len(v) for kind, v in means.items()}
        if {"strong", "partial", "wrong"} <= mean.keys():
            orderable += 1
            ordered += mean["strong"] > mean["partial"] > mean["wrong"]
        if {"strong", "false"} <= mean.keys():
            compared += 1
            false_below += mean["false"] < mean["strong"]
    pastes_capped = 0
    for q in questions:
        scores, contradicted = _read(scorer(q["key_points"], paste(q)))
        ticks = [s >= feedback.TICK for s in scores]
        grade = suggested_grade(ticks, "pasted", ceiling=answer_ceiling(None, contradicted))
        pastes_capped += grade is None or grade <= Grade.PARTIAL

    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return {
        "pairs": pairs,
        "precision": share(tp, ticked),
        "recall_ticked": share(tp, labelled),
        "recall_found": share(found, labelled),
        "unsure": share(unsure, pairs),
        "ordering": share(ordered, orderable),
        "false_below_strong": share(false_below, compared),
        "bad_praised": share(praised, bad),
        "salad_capped": share(salads_capped, salads),
        "paste_capped": share(pastes_capped, len(questions)),
    }


def subsets(questions: list[dict], fresh: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """tuned on / held out / the earlier rounds' fresh questions / each fresh file and all of them."""
    shaped = [q for q in questions if not q.get("fresh")]
    out = {
        "tuned on": shaped[0::2],
        "held out": shaped[1::2],
        "held out (earlier fresh rounds)": [q for q in questions if q.get("fresh")],
    }
    for name, fresh_questions in fresh.items():
        out[f"fresh: {name}"] = fresh_questions
    if len(fresh) > 1:
        out["fresh: all files"] = [q for qs in fresh.values() for q in qs]
    return out


GOALS = {
    "precision": ">= 0.85",
    "recall_found": ">= 0.85",
    "unsure": "<= 0.25",
    "ordering": ">= 0.90",
    "false_below_strong": ">= 0.90",
    "bad_praised": "<= 0.05",
    "salad_capped": "= 1",
    "paste_capped": "= 1",
}


def quality(questions: list[dict], fresh: dict[str, list[dict]], methods=None) -> list[str]:
    sets = subsets(questions, fresh)
    columns = (
        "| method | set | questions | pairs | pre-ticked precision | recall ticked | recall ticked or unsure "
        "| unsure share | ordering s>p>w | false < strong | wrong/false/salad suggested Good+ "
        "| salad <= Partial | 10k paste <= Partial |"
    )
    goals = " ".join(f"{k} {v};" for k, v in GOALS.items())
    lines = [f"Goals: {goals}", "", columns, "|" + "---|" * 13]
    for name, scorer in (methods or METHODS).items():
        for label, subset in sets.items():
            r = evaluate(subset, scorer)

            keys = ("precision", "recall_ticked", "recall_found", "unsure", "ordering", "false_below_strong")
            keys += ("bad_praised", "salad_capped", "paste_capped")
            cells = " | ".join("–" if r[k] is None else f"{r[k]:.2f}" for k in keys)
            lines.append(f"| {name} | {label} | {len(subset)} | {r['pairs']} | {cells} |")
    if not fresh:
        lines += ["", "No tests/data/feedback_fresh_*.toml in this checkout: no fresh figures."]
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
from quiz.feedback import embeddings
loaded = embeddings._embedding_model() is not None
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
    for with_embeddings in (True, False):
        options = feedback.Options(embeddings=with_embeddings)
        rows, labels, groups = [], [], []
        for qi, q in enumerate(tuning):
            for answer in q["answer"]:
                per_point = scoring.features(q["key_points"], answer["text"], options)
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
            (0, 1, 2, 4) if with_embeddings else (0,),
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
            covered = score >= feedback.TICK
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
            "embeddings" if with_embeddings else "no embeddings",
            dict(zip(names.split(), (round(float(v), 3) for v in best), strict=True)),
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--markdown", type=Path, help="Also write the figures to this markdown file.")
    parser.add_argument("--fit", action="store_true", help="Grid-search the weights on the tuning half.")
    parser.add_argument(
        "--quality-only", action="store_true", help="Only the matcher and the baseline's quality figures."
    )
    args = parser.parse_args()
    questions = load()
    fresh = load_fresh()
    if args.fit:
        fit(questions)
        return 0
    if args.quality_only:
        methods = {k: METHODS[k] for k in ("matcher", "word overlap (baseline)")}
        print("\n".join(quality(questions, fresh, methods)))
        return 0
    began = time.monotonic()
    model = embeddings._embedding_model()
    quality_lines = quality(questions, fresh)
    speed_lines = speed(questions)
    memory_lines = memory()
    every = questions + [q for qs in fresh.values() for q in qs]
    answers = sum(len(q["answer"]) for q in every)
    points = sum(len(q["key_points"]) * len(q["answer"]) for q in every)
    files = ", ".join(f"`tests/data/{name}`" for name in ["feedback_eval.toml", *fresh])
    text = "\n".join(
        [
            "### Key-point matcher (bench_feedback.py)",
            "",
            f"{len(every)} questions, {answers} typed answers, {points} labelled (answer, key point) pairs "
            f"in {files}. Pre-ticked = score >= TICK ({feedback.TICK}); unsure = score in [UNSURE, TICK) "
            f"([{feedback.UNSURE}, {feedback.TICK})). Embedding model loaded: {model is not None}. The "
            "suggested grade counts only pre-ticked points (quiz.models.suggested_grade).",
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
