"""`scalar eval --model local/... --ray ADDRESS` on a real local Ray cluster (2 CPUs, started by
this module): the same answers as the in-process run, one writer, resume after the driver is
killed, and clear one-line errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eval_fixtures import make_question, write_release

from scalar._util.io import read_jsonl
from scalar.errors import ConfigError
from scalar.evaluate.runner import run_eval

ray = pytest.importorskip("ray")
pytest.importorskip("scalar.models.local")
pytest.importorskip("sentencepiece")
pytest.importorskip("safetensors")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "local"))
local_fixtures = pytest.importorskip("local_fixtures")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    """A Ray instance of this test process (2 CPUs); its address lets CLI drivers join it."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, configure_logging=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    import sentencepiece as spm

    folder = tmp_path_factory.mktemp("ray-ckpt")
    (folder / "corpus.txt").write_text(local_fixtures.CORPUS, encoding="utf-8")
    spm.SentencePieceTrainer.Train(
        input=str(folder / "corpus.txt"), model_prefix=str(folder / "tok"), vocab_size=local_fixtures.TINY_VOCAB,
        model_type="bpe", byte_fallback=True, split_digits=True, hard_vocab_limit=False, bos_id=1, eos_id=2,
        unk_id=0, pad_id=-1, minloglevel=2, num_threads=1)
    config = local_fixtures.fbi_config()
    return local_fixtures.write_checkpoint(folder / "fbi", config, local_fixtures.fbi_state(config), "safetensors",
                                           folder / "tok.model")


def _scores(row: dict) -> list[list[float]]:
    return json.loads(row["response"][len("logprobs "):])


def test_ray_run_matches_the_in_process_run_and_records_its_workers(tmp_path, cluster, checkpoint):
    qs = [make_question(i, context_words=60, cand_words=20) for i in range(6)] + \
         [make_question(10 + i, task="cloze", context_words=60, cand_words=20) for i in range(2)]
    rel = write_release(tmp_path / "rel", qs)
    args = [f"checkpoint={checkpoint}", "threads=1"]
    plain = run_eval("local/fbi-llm", rel, tmp_path / "plain", model_args=args, progress=False)
    spread = run_eval("local/fbi-llm", rel, tmp_path / "ray", model_args=args, progress=False,
                      ray=cluster, ray_workers=2)
    a = {r["id"]: r for r in read_jsonl(tmp_path / "plain" / "predictions.jsonl")}
    b = list(read_jsonl(tmp_path / "ray" / "predictions.jsonl"))
    assert len(b) == len(qs) == len({r["id"] for r in b})  # every question once
    for row in b:
        assert row["error"] is None and row["prediction"] == a[row["id"]]["prediction"]
        for x, y in zip(_scores(row), _scores(a[row["id"]])):
            assert x == pytest.approx(y, rel=1e-5, abs=1e-5)
        assert row["prompt_tokens"] == a[row["id"]]["prompt_tokens"]
    assert spread.accuracy.accuracy == plain.accuracy.accuracy and spread.n == len(qs)
    assert spread.settings["ray_workers"] == 2 and spread.settings["ray"] == cluster
    assert spread.settings["model_tokens"] == plain.settings["model_tokens"]  # all work done remotely, counted
    # the driver owns the cache, keyed like the in-process model: a rerun elsewhere computes nothing
    again = run_eval("local/fbi-llm", rel, tmp_path / "again", model_args=args, progress=False, ray=cluster,
                     ray_workers=2, cache=tmp_path / "plain" / "cache.sqlite")
    assert again.settings["cache_hits"] == sum(len(q.masks) for q in qs)


def test_killed_ray_driver_resumes_without_duplicates(tmp_path, cluster, checkpoint):
    total = 24
    qs = [make_question(i, context_words=500, cand_words=40) for i in range(total)]
    rel = write_release(tmp_path / "rel", qs)
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "scalar", "eval", "--model", "local/fbi-llm", "--model-arg",
           f"checkpoint={checkpoint}", "--data", str(rel), "--out", str(run), "--ray", cluster, "--ray-workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    preds = run / "predictions.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if preds.exists() and len(preds.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-1500:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = [json.loads(line) for line in preds.read_text().splitlines() if line.strip()]
    assert 3 <= len(before) < total and not (run / "summary.json").exists()

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = list(read_jsonl(preds))
    ids = [r["id"] for r in rows]
    assert sorted(ids) == sorted(q.id for q in qs) and len(ids) == len(set(ids))  # each question exactly once
    assert rows[:len(before)] == before  # nothing already saved was rewritten
    summary = json.loads((run / "summary.json").read_text())
    assert summary["n"] == total and summary["settings"]["n_pending"] == 0
    assert summary["settings"]["n_selected"] == total and summary["settings"]["ray_workers"] == 2


def test_ray_worker_load_error_is_one_config_error(tmp_path, cluster):
    rel = write_release(tmp_path / "rel", [make_question(0)])
    with pytest.raises(ConfigError, match="checkpoint"):
        run_eval("local/fbi-llm", rel, tmp_path / "run", model_args=[f"checkpoint={tmp_path / 'missing'}"],
                 progress=False, ray=cluster, ray_workers=1)
    assert not (tmp_path / "run" / "predictions.jsonl").exists()


def test_api_model_with_ray_is_refused_in_one_line(tmp_path):
    rel = write_release(tmp_path / "rel", [make_question(0)])
    proc = subprocess.run([sys.executable, "-m", "scalar", "eval", "--model", "openai/gpt-4o-mini", "--data",
                           str(rel), "--out", str(tmp_path / "run"), "--ray"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--ray runs local/* models" in lines[0] and "Traceback" not in proc.stderr


def test_ray_option_value_is_optional():
    from scalar.cli import _fill_optional_values

    assert _fill_optional_values(["eval", "--ray"]) == ["eval", "--ray", "local"]
    assert _fill_optional_values(["eval", "--ray", "--limit", "3"]) == ["eval", "--ray", "local", "--limit", "3"]
    assert _fill_optional_values(["eval", "--ray", "auto"]) == ["eval", "--ray", "auto"]
    assert _fill_optional_values(["eval", "--ray=ray://head:10001"]) == ["eval", "--ray=ray://head:10001"]


def test_a_dead_worker_is_dropped_and_its_call_retried_on_another(cluster, checkpoint):
    """Kill one of two real actors: the call that hit it is retried on the survivor; with both
    gone every call fails at once with one NetworkError instead of waiting forever."""
    import asyncio

    from scalar.errors import NetworkError
    from scalar.evaluate.ray_runner import ray_backend
    from scalar.models import RetryingBackend, RetryPolicy

    backend = ray_backend("local/fbi-llm", {"checkpoint": str(checkpoint)}, address=cluster, workers=2,
                          concurrency=4)
    waits = []

    async def no_wait(seconds):
        waits.append(seconds)

    retrying = RetryingBackend(backend, RetryPolicy(max_retries=3, first_wait=0.0, sleep=no_wait))
    prefixes = [f"Answer: the {w} option is" for w in ("first", "second", "third", "fourth")]

    async def score_all():
        return await asyncio.gather(*[retrying.score_options(p, ["0", "1"]) for p in prefixes])

    try:
        first = asyncio.run(score_all())
        ray.kill(backend._actors[0])
        second = asyncio.run(score_all())
        assert [s for c in second for s in c.scores] == pytest.approx([s for c in first for s in c.scores])
        assert len(backend._live) == 1 and waits  # the killed actor's call was retried
        ray.kill(backend._actors[1])
        with pytest.raises(NetworkError, match="every Ray worker has died"):
            asyncio.run(asyncio.wait_for(score_all(), timeout=60))
    finally:
        backend.close()


def test_ray_workers_without_ray_is_refused_in_one_line(tmp_path):
    rel = write_release(tmp_path / "rel", [make_question(0)])
    proc = subprocess.run([sys.executable, "-m", "scalar", "eval", "--model", "baseline/random", "--data", str(rel),
                           "--out", str(tmp_path / "run"), "--ray-workers", "2"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip() == "scalar: error: --ray-workers needs --ray"
    assert not (tmp_path / "run").exists()
