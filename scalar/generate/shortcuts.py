"""Shortcut scorers: how a reader that never reads the paper ranks a question's candidates.

One owner for the scorers that generation balances against, ``scalar audit`` reports and the
``baseline/*`` backends answer with:

* ``bm25_<w>``: BM25 between the ``w`` words either side of the mask and each candidate text, the
  candidates being the corpus (windows 10, 25 and 50 by default);
* ``length``: the candidate text's length in characters (a reader that bets on the longest);
* ``dense``: cosine similarity of a sentence-transformers encoding of the 50-word window and of the
  candidate text's chunks, best chunk wins (``scalar.generate.dense``; optional, extra ``[dense]``).

A scorer ranks the gold among the candidates; rank 1 = the scorer would pick the gold. A release
where every scorer puts the gold at each rank equally often leaves each of them at chance.

BM25 here is computed from cached per-text term counts (``TermCounts``) with the formula bm25s
uses (Lucene idf, k1 = 1.5, b = 0.75), so a candidate set is re-scored in microseconds while
generation tries combinations; ``tests/generate/test_shortcuts.py`` checks it ranks like
``lexical.rank_candidates``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scalar.generate.lexical import MASK, masked_window, tokenize

DEFAULT_WINDOWS = (10, 25, 50)
DENSE_WINDOW = 50  # words either side of the mask encoded for the dense scorer
LENGTH = "length"
DENSE = "dense"
_K1, _B = 1.5, 0.75
# Scores closer than this (relative) count as a tie: a tie is neither above nor below the gold,
# and float32 (bm25s) against float64 (here) must not flip a comparison.
_TIE = 1e-6


def bm25_name(words: int) -> str:
    return f"bm25_{words}"


def scorer_names(windows: Sequence[int] = DEFAULT_WINDOWS, dense: bool = False) -> list[str]:
    """Scorer names in report order: BM25 windows, dense (when used), length."""
    return [bm25_name(w) for w in windows] + ([DENSE] if dense else []) + [LENGTH]


@dataclass
class TermCounts:
    """A candidate text as BM25 sees it: stopword-free word counts and their total."""

    counts: Counter
    length: int
    chars: int

    @classmethod
    def of(cls, text: str) -> TermCounts:
        toks = tokenize([text])[0]
        return cls(Counter(toks), len(toks), len(text))


_TERMS: dict[bytes, TermCounts] = {}


def _term_counts(text: str) -> TermCounts:
    """TermCounts memoised by content digest: a release repeats candidate texts across
    questions, and tokenising a 40,000-token paper is the audit's main cost."""
    import hashlib

    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    got = _TERMS.get(key)
    if got is None:
        if len(_TERMS) > 256:  # questions come grouped by paper: a small cache catches the repeats
            _TERMS.clear()
        got = _TERMS[key] = TermCounts.of(text)
    return got


def bm25(query: list[str], docs: Sequence[TermCounts]) -> list[float]:
    """BM25 of the query tokens against each doc, the docs being the whole corpus (as
    ``lexical.rank_candidates`` scores a question's candidates). A repeated query word counts
    each time."""
    n = len(docs)
    if not n or not query:
        return [0.0] * n
    avg = sum(d.length for d in docs) / n or 1.0
    norms = [_K1 * ((1 - _B) + _B * d.length / avg) for d in docs]
    scores = [0.0] * n
    q = Counter(query)
    for term, times in q.items():
        tfs = [d.counts.get(term, 0) for d in docs]
        df = sum(1 for tf in tfs if tf)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, tf in enumerate(tfs):
            if tf:
                scores[i] += times * idf * tf / (norms[i] + tf)
    return scores


def query_tokens(context: str, words: int, mask: str = MASK) -> list[str]:
    return tokenize([masked_window(context, mask, words)])[0]


def dense_variant_name(window: int, chunks: int) -> str:
    """The name of the dense scorer over a ``window``-word query and the best of a candidate's
    first ``chunks`` chunks (a ``--distractors robust`` family member)."""
    return f"{DENSE}_w{window}_c{chunks}"


def dense_variant_of(name: str) -> tuple[int, int] | None:
    """(window, chunks) of a ``dense_variant_name``; None for any other scorer name."""
    m = re.fullmatch(rf"{DENSE}_w(\d+)_c(\d+)", name)
    return (int(m[1]), int(m[2])) if m else None


def compare(gold: float, other: float) -> int:
    """+1 when ``other`` scores above the gold, -1 below, 0 a tie (within _TIE, relative)."""
    scale = max(abs(gold), abs(other), 1e-12)
    if abs(other - gold) <= _TIE * scale:
        return 0
    return 1 if other > gold else -1


def gold_rank(scores: Sequence[float], gold: int) -> int:
    """1 + the number of candidates scoring strictly above the gold (ties do not push it down)."""
    return 1 + sum(1 for i, s in enumerate(scores) if i != gold and compare(scores[gold], s) > 0)


def top_share(scores: Sequence[float], gold: int) -> float:
    """What a reader picking the top score earns on one mask: 1 when the gold alone scores
    highest, 1/j when it ties with j - 1 others at the top, else 0 (a coin between the tied).
    The audit's accuracy and cloze balancing both count with it."""
    if not scores:
        return 0.0
    top = max(scores)
    tied = [i for i, s in enumerate(scores) if s == top]
    return 1 / len(tied) if gold in tied else 0.0


def candidate_scores(context: str, texts: Sequence[str], mask: str = MASK,
                     windows: Sequence[int] = DEFAULT_WINDOWS, dense=None,
                     dense_family: Sequence[tuple[int, int]] = ()) -> dict[str, list[float]]:
    """Every scorer's scores of ``texts`` for the mask ``mask`` in ``context``. ``dense``: a
    ``DenseScorer`` (or None to leave the dense scorer out); ``dense_family``: (query window,
    chunks) variants of it to add as scorers of their own."""
    docs = [_term_counts(t) for t in texts]
    out = {bm25_name(w): bm25(query_tokens(context, w, mask), docs) for w in windows}
    if dense is not None:
        out[DENSE] = dense.scores(masked_window(context, mask, DENSE_WINDOW), list(texts))
    if dense is not None and dense_family:
        out.update(dense.variant_scores(context, mask, list(texts), dense_family))
    out[LENGTH] = [float(len(t)) for t in texts]
    return out


def shortcut_ranks(context: str, texts: Sequence[str], gold: int, mask: str = MASK,
                   windows: Sequence[int] = DEFAULT_WINDOWS, dense=None) -> dict[str, int]:
    """The gold's rank (1 = picked) under every scorer."""
    return {name: gold_rank(s, gold) for name, s in
            candidate_scores(context, texts, mask, windows, dense).items()}


__all__ = ["DEFAULT_WINDOWS", "DENSE", "DENSE_WINDOW", "LENGTH", "TermCounts", "bm25", "bm25_name", "dense_variant_name",
           "dense_variant_of",
           "candidate_scores", "compare", "gold_rank", "query_tokens", "scorer_names", "shortcut_ranks",
           "top_share"]
