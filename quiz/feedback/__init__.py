"""Which key points of a reference answer a typed answer covers: a score from 0 to 1 per key point.

Pure (no database, no network) and deterministic. A key point's score is the best over local windows of the
answer (clauses, sentences, pairs of sentences, overlapping chunks of a wall of text). Each window is scored
from two cues, then discounted when it contradicts the point:

- lexical: the weighted share of the point's content words found in the window, after lower-casing, British
  to American spelling, stemming (PyStemmer), a hand-kept list of ML synonyms and abbreviations
  (quiz/feedback/vocabulary.py: "lr", "RF", "PCA", "exactly zero" ~ "sparse" ...) and correcting typos
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

``TICK`` (0.5) is the line between covered and not. The feedback only scores: the grade the ticks
suggest is ``quiz.models.content.suggested_grade``, beside ``Grade``.
"""

from quiz.feedback.analysis import MAX_ANSWER_WORDS, Options
from quiz.feedback.embeddings import embeddings_loaded
from quiz.feedback.scoring import (
    TICK,
    UNSURE,
    Reading,
    features,
    key_point_coverage,
    key_point_feedback,
)
from quiz.feedback.vocabulary import STOPWORDS

__all__ = [
    "TICK",
    "UNSURE",
    "coverage_state",
    "MAX_ANSWER_WORDS",
    "STOPWORDS",
    "Options",
    "Reading",
    "embeddings_loaded",
    "features",
    "key_point_coverage",
    "key_point_feedback",
    "warm_up",
]


def coverage_state(score: float, contradicted: bool = False) -> str:
    """How a card shows a key point: "covered" (pre-ticked), "unsure" (asked about), "contradicted" (the
    answer seems to say otherwise: shown with the phrase that does) or "missing"."""
    if score >= TICK:
        return "covered"
    return "contradicted" if contradicted else "unsure" if score >= UNSURE else "missing"


def warm_up() -> bool:
    """Load what the first score would (the embedding model, the synonym tables); True when embeddings are
    available. For a server to call before it forks its workers."""
    key_point_feedback(["a gradient step updates the weights"], "gradient descent updates weights")
    return embeddings_loaded()
