"""One leaderboard row from scored questions: every view (task x difficulty, optionally clean) and
every breakdown (task x axis), plus the completeness rule that decides which rows are ranked.

A row is computed from (question, value) pairs where value is 1/0 for a run's prediction (a
parse failure counts as wrong) and None for a prediction that ended in an error (not scored;
shown in the errors column). Ranks are assigned afterwards, by ``paired.assign_ranks``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from scalar.evaluate.scoring import clustered_score, length_bucket, month
from scalar.leaderboard.schema import AXES, TASK_VIEWS, VIEWS, CutoffInfo, LeaderboardRow, budget_label, view_key
from scalar.schema import DIFFICULTIES, Question, Score

Scored = list[tuple[Question, float]]

AXIS_KEYS: dict[str, Callable[[Question], str]] = {
    "difficulty": lambda q: q.difficulty,
    "budget": lambda q: budget_label(q.context_budget),
    "context_length": lambda q: length_bucket(q.context_tokens),
    "month": lambda q: month(q.first_public_date),
}
assert tuple(AXIS_KEYS) == AXES


def score(pairs: Scored) -> Score:
    return clustered_score([v for _, v in pairs], [q.paper for q, _ in pairs])


def score_groups(pairs: Scored, key: Callable[[Question], str]) -> dict[str, Score]:
    groups: dict[str, Scored] = defaultdict(list)
    for q, v in pairs:
        groups[key(q)].append((q, v))
    return {k: score(g) for k, g in sorted(groups.items())}


def after(pairs: list, when: date | None) -> list:
    """Pairs whose question was first public strictly after ``when`` (unknown dates drop out)."""
    return [(q, v) for q, v in pairs if q.public_after(when)]


def in_task(task: str) -> Callable[[Question], bool]:
    return (lambda q: True) if task == "all" else (lambda q: q.task == task)


def tasks_of(questions) -> list[str]:
    """"all" plus each task present, in TASK_VIEWS order."""
    present = {q.task for q in questions}
    return ["all", *[t for t in TASK_VIEWS if t != "all" and t in present]]


def ordered(axis: str, groups: dict) -> dict:
    """Keys in reading order: difficulties easy->hard, budgets and length buckets by size, months
    by date ("unknown"/"full" last)."""
    if axis == "difficulty":
        order = {d: i for i, d in enumerate(DIFFICULTIES)}
        return {k: groups[k] for k in sorted(groups, key=lambda k: order.get(k, 99))}
    if axis == "month":
        return {k: groups[k] for k in sorted(groups, key=lambda k: (k == "unknown", k))}

    def lower(name: str) -> int:
        digits = name.lstrip(">=").split("k")[0]
        return int(digits) if digits.isdigit() else 1 << 40
    return {k: groups[k] for k in sorted(groups, key=lower)}


def sorted_buckets(groups: dict[str, Score]) -> dict[str, Score]:
    """Context-length buckets in length order ("8k-16k" after "0k-8k", ">=128k" last)."""
    return ordered("context_length", groups)


def breakdowns(scored: Scored, tasks: list[str]) -> dict[str, dict[str, dict[str, Score]]]:
    out: dict[str, dict[str, dict[str, Score]]] = {}
    for task in tasks:
        sub = [(q, v) for q, v in scored if in_task(task)(q)]
        if task != "all" and len(sub) == len(scored) and "all" in out:
            out[task] = out["all"]  # a single-task release: the same numbers, not resampled again
            continue
        out[task] = {axis: ordered(axis, score_groups(sub, key)) for axis, key in AXIS_KEYS.items()}
    return out


def view_scores(scored: Scored, clean_pairs: Scored | None, tasks: list[str],
                split: dict[str, dict[str, dict[str, Score]]]) -> dict[str, Score]:
    """Every view key -> Score (views with no question are left out)."""
    out: dict[str, Score] = {}
    for task in tasks:
        sub = [(q, v) for q, v in scored if in_task(task)(q)]
        if sub and task != "all" and len(sub) == len(scored) and "all" in out:
            out[view_key(task)] = out["all"]
        elif sub:
            out[view_key(task)] = score(sub)
        for d, s in split[task]["difficulty"].items():
            out[view_key(task, d)] = s
        if clean_pairs is None:
            continue
        csub = [(q, v) for q, v in clean_pairs if in_task(task)(q)]
        if not csub:
            continue
        if task != "all" and len(csub) == len(clean_pairs) and "all:clean" in out:
            for d in ("all", *DIFFICULTIES):  # a single-task release: the "all" numbers
                if view_key("all", d, True) in out:
                    out[view_key(task, d, True)] = out[view_key("all", d, True)]
            continue
        if len(csub) == len(sub):  # the cutoff predates every question: reuse, don't resample
            for d in ("all", *DIFFICULTIES):
                if view_key(task, d) in out:
                    out[view_key(task, d, True)] = out[view_key(task, d)]
            continue
        out[view_key(task, clean=True)] = score(csub)
        for d, s in score_groups(csub, lambda q: q.difficulty).items():
            out[view_key(task, d, True)] = s
    return out


def build_row(*, model: str, release_id: str, kind: str, scored: Scored, n_questions: int,
              answered: int, cutoff: CutoffInfo, computed: bool = False, run: str | None = None,
              tasks: list[str] | None = None, meta: dict | None = None, **counts) -> LeaderboardRow:
    """``answered`` counts predictions (scored + errors); ``counts`` are the plain columns."""
    tasks = tasks or tasks_of(q for q, _ in scored)
    if kind == "baseline":
        clean_pairs = scored  # a baseline has no training data: every question is clean for it
    elif cutoff.date is not None:
        clean_pairs = after(scored, cutoff.date)
    else:
        clean_pairs = None
    errors = counts.get("errors", 0)
    complete = answered >= n_questions and not errors and len(scored) == n_questions
    warnings = []
    if answered < n_questions:
        warnings.append(f"partial run: {answered} of {n_questions} questions answered; not ranked "
                        "(re-run the same `scalar eval` command to finish it)")
    if errors:
        warnings.append(f"{errors} prediction(s) ended in an error and are not scored; not ranked until "
                        "a re-run of the same command retries them")
    if cutoff.status == "unknown":
        warnings.append("knowledge cutoff unknown: add it with --cutoffs to get clean accuracy")
    split = breakdowns(scored, tasks)
    scores = view_scores(scored, clean_pairs, tasks, split)
    empty = score([])
    overall = scores.get("all", empty)
    return LeaderboardRow(
        model=model, release_id=release_id, kind=kind, computed=computed, run=run,
        rank=None, complete=complete,
        n_questions=n_questions, n=len(scored),
        coverage=round(answered / n_questions, 6) if n_questions else 0.0,
        accuracy=overall,
        by_difficulty=split["all"]["difficulty"],
        by_context_length=split["all"]["context_length"],
        by_month=split["all"]["month"],
        cutoff=cutoff,
        clean=None if clean_pairs is None else scores.get("all:clean", empty),
        clean_by_difficulty={d: scores[f"{d}:clean"] for d in DIFFICULTIES if f"{d}:clean" in scores},
        warnings=warnings,
        scores=scores,
        breakdowns=split,
        meta=dict(meta or {}),
        **counts,
    )


def view_score(row: LeaderboardRow, view: str) -> Score | None:
    """The score a row shows in a view (see schema.view_key); None when the view is empty."""
    s = row.scores.get(view)
    return s if s is not None and s.n > 0 else None


def all_views(tasks: list[str] | None = None) -> list[str]:
    return [view_key(t, d, c) for t in (tasks or list(TASK_VIEWS)) for d in VIEWS for c in (False, True)]


def tied_ranks(scores: list[Score | None]) -> list[int | None]:
    """rank = 1 + number of rows whose interval lies wholly above this row's (low > this high)."""
    out: list[int | None] = []
    for s in scores:
        if s is None:
            out.append(None)
            continue
        out.append(1 + sum(1 for o in scores if o is not None and o.low > s.high))
    return out


def sort_rows(rows: list[LeaderboardRow]) -> list[LeaderboardRow]:
    """Ranked rows first, by accuracy (best first) within each release; partial rows after them."""
    return sorted(rows, key=lambda r: (r.release_id, not r.complete, -r.accuracy.accuracy, r.model))


__all__ = ["AXIS_KEYS", "DIFFICULTIES", "build_row", "sort_rows", "tasks_of", "tied_ranks", "view_score"]
