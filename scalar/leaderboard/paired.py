"""Ranks from paired comparisons, and the pairwise table.

Every ranked row answered the same questions, so two models are compared on the same questions:
a paired bootstrap resamples citing papers (questions of one paper are correlated) and recomputes
both accuracies on each resample; the 95% interval of the difference says whether one is better.
This separates models whose own intervals overlap but who differ consistently question by
question. Clean views have a different question set per model (each model's own cutoff) and keep
the interval rule (``aggregate.tied_ranks``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from scalar._util.seeds import derive_seed
from scalar.evaluate.scoring import N_BOOTSTRAP
from scalar.leaderboard.aggregate import all_views, in_task, tasks_of, tied_ranks, view_score
from scalar.leaderboard.schema import LeaderboardRow, PairwiseComparison, parse_view
from scalar.schema import Question

Values = dict[str, float]  # question id -> 1.0 right / 0.0 wrong (scored questions only)


def _view_questions(questions: list[Question], view: str) -> list[Question]:
    task, difficulty, _ = parse_view(view)
    keep = in_task(task)
    return [q for q in questions if keep(q) and (difficulty == "all" or q.difficulty == difficulty)]


def paired_table(rows: list[LeaderboardRow], values: list[Values], questions: list[Question], view: str,
                 *, n_boot: int = N_BOOTSTRAP, level: float = 0.95) -> dict[tuple[int, int], PairwiseComparison]:
    """(i, j) -> row i minus row j on the view's questions, for every ordered pair of rows."""
    qs = _view_questions(questions, view)
    if len(rows) < 2 or not qs:
        return {}
    papers, idx = np.unique(np.asarray([q.paper for q in qs], dtype=object).astype(str), return_inverse=True)
    k = len(papers)
    right = np.asarray([[v.get(q.id, 0.0) for q in qs] for v in values], dtype=np.float64)  # rows x questions
    sums = np.stack([np.bincount(idx, weights=r, minlength=k) for r in right])  # rows x papers
    sizes = np.bincount(idx, minlength=k).astype(np.float64)
    acc = sums.sum(axis=1) / sizes.sum()
    if k > 1:
        rng = np.random.default_rng(derive_seed("paired", view, len(qs), k))
        draws = rng.multinomial(k, np.full(k, 1.0 / k), size=n_boot).astype(np.float64)
        boot = (draws @ sums.T) / np.maximum(draws @ sizes, 1e-12)[:, None]  # n_boot x rows
    tail = (1.0 - level) / 2
    out = {}
    for i in range(len(rows)):
        for j in range(len(rows)):
            if i == j:
                continue
            diff = float(acc[i] - acc[j])
            if k > 1:
                low, high = (float(x) for x in np.quantile(boot[:, i] - boot[:, j], [tail, 1 - tail]))
            else:  # one paper: nothing to resample, so nothing is called a difference
                low, high = min(diff, 0.0), max(diff, 0.0)
            out[(i, j)] = PairwiseComparison(
                release_id=rows[i].release_id, view=view, a=rows[i].model, b=rows[j].model,
                diff=round(diff, 6), low=round(min(low, diff), 6), high=round(max(high, diff), 6),
                n=len(qs), n_papers=int(k),
                a_wins=int(((right[i] == 1) & (right[j] == 0)).sum()),
                b_wins=int(((right[j] == 1) & (right[i] == 0)).sum()))
    return out


def paired_ranks(n_rows: int, table: dict[tuple[int, int], PairwiseComparison]) -> list[int]:
    """rank = 1 + number of rows better than this one (their difference's interval lies above 0)."""
    return [1 + sum(1 for j in range(n_rows) if j != i and (j, i) in table and table[(j, i)].low > 0)
            for i in range(n_rows)]


def assign_ranks(rows: list[LeaderboardRow], values: list[Values],
                 questions: dict[str, list[Question]]) -> list[PairwiseComparison]:
    """Rank the complete rows of each release in every view; returns the pairwise table (task-level
    views, better row first). ``values[i]`` belongs to ``rows[i]``; ``questions`` by release id."""
    by_release: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        r.rank = None
        r.ranks = {}
        by_release[r.release_id].append(i)
    pairwise: list[PairwiseComparison] = []
    for rid, members in by_release.items():
        ranked = [i for i in members if rows[i].complete]
        group = [rows[i] for i in ranked]
        qs = questions[rid]
        for view in all_views(tasks_of(qs)):
            present = [n for n, r in enumerate(group) if view_score(r, view) is not None]
            if view.endswith(":clean"):
                ranks = tied_ranks([view_score(group[n], view) for n in present])
            else:
                table = paired_table([group[n] for n in present], [values[ranked[n]] for n in present], qs, view)
                ranks = paired_ranks(len(present), table)
                if parse_view(view)[1] == "all":
                    pairwise += [c for (a, b), c in table.items() if c.diff > 0 or (c.diff == 0 and a < b)]
            for n, k in zip(present, ranks):
                group[n].ranks[view] = k
            for r in group:
                r.ranks.setdefault(view, None)
        for r in group:
            r.rank = r.ranks.get("all")
    pairwise.sort(key=lambda c: (c.release_id, c.view, -c.diff, c.a, c.b))
    return pairwise


__all__ = ["assign_ranks", "paired_ranks", "paired_table"]
