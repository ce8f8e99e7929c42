"""The README's Quick start, run as written (minus `pip install`) in a fresh folder."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _quick_start_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    line = " ".join(first_block.split("\\\n")).strip().splitlines()[0]
    commands = [shlex.split(part) for part in line.split("&&")]
    return [c for c in commands if c[:1] != ["pip"]]


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    assert cmd[0] == "scalar", cmd
    return subprocess.run([sys.executable, "-m", "scalar", *cmd[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_quick_start_first_command(tmp_path):
    commands = _quick_start_commands()
    build = next(c for c in commands if c[1] == "build")
    assert build[build.index("--venue") + 1] == "sample" and "--offline" in build
    out = tmp_path / build[build.index("--out") + 1]

    r = _run(build, tmp_path)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    data = (out / "questions.jsonl").read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["questions_sha256"]
    questions = [json.loads(line) for line in data.decode().splitlines()]
    assert {q["difficulty"] for q in questions} == {"easy", "medium", "hard"}
    assert manifest["n_questions"] == len(questions) > 0

    # Same command again, into a second folder: byte-identical questions.
    again = [*build]
    again[again.index("--out") + 1] = "releases/again"
    r = _run(again, tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "releases" / "again" / "questions.jsonl").read_bytes() == data

    evaluate = [c for c in commands if c[1] == "eval"]
    if importlib.util.find_spec("scalar.evaluate.runner") is None:
        pytest.skip("scalar.evaluate.runner is not there yet: the eval half is skipped")
    assert evaluate, "the Quick start should evaluate a model on the release"
    r = _run(evaluate[0], tmp_path)
    assert r.returncode == 0, r.stderr
    run = tmp_path / evaluate[0][evaluate[0].index("--out") + 1]
    predictions = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    assert {p["id"] for p in predictions} == {q["id"] for q in questions}
    summary = json.loads((run / "summary.json").read_text())
    assert summary["n"] == len(questions)
    assert 0.0 <= summary["accuracy"]["accuracy"] <= 1.0
