"""Time of `build_snapshot` on a synthetic release, side by side with its parts.

    python benchmarks/bench_leaderboard.py [--questions 3000] [--models 5] [--runs 3]

A release of N multiple-choice questions (10 per citing paper, dates spread over months, context
lengths over every bucket) and M model runs are written with the package's own release I/O.
Printed (medians): the whole snapshot when the baseline runs are present (with and without the
shortcut audit of the About section), the same when the lexical baseline must be computed from the
release (BM25 per question), the SVG plots alone (four per task), and the ratios.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "leaderboard"))


from _timing import median_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=3000)
    ap.add_argument("--models", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from lb_factory import make_questions, make_release, make_run

    from scalar.leaderboard import plots
    from scalar.leaderboard.snapshot import build_snapshot

    rnd = random.Random(0)
    base = make_questions(1)
    qs = [base[i % len(base)].model_copy(update={
        "id": f"q{i}", "paper": f"paper{i // 10}", "difficulty": ("easy", "medium", "hard")[i % 3],
        "first_public_date": date(2024, 6, 1) + timedelta(days=i // 10),
        "context_tokens": rnd.randrange(1_000, 130_000)}) for i in range(args.questions)]
    tmp = Path(tempfile.mkdtemp(prefix="bench-leaderboard-"))
    rel = make_release(tmp / "release", questions=qs)
    models = [f"acme/model-{i}" for i in range(args.models)]
    for m in models:
        make_run(tmp / "runs", m.replace("/", "_"), m, rel, lambda q: rnd.random() < 0.6)
    with_baselines = tmp / "runs-with-baselines"
    for m in models + ["baseline/random", "baseline/lexical"]:
        make_run(with_baselines, m.replace("/", "_"), m, rel, lambda q: rnd.random() < 0.4)

    build_snapshot(with_baselines, tmp / "warm")  # imports (matplotlib, pandas) out of the timing
    t_runs = median_time(lambda: build_snapshot(with_baselines, tmp / "a"), args.runs)
    t_noaudit = median_time(lambda: build_snapshot(with_baselines, tmp / "a2", audit=False), args.runs)
    t_lex = median_time(lambda: build_snapshot(tmp / "runs", tmp / "b"), args.runs)
    snap = build_snapshot(tmp / "runs", tmp / "c")
    t_plots = median_time(lambda: plots.render_plots(snap.rows, snap.releases), args.runs)
    page_mb = (tmp / "c" / "index.html").stat().st_size / 1e6

    print(f"release: {args.questions} questions from {args.questions // 10} papers; {args.models} model runs")
    print(f"snapshot, baseline runs present     : {t_runs:7.2f} s")
    print(f"  the same without the audit        : {t_noaudit:7.2f} s   audit share {1 - t_noaudit / t_runs:.0%}")
    print(f"snapshot, lexical computed (BM25)   : {t_lex:7.2f} s   ratio {t_lex / t_runs:.2f}x")
    print(f"SVG plots alone                     : {t_plots:7.2f} s   share {t_plots / t_runs:.0%} of the snapshot")
    print(f"index.html (per-question view inline): {page_mb:.1f} MB")


if __name__ == "__main__":
    main()
