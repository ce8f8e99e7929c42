"""Which install extra provides which optional module: the one table behind every "install
scalar-bench[...]" message (pyproject.toml's [project.optional-dependencies] is its source)."""

from __future__ import annotations

import importlib

from scalar.errors import MissingExtra

__all__ = ["EXTRA_OF", "extra_for", "missing_extra_message", "require"]

# top-level import name -> extra
EXTRA_OF: dict[str, str] = {
    "openreview": "build", "arxiv": "build", "fitz": "build", "pymupdf": "build", "lxml": "build",
    "requests": "build", "pylatexenc": "build", "bm25s": "build",
    "pandas": "leaderboard", "matplotlib": "leaderboard", "scipy": "leaderboard",
    "numba": "local", "sentencepiece": "local", "safetensors": "local",
    "torch": "convert", "transformers": "convert",
    "sentence_transformers": "dense", "ray": "ray",
    "datasets": "hf", "huggingface_hub": "hf", "pyarrow": "hf", "yaml": "hf",
    "inspect_ai": "inspect", "lm_eval": "lm-eval",
}


def extra_for(module: str | None) -> str | None:
    return EXTRA_OF.get((module or "").split(".")[0])


def missing_extra_message(module: str, extra: str) -> str:
    return f"{module} is not installed; this needs the [{extra}] extra: pip install 'scalar-bench[{extra}]'"


def require(module: str, extra: str | None = None):
    """Import ``module`` or raise MissingExtra naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] != module.split(".")[0]:
            raise
        raise MissingExtra(missing_extra_message(module, extra or extra_for(module) or "test")) from None
