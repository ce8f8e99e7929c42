"""`scalar eval --ray`: 2 one-thread Ray workers against 1, and against the in-process runner.

A tiny random FBI-LLM (benchmarks/_tiny_local.py) scores ``--n`` MCQ questions of ~``--words``
context words by log-probability; each run is a whole ``run_eval`` (actor start-up and model loads
included, the Ray instance itself started once), fresh run folder, no response cache. Rounds are
interleaved; medians. On a shared machine two processes may not get two cores: the benchmark
measures that ceiling (two CPU-bound processes against one) before and after, and reports the
ratio against it. The last line is the ratio the README quotes.

Usage: python benchmarks/bench_ray.py [--n 16] [--words 600] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this tree, whichever checkout is installed
sys.path.insert(0, str(ROOT / "tests" / "evaluate"))


_SPIN = "x = 0\nfor i in range(6_000_000):\n    x += i\n"


def machine_parallelism() -> float:
    """How much faster two CPU-bound processes finish than one after the other (2.0 on two idle
    cores): the ceiling for 2 workers vs 1 on this machine right now."""
    def run(n: int) -> float:
        t = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(n)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - t

    one = statistics.median(run(1) for _ in range(3))
    two = statistics.median(run(2) for _ in range(3))
    return 2 * one / two


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    import ray
    from _tiny_local import tiny_fbi_checkpoint
    from eval_fixtures import make_question, write_release

    from scalar.evaluate.runner import run_eval

    tmp = Path(tempfile.mkdtemp(prefix="scalar-bench-ray-"))
    try:
        ckpt = tiny_fbi_checkpoint(tmp / "ckpt", hidden_size=256, intermediate_size=512, num_hidden_layers=4,
                                   num_attention_heads=4, num_key_value_heads=4)
        rel = write_release(tmp / "rel", [make_question(i, context_words=args.words, cand_words=60)
                                          for i in range(args.n)])
        ray.init(address="local", num_cpus=2, include_dashboard=False, configure_logging=False)
        address = ray.get_runtime_context().gcs_address
        model_args = [f"checkpoint={ckpt}", "threads=1"]
        setups = {"in-process, 1 thread": {}, "ray, 1 worker x 1 thread": {"ray": address, "ray_workers": 1},
                  "ray, 2 workers x 1 thread": {"ray": address, "ray_workers": 2}}
        times: dict[str, list[float]] = {k: [] for k in setups}
        tokens = 0
        ceiling_before = machine_parallelism()
        for r in range(args.runs + 1):  # round 0 warms numba's on-disk cache and the page cache
            for name, extra in setups.items():
                out = tmp / f"run-{r}-{len(times[name])}-{abs(hash(name))}"
                t = time.perf_counter()
                s = run_eval("local/fbi-llm", rel, out, model_args=model_args, progress=False, use_cache=False,
                             **extra)
                took = time.perf_counter() - t
                tokens = s.settings["model_tokens"]
                if r:
                    times[name].append(took)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{args.n} questions, {tokens:,} model tokens per run, median of {args.runs} interleaved runs:")
        for name, t in med.items():
            print(f"  {name:28s} {t:6.2f} s  {args.n / t:5.2f} questions/s  {tokens / t:8,.0f} tok/s")
        ceiling = (ceiling_before + machine_parallelism()) / 2
        print(f"this machine now: two CPU-bound processes finish {ceiling:.2f}x faster than one after the "
              f"other (2.00 on two idle cores; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        one, two = med["ray, 1 worker x 1 thread"], med["ray, 2 workers x 1 thread"]
        print(f"ray 2 workers vs 1: {one / two:.2f}x faster, {one / two / ceiling:.0%} of what the machine gave "
              f"(vs in-process 1 thread: {med['in-process, 1 thread'] / two:.2f}x)")
    finally:
        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
