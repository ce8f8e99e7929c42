"""Aligning a bibliography to Semantic Scholar's reference list: pruned vs brute-force difflib.

    python benchmarks/bench_title_align.py [--refs 100] [--cited 200] [--runs 3]

Titles: the 305 real ICLR 2025 venue/arXiv titles in ../shared/reference (when present), else
synthetic ones. ``refs`` bibliography titles (each with a word appended, so few are exact) are
aligned against ``cited`` S2 titles at similarity >= 0.9: ``scalar.sources.titles.best_similar``
(length and character-count bounds before difflib's ratio) against computing
``title_similarity`` for every pair. Both must pick the same matches; printed: medians, ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "reference" / "scalar-release" / "data" / "paper_list" / "icl2025_metadata.json"


def titles(n: int) -> list[str]:
    if REAL.is_file():
        data = json.loads(REAL.read_text())
        pool = [d["paper_title"] for d in data] + [d["metadata"]["title"] for d in data]
    else:
        words = "sparse attention retrieval kernel diffusion graph token memory scaling bandit agent proof".split()
        pool = [" ".join(words[(i * k) % len(words)] for k in range(1, 9)) + f" {i}" for i in range(600)]
    return [pool[i % len(pool)] + ("" if i < len(pool) else f" {i}") for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refs", type=int, default=100)
    ap.add_argument("--cited", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)

    from scalar.sources.titles import best_similar, title_similarity

    pool = titles(args.refs + args.cited)
    cited = pool[args.refs :]
    refs = [t + " revisited" for t in pool[: args.refs // 2]] + cited[: args.refs - args.refs // 2]

    def brute():
        out = []
        for r in refs:
            scores = [title_similarity(r, c) for c in cited]
            top = max(scores)
            out.append((scores.index(top), top) if top >= 0.9 else None)
        return out

    def pruned():
        return [best_similar(r, cited, 0.9) for r in refs]

    assert brute() == pruned(), "the pruned search must give the brute-force answer"
    tb, tp = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        brute()
        tb.append(time.perf_counter() - t)
        t = time.perf_counter()
        pruned()
        tp.append(time.perf_counter() - t)
    b, p = statistics.median(tb), statistics.median(tp)
    matched = sum(x is not None for x in pruned())
    print(f"{len(refs)} bibliography titles x {len(cited)} S2 titles, {matched} matched; medians of {args.runs} runs")
    print(f"  brute force (title_similarity on every pair)  {b * 1000:9.1f} ms")
    print(f"  best_similar (bounds, then ratio)             {p * 1000:9.1f} ms   speed-up {b / p:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
