"""Scoring a key point against the windows of an answer: word overlap, order, embedding similarity and
contradictions, combined into one score per key point."""

import bisect
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from quiz.feedback import claims
from quiz.feedback.analysis import (
    SUBJECTS,
    Options,
    Text,
    Token,
    _analyse,
    _contrast_of,
    _corrections,
    _mark_subjects,
    _prefixed,
    _stem,
    _subjects,
    _truncate,
    _words,
)
from quiz.feedback.embeddings import _embedding_model, _similarities
from quiz.feedback.vocabulary import CONTEXT, CONTRASTS, FLIPPABLE, GENERIC

# A score at or above TICK is pre-ticked (covered: the answer makes the claim); one in [UNSURE, TICK) is
# unsure (the topic is there, the claim may not be): shown as a question, not ticked; below UNSURE: missing.
TICK = 0.5
UNSURE = 0.25

# A sentence longer than this (a wall of text without full stops) is also read in overlapping chunks.
CHUNK_WORDS = 30
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
# A window contradicts a point (missing) only when all the evidence says so (the cues also fire on correct
# answers, so below that they only take their share off the score); any contradiction above
# DOUBT_CONTRADICTION (or any negation that disagrees) keeps a point from being pre-ticked.
AGAINST_CONTRADICTION = 1.0
AGAINST_NEGATION = 1.0
AGAINST_LEXICAL = 0.6
DOUBT_CONTRADICTION = 0.25
# An answer that says this many points (and this share of them) the other way round (a contrary claim, or
# most of the contradiction and negation cues), in windows that say at least MIXED_LEXICAL of the point's
# words, has none of its points pre-ticked.
MIXED_POINTS = 2
MIXED_SHARE = 0.3
MIXED_LEXICAL = 0.5
# Keyword salad keeps this share of its score, below TICK and UNSURE: it claims nothing to ask about.
SALAD_SHARE = 0.45


def key_point_coverage(
    key_points: list[str], answer_text: str, alternatives: list[list[str]] | None = None
) -> list[float]:
    """A score from 0 to 1 per key point: how well ``answer_text`` says it (``TICK`` and up: covered,
    pre-ticked; ``UNSURE`` up to ``TICK``: the topic is there, the claim may not be; below: missing).
    ``alternatives``: per key point, phrasings a reviewer accepted as saying it (quiz.answer_parts); the best
    reading counts."""
    return key_point_feedback(key_points, answer_text, alternatives)[0]


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
    words: list[str] = field(default_factory=list)
    # Per token: part of the claim (past the subject, not shared with another point), which must be said.
    claim: list[bool] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)


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
    shares = [
        sum(any(token.ids & other.ids for other in point.tokens) for point in all_points) for token in tokens
    ]
    claim = [shares[i] <= 1 and not (i == 0 and len(tokens) >= 3) for i in range(len(tokens))]
    return Point(
        tokens,
        weights,
        _links(tokens),
        sides,
        content_sides,
        analysed.words,
        claim,
        claims.numbers(analysed.words),
    )


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


def _lexical(point: Point, window: Window) -> tuple[float, float, float, float]:
    """(weighted share of the point's tokens found, share of its adjacent pairs found close and in order,
    share of the found content tokens whose negation disagrees, weighted share of its claim tokens found)."""
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
    claim_total = sum(w for w, c in zip(point.weights, point.claim, strict=False) if c)
    claim_found = sum(point.weights[i] for i in found_at if i < len(point.claim) and point.claim[i])
    claim = claim_found / claim_total if claim_total else 1.0
    return lexical, in_order / pairs, negation, claim


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


@lru_cache(maxsize=1)
def _antonyms() -> dict[str, frozenset[str]]:
    return {_stem(k): frozenset(_stem(w) for w in v) for k, v in claims.antonym_pairs().items()}


def _claim_checks(
    point: Point,
    window: Window,
    answer: Text,
    antonyms: dict[str, frozenset[str]],
    claim: float,
    lexical: float,
) -> tuple[bool, bool]:
    """(doubt, against) for a point in a window: see quiz/feedback/claims.py."""
    words = answer.words[window.begin : window.end]
    verdict = claims.number_verdict(point.numbers, claims.numbers(words))
    # Another number, or a contrary word, says the point is wrong only where the window clearly talks about
    # the point; elsewhere ("the mean of the 5 scores" for "k-1 folds") it only keeps the tick off.
    about = lexical >= AGAINST_LEXICAL
    against = verdict.against and about
    doubt = verdict.doubt
    if claims.comparison_swapped(point.words, words, lambda a, b: _stem(a) == _stem(b)):
        against = True
    elif _contrary(point, window, antonyms):
        against, doubt = against or about, True
    code_missing = bool(claims.code_words(point.words) - set(answer.words))
    return (against or doubt or code_missing or claim < claims.CLAIM_NEEDED), against


def _contrary(point: Point, window: Window, antonyms: dict[str, frozenset[str]]) -> bool:
    """The window says a contrary of one of the point's words (not negated, in a clause that says another of
    the point's words) and not the word itself."""
    said = {id_ for token in window.tokens for id_ in token.ids}
    wanted = {id_ for token in point.tokens for id_ in token.ids}
    for token in point.tokens:
        stem = next((i for i in token.ids if not i.startswith("#")), None)
        if stem is None or stem not in antonyms or stem in said:
            continue
        for other in window.tokens:
            if other.negated == token.negated and other.ids & antonyms[stem]:
                clause = [t for t in window.tokens if t.clause == other.clause and t is not other]
                if any(t.ids & wanted for t in clause):
                    return True
    return False


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
    if options.claims:
        answer_text = claims.mark_code(answer_text)
    read_points = [claims.mark_code(p) for p in key_points] if options.claims else key_points
    prefixed = (
        _prefixed([w for p in read_points for w in _words(p)] + _words(answer_text))
        if options.contradictions
        else None
    )
    analysed = [_analyse(p, options, prefixed=prefixed) for p in read_points]
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
    salad = options.claims and claims.is_salad(answer_text, answer.words)
    antonyms = _antonyms()
    for p, point in enumerate(points):
        rows = []
        for w, window in enumerate(windows if point.tokens else ()):  # a blank point has nothing to find
            lexical, order, negation, claim = _lexical(point, window)
            doubt, against = (
                _claim_checks(point, window, answer, antonyms, claim, lexical)
                if options.claims
                else (False, False)
            )
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
                    "doubt": doubt or salad,
                    "against": against,
                    "salad": salad,
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
    return judge(score, row)


def _contradicted(row: dict) -> bool:
    return row["contradiction"] >= AGAINST_CONTRADICTION or row["negation"] >= AGAINST_NEGATION


def judge(score: float, row: dict) -> float:
    """The score capped by what the claim checks found: a window that says something else is missing, one
    whose claim is in doubt (or an answer that is keyword salad) is at most unsure."""
    if row.get("against") or _contradicted(row):
        return min(score, UNSURE - 0.01) * 0.5
    doubtful = row["contradiction"] > DOUBT_CONTRADICTION or row["negation"] > 0
    if row.get("salad"):
        return min(score, TICK - 0.01) * SALAD_SHARE
    if row.get("doubt") or doubtful:
        return min(score, TICK - 0.01)
    return score


def _score(key_points: list[str], answer_text: str, options: Options) -> list[float]:
    return [score for score, _, _ in _best_windows(key_points, answer_text, options)]


def _best_windows(
    key_points: list[str], answer_text: str, options: Options
) -> list[tuple[float, tuple[int, int] | None, tuple[int, int] | None]]:
    """Per key point: its score, the span of answer words (begin, end) that says it best, if any, and the
    span of a window that talks about the point (MIXED_LEXICAL of its words) and says otherwise, if any."""
    if not answer_text or not answer_text.strip():
        return [(0.0, None, None)] * len(key_points)
    use_embeddings = options.embeddings and _embedding_model() is not None
    weights = WEIGHTS if use_embeddings else WEIGHTS_WITHOUT_EMBEDDINGS
    rows_per_point, points, windows = _features(key_points, answer_text, options)
    # An answer that says several points the other way round mixes things up: none of its points is
    # vouched for, each is at most unsure (the candidate confirms what they meant).
    if options.claims and len(points) >= 2:
        said_against = sum(
            any(_says_against(row) for row in rows if row["lexical"] >= MIXED_LEXICAL)
            for rows in rows_per_point
        )
        if said_against >= max(MIXED_POINTS, MIXED_SHARE * len(points)):
            rows_per_point = [[{**row, "doubt": True} for row in rows] for rows in rows_per_point]
    best = []
    for point, rows in zip(points, rows_per_point, strict=True):
        scores = [combine(row, weights) for row in rows]
        if not scores:
            best.append((0.0, None, None))
            continue
        w = max(range(len(scores)), key=scores.__getitem__)
        against = None
        if options.claims and scores[w] < TICK:
            w_against = max(
                (i for i, row in enumerate(rows) if row["lexical"] >= MIXED_LEXICAL and _says_against(row)),
                key=lambda i: rows[i]["lexical"],
                default=None,
            )
            if w_against is not None:
                against = _found_span(point, windows[w_against])
        best.append((round(scores[w], 4), _found_span(point, windows[w]), against))
    return best


def _says_against(row: dict) -> bool:
    """A window that says a contrary word, swaps who does what, or negates most of the point."""
    return bool(row["against"]) or row["contradiction"] >= 0.6 or row["negation"] >= 0.5


def _found_span(point: Point, window: Window) -> tuple[int, int]:
    """The stretch of the window from the first to the last word that says one of the point's words (the
    whole window when only the embedding found it)."""
    wanted = {id_ for token in point.tokens for id_ in token.ids}
    found = [t for t in window.tokens if t.ids & wanted]
    if not found:
        return window.begin, window.end
    return found[0].start, found[-1].start + found[-1].size


# Each alternative phrasing read costs a scoring of the answer (some 40 ms of CPU for 300 words): the newest
# two per key point are read, and at most six per question.
ALTERNATIVES_PER_POINT = 2
MAX_ALTERNATIVES = 6


class Reading(NamedTuple):
    """What the matcher read in an answer, per key point: its score, the phrase of the answer that says it
    best (or, for a point the answer contradicts, the phrase that does; "" when missing), and whether the
    answer contradicts it: a window that talks about the point says a contrary word, swaps who does what or
    negates it, and nothing says the point. Such an answer is suggested Partial at most
    (``quiz.models.content.suggested_grade``)."""

    scores: list[float]
    phrases: list[str]
    contradicted: list[bool]


def key_point_feedback(
    key_points: list[str], answer_text: str, alternatives: list[list[str]] | None = None
) -> Reading:
    """``key_point_coverage`` with the phrases behind it and the points the answer contradicts (``Reading``):
    the text as typed, for the card to highlight (covered), ask about (unsure) or question (contradicted).

    The phrase is cut from the answer's whitespace-separated chunks; a chunk that the matcher reads as
    several words ("snake_case", "a==b") is shown whole."""
    best = _best_windows(key_points, answer_text, Options())
    # An alternative phrasing is read in the point's place, beside the other points as they are.
    readings = [
        (i, phrasing)
        for i, phrasings in enumerate((alternatives or [])[: len(key_points)])
        for phrasing in reversed(phrasings[-ALTERNATIVES_PER_POINT:])
    ]
    for i, phrasing in readings[:MAX_ALTERNATIVES]:
        variant = [*key_points[:i], phrasing, *key_points[i + 1 :]]
        candidate = _best_windows(variant, answer_text, Options())[i]
        if candidate[0] > best[i][0]:
            best[i] = candidate
    text = _truncate(answer_text or "")
    # The matcher's word k comes from chunk chunk_of[k] of the text: _words reads each chunk the same way
    # on its own (only "non convex" becomes one word across a space, which shifts a highlight by a word).
    chunks = [m for m in re.finditer(r"\S+", text)]
    chunk_of = [c for c, chunk in enumerate(chunks) for _ in _words(chunk.group())]
    phrases = []
    for score, span, against in best:
        shown = against if against is not None else span if score >= UNSURE else None
        if shown is None or not chunk_of:
            phrases.append("")
            continue
        first = chunks[chunk_of[min(shown[0], len(chunk_of) - 1)]]
        last = chunks[chunk_of[min(shown[1] - 1, len(chunk_of) - 1)]]
        phrase = text[first.start() : last.end()]
        phrases.append(phrase.strip(" \t\n,;:.!?\"'()[]"))
    return Reading([score for score, _, _ in best], phrases, [against is not None for _, _, against in best])
