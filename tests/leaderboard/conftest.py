from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lb_factory import make_release


@pytest.fixture
def release(tmp_path) -> Path:
    return make_release(tmp_path / "release")


@pytest.fixture
def scalar_cli():
    """Run `python -m scalar ...`; returns the CompletedProcess."""
    def run(*args, cwd=None):
        return subprocess.run([sys.executable, "-m", "scalar", *map(str, args)], capture_output=True,
                              text=True, cwd=cwd)
    return run
