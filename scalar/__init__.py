"""SCALAR: a live long-context benchmark built from fresh conference papers and their citations.

The public Python API (each name loads its module on first use)::

    from scalar import run_build, run_eval, EvalConfig, build_snapshot

and the notebook API: ``run_eval`` (also inside a running event loop) / ``await run_eval_async``,
and pandas DataFrames of runs and releases (``load_runs``, ``load_release``; pandas from the
``[leaderboard]`` extra). The release *records* are read by ``scalar.release.load_release``.
"""

from importlib.metadata import PackageNotFoundError, version

from scalar._util.lazy import lazy_exports

_EXPORTS = {
    "parse_html": "scalar.parse",
    "parse_pdf": "scalar.parse",
    "get_venue": "scalar.crawl",
    "GenerationConfig": "scalar.generate",
    "run_build": "scalar.generate",
    "audit_release": "scalar.generate",
    "import_reference": "scalar.reference",
    "get_backend": "scalar.models",
    "EvalConfig": "scalar.evaluate",
    "run_eval": "scalar.evaluate",
    "run_eval_async": "scalar.evaluate.runner",
    "load_runs": "scalar.leaderboard.frames",
    "load_release": "scalar.leaderboard.frames",
    "build_snapshot": "scalar.leaderboard",
}
__all__ = ["__version__", *sorted(_EXPORTS)]
__getattr__ = lazy_exports(__name__, _EXPORTS)

# The version is written once, in pyproject.toml; installing (editable or not) records it in the
# distribution's metadata. A bare source tree on sys.path without any install has no metadata.
try:
    __version__ = version("scalar-bench")
except PackageNotFoundError:
    __version__ = "0+unknown"
