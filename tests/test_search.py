"""Search (quiz.search): one behaviour on SQLite and PostgreSQL (the suite runs on both), word forms and
spellings, abbreviations, typos, ranking, rendered excerpts, an index that follows every write."""

import re
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quiz.models import Question, SearchStats, SearchTerm
from quiz.search.index import rebuild_vocabulary
from quiz.search.query import search

QUESTIONS = reverse("quiz:questions")
QUERIES = Path(__file__).parent / "data" / "search_queries.toml"


def listed(response) -> list[str]:
    return [q.prompt_md for q in response.context["page"].object_list]


def found(text: str) -> list[str]:
    prompts = dict(Question.objects.values_list("pk", "prompt_md"))
    return [prompts[pk] for pk in search(text).ids]


def test_british_and_american_spellings_find_each_other(make_question):
    make_question(prompt_md="Why use regularization?", answer_md="It penalises large weights.")
    make_question(prompt_md="How do you optimise a model?", answer_md="Minimise the loss with an optimiser.")
    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    assert found("regularisation") == ["Why use regularization?"]
    assert found("penalize") == ["Why use regularization?"]
    assert found("optimize") == ["How do you optimise a model?"]
    assert found("optimization") == ["How do you optimise a model?"]


def test_abbreviations_find_what_they_stand_for_and_back(make_question):
    make_question(prompt_md="How does SGD differ from Adam?", answer_md="Adam adapts the step per weight.")
    make_question(prompt_md="What is stochastic gradient descent?", answer_md="Steps on minibatches.")
    make_question(prompt_md="Explain PCA.", answer_md="Project onto directions of largest variance.")
    assert sorted(found("sgd")) == ["How does SGD differ from Adam?", "What is stochastic gradient descent?"]
    assert found("principal component analysis") == ["Explain PCA."]


def test_an_abbreviation_the_bank_spells_out_finds_the_questions_saying_it_in_full(make_question):
    # No shared vocabulary entry for these: the bank defines them in brackets, and the vocabulary learns it.
    make_question(
        prompt_md="When is a staged rollout enough?",
        answer_md="Compare regions with difference-in-differences (DiD); check the SRM first.",
    )
    make_question(prompt_md="Explain difference-in-differences with an example.", answer_md="Two groups.")
    make_question(prompt_md="How did you store memory in the agent?", answer_md="In a vector store (FAISS).")
    make_question(prompt_md="What is a sample ratio mismatch (SRM)?", answer_md="Unequal arms.")
    make_question(prompt_md="Why alert early on a sample ratio mismatch?", answer_md="Broken assignment.")
    rebuild_vocabulary()
    assert found("DiD")[0] == "Explain difference-in-differences with an example."
    with CaptureQueriesContext(connection) as queries:
        assert set(found("srm")) >= {
            "What is a sample ratio mismatch (SRM)?",
            "Why alert early on a sample ratio mismatch?",
        }
    # Its words are matched as words, not as a phrase: PostgreSQL would re-read every candidate's whole vector
    # to check positions (18 ms for one query at 10,000 questions); the order still reads the prompts.
    sent = " ".join(query["sql"] for query in queries.captured_queries)
    assert "sampl <-> ratio" not in sent and '"sampl ratio mismatch"' not in sent
    # A name in brackets that is not the initials of the words before it abbreviates nothing.
    assert SearchTerm.objects.get(term="faiss").stands_for == ""
    assert SearchTerm.objects.get(term="did").stands_for == "differenceindiffer"


def test_a_spelled_out_abbreviation_is_read_from_the_index_alone(make_question):
    # A phrase makes PostgreSQL read each candidate's whole vector to check positions (43 ms at 10,000
    # questions for "log loss vs mse"); the index holds the spelled-out phrase as one term instead.
    make_question(prompt_md="Why is mean squared error sensitive to outliers?", answer_md="It squares.")
    make_question(prompt_md="What does MSE measure?", answer_md="The average squared miss.")
    make_question(prompt_md="Is the error of the mean squared?", answer_md="Its variance is.")
    with CaptureQueriesContext(connection) as queries:
        result = search("mse").ids
    prompts = dict(Question.objects.values_list("pk", "prompt_md"))
    assert sorted(prompts[pk] for pk in result) == [
        "What does MSE measure?",
        "Why is mean squared error sensitive to outliers?",
    ]
    sent = " ".join(query["sql"] for query in queries.captured_queries)
    assert "<->" not in sent and "mean squar error" not in sent


def test_a_name_written_shortened_or_joined_finds_the_name_in_full(make_question):
    # From the shared vocabulary (quiz/feedback/vocabulary.py), both ways: "batch norm", "batch
    # normalization" and "batchnorm"; "log reg" and "logistic regression".
    make_question(prompt_md="Why does batch normalisation help training?", answer_md="Smoother loss.")
    make_question(prompt_md="What does BatchNorm do at inference?", answer_md="Uses running statistics.")
    make_question(
        prompt_md="How big should a batch be?", answer_md="As big as memory allows; norm of the step."
    )
    make_question(prompt_md="When is logistic regression enough?", answer_md="Linear boundary.")
    full = {"Why does batch normalisation help training?", "What does BatchNorm do at inference?"}
    for text in ("batch norm", "batchnorm", "batch normalization"):
        assert set(found(text)[:2]) == full, text
    assert found("log reg") == ["When is logistic regression enough?"]


def test_a_typo_finds_the_question_and_offers_the_banks_spelling(client_in, make_question):
    make_question(prompt_md="What is gradient descent?", answer_md="Step against the gradient.")
    for n in range(6):  # the bank's word must be common enough to be the likelier spelling
        make_question(prompt_md=f"Variant {n} of gradient descent?", answer_md="Descent steps.")
    make_question(prompt_md="What is backpropagation?", answer_md="The chain rule, backwards.")
    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    rebuild_vocabulary()
    response = client_in.get(QUESTIONS, {"q": "gradient decent"})
    assert listed(response)[0] == "What is gradient descent?"
    html = response.content.decode()
    assert "Did you mean" in html and "?q=gradient%20descent" in html
    # No question uses the word typed: the bank's nearest word, used by one question only, is the likelier.
    assert found("backpropogation") == ["What is backpropagation?"]
    # A word the bank uses is a word: corrected only towards one ten times as common (and five at least).
    make_question(prompt_md="What is a tenser?", answer_md="A word of its own.")
    rebuild_vocabulary()
    assert found("tenser") == ["What is a tenser?"]
    for n in range(10):  # eleven questions say "tensor"
        make_question(prompt_md=f"Tensor {n}?", answer_md="An array.")
    rebuild_vocabulary()
    assert found("tenser")[0] == "What is a tenser?" and "What is a tensor?" in found("tenser")


def test_a_typo_is_compared_as_typed_not_only_as_stemmed(make_question):
    # The stemmer cuts "hallucination" to "hallucin" but leaves the typo whole: four letters apart as terms.
    make_question(prompt_md="What is hallucination in an LLM product?", answer_md="Made-up facts.")
    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    rebuild_vocabulary()
    result = search("hallucinaton")
    assert result.suggestion == "hallucination"
    assert found("hallucinaton") == ["What is hallucination in an LLM product?"]


def test_a_hyphenated_word_typed_joined_is_no_typo(make_question):
    # The index holds "warm-up" joined as well; the vocabulary behind "did you mean" must know it too, or
    # "warmup" is corrected to "warm".
    make_question(prompt_md="Why do transformers need learning-rate warm-up?", answer_md="Early steps.")
    for n in range(6):
        make_question(prompt_md=f"What is a warm start {n}?", answer_md="Begin from old weights.")
    rebuild_vocabulary()
    result = search("warmup")
    assert result.suggestion == ""
    assert found("warmup") == ["Why do transformers need learning-rate warm-up?"]


def test_every_word_above_some_and_the_prompt_above_the_answer(make_question):
    make_question(prompt_md="Compare Adam with RMSProp.", answer_md="Both adapt; gradient descent too.")
    make_question(prompt_md="What is gradient descent?", answer_md="Step against the gradient.")
    make_question(prompt_md="What is gradient clipping?", answer_md="Cap the gradient norm.")
    make_question(prompt_md="Compare gradient descent with Adam and with Newton's method.", answer_md="…")
    assert found("gradient descent") == [
        "What is gradient descent?",  # about the term: the prompt says little else
        "Compare gradient descent with Adam and with Newton's method.",
        "Compare Adam with RMSProp.",  # every word, in the answer only
        "What is gradient clipping?",  # some words
    ]


def test_the_question_asking_what_a_term_is_comes_before_those_using_it(make_question):
    # The shorter prompts say less besides the term, yet only one asks what it is.
    make_question(prompt_md="Why does subword regularization help?", answer_md="Sampling.")
    make_question(prompt_md="Explain regularization and the trade-off it makes in a model.", answer_md="…")
    make_question(prompt_md="When does regularization slow learning?", answer_md="Too strong a penalty.")
    assert found("regularisation")[0] == "Explain regularization and the trade-off it makes in a model."
    make_question(prompt_md="What is meant by the regularization path?", answer_md="Weights against lambda.")
    assert set(found("regularisation")[:2]) == {
        "What is meant by the regularization path?",
        "Explain regularization and the trade-off it makes in a model.",
    }


def test_a_prompt_asking_how_the_term_works_is_about_it(make_question):
    make_question(prompt_md="What is reward hacking in RLHF?", answer_md="Gaming the reward model.")
    make_question(prompt_md="Is a gain from RLHF just longer answers?", answer_md="Control for length.")
    make_question(
        prompt_md="Walk through the RLHF pipeline: reward model, policy, KL penalty.", answer_md="…"
    )
    make_question(prompt_md="Why can a canary release miss a slow leak?", answer_md="Too short.")
    make_question(prompt_md="How does a canary release work for a new model version?", answer_md="…")
    assert found("rlhf")[0] == "Walk through the RLHF pipeline: reward model, policy, KL penalty."
    assert found("canary release")[0] == "How does a canary release work for a new model version?"


def test_an_inflection_the_stemmer_cuts_differently_finds_the_other(make_question):
    # Snowball cuts "-ance" from "imbalance" ("imbal") but not from "imbalanced" ("imbalanc").
    make_question(prompt_md="How do you handle class imbalance?", answer_md="Reweight or resample.")
    make_question(prompt_md="Why is a balanced split useful?", answer_md="Equal shares.")
    make_question(prompt_md="What is a class?", answer_md="A label.")
    rebuild_vocabulary()
    assert found("imbalanced classes")[0] == "How do you handle class imbalance?"
    make_question(prompt_md="Why are imbalanced data sets hard?", answer_md="Few positives.")
    rebuild_vocabulary()
    both = {"How do you handle class imbalance?", "Why are imbalanced data sets hard?"}
    assert set(found("imbalance")) == both
    # A word that is another word less an ending is not an inflection of it: "news" is not "new".
    make_question(prompt_md="What is new in this release?", answer_md="Faster.")
    make_question(prompt_md="How do you rank a news feed?", answer_md="By engagement.")
    rebuild_vocabulary()
    assert found("news") == ["How do you rank a news feed?"]


def test_a_prompt_asking_what_the_term_measures_is_about_it(make_question):
    make_question(prompt_md="How do you compute ROC AUC from scores?", answer_md="Rank statistic.")
    make_question(prompt_md="When would ROC AUC mislead?", answer_md="Rare positives.")
    make_question(
        prompt_md="What does ROC AUC measure, what is its probabilistic reading, and when does it mislead?",
        answer_md="The chance a positive outranks a negative.",
    )
    assert found("roc auc")[0].startswith("What does ROC AUC measure")


def test_the_question_asking_what_the_term_is_outranks_one_that_only_says_more_words_together(make_question):
    # Both prompts say every word; the second says "lora fine" side by side too, but only the first asks
    # what LoRA is.
    make_question(prompt_md="What is LoRA, and why is it popular for fine-tuning?", answer_md="Low rank.")
    make_question(prompt_md="How would you serve 100 LoRA fine-tunes of one base model?", answer_md="Swap.")
    assert found("lora fine tuning")[0] == "What is LoRA, and why is it popular for fine-tuning?"


def test_words_typed_together_rank_the_prompt_saying_them_together_first(make_question):
    make_question(prompt_md="Why is the error of the mean squared?", answer_md="Its variance.")
    make_question(prompt_md="Why is mean squared error sensitive to outliers?", answer_md="It squares.")
    assert found("mean squared error")[0] == "Why is mean squared error sensitive to outliers?"


def test_words_naming_one_thing_need_not_both_be_said(make_question):
    # "scaling" and "normalisation" name one concept in the shared vocabulary (quiz/feedback/vocabulary.py).
    make_question(prompt_md="How do you normalise features that drift?", answer_md="Rolling statistics.")
    make_question(prompt_md="Why exclude normalisation layers from weight decay?", answer_md="Scale-free.")
    make_question(prompt_md="Why is feature scaling important?", answer_md="Distances and gradients.")
    result = search("feature scaling normalisation")
    assert found("feature scaling normalisation")[0] == "Why is feature scaling important?"
    assert result.with_every_word == 2  # the third holds neither "feature" nor "features"
    # Saying both still ranks above saying one: a comparison finds the questions comparing first.
    make_question(prompt_md="How does Adam differ from SGD?", answer_md="Per-weight steps.")
    make_question(prompt_md="Explain Adam.", answer_md="Moments.")
    assert found("adam sgd")[0] == "How does Adam differ from SGD?"


def test_a_word_written_with_hyphens_or_joined_finds_both(make_question):
    make_question(prompt_md="Can F1 be used for a multi-class problem?", answer_md="Macro or micro.")
    make_question(prompt_md="How does multiclass logistic regression work?", answer_md="Softmax.")
    make_question(prompt_md="What is a class?", answer_md="A label.")
    both = ["Can F1 be used for a multi-class problem?", "How does multiclass logistic regression work?"]
    assert sorted(found("multiclass")) == both
    assert sorted(found("multi-class")) == both
    assert found('"multi class"') == ["Can F1 be used for a multi-class problem?"]


def test_excerpts_render_maths_and_code_as_the_answer_does(client_in, make_question):
    make_question(
        prompt_md="Why can ReLU units die?",
        answer_md="For $x < 0$ the **gradient** of ReLU is zero, so `max(0, x)` stops learning.",
    )
    html = client_in.get(QUESTIONS, {"q": "gradient"}).content.decode()
    (excerpt,) = re.findall(r'<div class="excerpt">(.*?)</div>', html, re.S)
    assert "<math" in excerpt and "$" not in excerpt and "**" not in excerpt
    assert "<strong><mark>gradient</mark></strong>" in excerpt and "<code>max(0, x)</code>" in excerpt


def test_the_index_follows_every_write(make_question, user):
    question = make_question(prompt_md="What is bagging?", answer_md="Bootstrap and average.")
    assert found("variance") == []
    question.replace_answer("Bootstrap, average: less variance.", by=user, base_revision=None, reason="test")
    assert found("variance") == ["What is bagging?"]
    Question.objects.filter(pk=question.pk).update(retired=True)
    assert found("variance") == []
    Question.objects.filter(pk=question.pk).delete()
    assert search("variance", within=Question.objects.all()).ids == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "-",
        '-"',
        "the of and",
        "NEAR(a b)",
        "col:val",
        "a*",
        "'; DROP TABLE quiz_question; --",
        "AND OR NOT",
        '"unclosed phrase',
        "^start",
        "x" * 200,
        "日本語 テスト",
        "((",
        "--",
    ],
)
def test_any_text_in_the_box_is_a_search_never_an_error(client_in, make_question, text):
    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    response = client_in.get(QUESTIONS, {"q": text})
    assert response.status_code == 200
    assert "No question matches" in response.content.decode() or listed(response)


def test_the_bundled_banks_find_what_a_person_means(db):
    """The labelled queries the ranking was tuned on (tests/data/search_queries.toml, round3 and fresh;
    round4 stays held out, measured by tests/bench/bench_search.py only) over the bundled banks: a question
    wanted is in the top 3 for at least 90% of each. The vocabulary is built by the load, never by a page
    view."""
    call_command("load_content", verbosity=0)
    terms = SearchTerm.objects.count()
    assert terms > 1000
    rows = {
        pk: (key, prompt.strip())
        for pk, key, prompt in Question.objects.values_list("pk", "key", "prompt_md")
    }
    for name in ("search_queries.toml", "search_queries_round3.toml", "search_queries_fresh.toml"):
        queries = tomllib.loads(QUERIES.with_name(name).read_text())["query"]
        misses = []
        for query in queries:
            keys, prompts = tuple(query.get("want", ())), set(query.get("want_prompts", ()))
            top = [rows[pk] for pk in search(query["text"]).ids[:3]]
            if not any((keys and key.startswith(keys)) or prompt in prompts for key, prompt in top):
                misses.append(query["text"])
        assert len(misses) <= len(queries) // 10, (name, misses)
    assert SearchTerm.objects.count() == terms


def test_a_search_without_filters_costs_the_same_queries_at_any_size(
    client_in, make_question, django_assert_num_queries
):
    for n in range(5):  # more than search.query.RARE: no question of spelling
        make_question(prompt_md=f"What is gradient descent {n}?", answer_md="Steps downhill.")
    rebuild_vocabulary()
    # session, user; the search: the words' vocabulary, the matches, the best of them (ranked),
    # the retired ones to leave out, their prompts for the order (one word: every match holds every word,
    # so no answer is read); the page's rows, bank and section options, the menu's "Review queue" check
    with django_assert_num_queries(11):
        client_in.get(QUESTIONS, {"q": "gradient"})
    for n in range(30):
        make_question(prompt_md=f"Gradient {n}?", answer_md="Steps downhill.", retired=n % 2 == 0)
    with django_assert_num_queries(11):
        response = client_in.get(QUESTIONS, {"q": "gradient"})
    assert len(listed(response)) == 20  # 5 + the 15 active ones


def test_past_many_matches_the_prompts_choose_whom_to_rank(make_question, monkeypatch):
    # Past RANKED_IN_FULL matches the database ranks only the questions whose prompt matches (on PostgreSQL
    # through the prompt vector's index, migration 0030); those answering in the answer alone still follow.
    monkeypatch.setattr("quiz.search.query.RANKED_IN_FULL", 1)
    make_question(prompt_md="Compare Adam with RMSProp.", answer_md="Both adapt; gradient descent too.")
    make_question(prompt_md="What is gradient descent?", answer_md="Step against the gradient.")
    make_question(prompt_md="Compare gradient descent with Adam and with Newton's method.", answer_md="…")
    assert found("gradient descent") == [
        "What is gradient descent?",
        "Compare gradient descent with Adam and with Newton's method.",
        "Compare Adam with RMSProp.",
    ]


def test_a_word_most_questions_use_finds_nothing_by_itself_beside_rarer_ones(make_question):
    # "model" is in every question here (more than COMMON of them): "model offline" finds the questions
    # saying "offline"; "model" alone still finds them all.
    for n in range(6):
        make_question(
            prompt_md=f"How do you choose a model {n}?", answer_md="Compare the model on held-out data."
        )
    make_question(prompt_md="Why does a model do well offline but badly online?", answer_md="Skew.")
    make_question(prompt_md="What is offline evaluation?", answer_md="Replaying logs against a model.")
    rebuild_vocabulary()
    assert found("model offline") == [
        "Why does a model do well offline but badly online?",
        "What is offline evaluation?",
    ]
    assert len(found("model")) == 8
    # A word no question uses makes nothing narrower: the common word still finds.
    assert len(found("model zebra")) == 8


def test_the_common_words_still_choose_whom_to_rank(make_question, monkeypatch):
    # Past RANKED_IN_FULL the database ranks the prompts holding a rarer word, and only the best RERANKED get
    # the full order; the query's common words count in choosing them, so the prompt saying most of the query
    # is chosen over one saying a rarer word of it.
    monkeypatch.setattr("quiz.search.query.RANKED_IN_FULL", 1)
    monkeypatch.setattr("quiz.search.query.RERANKED", 1)
    make_question(prompt_md="Is a test set enough?", answer_md="Yes.")
    make_question(prompt_md="How many users in each arm do you need?", answer_md="Power.")
    make_question(prompt_md="Do you need a holdout?", answer_md="Often.")
    make_question(prompt_md="How many users churn in each arm?", answer_md="Few.")
    make_question(prompt_md="How many users return to each arm?", answer_md="Most.")
    for n in range(4):
        make_question(prompt_md=f"What is a tensor {n}?", answer_md="An array.")
    rebuild_vocabulary()
    assert found("how many users in each arm need a test")[0] == "How many users in each arm do you need?"


def test_the_vocabulary_knows_how_many_questions_it_counted(make_question):
    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    make_question(prompt_md="What is a matrix?", answer_md="A table.", retired=True)
    rebuild_vocabulary()
    assert SearchStats.objects.get().questions == 1


def test_the_retired_questions_are_left_out_by_their_index_not_a_scan(make_question):
    # A scan of every question's row to find the few retired ones cost SQLite 22 ms at 10,000 questions: the
    # partial index "question_retired" serves only the condition it was made with.
    from quiz.search.query import _RETIRED

    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    make_question(prompt_md="What is a matrix?", answer_md="A tensor.", retired=True)
    with CaptureQueriesContext(connection) as queries:
        assert found("tensor") == ["What is a tensor?"]
    assert any("WHERE retired" in query["sql"] for query in queries.captured_queries)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is cheaper to scan
            cursor.execute(f"EXPLAIN {_RETIRED}", [True])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {_RETIRED}", [True])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "question_retired" in plan, plan
