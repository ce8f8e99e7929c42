"""BinaryLinear: the FBI-Linear layer of FBI-LLM and Bi-Mamba held as packed sign bits.

The original layer computes ``y = x @ W_hat.T`` with ``W_hat = alpha * sign(W) + beta`` where
alpha (``wscale``) and beta (``wbias``) hold one value per *input* column. That is exactly
``y = S @ (alpha * x) + (beta . x)`` with S the sign matrix, so a layer is only the packed signs,
two fp32 vectors and the (normally empty) list of exact-zero latent weights.

Decode (few tokens): lookup-table GEMV per token. Prefill (many tokens): unpack this one layer to
+/-1 float32 in a reused per-thread workspace and multiply with BLAS (numpy sgemm).
"""

from __future__ import annotations

import threading

import numpy as np

from scalar.local import kernels
from scalar.local.pack import pack_signs, padded_width, unpack_signs_reference

# Up to this many tokens the LUT path runs once per token; above it, unpack + sgemm wins.
LUT_MAX_TOKENS = 6

_workspace = threading.local()


def _scratch(size: int) -> np.ndarray:
    """A float32 buffer reused across layers (avoids page-faulting a fresh matrix every call)."""
    buf = getattr(_workspace, "buf", None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=np.float32)
        _workspace.buf = buf
    return buf[:size]


def release_workspace() -> None:
    """Free this thread's unpack buffer (e.g. after a long prefill)."""
    _workspace.buf = None


class BinaryLinear:
    """A 1-bit linear layer ``y = x @ (alpha * sign(W) + beta).T`` over packed signs."""

    def __init__(self, packed: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                 zeros: np.ndarray | None = None):
        alpha = np.ascontiguousarray(alpha, dtype=np.float32).reshape(-1)
        beta = np.ascontiguousarray(beta, dtype=np.float32).reshape(-1)
        if alpha.shape != beta.shape:
            raise ValueError(f"wscale {alpha.shape} and wbias {beta.shape} differ")
        in_f = alpha.shape[0]
        width = padded_width(in_f)
        packed = np.ascontiguousarray(packed, dtype=np.uint8)
        if packed.ndim != 2 or packed.shape[1] != width // 8:
            raise ValueError(f"packed signs of shape {packed.shape} do not fit {in_f} input columns")
        self.packed = packed
        self.words = packed.view(np.uint64)  # same bytes, read 64 signs at a time
        self.alpha = alpha
        self.beta = beta
        self.in_features = in_f
        self.out_features = packed.shape[0]
        self._width = width
        zeros = np.zeros((0, 2), np.int64) if zeros is None else np.asarray(zeros, np.int64).reshape(-1, 2)
        self.zeros = np.ascontiguousarray(zeros)

    @classmethod
    def from_latent(cls, weight, wscale, wbias) -> "BinaryLinear":
        """Build from the checkpoint's latent weight (out, in) and its (1, in) or (in,) scales."""
        weight = np.asarray(weight, dtype=np.float32)
        if weight.ndim != 2:
            raise ValueError(f"weight must be (out, in), got {weight.shape}")
        wscale = np.asarray(wscale, dtype=np.float32).reshape(-1)
        wbias = np.asarray(wbias, dtype=np.float32).reshape(-1)
        if wscale.shape[0] != weight.shape[1] or wbias.shape[0] != weight.shape[1]:
            raise ValueError(f"wscale/wbias must have {weight.shape[1]} entries, got "
                             f"{wscale.shape[0]} and {wbias.shape[0]}")
        packed, zeros = pack_signs(weight)
        return cls(packed, wscale, wbias, zeros)

    @property
    def nbytes(self) -> int:
        return int(self.packed.nbytes + self.alpha.nbytes + self.beta.nbytes + self.zeros.nbytes)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.out_features, self.in_features)

    def dequantize(self) -> np.ndarray:
        """Dense W_hat (out, in) float32 — for tests and references only."""
        signs = unpack_signs_reference(self.packed, self.in_features)
        if len(self.zeros):
            signs[self.zeros[:, 0], self.zeros[:, 1]] = 0.0
        return signs * self.alpha[None, :] + self.beta[None, :]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 1:
            return self._forward(x[None, :])[0]
        if x.ndim != 2:
            raise ValueError(f"input must be (in,) or (T, in), got {x.shape}")
        return self._forward(x)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        tokens, in_f = x.shape
        if in_f != self.in_features:
            raise ValueError(f"input has {in_f} features, layer expects {self.in_features}")
        xs = x * self.alpha  # (T, K): alpha folded into the activations
        shift = x @ self.beta  # (T,): the beta . x term shared by every output
        if tokens <= LUT_MAX_TOKENS:
            y = np.empty((tokens, self.out_features), dtype=np.float32)
            padded = np.zeros(self._width, dtype=np.float32)
            for t in range(tokens):
                padded[:in_f] = xs[t]
                kernels.lut_gemv(self.words, kernels.build_lut(padded), y[t])
        else:
            signs = _scratch(self.out_features * in_f).reshape(self.out_features, in_f)
            kernels.unpack_signs(self.packed, in_f, signs)
            y = xs @ signs.T
        if len(self.zeros):
            kernels.add_zero_corrections(y, xs, self.zeros)
        y += shift[:, None]
        return y

    def __repr__(self) -> str:
        return (f"BinaryLinear(out={self.out_features}, in={self.in_features}, "
                f"zeros={len(self.zeros)}, nbytes={self.nbytes})")


class LinearGroup:
    """Binary linears that read the same input (q/k/v, gate/up), decoded in one kernel call.

    The members' packed signs are moved into one row-concatenated array (each member keeps a view
    of its rows, so no memory is added); many-token inputs still go through each member's
    unpack + sgemm path."""

    def __init__(self, members: list[BinaryLinear]):
        self.members = members
        in_f = {m.in_features for m in members}
        self.fused = len(in_f) == 1 and all(m.out_features % 4 == 0 for m in members)
        if not self.fused:
            return
        packed = np.concatenate([m.packed for m in members])
        quad_table = []
        row = 0
        for index, m in enumerate(members):
            m.packed = packed[row:row + m.out_features]
            m.words = m.packed.view(np.uint64)
            row += m.out_features
            quad_table += [index] * (m.out_features // 4)
        self.packed = packed
        self.words = packed.view(np.uint64)
        self.quad_table = np.asarray(quad_table, dtype=np.int64)
        self.bounds = np.cumsum([0] + [m.out_features for m in members])
        self.in_features = members[0].in_features
        self._width = members[0]._width

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        x = np.asarray(x, dtype=np.float32)
        if not self.fused or x.ndim != 2 or x.shape[0] > LUT_MAX_TOKENS:
            return [m(x) for m in self.members]
        tokens = x.shape[0]
        outs = [np.empty((tokens, m.out_features), dtype=np.float32) for m in self.members]
        flat = np.empty(self.words.shape[0], dtype=np.float32)
        padded = np.zeros(self._width, dtype=np.float32)
        for t in range(tokens):
            tables = []
            for m in self.members:
                padded[: self.in_features] = x[t] * m.alpha
                tables.append(kernels.build_lut(padded))
            kernels.lut_gemv_grouped(self.words, np.stack(tables), self.quad_table, flat)
            for index, m in enumerate(self.members):
                outs[index][t] = flat[self.bounds[index]:self.bounds[index + 1]]
        for m, y in zip(self.members, outs):
            if len(m.zeros):
                kernels.add_zero_corrections(y, x * m.alpha, m.zeros)
            y += (x @ m.beta)[:, None]
        return outs
