"""Reading a text the way the key-point matcher does: words, stems, concepts, clauses, negation, subjects."""

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz import fuzz, process

from quiz.feedback.vocabulary import (
    CONCEPTS,
    CONTRASTS,
    DETERMINERS,
    FLIPPABLE,
    GENERIC,
    NEGATORS,
    PREVENTERS,
    STOPWORDS,
)

# Answers are read up to this many words: a typed interview answer is rarely above 500, and the cost of a
# score grows with the number of windows, so a pasted book stays fast.
MAX_ANSWER_WORDS = 1500
MAX_ANSWER_CHARS = 15_000
MAX_WORD_LENGTH = 40
# A sentence longer than this (a wall of text without full stops) is also read in overlapping chunks.
# A negation reaches this many words ahead, within its clause.
NEGATION_SCOPE = 5
# A word in several key points of a question weighs 1 / (1 + this * (points - 1)).


@dataclass(frozen=True)
class Options:
    """Switches for the ablation in the bench; the app always uses the defaults."""

    embeddings: bool = True
    synonyms: bool = True  # stemming, synonyms and abbreviations, typo correction
    contradictions: bool = True  # contrast groups and negation
    claims: bool = True  # keyword salad, numbers and formulas


# The group made, per question, of the subjects its key points start with ("A forward pass ...", "A backward
# pass ..."): an answer that says one subject's claim of another swaps them.
SUBJECTS = len(CONTRASTS)


_stemmer_lock = threading.Lock()
_stemmer = Stemmer.Stemmer("english")
_WORD = re.compile(r"[0-9a-z]+(?:\.[0-9]+)?")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_BRITISH = re.compile(r"\b([a-z]{3,30})is(e|ed|es|ing|ation|ations|er|ers)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(r"[,;()]|(?<!\b\w)\s-+\s|\s-+\s(?!\w\b)|=>|->")
_PARENTHESIS = re.compile(r"(\([^()]*\))")
_OPERATORS = (
    (re.compile(r"\s*(?:>=|\u2265)\s*"), " at least "),
    (re.compile(r"\s*(?:<=|\u2264)\s*"), " at most "),
    (re.compile(r"\s*(?<![-=])>\s*"), " greater than "),
    (re.compile(r"\s*<(?![-=])\s*"), " less than "),
    (re.compile(r"\s*\u2212\s*"), " minus "),
    (re.compile(r"(?<=\b[a-z0-9])\s*-\s*(?=[a-z0-9]\b)"), " minus "),
    (re.compile(r"(?<=[a-z0-9)])\s*\+\s*(?=[a-z0-9(])"), " plus "),
    (re.compile(r"(?<=[a-z0-9)])\s*\*\s*(?=[a-z0-9(])"), " times "),
    # "tp / (tp + fp)", "(p+r)/2"; not "train/test" or "and/or"
    (
        re.compile(r"(?:(?<=\b[a-z0-9])|(?<=\)))\s*/\s*(?=[a-z0-9(])|(?<=[a-z0-9)])\s*/\s*(?=\(|[a-z0-9]\b)"),
        " divided by ",
    ),
)
_NON = re.compile(r"\bnon[- ](?=[a-z]{4})")
# "uncorrelated", "invalid", "nonconvex": the word after the prefix, negated, when the key points or the
# answer say that word too; so "uncorrelated" in a point and "highly correlated" in an answer disagree.
_NEGATING_PREFIXES = ("non", "un", "in", "im", "ir", "il", "dis")
_CLAUSE_BREAK = frozenset(
    ["but", "while", "whereas", "although", "though", "however", "whilst", "versus", "vs"]
)
# "X does A and Y does B": a new clause when the word after "and" is of a contrast group said before it.
_CONJUNCTIONS = frozenset(["and", "or", "but", "then"])


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    with _stemmer_lock:  # a Stemmer object is not safe to share between threads
        return _stemmer.stemWord(word)


def _operators(text: str) -> str:
    """Formulas in words: "p − y" and "p - y" say "p minus y"; "x >= 0" says "x at least 0". Run on a whole
    text before it is cut into clauses (a parenthesis would cut "tp / (tp + fp)"), and again on each chunk."""
    for pattern, said in _OPERATORS:
        text = pattern.sub(said, text)
    return text


def _words(text: str) -> list[str]:
    """Lower-case words, with code identifiers split (snake_case, CamelCase) and British -ise spelled -ize."""
    text = unicodedata.normalize("NFKC", text)
    text = _CAMEL.sub(" ", text).replace("_", " ").replace("'", "").replace("\u2019", "")
    text = text.lower()
    text = _BRITISH.sub(r"\1iz\2", text)
    text = text.replace("==", " equals ").replace("max(0", " relu max(0")
    text = _operators(text)
    text = _NON.sub("non", text)  # "non-convex", "non convex": one word, read as "convex" negated
    # No word is this long; a pasted blob would only make stemming, typo matching and tokenizing slow.
    return [word for word in _WORD.findall(text) if len(word) <= MAX_WORD_LENGTH]


@lru_cache(maxsize=1)
def _phrase_table() -> tuple[dict[tuple[str, ...], frozenset[str]], int]:
    table: dict[tuple[str, ...], set[str]] = {}
    for concept, phrases in CONCEPTS.items():
        for phrase in phrases.split("|"):
            key = tuple(_stem(w) for w in _words(phrase))
            table.setdefault(key, set()).add(concept)
    return {k: frozenset(v) for k, v in table.items()}, max(len(k) for k in table)


@lru_cache(maxsize=1)
def _preventer_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in PREVENTERS)


@lru_cache(maxsize=1)
def _contrast_of() -> dict[str, int]:
    return {concept: i for i, group in enumerate(CONTRASTS) for concept in group}


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    """Every word of the concept phrases: typos are corrected towards these and the key points' words."""
    return tuple(
        sorted(
            {w for phrases in CONCEPTS.values() for p in phrases.split("|") for w in _words(p) if len(w) >= 4}
        )
    )


@dataclass
class Token:
    ids: frozenset[str]  # the stem, plus the concepts it says
    start: int  # index of its first word in the text's word list
    clause: int
    piece: int = 0  # the stretch between punctuation marks (or but/while/whereas) it is in
    negated: bool = False
    contrast: tuple[int, str] | None = None  # (contrast group, concept) when it is a contrast word
    size: int = 1  # words it spans ("exactly zero" is one token)

    @property
    def side(self) -> str:
        return self.contrast[1] + ("~" if self.negated else "")


@dataclass
class Text:
    words: list[str]
    tokens: list[Token]  # content tokens only (no stopwords, no negators)
    sentence_of: list[int]  # per word: the sentence number
    first_word: str = ""


def _analyse(
    text: str,
    options: Options,
    corrections: dict[str, str] | None = None,
    prefixed: dict[str, str] | None = None,
) -> Text:
    words: list[str] = []
    negated_words: set[int] = set()
    sentence_of: list[int] = []
    clause_of: list[int] = []
    clause = 0
    text = _operators(text)
    for number, sentence in enumerate(s for s in _SENTENCE.split(text) if s and s.strip()):
        # Punctuation inside a sentence and contrastive conjunctions end a clause. A parenthesis is a clause
        # of its own, and the clause around it goes on after it ("ridge (squared) makes them smaller").
        clause += 1
        outer = clause
        for part in _PARENTHESIS.split(sentence):
            inside = part.startswith("(") and part.endswith(")")
            if inside:
                clause += 1
            for p, piece in enumerate([part] if inside else _CLAUSE.split(part)):
                if p and not inside:
                    clause += 1
                    outer = clause
                for word in _words(piece)[: MAX_ANSWER_WORDS - len(words)]:
                    if word in _CLAUSE_BREAK:
                        clause += 1
                        outer = outer if inside else clause
                    word = corrections.get(word, word) if corrections else word
                    if prefixed and word in prefixed:
                        negated_words.add(len(words))
                        word = prefixed[word]
                    words.append(word)
                    sentence_of.append(number)
                    clause_of.append(clause if inside else outer)
    piece_of = clause_of
    stems = [_stem(w) for w in words] if options.synonyms else words
    table, longest = _phrase_table()
    contrast_of = _contrast_of()
    tokens: list[Token] = []
    negators: list[int] = []
    preventers: list[int] = []
    i = 0
    while i < len(words):
        match, size = None, 1
        if options.synonyms:
            for n in range(min(longest, len(words) - i), 0, -1):
                key = tuple(stems[i : i + n])
                if key in table and clause_of[i] == clause_of[i + n - 1]:
                    match, size = table[key], n
                    break
        word = words[i]
        if match is None and (word in NEGATORS or word in STOPWORDS):
            if word in NEGATORS:
                negators.append(i)
            i += 1
            continue
        if stems[i] in _preventer_stems():
            preventers.append(i)
        ids = frozenset({stems[i]}) if size == 1 else frozenset()
        if match:  # concept names apart from stems: the concept "up" is not the word "up"
            ids |= frozenset("#" + concept for concept in match)
        token = Token(ids=ids, start=i, clause=clause_of[i], piece=clause_of[i], size=size)
        if options.contradictions and match:
            # sorted: a deterministic choice when a phrase names concepts of two groups
            groups = sorted((contrast_of[c], c) for c in match if c in contrast_of)
            if groups:
                token.contrast = groups[0]
        tokens.append(token)
        i += size
    if options.contradictions:
        _split_conjoined(tokens, words)
        _apply_negation(tokens, negators, preventers, piece_of)
        for token in tokens:
            if token.start in negated_words:  # "not uncorrelated" is "correlated"
                token.negated = not token.negated
    return Text(words, tokens, sentence_of, words[0] if words else "")


def _split_conjoined(tokens: list[Token], words: list[str]) -> None:
    """ "houses are regression and spam is classification": the part after "and" is a clause of its own when
    it says a word of a contrast group that its clause has said already."""
    fresh = 1_000_000
    groups: set[int] = set()
    clause, current = None, None
    for k, token in enumerate(tokens):
        if token.clause != clause:
            clause, current, groups = token.clause, token.clause, set()
        elif any(w in _CONJUNCTIONS for w in words[tokens[k - 1].start + 1 : token.start]):
            segment = []
            for later in tokens[k:]:
                if later.clause != clause or (
                    later is not token
                    and any(w in _CONJUNCTIONS for w in words[segment[-1].start + 1 : later.start])
                ):
                    break
                segment.append(later)
            said = {t.contrast[0] for t in segment if t.contrast}
            if said & groups:
                fresh += 1
                current, groups = fresh, set()
        token.clause = current
        if token.contrast:
            groups.add(token.contrast[0])


def _apply_negation(
    tokens: list[Token], negators: list[int], preventers: list[int], pieces: list[int]
) -> None:
    """A negator up to three words before a token negates it (flips it, in a pair of opposites); "prevents",
    "avoids", "against" negate what follows them too."""
    negated_by: dict[int, int] = {}  # token index -> how many negations reach it
    for at, reach, strict in [(at, NEGATION_SCOPE, True) for at in negators] + [
        (at, 3, False) for at in preventers
    ]:
        taken = 0
        for k, token in enumerate(tokens):
            if token.start <= at or token.start - at > reach or token.piece != pieces[at] or taken == 2:
                continue
            if token.ids & GENERIC and not token.contrast:
                continue
            # A prevention negates a claim ("prevents overfitting"), not a subject ("stops threads").
            group = CONTRASTS[token.contrast[0]] if token.contrast else None
            if not strict and group and group != ("overfit", "underfit") and group not in FLIPPABLE:
                break
            negated_by[k] = negated_by.get(k, 0) + 1
            taken += 1
            if token.contrast:
                break
    for k, count in negated_by.items():
        token = tokens[k]
        if count % 2 == 0:
            continue
        group = CONTRASTS[token.contrast[0]] if token.contrast else ()
        if group in FLIPPABLE:
            token.contrast = (token.contrast[0], group[1] if token.contrast[1] == group[0] else group[0])
        else:
            token.negated = True


def _mark_subjects(tokens: list[Token], subjects: dict[str, frozenset[str]]) -> None:
    for token in tokens:
        if token.contrast:
            continue
        named = [key for key, ids in subjects.items() if token.ids & ids]
        if len(named) == 1:
            token.contrast = (SUBJECTS, named[0])


def _subjects(points: list[Text]) -> dict[str, frozenset[str]]:
    """The distinct subjects the key points start with, when there are at least two."""
    subjects: dict[str, frozenset[str]] = {}
    heads = [point.tokens[0].ids for point in points if point.tokens]
    for point in points:
        if not point.tokens:
            continue
        head = point.tokens[0]
        if head.contrast or head.ids & GENERIC:
            continue
        follows = point.words[head.start + 1] if head.start + 1 < len(point.words) else ""
        starts_claim = point.first_word in DETERMINERS or follows in {"is", "are", "has", "have"}
        # A head that opens two points ("CNNs ...", "CNNs ...", "RNNs ...") is a subject the points contrast.
        repeated = sum(bool(head.ids & ids) for ids in heads) >= 2
        if (starts_claim or repeated) and not any(head.ids & ids for ids in subjects.values()):
            subjects[min(head.ids)] = head.ids
    return subjects if len(subjects) >= 2 else {}


def _truncate(text: str) -> str:
    """The answer up to its MAX_ANSWER_WORDS-th word or MAX_ANSWER_CHARS-th character, line breaks kept."""
    text = text[:MAX_ANSWER_CHARS]
    for count, match in enumerate(re.finditer(r"\S+", text), start=1):
        if count == MAX_ANSWER_WORDS:
            return text[: match.end()]
    return text


def _prefixed(words: list[str]) -> dict[str, str]:
    """Words made of a negating prefix and another word of the same texts: {"uncorrelated": "correlated"}.

    Words of the synonym list ("unsupervised", "nonlinear") keep their own meaning."""
    table, _ = _phrase_table()
    stems = {_stem(w) for w in words if len(w) >= 5}
    found = {}
    for word in set(words):
        if (_stem(word),) in table:
            continue
        for prefix in _NEGATING_PREFIXES:
            root = word[len(prefix) :]
            # "unless" is not "less" negated: short roots and stopwords are left alone.
            if word.startswith(prefix) and len(root) >= 5 and root not in STOPWORDS and _stem(root) in stems:
                found[word] = root
                break
    return found


def _corrections(answer_words: set[str], key_point_words: set[str]) -> dict[str, str]:
    """Typos in the answer corrected towards the key points' words and the synonym list."""
    choices = tuple(sorted(key_point_words)) + _vocabulary()
    known = set(choices)
    unknown = sorted(w for w in answer_words - known if len(w) >= 5 and not w.isdigit())
    if not unknown:
        return {}
    scores = process.cdist(unknown, choices, scorer=fuzz.ratio, score_cutoff=84, workers=1)
    corrections = {}
    for word, row in zip(unknown, scores, strict=True):
        best = int(row.argmax())
        if row[best] > 0:
            corrections[word] = choices[best]
    return corrections
