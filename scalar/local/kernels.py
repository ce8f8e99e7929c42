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
def _fill_lut(xs, table):
    """Entry ``16*h + l`` of group g is hi[h] + lo[l], the signed sums of its upper and lower four
    inputs; each 16-entry half-table is built incrementally (entry i differs from entry
    i - lowbit(i) by one flipped sign). Serial on purpose: ~20 us for K = 2048, cheaper than
    waking the thread pool."""
    groups = xs.shape[0] // 8
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


@njit(cache=True)
def build_lut(xs):
    """xs: float32 (K,), K a multiple of 8 -> flat table (K/8 * 256,) of every signed sum of each
    group of 8 inputs."""
    table = np.empty(xs.shape[0] // 8 * 256, dtype=np.float32)
    _fill_lut(xs, table)
    return table


@njit(cache=True)
def build_luts(x, alphas, nwords):
    """Tables of ``x * alphas[i]`` (zero-padded to nwords*64 inputs) for the n linears that read x:
    x float32 (K,), alphas float32 (n, K) -> (n, nwords*2048). One call for q/k/v or gate/up."""
    n, k = alphas.shape
    tables = np.empty((n, nwords * 2048), dtype=np.float32)
    padded = np.zeros(nwords * 64, dtype=np.float32)
    for i in range(n):
        for c in range(k):
            padded[c] = x[c] * alphas[i, c]
        _fill_lut(padded, tables[i])
    return tables


# Decode layout ("blocked"): rows in blocks of BLOCK_ROWS, each block's signs stored contiguously
# as column tiles of TILE_WORDS uint64 words (256 inputs = 32 groups, whose tables, 32 x 256
# float32 = 32 KiB, stay in a 48 KiB L1 data cache while every row of the block reads them), then
# the last columns (fewer than TILE_WORDS words). A block is one work item: one contiguous stream
# of weights. Measured against row-major words on a 5632x2048 GEMV: tiles 1.3x faster with
# cache-resident weights; blocks another 1.8x single-threaded when weights come from memory.
TILE_WORDS = 4
BLOCK_ROWS = 256


@njit(cache=True)
def _tile_rows(words, table, out, first):
    """One column tile of a block: words (nr, tw) uint64, table the tile's tw*2048 entries, out (nr,).
    Four rows per pass share each table line and give four independent add chains."""
    rows, nwords = words.shape
    stop = rows // 4 * 4
    for o in range(0, stop, 4):
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
    for o in range(stop, rows):
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
def _gemv_block(blocks, nwords, r0, r1, table, out):
    """Rows [r0, r1) (one block) of the blocked layout into out[r0:r1]."""
    nr = r1 - r0
    full = nwords // TILE_WORDS
    rest = nwords - full * TILE_WORDS
    start = r0 * nwords
    span = TILE_WORDS * 2048
    y = out[r0:r1]
    for t in range(full):
        words = blocks[start:start + nr * TILE_WORDS].reshape((nr, TILE_WORDS))
        _tile_rows(words, table[t * span:(t + 1) * span], y, t == 0)
        start += nr * TILE_WORDS
    if rest > 0:
        words = blocks[start:start + nr * rest].reshape((nr, rest))
        _tile_rows(words, table[full * span:], y, full == 0)


@njit(cache=True, nogil=True)
def lut_gemv(blocks, nwords, tables, items, out):
    """Single-threaded LUT GEMV over the blocked layout (see ``block_words``).

    blocks: uint64 (O * nwords,); tables: float32 (n, nwords*8*256), one ``build_lut`` table per
    linear sharing this input; items: int64 (c, 3) blocks as rows [start, stop) and the table each
    uses; out: float32 (O,)."""
    for c in range(items.shape[0]):
        _gemv_block(blocks, nwords, items[c, 0], items[c, 1], tables[items[c, 2]], out)


@njit(cache=True, parallel=True)
def lut_gemv_parallel(blocks, nwords, tables, items, out):
    """``lut_gemv`` with the blocks spread over numba's threads (prange: fork/join)."""
    for c in prange(items.shape[0]):
        _gemv_block(blocks, nwords, items[c, 0], items[c, 1], tables[items[c, 2]], out)


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
def lut_gemv_shared(blocks, nwords, tables, items, out, state):
    """``lut_gemv`` run by several threads at once without a fork/join: each caller claims items
    from ``state[0]`` (atomic) until none are left and counts finished ones in ``state[1]``.
    A thread that starts late (asleep, or its core taken by another process) only finds less
    work; nobody waits for it unless it is in the middle of an item (see ``wait_done``)."""
    n = items.shape[0]
    while True:
        c = _fetch_add(state, 0, 1)
        if c >= n:
            break
        _gemv_block(blocks, nwords, items[c, 0], items[c, 1], tables[items[c, 2]], out)
        _fetch_add(state, 1, 1)


@njit(cache=True, nogil=True)
def wait_done(state, n, spins):
    """Spin up to ``spins`` atomic reads for ``state[1] == n``; True when every item is done."""
    for _ in range(spins):
        if _fetch_add(state, 1, 0) >= n:
            return True
    return False


def block_bounds(rows: int) -> list[int]:
    """Row boundaries of the blocks of one linear: near-equal blocks of at most BLOCK_ROWS rows."""
    n = max(1, -(-rows // BLOCK_ROWS))
    step = (-(-rows // n) + 3) // 4 * 4  # whole passes of the 4-row loop
    return list(range(0, rows, step)) + [rows] if rows else [0]


def block_words(words: np.ndarray) -> np.ndarray:
    """Row-major packed words (O, W) -> the blocked layout, flat uint64 (O * W,)."""
    rows, nwords = words.shape
    full = nwords // TILE_WORDS
    out = np.empty(rows * nwords, dtype=np.uint64)
    bounds = block_bounds(rows)
    for r0, r1 in zip(bounds[:-1], bounds[1:]):
        part = words[r0:r1]
        pieces = [part[:, t * TILE_WORDS:(t + 1) * TILE_WORDS].reshape(-1) for t in range(full)]
        pieces.append(part[:, full * TILE_WORDS:].reshape(-1))
        out[r0 * nwords:r1 * nwords] = np.concatenate(pieces)
    return out


def unblock_words(blocks: np.ndarray, rows: int, nwords: int) -> np.ndarray:
    """Inverse of ``block_words``: row-major (O, W) uint64."""
    full = nwords // TILE_WORDS
    out = np.empty((rows, nwords), dtype=np.uint64)
    bounds = block_bounds(rows)
    for r0, r1 in zip(bounds[:-1], bounds[1:]):
        nr = r1 - r0
        start = r0 * nwords
        for t in range(full):
            out[r0:r1, t * TILE_WORDS:(t + 1) * TILE_WORDS] = blocks[start:start + nr * TILE_WORDS].reshape(nr, -1)
            start += nr * TILE_WORDS
        out[r0:r1, full * TILE_WORDS:] = blocks[start:start + nr * (nwords - full * TILE_WORDS)].reshape(nr, -1)
    return out


@njit(cache=True)
def _sign_table():
    t = np.empty((256, 8), dtype=np.float32)
    for b in range(256):
        for j in range(8):
            t[b, j] = np.float32(1.0) if (b >> j) & 1 else np.float32(-1.0)
    return t


@njit(parallel=True, cache=True)
def unpack_signs(blocks, nwords, items, in_features, out):
    """Blocked packed words (see ``block_words``; items as for ``lut_gemv``) -> out: float32
    (O, in_features) filled with +/-1."""
    table = _sign_table()
    full = nwords // TILE_WORDS
    rest = nwords - full * TILE_WORDS
    for c in prange(items.shape[0]):
        r0 = items[c, 0]
        nr = items[c, 1] - r0
        for i in range(nr):
            for q in range(nwords):
                if q < full * TILE_WORDS:
                    t = q // TILE_WORDS
                    w = blocks[r0 * nwords + t * nr * TILE_WORDS + i * TILE_WORDS + q % TILE_WORDS]
                else:
                    w = blocks[r0 * nwords + full * nr * TILE_WORDS + i * rest + q - full * TILE_WORDS]
                for b in range(8):
                    byte = np.intp((w >> np.uint64(8 * b)) & np.uint64(255))
                    col = 64 * q + 8 * b
                    if col + 8 <= in_features:
                        for j in range(8):
                            out[r0 + i, col + j] = table[byte, j]
                    else:
                        for j in range(max(0, in_features - col)):
                            out[r0 + i, col + j] = table[byte, j]


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


@njit(cache=True, fastmath=True, nogil=True)
def _matvec_rows(weight, x, out, r0, r1):
    for r in range(r0, r1):
        acc = np.float32(0.0)
        for c in range(weight.shape[1]):
            acc += weight[r, c] * x[c]
        out[r] = acc


@njit(parallel=True, cache=True)
def _matvec_parallel(weight, x, out):
    rows = weight.shape[0]
    parts = 16
    for p in prange(parts):
        _matvec_rows(weight, x, out, p * rows // parts, (p + 1) * rows // parts)


def dense_matvec(weight, x, out, parallel: bool = True):
    """out = weight @ x for a float32 (O, K) matrix: the fp32 lm_head at decode time (kept off
    BLAS so its spinning threads do not compete with numba's on two cores)."""
    if parallel:
        _matvec_parallel(weight, x, out)
    else:
        _matvec_rows(weight, x, out, 0, weight.shape[0])


@njit(cache=True, fastmath=True, nogil=True)
def _attend_heads(q, keys, values, length, out, h0, h1):
    heads, dim = q.shape
    group = heads // keys.shape[0]
    scores = np.empty(length, dtype=np.float32)
    for h in range(h0, h1):
        kv = h // group
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


@njit(parallel=True, cache=True)
def _attend_parallel(q, keys, values, length, out):
    heads = q.shape[0]
    for h in prange(heads):
        _attend_heads(q, keys, values, length, out, h, h + 1)


def attend_one(q, keys, values, length, out, parallel: bool = True):
    """Single-query softmax attention: q (H, d) already scaled, keys/values (Hkv, cap, d) of which
    the first ``length`` positions are valid; out (H, d)."""
    if parallel:
        _attend_parallel(q, keys, values, length, out)
    else:
        _attend_heads(q, keys, values, length, out, 0, q.shape[0])
