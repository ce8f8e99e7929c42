"""Small full-precision pieces shared by both models (numpy, float32)."""

from __future__ import annotations

import numpy as np


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
