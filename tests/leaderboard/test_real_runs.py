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
