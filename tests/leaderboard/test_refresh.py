"""`scalar refresh`, the steps the scheduled workflow calls: plan, the audit gate and model selection."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from lb_factory import make_release

from scalar.leaderboard.refresh import check_audit, load_config, models_to_run, newest_venue, plan

CONFIG = Path(__file__).resolve().parents[2] / "leaderboards" / "models.json"


def _refresh(*args):
    return subprocess.run([sys.executable, "-m", "scalar", "refresh", *map(str, args)],
                          capture_output=True, text=True)


def test_shipped_config_loads_and_names_real_secrets():
    config = load_config(CONFIG)
    assert config.baselines == ["baseline/random", "baseline/lexical", "baseline/dense"]
    assert {m.secret for m in config.models} <= {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"}
    assert config.audit_thresholds


def test_plan_uses_the_day_after_the_last_release_of_the_venue(tmp_path):
    from scalar.crawl.venues import get_venue

    assert get_venue(newest_venue()).source == "openreview"
    lb = tmp_path / "leaderboards"
    config = load_config(CONFIG)
    first = plan(config, venue="iclr2025", leaderboards_dir=lb, today=date(2026, 11, 23))
    assert first["since"] == "" and first["snapshot_dir"].endswith("leaderboards/iclr2025/2026-11-23")
    # Two earlier snapshots of iclr2025 and one of another venue: the latest iclr2025 date wins.
    for name, venue, latest in [("a", "iclr2025", "2025-02-10"), ("b", "iclr2025", "2025-03-05"),
                                ("c", "neurips2024", "2025-06-01")]:
        rel = make_release(tmp_path / f"rel-{name}", release_id=f"r-{name}", venue=venue)
        m = json.loads((rel / "manifest.json").read_text())
        m["source_cutoff"]["latest"] = latest
        (lb / venue / name / "manifests").mkdir(parents=True)
        (lb / venue / name / "manifests" / f"r-{name}.json").write_text(json.dumps(m))
    p = plan(config, venue="iclr2025", leaderboards_dir=lb, today=date(2026, 11, 23))
    assert p["since"] == "2025-03-06" and p["release_dir"] == "releases/iclr2025-2026-11-23"
    r = _refresh("plan", "--config", CONFIG, "--venue", "iclr2025", "--leaderboards", lb, "--today", "2026-11-23")
    assert r.returncode == 0 and "since=2025-03-06\n" in r.stdout and "venue=iclr2025\n" in r.stdout


def test_audit_gate():
    thresholds = {"groups.all.gold_title_in_context.share": 0.02, "groups.all.surface_name_match.share": 0.05}
    ok = {"groups": {"all": {"gold_title_in_context": {"share": 0.0}, "surface_name_match": {"share": 0.01}}}}
    assert check_audit(ok, thresholds) == []
    leaky = {"groups": {"all": {"gold_title_in_context": {"share": 0.3}, "surface_name_match": {"share": 0.01}}}}
    assert check_audit(leaky, thresholds) == ["groups.all.gold_title_in_context.share = 0.3000 exceeds 0.02"]
    renamed = {"groups": {"all": {"surface_name_match": {"share": 0.0}}}}
    assert check_audit(renamed, thresholds) == ["groups.all.gold_title_in_context.share: not in the audit report"]


def test_audit_gate_on_real_audit_reports(tmp_path, release, reference_dir, scalar_cli):
    # Our authored release is clean; the original SCALAR release has its known leaks (titles and
    # surface names next to the mask) and must fail the gate with the shipped thresholds.
    report = tmp_path / "audit.json"
    r = scalar_cli("audit", "--data", release, "--json")
    assert r.returncode == 0, r.stderr
    report.write_text(r.stdout)
    r = _refresh("check-audit", "--config", CONFIG, report)
    assert r.returncode == 0, r.stderr
    original = tmp_path / "original"
    assert scalar_cli("import-reference", reference_dir / "scalar-release", "--out", original).returncode == 0
    report.write_text(scalar_cli("audit", "--data", original, "--json").stdout)
    r = _refresh("check-audit", "--config", CONFIG, report)
    assert r.returncode == 1 and "::error::audit:" in r.stderr and "exceeds" in r.stderr


def test_models_run_only_when_their_secret_is_set():
    config = load_config(CONFIG)
    run, skipped = models_to_run(config, {})
    assert [m.model for m in run] == ["baseline/random", "baseline/lexical", "baseline/dense"]
    assert len(skipped) == len(config.models)
    run, skipped = models_to_run(config, {"OPENAI_API_KEY": "sk-test", "ANTHROPIC_API_KEY": ""})
    names = [m.model for m in run]
    assert "openai/gpt-4o-mini" in names and not any(n.startswith("anthropic/") for n in names)


def test_eval_subcommand_runs_the_baselines(tmp_path, release):
    pytest.importorskip("scalar.evaluate.runner")
    config = tmp_path / "models.json"
    config.write_text(json.dumps({"models": [{"model": "openai/gpt-4o-mini", "secret": "SCALAR_TEST_NO_SUCH_KEY"}]}))
    r = _refresh("eval", "--config", config, "--data", release, "--runs", tmp_path / "runs")
    assert r.returncode == 0, r.stderr
    assert "skipping openai/gpt-4o-mini" in r.stderr
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["baseline__lexical", "baseline__random"]


def test_one_failing_model_does_not_stop_the_others(tmp_path, release):
    pytest.importorskip("scalar.evaluate.runner")
    config = tmp_path / "models.json"
    config.write_text(json.dumps({"baselines": ["baseline/random"],
                                  "models": [{"model": "baseline/lexical", "args": ["--no-such-flag"]}]}))
    r = _refresh("eval", "--config", config, "--data", release, "--runs", tmp_path / "runs")
    assert r.returncode == 0, r.stderr
    assert "no-such-flag" in r.stderr and "::warning::scalar eval failed for baseline/lexical" in r.stderr
    assert "Traceback" not in r.stderr
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["baseline__random"]
    # Every model failing is a failed step.
    config.write_text(json.dumps({"baselines": ["baseline/random"], "eval_args": ["--no-such-flag"]}))
    r = _refresh("eval", "--config", config, "--data", release, "--runs", tmp_path / "runs2")
    assert r.returncode == 1 and "::warning::scalar eval failed for baseline/random" in r.stderr


@pytest.mark.parametrize("case", ["bad config", "missing config", "bad report", "bad date"])
def test_bad_input_is_one_line_exit_2(tmp_path, case):
    bad = tmp_path / "models.json"
    bad.write_text(json.dumps({"models": [{"name": "x"}]}))
    args, expected = {
        "bad config": (["plan", "--config", bad], "not a valid refresh config"),
        "missing config": (["plan", "--config", tmp_path / "nope.json"], "refresh config not found"),
        "bad report": (["check-audit", "--config", CONFIG, bad.with_name("none.json")], "cannot read audit report"),
        "bad date": (["plan", "--config", CONFIG, "--today", "monday"], "bad --today date"),
    }[case]
    r = _refresh(*args)
    assert r.returncode == 2 and expected in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
