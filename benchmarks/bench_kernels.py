"""1-bit kernels vs dense fp32, side by side in one run (2 threads, medians of interleaved rounds).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_kernels.py

(unsetting the two OpenBLAS overrides, where the machine sets them, lets numpy pick its fastest
kernel; only for this command.) The machine is shared: compare ratios, not absolute times.

The 1-bit GEMV is timed in its threading modes (``scalar.local.binary.GEMV_MODE``): "auto" (the
default: "omp" while other processes leave the cores idle, else "serial"), "omp" (numba prange,
fork/join), "serial" (one thread) and "shared" (the caller works while a helper thread joins when
it wakes). The table is measured in a subprocess per condition:
"quiet", and with ``--busy`` also "busy" (a competing ``while True: pass`` process holds a core
for the duration, as another job on a shared machine does). ``--policies PASSIVE,ACTIVE`` adds
spinning OpenMP threads (faster only on a machine of your own).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# this checkout's package, whatever `pip install -e` points at
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")  # before numpy loads OpenBLAS
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
if os.environ.get("SCALAR_BENCH_POLICY"):
    os.environ["OMP_WAIT_POLICY"] = os.environ["SCALAR_BENCH_POLICY"]  # before any OpenMP runtime loads

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return float(np.median(samples)) * 1e3


def interleaved(fns: dict, rounds: int, block: int = 20, tails: dict | None = None) -> dict:
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
    if tails is not None:
        tails.update({k: (float(np.mean(v)) * 1e3, float(np.percentile(v, 90)) * 1e3) for k, v in times.items()})
    return {k: median_ms(v) for k, v in times.items()}


def measure(args) -> dict:
    import numba

    from scalar.local import binary, kernels
    from scalar.local._blas import blas_threads
    from scalar.local.binary import BinaryLinear

    default_mode = binary.GEMV_MODE

    # Start numba's OpenMP pool before torch loads its own libgomp, so the pool runs with the
    # settings scalar.local uses at run time (where torch is not imported at all).
    BinaryLinear(np.zeros((4, 8), np.uint8), np.ones(64, np.float32), np.zeros(64, np.float32))(
        np.ones((8, 64), np.float32))  # the many-token path: numba's parallel unpack
    import torch

    numba.set_num_threads(2)
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    out_f, in_f = args.out, args.inp
    # The dense baselines get W_hat itself; the 1-bit layer holds only its packed signs and scales.
    latent = rng.standard_normal((out_f, in_f), dtype=np.float32)
    alpha = rng.uniform(0.5, 1.5, in_f).astype(np.float32)
    beta = rng.normal(0, 0.1, in_f).astype(np.float32)
    layer = BinaryLinear.from_latent(latent, alpha, beta)  # AVX-512 lookup tables where available
    binary.KERNELS = "portable"
    portable = BinaryLinear.from_latent(latent, alpha, beta)  # scalar LUT GEMV, unpack + sgemm
    binary.KERNELS = "auto"
    kind = "AVX-512 vpermps" if layer.nib is not None else "portable"
    dense = (alpha * np.sign(latent) + beta).astype(np.float32)  # torch.sign: sign(0) = 0
    del latent
    dense_t = torch.from_numpy(dense)
    x = rng.standard_normal(in_f, dtype=np.float32)
    x_t = torch.from_numpy(x)
    nwords = -(-in_f // 64)

    # Warm up (JIT, caches) and check exactness against float64.
    ref = dense.astype(np.float64) @ x.astype(np.float64)
    rel_err = float(np.abs(layer(x) - ref).max() / np.abs(ref).max())
    for fn in (lambda: dense @ x, lambda: dense_t @ x_t, lambda: kernels.build_luts(x, layer._alphas, nwords)):
        fn()
    def layer_in(mode):
        def call():
            binary.GEMV_MODE = mode
            return layer(x)
        return call

    def numpy_one_thread():
        with blas_threads(1):
            return dense @ x

    modes = ("auto", "omp", "serial", "shared")
    for mode in modes:
        layer_in(mode)()
    rounds = {f"1-bit {kind} GEMV ({mode}{', default' if mode == default_mode else ''})": layer_in(mode)
              for mode in modes}

    def portable_serial():
        binary.GEMV_MODE = "serial"
        return portable(x)

    rounds["1-bit portable scalar-LUT GEMV (serial)"] = portable_serial
    rounds.update({
        "  of which the table build": lambda: kernels.build_luts(x, layer._alphas, nwords),
        "torch fp32 dense GEMV": lambda: dense_t @ x_t,
        "numpy fp32 dense GEMV": lambda: dense @ x,
        "numpy fp32 dense GEMV, 1 BLAS thread": numpy_one_thread,
    })
    tails: dict = {}
    gemv = interleaved(rounds, args.rounds, tails=tails)
    binary.GEMV_MODE = default_mode
    m = args.prefill_tokens
    xm = rng.standard_normal((m, in_f), dtype=np.float32)
    xm_t = torch.from_numpy(xm)
    layer(xm)
    gemm = interleaved({
        f"1-bit {kind} ({m} tokens)": lambda: layer(xm),
        f"1-bit portable unpack + sgemm ({m} tokens)": lambda: portable(xm),
        f"numpy fp32 dense sgemm ({m} tokens)": lambda: xm @ dense.T,
        f"torch fp32 dense sgemm ({m} tokens)": lambda: xm_t @ dense_t.T,
    }, max(5, args.rounds // 20), block=5)
    return {"default": f"1-bit {kind} GEMV ({default_mode}, default)", "gemv": gemv, "tails": tails, "gemm": gemm, "rel_err": rel_err, "layer_bytes": layer.nbytes,
            "fp32_bytes": out_f * in_f * 4, "threading": numba.threading_layer()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=int, default=5632)
    ap.add_argument("--inp", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--prefill-tokens", type=int, default=512)
    ap.add_argument("--policies", default="PASSIVE", help="comma-separated OMP_WAIT_POLICY values to compare")
    ap.add_argument("--busy", action="store_true", help="also measure with a competing busy process")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.json:
        print(json.dumps(measure(args)))
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    load = os.getloadavg()[0]
    results = {}
    conditions = ["quiet", "busy"] if args.busy else ["quiet"]
    for policy in [p.strip().upper() for p in args.policies.split(",") if p.strip()]:
        for condition in conditions:
            env = dict(os.environ, SCALAR_BENCH_POLICY=policy)
            busy = None
            if condition == "busy":  # another job holding a core for the whole measurement
                busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                with console.status(f"measuring with OMP_WAIT_POLICY={policy}, {condition} ..."):
                    done = subprocess.run([sys.executable, __file__, "--json", "--out", str(args.out), "--inp",
                                           str(args.inp), "--rounds", str(args.rounds), "--prefill-tokens",
                                           str(args.prefill_tokens)], capture_output=True, text=True, env=env)
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
            if done.returncode != 0:
                console.print(done.stderr)
                sys.exit(1)
            results[f"{policy.lower()} wait, {condition}"] = json.loads(done.stdout.strip().splitlines()[-1])
    first = next(iter(results.values()))
    table = Table(title=f"{args.out}x{args.inp} layer, 2 threads, medians (numba {first['threading']}; "
                        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
                        f"load avg {load:.1f} -> {os.getloadavg()[0]:.1f})")
    table.add_column("path")
    for label in results:
        table.add_column(f"ms ({label})", justify="right")
        table.add_column("1-bit speed-up", justify="right")
    ours_key = first["default"]
    gemm_key = next(name for name in first["gemm"] if name.startswith("1-bit"))
    for section, key in (("gemv", ours_key), ("gemm", gemm_key)):
        for name in first[section]:
            row = [name]
            for res in results.values():
                ms = res[section][name]
                ratio = "" if name == key or name.startswith("  ") else f"{ms / res[section][key]:.2f}x"
                row += [f"{ms:.3f}" if section == "gemv" else f"{ms:.1f}", ratio]
            table.add_row(*row)
    console.print(table)
    console.print(f"exactness: max relative error of the 1-bit GEMV vs float64 dense = {first['rel_err']:.2e}")
    console.print(f"memory: packed layer {first['layer_bytes'] / 2**20:.2f} MiB vs fp32 "
                  f"{first['fp32_bytes'] / 2**20:.1f} MiB = 1/{first['fp32_bytes'] / first['layer_bytes']:.1f} "
                  "(target <= 1/28)")
    for label, res in results.items():
        g = res["gemv"]
        numpy_best = min(g["numpy fp32 dense GEMV"], g["numpy fp32 dense GEMV, 1 BLAS thread"])
        tails = ", ".join(f"{name.split('(')[1].rstrip(')')} {res['tails'][name][0]:.3f}/{res['tails'][name][1]:.3f}"
                          for name in g if name.startswith("1-bit"))
        console.print(f"{label}: GEMV {g['torch fp32 dense GEMV'] / g[ours_key]:.2f}x torch (target >= 4x), "
                      f"{numpy_best / g[ours_key]:.2f}x the faster numpy (target >= 2x); 1-bit mean/p90 ms: {tails}")


if __name__ == "__main__":
    main()
