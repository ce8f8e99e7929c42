"""Tiny random checkpoints in the exact published layouts (no downloads)."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import numpy as np

CORPUS = """The cited paper introduced a method for long context evaluation of language models.
Binary neural networks keep one bit per weight and a scale per column.
State space models carry a constant size state through any sequence length.
Answer: the first option is correct. Answer: the second option is wrong.
We evaluate models on questions built from citations in fresh conference papers.
""" * 20

TINY_VOCAB = 400


def fbi_config(**overrides) -> dict:
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
        "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 4, "vocab_size": TINY_VOCAB, "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": None, "hidden_act": "silu",
        "tie_word_embeddings": False, "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2,
        "pad_token_id": 0, "attention_bias": False, "mlp_bias": False,
    }
    config.update(overrides)
    return config


def _binary_linear(rng, out_f, in_f):
    w = rng.standard_normal((out_f, in_f)).astype(np.float32) * 0.5
    beta = w.mean(axis=0, keepdims=True) + rng.normal(0, 0.01, (1, in_f))
    alpha = np.abs(w - beta).mean(axis=0, keepdims=True) * rng.uniform(0.6, 1.4, (1, in_f))
    # Scale so activations stay in a sane range with random weights.
    scale = 1.0 / np.sqrt(in_f)
    return w, (alpha * scale).astype(np.float32), (beta * scale).astype(np.float32)


def fbi_state(config: dict, seed: int = 0, zeros: bool = False) -> OrderedDict[str, np.ndarray]:
    """Latent weights in the published FBI-LLM key layout (incl. rotary_emb.inv_freq)."""
    rng = np.random.default_rng(seed)
    h, i, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    d = h // config["num_attention_heads"]
    state: OrderedDict[str, np.ndarray] = OrderedDict()
    state["model.embed_tokens.weight"] = rng.standard_normal((v, h)).astype(np.float32)
    for n in range(config["num_hidden_layers"]):
        p = f"model.layers.{n}"
        shapes = {"self_attn.q_proj": (h, h), "self_attn.k_proj": (h, h), "self_attn.v_proj": (h, h),
                  "self_attn.o_proj": (h, h), "mlp.gate_proj": (i, h), "mlp.up_proj": (i, h),
                  "mlp.down_proj": (h, i)}
        for name, (o, k) in shapes.items():
            w, a, b = _binary_linear(rng, o, k)
            if zeros and n == 0 and name == "mlp.up_proj":
                w[0, :5] = 0.0
                w[7, 3] = 0.0
            state[f"{p}.{name}.weight"] = w
            state[f"{p}.{name}.wscale"] = a
            state[f"{p}.{name}.wbias"] = b
        state[f"{p}.self_attn.rotary_emb.inv_freq"] = (
            1.0 / 10000 ** (np.arange(0, d, 2) / d)).astype(np.float32)
        state[f"{p}.input_layernorm.weight"] = rng.uniform(0.8, 1.2, h).astype(np.float32)
        state[f"{p}.post_attention_layernorm.weight"] = rng.uniform(0.8, 1.2, h).astype(np.float32)
    state["model.norm.weight"] = rng.uniform(0.8, 1.2, h).astype(np.float32)
    state["lm_head.weight"] = (rng.standard_normal((v, h)) * 0.3).astype(np.float32)
    return state


def write_checkpoint(folder: Path, config: dict, state: dict, fmt: str, tokenizer: Path | None) -> Path:
    """fmt: "bin" (single pytorch_model.bin), "bin-sharded" (2 shards + index), "safetensors"."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    tensors = OrderedDict((k, torch.from_numpy(np.ascontiguousarray(v))) for k, v in state.items())
    if fmt == "bin":
        torch.save(tensors, folder / "pytorch_model.bin")
    elif fmt == "bin-sharded":
        keys = list(tensors)
        half = len(keys) // 2 + 1  # splits some linear's weight/wscale/wbias across the two shards
        names = ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
        weight_map = {}
        for shard, part in zip(names, (keys[:half], keys[half:])):
            torch.save(OrderedDict((k, tensors[k]) for k in part), folder / shard)
            weight_map.update(dict.fromkeys(part, shard))
        total = sum(t.numel() * 4 for t in tensors.values())
        (folder / "pytorch_model.bin.index.json").write_text(
            json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2, sort_keys=True))
    elif fmt == "safetensors":
        from safetensors.numpy import save_file

        save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(folder / "model.safetensors"),
                  metadata={"format": "pt"})
    else:
        raise ValueError(fmt)
    if tokenizer is not None:
        (folder / "tokenizer.model").write_bytes(Path(tokenizer).read_bytes())
    return folder


def dequantized(state: dict) -> dict:
    """Dense FBI weights W_hat = wscale * sign(W) + wbias; drops the FBI-only tensors."""
    dense = {}
    for key, value in state.items():
        if key.endswith(".wscale") or key.endswith(".wbias") or key.endswith("inv_freq"):
            continue
        prefix = key[: -len(".weight")]
        if key.endswith(".weight") and f"{prefix}.wscale" in state:
            value = state[f"{prefix}.wscale"] * np.sign(value) + state[f"{prefix}.wbias"]
        dense[key] = np.asarray(value, dtype=np.float32)
    return dense


def mamba_config(d_model=64, n_layer=2, vocab_size=TINY_VOCAB, d_state=16, headdim=16, **ssm) -> dict:
    """The MambaConfig dict Bi-Mamba's save_pretrained writes (small dims for speed)."""
    return {"d_model": d_model, "d_intermediate": 0, "n_layer": n_layer, "vocab_size": vocab_size,
            "ssm_cfg": {"layer": "Mamba2", "d_state": d_state, "headdim": headdim, **ssm},
            "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True,
            "fused_add_norm": True, "pad_vocab_size_multiple": 16, "tie_embeddings": True}


def mamba_state(config: dict, seed: int = 0, with_lm_head: bool = True) -> OrderedDict[str, np.ndarray]:
    """Latent weights in the Bi-Mamba key layout (backbone.embedding, mixer.in_proj.wscale, ...)."""
    rng = np.random.default_rng(seed)
    ssm = config["ssm_cfg"]
    d = config["d_model"]
    n = ssm["d_state"]
    p = ssm["headdim"]
    g = ssm.get("ngroups", 1)
    di = 2 * d
    heads = di // p
    conv_dim = di + 2 * g * n
    multiple = config["pad_vocab_size_multiple"]
    vocab = -(-config["vocab_size"] // multiple) * multiple
    state: OrderedDict[str, np.ndarray] = OrderedDict()
    state["backbone.embedding.weight"] = rng.standard_normal((vocab, d)).astype(np.float32)
    for i in range(config["n_layer"]):
        pre = f"backbone.layers.{i}"
        state[f"{pre}.norm.weight"] = rng.uniform(0.8, 1.2, d).astype(np.float32)
        w, a, b = _binary_linear(rng, 2 * di + 2 * g * n + heads, d)
        state[f"{pre}.mixer.in_proj.weight"], state[f"{pre}.mixer.in_proj.wscale"], state[f"{pre}.mixer.in_proj.wbias"] = w, a, b
        state[f"{pre}.mixer.conv1d.weight"] = (rng.standard_normal((conv_dim, 1, 4)) * 0.4).astype(np.float32)
        state[f"{pre}.mixer.conv1d.bias"] = (rng.standard_normal(conv_dim) * 0.1).astype(np.float32)
        dt = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), heads))
        state[f"{pre}.mixer.dt_bias"] = (dt + np.log(-np.expm1(-dt))).astype(np.float32)  # inverse softplus
        state[f"{pre}.mixer.A_log"] = np.log(rng.uniform(1, 16, heads)).astype(np.float32)
        state[f"{pre}.mixer.D"] = rng.uniform(0.5, 1.5, heads).astype(np.float32)
        state[f"{pre}.mixer.norm.weight"] = rng.uniform(0.8, 1.2, di).astype(np.float32)
        w, a, b = _binary_linear(rng, d, di)
        state[f"{pre}.mixer.out_proj.weight"], state[f"{pre}.mixer.out_proj.wscale"], state[f"{pre}.mixer.out_proj.wbias"] = w, a, b
    state["backbone.norm_f.weight"] = rng.uniform(0.8, 1.2, d).astype(np.float32)
    if with_lm_head:
        state["lm_head.weight"] = state["backbone.embedding.weight"]
    return state
