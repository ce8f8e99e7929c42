"""The Mamba-2 selective scan (SSD recurrence) as a numba kernel.

Per head h with state S (P x N), per token t:
    S <- exp(dt_t * A_h) * S + dt_t * x_t (outer) B_t ;   y_t = S @ C_t + D_h * x_t
Heads are independent, so they are spread over threads; a head's state stays in L1/L2 while the
kernel walks the tokens. The state is updated in place, so a long input is fed chunk by chunk
with constant memory.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

SERIAL_TOKENS = 4  # up to this many tokens the kernels stay on one thread


def _scan_head(x, dt, A, B, C, D, state, y, h, per_group):
    T = x.shape[0]
    P = x.shape[2]
    N = B.shape[2]
    g = h // per_group
    s = state[h]
    for t in range(T):
        d = dt[t, h]
        decay = np.exp(d * A[h])
        for p in range(P):
            xp = x[t, h, p]
            xd = xp * d
            acc = np.float32(0.0)
            for n in range(N):
                v = s[p, n] * decay + xd * B[t, g, n]
                s[p, n] = v
                acc += v * C[t, g, n]
            y[t, h, p] = acc + D[h, p] * xp


_scan_head_jit = njit(cache=True, fastmath=True, inline="always")(_scan_head)


@njit(parallel=True, cache=True, fastmath=True)
def _scan_parallel(x, dt, A, B, C, D, state, y):
    H = x.shape[1]
    per_group = H // B.shape[1]
    for h in prange(H):
        _scan_head_jit(x, dt, A, B, C, D, state, y, h, per_group)


@njit(cache=True, fastmath=True)
def _scan_serial(x, dt, A, B, C, D, state, y):
    H = x.shape[1]
    per_group = H // B.shape[1]
    for h in range(H):
        _scan_head_jit(x, dt, A, B, C, D, state, y, h, per_group)


def selective_scan(x, dt, A, B, C, D, state, y):
    """x (T, H, P), dt (T, H) (after softplus), A (H,), B and C (T, G, N), D (H, P),
    state (H, P, N) updated in place, y (T, H, P) written.

    A few tokens (decode) run on one thread: waking the pool costs more than the work."""
    if x.shape[0] <= SERIAL_TOKENS:
        _scan_serial(x, dt, A, B, C, D, state, y)
    else:
        _scan_parallel(x, dt, A, B, C, D, state, y)


def _conv_block(xbc, conv_state, weight, bias, out, c0, c1):
    T = xbc.shape[0]
    K = weight.shape[0]
    past = K - 1
    # tokens outer, channels inner: contiguous rows of (T, C), vectorizable over channels
    for t in range(T):
        for c in range(c0, c1):
            out[t, c] = bias[c]
        for k in range(K):
            src = t - past + k  # input row this tap reads; < 0 means the carried state
            if src >= 0:
                for c in range(c0, c1):
                    out[t, c] += weight[k, c] * xbc[src, c]
            else:
                for c in range(c0, c1):
                    out[t, c] += weight[k, c] * conv_state[past + src, c]
        for c in range(c0, c1):
            a = out[t, c]
            out[t, c] = a / (np.float32(1.0) + np.exp(-a))
    # carry the last K-1 inputs (partly from the old state when T < K-1)
    for j in range(past):
        src = T - past + j
        for c in range(c0, c1):
            if src >= 0:
                conv_state[j, c] = xbc[src, c]
            else:
                conv_state[j, c] = conv_state[j + T, c]


_conv_block_jit = njit(cache=True, fastmath=True, inline="always")(_conv_block)
CONV_BLOCK = 256


@njit(parallel=True, cache=True, fastmath=True)
def _conv_parallel(xbc, conv_state, weight, bias, out):
    Ch = xbc.shape[1]
    blocks = (Ch + CONV_BLOCK - 1) // CONV_BLOCK
    for b in prange(blocks):
        _conv_block_jit(xbc, conv_state, weight, bias, out, b * CONV_BLOCK, min(Ch, (b + 1) * CONV_BLOCK))


@njit(cache=True, fastmath=True)
def _conv_serial(xbc, conv_state, weight, bias, out):
    _conv_block_jit(xbc, conv_state, weight, bias, out, 0, xbc.shape[1])


def causal_conv1d(xbc, conv_state, weight, bias, out):
    """Depthwise causal conv: xbc (T, C), conv_state (K-1, C) = the previous K-1 inputs (updated in
    place), weight (K, C) (taps major: contiguous over channels, the vectorized loop), bias (C,),
    out (T, C). Output is SiLU(conv + bias)."""
    if xbc.shape[0] <= SERIAL_TOKENS:
        _conv_serial(xbc, conv_state, weight, bias, out)
    else:
        _conv_parallel(xbc, conv_state, weight, bias, out)
