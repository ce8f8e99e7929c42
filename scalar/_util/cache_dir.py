"""The user's cache folder: ``$SCALAR_CACHE_DIR``, else ``~/.cache/scalar``. One owner for the rule;
the HTTP cache, the citation typer's answers and the dense scorer's embeddings all live there."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir() -> Path:
    return Path(os.environ.get("SCALAR_CACHE_DIR") or Path.home() / ".cache" / "scalar")


__all__ = ["user_cache_dir"]
