"""Evaluation: run a model on a release (``run_eval`` with an ``EvalConfig``), read its answers
(``extract_answer``) and score a run (``summarize``). Attributes load lazily so that
``scalar.evaluate.scoring`` stays cheap to import for the leaderboard.

Importing this package registers the ``baseline/`` model family (scalar.evaluate.baselines) in
the model registry (scalar.models.MODELS)."""

from __future__ import annotations

from scalar._util.lazy import lazy_exports
from scalar.models import MODELS

MODELS.register("baseline", "scalar.evaluate.baselines:create_from_name")

_EXPORTS = {
    "EvalConfig": "scalar.evaluate.config",
    "run_eval": "scalar.evaluate.runner",
    "run_eval_async": "scalar.evaluate.runner",
    "extract_answer": "scalar.evaluate.answers",
    "summarize": "scalar.evaluate.summary",
    "get_backend": "scalar.models",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
