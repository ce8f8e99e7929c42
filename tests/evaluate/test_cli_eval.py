"""`scalar eval` as a user runs it: a subprocess, litellm, and a real server on 127.0.0.1."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from eval_fixtures import make_question, write_release
from openai_server import OpenAIServer, Reply, qid_of
from signals import sigint_default

from scalar._util.io import read_jsonl


def scalar_cmd(*args, env_extra=None, drop=(), **kw):
    env = dict(os.environ, OPENAI_API_KEY="sk-test-dummy", LITELLM_LOCAL_MODEL_COST_MAP="True",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env.update(env_extra or {})
    for k in drop:
        env.pop(k, None)
    return [sys.executable, "-m", "scalar", *args], env


def run_scalar(*args, **kw):
    cmd, env = scalar_cmd(*args, **kw)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def gold_of(release):
    return {r["id"]: r["answer"] for r in read_jsonl(release / "questions.jsonl")}


def eval_args(release, run, url, *extra):
    return ("eval", "--model", "openai/test-model", "--api-base", url, "--data", str(release), "--out", str(run),
            "--model-arg", "context_window=128000", *extra)


def test_cli_run_prints_table_and_writes_run_folder(release, tmp_path):
    gold = gold_of(release)
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>")) as srv:
        r = run_scalar(*eval_args(release, tmp_path / "run", srv.url))
    assert r.returncode == 0, r.stderr
    assert "overall" in r.stdout and "1.000" in r.stdout and "difficulty=easy" in r.stdout
    assert r.stderr == "" and len(srv.requests) == 12
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["n"] == 12 and summary["accuracy"]["accuracy"] == 1.0
    dry = run_scalar(*eval_args(release, tmp_path / "other", srv.url, "--dry-run"))
    assert dry.returncode == 0 and "nothing was sent" in dry.stdout and not (tmp_path / "other").exists()


def _wait_for(cond, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_sigkill_mid_run_then_resume_loses_nothing_and_resends_nothing(release, tmp_path):
    gold = gold_of(release)
    stall = threading.Event()

    def script(req, n):  # the fifth request hangs until the client has been killed
        return Reply(text=f"<answer>{gold[qid_of(req)]}</answer>", stall=stall if n == 5 else None)

    run = tmp_path / "run"
    with OpenAIServer(script) as srv:
        cmd, env = scalar_cmd(*eval_args(release, run, srv.url, "--concurrency", "1"))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: len(srv.requests) == 5)
            time.sleep(0.3)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            stall.set()
        answered = [r["id"] for r in read_jsonl(run / "predictions.jsonl")]
        assert len(answered) == 4  # every answer received before the kill is on disk
        first_run = len(srv.requests)
        r = run_scalar(*eval_args(release, run, srv.url, "--concurrency", "1"))
        assert r.returncode == 0, r.stderr
        second = [qid_of(q) for q in srv.requests[first_run:]]
    assert not set(second) & set(answered)  # no answered question is sent again
    assert len(second) == 12 - 4 and len(set(second)) == 8  # the one in flight at the kill is resent once
    rows = list(read_jsonl(run / "predictions.jsonl"))
    assert sorted(r["id"] for r in rows) == sorted(gold)  # none lost, none duplicated
    assert all(r["prediction"] == gold[r["id"]] for r in rows)
    assert json.loads((run / "summary.json").read_text())["accuracy"]["accuracy"] == 1.0


def test_sigkill_at_a_random_moment_with_concurrency(tmp_path):
    qs = [make_question(i) for i in range(40)]
    release = write_release(tmp_path / "rel", qs)
    gold = gold_of(release)
    with OpenAIServer(lambda req, n: Reply(text=f"<answer>{gold[qid_of(req)]}</answer>", delay=0.05)) as srv:
        run = tmp_path / "run"
        cmd, env = scalar_cmd(*eval_args(release, run, srv.url, "--concurrency", "4"))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert _wait_for(lambda: (run / "predictions.jsonl").is_file()
                         and len((run / "predictions.jsonl").read_bytes().splitlines()) >= 10)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        answered = {r["id"] for r in read_jsonl(run / "predictions.jsonl")}
        first_run = len(srv.requests)
        r = run_scalar(*eval_args(release, run, srv.url, "--concurrency", "4"))
        assert r.returncode == 0, r.stderr
        second = [qid_of(q) for q in srv.requests[first_run:]]
    assert not set(second) & answered
    assert len(srv.requests) <= 40 + 4  # at most the requests in flight at the kill are repeated
    rows = list(read_jsonl(run / "predictions.jsonl"))
    assert Counter(r["id"] for r in rows) == Counter(list(gold))


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def finished_run(release, tmp_path, api_env):
    from scalar.evaluate.runner import run_eval

    with OpenAIServer(lambda req, n: Reply(text="<answer>1</answer>")) as srv:
        run = tmp_path / "run"
        run_eval("openai/gpt-4o-mini", release, run, api_base=srv.url, limit=3, progress=False)
    assert len((run / "predictions.jsonl").read_bytes().splitlines()) == 3
    return run


def _corrupt(release, tmp_path, name, edit):
    bad = tmp_path / name
    bad.mkdir()
    for f in ("manifest.json", "questions.jsonl"):
        (bad / f).write_bytes((release / f).read_bytes())
    edit(bad)
    return bad


def _edited_questions(bad):
    p = bad / "questions.jsonl"
    p.write_text(p.read_text().replace('"answer":1', '"answer":2', 1))


def _invalid_question(bad):
    import hashlib
    p = bad / "questions.jsonl"
    p.write_text(p.read_text().replace('"answer":1', '"answer":9', 1))
    m = json.loads((bad / "manifest.json").read_text())
    m["questions_sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
    (bad / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("case", ["unknown-provider", "unknown-baseline", "missing-key", "unreachable", "limit-0",
                                  "edited-release", "invalid-question", "no-release", "bad-scoring", "bad-after",
                                  "bad-model-arg", "api-key-arg"])
def test_bad_input_is_one_line_exit_2_and_keeps_predictions(case, release, tmp_path, finished_run):
    before = (finished_run / "predictions.jsonl").read_bytes()
    data, model, extra, drop = str(release), "openai/gpt-4o-mini", [], ()
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    expect = {"unknown-provider": "unknown model or provider", "unknown-baseline": "unknown baseline",
              "missing-key": "OPENAI_API_KEY", "unreachable": "cannot reach --api-base", "limit-0": "--limit",
              "edited-release": "SHA-256", "invalid-question": "not a valid question", "no-release": "release folder not found",
              "bad-scoring": "--scoring", "bad-after": "--after", "bad-model-arg": "key=value", "api-key-arg": "environment"}[case]
    if case == "unknown-provider":
        model = "nosuch/model-x"
    elif case == "unknown-baseline":
        model = "baseline/oracle"
    elif case == "missing-key":
        drop = ("OPENAI_API_KEY",)
    elif case == "unreachable":
        extra = ["--api-base", url]
    elif case == "limit-0":
        extra = ["--limit", "0"]
    elif case == "edited-release":
        data = str(_corrupt(release, tmp_path, "edited", _edited_questions))
    elif case == "invalid-question":
        data = str(_corrupt(release, tmp_path, "invalid", _invalid_question))
    elif case == "no-release":
        data = str(tmp_path / "nowhere")
    elif case == "bad-scoring":
        extra = ["--scoring", "vibes"]
    elif case == "bad-after":
        extra = ["--after", "last-tuesday"]
    elif case == "bad-model-arg":
        extra = ["--model-arg", "top_p"]
    elif case == "api-key-arg":
        extra = ["--model-arg", "api_key=sk-123"]
    r = run_scalar("eval", "--model", model, "--data", data, "--out", str(finished_run), *extra, drop=drop)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert expect in r.stderr
    assert (finished_run / "predictions.jsonl").read_bytes() == before
    assert "sk-123" not in "".join(p.read_text(errors="replace") for p in finished_run.iterdir() if p.suffix != ".sqlite")


def test_ctrl_c_saves_answers_and_summary(release, tmp_path):
    run = tmp_path / "run"
    with OpenAIServer(lambda req, n: Reply(text="<answer>0</answer>", delay=0.3)) as srv:
        cmd, env = scalar_cmd(*eval_args(release, run, srv.url, "--concurrency", "2"))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                preexec_fn=sigint_default)
        assert _wait_for(lambda: (run / "predictions.jsonl").is_file()
                         and len((run / "predictions.jsonl").read_bytes().splitlines()) >= 2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "re-run the same command" in err and "Traceback" not in err
    n = len((run / "predictions.jsonl").read_bytes().splitlines())
    assert 2 <= n < 12 and json.loads((run / "summary.json").read_text())["n"] == n


@pytest.mark.parametrize("window, message", [(1500, "leaves no room for the prompt"),
                                             (600, "at least")])
def test_a_window_too_small_for_the_prompt_is_one_line_and_nothing_is_sent(release, tmp_path, window, message):
    with OpenAIServer() as srv:
        r = run_scalar("eval", "--model", "openai/test-model", "--api-base", srv.url, "--data", str(release),
                       "--out", str(tmp_path / "run"), "--model-arg", f"context_window={window}",
                       "--max-tokens", "1500" if window == 1500 else "100")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and srv.requests == []
    assert not (tmp_path / "run").exists()  # found before the run starts: no folder bound (no run.json, no lock)
