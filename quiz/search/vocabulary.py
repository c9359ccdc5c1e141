"""The ML abbreviations and names search knows, taken from the key-point matcher's own vocabulary (one list,
not two).

The matcher's concepts group phrases that say the same thing for grading ("adam" counts as gradient descent
there); search only takes the pairs that mean the same thing to anyone searching: one phrase the other's
initials ("sgd" and "stochastic gradient descent", "auc" and "area under the curve"), or the other shortened
or written joined ("batch norm", "batch normalization" and "batchnorm").
"""

import re
from functools import lru_cache

from quiz.feedback.vocabulary import CONCEPTS
from quiz.search.analysis import STOPWORDS, joined, stem, terms

Phrase = tuple[str, ...]


def _initials(words: list[str]) -> str:
    return "".join(word[0] for word in words if word not in STOPWORDS)


@lru_cache(maxsize=1)
def abbreviations() -> dict[str | Phrase, list[Phrase]]:
    """An abbreviation's term -> the phrases it stands for (as terms), and a phrase -> its abbreviation."""
    found: dict[str | Phrase, list[Phrase]] = {}
    for phrases in CONCEPTS.values():
        written = [phrase.split() for phrase in phrases.split("|")]
        short = [w[0] for w in written if len(w) == 1 and 2 <= len(w[0]) <= 5]
        for abbreviation in short:
            for long in written:
                if len(long) > 1 and _initials(long) == abbreviation:
                    phrase = tuple(stem(word) for word in long if word not in STOPWORDS)
                    term = stem(abbreviation)
                    if phrase not in found.setdefault(term, []):
                        found[term].append(phrase)
                    if (term,) not in found.get(phrase, []):
                        found.setdefault(phrase, []).append((term,))
    return found


@lru_cache(maxsize=1)
def same_names() -> dict[str | Phrase, list[Phrase]]:
    """Names the shared vocabulary writes shortened or joined, both ways, as terms: "batch norm" and "batch
    normalization" (each word of one begins the same word of the other), "log reg" and "logistic
    regression", "batchnorm" and "batch norm" (the words written joined). A one-word name's term, or a
    phrase, -> the phrases that name the same thing."""
    found: dict[str | Phrase, list[Phrase]] = {}

    def add(key: str | Phrase, phrase: Phrase) -> None:
        if phrase != key and phrase != (key,) and phrase not in found.setdefault(key, []):
            found[key].append(phrase)

    for phrases in CONCEPTS.values():
        written = [[w for w in phrase.split() if w not in STOPWORDS] for phrase in phrases.split("|")]
        named = [(words, tuple(stem(word) for word in words)) for words in written if words]
        for _, short in named:
            for other_words, long in named:
                clipped = len(short) == len(long) > 1 and all(
                    b.startswith(a) and (len(a) >= 3 or a == b) for a, b in zip(short, long, strict=True)
                )
                one_word = len(short) == 1 and len(long) > 1 and short[0] == stem("".join(other_words))
                if short != long and (clipped or one_word):
                    add(short if len(short) > 1 else short[0], long)
                    add(long, short)
    return found


@lru_cache(maxsize=1)
def spelled_out() -> dict[Phrase, str]:
    """Each phrase an abbreviation stands for -> the one term the index adds wherever a text says it
    ("mean squared error" -> "meansquarerror"). A query for the phrase then reads one term of the index, not a
    phrase the database must check against each candidate's positions (PostgreSQL reads every candidate's
    whole vector for that). Joined, not the abbreviation: "lr" stands for two things."""
    return {key: "".join(key) for key in abbreviations() if isinstance(key, tuple)}


@lru_cache(maxsize=1)
def concepts() -> dict[str, frozenset[str]]:
    """A one-word name's term -> the concepts of the shared vocabulary it names ("normalisation" and "scaling"
    both name ``scale``). Search asks only whether two words of one query name the same thing."""
    found: dict[str, set[str]] = {}
    for concept, phrases in CONCEPTS.items():
        for phrase in phrases.split("|"):
            words = phrase.split()
            if len(words) == 1 and words[0] not in STOPWORDS:
                found.setdefault(stem(words[0]), set()).add(concept)
    return {term: frozenset(names) for term, names in found.items()}


# An abbreviation a text defines: words, then the abbreviation in brackets, "difference-in-differences (DiD)",
# "sample ratio mismatch (SRM)". Two capitals at least, so "(e.g.)" or "(see below)" are not abbreviations.
_DEFINED_RE = re.compile(r"([A-Za-z0-9][A-Za-z0-9 -]{0,120}?)\s*\(([A-Za-z][A-Za-z0-9]{1,7}?)s?\)")
_WORD_RE = re.compile(r"[A-Za-z0-9]+")


def defined_abbreviations(text: str) -> list[tuple[str, Phrase]]:
    """The abbreviations ``text`` spells out, each as (its term, the terms of the words it stands for).

    The abbreviation's letters, or its capitals alone ("RoPE": rotary position embedding), are the
    initials of the words just before the bracket, with or without the little words ("DiD": difference in
    differences; "MoE": mixture of experts). Words written with hyphens and nothing else
    ("difference-in-differences") stand as the one term the index holds for the joined word, so a query reads
    the index alone (as ``spelled_out``).
    """
    found = []
    for match in _DEFINED_RE.finditer(text):
        before, abbreviation = match[1], match[2]
        capitals = "".join(c for c in abbreviation if c.isupper()).lower()
        if len(capitals) < 2:
            continue
        spelled = {abbreviation.lower(), capitals}
        words = list(_WORD_RE.finditer(before))
        for n in range(2, min(len(words), 8) + 1):
            span = before[words[-n].start() :]
            initials = [w[0].lower() for w in span.replace("-", " ").split()]
            content = [w[0].lower() for w in span.replace("-", " ").split() if w.lower() not in STOPWORDS]
            if "".join(initials) in spelled or "".join(content) in spelled:
                hyphenated = " " not in span.strip()
                phrase = (joined(span.lower().split("-")),) if hyphenated else tuple(terms(span))
                if phrase:
                    found.append((stem(abbreviation.lower()), phrase))
                break
    return found
