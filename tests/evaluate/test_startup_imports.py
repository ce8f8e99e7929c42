"""`scalar eval` with a baseline loads none of the heavy libraries (start-up in well under 2 s):
litellm is imported only for API models, scipy and numba not at all. Checked in a fresh process,
as a user runs the command (not timed: which modules load is what decides the start-up)."""

import json
import subprocess
import sys

import pytest
from eval_fixtures import make_question, write_release

from scalar._util.io import read_jsonl

HEAVY = ("litellm", "scipy", "numba", "torch")

# Runs `python -m scalar <argv>` in this process and reports, at exit, which heavy modules loaded.
_PROBE = """
import atexit, json, runpy, sys
heavy = {heavy!r}
atexit.register(lambda: print("LOADED " + json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr))
sys.argv = ["scalar"] + {argv!r}
runpy.run_module("scalar", run_name="__main__", alter_sys=True)
"""


def loaded_by(*argv: str) -> tuple[list[str], subprocess.CompletedProcess]:
    code = _PROBE.format(heavy=HEAVY, argv=list(argv))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("LOADED ")]
    assert line, proc.stderr[-2000:]
    return json.loads(line[-1][len("LOADED "):]), proc


@pytest.mark.parametrize("model", ["baseline/random", "baseline/lexical"])
def test_a_baseline_eval_imports_no_litellm_scipy_or_numba(tmp_path, model):
    # both tasks: cloze answers go through the one-to-one assignment, one paper gets a Wilson interval
    qs = [make_question(i, paper="p") for i in range(4)] + [make_question(10 + i, task="cloze", paper="p")
                                                            for i in range(3)]
    rel = write_release(tmp_path / "rel", qs)
    loaded, proc = loaded_by("eval", "--model", model, "--data", str(rel), "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list(read_jsonl(tmp_path / "run" / "predictions.jsonl"))) == 7  # it really answered
    assert loaded == []


def test_an_api_model_does_import_litellm(tmp_path):
    """The probe can fail: the same check sees litellm once an API model is asked for (a dry run,
    so nothing is sent)."""
    rel = write_release(tmp_path / "rel", [make_question(0)])
    loaded, proc = loaded_by("eval", "--model", "openai/gpt-4o-mini", "--data", str(rel), "--out",
                             str(tmp_path / "run"), "--dry-run")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "litellm" in loaded and "numba" not in loaded
