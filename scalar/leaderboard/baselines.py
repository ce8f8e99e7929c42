"""Reference rows computed straight from a release when no baseline run was given.

Both give the *expected* score of a question (a number in [0, 1]) rather than one draw, so the
row does not depend on a seed:
- random: picks uniformly among the k candidates at each mask: (1/k) per mask, multiplied over masks.
- lexical: BM25 between the words around the mask and each candidate's text
  (`scalar.build.lexical`); ties among the best-scoring candidates are broken uniformly at random,
  so a question scores 1/t when the gold is one of t tied best candidates.
"""

from __future__ import annotations

import re

from scalar.schema import Question

RANDOM = "baseline/random"
LEXICAL = "baseline/lexical"
BASELINES = (RANDOM, LEXICAL)

_MASK = "**[MASKED_CITATION]**"


def is_baseline(model: str) -> bool:
    return model.startswith("baseline/")


def random_expected(q: Question) -> float:
    k = len(q.candidates)
    masks = len(q.answer) if isinstance(q.answer, list) else 1
    return (1.0 / k) ** masks if k else 0.0


def lexical_expected(q: Question) -> float:
    from scalar.build.lexical import masked_window, rank_candidates

    texts = [c.text for c in q.candidates]
    if isinstance(q.answer, list):  # cloze: one window per mask, in order
        score = 1.0
        for i, gold in enumerate(q.answer, 1):
            mask = _cloze_mask(q.context, i)
            window = masked_window(q.context, mask=mask) if mask else ""
            score *= _tie_share(rank_candidates(window, texts), gold)
        return score
    return _tie_share(rank_candidates(masked_window(q.context, mask=_MASK), texts), q.answer)


def _cloze_mask(context: str, i: int) -> str | None:
    m = re.search(rf"(\*\*)?\[MASK_{i}\](\*\*)?", context)
    return m.group(0) if m else None


def _tie_share(scores: list[float], gold: int) -> float:
    if not scores:
        return 0.0
    top = max(scores)
    best = [i for i, s in enumerate(scores) if s == top]
    return 1.0 / len(best) if gold in best else 0.0


def expected_scores(model: str, questions: list[Question]) -> list[float]:
    fn = random_expected if model == RANDOM else lexical_expected
    return [fn(q) for q in questions]
