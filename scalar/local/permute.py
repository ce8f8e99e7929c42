"""In-register lookup-table kernels for 1-bit linears (the T-MAC idea with AVX-512 ``vpermps``).

For each group of 4 input columns, a 16-entry table holds ``sum_j (+/-) x_j`` for the 16 sign
patterns: 16 float32 = exactly one 512-bit register. One ``vpermps`` then looks up 16 output rows
at once (their 4-bit sign patterns as indices) and one ``vaddps`` accumulates them, so a register
op does 64 multiply-adds of the dense product. Compared with unpacking the signs to +/-1 and
calling sgemm, that is 2-4x fewer instructions per weight; compared with the scalar 256-entry
tables of ``kernels.lut_gemv`` (decode), 16 lookups per instruction instead of one.

The result is exact up to fp32 summation order (table entries are fp32 sums of 4 terms), like the
other kernels. The weights use their own layout ("nibble blocks", 1 bit per weight as packed):
rows in blocks of 16, per block and group 8 bytes, byte j = row j's 4 signs in the low nibble and
row j+8's in the high nibble (``vpermps`` ignores index bits above 4, so the low nibbles need
no mask).

The kernels are written as LLVM IR through numba intrinsics, so they need a CPU with AVX-512F;
``available()`` says whether this one has it (otherwise BinaryLinear keeps the portable kernels).
"""

from __future__ import annotations

import functools

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from scalar.local import kernels  # noqa: F401  (sets OMP_WAIT_POLICY before numba's pool starts)

ROWS = 16  # output rows per block: one register of lookups
TOKEN_TILE = 8  # tokens per register tile in prefill (8 accumulators + index + temporaries)
GROUP_CHUNK = 64  # groups per pass: TOKEN_TILE tables of 64 groups = 32 KiB, kept in L1


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """This CPU (and numba's target) can run ``vpermps`` on 512-bit registers."""
    try:
        import llvmlite.binding as llvm

        features = llvm.get_host_cpu_features()
        return bool(features.get("avx512f"))
    except Exception:  # noqa: BLE001 - unknown host: use the portable kernels
        return False


def _make_tile(tokens: int):
    """An intrinsic adding the lookups of groups [g0, g1) of one row block for ``tokens`` tokens
    into out[tokens*tile_index:+tokens, 16*blk:+16] (accumulators stay in registers across groups)."""
    f32x16 = ir.VectorType(ir.FloatType(), 16)
    i32x16 = ir.VectorType(ir.IntType(32), 16)
    i8x8 = ir.VectorType(ir.IntType(8), 8)
    i32x8 = ir.VectorType(ir.IntType(32), 8)

    @intrinsic
    def tile(typingctx, tables, tile_index, nib, blk, g0, g1, out):
        sig = types.void(tables, tile_index, nib, blk, g0, g1, out)

        def codegen(context, builder, signature, args):
            tab_t, _, nib_t, _, _, _, out_t = signature.args
            tables_a = context.make_array(tab_t)(context, builder, args[0])
            nib_a = context.make_array(nib_t)(context, builder, args[2])
            out_a = context.make_array(out_t)(context, builder, args[6])
            i64 = ir.IntType(64)
            t0v, blkv, g0v, g1v = (context.cast(builder, args[i], signature.args[i], types.intp) for i in (1, 3, 4, 5))
            shape_tab = cgutils.unpack_tuple(builder, tables_a.shape, 4)
            shape_nib = cgutils.unpack_tuple(builder, nib_a.shape, 3)
            shape_out = cgutils.unpack_tuple(builder, out_a.shape, 2)
            groups = shape_tab[1]
            gstride = ir.Constant(i64, 16 * tokens)  # a group's tables of the tile's tokens are adjacent
            ostride = shape_out[1]
            tab0 = builder.gep(tables_a.data, [builder.mul(t0v, builder.mul(groups, gstride))])
            nib0 = builder.gep(nib_a.data, [builder.mul(builder.mul(blkv, shape_nib[1]), ir.Constant(i64, 8))])
            out0 = builder.gep(out_a.data, [builder.add(builder.mul(builder.mul(t0v, ir.Constant(i64, tokens)), ostride),
                                                        builder.mul(blkv, ir.Constant(i64, 16)))])
            perm = cgutils.get_or_insert_function(builder.module, ir.FunctionType(f32x16, [f32x16, i32x16]),
                                                  "llvm.x86.avx512.permvar.sf.512")
            vptr = f32x16.as_pointer()
            out_ptrs = [builder.bitcast(builder.gep(out0, [builder.mul(ir.Constant(i64, i), ostride)]), vptr)
                        for i in range(tokens)]
            init = [builder.load(p, align=4) for p in out_ptrs]
            pre = builder.block
            head = builder.append_basic_block("perm.head")
            body = builder.append_basic_block("perm.body")
            done = builder.append_basic_block("perm.done")
            builder.branch(head)
            builder.position_at_end(head)
            g = builder.phi(i64)
            accs = [builder.phi(f32x16) for _ in range(tokens)]
            g.add_incoming(g0v, pre)
            for acc, value in zip(accs, init):
                acc.add_incoming(value, pre)
            builder.cbranch(builder.icmp_signed("<", g, g1v), body, done)
            builder.position_at_end(body)
            raw = builder.load(builder.bitcast(builder.gep(nib0, [builder.mul(g, ir.Constant(i64, 8))]),
                                               i8x8.as_pointer()), align=1)
            low = builder.zext(raw, i32x8)
            high = builder.lshr(low, ir.Constant(i32x8, [4] * 8))
            index = builder.shuffle_vector(low, high, ir.Constant(i32x16, list(range(16))))
            goff = builder.mul(g, gstride)
            new = []
            for i, acc in enumerate(accs):
                ptr = builder.gep(tab0, [builder.add(ir.Constant(i64, 16 * i), goff)])
                table = builder.load(builder.bitcast(ptr, vptr), align=4)
                new.append(builder.fadd(acc, builder.call(perm, [table, index])))
            g_next = builder.add(g, ir.Constant(i64, 1))
            g.add_incoming(g_next, body)
            for acc, value in zip(accs, new):
                acc.add_incoming(value, body)
            builder.branch(head)
            builder.position_at_end(done)
            for p, acc in zip(out_ptrs, accs):
                builder.store(acc, p, align=4)
            return context.get_dummy_value()

        return sig, codegen

    return tile


_tile_many = _make_tile(TOKEN_TILE)
_tile_one = _make_tile(1)


@njit(cache=True)
def _fill_tables(x, alpha, width, tables, t0):
    """Tables of tokens t0.. of ``x * alpha``: entry n of group g is hi[n >> 2] + lo[n & 3], lo the
    4 signed sums of columns 4g, 4g+1, hi of 4g+2, 4g+3 (bit set = +1); columns past len(alpha)
    are 0. ``tables`` is (tiles, groups, tile, 16): token t at [t // tile, :, t % tile]."""
    k = alpha.shape[0]
    groups = width // 4
    full = k // 4
    tile = tables.shape[2]
    for t in range(x.shape[0]):
        row = tables[(t0 + t) // tile, :, (t0 + t) % tile]
        for g in range(groups):
            c = 4 * g
            if g < full:
                a = x[t, c] * alpha[c]
                b = x[t, c + 1] * alpha[c + 1]
                d0 = x[t, c + 2] * alpha[c + 2]
                d1 = x[t, c + 3] * alpha[c + 3]
            else:
                a = x[t, c] * alpha[c] if c < k else np.float32(0.0)
                b = x[t, c + 1] * alpha[c + 1] if c + 1 < k else np.float32(0.0)
                d0 = x[t, c + 2] * alpha[c + 2] if c + 2 < k else np.float32(0.0)
                d1 = x[t, c + 3] * alpha[c + 3] if c + 3 < k else np.float32(0.0)
            lo0 = -a - b
            lo1 = a - b
            lo2 = b - a
            lo3 = a + b
            for h in range(4):
                hv = (d0 if h & 1 else -d0) + (d1 if h & 2 else -d1)
                row[g, 4 * h] = hv + lo0
                row[g, 4 * h + 1] = hv + lo1
                row[g, 4 * h + 2] = hv + lo2
                row[g, 4 * h + 3] = hv + lo3


def table_shape(tokens: int, width: int) -> tuple[int, int, int, int]:
    """Shape of the tables of ``tokens`` tokens (one token: decode; else padded to TOKEN_TILE)."""
    tile = 1 if tokens == 1 else TOKEN_TILE
    return (-(-tokens // tile), width // 4, tile, 16)


@njit(cache=True)
def build_tables(x, alpha, width, tile):
    """Tables (ceil(T/tile), width/4, tile, 16) float32 of ``x * alpha``; padded tokens are zero."""
    tables = np.zeros(((x.shape[0] + tile - 1) // tile, width // 4, tile, 16), dtype=np.float32)
    _fill_tables(x, alpha, width, tables, 0)
    return tables


@njit(cache=True, parallel=True)
def fill_tables_parallel(x, alpha, width, tables):
    """``_fill_tables`` of every token into a caller's buffer (reused across layers: a fresh
    array of this size would be page-faulted in every call), spread over the threads."""
    chunk = 64
    for c in prange((x.shape[0] + chunk - 1) // chunk):
        a = c * chunk
        b = min(x.shape[0], a + chunk)
        _fill_tables(x[a:b], alpha, width, tables, a)


@njit(cache=True)
def fill_tables(x, alpha, width, tables):
    """Serial ``fill_tables_parallel``: a few microseconds per token, less than a fork/join of the
    thread pool costs on a busy machine."""
    _fill_tables(x, alpha, width, tables, 0)


@njit(cache=True, parallel=True)
def matmul_tokens(tables, nib, out):
    """out (tiles*TOKEN_TILE, 16*blocks) = lookups of every token tile x row block.
    Work items are (token tile, row-block range): each walks the groups in L1-sized chunks."""
    groups = tables.shape[1]
    blocks = nib.shape[0]
    tiles = tables.shape[0]
    # split rows too when there are few token tiles, so both cores have work
    parts = 1 if tiles >= 8 else 4
    span = (blocks + parts - 1) // parts
    for item in prange(tiles * parts):
        tile = item // parts
        b0 = (item % parts) * span
        b1 = min(blocks, b0 + span)
        t0 = tile * TOKEN_TILE
        for b in range(b0, b1):
            for t in range(TOKEN_TILE):
                for r in range(ROWS):
                    out[t0 + t, b * ROWS + r] = 0.0
        for g0 in range(0, groups, GROUP_CHUNK):
            g1 = min(groups, g0 + GROUP_CHUNK)
            for b in range(b0, b1):
                _tile_many(tables, tile, nib, b, g0, g1, out)


@njit(cache=True, parallel=True)
def matmul_fused(x, alpha, width, nib, out):
    """``fill_tables`` + ``matmul_tokens`` per token tile: each work item builds the tables of its
    8 tokens in its own L2-sized buffer (8 x width/4 x 64 B) and uses them at once, instead of
    writing and re-reading tables 4x the size of the activations (184 MB for 2048 x 5632).
    out: (ceil(T/8)*8, 16*blocks)."""
    tokens = x.shape[0]
    groups = width // 4
    blocks = nib.shape[0]
    tiles = (tokens + TOKEN_TILE - 1) // TOKEN_TILE
    for tile in prange(tiles):
        t0 = tile * TOKEN_TILE
        t1 = min(tokens, t0 + TOKEN_TILE)
        tables = np.zeros((1, groups, TOKEN_TILE, 16), dtype=np.float32)
        _fill_tables(x[t0:t1], alpha, width, tables, 0)
        part = out[t0:t0 + TOKEN_TILE]
        for b in range(blocks):
            for t in range(TOKEN_TILE):
                for r in range(ROWS):
                    part[t, b * ROWS + r] = 0.0
        for g0 in range(0, groups, GROUP_CHUNK):
            g1 = min(groups, g0 + GROUP_CHUNK)
            for b in range(blocks):
                _tile_many(tables, 0, nib, b, g0, g1, part)


@njit(cache=True, nogil=True)
def matvec(tables, nib, b0, b1, out):
    """Row blocks [b0, b1) of one token (tables (1, G, 1, 16)) into out (1, 16*blocks)."""
    groups = tables.shape[1]
    for b in range(b0, b1):
        for r in range(ROWS):
            out[0, b * ROWS + r] = 0.0
        _tile_one(tables, 0, nib, b, 0, groups, out)


@njit(cache=True, parallel=True)
def matvec_parallel(tables, nib, out):
    blocks = nib.shape[0]
    parts = 8
    span = (blocks + parts - 1) // parts
    for p in prange(parts):
        matvec(tables, nib, p * span, min(blocks, (p + 1) * span), out)


def nibble_blocks(packed: np.ndarray) -> np.ndarray:
    """Row-major packed sign bytes (O, W/8) -> nibble blocks uint8 (ceil(O/16), W/4, 8)."""
    rows, nbytes = packed.shape
    blocks = -(-rows // ROWS)
    padded = np.zeros((blocks * ROWS, nbytes), dtype=np.uint8)
    padded[:rows] = packed
    nib = np.empty((blocks * ROWS, nbytes * 2), dtype=np.uint8)
    nib[:, 0::2] = padded & 15
    nib[:, 1::2] = padded >> 4
    nib = nib.reshape(blocks, 2, 8, nbytes * 2)  # (block, half, row, group)
    return np.ascontiguousarray((nib[:, 0] | (nib[:, 1] << 4)).transpose(0, 2, 1))


def packed_from_nibbles(nib: np.ndarray, rows: int) -> np.ndarray:
    """Inverse of ``nibble_blocks``: row-major packed bytes (rows, W/8)."""
    blocks, groups, _ = nib.shape
    t = nib.transpose(0, 2, 1)  # (block, row-in-half, group)
    full = np.empty((blocks, 2, 8, groups), dtype=np.uint8)
    full[:, 0] = t & 15
    full[:, 1] = t >> 4
    full = full.reshape(blocks * ROWS, groups)
    return np.ascontiguousarray((full[:, 0::2] | (full[:, 1::2] << 4))[:rows])
