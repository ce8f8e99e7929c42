"""Bi-Mamba: Mamba-2 blocks whose in_proj/out_proj are 1-bit ``BinaryLinear``s; depthwise causal
conv1d, the SSD selective scan (numba), gated RMSNorm; RMSNorm pre-norm residual blocks, tied
lm_head. No positions: the recurrent state has a constant size for any input length, and long
inputs are prefilled chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalar.errors import InputError
from scalar.local.checkpoint import CheckpointError, ModelSpec, Weights, config_int
from scalar.local.head import OutputHead
from scalar.local.layers import gated_rms_norm, rms_norm, rms_norm_rows, softplus
from scalar.local.ssd import causal_conv1d, selective_scan

PREFILL_CHUNK = 2048  # tokens per chunk: bounds activation memory, state carries across chunks


@dataclass(frozen=True)
class MambaConfig:
    d_model: int
    layers: int
    vocab: int  # the tokenizer's vocabulary (logits are cut to it)
    padded_vocab: int  # rows of the embedding
    d_state: int
    d_conv: int
    headdim: int
    ngroups: int
    d_inner: int
    d_has_hdim: bool
    eps: float
    tied: bool

    @property
    def heads(self) -> int:
        return self.d_inner // self.headdim

    @property
    def conv_dim(self) -> int:
        return self.d_inner + 2 * self.ngroups * self.d_state

    @property
    def in_proj_dim(self) -> int:
        return 2 * self.d_inner + 2 * self.ngroups * self.d_state + self.heads

    @classmethod
    def from_dict(cls, config: dict) -> MambaConfig:
        archs = config.get("architectures") or []
        foreign = archs and not any("mamba" in str(a).lower() for a in archs)
        if foreign or (config.get("model_type") not in (None, "mamba2", "bimamba")) or "d_model" not in config:
            raise CheckpointError(f"unknown architecture {archs or config.get('model_type') or 'without d_model'!r} "
                                  "for bi-mamba (expected a mamba_ssm MambaConfig with ssm_cfg.layer = Mamba2)")
        ssm = dict(config.get("ssm_cfg") or {})
        if ssm.get("layer") != "Mamba2":
            raise CheckpointError(f"unknown architecture: ssm_cfg.layer = {ssm.get('layer')!r} (expected 'Mamba2')")
        if config.get("attn_layer_idx"):
            raise CheckpointError("hybrid attention layers (attn_layer_idx) are not supported")
        if config_int(config, "d_intermediate", 0):
            raise CheckpointError("MLP blocks (d_intermediate > 0) are not supported")
        if not config.get("rms_norm", True):
            raise CheckpointError("LayerNorm blocks (rms_norm = false) are not supported")
        if ssm.get("rmsnorm", True) is False or ssm.get("norm_before_gate", False):
            raise CheckpointError("only the gated RMSNorm with norm_before_gate = false is supported")
        if ssm.get("bias", False) or not ssm.get("conv_bias", True):
            raise CheckpointError("in/out projection biases or a conv without bias are not supported")
        limit = ssm.get("dt_limit", (0.0, float("inf")))
        if tuple(limit) != (0.0, float("inf")):
            raise CheckpointError(f"dt_limit {limit} is not supported")
        d_model = config_int(config, "d_model")
        expand = config_int(ssm, "expand", 2, source="ssm_cfg")
        d_inner = config_int(ssm, "d_ssm", None) if ssm.get("d_ssm") is not None else expand * d_model
        if d_inner != expand * d_model:
            raise CheckpointError("d_ssm different from expand * d_model (an MLP part) is not supported")
        headdim = config_int(ssm, "headdim", 64, source="ssm_cfg")
        ngroups = config_int(ssm, "ngroups", 1, source="ssm_cfg")
        if d_inner % headdim or (d_inner // headdim) % ngroups:
            raise CheckpointError(f"d_inner {d_inner} is not divisible into heads of {headdim} and {ngroups} groups")
        vocab = config_int(config, "vocab_size")
        multiple = config_int(config, "pad_vocab_size_multiple", 8)
        padded = vocab if multiple <= 1 else -(-vocab // multiple) * multiple
        return cls(d_model=d_model, layers=config_int(config, "n_layer"), vocab=vocab, padded_vocab=padded,
                   d_state=config_int(ssm, "d_state", 128, source="ssm_cfg"),
                   d_conv=config_int(ssm, "d_conv", 4, source="ssm_cfg"), headdim=headdim, ngroups=ngroups,
                   d_inner=d_inner, d_has_hdim=bool(ssm.get("D_has_hdim", False)),
                   eps=float(config.get("norm_epsilon", 1e-5)), tied=bool(config.get("tie_embeddings", True)))

    def spec(self) -> ModelSpec:
        d, di, h = self.d_model, self.d_inner, self.heads
        dense = {"backbone.embedding.weight": (self.padded_vocab, d), "backbone.norm_f.weight": (d,),
                 "lm_head.weight": (self.padded_vocab, d)}
        binary: dict[str, tuple[int, int]] = {}
        for n in range(self.layers):
            p = f"backbone.layers.{n}"
            dense[f"{p}.norm.weight"] = (d,)
            dense[f"{p}.mixer.conv1d.weight"] = (self.conv_dim, 1, self.d_conv)
            dense[f"{p}.mixer.conv1d.bias"] = (self.conv_dim,)
            dense[f"{p}.mixer.dt_bias"] = (h,)
            dense[f"{p}.mixer.A_log"] = (h,)
            dense[f"{p}.mixer.D"] = (di,) if self.d_has_hdim else (h,)
            dense[f"{p}.mixer.norm.weight"] = (di,)
            binary[f"{p}.mixer.in_proj"] = (self.in_proj_dim, d)
            binary[f"{p}.mixer.out_proj"] = (d, di)
        # transformers' Mamba2 spells the embedding in the plural
        return ModelSpec(dense=dense, binary=binary, optional={"lm_head.weight"} if self.tied else set(),
                         aliases={"backbone.embeddings.weight": "backbone.embedding.weight"})


class MambaState:
    """Per layer: the last d_conv-1 conv inputs and the (H, P, N) SSM state. Constant size."""

    def __init__(self, config: MambaConfig):
        c = config
        self.conv = np.zeros((c.layers, c.d_conv - 1, c.conv_dim), dtype=np.float32)
        self.ssm = np.zeros((c.layers, c.heads, c.headdim, c.d_state), dtype=np.float32)
        self.length = 0

    @property
    def nbytes(self) -> int:
        return int(self.conv.nbytes + self.ssm.nbytes)

    def snapshot(self):
        return self.conv.copy(), self.ssm.copy(), self.length

    def restore(self, snapshot) -> None:
        conv, ssm, length = snapshot
        self.conv[...] = conv  # copy back: the snapshot stays valid for the next option
        self.ssm[...] = ssm
        self.length = length


class BiMamba:
    kind = "bi-mamba"
    max_positions = None

    def __init__(self, config: MambaConfig, weights: Weights, tokenizer=None, path: Path | None = None):
        self.config = config
        self.tokenizer = tokenizer
        self.path = path
        d = weights.dense
        self.embed = d["backbone.embedding.weight"]
        self.lm_head = d.get("lm_head.weight", self.embed)
        if self.lm_head is not self.embed and config.tied and np.array_equal(self.lm_head, self.embed):
            self.lm_head = self.embed  # tied: keep one copy
        self.head = OutputHead(self.lm_head)
        self.norm_f = d["backbone.norm_f.weight"]
        self.layers = []
        for n in range(config.layers):
            p = f"backbone.layers.{n}"
            D = d[f"{p}.mixer.D"]
            D = D.reshape(config.heads, config.headdim) if config.d_has_hdim else np.repeat(D[:, None], config.headdim, 1)
            self.layers.append({
                "norm": d[f"{p}.norm.weight"],
                "in_proj": weights.linears[f"{p}.mixer.in_proj"],
                "out_proj": weights.linears[f"{p}.mixer.out_proj"],
                "conv_w": np.ascontiguousarray(d[f"{p}.mixer.conv1d.weight"][:, 0, :].T),  # (K, C)
                "conv_b": d[f"{p}.mixer.conv1d.bias"],
                "dt_bias": d[f"{p}.mixer.dt_bias"],
                "A": (-np.exp(d[f"{p}.mixer.A_log"].astype(np.float64))).astype(np.float32),
                "D": np.ascontiguousarray(D, dtype=np.float32),
                "gate_norm": d[f"{p}.mixer.norm.weight"],
            })

    @property
    def vocab_size(self) -> int:
        return self.config.vocab

    @property
    def nbytes(self) -> int:
        total = self.embed.nbytes + self.norm_f.nbytes + (0 if self.head.weight is self.embed else self.head.nbytes)
        for layer in self.layers:
            total += sum(v.nbytes for v in layer.values())
        return int(total)

    def set_head_precision(self, precision: str) -> None:
        """Output head in "fp32" (exact) or "int8" (see ``scalar.local.head``)."""
        self.head = OutputHead(self.lm_head, precision)

    def new_cache(self, capacity: int | None = None) -> MambaState:
        return MambaState(self.config)

    def forward(self, tokens) -> np.ndarray:
        """Logits (T, vocab) float32 for every position of a fresh sequence."""
        return self.prefill(list(tokens), self.new_cache(), logits="all")

    def prefill(self, tokens, state: MambaState, *, logits: str = "last", chunk: int = PREFILL_CHUNK):
        """Advance ``state`` over ``tokens``; logits for "all" positions, the "last" one, or "none"."""
        ids = np.asarray(list(tokens), dtype=np.int64)
        if ids.size == 0:
            raise ValueError("prefill needs at least one token")
        if ids.min() < 0 or ids.max() >= self.config.padded_vocab:
            raise InputError(f"token id out of range [0, {self.config.padded_vocab})")
        outputs = []
        last = None
        for start in range(0, ids.size, chunk):
            h = self.embed[ids[start:start + chunk]]
            for index in range(self.config.layers):
                h = self._layer(index, h, state)
            state.length += h.shape[0]
            if logits == "all":
                outputs.append(self.logits(h))
            last = h[-1]
        if logits == "none":
            return None
        if logits == "last":
            return self.logits(last)
        return np.concatenate(outputs)

    def logits(self, h: np.ndarray) -> np.ndarray:
        return self.head(rms_norm(h, self.norm_f, self.config.eps))[..., : self.config.vocab]

    def _layer(self, index: int, h: np.ndarray, state: MambaState) -> np.ndarray:
        c = self.config
        layer = self.layers[index]
        t = h.shape[0]
        zxbcdt = layer["in_proj"](rms_norm_rows(h, layer["norm"], c.eps))
        xbc = np.ascontiguousarray(zxbcdt[:, c.d_inner: c.d_inner + c.conv_dim])
        dt = softplus(zxbcdt[:, c.d_inner + c.conv_dim:] + layer["dt_bias"])
        conv = np.empty_like(xbc)
        causal_conv1d(xbc, state.conv[index], layer["conv_w"], layer["conv_b"], conv)
        gn = c.ngroups * c.d_state
        x = np.ascontiguousarray(conv[:, : c.d_inner]).reshape(t, c.heads, c.headdim)
        B = np.ascontiguousarray(conv[:, c.d_inner: c.d_inner + gn]).reshape(t, c.ngroups, c.d_state)
        C = np.ascontiguousarray(conv[:, c.d_inner + gn:]).reshape(t, c.ngroups, c.d_state)
        y = np.empty_like(x)
        selective_scan(x, np.ascontiguousarray(dt), layer["A"], B, C, layer["D"], state.ssm[index], y)
        normed = gated_rms_norm(y.reshape(t, c.d_inner), zxbcdt, layer["gate_norm"], c.ngroups, c.eps)
        return h + layer["out_proj"](normed)


def build(config: dict, weights: Weights, tokenizer=None, path: Path | None = None) -> BiMamba:
    return BiMamba(MambaConfig.from_dict(config), weights, tokenizer, path)
