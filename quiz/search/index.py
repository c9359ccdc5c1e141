"""What the search index holds for a question, and the vocabulary behind "did you mean".

Each question keeps its analysed prompt and answer in two columns (``search_prompt``, ``search_answer``); the
databases index those columns themselves (SQLite: an FTS5 table kept in step by triggers; PostgreSQL: a
generated tsvector column with a GIN index; migration 0018), so any write to a question, bulk or not, is
indexed at once. The vocabulary (each term, the word people write for it, and how many questions use it) is
rebuilt after each content load or bank import.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

from quiz.search.analysis import compounds, hyphenated, terms, token_terms, words
from quiz.search.vocabulary import defined_abbreviations, spelled_out


def search_fields(prompt_md: str, answer_md: str, group_title: str = "") -> dict[str, str]:
    """The values of a question's two search columns. The group title is part of what the prompt asks."""
    prompt = _indexed(f"{group_title}\n{prompt_md}" if group_title else prompt_md)
    return {"search_prompt": prompt, "search_answer": _indexed(answer_md)}


def _indexed(text: str) -> str:
    """The terms of ``text``, then one term for each spelled-out abbreviation among them (``spelled_out``) and
    for each word written with hyphens (``compounds``): at the end, so a phrase still reads as written."""
    found = terms(text)
    joined = spelled_out()
    longest = max((len(phrase) for phrase in joined), default=0)
    extra = dict.fromkeys(
        joined[phrase]
        for i in range(len(found))
        for n in range(2, longest + 1)
        if (phrase := tuple(found[i : i + n])) in joined
    )
    extra |= dict.fromkeys(compounds(text))
    return " ".join(found + list(extra))


def vocabulary_rows(questions: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, int]]:
    """(term, the word people write for it, how many questions use it) for questions' (group title, prompt,
    answer) markdown."""
    return [(term, word, count) for term, word, count, _ in vocabulary_table(questions)]


def vocabulary_table(questions: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, int, str]]:
    """``vocabulary_rows`` and, for an abbreviation the questions spell out ("difference-in-differences
    (DiD)", ``defined_abbreviations``), what it stands for: each phrase's terms, "|" between phrases."""
    used: Counter[str] = Counter()
    written: defaultdict[str, Counter[str]] = defaultdict(Counter)
    stands_for: defaultdict[str, dict[str, None]] = defaultdict(dict)
    for texts in questions:
        seen = set()
        text = " ".join(texts)
        for token in words(text):
            found = token_terms(token)
            seen.update(found)
            if len(found) == 1 and token.isalpha():
                written[found[0]][token] += 1
        # The index holds a hyphenated word joined too ("warm-up" as "warmup"): a word the bank uses, so
        # "warmup" is no typo of "warm".
        for word, term in hyphenated(text):
            seen.add(term)
            written[term][word] += 1
        for term, phrase in defined_abbreviations(text):
            stands_for[term][" ".join(phrase)] = None
        used.update(seen)
    return [
        (
            term,
            (written[term].most_common(1)[0][0] if written[term] else term)[:100],
            count,
            "|".join(stands_for.get(term, ()))[:300],
        )
        for term, count in used.items()
        if len(term) <= 100
    ]


def rebuild_vocabulary() -> int:
    """Recount the vocabulary of the active questions; returns the number of terms. Called by
    ``content_loader.load`` (load_content and every bank import), never by a page."""
    from quiz.models import Question, SearchStats, SearchTerm

    texts = Question.objects.active().values_list("group_title", "prompt_md", "answer_md")
    rows = vocabulary_table(texts.iterator(chunk_size=500))
    SearchStats.objects.update_or_create(pk=1, defaults={"questions": Question.objects.active().count()})
    if set(SearchTerm.objects.values_list("term", "word", "questions", "stands_for")) == set(rows):
        return len(rows)  # a reload that changed no wording writes nothing
    SearchTerm.objects.all().delete()
    SearchTerm.objects.bulk_create(
        (
            SearchTerm(term=term, word=word, questions=count, stands_for=stands_for)
            for term, word, count, stands_for in rows
        ),
        batch_size=2000,
    )
    return len(rows)
