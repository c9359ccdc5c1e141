"""The key-point matcher (quiz/feedback/): cases a candidate would type, and the labelled set's shape.

How well it does on the labelled set is measured in tests/bench/bench_feedback.py (`make bench`), not here.
"""

import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from quiz import feedback
from quiz.feedback import TICK, UNSURE, key_point_coverage, key_point_feedback
from quiz.feedback.vocabulary import ml_synonyms
from quiz.importer.bank import parse_bank, read_sources
from quiz.models import GRADE_CUTOFFS, Grade, suggested_grade

EVAL_SET = Path(__file__).parent / "data" / "feedback_eval.toml"
BANK = Path(__file__).resolve().parents[1] / "fixtures" / "markdown" / "mle-interview-questions"

L1_SPARSE = "L1 regularization gives sparse weights"
PRECISION = "Precision is about false positives"
RECALL = "Recall is about false negatives"


def covered(key_points: list[str], answer: str) -> list[bool]:
    return [score >= TICK for score in key_point_coverage(key_points, answer)]


def test_paraphrase_without_the_key_words_counts_as_covered():
    assert covered([L1_SPARSE], "lasso shrinks a bunch of coefficients to exactly zero") == [True]


def test_abbreviations_count_as_the_words_they_stand_for():
    points = [
        "A high learning rate can overshoot the minimum",
        "A larger batch size uses the GPU better",
        "Random forest averages many decision trees",
        "PCA projects the data onto directions of maximum variance",
    ]
    answer = (
        "if the lr is too big you jump past the min. bigger bs keeps the gpu busy. "
        "RF = avg of lots of trees. principal component analysis keeps the axes with the most variance"
    )
    assert covered(points, answer) == [True, True, True, True]


def test_typos_still_match():
    assert covered(
        ["Regularization helps prevent overfitting"], "regularizaton helps to avoid overfiting"
    ) == [True]


def test_negation_of_the_point_is_not_covered():
    point = ["Regularization helps prevent overfitting"]
    assert covered(point, "regularization helps prevent overfitting") == [True]
    assert covered(point, "regularisation does not prevent overfitting") == [False]


def test_the_opposite_direction_is_not_covered():
    point = ["Dropout reduces overfitting"]
    assert covered(point, "dropout reduces overfitting") == [True]
    assert covered(point, "dropout increases overfitting") == [False]


def test_swapped_terms_are_not_covered():
    assert covered(
        [PRECISION, RECALL], "precision is about false negatives and recall is about false positives"
    ) == [
        False,
        False,
    ]
    assert covered([L1_SPARSE], "L2 drives the weights exactly to zero") == [False]
    points = ["Bagging mainly reduces variance", "Boosting mainly reduces bias"]
    assert covered(points, "bagging reduces bias and boosting reduces variance") == [False, False]
    assert covered(points, "bagging cuts the variance, boosting lowers the bias") == [True, True]


def test_a_negating_prefix_reads_as_a_negation():
    point = ["Log loss is convex in the weights"]
    assert covered(point, "log loss is convex in the weights") == [True]
    assert covered(point, "log loss is non-convex in the weights") == [False]
    assert covered(point, "log loss is nonconvex in the weights") == [False]
    uncorrelated = ["Averaging works best when the errors are uncorrelated"]
    assert covered(uncorrelated, "averaging works best when the errors are not correlated") == [True]
    said_right = key_point_coverage(uncorrelated, "averaging works best when the errors are uncorrelated")
    said_wrong = key_point_coverage(uncorrelated, "averaging works best when the errors are correlated")
    assert said_wrong < said_right


def test_subjects_that_open_two_points_each_are_not_swapped():
    points = [
        "CNNs process spatial data such as images",
        "CNNs use filters to detect local patterns",
        "RNNs process sequential data such as text",
        "RNNs keep a hidden state across time steps",
    ]
    right = (
        "CNNs process spatial data such as images using filters to detect local patterns, "
        "RNNs process sequential data such as text and keep a hidden state across time steps"
    )
    swapped = (
        "CNNs process sequential data such as text and keep a hidden state across time steps, "
        "RNNs process spatial data such as images using filters to detect local patterns"
    )
    assert covered(points, right) == [True] * 4
    assert covered(points, swapped) == [False] * 4


def test_an_answer_that_negates_most_points_covers_none():
    points = [
        "Hash maps give average constant lookup time",
        "Collisions can degrade lookups to linear time",
        "Hash maps use extra memory to keep the load factor low",
        "Keys are not kept in sorted order",
    ]
    right = (
        "hash maps give average constant lookup time, collisions can degrade lookups to linear time, they "
        "use extra memory to keep the load factor low, and keys are not kept in sorted order"
    )
    negated = (
        "hash maps never give constant lookup time, collisions cannot degrade lookups, they use no extra "
        "memory for the load factor, and keys are kept in sorted order"
    )
    assert covered(points, right) == [True] * 4
    assert covered(points, negated) == [False] * 4


def test_right_terms_in_the_right_places_are_covered():
    answer = "precision tells you how many FPs you let through, recall how many FNs you missed"
    assert covered([PRECISION, RECALL], answer) == [True, True]


def test_code_in_the_answer_is_read():
    answer = "```python\nprecision = tp / (tp + fp)\n```"
    assert covered(["Precision is TP divided by TP plus FP"], answer) == [True]
    scaler = (
        "```python\nscaler = StandardScaler()\nscaler.fit(X_train)\nX_test = scaler.transform(X_test)\n```"
    )
    assert covered(["Fit the scaler on the training data only"], scaler) == [True]


def test_the_cutoffs_make_three_bands():
    assert 0 < UNSURE < TICK < 1


def test_a_formula_typed_with_a_minus_sign_matches_the_words():
    point = ["The gradient of log loss through a sigmoid is p minus y"]
    assert covered(point, "with a sigmoid and log loss the gradient is simply p \u2212 y") == [True]
    assert covered(point, "with a sigmoid and log loss the gradient is simply p - y") == [True]
    assert key_point_coverage(point, "with a sigmoid and log loss the gradient is simply p + y")[0] < UNSURE


def test_a_different_number_is_missing_not_covered():
    point = ["Hash maps give average O(1) lookup"]
    assert covered(point, "a hash map gives O(1) lookup on average") == [True]
    assert key_point_coverage(point, "hash maps give O(log n) lookup on average")[0] < TICK
    assert (
        key_point_coverage(["Dropout zeroes units with probability 0.5"], "dropout zeroes units with p 0.2")[
            0
        ]
        < UNSURE
    )


def test_swapped_sides_of_a_comparison_are_missing():
    point = ["RMSE penalises large errors more heavily than MAE"]
    assert covered(point, "RMSE penalises large errors more heavily than MAE") == [True]
    assert key_point_coverage(point, "MAE penalises large errors more heavily than RMSE")[0] < UNSURE


def test_a_contrary_word_is_missing_not_covered():
    point = ["Naive Bayes assumes features are conditionally independent given the class"]
    assert (
        key_point_coverage(point, "naive bayes assumes the features are all correlated given the class")[0]
        < UNSURE
    )
    assert (
        key_point_coverage(
            ["F1 is the harmonic mean of precision and recall"],
            "F1 is the arithmetic mean of precision and recall",
        )[0]
        < UNSURE
    )


def test_a_contrast_said_the_other_way_round_is_not_ticked():
    # The answer from the issue: the right words, false claims.
    points = [PRECISION, RECALL, "F1 is the harmonic mean of precision and recall"]
    assert covered(points, "precision = accuracy; F1 = the arithmetic mean (P+R)/2") == [False, False, False]


def test_keyword_salad_gets_nothing_ticked_and_no_good_grade():
    points = [PRECISION, RECALL, "F1 is the harmonic mean of precision and recall"]
    salad = "precision recall false positives false negatives F1 harmonic mean threshold tradeoff ROC AUC"
    scores = key_point_coverage(points, salad)
    assert not any(s >= TICK for s in scores)
    assert suggested_grade([s >= TICK for s in scores], salad) == Grade.MISSED


@pytest.mark.parametrize(
    ("point", "false", "true"),
    [
        (
            "Early stopping keeps the checkpoint with the lowest validation loss",
            "early stopping keeps the checkpoint with the highest validation loss",
            "early stopping keeps the checkpoint whose validation loss was lowest",
        ),
        (
            "Exclude the outage period from the training data",
            "keep the outage period in the training data so the model learns it",
            "exclude the outage window from the training data",
        ),
        (
            "Batch normalisation statistics are computed before the activation",
            "batch normalisation statistics are computed after the activation",
            "the batch norm statistics get computed before the activation is applied",
        ),
    ],
)
def test_a_contrary_word_in_the_points_place_is_not_ticked(point, false, true):
    assert covered([point], false) == [False]
    assert covered([point], true) == [True]


def test_salad_of_compound_terms_and_keywords_is_still_salad():
    """Terms such as "out-of-fold", "hold-out" and "GROUP BY" hold stopwords ("of", "out", "by"), but as parts
    of terms they make no sentence: a list of them is keyword salad all the same."""
    points = [
        "k-fold cross-validation estimates out-of-sample error",
        "Target encoding must be fitted out-of-fold to avoid leakage",
    ]
    salad = (
        "k-fold cross-validation out-of-sample error hold-out set out-of-fold target encoding leakage "
        "GROUP BY ORDER BY one-hot two-way fan-in"
    )
    assert covered(points, salad) == [False, False]


def test_a_terse_answer_with_verbs_is_no_salad():
    points = ["One-hot encoding creates a 0/1 column per category"]
    assert covered(points, "one-hot creates a dummy 0/1 column for each category") == [True]


def test_a_long_buzzword_paste_suggests_at_most_partial():
    points = [L1_SPARSE, "L2 regularization shrinks all weights smoothly", PRECISION, RECALL]
    paste = " ".join(
        ["L1 regularization sparse weights L2 shrinks smoothly precision recall false positives"] * 900
    )
    ticks = [s >= TICK for s in key_point_coverage(points, paste)]
    assert suggested_grade(ticks, paste) <= Grade.PARTIAL


def test_a_python_keyword_in_code_counts_as_content():
    point = ["`with` closes the file even on an exception"]
    with_code = (
        "```python\nwith open(p) as f:\n    data = f.read()\n```\n"
        "the file gets closed even when an exception is raised"
    )
    assert covered(point, with_code) == [True]
    # Without the `with` the point names, the rest of the claim is not vouched for.
    assert covered(point, "the file gets closed even when an exception is raised") == [False]


@pytest.mark.parametrize("answer", ["", "   \n\t "])
def test_empty_answer_covers_nothing_and_suggests_no_grade(answer):
    scores = key_point_coverage([L1_SPARSE, PRECISION], answer)
    assert scores == [0.0, 0.0]
    assert suggested_grade([score >= TICK for score in scores], answer) is None


def test_no_key_points_gives_no_scores_and_no_grade():
    assert key_point_coverage([], "anything at all") == []
    assert suggested_grade([], "anything at all") is None


def test_a_blank_or_stopword_key_point_is_never_covered():
    assert key_point_coverage(["", "   ", "the of and"], "the of and anything at all") == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "answer",
    [
        "L1正则化会产生稀疏权重,模型更简单",  # Chinese: "L1 regularization gives sparse weights"
        "Регуляризация делает веса разреженными",  # Russian
        "La régularisation rend les poids parcimonieux",  # French, accents
        "🙂🙂🙂 ¯\\_(ツ)_/¯",
    ],
)
def test_non_english_text_scores_within_bounds_and_is_not_taken_as_an_english_answer(answer):
    scores = key_point_coverage([L1_SPARSE, "Cross-validation averages the score over k folds"], answer)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[1] < TICK


def test_a_very_long_answer_is_read_up_to_its_limit_and_scored_within_bounds():
    filler = "the weather was nice and we walked along the river for a while. " * 800  # ~10,000 words
    late = filler + " lasso shrinks coefficients to exactly zero."
    early = "lasso shrinks coefficients to exactly zero. " + filler
    assert len(late.split()) > feedback.MAX_ANSWER_WORDS * 5
    # A claim followed by a pasted repetition is not vouched for: the paste claims nothing.
    assert covered([L1_SPARSE], early) == [False]
    # Past the limit nothing is read, so a pasted book cannot make the scoring slow or unbounded.
    assert covered([L1_SPARSE], late) == [False]


@pytest.mark.parametrize(
    "answer",
    [
        "a" * 100_000,  # one endless word
        "(" * 10_000,
        "```" + "x=1;" * 5_000 + "```",  # code without spaces
        "not " * 5_000,
        " ".join(["L1 L2 recall FN more less train test"] * 400),  # contrast words only
    ],
)
def test_hostile_answers_are_scored_within_bounds(answer):
    # Each of these once took seconds to minutes (regex backtracking, quadratic tokenizing and linking);
    # now they are cut to MAX_ANSWER_CHARS and MAX_ANSWER_WORDS first.
    scores = key_point_coverage([L1_SPARSE, PRECISION], answer)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[1] < TICK


def test_scores_are_deterministic():
    points = [L1_SPARSE, PRECISION, RECALL]
    answer = "lasso zeroes out coefs; precision = tp/(tp+fp) so it's about false alarms, recall about misses"
    first = key_point_coverage(points, answer)
    assert all(key_point_coverage(points, answer) == first for _ in range(5))
    assert all(0.0 <= s <= 1.0 for s in first)


def test_concurrent_calls_give_the_same_scores_as_one_at_a_time():
    # Gunicorn threads share the module-level model, stemmer and caches.
    points = [L1_SPARSE, PRECISION, RECALL]
    answers = [
        "lasso zeroes out coefs",
        "precision is about false negatives and recall is about false positives",
        "precision counts false alarms, recall counts misses",
        "",
    ] * 5
    expected = [key_point_coverage(points, answer) for answer in answers]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda answer: key_point_coverage(points, answer), answers)) == expected


def test_without_the_embedding_model_the_other_cues_still_score(monkeypatch):
    monkeypatch.setattr(
        feedback.embeddings, "_model_state", {"model": None}
    )  # as when wordllama fails to load
    assert covered([L1_SPARSE], "lasso shrinks a bunch of coefficients to exactly zero") == [True]
    assert covered([L1_SPARSE], "L2 drives the weights exactly to zero") == [False]


def test_embedding_model_loads_from_the_wheel_without_downloading():
    # WordLlama.load(disable_download=True) raises rather than download, so a model here came from disk.
    model = feedback.embeddings._embedding_model()
    assert model is not None
    assert feedback.embeddings._embedding_model() is model  # loaded once per process


@pytest.mark.parametrize(
    ("ticks", "grade"),
    [
        ([0, 0, 0, 0], Grade.MISSED),
        ([1, 0, 0, 0], Grade.PARTIAL),  # 25%
        ([1, 1, 0, 0, 0], Grade.PARTIAL),  # 40%
        ([1, 1, 1, 0, 0], Grade.GOOD),  # 60%
        ([1, 1, 1, 1, 0], Grade.GOOD),  # 80%
        ([1, 1, 1, 1, 1], Grade.NAILED),
        ([1] * 9 + [0], Grade.NAILED),  # 90%
    ],
)
def test_suggested_grade_follows_the_ticked_share(ticks, grade):
    assert suggested_grade([bool(t) for t in ticks], "something typed") == grade


def test_every_grade_has_a_cutoff_and_the_lowest_starts_at_nothing():
    assert {grade for grade, _ in GRADE_CUTOFFS} == set(Grade)
    assert GRADE_CUTOFFS[-1] == (Grade.MISSED, 0)


def test_a_ceiling_caps_the_suggestion_and_leaves_lower_ones_alone():
    assert suggested_grade([True, True], "all of it", ceiling=Grade.GOOD) == Grade.GOOD
    assert suggested_grade([True, False, False], "a third", ceiling=Grade.GOOD) == Grade.PARTIAL


# --- the labelled set the bench reads ---------------------------------------------------------------------


def eval_questions() -> list[dict]:
    return tomllib.loads(EVAL_SET.read_text())["question"]


def test_eval_set_has_enough_questions_from_the_bank():
    questions = eval_questions()
    assert len(questions) >= 40
    bank = {
        path.relative_to(BANK).as_posix(): path.read_text().replace("\u2019", "'")
        for path in BANK.rglob("*.md")
    }
    for question in questions:
        assert question["source"] in bank, question["source"]
        # The prompt's words come from the bank file (allowing for shortened prompts).
        words = [w for w in question["prompt"].replace("`", "").split() if len(w) > 3][:3]
        assert all(w.rstrip("?.:,") in bank[question["source"]] for w in words), question["prompt"]


def test_fresh_round_two_key_points_are_the_banks_own():
    # Round 2 was written against the bank's `Key points:` blocks, word for word, like the set we do not have.
    bank = {
        (q.source_path, q.prompt_md.strip().replace("\u2019", "'")): q.key_points
        for source in parse_bank(read_sources(BANK)).files
        for q in source.questions
    }
    round_two = [q for q in eval_questions() if q.get("round") == 2]
    assert len(round_two) >= 20
    for question in round_two:
        assert question["fresh"] is True
        assert question["key_points"] == bank[(question["source"], question["prompt"])], question["prompt"]


def test_eval_set_key_points_are_short_checkable_claims():
    for question in eval_questions():
        assert 3 <= len(question["key_points"]) <= 6, question["prompt"]
        for point in question["key_points"]:
            assert 4 <= len(point.split()) <= 15, point


def test_eval_set_has_four_kinds_of_answer_labelled_per_key_point():
    for question in eval_questions():
        kinds = [answer["kind"] for answer in question["answer"]]
        assert sorted(kinds) == ["false", "partial", "strong", "wrong"], question["prompt"]
        for answer in question["answer"]:
            assert answer["text"].strip()
            assert len(answer["covered"]) == len(question["key_points"]), (question["prompt"], answer["kind"])
            assert set(answer["covered"]) <= {0, 1}
        labels = {answer["kind"]: answer["covered"] for answer in question["answer"]}
        assert sum(labels["strong"]) > sum(labels["partial"]) > sum(labels["wrong"]) == 0, question["prompt"]


def test_the_shared_ml_vocabulary_expands_abbreviations_both_ways():
    assert {"learning rate", "step size", "logistic regression"} <= ml_synonyms("LR")
    assert "lr" in ml_synonyms("Learning  rate")
    assert "pca" in ml_synonyms("principal component analysis")
    assert ml_synonyms("sourdough") == {"sourdough"}


def test_the_bench_reports_each_fresh_set_apart_salad_answers_included(tmp_path, monkeypatch):
    import tests.bench.bench_feedback as bench

    fresh = tmp_path / "feedback_fresh_people.toml"
    fresh.write_text(
        """
[[question]]
source = "x.md"
prompt = "What does L1 regularisation do?"
key_points = ["L1 regularization gives sparse weights", "L2 shrinks weights smoothly towards zero"]

[[question.answer]]
kind = "strong"
covered = [1, 1]
text = "lasso pushes many coefficients to exactly zero, while ridge just makes them all a bit smaller"

[[question.answer]]
kind = "salad"
covered = [0, 0]
text = "L1 L2 sparse weights shrinks smoothly zero regularization lasso ridge penalty"
"""
    )
    monkeypatch.setattr(bench, "FRESH", [fresh])
    # The labelled eval set left out (the bench measures it): only the fresh file's rows count here.
    lines = bench.quality([], bench.load_fresh(), {"matcher": bench.METHODS["matcher"]})
    row = next(line for line in lines if "| fresh: feedback_fresh_people.toml |" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2:4] == ["1", "4"]  # one question, four labelled pairs
    assert cells[-2] == "1.00"  # the salad answer suggests at most Partial
    assert cells[8] == "–"  # no ordering without partial and wrong answers


def test_an_alternative_phrasing_covers_a_point_said_that_way_and_only_a_few_are_read():
    point = ["L2 shrinks weights smoothly towards zero"]
    answer = "the squared penalty nudges everything a bit closer to nothing"
    assert covered(point, answer) == [False]
    assert key_point_coverage(point, answer, [[answer]])[0] >= TICK
    # The newest phrasings are read; older ones beyond the limit are not (each costs a scoring).
    old_first = [[answer, "unrelated one", "unrelated two"]]
    assert key_point_coverage(point, answer, old_first)[0] < TICK


def test_a_negated_claim_is_read_as_contradicted_with_the_phrase_that_says_it():
    points = ["Accuracy hides the minority class", "Report precision and recall per class"]
    reading = key_point_feedback(points, "Accuracy never hides the minority class, so report accuracy alone.")
    assert reading.contradicted == [True, False]
    assert reading.scores[0] < TICK and reading.phrases[0] == "Accuracy never hides the minority class"
    said = key_point_feedback(
        points, "accuracy hides the minority class; report precision and recall per class"
    )
    assert said.contradicted == [False, False] and all(score >= TICK for score in said.scores)
