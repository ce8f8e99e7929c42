"""Bad input through the real command line: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest
from lb_factory import make_release, make_run


def _assert_clean_failure(r, out, *needles):
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    assert not out.exists()
    if out.parent.exists():
        assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temp folder left behind"


def test_empty_runs_folder(tmp_path, scalar_cli):
    (tmp_path / "runs").mkdir()
    out = tmp_path / "lb" / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out, "no runs in")


def test_missing_runs_folder(tmp_path, scalar_cli):
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "nope", "--out", out), out,
                          "runs folder not found")


def test_malformed_summary(tmp_path, release, scalar_cli):
    run = make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    (run / "summary.json").write_text('{"model": "x", ')
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "summary.json is not valid JSON")


def test_summary_missing_fields(tmp_path, release, scalar_cli):
    run = make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    (run / "summary.json").write_text(json.dumps({"model": "openai/gpt-4o-mini"}))
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "not a valid run summary", "release_id")


def test_malformed_prediction_line(tmp_path, release, scalar_cli):
    run = make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    lines = (run / "predictions.jsonl").read_text().splitlines(keepends=True)
    lines[3] = "{not json}\n"
    (run / "predictions.jsonl").write_text("".join(lines))
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "predictions.jsonl: line 4")


def test_torn_last_prediction_line_is_ignored(tmp_path, release, scalar_cli):
    # A run still being written (or killed mid-line) has a torn tail: skip it, keep the rest.
    run = make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    with open(run / "predictions.jsonl", "a") as f:
        f.write('{"id": "2503.00004v1-5", "model": "openai/gp')
    out = tmp_path / "snap"
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out)
    assert r.returncode == 0, r.stderr
    row = json.loads((out / "leaderboard.json").read_text())["rows"][0]
    assert row["model"] == "openai/gpt-4o-mini" and row["n"] == 24


def test_predictions_for_another_model(tmp_path, release, scalar_cli):
    run = make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    text = (run / "predictions.jsonl").read_text().replace("openai/gpt-4o-mini", "openai/gpt-4o", 1)
    (run / "predictions.jsonl").write_text(text)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "line 1 is for model 'openai/gpt-4o'")


def test_mixed_releases_need_allow_mixed(tmp_path, release, scalar_cli):
    other = make_release(tmp_path / "release2", release_id="sample-2026-12-01")
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: True)
    make_run(tmp_path / "runs", "b", "openai/gpt-4o-mini", other, lambda q: True)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "runs mix 2 releases", "--allow-mixed")
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out, "--allow-mixed")
    assert r.returncode == 0, r.stderr
    assert len(json.loads((out / "leaderboard.json").read_text())["releases"]) == 2


def test_two_runs_of_one_model(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: True)
    make_run(tmp_path / "runs", "b", "openai/gpt-4o", release, lambda q: False)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "two runs of openai/gpt-4o")


def test_predictions_not_in_the_release(tmp_path, release, scalar_cli):
    other = make_release(tmp_path / "other", release_id="sample-2026-11-01",
                         questions=[q.model_copy(update={"id": "zz-" + q.id}) for q in
                                    __import__("lb_factory").make_questions()])
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", other, lambda q: True)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out,
                                     "--data", release), out, "not in release", "zz-")


def test_release_folder_gone(tmp_path, release, scalar_cli):
    import shutil

    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: True)
    shutil.rmtree(release)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "is gone", "--data")


def test_release_edited_after_the_run(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: True)
    with open(release / "questions.jsonl", "a") as f:
        f.write("\n")
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out), out,
                          "SHA-256")


@pytest.mark.parametrize("content, needle", [
    ("{oops", "not valid JSON"),
    ('{"acme/x": "2024-01"}', 'a "models" object'),
    ('{"models": {"acme/x": {"cutoff": "last spring"}}}', "bad cutoff 'last spring'"),
    ('{"models": {"acme/x": {"source": "blog"}}}', 'needs a "cutoff"'),
])
def test_malformed_cutoffs_file(tmp_path, release, scalar_cli, content, needle):
    make_run(tmp_path / "runs", "a", "acme/x", release, lambda q: True)
    (tmp_path / "c.json").write_text(content)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out,
                                     "--cutoffs", tmp_path / "c.json"), out, "c.json", needle)


def test_unknown_model_warns_or_fails_with_require_cutoffs(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "a", "acme/unknown-model", release, lambda q: True)
    out = tmp_path / "snap"
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out)
    assert r.returncode == 0 and "knowledge cutoff unknown" in r.stderr
    assert "unknown" in (out / "leaderboard.md").read_text()
    out2 = tmp_path / "snap2"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out2,
                                     "--require-cutoffs"), out2, "no knowledge cutoff for acme/unknown-model")


def test_bad_after_date(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: True)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out,
                                     "--after", "2025-13-01"), out, "bad --after date")


def test_out_folder_that_is_not_a_snapshot_is_refused(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: True)
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out)
    assert r.returncode == 2 and "is not a leaderboard snapshot" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


def test_success_prints_a_table(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "a", "openai/gpt-4o", release, lambda q: q.difficulty != "hard")
    out = tmp_path / "leaderboards" / "sample" / "2026-11-22"
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out, "--title", "My board",
                   "--after", "2024-10-01")
    assert r.returncode == 0, r.stderr
    assert "My board" in r.stdout and "openai/gpt-4o" in r.stdout and "baseline/random" in r.stdout
    assert "mcq rank" in r.stdout and "chance: mcq 25.0%" in r.stdout
    snap = json.loads((out / "leaderboard.json").read_text())
    assert snap["title"] == "My board" and snap["after"] == "2024-10-01"
    assert (tmp_path / "leaderboards" / "index.html").is_file()


@pytest.mark.parametrize("name, needle", [("openai/gpt-4o", "only baselines"),
                                          ("baseline/nope", "baseline/nope")])
def test_bad_computed_baseline(tmp_path, release, scalar_cli, name, needle):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    out = tmp_path / "snap"
    _assert_clean_failure(scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", out,
                                     "--baseline", name), out, needle)
