"""Generation + release-writing memory: peak RSS of `scalar import-reference --regenerate` on the
first 32 / 64 / 128 papers of ../shared/reference/scalar-release-128, the streaming path (what the
command does: one citing paper in memory at a time, questions sorted on disk) vs the in-memory path
(``read_original_papers`` + ``generate_questions`` + ``write_release``, the Python API), side by
side in one run; then the sample venue's `scalar build --offline`. Both paths must write the same
questions.jsonl (its SHA-256 is compared). Time is CPU seconds (user + system) of the run: the
machine is shared, wall time mostly measures the other jobs.

Each size and mode runs in a fresh interpreter; peak RSS is its ru_maxrss. A size is a temporary
copy of the release holding symlinks to its first N paper objects (natural file order) and its
paper-list metadata. Generation uses ``--distractors original`` by default (balanced distractors
score every candidate set with BM25 and take minutes per size; ``--distractors balanced`` to
measure them). ``--before SRC`` also runs the command from another source tree (e.g. the commit
before streaming: ``git archive <commit> | tar -x -C SRC``) for a before/after line.

    python benchmarks/bench_build_memory.py [--sizes 32 64 128] [--src DIR] [--distractors original]
                                            [--before SRC]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "reference" / "scalar-release-128"


def subset(src: Path, out: Path, n: int) -> Path:
    """``out``/data with the first ``n`` paper objects of ``src`` (symlinks) and its metadata."""
    from scalar.reference._original_format import METADATA_FILE, paper_files

    data = out / "data"
    (data / "paper_obj_anno").mkdir(parents=True)
    for path in paper_files(src / "data")[:n]:
        (data / "paper_obj_anno" / path.name).symlink_to(path.resolve())
    meta = src / "data" / METADATA_FILE
    if meta.is_file():
        (data / METADATA_FILE).parent.mkdir(parents=True)
        (data / METADATA_FILE).symlink_to(meta.resolve())
    return out


# ----------------------------------------------------------------------------- one measured run


def child(mode: str, src: Path, out: Path, distractors: str) -> None:
    import resource

    t = time.perf_counter()
    if mode == "memory":
        from scalar.generate.questions import GenerationConfig, generate_questions
        from scalar.generate.write import write_release
        from scalar.reference._original_format import data_root
        from scalar.reference.importer import VENUE, read_original_papers

        config = GenerationConfig(distractors=distractors)
        papers = read_original_papers(data_root(src))
        ordered = [papers[k] for k in sorted(papers)]
        result = generate_questions(ordered, config)
        write_release(out, venue=VENUE, result=result, papers=ordered, config=config,
                      notes={"mode": "regenerate", "source_papers": len(ordered)})
    else:  # the command line, in this interpreter (whichever scalar PYTHONPATH gives)
        from scalar.cli import main

        args = ["import-reference", str(src), "--regenerate", "--out", str(out), "--distractors", distractors]
        if mode == "sample":
            args = ["build", "--venue", "sample", "--offline", "--out", str(out), "--distractors", distractors]
        sys.argv = ["scalar", *args]
        try:
            main()
        except SystemExit as e:
            if e.code not in (0, None):
                raise
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    sha = hashlib.sha256((out / "questions.jsonl").read_bytes()).hexdigest()
    n = sum(1 for _ in open(out / "questions.jsonl", encoding="utf-8"))
    print(json.dumps({"mode": mode, "peak_mb": peak, "seconds": time.perf_counter() - t, "cpu": cpu, "sha": sha,
                      "questions": n}))


def run(mode: str, src: Path, out: Path, distractors: str, tree: Path = ROOT) -> dict:
    """One measured run in a fresh interpreter importing scalar from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    r = subprocess.run([sys.executable, __file__, "--child", mode, str(src), str(out), distractors],
                       capture_output=True, text=True, env=env, cwd=out.parent)
    if r.returncode != 0:
        sys.exit(f"bench_build_memory: {mode} failed: {r.stderr.strip()[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- driver


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--distractors", default="original", choices=["original", "balanced"])
    ap.add_argument("--before", type=Path, help="another SCALAR source tree to run the same command from")
    ap.add_argument("--child", nargs=4, metavar=("MODE", "SRC", "OUT", "DISTRACTORS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, src, out, distractors = args.child
        child(mode, Path(src), Path(out), distractors)
        return
    if not (args.src / "data" / "paper_obj_anno").is_dir():
        print(f"bench_build_memory: skipped, {args.src} has no data/paper_obj_anno (the scalar-release-128 reference)")
        return
    modes = ["stream", "memory"] + (["before"] if args.before else [])
    print(f"import-reference --regenerate --distractors {args.distractors}; peak RSS of a fresh interpreter")
    print(f"{'papers':>6} {'questions':>9} | " + " | ".join(f"{m + ': peak MB':>16} {'CPU s':>5}" for m in modes)
          + " | memory/stream | same bytes")
    with tempfile.TemporaryDirectory(prefix="scalar-bench-build-") as tmp:
        for n in args.sizes:
            src = subset(args.src, Path(tmp) / f"src{n}", n)
            rows = {}
            for m in modes:
                tree = args.before if m == "before" else ROOT
                rows[m] = run("stream" if m == "before" else m, src, Path(tmp) / f"out{n}-{m}", args.distractors, tree)
            same = len({r["sha"] for r in rows.values()}) == 1
            print(f"{n:>6} {rows['stream']['questions']:>9} | "
                  + " | ".join(f"{rows[m]['peak_mb']:>16.0f} {rows[m]['cpu']:>5.0f}" for m in modes)
                  + f" | {rows['memory']['peak_mb'] / rows['stream']['peak_mb']:>13.1f}x | {'yes' if same else 'NO'}")
        print(f"\nscalar build --venue sample --offline --distractors {args.distractors}")
        for m in ["sample"] + (["before"] if args.before else []):
            tree = args.before if m == "before" else ROOT
            r = run("sample", Path(tmp), Path(tmp) / f"sample-{m}", args.distractors, tree)
            print(f"  {'this tree' if m == 'sample' else str(tree)}: peak {r['peak_mb']:.0f} MB, {r['cpu']:.1f} CPU s, "
                  f"{r['questions']} questions, sha256 {r['sha'][:16]}")


if __name__ == "__main__":
    main()
