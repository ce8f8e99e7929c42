"""Harness overhead of `scalar eval` against a local OpenAI-compatible server that answers at once.

Measures, side by side in one run:
  1. questions per second at concurrency 32 with ~200 kB prompts, end to end through litellm and
     HTTP (prompt rendering, tiktoken counting/truncation, cache, predictions.jsonl) — target >= 100/s;
     next to it, tokenising alone, to show what share of the time is the tokenizer;
  2. peak Python memory (tracemalloc) for a small and a 4x larger release — flat means ratio ~1.

The server runs in its own process (tests/evaluate/openai_server.py), so it does not share the GIL.
Usage: python benchmarks/bench_eval.py [--n 300] [--prompt-kb 200]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VOCAB = None


def _text(r: random.Random, n_chars: int) -> str:
    global VOCAB
    if VOCAB is None:
        vr = random.Random(1)
        letters = "abcdefghijklmnopqrstuvwxyz"
        VOCAB = ["".join(vr.choice(letters) for _ in range(vr.randint(2, 11))) for _ in range(20000)]
    out, size = [], 0
    while size < n_chars:
        w = r.choice(VOCAB)
        if r.random() < 0.08:
            w = w.capitalize() + r.choice([",", ".", ";", " (2023)", " [12]", ":"])
        elif r.random() < 0.03:
            w = f"{r.randint(0, 9999)}.{r.randint(0, 99)}%"
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def make_release(folder: Path, n: int, prompt_kb: int, shared: bool = False) -> Path:
    """``n`` questions of ``prompt_kb`` kB (context and 4 candidates of equal size). Every text is
    unique (worst case), or with ``shared`` as in real releases: 5 questions per citing paper, whose
    candidates are drawn from that paper's pool of 8 cited papers."""
    from scalar.releases import write_manifest, write_questions
    from scalar.schema import Candidate, Question, ReleaseManifest

    share = prompt_kb * 1000 // 5
    qs = []
    pools: dict[int, list[str]] = {}
    for i in range(n):
        r = random.Random(i)
        ctx = _text(r, share // 2) + " as in **[MASKED_CITATION]** and " + _text(r, share // 2)
        if shared:
            pool = pools.setdefault(i // 5, [_text(random.Random(f"{i // 5}-{k}"), share) for k in range(8)])
            if len(pools) > 2:
                pools.pop(min(pools))
            cands = [Candidate(key=f"bib.bib{k}", text=pool[k]) for k in r.sample(range(8), 4)]
        else:
            cands = [Candidate(key=f"bib.bib{k}", text=_text(r, share)) for k in range(4)]
        qs.append(Question(id=f"q{i:06d}", task="mcq", difficulty="easy", paper=f"p{i // 4}", context=ctx,
                           candidates=cands, answer=i % 4, first_public_date=date(2025, 1, 1)))
    sha = write_questions(folder, qs)
    write_manifest(folder, ReleaseManifest(release_id=f"bench-{n}", venue="bench", build_date=date(2025, 1, 1),
                                           generator_version="bench", seed=0, questions_sha256=sha, n_questions=n))
    return folder


def start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    port_file = tmp / "port"
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "evaluate" / "openai_server.py"), str(port_file)])
    for _ in range(300):
        if port_file.is_file() and port_file.read_text().strip():
            return proc, f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


def run(release: Path, out: Path, url: str, concurrency: int, model: str = "openai/gpt-4o-mini"):
    from scalar.evaluate.runner import run_eval

    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    s = run_eval(model, release, out, api_base=url, concurrency=concurrency, progress=False)
    return time.perf_counter() - t, s


def tokenise_only(release: Path) -> float:
    from scalar._util.tokens import count_tokens
    from scalar.releases import iter_questions

    t = time.perf_counter()
    n = 0
    for q in iter_questions(release):
        count_tokens(q.context)
        for c in q.candidates:
            count_tokens(c.text)
        n += 1
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--prompt-kb", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--mem-small", type=int, default=100)  # well above the concurrency: peak = steady state
    args = ap.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-dummy")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    tmp = Path(tempfile.mkdtemp(prefix="scalar-bench-eval-"))
    proc, url = start_server(tmp)
    try:
        from scalar.evaluate.backends.litellm_backend import litellm_module

        litellm_module()  # import once, outside the timings
        warm = make_release(tmp / "warm", 40, args.prompt_kb)
        run(warm, tmp / "warm-run", url, args.concurrency)  # connection pool, tiktoken load

        from scalar.evaluate import truncation

        scenarios = (
            ("gpt-4o-mini (128k: every prompt tokenised), every text unique", False, "openai/gpt-4o-mini"),
            ("gpt-4o-mini, candidates from per-paper pools as in real releases", True, "openai/gpt-4o-mini"),
            ("gpt-4.1-mini (1M window: prompts provably fit, not tokenised)", False, "openai/gpt-4.1-mini"),
        )
        for label, shared, model in scenarios:
            rel = tmp / f"rel-{shared}"
            if not rel.is_dir():
                make_release(rel, args.n, args.prompt_kb, shared=shared)
            prompt_kb = (rel / "questions.jsonl").stat().st_size / args.n / 1000
            times = []
            for k in range(3):
                truncation.COUNTS = truncation._CountCache()  # no counts carried over between runs
                dt, s = run(rel, tmp / f"run{k}", url, args.concurrency, model)
                assert s.n == args.n and s.errors == 0, s
                times.append(dt)
            times.sort()
            qps = args.n / times[1]
            tok_qps = tokenise_only(rel)
            print(f"{label}: {args.n} questions of {prompt_kb:.0f} kB, concurrency {args.concurrency}")
            print(f"  median of 3 runs {times[1]:.2f} s -> {qps:.0f} questions/s (target >= 100: ratio {qps / 100:.2f}); "
                  f"tokenising every text alone, one thread: {tok_qps:.0f} questions/s")

        # Peak = in-flight prompts (bounded by the concurrency) + per-question state; retained = what
        # a run keeps per question after it (slim questions, predictions without their text).
        import gc

        sizes = (args.mem_small, args.mem_small * 2, args.mem_small * 4)
        peaks, kept = {}, {}
        for n in sizes:
            r = make_release(tmp / f"mem{n}", n, args.prompt_kb)
            gc.collect()
            tracemalloc.start()
            _, s = run(r, tmp / f"mem-run{n}", url, args.concurrency)
            peaks[n] = tracemalloc.get_traced_memory()[1]
            keep = s  # the summary, as a caller holds it
            gc.collect()
            kept[n] = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            del keep
            shutil.rmtree(r)
        print("peak traced memory: " + ", ".join(f"{n} questions {peaks[n] / 1e6:.1f} MB" for n in sizes)
              + f" -> ratio {peaks[sizes[-1]] / peaks[sizes[1]]:.2f} for 2x and {peaks[sizes[-1]] / peaks[sizes[0]]:.2f} "
              f"for 4x the questions (the release grows 2.00x / 4.00x; the peak is bounded by the "
              f"{args.concurrency} prompts in flight, reached once a run is longer than a few batches)")
        print("retained after the run: " + ", ".join(f"{n} questions {kept[n] / 1e6:.2f} MB" for n in sizes)
              + f" -> {(kept[sizes[-1]] - kept[sizes[0]]) / (sizes[-1] - sizes[0]) / 1e3:.1f} kB per question "
              "(its slim record and prediction, kept for scoring)")
    finally:
        proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
