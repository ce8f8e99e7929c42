"""Shared timing helper for the benchmark scripts (run as `python benchmarks/<script>.py`)."""

from __future__ import annotations

import statistics
import time


def median_time(fn, runs: int) -> float:
    """Median wall time of ``runs`` calls of ``fn`` (the machine is shared: medians, not means)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
