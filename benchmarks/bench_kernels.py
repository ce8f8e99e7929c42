"""1-bit kernels vs dense fp32, side by side in one run (2 threads, medians of interleaved rounds).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_kernels.py

(unsetting the two OpenBLAS overrides, where the machine sets them, lets numpy pick its fastest
kernel; only for this command.) The machine is shared: compare ratios, not absolute times.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")  # before numpy loads OpenBLAS
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # numba's and torch's OpenMP pools sleep when idle

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return float(np.median(samples)) * 1e3


def interleaved(fns: dict, rounds: int, block: int = 20) -> dict:
    """Blocks of ``block`` calls per function, cycled ``rounds // block`` times, so load from other
    users hits every path alike; the first calls of a block (waking that library's thread pool
    after another library used the cores) are dropped."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(max(1, rounds // block)):
        for name, fn in fns.items():
            for i in range(block):
                start = time.perf_counter()
                fn()
                if i >= 3:
                    times[name].append(time.perf_counter() - start)
    return {k: median_ms(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=int, default=5632)
    ap.add_argument("--inp", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--prefill-tokens", type=int, default=512)
    args = ap.parse_args()

    import numba
    import torch
    from rich.console import Console
    from rich.table import Table

    from scalar.local import kernels
    from scalar.local.binary import BinaryLinear

    numba.set_num_threads(2)
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    out_f, in_f = args.out, args.inp
    # Built packed (the benchmark never needs the latent weights); the dense baselines get W_hat.
    latent = rng.standard_normal((out_f, in_f), dtype=np.float32)
    alpha = rng.uniform(0.5, 1.5, in_f).astype(np.float32)
    beta = rng.normal(0, 0.1, in_f).astype(np.float32)
    layer = BinaryLinear.from_latent(latent, alpha, beta)
    dense = (alpha * np.sign(latent) + beta).astype(np.float32)  # torch.sign: sign(0) = 0
    del latent
    dense_t = torch.from_numpy(dense)
    x = rng.standard_normal(in_f, dtype=np.float32)
    x_t = torch.from_numpy(x)
    padded = np.zeros(layer.words.shape[1] * 64, np.float32)
    padded[:in_f] = x * alpha
    table = kernels.build_lut(padded)
    y_kernel = np.empty(out_f, np.float32)

    # Warm up (JIT, caches) and check exactness against float64.
    ref = dense.astype(np.float64) @ x.astype(np.float64)
    ours = layer(x)
    rel_err = float(np.abs(ours - ref).max() / np.abs(ref).max())
    for fn in (lambda: dense @ x, lambda: dense_t @ x_t, lambda: kernels.lut_gemv(layer.words, table, y_kernel)):
        fn()

    gemv = interleaved({
        "1-bit LUT GEMV (BinaryLinear, 1 token)": lambda: layer(x),
        "  of which LUT kernel only": lambda: kernels.lut_gemv(layer.words, table, y_kernel),
        "torch fp32 dense GEMV": lambda: dense_t @ x_t,
        "numpy fp32 dense GEMV": lambda: dense @ x,
    }, args.rounds)

    m = args.prefill_tokens
    xm = rng.standard_normal((m, in_f), dtype=np.float32)
    xm_t = torch.from_numpy(xm)
    layer(xm)
    gemm = interleaved({
        f"1-bit unpack + sgemm ({m} tokens)": lambda: layer(xm),
        f"numpy fp32 dense sgemm ({m} tokens)": lambda: xm @ dense.T,
        f"torch fp32 dense sgemm ({m} tokens)": lambda: xm_t @ dense_t.T,
    }, max(5, args.rounds // 20), block=5)

    console = Console()
    table_out = Table(title=f"{out_f}x{in_f} layer, 2 threads, medians (numba {numba.threading_layer()}, "
                            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
    table_out.add_column("path")
    table_out.add_column("ms", justify="right")
    table_out.add_column("speed-up of 1-bit", justify="right")
    ours_ms = gemv["1-bit LUT GEMV (BinaryLinear, 1 token)"]
    for name, ms in gemv.items():
        table_out.add_row(name, f"{ms:.3f}", "" if name.startswith("1-bit") or name.startswith("  ")
                          else f"{ms / ours_ms:.2f}x")
    ours_gemm = gemm[f"1-bit unpack + sgemm ({m} tokens)"]
    for name, ms in gemm.items():
        table_out.add_row(name, f"{ms:.2f}", "" if name.startswith("1-bit") else f"{ms / ours_gemm:.2f}x")
    console.print(table_out)
    fp32_bytes = out_f * in_f * 4
    console.print(f"exactness: max relative error of the 1-bit GEMV vs float64 dense = {rel_err:.2e}")
    console.print(f"memory: packed layer {layer.nbytes / 2**20:.2f} MiB vs fp32 {fp32_bytes / 2**20:.1f} MiB "
                  f"= 1/{fp32_bytes / layer.nbytes:.1f}")
    console.print(f"targets: >= 4x torch GEMV -> {gemv['torch fp32 dense GEMV'] / ours_ms:.2f}x; "
                  f">= 2x numpy GEMV -> {gemv['numpy fp32 dense GEMV'] / ours_ms:.2f}x; "
                  f"memory <= 1/28 -> 1/{fp32_bytes / layer.nbytes:.1f}")


if __name__ == "__main__":
    main()
