"""The sample venue's release, built once per test session with the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def build_sample_release(root: Path) -> Path:
    out = root / "sample"
    if not (out / "manifest.json").is_file():
        # the original distractor rules: the 178-question release these tests count on
        r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", str(out),
                            "--distractors", "original"], capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            pytest.fail(f"the sample venue does not build: {r.stderr.strip()}")
    return out
