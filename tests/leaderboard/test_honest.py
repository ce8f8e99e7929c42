"""What makes the board honest: only complete runs are ranked, tasks are apart with their chance
levels, budgets have their own view, and ranks come from paired comparisons."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pytest
from lb_factory import PAPERS, make_mixed_questions, make_release, make_run

from scalar.leaderboard.aggregate import tied_ranks
from scalar.leaderboard.snapshot import build_snapshot
from scalar.release import load_release

LATE_PAPERS = {p for p, d in PAPERS.items() if d.year == 2025}


def _row(snap, model):
    (row,) = [r for r in snap.rows if r.model == model]
    return row


def test_a_partial_run_is_shown_apart_and_never_ranked_first(tmp_path, release):
    runs = tmp_path / "runs"
    make_run(runs, "full", "openai/gpt-4o", release, lambda q: q.difficulty != "hard")
    # The 8 easy questions, all right: 100% on what it answered, but it skipped 16 of 24.
    make_run(runs, "part", "acme/partial", release, lambda q: True, only=lambda q: q.difficulty == "easy")
    root = tmp_path / "leaderboards"
    snap = build_snapshot(runs, root / "s", audit=False)
    part, full = _row(snap, "acme/partial"), _row(snap, "openai/gpt-4o")
    assert part.accuracy.accuracy == 1.0 and not part.complete
    assert part.rank is None and all(v is None for v in part.ranks.values())
    assert full.complete and full.rank == 1
    assert snap.rows[-1].model == "acme/partial"  # after every ranked row
    assert all(c.a != "acme/partial" and c.b != "acme/partial" for c in snap.pairwise)
    md = (root / "s" / "leaderboard.md").read_text()
    assert "**Partial runs** (not ranked" in md and "| acme/partial | 8 of 24 |" in md
    assert not any(line.startswith("| 1 | acme/partial") for line in md.splitlines())
    assert "openai/gpt-4o (66.7% mcq)" in (root / "index.html").read_text()  # the top model is a complete run
    page = (root / "s" / "index.html").read_text()
    main_table = page.split('<table id="leaderboard">')[1].split("</table>")[0]
    assert 'data-model="acme/partial"' not in main_table
    assert 'data-model="acme/partial"' in page.split('<table id="partial-runs">')[1]


def test_errors_keep_a_run_off_the_ranking_until_retried(tmp_path, release):
    _, qs = load_release(release)
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True, error_ids={qs[0].id})
    row = _row(build_snapshot(tmp_path / "runs", tmp_path / "snap", audit=False), "openai/gpt-4o-mini")
    assert row.coverage == 1.0 and row.errors == 1 and not row.complete and row.rank is None
    assert any("re-run" in w for w in row.warnings)


def test_tasks_are_reported_apart_with_their_chance_levels(tmp_path):
    release = make_release(tmp_path / "release", questions=make_mixed_questions())
    # A constant answer: always candidate 0 (mcq) / always [0, 1] (cloze).
    make_run(tmp_path / "runs", "c", "acme/constant",
             release, lambda q: q.answer == 0 if q.task == "mcq" else q.answer == [0, 1])
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap", audit=False)
    rel = snap.releases[0]
    assert rel.chance["mcq"] == 0.25
    assert rel.chance["cloze"] == pytest.approx(1 / 12, abs=1e-6)  # 2 masks, 4 candidates: (4-2)!/4!
    assert rel.chance["mcq/easy"] == 0.25 and rel.chance["cloze/hard"] == pytest.approx(1 / 12, abs=1e-6)
    row = _row(snap, "acme/constant")
    assert row.scores["mcq"].accuracy == pytest.approx(0.25)  # answer positions are balanced
    assert row.scores["cloze"].accuracy == pytest.approx(2 / 8)  # [0, 1] is gold for 2 of 8 cloze
    assert row.scores["mcq"].n == 48 and row.scores["cloze"].n == 8
    assert set(row.breakdowns) == {"all", "mcq", "cloze"}
    assert row.ranks["mcq"] is not None and row.ranks["cloze"] is not None
    md = (tmp_path / "snap" / "leaderboard.md").read_text()
    assert "**Multiple choice (mcq)** — chance 25.0%" in md and "**Cloze** — chance 8.3%" in md
    assert md.count("| | *chance* |") == 2
    rows = (tmp_path / "snap" / "leaderboard.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert {"mcq_accuracy", "mcq_chance", "cloze_accuracy", "cloze_chance", "mcq_rank"} <= set(header)
    # One plot set per task, chance drawn on each.
    for task in ("mcq", "cloze"):
        for axis in ("difficulty", "budget", "context_length", "month"):
            svg = (tmp_path / "snap" / "plots" / f"accuracy_by_{axis}_{task}.svg").read_text()
            ET.fromstring(svg)
            assert "chance" in svg


def test_budget_view(tmp_path):
    release = make_release(tmp_path / "release", questions=make_mixed_questions(budgets=(1000, 4000)))
    # Right on every question fitted to 4000 tokens, wrong at 1000.
    make_run(tmp_path / "runs", "m", "acme/long-reader", release, lambda q: q.context_budget == 4000)
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap", audit=False)
    row = _row(snap, "acme/long-reader")
    by_budget = row.breakdowns["mcq"]["budget"]
    assert list(by_budget) == ["1000", "4000"]
    assert by_budget["1000"].accuracy == 0.0 and by_budget["4000"].accuracy == 1.0
    assert snap.releases[0].budgets == ["1000", "4000"]
    assert snap.releases[0].chance_by["mcq"]["budget"] == {"1000": 0.25, "4000": 0.25}
    svg = (tmp_path / "snap" / "plots" / "accuracy_by_budget_mcq.svg").read_text()
    assert "1000" in svg and "4000" in svg and "acme/long-reader" in svg
    page = (tmp_path / "snap" / "index.html").read_text()
    assert 'class="scroll budget" data-task="mcq"' in page


def test_paired_comparison_separates_models_whose_intervals_overlap(tmp_path, release):
    """Papers differ a lot in difficulty (wide intervals), but A beats B on one question of every
    paper and never loses: the paired bootstrap sees a consistent difference."""
    _, qs = load_release(release)
    solved = {0: 6, 1: 2, 2: 5, 3: 1}  # questions right per paper for A
    papers = list(PAPERS)
    a_right = set()
    b_right = set()
    for q in qs:
        k = int(q.id.rsplit("-", 1)[1])
        n = solved[papers.index(q.paper)]
        if k < n:
            a_right.add(q.id)
            if k < n - 1:
                b_right.add(q.id)
    runs = tmp_path / "runs"
    make_run(runs, "a", "acme/a", release, lambda q: q.id in a_right)
    make_run(runs, "b", "acme/b", release, lambda q: q.id in b_right)
    snap = build_snapshot(runs, tmp_path / "snap", audit=False)
    a, b = _row(snap, "acme/a"), _row(snap, "acme/b")
    assert a.accuracy.low <= b.accuracy.high  # the old interval rule would tie them...
    assert tied_ranks([a.accuracy, b.accuracy]) == [1, 1]
    assert a.rank == 1 and b.rank == 2  # ...the paired comparison does not
    (pair,) = [c for c in snap.pairwise if c.view == "all" and {c.a, c.b} == {"acme/a", "acme/b"}]
    assert pair.a == "acme/a" and pair.a_wins == 4 and pair.b_wins == 0
    assert pair.diff == pytest.approx(4 / 24, abs=1e-6) and pair.low > 0 and pair.n == 24 and pair.n_papers == 4
    page = (tmp_path / "snap" / "index.html").read_text()
    assert "Pairwise comparisons" in page and 'class="better"' in page


def test_pairwise_interval_is_symmetric_and_ties_identical_models(tmp_path, release):
    runs = tmp_path / "runs"
    make_run(runs, "a", "acme/a", release, lambda q: q.difficulty != "hard")
    make_run(runs, "b", "acme/b", release, lambda q: q.difficulty != "hard")
    snap = build_snapshot(runs, tmp_path / "snap", audit=False)
    assert _row(snap, "acme/a").rank == _row(snap, "acme/b").rank == 1
    (pair,) = [c for c in snap.pairwise if c.view == "all" and {c.a, c.b} == {"acme/a", "acme/b"}]
    assert pair.diff == 0 and pair.low == 0 and pair.high == 0


def test_about_section_model_metadata_and_question_records(tmp_path):
    release = make_release(tmp_path / "release", questions=make_mixed_questions())
    make_run(tmp_path / "runs", "g", "openai/gpt-4o-mini", release, lambda q: q.task == "mcq")
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap")  # with the shortcut audit
    audit = snap.releases[0].audit
    assert {"easy", "cloze/easy", "all"} <= set(audit)
    assert audit["easy"]["chance"] == 0.25 and 0 <= audit["easy"]["lexical_baseline"] <= 1
    row = _row(snap, "openai/gpt-4o-mini")
    assert row.meta["provider"] == "openai"
    page = (tmp_path / "snap" / "index.html").read_text()
    for needle in ("The task.", "Chance levels differ by task", "How questions are built", "Shortcut audit",
                   'class="kv audit-table"', 'id="model-meta"'):
        assert needle in page, needle
    data = json.loads(page.split('<script type="application/json" id="question-data">')[1].split("</script>")[0])
    assert len(data) == len(load_release(release)[1])
    first = data[0]
    assert "[MASKED_CITATION]" in first["excerpt"] and len(first["candidates"]) == 4
    assert first["answers"]["openai/gpt-4o-mini"]["state"] == "right"
    assert first["answers"]["baseline/random"]["state"] in ("right", "wrong")
    assert math.isclose(first["chance"], 0.25)


def test_runs_on_the_same_subset_are_ranked_on_it(tmp_path, release):
    """Every model ran the same 8 questions (as `scalar eval --limit 8` would): they are ranked
    against each other on those, with the baselines computed on the same 8."""
    runs = tmp_path / "runs"
    make_run(runs, "a", "acme/a", release, lambda q: True, only=lambda q: q.difficulty == "easy")
    make_run(runs, "b", "acme/b", release, lambda q: q.paper in LATE_PAPERS, only=lambda q: q.difficulty == "easy")
    snap = build_snapshot(runs, tmp_path / "snap", audit=False)
    a, b, rnd = _row(snap, "acme/a"), _row(snap, "acme/b"), _row(snap, "baseline/random")
    assert a.complete and b.complete and a.n_questions == b.n_questions == rnd.n_questions == rnd.n == 8
    assert a.rank == 1 and b.rank is not None
    assert any("answered the same 8 of 24 questions" in w for w in snap.warnings)
    # One model on everything, another on the subset: the subset run is partial, as before.
    make_run(runs, "c", "acme/c", release, lambda q: True)
    snap = build_snapshot(runs, tmp_path / "snap2", audit=False)
    assert _row(snap, "acme/c").complete and not _row(snap, "acme/a").complete
    assert _row(snap, "baseline/random").n == 24 and not snap.warnings


def test_credential_like_settings_never_reach_the_page(tmp_path, release):
    from scalar._util.io import atomic_write_json
    from scalar.schema import RunSummary

    run = make_run(tmp_path / "runs", "g", "openai/gpt-4o-mini", release, lambda q: True)
    summary = RunSummary.model_validate_json((run / "summary.json").read_text())
    summary.settings = {"template": "mcq", "api_key": "sk-abc123", "extra_headers": "Bearer xyz",
                        "model_args": "{'api_key': 'plain-secret'}",
                        "note": "Bearer leaked-token", "max_tokens": 512}
    atomic_write_json(run / "summary.json", summary)
    snap = build_snapshot(tmp_path / "runs", tmp_path / "snap", audit=False)
    meta = _row(snap, "openai/gpt-4o-mini").meta
    assert meta["template"] == "mcq" and meta["max_tokens"] == 512
    assert not {"api_key", "extra_headers", "note", "model_args"} & set(meta)
    page = (tmp_path / "snap" / "index.html").read_text() + (tmp_path / "snap" / "leaderboard.json").read_text()
    assert "sk-abc123" not in page and "leaked-token" not in page and "xyz" not in page and "plain-secret" not in page
