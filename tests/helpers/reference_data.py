"""Where the real reference data lives (../shared/reference beside the checkout); tests skip when
it is absent."""

from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
