"""`scalar eval --model local/<kind>` end to end on a tiny release and tiny checkpoints."""

import json
import subprocess
import sys

import pytest
from local_fixtures import fbi_config, fbi_state, mamba_config, mamba_state, write_checkpoint

from scalar.release import write_manifest, write_questions
from scalar.schema import Candidate, Question, ReleaseManifest


def _release(folder):
    questions = []
    for i in range(3):
        candidates = [Candidate(key=f"bib.bib{j}", title=f"Paper {j}", text=f"Binary networks keep one bit {j}.")
                      for j in range(4)]
        questions.append(Question(
            id=f"q{i}", task="mcq", difficulty="easy", paper="2401.00001v1",
            context="We evaluate models on questions built from citations **[MASKED_CITATION]** in fresh papers. " * 3,
            candidates=candidates, answer=i % 4))
    folder.mkdir()
    sha = write_questions(folder, questions)
    write_manifest(folder, ReleaseManifest(release_id="tiny", venue="sample", build_date="2026-01-01",
                                           generator_version="test", seed=0, questions_sha256=sha))
    return folder


@pytest.mark.parametrize("kind", ["fbi-llm", "bi-mamba"])
def test_scalar_eval_with_a_local_model(tmp_path, sp_model, kind):
    if kind == "fbi-llm":
        config = fbi_config(num_hidden_layers=1)
        state = fbi_state(config)
    else:
        config = mamba_config(n_layer=1)
        state = mamba_state(config)
    ckpt = write_checkpoint(tmp_path / "ckpt", config, state, "bin", sp_model)
    packed = tmp_path / "packed"
    subprocess.run([sys.executable, "-m", "scalar", "convert", kind, str(ckpt), "--out", str(packed)],
                   check=True, capture_output=True, timeout=300)
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "scalar", "eval", "--model", f"local/{kind}", "--model-arg",
           f"checkpoint={packed}", "--data", str(_release(tmp_path / "release")), "--out", str(run)]
    # no --scoring: a base model is scored by log-probabilities by default
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    predictions = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 3
    settings = json.loads((run / "summary.json").read_text())["settings"]
    assert settings["scoring"] == "logprob" and settings["scoring_source"] == "backend default"
    for p in predictions:
        assert p["error"] is None and p["model"] == f"local/{kind}"
        scores = json.loads(p["response"].split(" ", 1)[1])[0]
        assert len(scores) == 4 and all(s < 0 for s in scores)
        assert p["prediction"] == scores.index(max(scores))
    bad_cmd = [sys.executable, "-m", "scalar", "eval", "--model", f"local/{kind}", "--model-arg",
               f"checkpoint={tmp_path / 'missing'}", "--data", str(tmp_path / "release"), "--out",
               str(tmp_path / "run2"), "--scoring", "logprob"]
    bad = subprocess.run(bad_cmd, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
