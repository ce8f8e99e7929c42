"""BM25 between the words around a masked citation and the candidate texts.

Shared by the audit (how far a bag-of-words gets on a release) and the evaluation baseline
`baseline/lexical`. A good release keeps this near chance; a release where the words next to the
mask repeat the gold paper's vocabulary (names, title words) lets it score far above.
"""

from __future__ import annotations

import sys

from scalar.schema import MCQ_MASK

MASK = MCQ_MASK  # the placeholder contract lives in scalar.schema

# Words are runs of letters/digits (two or more, as in scikit-learn); English stopwords removed.
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def masked_window(context: str, mask: str = MASK, words: int = 50) -> str:
    """The ``words`` words before and after the first ``mask`` in ``context``, the mask itself left
    out. Words are whitespace-separated pieces with at least one letter or digit (a lone "(" or "\\["
    around a citation does not use up the window). Empty string when the mask is absent."""
    at = context.find(mask)
    if at < 0:
        return ""
    if words <= 0:
        return ""
    # Look at a bounded stretch only: contexts run to hundreds of thousands of characters.
    span = 40 * words + 200
    before = [w for w in context[max(0, at - span):at].split() if _has_word(w)]
    after = [w for w in context[at + len(mask):at + len(mask) + span].split() if _has_word(w)]
    if at - span > 0 and before:
        before = before[1:]  # the first piece may be cut mid-word
    if at + len(mask) + span < len(context) and after:
        after = after[:-1]
    before = before[-words:]
    after = after[:words]
    return " ".join(before + after)


def _has_word(piece: str) -> bool:
    return any(ch.isalnum() for ch in piece)


# Optional accelerators bm25s imports when they are installed, although the numpy backends used
# here need neither; together they take seconds to import (a baseline eval would start slowly).
_BM25S_OPTIONAL = ("numba", "scipy")


def _bm25s():
    """bm25s, imported without its optional numba and scipy (when they are not loaded already)."""
    if "bm25s" in sys.modules:
        return sys.modules["bm25s"]
    hidden = [name for name in _BM25S_OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import bm25s
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return bm25s


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased word tokens without English stopwords (no stemming: stays dependency-free)."""
    bm25s = _bm25s()
    return bm25s.tokenize(texts, token_pattern=_TOKEN_PATTERN, stopwords="en",
                          return_ids=False, show_progress=False)


def _model(query: str, candidate_texts: list[str]):
    """(bm25s model over the candidates, the query tokens it knows), or None when nothing can score."""
    bm25s = _bm25s()

    corpus = tokenize(list(candidate_texts))
    query_tokens = tokenize([query])[0]
    if not query_tokens or not any(corpus):
        return None
    # An empty document would make bm25s drop it from the vocabulary; a placeholder keeps indices.
    corpus = [doc if doc else ["\x00empty"] for doc in corpus]
    model = bm25s.BM25(backend="numpy", csc_backend="numpy")  # bm25s's defaults, pinned
    model.index(corpus, show_progress=False)
    vocab = model.vocab_dict
    known = [t for t in query_tokens if t in vocab]
    return (model, known) if known else None


def rank_candidates(query: str, candidate_texts: list[str]) -> list[float]:
    """BM25 score of ``query`` against each candidate text, the candidates being the corpus.
    Higher = more similar; all zeros when the query shares no word with any candidate."""
    if not candidate_texts:
        return []
    got = _model(query, candidate_texts)
    if got is None:
        return [0.0] * len(candidate_texts)
    model, known = got
    return [float(s) for s in model.get_scores(known)]


def term_contributions(query: str, candidate_texts: list[str]) -> list[dict[str, float]]:
    """Per candidate, what each query word adds to its BM25 score (a word repeated in the query
    counts each time); each candidate's values sum to its ``rank_candidates`` score."""
    if not candidate_texts:
        return []
    got = _model(query, candidate_texts)
    out: list[dict[str, float]] = [{} for _ in candidate_texts]
    if got is None:
        return out
    model, known = got
    counts: dict[str, int] = {}
    for t in known:
        counts[t] = counts.get(t, 0) + 1
    for t, n in sorted(counts.items()):
        for i, s in enumerate(model.get_scores([t])):
            if s:
                out[i][t] = float(s) * n
    return out


def deciding_terms(query: str, candidate_texts: list[str], gold: int, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` words that most separate ``candidate_texts[gold]`` from its best-scoring rival:
    (word, gold's contribution minus that rival's), largest first. Evidence for why a bag of words
    picks (or nearly picks) the gold."""
    parts = term_contributions(query, candidate_texts)
    if not parts:
        return []
    totals = [sum(p.values()) for p in parts]
    rivals = [i for i in range(len(parts)) if i != gold]
    if not rivals:
        return []
    rival = max(rivals, key=lambda i: (totals[i], -i))
    diff = {t: parts[gold].get(t, 0.0) - parts[rival].get(t, 0.0) for t in parts[gold]}
    top = sorted(diff.items(), key=lambda x: (-x[1], x[0]))[:k]
    return [(t, round(v, 3)) for t, v in top if v > 0]


def best_candidate(scores: list[float]) -> int | None:
    """Index of the highest score; None when nothing scored (all equal), so a caller can tell a
    tie from a choice instead of silently favouring position 0."""
    if not scores:
        return None
    top = max(scores)
    if all(s == top for s in scores):
        return None
    return scores.index(top)

