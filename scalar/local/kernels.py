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
from numba import njit, prange, types  # noqa: E402
from numba.core import cgutils  # noqa: E402
from numba.extending import intrinsic  # noqa: E402


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


# Columns per tile of the decode layout: 4 uint64 words = 256 inputs = 32 groups, whose tables
# (32 x 256 float32 = 32 KiB) stay in a 48 KiB L1 data cache while every output row reads them.
# A row-major layout walks the whole K/8 x 1 KiB table (256 KiB for K = 2048, an L2 miss per
# lookup) for every 4 rows; tiles made the single-threaded GEMV 1.3x faster (measured).
TILE_WORDS = 4


@njit(cache=True)
def _tile_rows(words, table, out, r0, r1, first):
    """Rows [r0, r1) of one column tile: words (O, tw) uint64, table the tile's tw*2048 entries.
    Four rows per pass share each table line and give four independent add chains."""
    nwords = words.shape[1]
    stop = r0 + (r1 - r0) // 4 * 4
    for o in range(r0, stop, 4):
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
        if first:
            out[o] = a0
            out[o + 1] = a1
            out[o + 2] = a2
            out[o + 3] = a3
        else:
            out[o] += a0
            out[o + 1] += a1
            out[o + 2] += a2
            out[o + 3] += a3
    for o in range(stop, r1):
        acc = np.float32(0.0)
        for q in range(nwords):
            w = words[o, q]
            for j in range(8):
                acc += table[q * 2048 + 256 * j + np.intp((w >> np.uint64(8 * j)) & np.uint64(255))]
        if first:
            out[o] = acc
        else:
            out[o] += acc


@njit(cache=True)
def _gemv_rows(tiles, tail, table, out, r0, r1):
    ntiles = tiles.shape[0]
    span = tiles.shape[2] * 2048
    for t in range(ntiles):
        _tile_rows(tiles[t], table[t * span:(t + 1) * span], out, r0, r1, t == 0)
    if tail.shape[1] > 0:
        _tile_rows(tail, table[ntiles * span:], out, r0, r1, ntiles == 0)


@njit(cache=True, nogil=True)
def lut_gemv(tiles, tail, tables, chunks, out):
    """Single-threaded LUT GEMV over the tiled layout (see ``tile_words``).

    tiles: uint64 (T, O, TILE_WORDS) full column tiles; tail: uint64 (O, rest) the last columns;
    tables: float32 (n, K/8*256), one ``build_lut`` table per linear sharing this input;
    chunks: int64 (c, 3) rows [start, stop) and the table each uses; out: float32 (O,)."""
    for c in range(chunks.shape[0]):
        _gemv_rows(tiles, tail, tables[chunks[c, 2]], out, chunks[c, 0], chunks[c, 1])


@njit(cache=True, parallel=True)
def lut_gemv_parallel(tiles, tail, tables, chunks, out):
    """``lut_gemv`` with the row chunks spread over numba's threads."""
    for c in prange(chunks.shape[0]):
        _gemv_rows(tiles, tail, tables[chunks[c, 2]], out, chunks[c, 0], chunks[c, 1])


@intrinsic
def _fetch_add(typingctx, array, index, value):
    """Atomic ``array[index] += value`` on an int64 array, returning the old value."""
    if not (isinstance(array, types.Array) and array.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        arr_t = signature.args[0]
        arr = context.make_array(arr_t)(context, builder, args[0])
        idx = context.cast(builder, args[1], signature.args[1], types.intp)
        val = context.cast(builder, args[2], signature.args[2], types.int64)
        ptr = cgutils.get_item_pointer(context, builder, arr_t, arr, [idx])
        return builder.atomic_rmw("add", ptr, val, "seq_cst")

    return types.int64(array, index, value), codegen


@njit(cache=True, nogil=True)
def lut_gemv_shared(tiles, tail, tables, chunks, out, state):
    """``lut_gemv`` run by several threads at once without a fork/join: each caller claims work
    items from ``state[0]`` (atomic) until none are left and counts finished ones in ``state[1]``.
    A thread that starts late (asleep, or its core taken by another process) only finds less
    work; nobody waits for it unless it is in the middle of an item (see ``wait_done``)."""
    n = chunks.shape[0]
    while True:
        c = _fetch_add(state, 0, 1)
        if c >= n:
            break
        _gemv_rows(tiles, tail, tables[chunks[c, 2]], out, chunks[c, 0], chunks[c, 1])
        _fetch_add(state, 1, 1)


@njit(cache=True, nogil=True)
def wait_done(state, n, spins):
    """Spin up to ``spins`` atomic reads for ``state[1] == n``; True when every item is done."""
    for _ in range(spins):
        if _fetch_add(state, 1, 0) >= n:
            return True
    return False


def tile_words(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-major packed words (O, W) -> (full tiles (W // TILE_WORDS, O, TILE_WORDS), tail (O, rest))."""
    rows, nwords = words.shape
    full = nwords // TILE_WORDS
    tiles = np.ascontiguousarray(words[:, :full * TILE_WORDS].reshape(rows, full, TILE_WORDS).transpose(1, 0, 2))
    tail = np.ascontiguousarray(words[:, full * TILE_WORDS:])
    return tiles, tail


def untile_words(tiles: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """Inverse of ``tile_words``: row-major (O, W) uint64."""
    rows = tail.shape[0]
    return np.concatenate([tiles.transpose(1, 0, 2).reshape(rows, -1), tail], axis=1)


@njit(cache=True)
def _sign_table():
    t = np.empty((256, 8), dtype=np.float32)
    for b in range(256):
        for j in range(8):
            t[b, j] = np.float32(1.0) if (b >> j) & 1 else np.float32(-1.0)
    return t


@njit(parallel=True, cache=True)
def unpack_signs(tiles, tail, in_features, out):
    """Tiled packed words (see ``tile_words``) -> out: float32 (O, in_features) filled with +/-1."""
    table = _sign_table()
    rows = out.shape[0]
    ntiles = tiles.shape[0]
    tw = tiles.shape[2]
    nwords = ntiles * tw + tail.shape[1]
    for r in prange(rows):
        for q in range(nwords):
            if q < ntiles * tw:
                w = tiles[q // tw, r, q % tw]
            else:
                w = tail[r, q - ntiles * tw]
            for b in range(8):
                byte = np.intp((w >> np.uint64(8 * b)) & np.uint64(255))
                col = 64 * q + 8 * b
                if col + 8 <= in_features:
                    for j in range(8):
                        out[r, col + j] = table[byte, j]
                else:
                    for j in range(max(0, in_features - col)):
                        out[r, col + j] = table[byte, j]


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
