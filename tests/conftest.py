from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Fixture builders shared by several test folders (synthetic papers, an original-format release,
# where the real reference data lives).
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))

from reference_data import REFERENCE  # noqa: E402


@pytest.fixture
def reference_dir() -> Path:
    """The original release's real data (../shared/reference); tests skip when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is absent")
    return REFERENCE
