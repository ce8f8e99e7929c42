"""Reference rows computed straight from a release when no baseline run was given.

Both give the *expected* score of a question (a number in [0, 1]) rather than one draw, so the
row does not depend on a seed:
- random: picks uniformly among the k candidates at each mask: (1/k) per mask, multiplied over masks.
- lexical: BM25 between the words around the mask and each candidate's text
  (`scalar.build.lexical`); ties among the best-scoring candidates are broken uniformly at random,
  so a question scores 1/t when the gold is one of t tied best candidates.
"""

from __future__ import annotations

from scalar.schema import Question

RANDOM = "baseline/random"
LEXICAL = "baseline/lexical"
BASELINES = (RANDOM, LEXICAL)


def is_baseline(model: str) -> bool:
    return model.startswith("baseline/")


def random_expected(q: Question) -> float:
    k = len(q.candidates)
    masks = len(q.answer) if isinstance(q.answer, list) else 1
    return (1.0 / k) ** masks if k else 0.0


def lexical_expected(q: Question) -> float:
    from scalar.build.lexical import masked_window, rank_candidates
    from scalar.evaluate.prompting import masks_of  # the masks the lexical backend reads, in order

    texts = [c.text for c in q.candidates]
    golds = q.answer if isinstance(q.answer, list) else [q.answer]
    score = 1.0
    for mask, gold in zip(masks_of(q), golds):
        score *= _tie_share(rank_candidates(masked_window(q.context, mask), texts), gold)
    return score


def _tie_share(scores: list[float], gold: int) -> float:
    if not scores:
        return 0.0
    top = max(scores)
    best = [i for i, s in enumerate(scores) if s == top]
    return 1.0 / len(best) if gold in best else 0.0


def expected_scores(model: str, questions: list[Question]) -> list[float]:
    fn = random_expected if model == RANDOM else lexical_expected
    return [fn(q) for q in questions]
