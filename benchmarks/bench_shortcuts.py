"""Generation with shortcut balancing on real papers: time and peak memory, side by side.

On the 128 citing papers of ``../shared/reference/scalar-release-128`` (the original release's
parsed papers with the full texts of their cited works), runs ``scalar import-reference
--regenerate`` (read, generate mcq + cloze at all difficulties, write the release) in a fresh
process per mode and prints the median wall time, CPU time and peak resident memory of each:

* ``original``  — the original SCALAR distractor rules (no shortcut scoring);
* ``balanced-bm25`` — ``--distractors balanced`` against BM25 windows and length only
  (``--shortcut-model none``);
* ``balanced-cold`` — ``--distractors balanced`` with the [dense] extra: also the dense scorer
  (all-MiniLM-L6-v2), with an empty embedding store (a first build);
* ``balanced-warm`` — the same again on the store the cold run filled (a rebuild, an audit);
* ``robust-bm25`` — the default (``robust``) without a dense scorer: BM25 with the 3-word guard
  and length (what a build without the [dense] extra does);
* ``robust-cold`` / ``robust-warm`` — the default with the [dense] extra (the dense scorer under
  9 variants, reading up to 8 chunks of each text) on an empty store, then on the store it filled.

    python benchmarks/bench_shortcuts.py [--repeats 1] [--modes original,balanced-bm25,balanced-cold,...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "reference" / "scalar-release-128"
MODES = {
    "original": {"distractors": "original"},
    "balanced-bm25": {"distractors": "balanced", "shortcut_model": "none"},
    "balanced-cold": {"distractors": "balanced"},
    "balanced-warm": {"distractors": "balanced"},
    "robust-bm25": {"distractors": "robust", "shortcut_model": "none"},
    "robust-cold": {"distractors": "robust"},
    "robust-warm": {"distractors": "robust"},
}

_CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from scalar.reference.importer import import_reference
t, c = time.perf_counter(), time.process_time()
with tempfile.TemporaryDirectory() as tmp:
    m = import_reference(sys.argv[2], tmp + "/r", regenerate=True, progress=False, generation=json.loads(sys.argv[3]))
wall, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "mcq": sum(row.get("mcq", 0) for row in m.counts.values()), "questions": m.n_questions}))
"""


def run(mode: str, repeats: int, cache_dir: str) -> dict:
    got = []
    for _ in range(repeats):
        if mode.endswith("-cold"):  # a first build: no embedding seen before
            shutil.rmtree(cache_dir, ignore_errors=True)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "SCALAR_CACHE_DIR": cache_dir}
        r = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(SRC), json.dumps(MODES[mode])],
                           capture_output=True, text=True, env=env)
        if r.returncode:
            raise SystemExit(f"{mode}: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else 'failed'}")
        got.append(json.loads(r.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(g[k] for g in got) for k in got[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--modes", default=",".join(MODES))
    args = ap.parse_args()
    if not SRC.is_dir():
        raise SystemExit(f"{SRC} is absent")
    bad = [m for m in args.modes.split(",") if m not in MODES]
    if bad:
        raise SystemExit(f"unknown mode {bad[0]!r}; choose from {', '.join(MODES)}")
    cache_dir = tempfile.mkdtemp(prefix="scalar-bench-cache-")  # the user's embedding store stays untouched
    print(f"{'mode':<16} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'mcq':>5} {'questions':>9}")
    for mode in args.modes.split(","):
        r = run(mode, args.repeats, cache_dir)
        print(f"{mode:<16} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['peak_mb']:>8.0f} {r['mcq']:>5.0f} {r['questions']:>9.0f}")
    shutil.rmtree(cache_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
