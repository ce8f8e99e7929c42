"""Baselines that run anywhere and give the floor every leaderboard shows.

``baseline/random``: a uniformly random candidate, seeded per question id (the same run twice
gives the same answers). ``baseline/lexical``: BM25 between the words around the mask and each
candidate text; a release where this scores far above chance leaks its answers through wording.
"""

from __future__ import annotations

from scalar._util.seeds import rng
from scalar.evaluate.backends.base import Backend
from scalar.evaluate.prompting import masks_of
from scalar.schema import Question


class RandomBaseline(Backend):
    direct = True

    def __init__(self, model_args: dict | None = None):
        self.name = "baseline/random"
        self.seed = int((model_args or {}).get("seed", 0))

    def answer_question(self, question: Question) -> int | list[int]:
        r = rng("baseline/random", self.seed, question.id)
        n = len(question.candidates)
        if question.task == "cloze":
            return [r.randrange(n) for _ in masks_of(question)]
        return r.randrange(n)

    def explain(self, question: Question) -> str:
        return f"random (seed {self.seed})"

    def cache_identity(self) -> dict:
        return {"name": self.name, "seed": self.seed}


class LexicalBaseline(Backend):
    """Highest BM25 score wins; a tie at the top (no shared words) falls back to the seeded random
    choice, so an uninformative question scores chance rather than favouring position 0."""

    direct = True

    def __init__(self, model_args: dict | None = None):
        args = model_args or {}
        self.name = "baseline/lexical"
        self.words = int(args.get("words", 50))
        self._random = RandomBaseline(args)

    def _scores(self, question: Question) -> list[list[float]]:
        from scalar.build.lexical import masked_window, rank_candidates

        texts = [c.text for c in question.candidates]
        return [rank_candidates(masked_window(question.context, mask, self.words), texts)
                for mask in masks_of(question)]

    def answer_question(self, question: Question) -> int | list[int]:
        from scalar.build.lexical import best_candidate

        fallback = self._random.answer_question(question)
        fallback_list = fallback if isinstance(fallback, list) else [fallback]
        picks = []
        for scores, fb in zip(self._scores(question), fallback_list):
            best = best_candidate(scores)
            picks.append(fb if best is None else best)
        return picks if question.task == "cloze" else picks[0]

    def explain(self, question: Question) -> str:
        return "bm25 " + "; ".join(", ".join(f"{s:.3f}" for s in scores) for scores in self._scores(question))

    def cache_identity(self) -> dict:
        return {"name": self.name, "words": self.words, "seed": self._random.seed}
