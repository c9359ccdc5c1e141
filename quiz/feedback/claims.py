"""Does a window of the answer make the key point's claim, or only touch its topic?

The scoring finds where an answer talks about a key point; these checks decide whether what it says there can
be trusted enough to pre-tick, or should be asked about (unsure), or says something else (missing):

- the claim's own words: a point's words past its subject, and not shared with the other points, must be said
  ("Pydantic validates data" is not covered by "pydantic" and "data");
- numbers and formulas: the point's numbers must be the window's ("O(1)" is not "O(log n)");
- comparisons: who is more than whom ("RMSE penalises large errors more than MAE" is not "MAE ... than RMSE");
- contrary words: "independent" against "correlated", "always" against "never" (vocabulary.ANTONYMS);
- keyword salad: an answer that strings terms together without sentences that claim anything, or repeats
  itself like a paste, gets nothing pre-ticked.
"""

import re
from dataclasses import dataclass

from quiz.feedback.vocabulary import ANTONYMS, NEGATORS, STOPWORDS

# A window must say at least this weighted share of a point's claim words to pre-tick it.
CLAIM_NEEDED = 0.2
# An answer whose prose has fewer function words than this share of its words strings terms together...
SALAD_FUNCTION_SHARE = 0.1
# ... or, from this many words on, repeats itself: fewer distinct words than this share of its words.
PASTE_MIN_WORDS = 60
PASTE_DISTINCT_SHARE = 0.3


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words that make a sentence claim something, on top of the stopwords.
_CLAIM_WORDS = _wordset(
    """
    is are was were be been being has have had does do did can cannot could will would should must may
    might gives give makes make means mean takes take uses use helps help lets let causes cause reduces
    reduce increases increase not no never because so than when if then which that
    creates turns converts maps splits learns trains predicts measures penalises penalizes punishes keeps
    removes adds computes returns
    """
)
_CODE_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Python keywords that the stopword list drops from prose; in code they carry meaning.
_CODE_KEYWORDS = _wordset(
    """
    and as assert async await break class continue def del elif else except finally for from global if
    import in is lambda nonlocal not or pass raise return try while with yield none true false
    """
)
# Those the prose reading drops (stopwords, negators) are renamed in code; "yield" or "lambda" read the same.
_DROPPED_KEYWORDS = sorted(k for k in _CODE_KEYWORDS if k in STOPWORDS or k in NEGATORS)
_KEYWORD = re.compile(r"\b(" + "|".join(_DROPPED_KEYWORDS) + r")\b")


def mark_code(text: str) -> str:
    """Python keywords that prose drops, kept as content words inside code (``spans``, fenced blocks):
    ``with`` becomes ``pywith``, one word for one word, so the highlight still lines up with the typing."""

    def keep(match: re.Match) -> str:
        return _KEYWORD.sub(lambda k: "py" + k.group(1), match.group(0))

    if "`" not in text:
        return text
    return _CODE_SPAN.sub(keep, _CODE_FENCE.sub(keep, text))


def is_salad(text: str, words: list[str]) -> bool:
    """True when the answer strings terms together instead of making claims, or pastes the same words over
    and over. Code is not prose: its lines are left out of the function-word count."""
    prose = _words_outside_code(text, words)
    if len(words) >= PASTE_MIN_WORDS and len(set(words)) < PASTE_DISTINCT_SHARE * len(words):
        return True
    if len(prose) < 8:
        return False
    return _function_words(text) < SALAD_FUNCTION_SHARE * len(prose)


_NUMERALS = _wordset("one two three four five six seven eight nine ten")
_PROSE_WORD = re.compile(r"[a-z']+")


def _function_words(text: str) -> int:
    """How many words of ``text``'s prose make a sentence of it: stopwords and claim words written as words of
    their own. Parts of compounds ("fan-in", "out-of-fold"), capitalised keywords ("ORDER BY", "ON") and
    numerals ("two-tower", "one") are names in a list of terms, not the grammar of a claim."""
    count = 0
    for token in _CODE_SPAN.sub(" ", _CODE_FENCE.sub(" ", text)).split():
        word = token.strip(".,;:!?()[]{}\"'*")
        if len(word) > 1 and word.isupper():
            continue
        lowered = word.lower()
        if _PROSE_WORD.fullmatch(lowered) and lowered not in _NUMERALS:
            count += lowered in STOPWORDS or lowered in _CLAIM_WORDS
    return count


def _words_outside_code(text: str, words: list[str]) -> list[str]:
    if "`" not in text and "(" not in text and "=" not in text:
        return words
    kept = []
    for line in _CODE_SPAN.sub(" ", _CODE_FENCE.sub(" ", text)).splitlines():
        # A line of code ("x = f(y)", "def f():") is not a sentence either way.
        if re.search(r"[=(){}\[\]]", line) and not re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", line.lower()):
            continue
        kept.extend(re.findall(r"[a-z0-9]+", line.lower()))
    return kept


# The words a formula is made of besides its numbers ("p - y" reads "p minus y").
_OPERATOR_WORDS = frozenset(["minus", "plus", "times", "divided", "squared", "sqrt"])


def code_words(words: list[str]) -> set[str]:
    """The Python keywords a text says in code (``mark_code``): a point that names one needs it said."""
    return {w for w in words if w.startswith("py") and w[2:] in _DROPPED_KEYWORDS}


def numbers(words: list[str]) -> set[str]:
    """The numbers and operator words of a text: what a formula or a figure must agree on."""
    return {w for w in words if _NUMBER.match(w) or w in _OPERATOR_WORDS}


@dataclass(frozen=True)
class Verdict:
    """What the checks found in one window for one point."""

    doubt: bool  # the claim may not be made: no pre-tick
    against: bool  # the window says something else: missing


def number_verdict(point_numbers: set[str], window_numbers: set[str]) -> Verdict:
    """The point's numbers said: fine; other numbers and none of the point's: against; none at all: doubt."""
    if not point_numbers or point_numbers <= window_numbers:
        return Verdict(False, False)
    if window_numbers - point_numbers and not point_numbers & window_numbers:
        return Verdict(True, True)
    return Verdict(True, False)


def comparison_swapped(point_words: list[str], window_words: list[str], same) -> bool:
    """True when the point compares A with B ("A ... than B", "A ... as large as B") and the window names B
    before its comparison word and A after it. A is the point's first content word, B the first after the
    comparison word; ``same(a, b)`` says whether two words are the same content word."""
    for pivot in ("than", "as", "over"):
        if pivot not in point_words or pivot not in window_words:
            continue
        at = len(point_words) - 1 - point_words[::-1].index(pivot)
        before = [w for w in point_words[:at] if w not in STOPWORDS]
        after = [w for w in point_words[at + 1 :] if w not in STOPWORDS]
        if not before or not after:
            continue
        a, b = before[0], after[0]
        for k, word in enumerate(window_words):
            if word != pivot:
                continue
            w_before = window_words[max(0, k - 10) : k]
            w_after = window_words[k + 1 : k + 4]
            a_after = any(same(a, w) for w in w_after) and not any(same(a, w) for w in w_before)
            b_before = any(same(b, w) for w in w_before) and not any(same(b, w) for w in w_after)
            if a_after and b_before:
                return True
    return False


def antonym_pairs() -> dict[str, frozenset[str]]:
    """word -> its contraries, both ways, from vocabulary.ANTONYMS."""
    table: dict[str, set[str]] = {}
    for line in ANTONYMS:
        left, right = (side.split() for side in line.split("/"))
        for a in left:
            table.setdefault(a, set()).update(right)
        for b in right:
            table.setdefault(b, set()).update(left)
    return {k: frozenset(v) for k, v in table.items()}
