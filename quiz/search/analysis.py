"""Text to search terms: the one analyser for questions (when indexed) and queries (when read).

A term is lower-case ASCII letters and digits only, so SQLite's and PostgreSQL's tokenisers read a run of
terms identically. Code names keep a joined term beside their parts: ``sklearn.linear_model`` gives
``sklearn linear model sklearnlinearmodel``, so "linear_model" and "sklearn.linear_model" find it too.
"""

import re
import unicodedata
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("english")

# A word, or a name joined by dots and underscores (df.dropna, linear_model, torch.nn.Module).
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[._][a-z0-9]+)*")
_PARTS_RE = re.compile(r"[a-z0-9]+")
# A word written with hyphens ("multi-class", "k-means", "trade-off"), which people also write joined.
_COMPOUND_RE = re.compile(r"(?<![a-z0-9._-])[a-z0-9]+(?:-[a-z0-9]+)+(?![a-z0-9_]|[.-][a-z0-9])")

# Words too common to help find a question. Kept short: "not", "without", "no" and the like stay, so a phrase
# keeps its meaning.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "can",
        "should",
        "would",
        "could",
    ]
)

# British spellings read as American ones, before stemming, on both sides (so over-eager rules cost nothing:
# "promise" and "promize" are the same term wherever they appear). Word endings first, then whole stems.
_SPELLING_RULES = (
    (re.compile(r"^(\w{3,})is(ation|ations|e|es|ed|ing|er|ers)$"), r"\1iz\2"),
    (re.compile(r"^(\w+)ys(e|es|ed|ing|er|ers)$"), r"\1yz\2"),
    (
        re.compile(r"^(behavi|col|neighb|fav|lab|flav|hon|hum|rum|harb|vap|endeav|arm)our(\w*)$"),
        r"\1or\2",
    ),
    (re.compile(r"^(cent|met|lit|fib|theat|calib)re(s|d)?$"), r"\1er\2"),
    (re.compile(r"^(catal|dial|anal)ogue(s)?$"), r"\1og\2"),
    (re.compile(r"^(licen|defen|offen)ce(s)?$"), r"\1se\2"),
    (re.compile(r"^(model|label|travel|cancel|signal|channel|tunnel|fuel)l(ed|ing|er|ers)$"), r"\1\2"),
)


def _ascii_lower(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode().lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One word (lower-case letters and digits) as its term."""
    for pattern, replacement in _SPELLING_RULES:
        if pattern.match(word):
            word = pattern.sub(replacement, word)
            break
    return _STEMMER.stemWord(word)


def other_forms(word: str) -> list[str]:
    """The terms of a word's other inflections where the stemmer gives them another stem: Snowball cuts
    "-ance" and "-ence" only from the bare word, so "imbalanced" is "imbalanc" and "imbalance" "imbal".
    Only stems one of which begins the other (and of four letters at least) count: "news" is not "new"."""
    if not word.isalpha() or word in STOPWORDS:
        return []
    if word.endswith("ed"):
        forms = [word[:-1], word[:-2]]
    elif word.endswith("ing"):
        forms = [word[:-3], word[:-3] + "e"]
    elif word.endswith("es"):
        forms = [word[:-1], word[:-2]]
    elif word.endswith("s") and not word.endswith("ss"):
        forms = [word[:-1]]
    else:
        forms = [word + "s", word + ("d" if word.endswith("e") else "ed")]
        forms += [(word[:-1] if word.endswith("e") else word) + "ing"]
    mine = stem(word)
    found = []
    for form in forms:
        other = stem(form)
        shorter, longer = sorted((mine, other), key=len)
        if other != mine and len(shorter) >= 4 and longer.startswith(shorter) and other not in found:
            found.append(other)
    return found


def words(text: str) -> list[str]:
    """The words of ``text`` as a reader sees them (lower case, accents folded), code names kept whole."""
    return _TOKEN_RE.findall(_ascii_lower(text))


def token_terms(token: str, *, keep_stopwords: bool = False) -> list[str]:
    """The terms of one token from ``words``: a word gives its stem; a code name its parts, then the whole."""
    parts = _PARTS_RE.findall(token)
    if len(parts) == 1:
        word = parts[0]
        return [stem(word)] if keep_stopwords or word not in STOPWORDS else []
    return [stem(part) for part in parts if part not in STOPWORDS] + ["".join(parts)]


def terms(text: str) -> list[str]:
    """Every term of ``text`` in order: what the index holds for a prompt or an answer."""
    return [term for token in words(text) for term in token_terms(token)]


def compounds(text: str) -> list[str]:
    """The words of ``text`` written with hyphens, each as the term of the word written joined ("multi-class"
    gives "multiclass"): the index holds them after the terms, so "multiclass" finds "multi-class"."""
    return [joined(parts) for parts in _compound_parts(text)]


def hyphenated(text: str) -> list[tuple[str, str]]:
    """The words of ``text`` written with hyphens as (the word as written, its term from ``compounds``)."""
    return [("-".join(parts), joined(parts)) for parts in _compound_parts(text)]


def query_compounds(text: str) -> dict[tuple[str, ...], str]:
    """A query's words written with hyphens: the words' terms in order -> the term of the word joined."""
    found = {}
    for parts in _compound_parts(text):
        terms = tuple(stem(part) for part in parts if part not in STOPWORDS)
        if len(terms) > 1:
            found[terms] = joined(parts)
    return found


def _compound_parts(text: str) -> list[list[str]]:
    return [match.split("-") for match in _COMPOUND_RE.findall(_ascii_lower(text))]


def joined(parts: list[str]) -> str:
    return stem("".join(parts))
