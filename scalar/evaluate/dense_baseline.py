"""``baseline/dense``: a sentence-transformers encoder compares the words around the mask with each
candidate text and picks the most similar (``scalar.generate.dense`` owns the scorer and its
chunking). Model arguments: ``model`` (a sentence-transformers id or folder; default the bundled
all-MiniLM-L6-v2 of the ``[dense]`` extra), ``chunk_words``, ``max_chunks``, ``seed`` (tie-break).
"""

from __future__ import annotations

from scalar.evaluate.baselines import RandomBaseline, ScoredBaseline
from scalar.schema import Question


class DenseBaseline(ScoredBaseline):
    """Highest cosine similarity wins (ties and cloze as every ScoredBaseline)."""

    score_label = "cosine"

    def __init__(self, model_args: dict | None = None):
        from scalar.errors import ConfigError
        from scalar.generate.dense import CHUNK_WORDS, MAX_CHUNKS, dense_scorer

        args = dict(model_args or {})
        self.name = "baseline/dense"
        try:
            chunk_words = int(args.get("chunk_words", CHUNK_WORDS))
            max_chunks = int(args.get("max_chunks", MAX_CHUNKS))
        except ValueError:
            raise ConfigError("baseline/dense: chunk_words and max_chunks must be whole numbers") from None
        self.scorer = dense_scorer(args.get("model"), chunk_words=chunk_words, max_chunks=max_chunks)
        self._random = RandomBaseline(args)

    def preflight(self) -> None:
        self.scorer._load()  # a missing extra or model fails before the run, as one line

    def _scores(self, question: Question) -> list[list[float]]:
        from scalar.generate.dense import DenseScorer  # noqa: F401  (extra checked in preflight)
        from scalar.generate.lexical import masked_window
        from scalar.generate.shortcuts import DENSE_WINDOW

        texts = [c.text for c in question.candidates]
        return [self.scorer.scores(masked_window(question.context, mask, DENSE_WINDOW), texts)
                for mask in question.masks]

    def cache_identity(self) -> dict:
        return {"name": self.name, **self.scorer.identity(), "seed": self._random.seed}
