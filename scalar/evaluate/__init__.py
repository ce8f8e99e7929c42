"""Evaluation: run a model on a release (``run_eval``), read its answers (``extract_answer``) and
score a run (``summarize``). Attributes load lazily so that ``scalar.evaluate.scoring`` stays cheap
to import for the leaderboard."""

from __future__ import annotations

import importlib

_EXPORTS = {
    "run_eval": "scalar.evaluate.runner",
    "extract_answer": "scalar.evaluate.answers",
    "summarize": "scalar.evaluate.summary",
    "get_backend": "scalar.evaluate.backends",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'scalar.evaluate' has no attribute {name!r}")
