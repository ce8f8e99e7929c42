from __future__ import annotations

import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


@pytest.fixture
def reference_dir() -> Path:
    """The original release's real data (../shared/reference); tests skip when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is absent")
    return REFERENCE


# Fixture builders shared by several test folders (synthetic papers, an original-format release).
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
