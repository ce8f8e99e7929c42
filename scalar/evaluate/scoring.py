"""Accuracy with 95% intervals from a bootstrap clustered by citing paper, and the breakdowns
shown in summary.json and the leaderboard.

Questions from one paper are correlated (same context, overlapping candidates), so the interval
resamples papers, not questions.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

import numpy as np

from scalar._util.seeds import derive_seed
from scalar.schema import DIFFICULTIES, Prediction, Question, Score

N_BOOTSTRAP = 2000
# One fixed seed for every interval (eval summaries and the leaderboard alike), so the same
# predictions always get the same interval. Not --seed: that is the model's sampling seed.
BOOTSTRAP_SEED = 0
LENGTH_BUCKETS = (8_000, 16_000, 32_000, 64_000, 128_000)


def clustered_score(correct: Iterable[bool], clusters: Iterable[str], *, n_boot: int = N_BOOTSTRAP,
                    seed: int = BOOTSTRAP_SEED, level: float = 0.95) -> Score:
    correct = np.asarray(list(correct), dtype=np.float64)
    clusters = list(clusters)
    n = len(correct)
    if n == 0:
        return Score(accuracy=0.0, low=0.0, high=0.0, n=0, n_papers=0)
    names, idx = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    k = len(names)
    sums = np.bincount(idx, weights=correct, minlength=k)
    sizes = np.bincount(idx, minlength=k).astype(np.float64)
    acc = float(sums.sum() / sizes.sum())
    if k == 1:
        # One paper: no between-paper variation to resample; fall back to a Wilson interval.
        low, high = _wilson(acc, n, level)
    else:
        draws = _draws(k, n_boot, derive_seed("bootstrap", seed, n, k))
        boot = (draws @ sums) / np.maximum(draws @ sizes, 1e-12)
        tail = (1.0 - level) / 2
        low, high = (float(x) for x in np.quantile(boot, [tail, 1 - tail]))
    return Score(accuracy=acc, low=min(low, acc), high=max(high, acc), n=n, n_papers=k)


@functools.lru_cache(maxsize=512)
def _draws(k: int, n_boot: int, seed: int) -> np.ndarray:
    """Resampling weights (n_boot x k papers). Cached: a leaderboard scores every row on the same
    question groups, so the same (n, k) draws recur row after row."""
    draws = np.random.default_rng(seed).multinomial(k, np.full(k, 1.0 / k), size=n_boot).astype(np.float64)
    draws.flags.writeable = False
    return draws


def _wilson(p: float, n: int, level: float) -> tuple[float, float]:
    from statistics import NormalDist  # not scipy.stats: it takes seconds to import

    z = NormalDist().inv_cdf(0.5 + level / 2)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def length_bucket(tokens: int) -> str:
    lo = 0
    for hi in LENGTH_BUCKETS:
        if tokens < hi:
            return f"{lo // 1000}k-{hi // 1000}k"
        lo = hi
    return f">={lo // 1000}k"


def month(d: date | None) -> str:
    return d.strftime("%Y-%m") if d else "unknown"


def budget_label(q: Question) -> str:
    """The question's --context-tokens budget as a group name; "none" for releases without one."""
    return str(q.context_budget) if q.context_budget is not None else "none"


def chance_accuracy(q: Question) -> float:
    """Expected accuracy of a uniformly random answer: 1/n for multiple choice; for cloze (right
    only when every mask is) a random one-to-one assignment of k masks to n candidates is right
    with probability (n-k)!/n!."""
    n = len(q.candidates)
    if q.task != "cloze":
        return 1.0 / n
    p = 1.0
    for i in range(len(q.masks)):
        p /= max(1, n - i)
    return p


def natural_key(name: str) -> tuple:
    """Order group names with their numbers as numbers (1000 < 1500 < 16000, 8k-16k < 16k-32k) and
    difficulties easy < medium < hard."""
    import re

    if name in DIFFICULTIES:
        return ((-1, DIFFICULTIES.index(name), ""),)
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", name) if t)


BREAKDOWNS: dict[str, Callable[[Question], str]] = {
    "difficulty": lambda q: q.difficulty,
    "task": lambda q: q.task,
    "citation_type": lambda q: q.citation_type or "unknown",
    "context_length": lambda q: length_bucket(q.context_tokens),
    "month": lambda q: month(q.first_public_date),
    "budget": budget_label,
}


def score_by(pairs: list[tuple[Question, Prediction]], key: Callable[[Question], str],
             seed: int = BOOTSTRAP_SEED) -> dict[str, Score]:
    groups: dict[str, list[tuple[Question, Prediction]]] = defaultdict(list)
    for q, p in pairs:
        groups[key(q)].append((q, p))
    return {
        name: clustered_score([p.correct for _, p in g], [q.paper for q, _ in g], seed=seed)
        for name, g in sorted(groups.items(), key=lambda kv: natural_key(kv[0]))
    }


def filter_after(pairs: list[tuple[Question, Prediction]], after: date | None) -> list[tuple[Question, Prediction]]:
    """Questions first public strictly after ``after`` (contamination control); unknown dates drop out."""
    return [(q, p) for q, p in pairs if q.public_after(after)]
