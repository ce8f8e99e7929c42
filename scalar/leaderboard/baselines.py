"""Baseline rows computed from a release when no baseline run was given.

A computed row holds exactly what ``scalar eval --model baseline/<kind>`` (default ``--seed 0``)
would record on the same release: the evaluation's own baseline backends
(``scalar.evaluate.baselines``) answer every question, so there is one implementation of
each baseline and a computed row equals the row of a real run. Both are deterministic and cheap:
random draws a seeded answer per question id (a one-to-one assignment for cloze); lexical takes
the best BM25 candidate (the best total-BM25 one-to-one assignment for cloze), ties broken by that
same seeded draw.
"""

from __future__ import annotations

from collections.abc import Iterable

from scalar.schema import Prediction, Question

RANDOM = "baseline/random"
LEXICAL = "baseline/lexical"
DENSE = "baseline/dense"  # needs the [dense] extra: computed on request (--baseline), not by default
BASELINES = (RANDOM, LEXICAL)  # computed by default: cheap, and exact with no extra installed
SEED = 0  # scalar eval's default --seed


def is_baseline(model: str) -> bool:
    return model.startswith("baseline/")


def check_computable(models: Iterable[str]) -> list[str]:
    """``models`` in order without repeats, each a registered baseline whose backend can run here
    (a missing extra fails now, as one line, not after the runs were scored)."""
    from scalar.errors import InputError
    from scalar.evaluate import get_backend

    out = list(dict.fromkeys(models))
    for model in out:
        if not is_baseline(model):
            raise InputError(f"--baseline {model!r}: only baselines (baseline/<kind>) can be computed from a release")
        get_backend(model, model_args={"seed": SEED}).preflight()  # unknown kind / missing extra: one line
    return out


def baseline_predictions(model: str, questions: Iterable[Question], *, seed: int = SEED) -> list[Prediction]:
    """The predictions ``scalar eval --model <model> --seed <seed>`` writes for ``questions``."""
    from scalar.evaluate import get_backend  # importing scalar.evaluate registers the baselines
    from scalar.evaluate.answers import is_correct

    backend = get_backend(model, model_args={"seed": seed})  # the runner passes the seed the same way
    out = []
    for q in questions:
        answer = backend.answer_question(q)
        out.append(Prediction(id=q.id, model=model, prediction=answer, correct=is_correct(answer, q.answer)))
    return out
