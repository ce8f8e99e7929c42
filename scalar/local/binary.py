"""BinaryLinear: the FBI-Linear layer of FBI-LLM and Bi-Mamba held as packed sign bits.

The original layer computes ``y = x @ W_hat.T`` with ``W_hat = alpha * sign(W) + beta`` where
alpha (``wscale``) and beta (``wbias``) hold one value per *input* column. That is exactly
``y = S @ (alpha * x) + (beta . x)`` with S the sign matrix, so a layer is only the packed signs,
two fp32 vectors and the (normally empty) list of exact-zero latent weights.

On CPUs with AVX-512 (``permute.available()``) every input size goes through the in-register
lookup tables of ``scalar.local.permute`` (16-entry tables, one ``vpermps`` per 16 rows x 4
inputs), several times faster than either path below. Elsewhere (portable kernels): decode (few
tokens) uses a scalar lookup-table GEMV per token, prefill unpacks this one layer to +/-1 float32
in a reused per-thread workspace and multiplies with BLAS (numpy sgemm).
"""

from __future__ import annotations

import os
import queue
import threading
import time

import numpy as np

from scalar.local import kernels, permute
from scalar.local.pack import pack_signs, padded_width, unpack_signs_reference

# Up to this many tokens the LUT path runs once per token; above it, unpack + sgemm wins.
LUT_MAX_TOKENS = 6
# AVX-512 kernels: from this many tokens (8 tiles, one per work item) each tile builds its own
# tables (``permute.matmul_fused``); fewer tokens share prebuilt tables over row-split items.
FUSED_MIN_TOKENS = 64

# How a decode GEMV uses the cores. "omp": row blocks spread over numba's threads with prange (a
# fork/join: every call waits for the slowest thread, so it is the fastest mode when the other
# cores are free and loses when another process holds one); "serial": the calling thread only;
# "shared": the caller works while helper threads join as they wake (blocks claimed atomically,
# no fork/join; measured slower than both here: a Python-thread wake-up per call); "auto"
# (default): "omp" once other processes have used less than OTHERS_BUSY_CORES for QUIET_SECONDS,
# "serial" as soon as they use more (read from /proc/stat, at most every half second). Without
# the waiting time, load that comes and goes gave "auto" a 3 ms p90 (fork/joins caught by it).
# benchmarks/bench_kernels.py times the modes on a quiet machine and next to a busy process.
GEMV_MODE = "auto"
# Which kernels a BinaryLinear built from now on uses: "auto" (AVX-512 lookup tables when the CPU
# has them), or "portable" (the scalar-LUT GEMV and unpack + sgemm, any x86/ARM CPU).
KERNELS = "auto"
OTHERS_BUSY_CORES = 0.25
QUIET_SECONDS = 3.0


class _CoreWatch:
    """CPU time other processes used recently: the machine's busy time (/proc/stat, steal time
    included: on a VM that is the host giving our core away) minus this process's own."""

    def __init__(self):
        self.sample = None
        self.value = 0.0
        self.quiet_since: float | None = None
        self.lock = threading.Lock()

    @staticmethod
    def _machine_busy() -> float | None:
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user/nice
        return (sum(fields) - idle - guest) / os.sysconf("SC_CLK_TCK")

    def others_busy(self) -> float:
        """Cores' worth of CPU used by other processes over the last ~0.5 s (0.0 when unknown)."""
        now = time.monotonic()
        with self.lock:
            if self.sample is not None and now - self.sample[0] < 0.5:
                return self.value
            busy = self._machine_busy()
            if busy is None:
                return 0.0
            current = (now, busy, time.process_time())
            if self.sample is not None:
                t0, m0, p0 = self.sample
                self.value = max(0.0, ((busy - m0) - (current[2] - p0)) / (now - t0))
                if self.value > OTHERS_BUSY_CORES:
                    self.quiet_since = None
                elif self.quiet_since is None:
                    self.quiet_since = now
            self.sample = current
            return self.value

    def quiet(self) -> bool:
        """Other processes have left the cores idle for QUIET_SECONDS."""
        self.others_busy()
        return self.quiet_since is not None and time.monotonic() - self.quiet_since >= QUIET_SECONDS


_cores = _CoreWatch()


def decode_parallel() -> bool:
    """Whether a decode-time kernel (GEMV, attention, output head) should use numba's threads now
    (``GEMV_MODE``: "auto" = only while other processes leave the cores idle)."""
    return _gemv_mode(_numba_threads(), 2) == "omp"


def _gemv_mode(threads: int, items: int) -> str:
    if threads <= 1 or items <= 1:
        return "serial"
    if GEMV_MODE != "auto":
        return GEMV_MODE
    return "omp" if _cores.quiet() else "serial"


_workspace = threading.local()


def _scratch(size: int) -> np.ndarray:
    """A float32 buffer reused across layers (avoids page-faulting a fresh matrix every call)."""
    buf = getattr(_workspace, "buf", None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=np.float32)
        _workspace.buf = buf
    return buf[:size]


def _tables(shape: tuple[int, ...]) -> np.ndarray:
    """This thread's reused buffer for ``permute`` tables of this shape (float32)."""
    size = int(np.prod(shape))
    buf = getattr(_workspace, "tables", None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=np.float32)
        _workspace.tables = buf
    return buf[:size].reshape(shape)


def release_workspace() -> None:
    """Free this thread's unpack and table buffers (e.g. after a long prefill)."""
    _workspace.buf = None
    _workspace.tables = None


class _Helpers:
    """Daemon threads that join ``kernels.lut_gemv_shared`` calls (numba threads - 1 of them)."""

    def __init__(self):
        self.queues: list[queue.SimpleQueue] = []
        self.lock = threading.Lock()

    def ensure(self, count: int) -> list:
        with self.lock:
            while len(self.queues) < count:
                q: queue.SimpleQueue = queue.SimpleQueue()
                threading.Thread(target=self._serve, args=(q,), name=f"scalar-gemv-{len(self.queues)}",
                                 daemon=True).start()
                self.queues.append(q)
        return self.queues[:count]

    @staticmethod
    def _serve(q: queue.SimpleQueue) -> None:
        while True:
            kernels.lut_gemv_shared(*q.get())


_helpers = _Helpers()


def _run_gemv(blocks, nwords: int, tables, items, out: np.ndarray) -> None:
    """One LUT GEMV over row-concatenated linears sharing an input (``GEMV_MODE``)."""
    threads = _numba_threads()
    mode = _gemv_mode(threads, items.shape[0])
    if mode == "serial":
        kernels.lut_gemv(blocks, nwords, tables, items, out)
    elif mode == "omp":
        kernels.lut_gemv_parallel(blocks, nwords, tables, items, out)
    else:
        state = np.zeros(2, dtype=np.int64)
        job = (blocks, nwords, tables, items, out, state)
        for q in _helpers.ensure(threads - 1):
            q.put(job)
        kernels.lut_gemv_shared(*job)
        while not kernels.wait_done(state, items.shape[0], 100_000):
            time.sleep(0)  # a helper was descheduled in the middle of an item: let it run


def _items(rows: int, row0: int = 0, table: int = 0) -> np.ndarray:
    """Work items (start, stop, table index) of one linear's blocks, rows offset by ``row0``."""
    bounds = kernels.block_bounds(rows)
    return np.asarray([(row0 + a, row0 + b, table) for a, b in zip(bounds[:-1], bounds[1:])],
                      dtype=np.int64).reshape(-1, 3)


def _numba_threads() -> int:
    import numba

    return numba.get_num_threads()


class BinaryLinear:
    """A 1-bit linear layer ``y = x @ (alpha * sign(W) + beta).T`` over packed signs.

    In memory the signs are held in the decode kernel's blocked layout (``kernels.block_words``);
    ``packed`` gives the row-major bytes of the file format back."""

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
        self._nwords = width // 64
        # one layout in memory: nibble blocks for the AVX-512 kernels, or the portable blocked words
        fast = KERNELS == "auto" and permute.available()
        self.nib = permute.nibble_blocks(packed) if fast else None
        self.blocks = None if self.nib is not None else kernels.block_words(packed.view(np.uint64))
        self._items = _items(packed.shape[0])
        self._alphas = alpha[None]
        self.alpha = alpha
        self.beta = beta
        self.in_features = in_f
        self.out_features = packed.shape[0]
        self._width = width
        zeros = np.zeros((0, 2), np.int64) if zeros is None else np.asarray(zeros, np.int64).reshape(-1, 2)
        self.zeros = np.ascontiguousarray(zeros)

    @classmethod
    def from_latent(cls, weight, wscale, wbias) -> BinaryLinear:
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
        signs = self.nib if self.nib is not None else self.blocks
        return int(signs.nbytes + self.alpha.nbytes + self.beta.nbytes + self.zeros.nbytes)

    @property
    def packed(self) -> np.ndarray:
        """Row-major sign bytes (out, padded_in/8), the layout of the packed file format."""
        if self.nib is not None:
            return permute.packed_from_nibbles(self.nib, self.out_features)
        return kernels.unblock_words(self.blocks, self.out_features, self._nwords).view(np.uint8)

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
        shift = x @ self.beta  # (T,): the beta . x term shared by every output
        if self.nib is not None:
            y = self._permute(x)
            if len(self.zeros):
                kernels.add_zero_corrections(y, x * self.alpha, self.zeros)
            y += shift[:, None]
            return y
        xs = x * self.alpha  # (T, K): alpha folded into the activations
        if tokens <= LUT_MAX_TOKENS:
            y = np.empty((tokens, self.out_features), dtype=np.float32)
            for t in range(tokens):
                tables = kernels.build_luts(x[t], self._alphas, self._nwords)
                _run_gemv(self.blocks, self._nwords, tables, self._items, y[t])
        else:
            signs = _scratch(self.out_features * in_f).reshape(self.out_features, in_f)
            kernels.unpack_signs(self.blocks, self._nwords, self._items, in_f, signs)
            y = xs @ signs.T
        if len(self.zeros):
            kernels.add_zero_corrections(y, xs, self.zeros)
        y += shift[:, None]
        return y

    def _permute(self, x: np.ndarray) -> np.ndarray:
        """S @ (alpha * x) through the in-register lookup tables (``permute``)."""
        tokens = x.shape[0]
        x = np.ascontiguousarray(x)
        width = self._nwords * 64
        out_rows = self.nib.shape[0] * permute.ROWS
        if tokens == 1:
            tables = permute.build_tables(x, self.alpha, width, 1)
            out = np.empty((1, out_rows), dtype=np.float32)
            if _gemv_mode(_numba_threads(), self.nib.shape[0]) == "omp":
                permute.matvec_parallel(tables, self.nib, out)
            else:
                permute.matvec(tables, self.nib, 0, self.nib.shape[0], out)
        elif tokens >= FUSED_MIN_TOKENS:
            padded = -(-tokens // permute.TOKEN_TILE) * permute.TOKEN_TILE
            out = np.empty((padded, out_rows), dtype=np.float32)
            permute.matmul_fused(x, self.alpha, width, self.nib, out)
        else:
            shape = permute.table_shape(tokens, width)
            tables = _tables(shape)
            tables[-1, :, tokens - (shape[0] - 1) * shape[2]:] = 0.0  # padding tokens of the last tile
            fill = permute.fill_tables_parallel if tokens >= 256 else permute.fill_tables
            fill(x, self.alpha, width, tables)
            out = np.empty((shape[0] * shape[2], out_rows), dtype=np.float32)
            permute.matmul_tokens(tables, self.nib, out)
        if out.shape == (tokens, self.out_features):
            return out
        return np.ascontiguousarray(out[:tokens, :self.out_features])

    def __repr__(self) -> str:
        return (f"BinaryLinear(out={self.out_features}, in={self.in_features}, "
                f"zeros={len(self.zeros)}, nbytes={self.nbytes})")


class LinearGroup:
    """Binary linears that read the same input (q/k/v, gate/up), decoded in one kernel call.

    The members' blocked signs are moved into one row-concatenated array (each member keeps a view
    of its rows, so no memory is added); many-token inputs still go through each member's
    unpack + sgemm path."""

    def __init__(self, members: list[BinaryLinear]):
        self.members = members
        in_f = {m.in_features for m in members}
        # the AVX-512 kernels need one table set per member anyway: members run one by one
        self.fused = len(in_f) == 1 and all(m.nib is None for m in members)
        if not self.fused:
            return
        blocks = np.concatenate([m.blocks for m in members])
        items = []
        row = 0
        for index, m in enumerate(members):
            m.blocks = blocks[row * m._nwords:(row + m.out_features) * m._nwords]
            items.append(_items(m.out_features, row, index))
            row += m.out_features
        self.blocks = blocks
        self._nwords = members[0]._nwords
        self._items = np.concatenate(items)
        self._alphas = np.stack([m.alpha for m in members])
        self.bounds = [0] + [int(b) for b in np.cumsum([m.out_features for m in members])]
        self.in_features = members[0].in_features
        self._width = members[0]._width

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        x = np.asarray(x, dtype=np.float32)
        if not self.fused or x.ndim != 2 or x.shape[0] > LUT_MAX_TOKENS:
            return [m(x) for m in self.members]
        tokens = x.shape[0]
        outs = [np.empty((tokens, m.out_features), dtype=np.float32) for m in self.members]
        flat = np.empty(self.bounds[-1], dtype=np.float32)
        for t in range(tokens):
            tables = kernels.build_luts(x[t], self._alphas, self._nwords)
            _run_gemv(self.blocks, self._nwords, tables, self._items, flat)
            for index in range(len(self.members)):
                outs[index][t] = flat[self.bounds[index]:self.bounds[index + 1]]
        for m, y in zip(self.members, outs):
            if len(m.zeros):
                kernels.add_zero_corrections(y, x * m.alpha, m.zeros)
            y += (x @ m.beta)[:, None]
        return outs
