"""The bundled sample release is pinned: refactors must not change a byte of its questions."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

# the default (balanced distractors since issue 10); --distractors original keeps 7a1ff50c... (tests/generate)
SAMPLE_QUESTIONS_SHA256 = "12b6bd5000fb4c0575d76be96d11a856dce5eac77006be49d605ec8895114981"


def test_sample_build_is_byte_identical(tmp_path):
    out = tmp_path / "sample"
    r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    digest = hashlib.sha256((out / "questions.jsonl").read_bytes()).hexdigest()
    assert digest == SAMPLE_QUESTIONS_SHA256
    assert json.loads((out / "manifest.json").read_text())["questions_sha256"] == SAMPLE_QUESTIONS_SHA256
    # rebuilding over it keeps a file of the user's and gives the same bytes again
    (out / "notes.md").write_text("my notes")
    r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256((out / "questions.jsonl").read_bytes()).hexdigest() == SAMPLE_QUESTIONS_SHA256
    assert (out / "notes.md").read_text() == "my notes"


def test_build_into_a_folder_that_is_not_a_release_is_one_line_exit_2(tmp_path):
    (tmp_path / "notes.md").write_text("my notes")
    for out in (".", str(tmp_path / "notes.md")):
        r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", out],
                           capture_output=True, text=True, timeout=600, cwd=tmp_path)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and "choose another --out" in lines[0], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]
