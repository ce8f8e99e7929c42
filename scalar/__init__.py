"""SCALAR: a live long-context benchmark built from fresh conference papers and their citations.

The notebook API: ``run_eval`` / ``await run_eval_async`` with an ``EvalConfig``, and pandas
DataFrames of runs and releases (``load_runs``, ``load_release``; pandas from the
``[leaderboard]`` extra). Attributes load lazily: ``import scalar`` stays cheap."""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "EvalConfig": "scalar.evaluate.config",
    "run_eval": "scalar.evaluate.runner",
    "run_eval_async": "scalar.evaluate.runner",
    "load_runs": "scalar.leaderboard.frames",
    "load_release": "scalar.leaderboard.frames",
}
__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'scalar' has no attribute {name!r}")
