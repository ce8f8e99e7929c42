"""BM25 between the words around a masked citation and the candidate texts.

Shared by the audit (how far a bag-of-words gets on a release) and the evaluation baseline
`baseline/lexical`. A good release keeps this near chance; a release where the words next to the
mask repeat the gold paper's vocabulary (names, title words) lets it score far above.
"""

from __future__ import annotations

MASK = "**[MASKED_CITATION]**"

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


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased word tokens without English stopwords (no stemming: stays dependency-free)."""
    import bm25s

    return bm25s.tokenize(texts, token_pattern=_TOKEN_PATTERN, stopwords="en",
                          return_ids=False, show_progress=False)


def rank_candidates(query: str, candidate_texts: list[str]) -> list[float]:
    """BM25 score of ``query`` against each candidate text, the candidates being the corpus.
    Higher = more similar; all zeros when the query shares no word with any candidate."""
    if not candidate_texts:
        return []
    import bm25s

    corpus = tokenize(list(candidate_texts))
    query_tokens = tokenize([query])[0]
    if not query_tokens or not any(corpus):
        return [0.0] * len(candidate_texts)
    # An empty document would make bm25s drop it from the vocabulary; a placeholder keeps indices.
    corpus = [doc if doc else ["\x00empty"] for doc in corpus]
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    vocab = model.vocab_dict
    known = [t for t in query_tokens if t in vocab]
    if not known:
        return [0.0] * len(candidate_texts)
    return [float(s) for s in model.get_scores(known)]


def best_candidate(scores: list[float]) -> int | None:
    """Index of the highest score; None when nothing scored (all equal), so a caller can tell a
    tie from a choice instead of silently favouring position 0."""
    if not scores:
        return None
    top = max(scores)
    if all(s == top for s in scores):
        return None
    return scores.index(top)

