"""summary.json and the leaderboard give the same predictions the same interval (one fixed
bootstrap seed; --seed is the sampling seed only), and the run folder records its RunSpec."""

from __future__ import annotations

import json

import pytest
from eval_fixtures import make_question, write_release

from scalar.errors import ConfigError
from scalar.evaluate import EvalConfig
from scalar.evaluate.runner import run_eval
from scalar.leaderboard.snapshot import build_snapshot


@pytest.fixture
def many_papers(tmp_path):
    return write_release(tmp_path / "release", [make_question(i, paper=f"2401.{i % 6:05d}v1") for i in range(30)])


def test_summary_and_leaderboard_report_identical_intervals_whatever_the_seed(many_papers, tmp_path):
    runs = tmp_path / "runs"
    summary = run_eval(EvalConfig(model="baseline/random", data=many_papers, out=runs / "random", seed=7,
                                  progress=False))
    assert 0 < summary.accuracy.accuracy < 1 and summary.accuracy.low < summary.accuracy.high
    snapshot = build_snapshot(runs, tmp_path / "board", data_dirs=[many_papers])
    (row,) = [r for r in snapshot.rows if r.run == "random"]
    assert row.accuracy == summary.accuracy
    assert row.by_difficulty == summary.by_difficulty


def test_run_json_is_the_run_spec_and_summary_embeds_it(many_papers, tmp_path):
    run = tmp_path / "run"
    summary = run_eval("baseline/lexical", many_papers, run, seed=3, progress=False)
    spec = json.loads((run / "run.json").read_text())
    assert spec["model"] == "baseline/lexical" and spec["seed"] == 3 and spec["scoring"] == "direct"
    assert summary.run is not None and summary.run.model_dump(mode="json") == spec
    on_disk = json.loads((run / "summary.json").read_text())
    assert on_disk["run"] == spec
    with pytest.raises(ConfigError, match="seed=3"):  # another spec in the same folder
        run_eval("baseline/lexical", many_papers, run, seed=4, progress=False)


def test_eval_config_validates_each_setting_and_names_its_option(tmp_path):
    base = {"model": "baseline/random", "data": tmp_path, "out": tmp_path / "o"}
    for field, value, option in [("limit", 0, "--limit"), ("concurrency", 0, "--concurrency"),
                                 ("max_retries", -1, "--max-retries"), ("retry_wait", -0.5, "--retry-wait"),
                                 ("max_cost", 0, "--max-cost"), ("max_tokens", 0, "--max-tokens"),
                                 ("scoring", "vibes", "--scoring"), ("after", "last-tuesday", "--after")]:
        with pytest.raises(ConfigError, match=option):
            EvalConfig.build(**base, **{field: value})
    cfg = EvalConfig.build(**base, model_args=["top_p=0.5", "reasoning_effort=low"], after="2024-01-02")
    assert cfg.model_args == {"top_p": 0.5, "reasoning_effort": "low"} and str(cfg.after) == "2024-01-02"
    assert EvalConfig.help("max_tokens").startswith("Output tokens")


def test_a_scoring_mode_the_model_lacks_is_refused(many_papers, tmp_path):
    with pytest.raises(ConfigError, match="log-probabilities"):
        run_eval("baseline/random", many_papers, tmp_path / "r", scoring="logprob", progress=False)


def test_a_tail_torn_inside_a_character_neither_blocks_resume_nor_the_leaderboard(many_papers, tmp_path):
    runs = tmp_path / "runs"
    run = runs / "lexical"
    run_eval("baseline/lexical", many_papers, run, progress=False)
    lines = (run / "predictions.jsonl").read_bytes().splitlines(keepends=True)
    last = lines[-1].replace(b'"response":"bm25', '"response":"東京 bm25'.encode())
    assert "東".encode() in last
    torn = b"".join(lines[:-1]) + last[: last.index("東".encode()) + 2]  # disk full mid-character
    (run / "predictions.jsonl").write_bytes(torn)
    summary = run_eval("baseline/lexical", many_papers, run, progress=False)  # resumes: asks the torn one again
    assert summary.n == 30
    assert (run / "predictions.jsonl").read_bytes().endswith(b"\n")
    (run / "predictions.jsonl").write_bytes((run / "predictions.jsonl").read_bytes() + "{\"id\": \"東".encode()[:-1])
    snapshot = build_snapshot(runs, tmp_path / "board", data_dirs=[many_papers])
    assert [r.n for r in snapshot.rows if r.run == "lexical"] == [30]
