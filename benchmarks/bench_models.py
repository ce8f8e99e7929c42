"""Whole-model speed and memory of the 1-bit engine on random weights of the published shapes.

    python benchmarks/bench_models.py              # FBI-LLM-1.3B and Bi-Mamba-780M, 2 threads
    python benchmarks/bench_models.py --long       # also Bi-Mamba at 8K and 32K tokens (memory flat in length)
    python benchmarks/bench_models.py --fbi-prefill 512   # shorter FBI prefill, extrapolated to 2048
    python benchmarks/bench_models.py --mamba-only --lengths 2048 8192 --baseline ../old-checkout
        # Bi-Mamba prefill next to another checkout of SCALAR (e.g. `git worktree add ../old <commit>`),
        # interleaved, with the ratio per length

Weights are built directly in packed form (random sign bytes, never a dense fp32 copy of the
binarized matrices). Each model runs in its own subprocess so peak RSS is per model. The machine
may be shared: numbers are medians, and the load average is printed next to them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# this checkout's package (or --checkout's, for a baseline), whatever `pip install -e` points at
_CHECKOUT = sys.argv[sys.argv.index("--checkout") + 1] if "--checkout" in sys.argv else None
sys.path.insert(0, _CHECKOUT or str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process (all threads). On a shared machine wall time includes waiting for
    a core; CPU time / 2 is what the same work takes with both cores to ourselves (an upper bound:
    spinning BLAS threads count as CPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def count_gemv_modes() -> dict:
    """Which threading mode each decode GEMV ran in (GEMV_MODE "auto" picks per call)."""
    from collections import Counter

    from scalar.local import binary

    counts: Counter = Counter()
    choose = binary._gemv_mode

    def counted(threads: int, items: int) -> str:
        mode = choose(threads, items)
        counts[mode] += 1
        return mode

    binary._gemv_mode = counted
    return counts


def run_fbi(prefill_tokens: int, decode_tokens: int) -> dict:
    sys.path.insert(0, str(HERE))
    from _synthetic import fbi_1_3b

    start = time.perf_counter()
    model = fbi_1_3b()
    build_s = time.perf_counter() - start
    rss_model = current_rss_mib()
    rng = np.random.default_rng(1)
    # decode: a short prompt, then one token at a time (LUT GEMV path, KV cache)
    cache = model.new_cache(64 + decode_tokens)
    logits = model.prefill(list(rng.integers(3, 32000, 32)), cache, logits="last")
    modes = count_gemv_modes()
    steps, cpu_steps = [], []
    for _ in range(decode_tokens):
        token = int(np.argmax(logits))
        t0, c0 = time.perf_counter(), cpu_seconds()
        logits = model.prefill([token], cache, logits="last")
        steps.append(time.perf_counter() - t0)
        cpu_steps.append(cpu_seconds() - c0)
    decode_med = float(np.median(steps[2:]))  # first steps include JIT warm-up
    modes = dict(modes)
    decode_cpu = float(np.median(cpu_steps[2:]))
    # prefill: one pass over a fresh context (unpack + sgemm per layer, attention in blocks)
    tokens = list(rng.integers(3, 32000, prefill_tokens))
    cache = model.new_cache(prefill_tokens)
    t0, c0 = time.perf_counter(), cpu_seconds()
    model.prefill(tokens, cache, logits="last")
    prefill_s = time.perf_counter() - t0
    prefill_cpu = cpu_seconds() - c0
    return {"decode_cpu_ms": decode_cpu * 1e3, "prefill_cpu_s": prefill_cpu, "model": "FBI-LLM-1.3B shape", "build_s": build_s, "weights_mib": model.nbytes / 2**20,
            "rss_after_build_mib": rss_model, "decode_ms_per_token": decode_med * 1e3,
            "decode_tokens_per_s": 1.0 / decode_med, "prefill_tokens": prefill_tokens, "prefill_s": prefill_s,
            "prefill_tokens_per_s": prefill_tokens / prefill_s, "peak_rss_mib": peak_rss_mib(), "gemv_modes": modes}


def run_mamba(lengths: list[int], layers: int | None = None) -> dict:
    import scalar  # noqa: F401  (bound to the checkout now: _synthetic's path insert cannot move it)

    sys.path.insert(1, str(HERE))
    from _synthetic import BIMAMBA_780M, random_weights

    from scalar.local.bi_mamba import BiMamba, MambaConfig

    config = MambaConfig.from_dict(dict(BIMAMBA_780M, n_layer=layers or BIMAMBA_780M["n_layer"]))
    model = BiMamba(config, random_weights(config.spec()))
    rss_model = current_rss_mib()
    rng = np.random.default_rng(2)
    for warm in (4, 64):  # JIT warm-up: decode (serial) and prefill (threaded) kernels
        model.prefill(list(range(3, 3 + warm)), model.new_cache(), logits="none")
    state = model.new_cache()
    runs = []
    for length in lengths:
        tokens = list(rng.integers(3, 32000, length))
        state = model.new_cache()
        t0, c0 = time.perf_counter(), cpu_seconds()
        model.prefill(tokens, state, logits="last")
        seconds = time.perf_counter() - t0
        runs.append({"tokens": length, "seconds": seconds, "tokens_per_s": length / seconds,
                     "cpu_s": cpu_seconds() - c0, "peak_rss_mib": peak_rss_mib()})
    steps, cpu_steps = [], []
    logits = model.prefill([5], state, logits="last")
    for _ in range(12):
        t0, c0 = time.perf_counter(), cpu_seconds()
        logits = model.prefill([int(np.argmax(logits))], state, logits="last")
        steps.append(time.perf_counter() - t0)
        cpu_steps.append(cpu_seconds() - c0)
    return {"model": "Bi-Mamba-780M shape", "weights_mib": model.nbytes / 2**20, "state_mib": state.nbytes / 2**20,
            "rss_after_build_mib": rss_model, "runs": runs, "package": str(Path(scalar.__file__).parent),
            "decode_tokens_per_s": 1.0 / float(np.median(steps[2:])),
            "decode_cpu_ms": float(np.median(cpu_steps[2:])) * 1e3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fbi-prefill", type=int, default=2048)
    ap.add_argument("--decode", type=int, default=24)
    ap.add_argument("--long", action="store_true", help="Bi-Mamba also at 8K and 32K tokens")
    ap.add_argument("--lengths", type=int, nargs="+", help="Bi-Mamba prefill lengths (default 2048; --long adds 8K, 32K)")
    ap.add_argument("--mamba-layers", type=int, help="Bi-Mamba with fewer layers than 48 (quick runs)")
    ap.add_argument("--mamba-only", action="store_true")
    ap.add_argument("--baseline", type=Path, help="another SCALAR checkout: Bi-Mamba prefill side by side")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds with --baseline (medians)")
    ap.add_argument("--only", choices=["fbi", "mamba"], help=argparse.SUPPRESS)
    ap.add_argument("--checkout", help=argparse.SUPPRESS)
    args = ap.parse_args()
    lengths = args.lengths or ([2048, 8192, 32768] if args.long else [2048])
    if args.only == "fbi":
        print(json.dumps(run_fbi(args.fbi_prefill, args.decode)))
        return
    if args.only == "mamba":
        print(json.dumps(run_mamba(lengths, args.mamba_layers)))
        return
    if args.baseline:
        compare_mamba(args, lengths)
        return

    from rich.console import Console

    console = Console()
    load = os.getloadavg()
    results = {}
    for which in (("mamba",) if args.mamba_only else ("fbi", "mamba")):
        cmd = [sys.executable, __file__, "--only", which, "--fbi-prefill", str(args.fbi_prefill),
               "--decode", str(args.decode), "--lengths", *map(str, lengths)]
        if args.mamba_layers:
            cmd += ["--mamba-layers", str(args.mamba_layers)]
        with console.status(f"running {which} ..."):
            done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            console.print(f"[red]{which} failed[/red]\n{done.stderr}")
            sys.exit(1)
        results[which] = json.loads(done.stdout.strip().splitlines()[-1])
    load_after = os.getloadavg()

    if "fbi" in results:
        print_fbi(console, results["fbi"], load, load_after)
    print_mamba(console, results["mamba"], args.mamba_layers)


def compare_mamba(args, lengths: list[int]) -> None:
    """Bi-Mamba prefill of this checkout and --baseline's, one subprocess per (checkout, length,
    round), interleaved; medians of wall and CPU time, and the ratios."""
    import statistics

    layers = ["--mamba-layers", str(args.mamba_layers)] if args.mamba_layers else []
    runs: dict[tuple[str, int], list[dict]] = {}
    load = os.getloadavg()[0]
    for r in range(args.rounds):
        for length in lengths:
            for name, checkout in (("this", None), ("baseline", str(args.baseline.resolve()))):
                cmd = [sys.executable, __file__, "--only", "mamba", "--lengths", str(length), *layers]
                if checkout:
                    cmd += ["--checkout", checkout]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    sys.exit(f"{name} failed:\n{done.stderr}")
                run = json.loads(done.stdout.strip().splitlines()[-1])["runs"][0]
                runs.setdefault((name, length), []).append(run)
                print(f"round {r + 1}: {name:8s} {length:6d} tokens: {run['tokens_per_s']:.1f} tok/s wall, "
                      f"{2 * length / run['cpu_s']:.1f} tok/s CPU/2, peak RSS {run['peak_rss_mib']:.0f} MiB",
                      file=sys.stderr)
    print(f"Bi-Mamba-780M shape ({args.mamba_layers or 48} layers), prefill, {args.rounds} interleaved rounds, "
          f"medians (load average {load:.1f} -> {os.getloadavg()[0]:.1f})")
    print("| tokens | this: wall tok/s | this: CPU/2 tok/s | baseline: wall | baseline: CPU/2 | ratio wall | ratio CPU | "
          "peak RSS this / baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for length in lengths:
        def med(name, key, length=length):
            return statistics.median(run[key] for run in runs[(name, length)])

        this_w, base_w = length / med("this", "seconds"), length / med("baseline", "seconds")
        this_c, base_c = 2 * length / med("this", "cpu_s"), 2 * length / med("baseline", "cpu_s")
        print(f"| {length} | {this_w:.1f} | {this_c:.1f} | {base_w:.1f} | {base_c:.1f} | {this_w / base_w:.2f}x | "
              f"{this_c / base_c:.2f}x | {med('this', 'peak_rss_mib'):.0f} / {med('baseline', 'peak_rss_mib'):.0f} MiB |")


def print_fbi(console, fbi: dict, load, load_after) -> None:
    from rich.table import Table

    t = Table(title=f"FBI-LLM-1.3B shape, random packed weights, 2 threads (load avg {load[0]:.1f} -> {load_after[0]:.1f})")
    t.add_column("measure")
    t.add_column("wall (shared machine)", justify="right")
    t.add_column("CPU/2 (both cores ours)", justify="right")
    t.add_column("target", justify="right")
    t.add_row("weights in memory (packed linears + fp32 embed/lm_head)", f"{fbi['weights_mib']:.0f} MiB", "", "")
    half_cpu = fbi["decode_cpu_ms"] / 2
    t.add_row("decode (median per token)", f"{fbi['decode_ms_per_token']:.1f} ms = {fbi['decode_tokens_per_s']:.1f} tok/s",
              f"{half_cpu:.1f} ms = {1000 / half_cpu:.1f} tok/s", ">= 15 tok/s")
    n = fbi["prefill_tokens"]
    if n != 2048:
        # linear part scales with n, attention with n^2: extrapolate conservatively by (2048/n)^1.1
        scale = (2048 / n) ** 1.1
        t.add_row(f"prefill {n} tokens", f"{fbi['prefill_s']:.1f} s", f"{fbi['prefill_cpu_s'] / 2:.1f} s", "")
        t.add_row("prefill 2048 tokens (extrapolated from the line above)", f"~{fbi['prefill_s'] * scale:.0f} s",
                  f"~{fbi['prefill_cpu_s'] / 2 * scale:.0f} s", "<= 45 s")
    else:
        t.add_row("prefill 2048 tokens", f"{fbi['prefill_s']:.1f} s = {fbi['prefill_tokens_per_s']:.0f} tok/s",
                  f"{fbi['prefill_cpu_s'] / 2:.1f} s", "<= 45 s")
    t.add_row("peak RSS", f"{fbi['peak_rss_mib']:.0f} MiB", "", "")
    total = sum(fbi["gemv_modes"].values()) or 1
    t.add_row("decode GEMVs by threading mode (auto: omp when the cores are idle)",
              ", ".join(f"{mode} {100 * n / total:.0f}%" for mode, n in sorted(fbi["gemv_modes"].items())), "", "")
    console.print(t)


def print_mamba(console, mb: dict, layers: int | None) -> None:
    from rich.table import Table

    t = Table(title=f"Bi-Mamba-780M shape ({layers or 48} layers), random packed weights, 2 threads")
    t.add_column("measure")
    t.add_column("wall (shared machine)", justify="right")
    t.add_column("CPU/2 (both cores ours)", justify="right")
    t.add_column("peak RSS", justify="right")
    t.add_row("weights in memory (packed linears + fp32 embedding)", f"{mb['weights_mib']:.0f} MiB", "", "")
    t.add_row("recurrent state (constant in length)", f"{mb['state_mib']:.0f} MiB", "", "")
    for run in mb["runs"]:
        t.add_row(f"prefill {run['tokens']} tokens", f"{run['seconds']:.1f} s = {run['tokens_per_s']:.0f} tok/s",
                  f"{run['cpu_s'] / 2:.1f} s = {2 * run['tokens'] / run['cpu_s']:.0f} tok/s",
                  f"{run['peak_rss_mib']:.0f} MiB")
    half = mb["decode_cpu_ms"] / 2
    t.add_row("decode (median per token)", f"{mb['decode_tokens_per_s']:.1f} tok/s", f"{1000 / half:.1f} tok/s", "")
    console.print(t)


if __name__ == "__main__":
    main()
