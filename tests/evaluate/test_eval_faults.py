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
from test_cli_eval import _wait_for, eval_args, gold_of, run_scalar, scalar_cmd

from scalar._util.io import read_jsonl
from scalar.errors import InputError
from scalar.evaluate.runner import run_eval
from scalar.run_folder import RunFolder

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


# --------------------------------------------------------------------------- total timeout (item 3)


def test_a_server_trickling_bytes_cannot_hang_a_call_past_its_timeout(release, tmp_path, api_env):
    gold = gold_of(release)

    first = []

    def script(req, n):  # one question's answer arrives one byte every 0.5 s: ~2 minutes in all
        first.append(time.perf_counter())
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>", trickle=0.5 if qid_of(req) == "00000003" else 0)

    sleeps = Sleeps()
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False, max_retries=1,
                     model_args=["timeout=3"], sleep=sleeps)
        took = time.perf_counter() - first[0]  # from the first request (litellm's import is not the call)
    assert took < 10  # two attempts of at most 3 s each, not two trickles of two minutes
    assert s.errors == 1 and s.n == 11
    err = [r for r in read_jsonl(tmp_path / "run" / "predictions.jsonl") if r["error"]]
    assert err[0]["id"] == "00000003" and "no complete answer within 3 s" in err[0]["error"]
    assert len(sleeps.delays) == 1  # a timeout is retried (once here), then recorded


# --------------------------------------------------------------------------- Retry-After cap (item 4)


def test_a_day_long_retry_after_is_not_slept_but_said_and_recorded(release, tmp_path, api_env, capsys):
    gold = gold_of(release)

    def script(req, n):
        if qid_of(req) == "00000005":
            return Reply(status=429, headers={"Retry-After": "86400"})
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")

    sleeps = Sleeps()
    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False, sleep=sleeps)
        assert sum(qid_of(r) == "00000005" for r in srv.requests) == 1  # not retried in this run
    assert sleeps.delays == [] and s.errors == 1 and s.n == 11
    err = [r for r in read_jsonl(run / "predictions.jsonl") if r["error"]][0]
    assert "86400 s (Retry-After)" in err["error"] and "SCALAR_MAX_RETRY_AFTER" in err["error"]
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "Retry-After" in ln]
    assert len(lines) == 1 and "86400" in lines[0] and "120 s" in lines[0]
    # re-running the same command asks it again
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)
        assert [qid_of(r) for r in srv.requests] == ["00000005"]
    assert s.errors == 0 and s.n == 12


def test_the_retry_after_cap_is_one_setting_for_build_and_eval(release, tmp_path, api_env, monkeypatch):
    from scalar.sources import http

    monkeypatch.setenv("SCALAR_MAX_RETRY_AFTER", "10")
    gold = gold_of(release)
    seen = Counter()

    def script(req, n):
        seen[qid_of(req)] += 1
        if seen[qid_of(req)] == 1 and qid_of(req) in ("00000001", "00000002"):
            return Reply(status=429, headers={"Retry-After": "7" if qid_of(req) == "00000001" else "11"})
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")

    sleeps = Sleeps()
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False, sleep=sleeps)
    assert sleeps.delays == [7.0] and s.errors == 1  # 7 s slept; 11 s is past the cap of 10
    assert http.max_retry_after() == 10.0  # the build's HTTP layer reads the same setting


# --------------------------------------------------------------------------- empty completions (item 8)


@pytest.mark.parametrize("message, reason", [({"role": "assistant", "content": None}, "content_filter"),
                                             ({"role": "assistant", "content": "",
                                               "reasoning_content": "Let me think... " * 50}, "length"),
                                             ({"role": "assistant", "content": "  \n"}, "stop")])
def test_an_empty_completion_is_an_error_with_its_finish_reason_and_resume_retries_it(
        release, tmp_path, api_env, message, reason):
    gold = gold_of(release)
    empty = {"00000002", "00000007"}

    def script(req, n):
        if qid_of(req) in empty:
            return Reply(message=message, finish_reason=reason)
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")

    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False, sleep=Sleeps())
        assert len(srv.requests) == 12  # not retried at once: the same prompt gets the same answer
    assert s.errors == 2 and s.n == 10 and s.accuracy.accuracy == 1.0  # not scored wrong
    errors = {r["id"]: r["error"] for r in read_jsonl(run / "predictions.jsonl") if r["error"]}
    assert set(errors) == empty and all(f"finish_reason={reason}" in e for e in errors.values())
    if reason == "length":
        assert all("--max-tokens" in e for e in errors.values())
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        s = run_eval(MODEL, release, run, api_base=srv.url, progress=False)
        assert sorted(qid_of(r) for r in srv.requests) == sorted(empty)
    assert s.errors == 0 and s.n == 12


# --------------------------------------------------------------------------- malformed usage (item 11)


@pytest.mark.parametrize("usage", ["abc", [1, 2], {"prompt_tokens": "x"}])
def test_a_malformed_usage_is_a_clean_error_without_warnings_or_traceback(release, tmp_path, usage):
    gold = gold_of(release)

    def script(req, n):
        if qid_of(req) == "00000004":
            return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>", usage=usage)
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")

    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        r = run_scalar(*eval_args(release, run, srv.url, "--max-retries", "0"))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    err = [x for x in read_jsonl(run / "predictions.jsonl") if x["error"]]
    assert len(err) == 1 and "Traceback" not in err[0]["error"] and "File \"" not in err[0]["error"]
    assert "Invalid response object" in err[0]["error"]


# --------------------------------------------------------------------------- exit codes (items 10, 11)


def _one_line_exit_2(r, expect: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert expect in r.stderr, r.stderr


def _cache_file(tmp_path: Path, kind: str) -> Path:
    import sqlite3

    path = tmp_path / f"{kind}.sqlite"
    if kind == "garbage":
        path.write_bytes(b"this is not a database\n" * 100)
    elif kind == "foreign":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE responses (id INTEGER PRIMARY KEY, body BLOB)")
        db.commit()
        db.close()
    else:  # truncated: a real cache cut in half
        from scalar.models.cache import CachedResponse, ResponseCache

        cache = ResponseCache(path)
        for i in range(300):
            cache.put(f"k{i}", "m", CachedResponse("answer " * 50, 1, 1, 0.0))
        cache.close()
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("case, extra, expect", [
    ("window-not-a-number", ["--model-arg", "context_window=abc"], "context_window must be a whole number"),
    ("price-not-a-number", ["--model-arg", "input_cost_per_mtok=cheap"], "input_cost_per_mtok must be a number"),
    ("timeout-not-a-number", ["--model-arg", "timeout=soon"], "timeout must be a number"),
    ("garbage-cache", ["--cache", "garbage"], "--no-cache"),
    ("truncated-cache", ["--cache", "truncated"], "--no-cache"),
    ("foreign-cache", ["--cache", "foreign"], "not a usable SCALAR response cache"),
    ("out-is-a-file", ["--out", "file"], "is a file, not a run folder"),
    ("negative-retries", ["--max-retries", "-1"], "--max-retries"),
    ("negative-wait", ["--retry-wait", "-0.5"], "--retry-wait"),
    ("cloze-template-on-mcq", ["--template", "cloze"], "--template cloze is for cloze questions"),
])
def test_bad_settings_are_one_line_exit_2_and_nothing_is_sent_or_bound(case, extra, expect, release, tmp_path):
    run = tmp_path / "run"
    extra = list(extra)
    if "--cache" in extra:
        extra[1] = str(_cache_file(tmp_path, extra[1]))
    if extra[:2] == ["--out", "file"]:
        run = tmp_path / "a-file"
        run.write_text("my notes\n")
        extra = []
    with OpenAIServer() as srv:
        r = run_scalar(*eval_args(release, run, srv.url), *extra)
    _one_line_exit_2(r, expect)
    assert srv.requests == []
    if run.is_file():
        assert run.read_text() == "my notes\n"
    else:
        assert not (run / "run.json").exists()


@pytest.mark.parametrize("extra, expect", [(["--scoring", "logprob"], "--scoring direct"),
                                           (["--max-cost", "1"], "--max-cost does not apply"),
                                           (["--template", "mcq"], "--template does not apply")])
def test_options_a_baseline_cannot_use_are_refused_not_ignored(extra, expect, release, tmp_path):
    r = run_scalar("eval", "--model", "baseline/random", "--data", str(release), "--out", str(tmp_path / "run"), *extra)
    _one_line_exit_2(r, expect)
    assert not (tmp_path / "run").exists()


def test_a_folder_name_that_is_not_utf8_is_refused_before_any_question(release, tmp_path):
    run = Path(os.fsdecode(str(tmp_path).encode() + b"/run-\xff"))
    with OpenAIServer() as srv:
        r = run_scalar(*eval_args(release, run, srv.url))
    _one_line_exit_2(r, "not valid UTF-8")
    assert srv.requests == [] and not run.exists()


def test_build_into_the_current_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    cmd, env = scalar_cmd("build", "--venue", "sample", "--offline", "--out", ".")
    r = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    _one_line_exit_2(r, "current folder")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def _rewrite_questions(release: Path, transform) -> None:
    import hashlib

    p = release / "questions.jsonl"
    p.write_bytes(transform(p.read_bytes()))
    m = json.loads((release / "manifest.json").read_text())
    m["questions_sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
    (release / "manifest.json").write_text(json.dumps(m))


def test_a_cloze_question_without_candidates_is_refused_by_the_schema(tmp_path):
    release = write_release(tmp_path / "rel", [make_question(i, task="cloze") for i in range(3)])

    def strip_candidates(data: bytes) -> bytes:
        rows = [json.loads(x) for x in data.splitlines()]
        rows[1]["candidates"], rows[1]["answer"] = [], []
        return b"".join(json.dumps(r).encode() + b"\n" for r in rows)

    _rewrite_questions(release, strip_candidates)
    r = run_scalar("eval", "--model", "baseline/random", "--data", str(release), "--out", str(tmp_path / "run"))
    _one_line_exit_2(r, "line 2 is not a valid question")
    assert "candidate" in r.stderr


def test_a_utf8_bom_in_questions_jsonl_is_accepted(release, tmp_path):
    _rewrite_questions(release, lambda data: b"\xef\xbb\xbf" + data)
    r = run_scalar("eval", "--model", "baseline/random", "--data", str(release), "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["n"] == 12


# --------------------------------------------------------------------------- full disk (item 10)


def test_a_full_disk_mid_run_is_one_line_exit_2_and_loses_nothing(release, tmp_path):
    """RLIMIT_FSIZE makes the kernel refuse writes past a size, as a full disk does (EFBIG here,
    ENOSPC there: the same code path)."""
    import resource

    gold = gold_of(release)
    run = tmp_path / "run"
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        r = run_scalar(*eval_args(release, run, srv.url, "--limit", "4", "--no-cache"))
        assert r.returncode == 0, r.stderr
        before = (run / "predictions.jsonl").read_bytes()
        line = len(before) // 4
        limit = len(before) + line + line // 2  # room for one more line and half of the next
        cmd, env = scalar_cmd(*eval_args(release, run, srv.url, "--no-cache", "--concurrency", "1"))
        full = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
        _one_line_exit_2(full, "cannot write")
        assert "predictions.jsonl" in full.stderr and "re-run the same command" in full.stderr
        after = (run / "predictions.jsonl").read_bytes()
        assert after.startswith(before)  # what was recorded is still there
        sent_while_full = len(srv.requests) - 4
        assert sent_while_full == 2  # the run stopped at the failed write instead of paying on
        again = run_scalar(*eval_args(release, run, srv.url, "--no-cache"))
        assert again.returncode == 0, again.stderr
    rows = RunFolder(run).latest_predictions()
    assert sorted(rows) == sorted(gold) and all(p.correct for p in rows.values())
    assert json.loads((run / "summary.json").read_text())["n"] == 12


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_run_folder_is_one_line_exit_2(release, tmp_path):
    run = tmp_path / "run"
    r = run_scalar("eval", "--model", "baseline/random", "--data", str(release), "--out", str(run), "--limit", "3")
    assert r.returncode == 0
    before = (run / "predictions.jsonl").read_bytes()
    run.chmod(0o555)
    (run / "predictions.jsonl").chmod(0o444)
    try:
        r = run_scalar("eval", "--model", "baseline/random", "--data", str(release), "--out", str(run))
    finally:
        run.chmod(0o755)
    _one_line_exit_2(r, "cannot write")
    assert (run / "predictions.jsonl").read_bytes() == before


# --------------------------------------------------------------------------- torn UTF-8 tail (item 1)


def test_a_tail_torn_inside_a_utf8_character_neither_blocks_resume_nor_the_leaderboard(release, tmp_path):
    run = tmp_path / "runs" / "random"
    args = ("eval", "--model", "baseline/random", "--data", str(release), "--out", str(run))
    r = run_scalar(*args, "--limit", "5")
    assert r.returncode == 0, r.stderr
    with open(run / "predictions.jsonl", "ab") as f:  # a disk-full write cut inside "é" (C3 A9)
        f.write(b'{"id": "00000007", "model": "baseline/random", "response": "caf\xc3')
    board = run_scalar("leaderboard", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "snap"))
    assert board.returncode == 0, board.stderr
    r = run_scalar(*args)
    assert r.returncode == 0, r.stderr
    data = (run / "predictions.jsonl").read_bytes()
    assert data.endswith(b"\n") and b"caf\xc3" not in data
    assert sorted(RunFolder(run).latest_predictions()) == sorted(gold_of(release))


def test_a_retry_after_given_as_an_http_date_meets_the_same_cap(release, tmp_path, api_env):
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    tomorrow = format_datetime(datetime.now(timezone.utc) + timedelta(days=1), usegmt=True)
    gold = gold_of(release)

    def script(req, n):
        if qid_of(req) == "00000002":
            return Reply(status=503, headers={"Retry-After": tomorrow})
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")

    sleeps = Sleeps()
    with OpenAIServer(script) as srv:
        s = run_eval(MODEL, release, tmp_path / "run", api_base=srv.url, progress=False, sleep=sleeps)
    assert sleeps.delays == [] and s.errors == 1
    err = [r for r in read_jsonl(tmp_path / "run" / "predictions.jsonl") if r["error"]][0]
    assert "(Retry-After)" in err["error"] and "cap" in err["error"]
