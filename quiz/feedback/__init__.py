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

``COVERED`` (0.5) is the line between covered and not; ``suggested_grade`` turns the covered share into one of
the grade names of ``quiz.models.Grade``.
"""

from quiz.feedback.analysis import MAX_ANSWER_WORDS, Options
from quiz.feedback.embeddings import _embedding_model, embeddings_loaded
from quiz.feedback.scoring import (
    COVERED,
    _score,
    features,
    key_point_coverage,
    key_point_feedback,
)
from quiz.feedback.vocabulary import STOPWORDS

__all__ = [
    "COVERED",
    "GRADE_CUTOFFS",
    "MAX_ANSWER_WORDS",
    "STOPWORDS",
    "Options",
    "_embedding_model",
    "_score",
    "embeddings_loaded",
    "features",
    "key_point_coverage",
    "key_point_feedback",
    "suggested_grade",
    "warm_up",
]

# Share of key points covered -> suggested grade (the lower bound of each band). Nailed asks for (nearly) all
# points, Missed for (nearly) none; Partial and Good split the middle at 60%.
GRADE_CUTOFFS = (("nailed", 0.9), ("good", 0.6), ("partial", 0.25), ("missed", 0.0))


def suggested_grade(coverage: list[float], *, answer_text: str | None = None) -> str | None:
    """The grade name (``Grade`` member name, lower case) that the covered share suggests.

    None when there are no key points, or when ``answer_text`` is given and blank (nothing typed, nothing to
    suggest). Cut-offs: under 25% covered missed, under 60% partial, under 90% good, otherwise nailed.
    """
    if not coverage or (answer_text is not None and not answer_text.strip()):
        return None
    share = sum(score >= COVERED for score in coverage) / len(coverage)
    return next(name for name, lower in GRADE_CUTOFFS if share >= lower)


def warm_up() -> bool:
    """Load what the first score would (the embedding model, the synonym tables); True when embeddings are
    available. For a server to call before it forks its workers."""
    key_point_feedback(["a gradient step updates the weights"], "gradient descent updates weights")
    return embeddings_loaded()
