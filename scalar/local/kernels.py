"""numba kernels for 1-bit linears: lookup-table GEMV (decode) and sign unpacking (prefill).

LUT GEMV (the T-MAC idea): for every group of 8 input columns, a 256-entry table holds the sum
``sum_j (+/-) x_j`` for each of the 256 sign patterns; one output row is then the sum of one table
entry per packed byte. Bits are never unpacked and each byte costs one load and one add. Tables are
built from two 16-entry nibble tables (256 adds per group). Exact up to fp32 summation order.
"""

from __future__ import annotations

import os

# numba's OpenMP pool must sleep, not spin, between kernels: with libgomp's default wait its
# threads fight OpenBLAS's (prefill) and other processes on a 2-core machine, and a parallel
# region can then cost a scheduler quantum (measured: median 6-10 ms instead of 0.4 ms per GEMV
# under load; even a short GOMP_SPINCOUNT=10000 made decode slower whenever the machine was
# shared). Read once when the OpenMP runtime starts; an explicit user setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402


@njit(cache=True, fastmath=True)
def build_lut(xs):
    """xs: float32 (K,), K a multiple of 8 -> flat table (K/8 * 256,).

    Entry ``16*h + l`` of a group is hi[h] + lo[l], the signed sums of its upper and lower four
    inputs; each 16-entry half-table is built incrementally (entry i differs from entry
    i - lowbit(i) by one flipped sign). Serial on purpose: ~20 us for K = 2048, cheaper than
    waking the thread pool."""
    groups = xs.shape[0] // 8
    table = np.empty(groups * 256, dtype=np.float32)
    lo = np.empty(16, dtype=np.float32)
    hi = np.empty(16, dtype=np.float32)
    for g in range(groups):
        b = 8 * g
        lo[0] = -xs[b] - xs[b + 1] - xs[b + 2] - xs[b + 3]
        hi[0] = -xs[b + 4] - xs[b + 5] - xs[b + 6] - xs[b + 7]
        for i in range(1, 16):
            low = i & (-i)
            j = 0 if low == 1 else (1 if low == 2 else (2 if low == 4 else 3))
            lo[i] = lo[i - low] + np.float32(2.0) * xs[b + j]
            hi[i] = hi[i - low] + np.float32(2.0) * xs[b + 4 + j]
        base = g * 256
        for h in range(16):
            hv = hi[h]
            for l in range(16):
                table[base + h * 16 + l] = hv + lo[l]
    return table


@njit(cache=True)
def _row_sum(words, row, table):
    acc = np.float32(0.0)
    for q in range(words.shape[1]):
        w = words[row, q]
        base = q * 2048
        for j in range(8):
            acc += table[base + 256 * j + np.intp((w >> np.uint64(8 * j)) & np.uint64(255))]
    return acc


@njit(parallel=True, cache=True)
def lut_gemv(words, table, out):
    """words: uint64 (O, K/64) packed signs; table from build_lut; out: float32 (O,).

    Four rows per iteration share each table row fetch and give four independent add chains.
    """
    rows = words.shape[0]
    nwords = words.shape[1]
    quads = rows // 4
    for b in prange(quads):
        o = b * 4
        a0 = np.float32(0.0)
        a1 = np.float32(0.0)
        a2 = np.float32(0.0)
        a3 = np.float32(0.0)
        for q in range(nwords):
            w0 = words[o, q]
            w1 = words[o + 1, q]
            w2 = words[o + 2, q]
            w3 = words[o + 3, q]
            base = q * 2048
            for j in range(8):
                off = base + 256 * j
                sh = np.uint64(8 * j)
                a0 += table[off + np.intp((w0 >> sh) & np.uint64(255))]
                a1 += table[off + np.intp((w1 >> sh) & np.uint64(255))]
                a2 += table[off + np.intp((w2 >> sh) & np.uint64(255))]
                a3 += table[off + np.intp((w3 >> sh) & np.uint64(255))]
        out[o] = a0
        out[o + 1] = a1
        out[o + 2] = a2
        out[o + 3] = a3
    for r in range(quads * 4, rows):
        out[r] = _row_sum(words, r, table)


@njit(parallel=True, cache=True)
def lut_gemv_grouped(words, tables, quad_table, out):
    """Several linears sharing one input in one parallel region (q/k/v, gate/up): ``words`` are
    their row-concatenated signs, ``tables`` one LUT per linear, ``quad_table[b]`` the table of
    rows 4b..4b+3. Fewer thread-pool wake-ups per token than one call per linear."""
    quads = words.shape[0] // 4
    nwords = words.shape[1]
    for b in prange(quads):
        o = b * 4
        table = tables[quad_table[b]]
        a0 = np.float32(0.0)
        a1 = np.float32(0.0)
        a2 = np.float32(0.0)
        a3 = np.float32(0.0)
        for q in range(nwords):
            w0 = words[o, q]
            w1 = words[o + 1, q]
            w2 = words[o + 2, q]
            w3 = words[o + 3, q]
            base = q * 2048
            for j in range(8):
                off = base + 256 * j
                sh = np.uint64(8 * j)
                a0 += table[off + np.intp((w0 >> sh) & np.uint64(255))]
                a1 += table[off + np.intp((w1 >> sh) & np.uint64(255))]
                a2 += table[off + np.intp((w2 >> sh) & np.uint64(255))]
                a3 += table[off + np.intp((w3 >> sh) & np.uint64(255))]
        out[o] = a0
        out[o + 1] = a1
        out[o + 2] = a2
        out[o + 3] = a3


@njit(cache=True)
def _sign_table():
    t = np.empty((256, 8), dtype=np.float32)
    for b in range(256):
        for j in range(8):
            t[b, j] = np.float32(1.0) if (b >> j) & 1 else np.float32(-1.0)
    return t


@njit(parallel=True, cache=True)
def unpack_signs(packed, in_features, out):
    """packed: uint8 (O, padded/8) -> out: float32 (O, in_features) filled with +/-1."""
    table = _sign_table()
    rows = packed.shape[0]
    full = in_features // 8
    for r in prange(rows):
        for g in range(full):
            b = packed[r, g]
            for j in range(8):
                out[r, 8 * g + j] = table[b, j]
        for c in range(full * 8, in_features):
            out[r, c] = table[packed[r, c // 8], c % 8]


@njit(cache=True)
def add_zero_corrections(y, xs, zeros):
    """y: (T, O), xs: (T, K) scaled inputs; for each exact zero (row, col): y[:, row] += xs[:, col].

    The packed bit of a zero weight reads as -1, so the kernel produced -alpha*x; sign(0)=0 wants 0.
    """
    for i in range(zeros.shape[0]):
        r = zeros[i, 0]
        c = zeros[i, 1]
        for t in range(y.shape[0]):
            y[t, r] += xs[t, c]


@njit(parallel=True, cache=True, fastmath=True)
def dense_matvec(weight, x, out):
    """out = weight @ x for a float32 (O, K) matrix: the fp32 lm_head at decode time (kept off
    BLAS so its spinning threads do not compete with numba's on two cores)."""
    rows, cols = weight.shape
    for r in prange(rows):
        acc = np.float32(0.0)
        for c in range(cols):
            acc += weight[r, c] * x[c]
        out[r] = acc


@njit(parallel=True, cache=True, fastmath=True)
def attend_one(q, keys, values, length, out):
    """Single-query softmax attention: q (H, d) already scaled, keys/values (Hkv, cap, d) of which
    the first ``length`` positions are valid; out (H, d)."""
    heads, dim = q.shape
    group = heads // keys.shape[0]
    for h in prange(heads):
        kv = h // group
        scores = np.empty(length, dtype=np.float32)
        best = np.float32(-np.inf)
        for j in range(length):
            acc = np.float32(0.0)
            for i in range(dim):
                acc += q[h, i] * keys[kv, j, i]
            scores[j] = acc
            if acc > best:
                best = acc
        total = np.float32(0.0)
        for j in range(length):
            e = np.exp(max(scores[j] - best, np.float32(-80.0)))  # no denormals (slow on x86)
            scores[j] = e
            total += e
        for i in range(dim):
            out[h, i] = 0.0
        for j in range(length):
            w = scores[j] / total
            for i in range(dim):
                out[h, i] += w * values[kv, j, i]
