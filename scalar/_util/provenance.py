"""Which code is running: the package version and, when the installed package sits in a git
checkout (an editable install, a clone on PYTHONPATH), that checkout's commit."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["git_state", "now_utc", "python_version", "tool_version"]


def tool_version() -> str:
    from scalar import __version__

    return __version__


def python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def git_state() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout holding the imported ``scalar`` package; (None, None) for
    an installed wheel, without git, or on any git failure. Only a checkout whose root holds the
    package counts: a wheel inside some other repository's virtualenv is not that repository.
    Asked at every run (not cached): a notebook outlives commits."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists() or not (root / "scalar" / "__init__.py").is_file():
        return None, None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return None, None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
        dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
        return head.stdout.strip() or None, dirty
    except (OSError, subprocess.SubprocessError):
        return None, None
