"""FBI-LLM through packed kernels against transformers' LlamaForCausalLM with dequantized weights."""

import json

import numpy as np
import pytest
from local_fixtures import dequantized, fbi_config, fbi_state, write_checkpoint

from scalar.local import load_model
from scalar.local.checkpoint import CheckpointError


def _hf_logits(config: dict, state: dict, tokens: list[int]) -> np.ndarray:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    hf_config = transformers.LlamaConfig(**{k: v for k, v in config.items() if k != "architectures"})
    model = transformers.LlamaForCausalLM(hf_config).eval()
    missing, unexpected = model.load_state_dict(
        {k: torch.from_numpy(v) for k, v in dequantized(state).items()}, strict=False)
    assert not unexpected and all("rotary" in k for k in missing), (missing, unexpected)
    with torch.no_grad():
        return model(torch.tensor([tokens])).logits[0].float().numpy()


def _max_rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("fmt", ["bin", "bin-sharded", "safetensors"])
def test_logits_match_transformers_llama(tmp_path, sp_model, fmt):
    config = fbi_config()
    state = fbi_state(config, seed=3, zeros=True)
    folder = write_checkpoint(tmp_path / fmt, config, state, fmt, sp_model)
    model = load_model("fbi-llm", folder)
    tokens = [1] + list(np.random.default_rng(0).integers(3, config["vocab_size"], 40))
    ours = model.forward(tokens)
    ref = _hf_logits(config, state, tokens)
    assert ours.shape == (41, config["vocab_size"]) and ours.dtype == np.float32
    assert _max_rel(ours, ref) < 1e-4
    # the exact zeros of the latent up_proj were kept (sign(0) = 0)
    assert len(model.layers[0][2]["up_proj"].zeros) == 6


def test_chunked_prefill_and_decode_reuse_the_cache(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    state = fbi_state(config, seed=5)
    model = load_model("fbi-llm", write_checkpoint(tmp_path / "m", config, state, "bin", sp_model))
    tokens = [1] + list(np.random.default_rng(1).integers(3, config["vocab_size"], 300))
    full = model.forward(tokens)
    cache = model.new_cache()
    parts = [model.prefill(tokens[:20], cache, logits="all"), model.prefill(tokens[20:290], cache, logits="all")]
    parts += [model.prefill([t], cache, logits="all") for t in tokens[290:]]  # one token at a time (LUT path)
    assert cache.length == len(tokens)
    assert _max_rel(np.concatenate(parts), full) < 1e-4
    # rewinding the cache and feeding other tokens equals a fresh run of that sequence
    cache.restore(100)
    other = tokens[:100] + [5, 6, 7]
    assert _max_rel(model.prefill(other[100:], cache, logits="last"), model.forward(other)[-1]) < 1e-4


def test_context_longer_than_positions_is_refused(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1, max_position_embeddings=16)
    model = load_model("fbi-llm", write_checkpoint(tmp_path / "m", config, fbi_state(config), "bin", sp_model))
    from scalar.errors import ScalarError

    with pytest.raises(ScalarError, match="16 positions"):
        model.forward(list(range(3, 20)))


def _write(tmp_path, sp_model, **kw):
    config = fbi_config(num_hidden_layers=1)
    state = fbi_state(config)
    for key, value in kw.items():
        if value is None:
            del state[key]
        else:
            state[key] = value
    return write_checkpoint(tmp_path / "bad", config, state, "bin", sp_model)


def test_missing_unknown_and_misshapen_tensors_fail_loudly(tmp_path, sp_model):
    folder = _write(tmp_path, sp_model, **{"model.layers.0.mlp.up_proj.wscale": None})
    with pytest.raises(CheckpointError, match="missing tensor.*up_proj.wscale"):
        load_model("fbi-llm", folder)
    folder = _write(tmp_path, sp_model, **{"model.layers.0.mlp.extra.weight": np.ones(3, np.float32)})
    with pytest.raises(CheckpointError, match="unexpected tensor.*mlp.extra.weight"):
        load_model("fbi-llm", folder)
    folder = _write(tmp_path, sp_model, **{"model.norm.weight": np.ones(65, np.float32)})
    with pytest.raises(CheckpointError, match=r"model.norm.weight has shape \[65\]"):
        load_model("fbi-llm", folder)


def test_missing_shard_and_unknown_architecture(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    folder = write_checkpoint(tmp_path / "s", config, fbi_state(config), "bin-sharded", sp_model)
    (folder / "pytorch_model-00002-of-00002.bin").unlink()
    with pytest.raises(CheckpointError, match="missing shard.*00002-of-00002"):
        load_model("fbi-llm", folder)
    folder = write_checkpoint(tmp_path / "a", dict(config, architectures=["GPT2LMHeadModel"], model_type="gpt2"),
                              fbi_state(config), "bin", sp_model)
    with pytest.raises(CheckpointError, match="unknown architecture"):
        load_model("fbi-llm", folder)


def test_wrapper_prefixes_are_stripped(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    state = {f"_forward_module.{k}": v for k, v in fbi_state(config).items()}
    folder = write_checkpoint(tmp_path / "p", config, state, "bin", sp_model)
    plain = load_model("fbi-llm", write_checkpoint(tmp_path / "q", config, fbi_state(config), "bin", sp_model))
    np.testing.assert_array_equal(load_model("fbi-llm", folder).forward([1, 5, 9]), plain.forward([1, 5, 9]))
    assert json.loads((folder / "config.json").read_text())["hidden_size"] == 64


def test_malformed_config_values(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    folder = write_checkpoint(tmp_path / "c", dict(config, hidden_size="large"), fbi_state(config), "bin", sp_model)
    with pytest.raises(CheckpointError, match="'hidden_size' must be an integer"):
        load_model("fbi-llm", folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_model("fbi-llm", folder)
