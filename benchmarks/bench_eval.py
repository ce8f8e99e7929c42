"""Harness overhead of `scalar eval` against a local OpenAI-compatible server that answers at once.

Measures, side by side in one run:
  1. questions per second at concurrency 32 with ~200 kB prompts, end to end through litellm and
     HTTP (prompt rendering, exact tiktoken sizing/truncation, cache, predictions.jsonl), target
     >= 100/s; interleaved with the same run counting every text itself (a release without recorded
     counts, or another tokenizer), and next to tokenising alone and to a 1M-window model whose
     prompts need no count at all;
  2. peak Python memory (tracemalloc) for releases of 1x, 2x and 4x the questions: flat means ratio ~1.

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
sys.path.insert(0, str(ROOT))  # measure this tree, whichever checkout is installed

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
    candidates are drawn from that paper's pool of 8 cited papers. Like every ``scalar build``
    release, each question records ``context_tokens`` (exact o200k count of its texts)."""
    import functools

    from scalar._util.tokens import count_tokens
    from scalar.release import write_manifest, write_questions
    from scalar.schema import Candidate, Question, ReleaseManifest

    share = prompt_kb * 1000 // 5
    qs = []
    pools: dict[int, list[str]] = {}
    counted = functools.lru_cache(maxsize=64)(count_tokens)  # pool texts repeat
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
                           candidates=cands, answer=i % 4, first_public_date=date(2025, 1, 1),
                           context_tokens=count_tokens(ctx) + sum(counted(c.text) for c in cands)))
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
    from scalar.release import iter_questions

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
        from scalar.models import litellm_module

        litellm_module()  # import once, outside the timings
        warm = make_release(tmp / "warm", 40, args.prompt_kb)
        run(warm, tmp / "warm-run", url, args.concurrency)  # connection pool, tiktoken load

        from scalar.evaluate import sizing, truncation

        # gpt-4o-mini has a 128k window and these prompts have more bytes than that, so the byte
        # bound does not settle them: they are sized from the release's recorded counts, or (as
        # before recorded counts were used, and for releases without them) every text is tokenised.
        scenarios = (
            ("every text unique", False, "openai/gpt-4o-mini"),
            ("candidates from per-paper pools as in real releases", True, "openai/gpt-4o-mini"),
        )
        for label, shared, model in scenarios:
            rel = tmp / f"rel-{shared}"
            make_release(rel, args.n, args.prompt_kb, shared=shared)
            prompt_kb = (rel / "questions.jsonl").stat().st_size / args.n / 1000
            print(f"{model}, {label}: {args.n} questions of {prompt_kb:.0f} kB, concurrency {args.concurrency}, "
                  f"median of 3 runs, interleaved")
            times: dict[str, list[float]] = {"recorded counts": [], "counting every text": []}
            for k in range(3):
                for mode in times:
                    truncation.COUNTS.clear()  # no counts carried over between runs
                    sizing.RECORDED_ENCODING = "o200k_base" if mode == "recorded counts" else "(ignored)"
                    dt, s = run(rel, tmp / f"run{k}", url, args.concurrency, model)
                    assert s.n == args.n and s.errors == 0, s
                    times[mode].append(dt)
            sizing.RECORDED_ENCODING = "o200k_base"
            qps = {mode: args.n / sorted(t)[1] for mode, t in times.items()}
            for mode, v in qps.items():
                print(f"  {mode:>22}: {v:5.0f} questions/s (target >= 100: ratio {v / 100:.2f})")
            print(f"  speed-up from recorded counts: {qps['recorded counts'] / qps['counting every text']:.2f}x; "
                  f"tokenising every text alone, one thread: {tokenise_only(rel):.0f} questions/s")
        rel = tmp / "rel-False"
        times_1m = []
        for k in range(3):
            dt, s = run(rel, tmp / f"run{k}", url, args.concurrency, "openai/gpt-4.1-mini")
            times_1m.append(dt)
        print(f"openai/gpt-4.1-mini (1M window: fewer bytes than the window, provably fits, nothing counted): "
              f"{args.n / sorted(times_1m)[1]:.0f} questions/s")

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
