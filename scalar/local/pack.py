"""Sign packing: a latent fp32 weight (out, in) -> 8 signs per byte, plus the exact zeros.

Layout: row-major over output rows; within a row, bit j of byte g is input column 8*g + j
(little bit order). Rows are padded with 0-bits to a multiple of 64 columns so the kernels can read
them as uint64 words; the padded columns are multiplied by activations that are always 0.
A 1-bit means sign +1, a 0-bit means -1. ``torch.sign(0) = 0`` in the original models, so exact
zeros are packed as -1 and listed separately; the kernels add back ``alpha_k * x_k`` for each.
"""

from __future__ import annotations

import numpy as np

WORD_BITS = 64


def padded_width(in_features: int) -> int:
    """Columns after padding to a multiple of 64."""
    return -(-in_features // WORD_BITS) * WORD_BITS


def pack_signs(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(out, in) float -> (packed uint8 (out, padded_in/8), zeros int64 (n, 2) of (row, col))."""
    weight = np.asarray(weight)
    if weight.ndim != 2:
        raise ValueError(f"expected a 2-D weight, got shape {weight.shape}")
    out_f, in_f = weight.shape
    width = padded_width(in_f)
    packed = np.zeros((out_f, width // 8), dtype=np.uint8)
    # Row blocks keep the boolean temporaries small for large matrices.
    step = max(1, (1 << 24) // max(in_f, 1))
    zero_rows, zero_cols = [], []
    for r0 in range(0, out_f, step):
        block = weight[r0:r0 + step]
        packed[r0:r0 + step, : -(-in_f // 8)] = np.packbits(block > 0, axis=1, bitorder="little")
        zr, zc = np.nonzero(block == 0)
        if zr.size:
            zero_rows.append(zr + r0)
            zero_cols.append(zc)
    if zero_rows:
        zeros = np.stack([np.concatenate(zero_rows), np.concatenate(zero_cols)], axis=1).astype(np.int64)
    else:
        zeros = np.zeros((0, 2), dtype=np.int64)
    return packed, zeros


def unpack_signs_reference(packed: np.ndarray, in_features: int) -> np.ndarray:
    """Plain numpy unpack to +/-1 float32 (tests and tooling; the kernels have a fast one)."""
    bits = np.unpackbits(packed, axis=1, bitorder="little")[:, :in_features]
    return bits.astype(np.float32) * 2.0 - 1.0
