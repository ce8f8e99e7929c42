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


@njit(parallel=True, cache=True, fastmath=True)
def selective_scan(x, dt, A, B, C, D, state, y):
    """x (T, H, P), dt (T, H) (after softplus), A (H,), B and C (T, G, N), D (H, P),
    state (H, P, N) updated in place, y (T, H, P) written."""
    T, H, P = x.shape
    G = B.shape[1]
    N = B.shape[2]
    per_group = H // G
    for h in prange(H):
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


@njit(parallel=True, cache=True, fastmath=True)
def causal_conv1d(xbc, conv_state, weight, bias, out):
    """Depthwise causal conv: xbc (T, C), conv_state (K-1, C) = the previous K-1 inputs (updated in
    place), weight (C, K), bias (C,), out (T, C). Output is SiLU(conv + bias)."""
    T, Ch = xbc.shape
    K = weight.shape[1]
    past = K - 1
    for c in prange(Ch):
        for t in range(T):
            acc = bias[c]
            for k in range(K):
                src = t - past + k  # input index this tap reads; < 0 means the carried state
                if src >= 0:
                    acc += weight[c, k] * xbc[src, c]
                else:
                    acc += weight[c, k] * conv_state[past + src, c]
            out[t, c] = acc / (np.float32(1.0) + np.exp(-acc))
        # carry the last K-1 inputs (from the state when T < K-1)
        for j in range(past):
            src = T - past + j
            if src >= 0:
                conv_state[j, c] = xbc[src, c]
            else:
                conv_state[j, c] = conv_state[j + T, c]
