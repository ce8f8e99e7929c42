"""Question generation speed: 100 parsed citing papers of realistic size -> questions.

Each synthetic paper has ~13k o200k tokens of text, ~70 citation spans and 10 cited papers with
full text (~10k tokens each), the original release's medians. Target (issue 2): under 30 s for 100 papers. Prints the time of a
full build (mcq + cloze, all difficulties, no budgets), of a build with five context budgets, and
of the same build with the token cache disabled (every count re-encoded) to show what caching buys.

    python benchmarks/bench_generate.py [--papers 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "build"))

from _synth_papers import random_citing_paper  # noqa: E402

from scalar._util.tokens import count_tokens  # noqa: E402
from scalar.generate import _tokens  # noqa: E402
from scalar.generate.questions import GenerationConfig, generate_questions  # noqa: E402

TARGET_S = 30.0


def _run(papers, config, repeats: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds (CPU time shows the cost on a busy shared machine)."""
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        result = generate_questions(papers, config)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), result


class _NoCache(_tokens.TokenCounter):
    """The same counter without memoisation: every request re-encodes."""

    def count(self, text: str) -> int:
        return len(self._enc.encode_ordinary(text)) if text else 0

    def count_many(self, texts):
        return [self.count(t) for t in texts]

    def count_sep(self, text: str) -> int:
        return len(self._enc.encode_ordinary(text + _tokens.SEP))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()

    t = time.perf_counter()
    papers = [random_citing_paper(i, words=195, cited_words=1400, cite_rate=0.3) for i in range(args.papers)]
    made = time.perf_counter() - t
    sample = papers[0]
    text = "\n\n".join(p.text for s in sample.paper.sections for p in s.paragraphs)
    cited = list(sample.cited.values())
    cited_tokens = statistics.median(count_tokens("\n\n".join(p.text for s in c.sections for p in s.paragraphs))
                                     for c in cited)
    spans = sum(len(p.citations) for s in sample.paper.sections for p in s.paragraphs)
    print(f"{args.papers} synthetic papers built in {made:.1f}s: ~{count_tokens(text):,} tokens and {spans} "
          f"citation spans each, {len(cited)} cited papers of ~{cited_tokens:,.0f} tokens each")

    full, full_cpu, result = _run(papers, GenerationConfig(), args.repeats)
    n = len(result.questions)
    print(f"full context     : {full:6.2f}s wall {full_cpu:6.2f}s cpu  {n:5d} questions  "
          f"target {TARGET_S:.0f}s -> {TARGET_S / full:.1f}x under (wall)")

    budgets = [8000, 16000, 32000, 64000, 128000]
    timed, timed_cpu, result_b = _run(papers, GenerationConfig(context_budgets=budgets), args.repeats)
    nb = len(result_b.questions)
    print(f"5 budgets        : {timed:6.2f}s wall {timed_cpu:6.2f}s cpu  {nb:5d} questions  "
          f"target {TARGET_S:.0f}s -> {TARGET_S / timed:.1f}x under (wall)")

    original = _tokens.TokenCounter
    _tokens.TokenCounter = _NoCache
    import scalar.generate.questions as q

    q.TokenCounter = _NoCache
    try:
        part = max(1, args.papers // 4)
        _, uncached_cpu, _ = _run(papers[:part], GenerationConfig(), 1)
    finally:
        _tokens.TokenCounter = original
        q.TokenCounter = original
    uncached_cpu *= args.papers / part
    print(f"no token cache   : {uncached_cpu:6.2f}s cpu (extrapolated from {part} papers)  "
          f"cache speed-up {uncached_cpu / full_cpu:.1f}x (cpu)")
    print("rejected:", dict(result.rejected))


if __name__ == "__main__":
    main()
