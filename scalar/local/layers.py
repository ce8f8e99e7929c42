"""Small full-precision pieces shared by both models (numpy, float32; fused numba kernels for many tokens)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """x * rsqrt(mean(x^2) + eps) * weight over the last axis (Llama / Mamba RMSNorm)."""
    var = np.mean(np.square(x), axis=-1, keepdims=True, dtype=np.float32)
    return (x / np.sqrt(var + np.float32(eps))) * weight


def silu(x: np.ndarray) -> np.ndarray:
    # x * sigmoid(x), written to avoid overflow warnings for large negative x.
    return x * (0.5 * (1.0 + np.tanh(0.5 * x)))


def softplus(x: np.ndarray) -> np.ndarray:
    # torch.nn.functional.softplus with threshold 20: identity above it.
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0)))).astype(np.float32)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# -- fused numba versions for many tokens: one pass over the activations instead of several numpy
# temporaries (each a fresh multi-MB array). No nnan/ninf fast-math: silu must see exp overflow.
_FAST = {"reassoc", "contract", "nsz", "arcp"}


@njit(cache=True, fastmath=_FAST)
def _rms_span(x, weight, eps, out, t0, t1):
    for t in range(t0, t1):
        acc = 0.0
        for i in range(x.shape[1]):
            acc += np.float64(x[t, i]) * x[t, i]
        scale = np.float32(1.0 / np.sqrt(acc / x.shape[1] + eps))
        for i in range(x.shape[1]):
            out[t, i] = x[t, i] * scale * weight[i]


@njit(cache=True, fastmath=_FAST)
def _silu_mul_span(gate, up, out, t0, t1):
    for t in range(t0, t1):
        for i in range(gate.shape[1]):
            g = gate[t, i]
            out[t, i] = g / (np.float32(1.0) + np.exp(-g)) * up[t, i]


@njit(cache=True, fastmath=_FAST)
def _gated_rms_span(y, z, weight, groups, eps, out, t0, t1):
    # z: a C-contiguous array whose first y.shape[1] columns are the gate (a strided view would
    # compile to a scalar loop)
    width = y.shape[1] // groups
    for t in range(t0, t1):
        for g in range(groups):
            acc = 0.0
            for i in range(g * width, (g + 1) * width):
                zi = z[t, i]
                v = y[t, i] * (zi / (np.float32(1.0) + np.exp(-zi)))
                out[t, i] = v
                acc += np.float64(v) * v
            scale = np.float32(1.0 / np.sqrt(acc / width + eps))
            for i in range(g * width, (g + 1) * width):
                out[t, i] = out[t, i] * scale * weight[i]


@njit(cache=True, parallel=True)
def _rms_parallel(x, weight, eps, out):
    n = x.shape[0]
    parts = min(n, 64)
    for p in prange(parts):
        _rms_span(x, weight, eps, out, p * n // parts, (p + 1) * n // parts)


@njit(cache=True, parallel=True)
def _silu_mul_parallel(gate, up, out):
    n = gate.shape[0]
    parts = min(n, 64)
    for p in prange(parts):
        _silu_mul_span(gate, up, out, p * n // parts, (p + 1) * n // parts)


@njit(cache=True, parallel=True)
def _gated_rms_parallel(y, z, weight, groups, eps, out):
    n = y.shape[0]
    parts = min(n, 64)
    for p in prange(parts):
        _gated_rms_span(y, z, weight, groups, eps, out, p * n // parts, (p + 1) * n // parts)


# Up to this many tokens (decode) the calling thread works alone: a fork/join of the pool costs
# more than the work, and much more when other processes hold the cores.
SERIAL_TOKENS = 4


def rms_norm_rows(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """``rms_norm`` of a (T, D) float32 array (float64 sum of squares)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    out = np.empty(x.shape, dtype=np.float32)
    if x.shape[0] <= SERIAL_TOKENS:
        _rms_span(x, weight, eps, out, 0, x.shape[0])
    else:
        _rms_parallel(x, weight, eps, out)
    return out


def silu_mul(gate: np.ndarray, up: np.ndarray) -> np.ndarray:
    """silu(gate) * up for (T, D) float32 arrays (the SwiGLU product)."""
    out = np.empty(gate.shape, dtype=np.float32)
    if gate.shape[0] <= SERIAL_TOKENS:
        _silu_mul_span(gate, up, out, 0, gate.shape[0])
    else:
        _silu_mul_parallel(gate, up, out)
    return out


def gated_rms_norm(y: np.ndarray, z: np.ndarray, weight: np.ndarray, groups: int, eps: float) -> np.ndarray:
    """Mamba-2's gated RMSNorm (norm_before_gate=False): rms_norm(y * silu(z)) per group of
    channels; y (T, D), z (T, >= D) whose first D columns are the gate, weight (D,)."""
    z = np.ascontiguousarray(z)
    y = np.ascontiguousarray(y)
    out = np.empty(y.shape, dtype=np.float32)
    if y.shape[0] <= SERIAL_TOKENS:
        _gated_rms_span(y, z, weight, groups, eps, out, 0, y.shape[0])
    else:
        _gated_rms_parallel(y, z, weight, groups, eps, out)
    return out
