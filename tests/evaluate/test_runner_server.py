"""The runner driven through litellm against a real HTTP server on 127.0.0.1, as a user's run."""

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from eval_fixtures import make_question, write_release
from openai_server import OpenAIServer, Reply, prompt_of, qid_of

from scalar._util.io import read_jsonl
from scalar._util.tokens import count_tokens
from scalar.errors import ConfigError
from scalar.evaluate.runner import Estimate, run_eval

MODEL = "openai/gpt-4o-mini"  # priced in litellm's bundled map: costs are real numbers


def answers_of(release: Path) -> dict:
    return {row["id"]: row["answer"] for row in read_jsonl(release / "questions.jsonl")}


def correct_script(release):
    gold = answers_of(release)
    return lambda req, n: Reply(text=f"Reasoning...\n<answer>{gold[qid_of(req)]}</answer>")


def preds(run: Path) -> list[dict]:
    return list(read_jsonl(run / "predictions.jsonl"))


class Sleeps:
    def __init__(self):
        self.delays = []

    async def __call__(self, s):
        self.delays.append(s)


def test_correct_server_scores_one_with_costs_and_breakdowns(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer(correct_script(release)) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)
    assert s.accuracy.accuracy == 1.0 and s.n == 12 and s.errors == 0 and s.parse_failures == 0
    assert s.accuracy.n_papers == 4
    assert set(s.by_difficulty) == {"easy", "medium", "hard"}
    assert set(s.breakdowns) == {"task", "citation_type", "context_length", "budget", "month"}
    assert set(s.breakdowns["month"]) == {"2024-10", "2024-11", "2024-12"}
    assert s.data_dir == str(release.resolve()) and s.release_id == "test-release"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["accuracy"]["accuracy"] == 1.0
    rows = preds(run)
    assert len(rows) == 12 and all(r["correct"] and r["prompt_tokens"] > 0 and r["cost_usd"] > 0 for r in rows)
    assert s.cost_usd == pytest.approx(sum(r["cost_usd"] for r in rows), abs=1e-6)
    req = srv.requests[0]
    assert req["temperature"] == 0 and req["seed"] == 0 and req["max_tokens"] == 2048
    assert [m["role"] for m in req["messages"]] == ["user"]
    assert "sk-test-dummy" not in (run / "summary.json").read_text() + (run / "run.json").read_text()


def test_rerun_resumes_without_resending(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer(correct_script(release)) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, limit=5, progress=False)
        assert s.n == 5 and len(srv.requests) == 5
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)
        assert s.n == 12 and len(srv.requests) == 12
        assert Counter(qid_of(r) for r in srv.requests).most_common(1)[0][1] == 1
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)
        assert len(srv.requests) == 12  # nothing left to do
    assert len(preds(run)) == 12


def test_rate_limits_and_server_errors_are_retried_with_backoff(release, tmp_path, api_env):
    gold = answers_of(release)
    attempts = Counter()
    lock = threading.Lock()

    def script(req, n):
        q = qid_of(req)
        with lock:
            attempts[q] += 1
            k = attempts[q]
        if q == "00000000" and k == 1:
            return Reply(status=429, headers={"Retry-After": "7"})
        if k == 1:
            return Reply(status=429)
        if k == 2 and q in ("00000001", "00000002"):
            return Reply(status=500)
        if k == 2 and q == "00000003":
            return Reply(raw_body=b'{"id": "broken", "choices": [')  # malformed JSON
        return Reply(text=f"<answer>{gold[q]}</answer>")

    sleeps = Sleeps()
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False, sleep=sleeps, retry_wait=0.5)
    assert s.accuracy.accuracy == 1.0 and s.errors == 0
    assert 7.0 in sleeps.delays  # Retry-After honoured
    # second attempts of the 500/malformed questions back off 0.5 -> 1.0, stretched by up to 25% jitter
    assert sum(1.0 <= d <= 1.25 for d in sleeps.delays) == 3
    assert all(0.5 <= d <= 0.625 for d in sleeps.delays if d not in (7.0,) and d < 1.0)
    assert sum(attempts.values()) == 12 * 2 + 3


def test_error_after_retries_is_recorded_not_scored_and_retried_on_resume(release, tmp_path, api_env):
    gold = answers_of(release)
    broken = {"on": True}

    def script(req, n):
        q = qid_of(req)
        if q == "00000005" and broken["on"]:
            return Reply(status=500)
        return Reply(text=f"<answer>{gold[q]}</answer>")

    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False, max_retries=2, sleep=Sleeps())
        assert s.errors == 1 and s.n == 11 and s.accuracy.accuracy == 1.0  # not counted wrong
        assert s.settings["n_pending"] == 1
        err = [r for r in preds(run) if r["error"]]
        assert len(err) == 1 and err[0]["id"] == "00000005" and "InternalServerError" in err[0]["error"]
        assert err[0]["prediction"] is None and err[0]["correct"] is False
        before = len(srv.requests)
        assert before == 11 + 3
        broken["on"] = False
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False, sleep=Sleeps())
        assert [qid_of(r) for r in srv.requests[before:]] == ["00000005"]
    assert s.errors == 0 and s.n == 12 and s.accuracy.accuracy == 1.0
    assert len(preds(run)) == 13  # the error line is kept; the later line supersedes it


def test_slow_response_times_out_and_is_an_error(release, tmp_path, api_env):
    def script(req, n):
        return Reply(text="<answer>0</answer>", delay=3.0 if qid_of(req) == "00000004" else 0)

    with OpenAIServer(script) as srv:
        t = time.perf_counter()
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False, max_retries=0,
                     model_args=["timeout=0.5"])
        assert time.perf_counter() - t < 3.0
    assert s.errors == 1 and s.n == 11
    assert "Timeout" in [r for r in preds(tmp_path / "run") if r["error"]][0]["error"]


def test_unparseable_answer_is_wrong_with_parse_failure(release, tmp_path, api_env):
    with OpenAIServer(lambda req, n: Reply(text="I cannot decide between them.")) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False)
    assert s.accuracy.accuracy == 0.0 and s.parse_failures == 12 and s.n == 12
    assert all(r["parse_failure"] and r["prediction"] is None for r in preds(tmp_path / "run"))


def test_max_cost_stops_before_the_budget_and_resumes(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer(correct_script(release)) as srv:
        est = run_eval(MODEL, release, run, api_base=srv.url, dry_run=True)
        # the worst case of a question (its prompt plus all max_tokens) is reserved before sending
        per_question = (est.input_cost_usd + est.max_output_cost_usd) / est.to_run
        budget = per_question * 1.5
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False, concurrency=1, max_cost=budget)
        assert 0 < s.n < 12 and len(srv.requests) == s.n
        assert s.cost_usd <= budget < s.cost_usd + per_question * 1.01  # stopped only when it had to
        assert s.settings["n_pending"] == 12 - s.n and "max-cost" in s.settings["stopped"]
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False, max_cost=1.0)
        assert s.n == 12 and len(srv.requests) == 12


def test_dry_run_sends_and_writes_nothing(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer() as srv:
        est = run_eval(MODEL, release, run, api_base=srv.url, dry_run=True)
        assert srv.requests == []
    assert not run.exists()
    assert isinstance(est, Estimate) and est.to_run == 12 and est.prompt_tokens > 12 * 500
    assert est.input_cost_usd == pytest.approx(est.prompt_tokens * 0.15e-6)
    assert est.max_output_cost_usd == pytest.approx(12 * 2048 * 0.6e-6)


def test_cache_is_keyed_by_model_and_reused_for_the_same_model(release, tmp_path, api_env):
    shared = tmp_path / "shared-cache.sqlite"
    with OpenAIServer(correct_script(release)) as srv:
        run_eval(MODEL, release, tmp_path / "a", api_base=srv.url, cache=shared, progress=False)
        assert len(srv.requests) == 12
        run_eval("openai/other-model", release, tmp_path / "b", api_base=srv.url, cache=shared, progress=False)
        assert len(srv.requests) == 24  # another model never gets the first model's answers
        s = run_eval(MODEL, release, tmp_path / "c", api_base=srv.url, cache=shared, progress=False)
        assert len(srv.requests) == 24  # same model, same prompts: served from the cache
    assert s.accuracy.accuracy == 1.0 and all(r["cached"] and r["cost_usd"] == 0 for r in preds(tmp_path / "c"))
    with OpenAIServer(correct_script(release)) as srv:  # a new template changes prompts: cache misses
        tpl = tmp_path / "t.jinja"
        tpl.write_text("Which candidate? {{ context }} {% for c in candidates %}[{{ c.index }}] {{ c.text }} {% endfor %}")
        run_eval(MODEL, release, tmp_path / "d", api_base=srv.url, cache=shared, template=str(tpl), progress=False)
        assert len(srv.requests) == 12


def test_logprob_scoring_through_the_server(release, tmp_path, api_env):
    gold = answers_of(release)

    def script(req, n):
        g = gold[qid_of(req)]
        return Reply(text=str(g), logprobs={str(i): (-0.1 if i == g else -3.0 - i) for i in range(4)})

    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, scoring="logprob", progress=False)
    assert s.accuracy.accuracy == 1.0 and s.n == 12
    req = srv.requests[0]
    assert req["max_tokens"] == 1 and req["logprobs"] is True and req["top_logprobs"] == 20
    assert prompt_of(req).endswith("\n<answer>")
    assert preds(tmp_path / "run")[0]["response"].startswith("logprobs ")


def test_truncates_to_the_window_and_records_cut_tokens(tmp_path, api_env):
    qs = [make_question(i, context_words=5000, cand_words=2000) for i in range(3)]
    rel = write_release(tmp_path / "long", qs)
    with OpenAIServer(lambda req, n: Reply(text="<answer>1</answer>")) as srv:
        s = run_eval(MODEL, rel, tmp_path / "run", api_base=srv.url, progress=False, max_tokens=500,
                     model_args=["context_window=4000"])
    assert s.n == 3
    for req, row in zip(sorted(srv.requests, key=qid_of), sorted(preds(tmp_path / "run"), key=lambda r: r["id"])):
        prompt = prompt_of(req)
        assert count_tokens(prompt) <= 4000 - 500
        assert prompt.startswith("You are given a scientific paper") and "for example <answer>0</answer>" in prompt
        assert all(f"Candidate [{i}]:" in prompt for i in range(4)) and "**[MASKED_CITATION]**" in prompt
        assert row["truncated_tokens"] > 10000


def test_requests_run_concurrently(release, tmp_path, api_env):
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def script(req, n):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.2)
        with lock:
            active["now"] -= 1
        return Reply()

    with OpenAIServer(script) as srv:
        run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, concurrency=4, progress=False)
    assert active["max"] >= 3


def test_run_folder_belongs_to_one_model_and_settings(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer() as srv:
        run_eval(MODEL, release, run, api_base=srv.url, limit=2, progress=False)
        before = (run / "predictions.jsonl").read_bytes()
        with pytest.raises(ConfigError, match="model"):
            run_eval("openai/other", release, run, api_base=srv.url, progress=False)
        with pytest.raises(ConfigError, match="max_tokens"):
            run_eval(MODEL, release, run, api_base=srv.url, max_tokens=10, progress=False)
        assert (run / "predictions.jsonl").read_bytes() == before


def test_rejected_key_stops_the_run_keeping_answers(release, tmp_path, api_env):
    def script(req, n):
        return Reply(status=401) if n > 3 else Reply(text="<answer>0</answer>")

    with OpenAIServer(script) as srv:
        with pytest.raises(ConfigError, match="API key"):
            run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, concurrency=1, progress=False)
    assert len(preds(tmp_path / "run")) == 3
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["n"] == 3


def test_hosted_vllm_needs_no_openai_key(release, tmp_path, api_env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    gold = answers_of(release)
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        s = run_eval("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", release, tmp_path / "run", api_base=srv.url,
                     model_args=["context_window=32768", "top_p=0.9"], progress=False)
        assert srv.requests[0]["model"] == "Qwen/Qwen2.5-7B-Instruct" and srv.requests[0]["top_p"] == 0.9
    assert s.accuracy.accuracy == 1.0 and s.settings["context_window"] == 32768
    with pytest.raises(ConfigError, match="api-base"):
        run_eval("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", release, tmp_path / "run2", progress=False)


def test_a_server_that_goes_down_stops_the_run_instead_of_backing_off_forever(tmp_path, api_env):
    from scalar.errors import NetworkError

    release = write_release(tmp_path / "rel", [make_question(i) for i in range(40)])
    with OpenAIServer(lambda req, n: Reply(status=503) if n > 4 else Reply(text="<answer>0</answer>")) as srv:
        with pytest.raises(NetworkError, match="in a row"):
            run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, concurrency=2, max_retries=1,
                     sleep=Sleeps(), progress=False)
        assert len(srv.requests) < 4 + 2 * 6
    rows = preds(tmp_path / "run")
    assert sum(r["error"] is None for r in rows) == 4 and 3 <= sum(r["error"] is not None for r in rows) <= 4
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["errors"] >= 3


def test_a_torn_last_line_is_dropped_and_its_question_asked_again(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer(correct_script(release)) as srv:
        run_eval(MODEL, release, run, api_base=srv.url, limit=4, progress=False)
        path = run / "predictions.jsonl"
        lines = path.read_bytes().splitlines(keepends=True)
        torn_id = json.loads(lines[-1])["id"]
        path.write_bytes(b"".join(lines[:-1]) + lines[-1][:25])  # killed in the middle of a write
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)
        # the torn answer is answered again -- from the response cache, so the server sees only the
        # 8 questions never asked; the three complete answers are kept
        assert len(srv.requests) == 12
    rows = preds(run)
    assert [r["cached"] for r in rows if r["id"] == torn_id] == [True]
    assert sorted(r["id"] for r in rows) == sorted(answers_of(release)) and s.n == 12


def test_budget_needs_a_price_and_unknown_models_warn(release, tmp_path, api_env, capsys):
    with OpenAIServer() as srv:
        with pytest.raises(ConfigError, match="no price known"):
            run_eval("openai/in-house-model", release, tmp_path / "a", api_base=srv.url, max_cost=1.0, progress=False)
        assert srv.requests == [] and not (tmp_path / "a").exists()
        s = run_eval("openai/in-house-model", release, tmp_path / "b", api_base=srv.url,
                     max_cost=1.0, model_args=["input_cost_per_mtok=1", "output_cost_per_mtok=2", "context_window=64000"],
                     progress=False)
    assert s.n == 12 and s.cost_usd > 0 and s.settings["context_window"] == 64000
    assert s.settings["api_base"] == srv.url
    with OpenAIServer() as srv:
        capsys.readouterr()
        run_eval("openai/in-house-model", release, tmp_path / "c", api_base=srv.url, limit=1, progress=False)
        err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not in litellm's model map" in err


def test_no_cache_sends_every_prompt_again(release, tmp_path, api_env):
    with OpenAIServer() as srv:
        run_eval(MODEL, release, tmp_path / "a", api_base=srv.url, cache=tmp_path / "c.sqlite", progress=False)
        run_eval(MODEL, release, tmp_path / "b", api_base=srv.url, cache=tmp_path / "c.sqlite", use_cache=False,
                 progress=False)
        assert len(srv.requests) == 24


def test_dry_run_reports_truncation(tmp_path, api_env):
    rel = write_release(tmp_path / "long", [make_question(i, context_words=5000, cand_words=2000) for i in range(3)])
    est = run_eval(MODEL, rel, tmp_path / "run", model_args=["context_window=4000"], max_tokens=500, dry_run=True)
    assert est.truncated_questions == 3 and est.truncated_tokens > 30000
    assert est.max_prompt_tokens <= 4000 - 500 and est.context_window == 4000


def test_server_url_credentials_are_not_recorded():
    from scalar._util.redact import redact_url

    assert redact_url("https://user:secret@gpu-node:8000/v1?token=abc") == "https://gpu-node:8000/v1"


def test_dry_run_needs_no_api_key(release, tmp_path, api_env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    est = run_eval(MODEL, release, tmp_path / "run", dry_run=True)
    assert est.to_run == 12 and est.input_cost_usd > 0 and not (tmp_path / "run").exists()
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        run_eval(MODEL, release, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()
