"""WordLlama's static token embeddings, bundled in its wheel: loaded once per process, nothing downloaded."""

import bisect
import logging
import threading
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

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
