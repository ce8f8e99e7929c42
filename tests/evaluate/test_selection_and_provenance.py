"""`scalar eval` selection (--budget/--difficulty/--task, the stratified --limit sample), the
per-task and per-budget summary, provenance, finish reasons, lm-eval style --model-arg and the
notebook-safe API."""

import asyncio
import hashlib
import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from eval_fixtures import make_question, write_release
from openai_server import OpenAIServer, Reply, prompt_of, qid_of
from test_cli_eval import run_scalar

from scalar._util.io import read_jsonl
from scalar.evaluate.config import EvalConfig, parse_model_args, split_model_arg
from scalar.evaluate.runner import run_eval, run_eval_async
from scalar.evaluate.selection import allocate, select
from scalar.schema import Selection

MODEL = "openai/gpt-4o-mini"


def budgeted_release(path: Path) -> Path:
    """36 questions: mcq and cloze, three difficulties, two context budgets, mcq first in file order
    (as a real release is ordered), so "the first N" would be all mcq."""
    qs = []
    for i in range(36):
        task = "mcq" if i < 24 else "cloze"
        q = make_question(i, task=task)
        qs.append(q.model_copy(update={"context_budget": (1000, 16000)[i % 2]}))
    return write_release(path, qs)


@pytest.fixture
def rel(tmp_path):
    return budgeted_release(tmp_path / "release")


def test_filters_pick_budget_difficulty_and_task(rel, tmp_path):
    s = run_eval("baseline/random", rel, tmp_path / "a", budget=[16000], task=["cloze"], difficulty=["hard"],
                 progress=False)
    rows = {r["id"]: r for r in read_jsonl(rel / "questions.jsonl")}
    picked = [rows[p["id"]] for p in read_jsonl(tmp_path / "a" / "predictions.jsonl")]
    assert picked and all(r["context_budget"] == 16000 and r["task"] == "cloze" and r["difficulty"] == "hard"
                          for r in picked)
    expected = [r for r in rows.values() if r["context_budget"] == 16000 and r["task"] == "cloze"
                and r["difficulty"] == "hard"]
    assert s.n == len(expected)
    spec = json.loads((tmp_path / "a" / "run.json").read_text())
    assert spec["selection"]["budgets"] == [16000] and spec["selection"]["tasks"] == ["cloze"]


def test_unknown_budget_is_one_line_naming_the_filter(rel, tmp_path):
    r = run_scalar("eval", "--model", "baseline/random", "--data", str(rel), "--out", str(tmp_path / "x"),
                   "--budget", "4096")
    assert r.returncode == 2 and "--budget 4096" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
    bad = run_scalar("eval", "--model", "baseline/random", "--data", str(rel), "--out", str(tmp_path / "y"),
                     "--task", "essay")
    assert bad.returncode == 2 and "--task must be one of mcq, cloze" in bad.stderr


def test_limit_is_a_seeded_sample_stratified_by_difficulty_and_task(rel, tmp_path):
    s = run_eval("baseline/random", rel, tmp_path / "a", limit=18, progress=False)
    ids = [p["id"] for p in read_jsonl(tmp_path / "a" / "predictions.jsonl")]
    rows = {r["id"]: r for r in read_jsonl(rel / "questions.jsonl")}
    strata = Counter((rows[i]["difficulty"], rows[i]["task"]) for i in ids)
    # 24 mcq + 12 cloze over three difficulties: 4 mcq and 2 cloze per difficulty, not the first 18 (all mcq)
    assert strata == {(d, t): (4 if t == "mcq" else 2) for d in ("easy", "medium", "hard") for t in ("mcq", "cloze")}
    assert set(s.by_task) == {"mcq", "cloze"}
    # the same seed gives the same sample; another seed another one; the spec records both
    again = run_eval("baseline/random", rel, tmp_path / "b", limit=18, progress=False)
    assert {p["id"] for p in read_jsonl(tmp_path / "b" / "predictions.jsonl")} == set(ids)
    assert again.run.selection.limit == 18 and again.run.selection.sample_seed == 0
    run_eval("baseline/random", rel, tmp_path / "c", limit=18, sample_seed=7, progress=False)
    assert {p["id"] for p in read_jsonl(tmp_path / "c" / "predictions.jsonl")} != set(ids)
    assert json.loads((tmp_path / "c" / "run.json").read_text())["selection"]["sample_seed"] == 7


def test_a_larger_limit_keeps_the_smaller_sample_and_resumes_in_the_same_folder(rel, tmp_path):
    run_eval("baseline/random", rel, tmp_path / "a", limit=6, progress=False)
    first = {p["id"] for p in read_jsonl(tmp_path / "a" / "predictions.jsonl")}
    s = run_eval("baseline/random", rel, tmp_path / "a", limit=24, progress=False)
    lines = list(read_jsonl(tmp_path / "a" / "predictions.jsonl"))
    assert first <= {p["id"] for p in lines} and len(lines) == 24 and s.n == 24
    assert json.loads((tmp_path / "a" / "run.json").read_text())["selection"]["limit"] == 24


def test_allocation_is_proportional_with_every_stratum_present():
    sizes = {("easy", "mcq"): 90, ("hard", "mcq"): 5, ("easy", "cloze"): 5}
    out = allocate(sizes, 10)
    assert sum(out.values()) == 10 and all(v >= 1 for v in out.values()) and out[("easy", "mcq")] == 8
    assert sum(allocate(sizes, 2).values()) == 2
    assert allocate(sizes, 500) == sizes
    qs = [make_question(i) for i in range(9)]
    assert select(qs, Selection(limit=3)) == select(list(reversed(qs)), Selection(limit=3))[::-1]


def test_summary_reports_tasks_apart_with_chance_and_a_per_budget_breakdown(rel, tmp_path):
    s = run_eval("baseline/random", rel, tmp_path / "a", progress=False)
    assert set(s.by_budget) == {"1000", "16000"} and s.by_budget["1000"].n == 18
    assert s.breakdowns["budget"] == s.by_budget
    mcq, cloze = s.by_task["mcq"], s.by_task["cloze"]
    assert mcq.chance == pytest.approx(0.25) and mcq.accuracy.n == 24
    assert cloze.chance == pytest.approx(1 / 12)  # 2 masks, 4 candidates, one-to-one: 1/(4*3)
    assert cloze.per_mask_chance == pytest.approx(0.25) and cloze.per_mask.n == 24
    assert s.chance == pytest.approx((24 * 0.25 + 12 / 12) / 36, abs=1e-6)
    assert set(mcq.by_budget) == {"1000", "16000"} and set(cloze.by_difficulty) == {"easy", "medium", "hard"}
    on_disk = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert on_disk["by_task"]["mcq"]["chance"] == 0.25 and "16000" in on_disk["by_budget"]
    r = run_scalar("eval", "--model", "baseline/random", "--data", str(rel), "--out", str(tmp_path / "a"))
    assert r.returncode == 0 and "task=cloze" in r.stdout and "chance" in r.stdout and "budget=16000" in r.stdout


def test_provenance_records_version_commit_and_timing(release, tmp_path):
    import scalar

    s = run_eval("baseline/random", release, tmp_path / "a", progress=False)
    p = s.provenance
    assert p.tool_version == scalar.__version__ and p.duration_s >= 0 and p.started <= p.finished
    root = Path(scalar.__file__).resolve().parents[1]
    if (root / ".git").exists():
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        assert p.git_commit == head.stdout.strip()
    else:
        assert p.git_commit is None
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["provenance"]["tool_version"] == scalar.__version__


def test_answers_cut_at_max_tokens_show_as_length_not_parse_failures(release, tmp_path, api_env):
    def script(req, n):
        if int(qid_of(req), 16) % 2:  # a "reasoning model" still thinking when max_tokens ran out
            return Reply(text="Let me think step by step about each candidate", finish_reason="length")
        return Reply(text="<answer>zzz</answer>")  # finished, but unreadable: a real parse failure

    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False, max_tokens=64)
    rows = list(read_jsonl(tmp_path / "run" / "predictions.jsonl"))
    assert s.length_cut == 6 and s.parse_failures == 6 and s.accuracy.accuracy == 0.0
    cut = [r for r in rows if r["finish_reason"] == "length"]
    assert len(cut) == 6 and not any(r["parse_failure"] for r in cut)
    # the prompt hash is the SHA-256 of exactly what the server received
    sent = {qid_of(r): hashlib.sha256(prompt_of(r).encode()).hexdigest() for r in srv.requests}
    assert {r["id"]: r["prompt_sha256"] for r in rows} == sent
    assert {r["finish_reason"] for r in rows} == {"length", "stop"}


def test_cached_answers_keep_their_finish_reason(release, tmp_path, api_env):
    with OpenAIServer(lambda req, n: Reply(text="thinking", finish_reason="length")) as srv:
        run_eval(MODEL, release, tmp_path / "a", api_base=srv.url, progress=False, limit=3,
                 cache=tmp_path / "shared.sqlite")
        s = run_eval(MODEL, release, tmp_path / "b", api_base=srv.url, progress=False, limit=3,
                     cache=tmp_path / "shared.sqlite")
    assert len(srv.requests) == 3 and s.length_cut == 3
    assert all(r["cached"] and r["finish_reason"] == "length" for r in read_jsonl(tmp_path / "b" / "predictions.jsonl"))


@pytest.mark.parametrize("raw, expected", [
    (["temperature=0.5,top_p=0.9"], {"temperature": 0.5, "top_p": 0.9}),
    (["temperature=0.5", "top_p=0.9"], {"temperature": 0.5, "top_p": 0.9}),
    (['stop=["a,b", "c"],top_k=5'], {"stop": ["a,b", "c"], "top_k": 5}),
    (['logit_bias={"1":2,"3":4}'], {"logit_bias": {"1": 2, "3": 4}}),
    (["stop=a,b"], {"stop": "a,b"}),
    (["reasoning_effort=low,seed=3,flag=true"], {"reasoning_effort": "low", "seed": 3, "flag": True}),
])
def test_model_arg_accepts_lm_eval_commas(raw, expected):
    assert parse_model_args(raw) == expected


def test_model_arg_commas_through_the_cli(release, tmp_path):
    gold = {r["id"]: r["answer"] for r in read_jsonl(release / "questions.jsonl")}
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        r = run_scalar("eval", "--model", "openai/test-model", "--api-base", srv.url, "--data", str(release),
                       "--out", str(tmp_path / "run"), "--limit", "2",
                       "--model-arg", "context_window=128000,top_p=0.9", "--model-arg", "max_completion_tokens=77")
    assert r.returncode == 0, r.stderr
    assert all(req["top_p"] == 0.9 for req in srv.requests)
    spec = json.loads((tmp_path / "run" / "run.json").read_text())
    assert spec["model_args"] == {"context_window": 128000, "max_completion_tokens": 77, "top_p": 0.9}
    assert split_model_arg("a=1,b=2") == ["a=1", "b=2"]


def test_run_eval_works_inside_a_running_event_loop(release, tmp_path):
    """As in a Jupyter cell: a loop is running when run_eval is called."""

    async def notebook_cell():
        sync = run_eval("baseline/random", release, tmp_path / "sync", progress=False)
        awaited = await run_eval_async(EvalConfig(model="baseline/random", data=release, out=tmp_path / "async",
                                                  progress=False))
        return sync, awaited

    sync, awaited = asyncio.run(notebook_cell())
    assert sync.n == awaited.n == 12 and sync.accuracy == awaited.accuracy


def test_run_eval_async_against_a_server(release, tmp_path, api_env):
    gold = {r["id"]: r["answer"] for r in read_jsonl(release / "questions.jsonl")}
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        s = asyncio.run(run_eval_async(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False))
    assert s.accuracy.accuracy == 1.0 and len(srv.requests) == 12
