"""The inspect_ai task, run with `inspect eval` as a user would: with inspect's mock model, and
with its OpenAI provider against the loopback OpenAI-compatible server (real HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openai_server import OpenAIServer
from oracle import oracle

from scalar.release import load_release

pytest.importorskip("inspect_ai")
ROOT = Path(__file__).resolve().parents[2]


def _inspect(*args, env=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **(env or {})}
    cmd = [sys.executable, "-m", "inspect_ai", "eval", "scalar/integrations/inspect_task.py", *map(str, args),
           "--log-format", "json", "--display", "none"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=900)


def _log(folder: Path) -> dict:
    (path,) = list(folder.glob("*.json"))
    return json.loads(path.read_text())


def _metrics(log: dict) -> dict[str, float]:
    (score,) = log["results"]["scores"]
    return {k: v["value"] for k, v in score["metrics"].items()}


def test_mock_model_runs_every_sample_and_scores_unparsed_as_wrong(tmp_path, sample_release):
    r = _inspect("-T", f"data={sample_release}", "-T", "task_type=mcq", "-T", "difficulty=easy",
                 "--model", "mockllm/model", "--log-dir", tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    log = _log(tmp_path)
    assert log["status"] == "success"
    n_easy_mcq = sum(q.task == "mcq" and q.difficulty == "easy" for q in load_release(sample_release)[1])
    assert log["results"]["total_samples"] == n_easy_mcq == 40
    assert _metrics(log) == {"mcq": 0.0, "mcq/easy": 0.0, "stderr": 0.0}  # mockllm's text names no candidate


def test_openai_provider_against_a_loopback_server(tmp_path, sample_release):
    _, questions = load_release(sample_release)
    picked = [q for q in questions if q.difficulty == "hard"][:6] + [q for q in questions if q.task == "cloze"][:4]
    for wrong, expected in ((False, 1.0), (True, 0.0)):
        script = oracle(questions, wrong=wrong)
        with OpenAIServer(script) as srv:
            logs = tmp_path / ("wrong" if wrong else "right")
            r = _inspect("-T", f"data={sample_release}", "--model", "openai/scalar-test", "-M", "responses_api=false",
                         "--sample-id",
                         ",".join(q.id for q in picked), "--log-dir", logs,
                         env={"OPENAI_BASE_URL": srv.url, "OPENAI_API_KEY": "sk-test"})
        assert r.returncode == 0, r.stderr[-2000:]
        log = _log(logs)
        assert log["results"]["total_samples"] == len(picked)
        metrics = _metrics(log)
        assert metrics["mcq"] == expected and metrics["cloze"] == expected, metrics
        assert sorted(script.seen) == sorted(q.id for q in picked)  # each prompt was SCALAR's own
