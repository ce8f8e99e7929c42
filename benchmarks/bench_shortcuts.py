"""Generation with shortcut balancing on real papers: time and peak memory, side by side.

On the 128 citing papers of ``../shared/reference/scalar-release-128`` (the original release's
parsed papers with the full texts of their cited works), runs question generation (mcq + cloze,
all difficulties, no budgets) in a fresh process per mode and prints the median wall time, CPU
time and peak resident memory of each:

* ``original``  — the original SCALAR distractor rules (no shortcut scoring);
* ``balanced``  — the default: BM25 windows 10/25/50 (+ preference windows) and length;
* ``balanced+dense`` — also the dense scorer (all-MiniLM-L6-v2; needs the [dense] extra).

    python benchmarks/bench_shortcuts.py [--repeats 1] [--modes original,balanced,balanced+dense]

Reading the papers is outside the timed part (the same in every mode).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "reference" / "scalar-release-128"
MODES = {
    "original": {"distractors": "original"},
    "balanced": {},
    "balanced+dense": {"shortcut_model": "all-MiniLM-L6-v2"},
}

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from scalar.reference.importer import read_original_papers
from scalar.reference._original_format import data_root
from scalar.generate.questions import GenerationConfig, generate_questions
papers = read_original_papers(data_root(sys.argv[2]))
ordered = [papers[k] for k in sorted(papers)]
config = GenerationConfig(**json.loads(sys.argv[3]))
t, c = time.perf_counter(), time.process_time()
result = generate_questions(ordered, config)
wall, cpu = time.perf_counter() - t, time.process_time() - c
mcq = sum(1 for q in result.questions if q.task == "mcq")
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "mcq": mcq, "questions": len(result.questions)}))
"""


def run(mode: str, repeats: int) -> dict:
    got = []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(SRC), json.dumps(MODES[mode])],
                           capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", **__import__("os").environ})
        if r.returncode:
            raise SystemExit(f"{mode}: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else 'failed'}")
        got.append(json.loads(r.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(g[k] for g in got) for k in got[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--modes", default="original,balanced,balanced+dense")
    args = ap.parse_args()
    if not SRC.is_dir():
        raise SystemExit(f"{SRC} is absent")
    print(f"{'mode':<16} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'mcq':>5} {'questions':>9}")
    for mode in args.modes.split(","):
        r = run(mode, args.repeats)
        print(f"{mode:<16} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['peak_mb']:>8.0f} {r['mcq']:>5.0f} {r['questions']:>9.0f}")


if __name__ == "__main__":
    main()
