"""FBI-LLM: a Llama-2 decoder (RMSNorm, RoPE base 10000, multi-head attention, SwiGLU MLP,
untied fp32 embedding and lm_head) whose seven linears per layer are 1-bit ``BinaryLinear``s.

``prefill`` appends tokens to a KV cache and returns logits only where asked, so multiple-choice
scoring computes the shared context once and rewinds the cache for each option.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalar.errors import InputError
from scalar.local import kernels
from scalar.local._blas import blas_threads
from scalar.local.binary import LinearGroup, decode_parallel
from scalar.local.checkpoint import CheckpointError, ModelSpec, Weights, config_int
from scalar.local.head import OutputHead
from scalar.local.layers import rms_norm, rms_norm_rows, silu_mul

ATTN_PROJ = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP_PROJ = ("gate_proj", "up_proj", "down_proj")
QUERY_BLOCK = 512  # attention is computed for this many queries at a time (bounded memory)


@functools.lru_cache(maxsize=1)
def _head_pool() -> ThreadPoolExecutor:
    """Worker threads for attention heads (numpy releases the GIL in BLAS and ufuncs)."""
    import numba

    return ThreadPoolExecutor(max_workers=max(1, numba.get_num_threads()), thread_name_prefix="scalar-attn")


class ContextTooLongError(InputError):
    """More tokens than the model's positions."""


@dataclass(frozen=True)
class FBIConfig:
    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    max_positions: int
    rope_theta: float
    eps: float
    tied: bool

    @classmethod
    def from_dict(cls, config: dict) -> FBIConfig:
        archs = config.get("architectures") or []
        if "LlamaForCausalLM" not in archs and config.get("model_type") != "llama":
            found = archs or config.get("model_type") or "none given"
            raise CheckpointError(f"unknown architecture {found!r} for fbi-llm (expected LlamaForCausalLM "
                                  "in config.json)")
        if config.get("hidden_act", "silu") != "silu":
            raise CheckpointError(f"unsupported hidden_act {config.get('hidden_act')!r} (expected silu)")
        scaling = config.get("rope_scaling")
        if scaling and (scaling.get("rope_type") or scaling.get("type")) not in (None, "default"):
            raise CheckpointError(f"unsupported rope_scaling {scaling!r}")
        hidden = config_int(config, "hidden_size")
        heads = config_int(config, "num_attention_heads")
        head_dim = config_int(config, "head_dim", hidden // heads)
        theta = config.get("rope_theta")
        if theta is None:
            theta = (config.get("rope_parameters") or {}).get("rope_theta", 10000.0)
        return cls(
            hidden=hidden,
            intermediate=config_int(config, "intermediate_size"),
            layers=config_int(config, "num_hidden_layers"),
            heads=heads,
            kv_heads=config_int(config, "num_key_value_heads", heads),
            head_dim=head_dim,
            vocab=config_int(config, "vocab_size"),
            max_positions=config_int(config, "max_position_embeddings", 2048),
            rope_theta=float(theta),
            eps=float(config.get("rms_norm_eps", 1e-5)),
            tied=bool(config.get("tie_word_embeddings", False)),
        )

    def spec(self) -> ModelSpec:
        h, i, d = self.hidden, self.intermediate, self.head_dim
        dense = {"model.embed_tokens.weight": (self.vocab, h), "model.norm.weight": (h,),
                 "lm_head.weight": (self.vocab, h)}
        binary: dict[str, tuple[int, int]] = {}
        for n in range(self.layers):
            p = f"model.layers.{n}"
            dense[f"{p}.input_layernorm.weight"] = (h,)
            dense[f"{p}.post_attention_layernorm.weight"] = (h,)
            binary[f"{p}.self_attn.q_proj"] = (self.heads * d, h)
            binary[f"{p}.self_attn.k_proj"] = (self.kv_heads * d, h)
            binary[f"{p}.self_attn.v_proj"] = (self.kv_heads * d, h)
            binary[f"{p}.self_attn.o_proj"] = (h, self.heads * d)
            binary[f"{p}.mlp.gate_proj"] = (i, h)
            binary[f"{p}.mlp.up_proj"] = (i, h)
            binary[f"{p}.mlp.down_proj"] = (h, i)
        return ModelSpec(dense=dense, binary=binary,
                         optional={"lm_head.weight"} if self.tied else set(),
                         ignore=lambda name: name.endswith("rotary_emb.inv_freq"))


class KVCache:
    """Keys/values per layer, (kv_heads, capacity, head_dim) float32; ``length`` tokens are valid.

    Rewinding is just lowering ``length``: later writes overwrite the old positions.
    """

    def __init__(self, config: FBIConfig, capacity: int):
        shape = (config.layers, config.kv_heads, capacity, config.head_dim)
        self.keys = np.empty(shape, dtype=np.float32)  # pages are touched only when written
        self.values = np.empty(shape, dtype=np.float32)
        self.capacity = capacity
        self.length = 0

    def snapshot(self) -> int:
        return self.length

    def restore(self, snapshot: int) -> None:
        self.length = snapshot


class FBILLM:
    kind = "fbi-llm"

    def __init__(self, config: FBIConfig, weights: Weights, tokenizer=None, path: Path | None = None):
        self.config = config
        self.tokenizer = tokenizer
        self.path = path
        d = weights.dense
        self.embed = d["model.embed_tokens.weight"]
        self.lm_head = d.get("lm_head.weight", self.embed)
        self.head = OutputHead(self.lm_head)
        self.norm = d["model.norm.weight"]
        self.layers = []
        for n in range(config.layers):
            p = f"model.layers.{n}"
            lin = {name: weights.linears[f"{p}.self_attn.{name}"] for name in ATTN_PROJ}
            lin.update({name: weights.linears[f"{p}.mlp.{name}"] for name in MLP_PROJ})
            lin["qkv"] = LinearGroup([lin["q_proj"], lin["k_proj"], lin["v_proj"]])
            lin["gate_up"] = LinearGroup([lin["gate_proj"], lin["up_proj"]])
            self.layers.append((d[f"{p}.input_layernorm.weight"], d[f"{p}.post_attention_layernorm.weight"], lin))
        half = config.head_dim // 2
        # Computed in float32 like the reference implementation (HF rotary embedding).
        inv_freq = (1.0 / (np.float32(config.rope_theta) **
                           (np.arange(0, config.head_dim, 2, dtype=np.int64).astype(np.float32)
                            / np.float32(config.head_dim)))).astype(np.float32)
        freqs = np.arange(config.max_positions, dtype=np.float32)[:, None] * inv_freq[None, :]
        self._cos = np.cos(freqs).astype(np.float32)  # (positions, half)
        self._sin = np.sin(freqs).astype(np.float32)
        assert self._cos.shape[1] == half

    # -- public API -------------------------------------------------------------------------
    @property
    def max_positions(self) -> int:
        return self.config.max_positions

    @property
    def vocab_size(self) -> int:
        return self.config.vocab

    @property
    def nbytes(self) -> int:
        total = self.embed.nbytes + self.norm.nbytes + (0 if self.head.weight is self.embed else self.head.nbytes)
        for in_norm, post_norm, lin in self.layers:
            total += in_norm.nbytes + post_norm.nbytes + sum(lin[name].nbytes for name in ATTN_PROJ + MLP_PROJ)
        return int(total)

    def set_head_precision(self, precision: str) -> None:
        """Output head in "fp32" (exact) or "int8" (see ``scalar.local.head``)."""
        self.head = OutputHead(self.lm_head, precision)

    def new_cache(self, capacity: int | None = None) -> KVCache:
        return KVCache(self.config, min(capacity or self.max_positions, self.max_positions))

    def forward(self, tokens) -> np.ndarray:
        """Logits (T, vocab) float32 for every position of a fresh sequence."""
        tokens = list(tokens)
        return self.prefill(tokens, self.new_cache(len(tokens)), logits="all")

    def prefill(self, tokens, cache: KVCache, *, logits: str = "last") -> np.ndarray | None:
        """Append ``tokens`` after ``cache.length``; return logits for "all" positions, the "last"
        one (vocab,), or "none"."""
        ids = np.asarray(list(tokens), dtype=np.int64)
        if ids.size == 0:
            raise ValueError("prefill needs at least one token")
        if ids.min() < 0 or ids.max() >= self.config.vocab:
            raise InputError(f"token id out of range [0, {self.config.vocab})")
        pos0 = cache.length
        if pos0 + ids.size > cache.capacity:
            raise ContextTooLongError(f"{pos0 + ids.size} tokens exceed the {cache.capacity} positions of "
                                      f"{self.kind} (max {self.max_positions})")
        h = self.embed[ids]
        for index in range(self.config.layers):
            h = self._layer(index, h, cache, pos0)
        cache.length = pos0 + ids.size
        if logits == "none":
            return None
        if logits == "last":
            return self.logits(h[-1])
        return self.logits(h)

    def logits(self, h: np.ndarray) -> np.ndarray:
        return self.head(rms_norm(h, self.norm, self.config.eps))

    # -- internals --------------------------------------------------------------------------
    def _rope(self, x: np.ndarray, pos0: int) -> np.ndarray:
        """x: (T, heads, head_dim), HF rotate-half layout."""
        t = x.shape[0]
        cos = self._cos[pos0:pos0 + t][:, None, :]
        sin = self._sin[pos0:pos0 + t][:, None, :]
        half = x.shape[-1] // 2
        x1, x2 = x[..., :half], x[..., half:]
        return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)

    def _layer(self, index: int, h: np.ndarray, cache: KVCache, pos0: int) -> np.ndarray:
        cfg = self.config
        in_norm, post_norm, lin = self.layers[index]
        t = h.shape[0]
        x = rms_norm_rows(h, in_norm, cfg.eps)
        q, k, v = lin["qkv"](x)
        q = self._rope(q.reshape(t, cfg.heads, cfg.head_dim), pos0)
        k = self._rope(k.reshape(t, cfg.kv_heads, cfg.head_dim), pos0)
        v = v.reshape(t, cfg.kv_heads, cfg.head_dim)
        cache.keys[index, :, pos0:pos0 + t] = k.transpose(1, 0, 2)
        cache.values[index, :, pos0:pos0 + t] = v.transpose(1, 0, 2)
        attn = self._attention(q, cache.keys[index], cache.values[index], pos0)
        h = h + lin["o_proj"](attn.reshape(t, cfg.heads * cfg.head_dim))
        x = rms_norm_rows(h, post_norm, cfg.eps)
        gate, up = lin["gate_up"](x)
        return h + lin["down_proj"](silu_mul(gate, up))

    def _attention(self, q: np.ndarray, keys: np.ndarray, values: np.ndarray, pos0: int) -> np.ndarray:
        """Causal softmax attention of q (T, heads, d) over cached keys/values [0, pos0 + T)."""
        cfg = self.config
        t = q.shape[0]
        group = cfg.heads // cfg.kv_heads
        qh = q.transpose(1, 0, 2) * np.float32(cfg.head_dim ** -0.5)  # (heads, T, d)
        if t == 1:  # decode: one numba kernel instead of small BLAS calls
            one = np.empty((cfg.heads, cfg.head_dim), dtype=np.float32)
            kernels.attend_one(np.ascontiguousarray(qh[:, 0]), keys, values, pos0 + 1, one, decode_parallel())
            return one[None]
        out = np.empty((t, cfg.heads, cfg.head_dim), dtype=np.float32)
        qh = np.ascontiguousarray(qh)
        blocks = []
        for start in range(0, t, QUERY_BLOCK):
            stop = min(t, start + QUERY_BLOCK)
            keep = np.tril(np.ones((stop - start, stop - start), dtype=np.float32))  # causal, trailing square
            blocks.append((start, stop, keep, (1.0 - keep) * np.float32(1e30)))

        def one_head(h: int) -> None:
            # One head and one block of queries at a time: the (block, span) scores stay a few MiB
            # (cache-resident, reused by malloc) instead of a (heads, block, span) array that would
            # be freshly mapped and page-faulted for every block.
            kv = h // group
            for start, stop, keep, drop in blocks:
                span = pos0 + stop  # keys visible to the last query of the block
                scores = qh[h, start:stop] @ keys[kv, :span].T  # (block, span)
                scores[:, pos0 + start:] -= drop
                np.subtract(scores, scores.max(axis=-1, keepdims=True), out=scores)
                # exp(-80) is still a normal float: without the floor, peaked rows produce
                # denormals, which are very slow on x86. Masked keys are zeroed exactly below.
                np.maximum(scores, np.float32(-80.0), out=scores)
                np.exp(scores, out=scores)
                scores[:, pos0 + start:] *= keep
                # normalize after the value product: (block, d) divisions instead of (block, span)
                out[start:stop, h] = (scores @ values[kv, :span]) / scores.sum(axis=-1, keepdims=True)

        # Heads in parallel on our threads, each BLAS call single-threaded (see _blas).
        with blas_threads(1):
            list(_head_pool().map(one_head, range(cfg.heads)))
        return out


def build(config: dict, weights: Weights, tokenizer=None, path: Path | None = None) -> FBILLM:
    return FBILLM(FBIConfig.from_dict(config), weights, tokenizer, path)
