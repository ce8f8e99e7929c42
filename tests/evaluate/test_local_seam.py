"""`local/<kind>` through the runner: the 1-bit engine scores candidate indices by log-probability."""

import sys
from pathlib import Path

import numpy as np
import pytest
from eval_fixtures import make_question, write_release

from scalar._util.io import read_jsonl
from scalar.evaluate.runner import run_eval

pytest.importorskip("scalar.models.local")
pytest.importorskip("sentencepiece")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "local"))
local_fixtures = pytest.importorskip("local_fixtures")


@pytest.fixture(scope="module")
def sp_model(tmp_path_factory) -> Path:
    import sentencepiece as spm

    folder = tmp_path_factory.mktemp("spm")
    (folder / "corpus.txt").write_text(local_fixtures.CORPUS, encoding="utf-8")
    spm.SentencePieceTrainer.Train(
        input=str(folder / "corpus.txt"), model_prefix=str(folder / "tok"), vocab_size=local_fixtures.TINY_VOCAB,
        model_type="bpe", byte_fallback=True, split_digits=True, hard_vocab_limit=False, bos_id=1, eos_id=2,
        unk_id=0, pad_id=-1, minloglevel=2, num_threads=1)
    return folder / "tok.model"


def _always(tmp_path, sp_model, digit: str) -> Path:
    """A tiny FBI-LLM whose next token is always ``digit`` (constant embeddings, negligible 1-bit
    layers, an lm_head row aligned with the residual stream)."""
    from scalar.local.tokenizer import SentencePieceTokenizer

    tok = SentencePieceTokenizer(sp_model)
    target = tok.encode("x" + digit, bos=False)[-1]
    config = local_fixtures.fbi_config(num_hidden_layers=1)
    state = local_fixtures.fbi_state(config, seed=11)
    state["model.embed_tokens.weight"][:] = 1.0
    for key in state:
        if key.endswith(".wscale") or key.endswith(".wbias"):
            state[key] = state[key] * 1e-4
    state["model.norm.weight"][:] = 1.0
    head = np.random.default_rng(0).standard_normal((config["vocab_size"], config["hidden_size"])).astype(np.float32) * 0.01
    head[target] = 1.0
    state["lm_head.weight"] = head
    return local_fixtures.write_checkpoint(tmp_path / "always", config, state, "bin", sp_model)


def test_local_model_scored_by_logprob_through_the_runner(tmp_path, sp_model):
    qs = [make_question(i, context_words=40, cand_words=15) for i in range(6)]
    rel = write_release(tmp_path / "rel", qs)
    ckpt = _always(tmp_path, sp_model, "1")
    s = run_eval("local/fbi-llm", rel, tmp_path / "run", scoring="logprob", model_args=[f"checkpoint={ckpt}"],
                 progress=False)
    rows = list(read_jsonl(tmp_path / "run" / "predictions.jsonl"))
    assert s.errors == 0 and s.n == 6 and all(r["prediction"] == 1 for r in rows)
    assert s.accuracy.accuracy == pytest.approx(sum(q.answer == 1 for q in qs) / 6)
    again = run_eval("local/fbi-llm", rel, tmp_path / "run2", scoring="logprob", cache=tmp_path / "run" / "cache.sqlite",
                     model_args=[f"checkpoint={ckpt}"], progress=False)
    assert again.settings["cache_hits"] == 6  # same checkpoint, same prompts: nothing recomputed


def test_local_model_defaults_to_logprob_scoring_and_the_flag_still_wins(tmp_path, sp_model):
    """Base models do not follow instructions: without --scoring a local model is scored by
    log-probabilities (recorded in the summary); an explicit --scoring generate is obeyed."""
    qs = [make_question(i, context_words=40, cand_words=15) for i in range(3)]
    rel = write_release(tmp_path / "rel", qs)
    ckpt = _always(tmp_path, sp_model, "1")
    s = run_eval("local/fbi-llm", rel, tmp_path / "run", model_args=[f"checkpoint={ckpt}"], progress=False)
    rows = list(read_jsonl(tmp_path / "run" / "predictions.jsonl"))
    assert s.errors == 0 and s.settings["scoring"] == "logprob"
    assert s.settings["scoring_source"] == "backend default"
    assert all(r["response"].startswith("logprobs ") and r["prediction"] == 1 for r in rows)
    g = run_eval("local/fbi-llm", rel, tmp_path / "gen", scoring="generate", max_tokens=3,
                 model_args=[f"checkpoint={ckpt}"], progress=False)
    assert g.settings["scoring"] == "generate" and g.settings["scoring_source"] == "--scoring"
    rows = list(read_jsonl(tmp_path / "gen" / "predictions.jsonl"))
    assert all(not r["response"].startswith("logprobs ") and r["completion_tokens"] == 3 for r in rows)
    # API models keep generating by default
    from scalar.evaluate import get_backend

    assert get_backend("openai/gpt-4o-mini").default_scoring == "generate"


WINDOW = 1200


def _long_questions(n: int):
    return [make_question(i, context_words=400, cand_words=120) for i in range(n)]


def _sp_count(tok, text: str) -> int:
    return len(tok.encode(text, bos=True))


def test_local_prompts_are_fitted_in_the_models_own_tokens(tmp_path, sp_model, capfd):
    """The window of a local model is in its SentencePiece tokens: every cut is made by the
    harness (instruction and candidates kept) and counted in truncated_tokens, in those tokens."""
    from scalar.evaluate.prompting import builtin_template
    from scalar.local.tokenizer import SentencePieceTokenizer

    qs = _long_questions(4)
    rel = write_release(tmp_path / "rel", qs)
    ckpt = _always(tmp_path, sp_model, "1")
    s = run_eval("local/fbi-llm", rel, tmp_path / "run", model_args=[f"checkpoint={ckpt}", f"context_window={WINDOW}"],
                 progress=False)
    assert s.errors == 0 and s.settings["tokenizer"].startswith("sentencepiece@")
    assert "cutting the middle" not in capfd.readouterr().err  # the backend never had to cut on its own
    tok = SentencePieceTokenizer(sp_model)
    tpl = builtin_template("mcq")
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "run" / "predictions.jsonl")}
    for q in qs:
        full = _sp_count(tok, tpl.render(q) + "\n<answer>3")
        seen = rows[q.id]["prompt_tokens"]
        # all that was not seen is counted: the model saw at most its window
        assert rows[q.id]["truncated_tokens"] >= full - WINDOW > 0
        assert seen + 8 <= WINDOW  # counted in the model's tokens, with room for the answer


def test_fitted_local_prompt_keeps_instruction_and_candidates(tmp_path, sp_model):
    import asyncio
    from pathlib import Path as P

    from scalar.evaluate import get_backend
    from scalar.evaluate.prompting import choose_templates, logprob_prefixes
    from scalar.evaluate.runner import EvalConfig, Runner

    ckpt = _always(tmp_path, sp_model, "1")
    backend = get_backend("local/fbi-llm", model_args={"checkpoint": str(ckpt), "context_window": WINDOW})
    runner = Runner(EvalConfig(model="local/fbi-llm", data=P("."), out=P(".")), backend, choose_templates(None))
    assert runner.scoring == "logprob"
    q = _long_questions(1)[0]
    prepared = runner.prepare(q)
    assert prepared.truncated_tokens > 0
    assert prepared.prompt.startswith("You are given a scientific paper")
    assert prepared.prompt.rstrip().endswith("for example <answer>0</answer>.")
    assert all(f"Candidate [{i}]:\nCandidate paper {i} of question" in prepared.prompt for i in range(4))
    assert "**[MASKED_CITATION]**" in prepared.prompt
    (prefix,) = logprob_prefixes(prepared.prompt, q)
    scores = backend.score_options_sync(prefix, ["0", "1", "2", "3"])
    assert scores.truncated_tokens == 0 and backend.stats()["extra_truncated_tokens"] == 0

    # A prompt nobody fitted: the backend's own cut is reported with the answer and counted.
    runner.prompt_limit = None
    unfitted = runner.prepare(q)
    assert unfitted.truncated_tokens == 0
    p = asyncio.run(runner._logprob(q, unfitted))
    cut = backend.stats()["extra_truncated_tokens"]
    assert cut > 0 and p.truncated_tokens == cut
    asyncio.run(backend.aclose())


def test_local_run_shows_tokens_per_second(tmp_path, sp_model, monkeypatch, capfd):
    """A local model's progress bar shows its throughput; the summary records it."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws its bar as on a terminal
    monkeypatch.setenv("COLUMNS", "200")
    rel = write_release(tmp_path / "rel", [make_question(i, context_words=40, cand_words=15) for i in range(3)])
    ckpt = _always(tmp_path, sp_model, "1")
    s = run_eval("local/fbi-llm", rel, tmp_path / "run", model_args=[f"checkpoint={ckpt}"], progress=True)
    err = capfd.readouterr().err
    assert "3/3" in err and "tok/s" in err
    assert s.settings["model_tokens"] > 0 and s.settings["tokens_per_s"] > 0
