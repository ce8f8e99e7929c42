"""Help texts are printed as written: a bracketed extra name such as "[dense]" is what a user
must type in `pip install 'scalar-bench[dense]'`, not markup to be swallowed."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("command, words", [
    ("import-reference", "[dense] extra"),
    ("build", "[dense] extra"),
    ("audit", "[dense] extra"),
    ("leaderboard", "[dense] extra"),
])
def test_help_keeps_extra_names(command, words):
    r = subprocess.run([sys.executable, "-m", "scalar", command, "--help"], capture_output=True, text=True,
                       timeout=120, env={"COLUMNS": "200", "PATH": ""})
    assert r.returncode == 0, r.stderr
    assert words in " ".join(r.stdout.split())
