"""Snapshots from run folders written by the real runner (`scalar eval` with the baselines), on an
authored release, on the imported original SCALAR release, and on the `sample` venue build."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("scalar.evaluate.runner")


def _eval_baselines(scalar_cli, data, runs):
    for model in ("baseline/random", "baseline/lexical"):
        r = scalar_cli("eval", "--model", model, "--data", data, "--out", runs / model.split("/")[1])
        assert r.returncode == 0, r.stderr


def _rows(out):
    return {r["model"]: r for r in json.loads((out / "leaderboard.json").read_text())["rows"]}


def test_snapshot_of_runner_baseline_runs_matches_their_summaries(tmp_path, release, scalar_cli):
    runs = tmp_path / "runs"
    _eval_baselines(scalar_cli, release, runs)
    out = tmp_path / "leaderboards" / "sample" / "2026-11-22"
    r = scalar_cli("leaderboard", "--runs", runs, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = _rows(out)
    assert set(rows) == {"baseline/random", "baseline/lexical"}
    for model, row in rows.items():
        assert not row["computed"] and row["run"] == model.split("/")[1]
        summary = json.loads((runs / model.split("/")[1] / "summary.json").read_text())
        # Recomputed from predictions + release with the same scoring code: identical numbers.
        for key in ("accuracy", "low", "high", "n"):
            assert row["accuracy"][key] == pytest.approx(summary["accuracy"][key]), (model, key)
        for d, s in summary["by_difficulty"].items():
            assert row["by_difficulty"][d]["accuracy"] == pytest.approx(s["accuracy"])
    assert (tmp_path / "leaderboards" / "index.html").is_file()


def test_snapshot_on_the_imported_original_release(tmp_path, reference_dir, scalar_cli):
    release = tmp_path / "original"
    r = scalar_cli("import-reference", reference_dir / "scalar-release", "--out", release)
    if r.returncode != 0:
        pytest.skip(f"import-reference failed: {r.stderr.strip()}")
    runs = tmp_path / "runs"
    _eval_baselines(scalar_cli, release, runs)
    out = tmp_path / "snap"
    r = scalar_cli("leaderboard", "--runs", runs, "--out", out, "--after", "2024-10-05")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((release / "manifest.json").read_text())
    snap = json.loads((out / "leaderboard.json").read_text())
    assert snap["releases"][0]["questions_sha256"] == manifest["questions_sha256"]
    assert (out / "manifests" / f"{manifest['release_id']}.json").read_text() == (release / "manifest.json").read_text()
    questions = [json.loads(line) for line in (release / "questions.jsonl").read_text().splitlines()]
    newer = [q for q in questions if q["first_public_date"] and q["first_public_date"] > "2024-10-05"]
    assert 0 < len(newer) < len(questions)  # --after really splits this release
    for row in snap["rows"]:
        assert row["n_questions"] == len(newer) and row["n"] == len(newer)
    assert snap["releases"][0]["questions_sha256"] in (out / "index.html").read_text()


def test_snapshot_on_the_sample_venue(tmp_path, scalar_cli):
    release = tmp_path / "sample"
    r = scalar_cli("build", "--venue", "sample", "--offline", "--out", release)
    if r.returncode != 0:
        pytest.skip(f"the sample venue does not build here: {r.stderr.strip()}")
    runs = tmp_path / "runs"
    _eval_baselines(scalar_cli, release, runs)
    out = tmp_path / "leaderboards" / "sample" / "snap"
    r = scalar_cli("leaderboard", "--runs", runs, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = _rows(out)
    manifest = json.loads((release / "manifest.json").read_text())
    assert set(rows) == {"baseline/random", "baseline/lexical"}
    assert all(row["n_questions"] == manifest["n_questions"] for row in rows.values())


# Fields a row computes from its scored questions; a computed baseline row must match a run's.
SCORED_FIELDS = ("n_questions", "n", "coverage", "accuracy", "by_difficulty", "by_context_length", "by_month",
                 "clean", "clean_by_difficulty", "parse_failures", "errors", "truncated", "prompt_tokens",
                 "completion_tokens", "cost_usd", "mean_context_tokens", "cutoff")


def test_computed_baselines_equal_real_baseline_runs_on_the_sample_venue(tmp_path, scalar_cli):
    """A snapshot without baseline runs computes them with the evaluation's own baselines: the
    rows are those of `scalar eval --model baseline/...` on the same release, number for number."""
    from scalar._util.io import atomic_write_json, write_jsonl_atomic
    from scalar.release import load_release
    from scalar.schema import Prediction, RunSummary, Score

    release = tmp_path / "sample"
    r = scalar_cli("build", "--venue", "sample", "--offline", "--out", release)
    if r.returncode != 0:
        pytest.skip(f"the sample venue does not build here: {r.stderr.strip()}")
    manifest, questions = load_release(release)
    assert any(q.task == "cloze" for q in questions)  # one-to-one assignments are exercised
    real = tmp_path / "real"
    _eval_baselines(scalar_cli, release, real)
    assert scalar_cli("leaderboard", "--runs", real, "--out", tmp_path / "snap-real").returncode == 0

    # Another snapshot of the same release with only a model run: the baselines are computed.
    model = tmp_path / "model" / "m"
    write_jsonl_atomic(model / "predictions.jsonl",
                       [Prediction(id=q.id, model="acme/m", prediction=0, correct=False) for q in questions])
    atomic_write_json(model / "summary.json", RunSummary(
        model="acme/m", release_id=manifest.release_id, data_dir=str(release.resolve()), n=len(questions),
        accuracy=Score(accuracy=0, low=0, high=0, n=0)))
    r = scalar_cli("leaderboard", "--runs", tmp_path / "model", "--out", tmp_path / "snap-computed")
    assert r.returncode == 0, r.stderr

    ran, computed = _rows(tmp_path / "snap-real"), _rows(tmp_path / "snap-computed")
    for name in ("baseline/random", "baseline/lexical"):
        assert computed[name]["computed"] and not ran[name]["computed"]
        for key in SCORED_FIELDS:
            assert computed[name][key] == ran[name][key], (name, key)
    assert ran["baseline/lexical"]["accuracy"]["accuracy"] > ran["baseline/random"]["accuracy"]["accuracy"]
