"""Which key points of a reference answer a typed answer covers: a score from 0 to 1 per key point.

Pure (no database, no network) and deterministic. A key point's score is the best over local windows of the
answer (clauses, sentences, pairs of sentences, overlapping chunks of a wall of text). Each window is scored
from two cues, then discounted when it contradicts the point:

- lexical: the weighted share of the point's content words found in the window, after lower-casing, British
  to American spelling, stemming (PyStemmer), a hand-kept list of ML synonyms and abbreviations
  (quiz/feedback_terms.py: "lr", "RF", "PCA", "exactly zero" ~ "sparse" ...) and correcting typos
  towards the points' own words (rapidfuzz). Words that several points share weigh less.
- embedding: cosine similarity of point and window in WordLlama's static token embeddings (a 16 MB model
  inside the ``wordllama`` wheel, loaded once per process; without it the lexical cue alone decides).
- contradictions: words of contrast groups (precision/recall, L1/L2, bias/variance, FP/FN, more/less,
  before/after ..., and the subjects the points start with, or that open two points: "CNNs ..., CNNs ...,
  RNNs ...") are linked to their nearest neighbours in each clause; an answer that links the point's words
  the other way round ("precision is about false negatives", "L2 drives weights to zero") or negates what
  the point says ("does not prevent overfitting", "highly correlated" for "uncorrelated": a negating prefix
  counts as a "not") loses most of the score; an answer that contradicts or negates the words of more than
  30% of the points is trusted less on all of them.

The order cue (the point's word pairs found close and in order) is computed too; fitted on the labelled set
it earns no weight next to the embedding (a little without it).

``COVERED`` (0.5) is the line between covered and not; ``suggested_grade`` turns the covered share into one of
the grade names of ``quiz.models.Grade``.
"""

import bisect
import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import Stemmer
from rapidfuzz import fuzz, process

from quiz.feedback_terms import (
    CONCEPTS,
    CONTEXT,
    CONTRASTS,
    DETERMINERS,
    FLIPPABLE,
    GENERIC,
    NEGATORS,
    PREVENTERS,
    STOPWORDS,
)

logger = logging.getLogger(__name__)

COVERED = 0.5

# Share of key points covered -> suggested grade (the lower bound of each band). Nailed asks for (nearly) all
# points, Missed for (nearly) none; Partial and Good split the middle at 60%.
GRADE_CUTOFFS = (("nailed", 0.9), ("good", 0.6), ("partial", 0.25), ("missed", 0.0))

# Answers are read up to this many words: a typed interview answer is rarely above 500, and the cost of a
# score grows with the number of windows, so a pasted book stays fast.
MAX_ANSWER_WORDS = 1500
MAX_ANSWER_CHARS = 15_000
MAX_WORD_LENGTH = 40
# A sentence longer than this (a wall of text without full stops) is also read in overlapping chunks.
CHUNK_WORDS = 30
# A negation reaches this many words ahead, within its clause.
NEGATION_SCOPE = 5
# A word in several key points of a question weighs 1 / (1 + this * (points - 1)).
SHARED_DISCOUNT = 0.7

# How the cues combine (a logistic curve over their weighted sum) and how much a contradiction, a negation
# or an answer that contradicts many points takes away: grid-searched on the tuning half of
# tests/data/feedback_eval.toml (tests/bench/bench_feedback.py --fit).
WEIGHTS = {"bias": -3.5, "lexical": 12.0, "order": 0.0, "embedding": 1.0}
WEIGHTS_WITHOUT_EMBEDDINGS = {"bias": -2.0, "lexical": 9.0, "order": 1.0, "embedding": 0.0}
CONTRADICTION_PENALTY = 0.8
NEGATION_PENALTY = 0.8
# An answer's falsity (the share of points it says the other way round) counts a point whose words the answer
# negates (share of them negated) this many times; set on the tuning half.
NEGATION_IN_FALSITY = 2.0
FALSITY_PENALTY = 1.0
# ... applied to the share of the points an answer contradicts above this floor.
FALSITY_FLOOR = 0.3


def suggested_grade(coverage: list[float], *, answer_text: str | None = None) -> str | None:
    """The grade name (``Grade`` member name, lower case) that the covered share suggests.

    None when there are no key points, or when ``answer_text`` is given and blank (nothing typed, nothing to
    suggest). Cut-offs: under 25% covered missed, under 60% partial, under 90% good, otherwise nailed.
    """
    if not coverage or (answer_text is not None and not answer_text.strip()):
        return None
    share = sum(score >= COVERED for score in coverage) / len(coverage)
    return next(name for name, lower in GRADE_CUTOFFS if share >= lower)


def key_point_coverage(key_points: list[str], answer_text: str) -> list[float]:
    """A score from 0 to 1 per key point: how well ``answer_text`` says it (``COVERED`` and up: covered)."""
    return _score(key_points, answer_text, Options())


@dataclass(frozen=True)
class Options:
    """Switches for the ablation in the bench; the app always uses the defaults."""

    embeddings: bool = True
    synonyms: bool = True  # stemming, synonyms and abbreviations, typo correction
    contradictions: bool = True  # contrast groups and negation


# The group made, per question, of the subjects its key points start with ("A forward pass ...", "A backward
# pass ..."): an answer that says one subject's claim of another swaps them.
SUBJECTS = len(CONTRASTS)


_stemmer_lock = threading.Lock()
_stemmer = Stemmer.Stemmer("english")
_WORD = re.compile(r"[0-9a-z]+(?:\.[0-9]+)?")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_BRITISH = re.compile(r"\b([a-z]{3,30})is(e|ed|es|ing|ation|ations|er|ers)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(r"[,;()]|\s-+\s|=>|->")
_PARENTHESIS = re.compile(r"(\([^()]*\))")
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


def _words(text: str) -> list[str]:
    """Lower-case words, with code identifiers split (snake_case, CamelCase) and British -ise spelled -ize."""
    text = unicodedata.normalize("NFKC", text)
    text = _CAMEL.sub(" ", text).replace("_", " ").replace("'", "").replace("\u2019", "")
    text = text.lower()
    text = _BRITISH.sub(r"\1iz\2", text)
    text = text.replace("==", " equals ").replace("max(0", " relu max(0")
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


# --- scoring ------------------------------------------------------------------------------------------------


def _links(tokens: list[Token]) -> set[tuple[str, int, str]]:
    """Each contrast word linked to the nearest word of every other contrast group in its clause."""
    by_clause: dict[int, list[Token]] = {}
    for token in tokens:
        if token.contrast:
            by_clause.setdefault(token.clause, []).append(token)
    links = set()
    for members in by_clause.values():
        if len(members) < 2:
            continue
        by_group: dict[int, list[Token]] = {}
        for token in members:  # in text order
            by_group.setdefault(token.contrast[0], []).append(token)
        starts = {group: [t.start for t in group_tokens] for group, group_tokens in by_group.items()}
        for token in members:
            for group, group_tokens in by_group.items():
                if group == token.contrast[0]:
                    continue
                # The nearest word of that group: one of the two around the token's position.
                at = bisect.bisect_left(starts[group], token.start)
                around = group_tokens[max(0, at - 1) : at + 1]
                other = min(around, key=lambda t: abs(t.start - token.start))
                links.add((token.side, group, other.side))
    return links


def _clause_sides(tokens: list[Token]) -> dict[int, dict[int, set[str]]]:
    sides: dict[int, dict[int, set[str]]] = {}
    for token in tokens:
        if token.contrast:
            sides.setdefault(token.clause, {}).setdefault(token.contrast[0], set()).add(token.side)
    return sides


@dataclass
class Point:
    tokens: list[Token]
    weights: list[float]
    links: set[tuple[str, int, str]]  # (side, other group, side of the other group it is linked to)
    sides: dict[int, set[str]]  # group -> the sides of it that the point says
    content_sides: list[tuple[int, dict[int, set[str]]]]  # content token index -> sides said in its clause


def _point(analysed: Text, all_points: list[Text]) -> Point:
    tokens = analysed.tokens
    # A word that several key points of the question share tells them apart less.
    weights = []
    for token in tokens:
        shared = sum(any(token.ids & other.ids for other in point.tokens) for point in all_points)
        weight = 0.4 if token.ids & GENERIC else 1.0
        weights.append(weight / (1 + SHARED_DISCOUNT * max(0, shared - 1)))
    sides: dict[int, set[str]] = {}
    for token in tokens:
        if token.contrast:
            sides.setdefault(token.contrast[0], set()).add(token.side)
    clause_sides = _clause_sides(tokens)
    content_sides = [
        (i, clause_sides[token.clause])
        for i, token in enumerate(tokens)
        if not token.contrast and token.clause in clause_sides
    ]
    return Point(tokens, weights, _links(tokens), sides, content_sides)


@dataclass
class Window:
    tokens: list[Token]
    begin: int  # its span in the answer's word list
    end: int
    at: dict[str, list[int]] = field(default_factory=dict)  # id -> token indices
    links: set[tuple[str, int, str]] = field(default_factory=set)
    clause_sides: dict[int, dict[int, set[str]]] = field(default_factory=dict)

    def __post_init__(self):
        for j, token in enumerate(self.tokens):
            for id_ in token.ids:
                self.at.setdefault(id_, []).append(j)
        self.links = _links(self.tokens)
        self.clause_sides = _clause_sides(self.tokens)


def _windows(answer: Text) -> list[Window]:
    """Clauses, sentences, pairs of sentences and overlapping chunks of long sentences."""
    n = len(answer.words)
    if n == 0:
        return []
    clause_of = [0] * n
    for token in answer.tokens:
        for k in range(token.start, n):
            if k > token.start and clause_of[k]:
                break
            clause_of[k] = token.clause

    def runs(labels: list[int]) -> list[tuple[int, int]]:
        out, begin = [], 0
        for i in range(1, n + 1):
            if i == n or labels[i] != labels[begin]:
                out.append((begin, i))
                begin = i
        return out

    spans: set[tuple[int, int]] = set()
    sentences = runs(answer.sentence_of)
    for begin, end in sentences:
        spans.add((begin, end))
        if end - begin > CHUNK_WORDS:
            for start in range(begin, end - CHUNK_WORDS // 2, CHUNK_WORDS // 2):
                spans.add((start, min(end, start + CHUNK_WORDS)))
    for (b1, e1), (b2, e2) in zip(sentences, sentences[1:], strict=False):
        if e1 - b1 <= CHUNK_WORDS and e2 - b2 <= CHUNK_WORDS:
            spans.add((b1, e2))
    clauses: dict[int, list[int]] = {}
    for token in answer.tokens:
        clauses.setdefault(token.clause, []).append(token.start)
    for starts in clauses.values():
        if len(starts) >= 2:
            spans.add((starts[0], starts[-1] + 1))
    windows = []
    starts = [t.start for t in answer.tokens]
    for begin, end in sorted(spans):
        first, last = bisect.bisect_left(starts, begin), bisect.bisect_left(starts, end)
        if last > first:
            windows.append(Window(answer.tokens[first:last], begin, end))
    return windows


def _lexical(point: Point, window: Window) -> tuple[float, float, float]:
    """(weighted share of the point's tokens found, share of its adjacent pairs found close and in order,
    share of the found content tokens whose negation disagrees)."""
    found_at: dict[int, list[int]] = {}
    for i, wanted in enumerate(point.tokens):
        positions = [j for id_ in wanted.ids for j in window.at.get(id_, ())]
        if positions:
            found_at[i] = positions
    total = sum(point.weights) or 1.0
    lexical = sum(point.weights[i] for i in found_at) / total
    pairs = max(1, len(point.tokens) - 1)
    in_order = sum(
        1
        for i in range(len(point.tokens) - 1)
        if i in found_at
        and i + 1 in found_at
        and any(0 < b - a <= 3 for a in found_at[i] for b in found_at[i + 1])
    )
    disagree = agree = 0
    for i, positions in found_at.items():
        if point.tokens[i].contrast:
            continue
        if any(window.tokens[j].negated == point.tokens[i].negated for j in positions):
            agree += 1
        else:
            disagree += 1
    negation = disagree / (disagree + agree) if disagree else 0.0
    return lexical, in_order / pairs, negation


def _context(group: int) -> bool:
    return group != SUBJECTS and CONTRASTS[group] in CONTEXT


def _weak(group: int) -> bool:
    """More/less, before/after, train/test ...: weaker evidence of a swap than L1/L2 or precision/recall."""
    return group != SUBJECTS and (CONTRASTS[group] in FLIPPABLE or CONTRASTS[group] in CONTEXT)


def _contradiction(point: Point, window: Window) -> float:
    """Share of the evidence in the window that says the point the other way round (0: none)."""
    if not point.sides:
        return 0.0
    against = support = 0.0
    # Links: "precision ~ false positives" in the point against "precision ~ false negatives" in the answer.
    for side, group, partner in point.links:
        seen = {p for s, g, p in window.links if s == side and g == group}
        # "reduces" next to both "bias" and "variance" in the answer says nothing either way.
        # "reduces" said of the right thing is common ground; "bias" said to be reduced by the wrong method is
        # a swap, but "reduces" said of something else elsewhere in the answer is no evidence.
        weak_side = _weak(_contrast_of().get(side.rstrip("~"), SUBJECTS))
        if seen == {partner}:
            support += 0.25 if _weak(group) or weak_side else 1.0
        elif seen and partner not in seen and not weak_side:
            against += 1
    # Content words said next to the other side: "L2 gives sparse weights" for "L1 gives sparse weights".
    for i, groups in point.content_sides:
        weight = point.weights[i]
        for j in sorted({j for id_ in point.tokens[i].ids for j in window.at.get(id_, ())}):
            in_clause = window.clause_sides.get(window.tokens[j].clause, {})
            for group, sides in groups.items():
                # A word said next to "test" as well as "train" is normal; only links tell those apart.
                if group in in_clause and not _context(group):
                    # "more"/"less" next to a word is weaker evidence than "L1"/"L2" next to it.
                    vote = 0.25 * weight if _weak(group) else 0.5 * weight
                    if in_clause[group] & sides:
                        support += vote
                    else:
                        against += vote
    if against == 0:
        return 0.0
    return against / (against + support)


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


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def features(key_points: list[str], answer_text: str, options: Options | None = None) -> list[list[dict]]:
    """Per key point, per window of the answer: the cues. The bench fits WEIGHTS on these; _score combines."""
    return _features(key_points, answer_text, options or Options())[0]


def _features(
    key_points: list[str], answer_text: str, options: Options
) -> tuple[list[list[dict]], list[Point], list[Window]]:
    """``features``, with the analysed points and the answer's windows the rows belong to."""
    answer_text = _truncate(answer_text or "")
    prefixed = (
        _prefixed([w for p in key_points for w in _words(p)] + _words(answer_text))
        if options.contradictions
        else None
    )
    analysed = [_analyse(p, options, prefixed=prefixed) for p in key_points]
    subjects = _subjects(analysed) if options.contradictions else {}
    for point in analysed:
        _mark_subjects(point.tokens, subjects)
    points = [_point(p, analysed) for p in analysed]
    if not answer_text.strip():
        return [[] for _ in points], points, []
    corrections = None
    if options.synonyms:
        key_point_words = {w for p in analysed for w in p.words if len(w) >= 4}
        corrections = _corrections(set(_words(answer_text)), key_point_words)
    answer = _analyse(answer_text, options, corrections, prefixed)
    _mark_subjects(answer.tokens, subjects)
    windows = _windows(answer)
    whole = Window(answer.tokens, 0, len(answer.words))
    spans = [(w.begin, w.end) for w in windows]
    similarities = _similarities(key_points, answer.words, spans) if options.embeddings else None
    result = []
    # What the answer as a whole links a point's words to counts in every window ("the forward pass computes
    # the gradients" elsewhere in the answer still speaks against "the backward pass computes ..."), and an
    # answer that says many points the other way round is trusted less on all of them.
    overall = [_contradiction(point, whole) if options.contradictions else 0.0 for point in points]
    # ... and so is an answer that negates the words of many points ("never validates", "ignores the hints").
    negated = [
        _lexical(point, whole)[2] if options.contradictions and point.tokens else 0.0 for point in points
    ]
    said_against = [max(c, NEGATION_IN_FALSITY * n) for c, n in zip(overall, negated, strict=True)]
    falsity = sum(said_against) / len(said_against) if said_against else 0.0
    for p, point in enumerate(points):
        rows = []
        for w, window in enumerate(windows if point.tokens else ()):  # a blank point has nothing to find
            lexical, order, negation = _lexical(point, window)
            rows.append(
                {
                    "lexical": lexical,
                    "order": order,
                    # A window of one or two known words (the rest another language, say) has no
                    # meaning for the embedding to compare.
                    "embedding": float(similarities[p][w])
                    if similarities is not None and len(window.tokens) >= 3
                    else 0.0,
                    "contradiction": max(overall[p], _contradiction(point, window))
                    if options.contradictions
                    else 0.0,
                    "falsity": falsity,
                    "negation": negation if options.contradictions else 0.0,
                }
            )
        result.append(rows)
    return result, points, windows


def combine(row: dict, weights: dict) -> float:
    x = weights["bias"] + sum(weights[k] * row[k] for k in ("lexical", "order", "embedding"))
    score = _logistic(x)
    score *= 1 - CONTRADICTION_PENALTY * row["contradiction"]
    score *= 1 - NEGATION_PENALTY * row["negation"]
    excess = max(0.0, row["falsity"] - FALSITY_FLOOR) / (1 - FALSITY_FLOOR)
    score *= max(0.0, 1 - FALSITY_PENALTY * excess)
    return score


def _score(key_points: list[str], answer_text: str, options: Options) -> list[float]:
    return [score for score, _ in _best_windows(key_points, answer_text, options)]


def _best_windows(
    key_points: list[str], answer_text: str, options: Options
) -> list[tuple[float, tuple[int, int] | None]]:
    """Per key point: its score and the span of answer words (begin, end) that says it best, if any."""
    if not answer_text or not answer_text.strip():
        return [(0.0, None)] * len(key_points)
    use_embeddings = options.embeddings and _embedding_model() is not None
    weights = WEIGHTS if use_embeddings else WEIGHTS_WITHOUT_EMBEDDINGS
    rows_per_point, points, windows = _features(key_points, answer_text, options)
    best = []
    for point, rows in zip(points, rows_per_point, strict=True):
        scores = [combine(row, weights) for row in rows]
        if not scores:
            best.append((0.0, None))
            continue
        w = max(range(len(scores)), key=scores.__getitem__)
        best.append((round(scores[w], 4), _found_span(point, windows[w])))
    return best


def _found_span(point: Point, window: Window) -> tuple[int, int]:
    """The stretch of the window from the first to the last word that says one of the point's words (the
    whole window when only the embedding found it)."""
    wanted = {id_ for token in point.tokens for id_ in token.ids}
    found = [t for t in window.tokens if t.ids & wanted]
    if not found:
        return window.begin, window.end
    return found[0].start, found[-1].start + found[-1].size


def key_point_feedback(key_points: list[str], answer_text: str) -> tuple[list[float], list[str]]:
    """``key_point_coverage`` with, per key point, the phrase of the answer that says it best ("" when the
    point is not covered): the text as typed, for the card to highlight.

    The phrase is cut from the answer's whitespace-separated chunks; a chunk that the matcher reads as
    several words ("snake_case", "a==b") is shown whole."""
    best = _best_windows(key_points, answer_text, Options())
    text = _truncate(answer_text or "")
    # The matcher's word k comes from chunk chunk_of[k] of the text: _words reads each chunk the same way
    # on its own (only "non convex" becomes one word across a space, which shifts a highlight by a word).
    chunks = [m for m in re.finditer(r"\S+", text)]
    chunk_of = [c for c, chunk in enumerate(chunks) for _ in _words(chunk.group())]
    phrases = []
    for score, span in best:
        if score < COVERED or span is None or not chunk_of:
            phrases.append("")
            continue
        first = chunks[chunk_of[min(span[0], len(chunk_of) - 1)]]
        last = chunks[chunk_of[min(span[1] - 1, len(chunk_of) - 1)]]
        phrase = text[first.start() : last.end()]
        phrases.append(phrase.strip(" \t\n,;:.!?\"'()[]"))
    return [score for score, _ in best], phrases


# --- the embedding model ------------------------------------------------------------------------------------

_model_lock = threading.Lock()
_model_state: dict[str, object] = {}


def _embedding_model():
    """WordLlama with the weights bundled in its wheel, loaded once per process; None when it cannot load."""
    if "model" in _model_state:
        return _model_state["model"]
    with _model_lock:
        if "model" not in _model_state:
            model = None
            try:
                import wordllama

                # The wheel ships l2_supercat_256 and its tokenizer config inside the package folder;
                # disable_download turns a missing file into an error instead of a download.
                # 128 of the 256 (Matryoshka) dimensions: half the memory, nearly the same similarities.
                model = wordllama.WordLlama.load(
                    config="l2_supercat",
                    dim=256,
                    trunc_dim=128,
                    cache_dir=Path(wordllama.__file__).parent,
                    disable_download=True,
                )
            except (ImportError, OSError, ValueError) as error:
                logger.warning("Key-point matcher runs without embeddings: %s", error)
            _model_state["model"] = model
    return _model_state["model"]


def warm_up() -> bool:
    """Load what the first score would (the embedding model, the synonym tables); True when embeddings are
    available. For a server to call before it forks its workers."""
    key_point_feedback(["a gradient step updates the weights"], "gradient descent updates weights")
    return embeddings_loaded()


def embeddings_loaded() -> bool:
    return _model_state.get("model") is not None


@lru_cache(maxsize=4096)
def _point_vector(point: str):
    import numpy as np

    vector = _embedding_model().embed([point])[0]
    return vector / (np.linalg.norm(vector) or 1.0)


def _similarities(key_points: list[str], words: list[str], spans: list[tuple[int, int]]):
    """Cosine similarity of each key point with each window (a span of the answer's words).

    WordLlama embeds a text as the mean of its tokens' vectors, so the answer is tokenized once and each
    window's vector is a difference of prefix sums, instead of tokenizing every overlapping window again.
    """
    model = _embedding_model()
    if model is None or not spans or not key_points:
        return None
    import numpy as np

    text = " ".join(words)
    starts, at = [], 0
    for word in words:
        starts.append(at)
        at += len(word) + 1
    encoding = model.tokenizer.encode(text, add_special_tokens=False)
    ids = [i for i, (begin, end) in zip(encoding.ids, encoding.offsets, strict=True) if end > begin]
    token_word = [bisect.bisect_right(starts, begin) - 1 for begin, end in encoding.offsets if end > begin]
    table = model.embedding
    sums = np.zeros((len(ids) + 1, table.shape[1]), dtype=np.float64)
    if ids:
        np.cumsum(table[np.clip(ids, 0, table.shape[0] - 1)], axis=0, out=sums[1:])
    first_token = [bisect.bisect_left(token_word, k) for k in range(len(words) + 1)]
    window_vectors = np.array([sums[first_token[e]] - sums[first_token[b]] for b, e in spans])
    norms = np.linalg.norm(window_vectors, axis=1, keepdims=True)
    window_vectors = window_vectors / np.where(norms == 0, 1, norms)
    points = np.array([_point_vector(p) for p in key_points])
    return np.clip(points @ window_vectors.T, 0.0, 1.0)
