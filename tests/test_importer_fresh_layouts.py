"""The kinds of layout issue 28 found in banks the importer had never seen, each in a test bank of our own
words under tests/banks/fresh: exact questions, answers and ignored lines."""

from pathlib import Path

import pytest

from quiz import content_report, importer
from quiz.importer import read_sources
from quiz.rendering import render_markdown

FRESH = Path(__file__).parent / "banks" / "fresh"
TASKS = "llm-systems/attention-and-transformer-architectures/task-headings-without-question-marks.md"


@pytest.fixture(scope="module")
def fresh() -> dict[str, importer.SourceFile]:
    return {source.path: source for source in importer.parse_bank(read_sources(FRESH)).files}


def asked(source: importer.SourceFile) -> list[tuple]:
    return [(q.source_line, q.prompt_md, q.answer_md) for q in source.questions]


def ignored(source: importer.SourceFile) -> list[tuple[int, str]]:
    return [(n.line, n.message) for n in source.notes if n.kind == "ignored"]


def test_headings_that_set_a_task_or_lead_with_an_emoji_ask_when_a_body_follows(fresh):
    source = fresh[TASKS]
    assert asked(source) == [
        (
            5,
            "Explain why self-attention costs quadratic memory in the sequence length",
            "Every token attends to every other token, so the score matrix holds $n^2$ entries per head. "
            "At 32k tokens\nand 32 heads that is 32 billion scores per layer, which is why FlashAttention "
            "computes it in tiles instead\nof materialising it.",
        ),
        (
            11,
            "Walk through one step of greedy decoding with a KV cache",
            "Feed the new token only; read the keys and values of the earlier tokens from the cache, append "
            "this\ntoken's key and value, and take the arg-max of the last position's logits.",
        ),
        (
            16,
            "Provide a high-level overview of the encoder block",
            "Multi-head attention, then a position-wise feed-forward network; each sits inside a residual "
            "connection\nwith layer normalisation.",
        ),
        (
            23,
            "What is a support vector?",
            "A training point that lies on the margin or violates it; only these points decide the boundary.",
        ),
        (
            27,
            "Describe the kernel trick in one paragraph",
            "Replace every inner product $x^\\top z$ with $k(x, z)$, an inner product in a feature space "
            "that is never\nbuilt, so a linear method learns a non-linear boundary.",
        ),
        # A topic among sibling headings that ask, with a body and nothing deeper: a question too.
        (
            32,
            "Types of kernels",
            "Linear, polynomial, radial basis function and sigmoid; the RBF kernel is the usual default.",
        ),
    ]
    assert [s.title for s in source.sections] == [
        "Transformers, asked as tasks",
        "Kernels and margins",
        "How to use this file",
    ]
    # "How to use this file" titles a section: its body belongs to no question.
    assert ignored(source) == [(38, "'Read a heading, answer aloud, then open the answer.'")]


def test_a_heading_that_only_names_a_topic_stays_a_section():
    text = "# Notes\n\n## Setup\n\nInstall the packages.\n\n## Licence\n\nMIT.\n"
    source = importer.parse_general(text, "notes.md")
    assert source.questions == []
    assert [s.title for s in source.sections] == ["Notes", "Setup", "Licence"]


def test_code_fenced_inside_list_items_is_code_in_the_answer(fresh):
    source = fresh["code-fenced-in-list-items.md"]
    assert asked(source) == [
        (
            3,
            "How do you compute a numerically stable softmax in NumPy?",
            "Subtract the row maximum before exponentiating, so no exponent overflows:\n\n```python\n"
            "import numpy as np\n\n\ndef softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:\n"
            "    # exp(x - max) / sum(exp(x - max)) equals exp(x) / sum(exp(x)) but never overflows\n"
            "    shifted = logits - logits.max(axis=axis, keepdims=True)\n    exps = np.exp(shifted)\n"
            "    return exps / exps.sum(axis=axis, keepdims=True)\n```\n\n"
            "The result is unchanged because the factor $e^{-m}$ cancels.",
        ),
        (
            20,
            "What does this training step forget?",
            "```python\nfor batch in loader:\n    loss = model(batch).loss\n    loss.backward()\n"
            "    optimizer.step()\n```\nIt never calls `optimizer.zero_grad()`, so gradients accumulate "
            "across batches.",
        ),
        (
            29,
            "How would you freeze all but the last layer of a PyTorch model?",
            "Set `requires_grad = False` on every parameter, then turn it back on for the head:\n\n"
            "~~~python\nfor parameter in model.parameters():\n    parameter.requires_grad = False\n"
            "for parameter in model.classifier.parameters():\n    parameter.requires_grad = True\n~~~",
        ),
    ]
    assert ignored(source) == []
    for question in source.questions:
        html = render_markdown(question.answer_md)
        assert "<pre" in html
        assert "```" not in html and "~~~" not in html


def test_labels_left_in_prompts_and_answers_are_dropped_and_placeholders_are_no_answer(fresh):
    assert asked(fresh["labels-left-in.md"]) == [
        (
            3,
            "What is the difference between L1 and L2 regularisation?",
            "L1 adds the sum of absolute weights and drives some of them to exactly zero; L2 adds the sum of "
            "squares\nand shrinks all of them smoothly.",
        ),
        (
            10,
            "Why does batch normalisation speed up training?",
            "it keeps each layer's inputs at a steady scale, so larger learning rates stay stable,\n"
            "and it adds a little noise that regularises.",
        ),
        (15, "What is label smoothing?", ""),  # "Coming soon!"
        (19, "When would you prefer AdamW over Adam?", ""),  # "TODO"
        (
            25,
            "What is gradient clipping?",
            "Capping the gradient norm before the update, so one bad batch cannot throw the weights far.",
        ),
        (
            30,
            "What is a learning-rate warm-up?",
            "Starting from a small learning rate and raising it over the first steps.",
        ),
        (
            32,
            "Why use cosine decay?",
            "It lowers the rate smoothly to a floor, so late training makes small careful steps.",
        ),
    ]
    assert ignored(fresh["labels-left-in.md"]) == []


@pytest.mark.parametrize(
    "placeholder",
    [
        "Coming soon!",
        "TODO",
        "To be added.",
        "Answer will be added later.",
        "WIP",
        "🚧 Work in progress",
        "TBD",
    ],
)
def test_an_answer_that_defers_itself_counts_as_unanswered(placeholder):
    source = importer.parse_general(f"### What is a logit?\n\n{placeholder}\n", "p.md")
    assert asked(source) == [(1, "What is a logit?", "")]


def test_two_questions_folded_without_a_blank_line_are_two(fresh):
    source = fresh["folded-questions.md"]
    assert asked(source) == [
        (3, "What is bagging, and why does it reduce variance?", ""),
        (
            4,
            "What is boosting, and why does it reduce bias?",
            "Boosting fits each new learner to the errors of the ones before it, so the ensemble's bias "
            "falls.",
        ),
        # Indented under its item: the same question, asked in two sentences.
        (
            8,
            "What is overfitting? How would you see it on a learning curve?",
            "Training loss keeps falling while validation loss turns up.",
        ),
        (13, "What is stacking?", ""),
        (
            14,
            "How is blending different from stacking?",
            "Blending fits the meta-model on a held-out slice instead of out-of-fold predictions.",
        ),
    ]
    assert ignored(source) == []


def test_the_rest_of_a_prompt_and_the_block_it_points_at_belong_to_the_prompt(fresh):
    source = fresh["prompt-continued-before-the-answer.md"]
    assert asked(source) == [
        (
            3,
            "Write a query that returns each user's second most recent order. Assume orders can share a "
            "timestamp; break ties by the larger order id.",
            "```sql\nSELECT user_id, order_id\nFROM (\n    SELECT user_id, order_id,\n"
            "           ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY created_at DESC, order_id DESC) "
            "AS rn\n    FROM orders\n) ranked\nWHERE rn = 2;\n```",
        ),
        (
            18,
            "Given the table below, find the day with the most sign-ups.\n\n| column     | type      |\n"
            "|------------|-----------|\n| user_id    | bigint    |\n| signed_up  | timestamp |",
            "Group by `DATE(signed_up)`, count, order by the count descending and keep the first row.",
        ),
        (
            27,
            "What does the following function return for `[3, 1, 2]`?\n\n```python\n"
            "def middle(xs: list[int]) -> int:\n    return sorted(xs)[len(xs) // 2]\n```",
            "It returns 2: the sorted list is `[1, 2, 3]` and index 1 holds 2.",
        ),
        (
            36,
            "Your model's offline AUC rose from 0.81 to 0.86, yet the online click-through rate fell.\n\n"
            "List three causes you would check first.",
            "Training-serving skew in a feature, a leak that inflated the offline number, and a changed "
            "position bias.",
        ),
    ]
    assert ignored(source) == []


def test_a_list_under_a_quoted_paragraph_renders_as_a_list(fresh):
    source = fresh["lists-under-quoted-paragraphs.md"]
    assert [q.prompt_md for q in source.questions] == [
        "How do you detect data drift in production?",
        "What belongs in a model card?",
    ]
    drift, card = (render_markdown(q.answer_md) for q in source.questions)
    assert drift.count("<li>") == 3 and "<ul>" in drift and "> -" not in drift
    assert card.count("<li>") == 3 and "<ol>" in card
    assert ignored(source) == []


def test_an_index_table_linking_to_answer_files_is_a_table_of_contents(fresh):
    readme = fresh["README.md"]
    assert readme.questions == []  # not a second copy of the questions the files answer
    assert [(n.line, n.kind, n.message) for n in readme.notes] == [
        (6, "contents", "a table of contents: 4 rows link to questions answered in the bank's files")
    ]
    assert ignored(readme) == []


def test_an_index_table_whose_files_are_missing_imports_its_questions_without_link_answers():
    table = (
        "| Q# | Question | Answer |\n|---|---|---|\n"
        "| 1 | What is weight decay? | [Answer](answers/weight-decay.md) |\n"
        "| 2 | What is early stopping? | Stopping when validation loss stops falling. |\n"
    )
    (source,) = importer.parse_bank({"README.md": table}).files
    assert asked(source) == [
        (3, "What is weight decay?", ""),  # a bare link answers nothing
        (4, "What is early stopping?", "Stopping when validation loss stops falling."),
    ]


BOILERPLATE = Path(__file__).parent / "banks" / "fresh-boilerplate"
COFFEE = "☕ Found this useful? Buy the author a coffee so the remaining answers get written sooner."
STAR = "⭐ Star the repository to hear when new questions land."


def test_a_block_repeated_across_the_banks_files_is_dropped_and_listed():
    bank = importer.parse_bank(read_sources(BOILERPLATE))
    answers = {q.prompt_md: q.answer_md for f in bank.files for q in f.questions}
    assert answers == {
        "Why do residual connections help very deep networks?": "They give gradients a short path back to "
        "early layers, so a 100-layer network trains like a shallow one.",
        "What does dropout do at inference time?": "Nothing: every unit is kept and, with inverted dropout, "
        "no rescaling is needed.",
        "What does temperature do when sampling?": "It divides the logits before the softmax: below 1 "
        "sharpens the distribution, above 1 flattens it.",
        "What is reciprocal rank fusion?": "It merges ranked lists by summing 1 / (k + rank) for each "
        "document, so no scores need calibrating.",
        "Why chunk documents before embedding them?": "An embedding of a whole document blurs its topics; "
        "chunks keep each passage findable.",
        "What is a p-value?": "The probability, under the null hypothesis, of a result at least as extreme "
        "as the one observed.",
        "What is statistical power?": "The probability of rejecting the null hypothesis when it is false; it "
        "grows with the sample size.",
    }
    assert bank.boilerplate == {COFFEE.lower(): 4, STAR.lower(): 4}
    (models,) = [f for f in bank.files if f.path == "language-models.md"]
    assert ignored(models) == [(9, f"2 lines from {COFFEE[:60]!r}")]  # under "## Support this work"
    runs = content_report.ignored_runs(bank)
    assert [(r.path, r.line, r.reason) for r in runs] == [
        ("language-models.md", 9, "boilerplate repeated in 4 files")
    ]
    assert content_report.set_aside(bank) == [
        f"boilerplate in 4 files, dropped from every answer: {COFFEE.lower()!r}",
        f"boilerplate in 4 files, dropped from every answer: {STAR.lower()!r}",
    ]


def test_a_block_two_files_share_is_content_not_boilerplate():
    shared = "Use a held-out set the model never saw while tuning its hyperparameters."
    files = {f"{n}.md": f"# {n}\n\n### What is split {n}?\n\n{shared}\n" for n in ("a", "b")}
    files["c.md"] = "# c\n\n### What is split c?\n\nSomething else entirely, said in other words.\n"
    bank = importer.parse_bank(files)
    assert bank.boilerplate == {}
    assert [q.answer_md for f in bank.files for q in f.questions][:2] == [shared, shared]


def test_full_width_question_marks_ask_and_bullets_under_a_bold_topic_answer_it():
    text = (
        "# 注意力\n\n"
        "- **Encoder**\n"
        "    - Self-attention over the whole input, then a feed-forward layer.\n"
        "    - Each sub-layer sits inside a residual connection.\n"
        "- **为什么要除以根号 d_k？**\n"
        "\n"
        "    Without it the dot products grow with $d_k$ and push the softmax into its flat tails.\n"
    )
    source = importer.parse_general(text, "zh.md")
    assert asked(source) == [
        (
            3,
            "Encoder",
            "- Self-attention over the whole input, then a feed-forward layer.\n"
            "- Each sub-layer sits inside a residual connection.",
        ),
        (
            6,
            "为什么要除以根号 d_k？",
            "Without it the dot products grow with $d_k$ and push the softmax into its flat tails.",
        ),
    ]
    assert ignored(source) == []


def test_a_question_label_under_a_q_heading_goes_on_asking_and_a_difficulty_label_rates_it():
    text = (
        "## Serving\n\n"
        "### Q: Why batch requests on a GPU server?\n\n"
        "**Difficulty:** Hard\n"
        "**Question:** Your p99 latency doubled after you turned on dynamic batching; explain the "
        "trade-off.\n"
        "**What a strong answer includes:**\n\n"
        "- Throughput rises because the GPU runs full matrices.\n"
        "- Each request may wait for the batch window.\n"
    )
    source = importer.parse_general(text, "serving.md")
    assert [(q.prompt_md, q.difficulty) for q in source.questions] == [
        (
            "Why batch requests on a GPU server?\n\nYour p99 latency doubled after you turned on dynamic "
            "batching; explain the trade-off.",
            "hard",
        )
    ]
    assert source.questions[0].answer_md == (
        "**What a strong answer includes:**\n\n- Throughput rises because the GPU runs full matrices.\n"
        "- Each request may wait for the batch window."
    )


def test_a_file_that_copies_anothers_questions_is_left_out_with_a_note():
    questions = "".join(f"### What is metric {n}?\n\nMetric {n} measures thing {n}.\n\n" for n in range(1, 8))
    bank = importer.parse_bank(
        {"QUESTION_BANK.md": f"# Bank\n\n{questions}", "README.md": f"# Read me\n\n{questions}"}
    )
    assert [f.path for f in bank.files] == ["QUESTION_BANK.md"]
    assert [(n.path, n.kind) for n in bank.notes] == [("README.md", "copy")]


def test_a_table_listing_question_numbers_by_topic_is_an_index_not_questions():
    text = (
        "# Handbook\n\n| Topic | Questions | Count |\n|---|---|---|\n| Foundations | 1--3, 11, 15 | 5 |\n"
        "| Ensembles | 16, 32--35 | 5 |\n\n"
        "### Q1: What is supervised learning?\n\nLearning from labelled pairs.\n"
    )
    source = importer.parse_general(text, "handbook.md")
    assert asked(source) == [(8, "What is supervised learning?", "Learning from labelled pairs.")]
    assert [(n.line, n.kind) for n in source.notes] == [(3, "contents")]
    assert ignored(source) == []
