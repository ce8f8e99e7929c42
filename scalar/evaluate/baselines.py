"""Baselines that run anywhere and give the floor every leaderboard shows.

``baseline/random``: a uniformly random candidate. Its draws for a question come from
``random.Random(derive_seed("baseline/random", seed, question_id))`` (``seed`` = ``--seed``, 0 by
default; see scalar._util.seeds): the same run twice, or the leaderboard's computed row, gives the
same answers, and questions do not depend on each other or on their order. ``baseline/lexical``: BM25 between the words around the mask and each
candidate text; a release where this scores far above chance leaks its answers through wording.

A cloze answer gives each mask a different candidate (the masks stand for different cited works),
so both baselines answer with a one-to-one assignment: random draws one uniformly, lexical takes
the one with the highest total BM25 score.
"""

from __future__ import annotations

from scalar._util.seeds import rng
from scalar.models import Backend
from scalar.registry import Registry
from scalar.schema import Question


class _Baseline(Backend):
    """Answers from the Question itself: no prompt, no cost, nothing worth caching."""

    scoring_modes = ("direct",)
    default_scoring = "direct"
    cacheable = False

    def price_per_token(self) -> tuple[float, float]:
        return (0.0, 0.0)


class RandomBaseline(_Baseline):
    def __init__(self, model_args: dict | None = None):
        self.name = "baseline/random"
        self.seed = int((model_args or {}).get("seed", 0))

    def answer_question(self, question: Question) -> int | list[int]:
        r = rng("baseline/random", self.seed, question.id)
        n = len(question.candidates)
        if question.task == "cloze":
            k = len(question.masks)
            if k > n:  # more masks than candidates cannot be one-to-one
                return [r.randrange(n) for _ in range(k)]
            return r.sample(range(n), k)  # a uniformly random one-to-one assignment
        return r.randrange(n)

    def explain(self, question: Question) -> str:
        return f"random (seed {self.seed})"

    def cache_identity(self) -> dict:
        return {"name": self.name, "seed": self.seed}


class ScoredBaseline(_Baseline):
    """Scores every candidate against the words around each mask (``_scores``: one row per mask);
    the highest score wins. A tie at the top (no signal) falls back to the seeded random choice, so
    an uninformative question scores chance rather than favouring position 0; a cloze question gets
    the best one-to-one assignment."""

    score_label = "score"
    _random: RandomBaseline

    def _scores(self, question: Question) -> list[list[float]]:
        raise NotImplementedError

    def answer_question(self, question: Question) -> int | list[int]:
        from scalar.generate.lexical import best_candidate

        fallback = self._random.answer_question(question)
        scores = self._scores(question)
        if question.task == "cloze":
            return assign(scores, fallback)
        best = best_candidate(scores[0])
        return fallback if best is None else best

    def explain(self, question: Question) -> str:
        rows = ("; ".join(", ".join(f"{s:.3f}" for s in scores) for scores in self._scores(question)))
        return f"{self.score_label} {rows}"


class LexicalBaseline(ScoredBaseline):
    """BM25 between the ``words`` (default 50) around the mask and each candidate text."""

    score_label = "bm25"

    def __init__(self, model_args: dict | None = None):
        args = model_args or {}
        self.name = "baseline/lexical"
        self.words = int(args.get("words", 50))
        self._random = RandomBaseline(args)

    def _scores(self, question: Question) -> list[list[float]]:
        from scalar.generate.lexical import masked_window, rank_candidates

        texts = [c.text for c in question.candidates]
        return [rank_candidates(masked_window(question.context, mask, self.words), texts)
                for mask in question.masks]

    def cache_identity(self) -> dict:
        return {"name": self.name, "words": self.words, "seed": self._random.seed}


def assign(scores: list[list[float]], fallback: list[int]) -> list[int]:
    """The one-to-one mask -> candidate assignment with the highest total score (rows: masks,
    columns: candidates). Among equally good assignments the one agreeing most with ``fallback``
    (the seeded random assignment) wins, so masks whose words match nothing get the random
    candidates left over rather than the lowest indices."""
    import numpy as np

    from scalar._util.assignment import max_weight_assignment

    s = np.asarray(scores, dtype=np.float64)
    k, n = s.shape
    if k > n:  # cannot be one-to-one: best per mask
        return [int(np.argmax(row)) if row.max() > row.min() else fb for row, fb in zip(s, fallback)]
    rows = np.arange(k)

    def solve(matrix):
        return np.asarray(max_weight_assignment(matrix.tolist()), dtype=int)

    plain = solve(s)
    best_total = s[rows, plain].sum()
    # A bonus too small to outweigh any real difference in score prefers the fallback among ties;
    # checked, since score gaps can be tiny: if it changed the optimum, the plain solution stands.
    bonus = np.zeros_like(s)
    bonus[rows, np.asarray(fallback[:k])] = 1.0
    eps = 1e-9 * max(1.0, float(np.abs(s).max()))
    tied = solve(s + eps * bonus)
    if s[rows, tied].sum() >= best_total - 1e-12 * max(1.0, abs(best_total)):
        return [int(x) for x in tied]
    return [int(x) for x in plain]


BASELINES: Registry[type[_Baseline]] = Registry("baseline")
BASELINES.register("baseline/random", RandomBaseline)
BASELINES.register("baseline/lexical", LexicalBaseline)
BASELINES.register("baseline/dense", "scalar.evaluate.dense_baseline:DenseBaseline")  # needs the [dense] extra


def create_from_name(model: str, api_base: str | None, model_args: dict) -> Backend:
    """``baseline/<kind>`` through the model registry."""
    return BASELINES.get(model)(model_args)
