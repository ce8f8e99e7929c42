"""The local/<kind> evaluation backend: option scoring with a reused prefix, greedy generation."""

import asyncio

import numpy as np
import pytest
from local_fixtures import fbi_config, fbi_state, mamba_config, mamba_state, write_checkpoint

from scalar.errors import ScalarError
from scalar.evaluate import get_backend
from scalar.local.tokenizer import SentencePieceTokenizer
from scalar.models.local import create_local_backend

PREFIX = "We evaluate models on questions built from citations.\n<answer>"


def _certain_checkpoint(tmp_path, sp_model, target: int):
    """A model whose every next-token distribution puts ~all mass on ``target``: constant
    embeddings, near-zero 1-bit layers, and an lm_head row aligned with the residual stream."""
    config = fbi_config(num_hidden_layers=1)
    state = fbi_state(config, seed=11)
    h = config["hidden_size"]
    state["model.embed_tokens.weight"][:] = 1.0
    for key in state:
        if key.endswith(".wscale") or key.endswith(".wbias"):
            state[key] = state[key] * 1e-4
    state["model.norm.weight"][:] = 1.0
    head = np.random.default_rng(0).standard_normal((config["vocab_size"], h)).astype(np.float32) * 0.01
    head[target] = 1.0
    state["lm_head.weight"] = head
    return write_checkpoint(tmp_path / "certain", config, state, "bin", sp_model)


def test_logprob_scoring_picks_the_certain_option(tmp_path, sp_model):
    tok = SentencePieceTokenizer(sp_model)
    context = tok.encode(PREFIX, bos=False)
    whole = tok.encode(PREFIX + "1", bos=False)
    assert whole[: len(context)] == context
    target = whole[len(context)]
    backend = get_backend("local/fbi-llm", model_args={"checkpoint": str(_certain_checkpoint(tmp_path, sp_model, target))})
    assert backend.context_window == 2048 and "logprob" in backend.scoring_modes
    scores = asyncio.run(backend.score_options(PREFIX, ["0", "1", "2", "3"])).scores
    assert int(np.argmax(scores)) == 1
    assert scores[1] > -0.01 and max(scores[0], scores[2], scores[3]) < -10
    asyncio.run(backend.aclose())


@pytest.mark.parametrize("kind", ["fbi-llm", "bi-mamba"])
def test_option_scores_equal_recomputation_from_scratch(tmp_path, sp_model, kind):
    if kind == "fbi-llm":
        config = fbi_config(num_hidden_layers=2)
        state = fbi_state(config, seed=2)
    else:
        config = mamba_config()
        state = mamba_state(config, seed=2)
    folder = write_checkpoint(tmp_path / "m", config, state, "bin", sp_model)
    backend = create_local_backend(kind, {"checkpoint": str(folder)})
    assert backend.context_window == (2048 if kind == "fbi-llm" else None)
    options = [" the first option is correct", " binary networks", "7", " state space models carry a state"]
    scores = backend.score_options_sync(PREFIX, options).scores
    tok, model = backend.tokenizer, backend.model
    context = tok.encode(PREFIX, bos=False)
    for option, score in zip(options, scores):
        whole = tok.encode(PREFIX + option, bos=False)
        start = min(len(context), min(
            next((i for i, (a, b) in enumerate(zip(context, tok.encode(PREFIX + o, bos=False))) if a != b), len(context))
            for o in options))
        logits = model.forward(whole)
        z = logits.astype(np.float64)
        logp = z - z.max(1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(1, keepdims=True))
        expected = sum(logp[i - 1, whole[i]] for i in range(start, len(whole)))
        assert score == pytest.approx(expected, abs=1e-3)
    assert backend.stats()["tokens"] > len(context)


def test_generate_is_greedy_and_stops(tmp_path, sp_model):
    tok = SentencePieceTokenizer(sp_model)
    target = tok.encode("Answer", bos=False)[0]
    backend = create_local_backend("fbi-llm", {"checkpoint": str(_certain_checkpoint(tmp_path, sp_model, target))})
    done = asyncio.run(backend.generate("Question: which paper?", max_tokens=5))
    assert done.completion_tokens == 5 and done.raw["tokens"] == [target] * 5
    assert done.prompt_tokens == len(tok.encode("Question: which paper?", bos=False))


def test_long_prompt_is_cut_to_the_window(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    folder = write_checkpoint(tmp_path / "m", config, fbi_state(config), "bin", sp_model)
    backend = create_local_backend("fbi-llm", {"checkpoint": str(folder), "context_window": 64})
    result = backend.score_options_sync("citation " * 200 + PREFIX, ["0", "1"])
    scores = result.scores
    assert len(scores) == 2 and all(np.isfinite(scores))
    assert backend.stats()["extra_truncated_tokens"] > 100
    assert result.truncated_tokens == backend.stats()["extra_truncated_tokens"]  # reported with the answer
    done = backend.generate_sync("citation " * 200, 4)
    assert done.prompt_tokens == 60 and done.truncated_tokens > 100


def test_bad_backend_configuration_is_a_scalar_error(tmp_path, sp_model):
    with pytest.raises(ScalarError, match="checkpoint=PATH"):
        create_local_backend("fbi-llm", {})
    with pytest.raises(ScalarError, match="unknown local model"):
        create_local_backend("gpt-9", {"checkpoint": "x"})
    with pytest.raises(ScalarError, match="does not exist"):
        create_local_backend("fbi-llm", {"checkpoint": str(tmp_path / "nowhere")})
    config = fbi_config(num_hidden_layers=1)
    folder = write_checkpoint(tmp_path / "notok", config, fbi_state(config), "bin", tokenizer=None)
    with pytest.raises(ScalarError, match="no tokenizer"):
        create_local_backend("fbi-llm", {"checkpoint": str(folder)})
    with pytest.raises(ScalarError, match="unknown --model-arg"):
        create_local_backend("fbi-llm", {"checkpoint": str(folder), "temperature": 1})


@pytest.mark.parametrize("kind", ["fbi-llm", "bi-mamba"])
def test_bos_follows_the_authors_protocol(tmp_path, sp_model, kind):
    # FBI-LLM and Bi-Mamba were evaluated by lm-eval 0.4 HFLM with add_bos_token=False: no BOS
    from scalar.local.protocol import authors_protocol

    if kind == "fbi-llm":
        config = fbi_config(num_hidden_layers=1)
        state = fbi_state(config, seed=3)
    else:
        config = mamba_config(n_layer=1)
        state = mamba_state(config, seed=3)
    folder = write_checkpoint(tmp_path / "m", config, state, "bin", sp_model)
    default = create_local_backend(kind, {"checkpoint": str(folder)})
    assert authors_protocol(kind).add_bos is False and default.add_bos is False
    with_bos = create_local_backend(kind, {"checkpoint": str(folder), "add_bos": "true"})
    tok = default.tokenizer
    prompt = "Question: which paper?"
    assert default.generate_sync(prompt, 1).prompt_tokens == len(tok.encode(prompt))
    assert with_bos.generate_sync(prompt, 1).prompt_tokens == len(tok.encode(prompt)) + 1
    # the two protocols score differently, and each is recorded in the cache identity
    options = [" one", " two"]
    assert default.score_options_sync(PREFIX, options).scores != with_bos.score_options_sync(PREFIX, options).scores
    assert default.cache_identity()["add_bos"] is False and with_bos.cache_identity()["add_bos"] is True


def test_int8_head_model_arg(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    folder = write_checkpoint(tmp_path / "m", config, fbi_state(config, seed=4), "bin", sp_model)
    exact = create_local_backend("fbi-llm", {"checkpoint": str(folder)})
    int8 = create_local_backend("fbi-llm", {"checkpoint": str(folder), "head": "int8"})
    assert int8.model.head.precision == "int8" and int8.cache_identity()["head"] == "int8"
    assert "head" not in exact.cache_identity()
    options = [" the first option is correct", " binary networks"]
    a, b = exact.score_options_sync(PREFIX, options).scores, int8.score_options_sync(PREFIX, options).scores
    assert a != b and np.allclose(a, b, rtol=0.05, atol=0.05)
    with pytest.raises(ScalarError, match="precision"):
        create_local_backend("fbi-llm", {"checkpoint": str(folder), "head": "fp8"})


def test_bi_mamba_max_context(tmp_path, sp_model):
    config = mamba_config(n_layer=1)
    folder = write_checkpoint(tmp_path / "m", config, mamba_state(config), "bin", sp_model)
    backend = create_local_backend("bi-mamba", {"checkpoint": str(folder), "max_context": 50})
    assert backend.context_window == 50
    backend.score_options_sync("citation " * 100 + PREFIX, ["0", "1"])
    assert backend.stats()["extra_truncated_tokens"] > 40
