"""Random models of the published shapes, built directly in packed form (never a dense fp32 copy
of the binarized weights): random sign bytes, per-column scales around 1/sqrt(in)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's package

from scalar.local.binary import BinaryLinear
from scalar.local.checkpoint import Weights
from scalar.local.pack import padded_width

FBI_1_3B = {"architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
            "num_hidden_layers": 24, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
            "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
            "tie_word_embeddings": False}
BIMAMBA_780M = {"d_model": 1536, "d_intermediate": 0, "n_layer": 48, "vocab_size": 32000,
                "ssm_cfg": {"layer": "Mamba2"}, "attn_layer_idx": [], "rms_norm": True, "residual_in_fp32": True,
                "fused_add_norm": True, "pad_vocab_size_multiple": 16, "tie_embeddings": True}


def random_linear(rng: np.random.Generator, out_f: int, in_f: int) -> BinaryLinear:
    packed = rng.integers(0, 256, size=(out_f, padded_width(in_f) // 8), dtype=np.uint8)
    alpha = rng.uniform(0.5, 1.5, in_f).astype(np.float32) / np.sqrt(in_f)
    beta = rng.normal(0, 0.01, in_f).astype(np.float32) / np.sqrt(in_f)
    return BinaryLinear(packed, alpha, beta)


def random_weights(spec, seed: int = 0) -> Weights:
    rng = np.random.default_rng(seed)
    dense = {}
    for name, shape in spec.dense.items():
        if name in spec.optional:
            continue
        if name.endswith("A_log"):
            dense[name] = np.log(rng.uniform(1, 16, shape)).astype(np.float32)
        elif name.endswith("dt_bias"):
            dt = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), shape))
            dense[name] = (dt + np.log(-np.expm1(-dt))).astype(np.float32)
        elif name.endswith("conv1d.weight"):
            dense[name] = (rng.standard_normal(shape, dtype=np.float32) * 0.3)
        elif name.endswith("norm.weight") or name.endswith("norm_f.weight") or name.endswith(".D") \
                or name.endswith("layernorm.weight"):
            dense[name] = np.ones(shape, np.float32)
        else:
            dense[name] = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    linears = {prefix: random_linear(rng, *shape) for prefix, shape in spec.binary.items()}
    return Weights(dense=dense, linears=linears, source="synthetic")


def fbi_1_3b(seed: int = 0):
    from scalar.local.fbi_llm import FBILLM, FBIConfig

    config = FBIConfig.from_dict(FBI_1_3B)
    return FBILLM(config, random_weights(config.spec(), seed))


def bimamba_780m(seed: int = 0):
    from scalar.local.bi_mamba import BiMamba, MambaConfig

    config = MambaConfig.from_dict(BIMAMBA_780M)
    return BiMamba(config, random_weights(config.spec(), seed))
