"""Issue 12 on the eval side: nothing lost, nothing leaked, nothing spent twice. Each case runs
litellm against the real loopback server (openai_server.py) and checks the run folder's files."""

import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from eval_fixtures import make_question, write_release
from openai_server import OpenAIServer, Reply, qid_of
from scalar._util.io import read_jsonl
from scalar.errors import InputError
from scalar.evaluate.runner import run_eval
from scalar.run_folder import RunFolder
from test_cli_eval import _wait_for, eval_args, gold_of, run_scalar, scalar_cmd

MODEL = "openai/gpt-4o-mini"  # priced in litellm's bundled map


class Sleeps:
    def __init__(self):
        self.delays = []

    async def __call__(self, s):
        self.delays.append(s)


def folder_text(run: Path) -> str:
    """Every byte the run folder holds (the SQLite cache too), as text."""
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(run.rglob("*")) if p.is_file())


# --------------------------------------------------------------------------- secrets (item 5)

SECRETS = {
    "header": "hdr-secret-7f3a9c2e",
    "aws": "AWSsecretValue0123456789",
    "azure": "azure-ad-token-5566778899",
    "vertex": "vertex-private-key-abcdefgh",
    "password": "hunter2hunter2",
}


def test_no_secret_reaches_any_file_or_stderr(release, tmp_path, api_env, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-RealLookingKey0123456789")
    monkeypatch.setenv("MY_PROXY_TOKEN", "proxy-token-00112233")  # any credential-named variable
    gold = gold_of(release)

    def script(req, n):  # every other question: a 400 whose body quotes the request's headers
        if int(qid_of(req), 16) % 2:
            return Reply(status=400, echo_headers=True)
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer> (I was told proxy-token-00112233)")

    args = {"extra_headers": {"X-Api-Key": SECRETS["header"], "X-Proxy-Token": "proxy-token-00112233"},
            "aws_secret_access_key": SECRETS["aws"], "azure_ad_token": SECRETS["azure"],
            "vertex_credentials": {"private_key": SECRETS["vertex"]}, "password": SECRETS["password"]}
    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, model_args=args, progress=False, max_retries=0,
                     concurrency=1)
    # the key really went out, and the server really echoed it back
    assert srv.headers[0]["authorization"] == "Bearer sk-proj-RealLookingKey0123456789"
    assert srv.headers[0]["x-api-key"] == SECRETS["header"]
    assert s.errors == 6 and s.n == 6  # n counts answered questions
    rows = list(read_jsonl(run / "predictions.jsonl"))
    assert sum("request headers" in (r["error"] or "") for r in rows) == 6
    assert any("[REDACTED]" in (r["error"] or "") for r in rows)
    written = folder_text(run) + capsys.readouterr().err + s.model_dump_json()
    for secret in [*SECRETS.values(), "sk-proj-RealLookingKey0123456789", "proxy-token-00112233"]:
        assert secret not in written, secret
    spec = json.loads((run / "run.json").read_text())
    assert spec["model_args"]["aws_secret_access_key"] == "[REDACTED]"
    assert spec["model_args"]["extra_headers"] == {"X-Api-Key": "[REDACTED]", "X-Proxy-Token": "[REDACTED]"}
    # the redacted run.json still binds the folder: the same command resumes (errors retried)
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, model_args=args, progress=False)
    assert s.errors == 0 and len(srv.requests) == 6


def test_cli_error_lines_mask_secrets(release, tmp_path):
    # a model arg that fails to parse echoes nothing, and an unreachable server's line has no key
    r = run_scalar(*eval_args(release, tmp_path / "run", "http://user:pw-secret-123@127.0.0.1:9/v1"),
                   env_extra={"OPENAI_API_KEY": "sk-live-abcdefghijklmnop"})
    assert r.returncode == 2 and "pw-secret-123" not in r.stderr and "sk-live" not in r.stderr, r.stderr


# --------------------------------------------------------------------------- lock (item 6)


def test_a_held_run_folder_refuses_a_second_eval_and_sends_nothing(release, tmp_path, api_env):
    run = tmp_path / "run"
    with OpenAIServer() as srv:
        with RunFolder(run).lock():
            with pytest.raises(InputError, match=r"in use by another scalar eval \(pid \d+\)"):
                run_eval(MODEL, release, run, api_base=srv.url, progress=False)
        assert srv.requests == [] and not (run / "run.json").exists()
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)  # released: runs
    assert s.n == 12 and len(srv.requests) == 12


def test_two_processes_on_one_out_then_sigkill_leaves_no_stale_lock(release, tmp_path):
    gold = gold_of(release)
    stall = threading.Event()

    def script(req, n):
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>", stall=stall if n == 3 else None)

    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        cmd, env = scalar_cmd(*eval_args(release, run, srv.url, "--concurrency", "1"))
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: len(srv.requests) == 3)
            second = run_scalar(*eval_args(release, run, srv.url))
            assert second.returncode == 2, second.stderr
            assert len(second.stderr.strip().splitlines()) == 1
            assert f"in use by another scalar eval (pid {first.pid})" in second.stderr
            assert len(srv.requests) == 3  # the second process sent nothing
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            stall.set()
        assert (run / "run.lock").exists()  # the file stays; the kernel dropped the lock with the process
        third = run_scalar(*eval_args(release, run, srv.url))
        assert third.returncode == 0, third.stderr
    sent = Counter(qid_of(r) for r in srv.requests)
    assert set(sent) == set(gold) and max(sent.values()) <= 2  # only the one in flight at the kill twice
    rows = list(read_jsonl(run / "predictions.jsonl"))
    assert sorted(r["id"] for r in rows) == sorted(gold)


# --------------------------------------------------------------------------- budget (item 2)


def test_max_cost_is_a_budget_per_run_folder_not_per_invocation(release, tmp_path, api_env):
    run = tmp_path / "run"
    budget = 0.004  # a handful of gpt-4o-mini questions at 2048 reserved output tokens each
    with OpenAIServer(lambda req, n: Reply(text="<answer>0</answer>")) as srv:
        spent = []
        for _ in range(3):
            run_eval(MODEL, release, run, api_base=srv.url, max_cost=budget, concurrency=1, progress=False)
            spent.append(RunFolder(run).spent_usd())
        sent = len(srv.requests)
    assert 0 < spent[0] <= budget
    assert spent[2] <= budget  # three runs of the same command together stay under one budget
    assert sent < 12  # the budget stopped it: nothing more was bought on the re-runs
    rows = list(read_jsonl(run / "predictions.jsonl"))
    assert len(rows) == sent and sum(r["cost_usd"] for r in rows) <= budget
    # raising the budget continues where it stopped
    with OpenAIServer(lambda req, n: Reply(text="<answer>0</answer>")) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, max_cost=1.0, progress=False)
    assert s.n == 12 and len(srv.requests) == 12 - sent
