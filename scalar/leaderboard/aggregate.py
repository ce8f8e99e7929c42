"""One leaderboard row from scored questions, and the tied-rank rule.

A row is computed from (question, value) pairs where value is 1/0 for a run's prediction (a
parse failure counts as wrong), the expected score in [0, 1] for a computed baseline, and None
for a prediction that ended in an error (not scored; shown in the errors column).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from scalar.evaluate.scoring import clustered_score, length_bucket, month
from scalar.leaderboard.schema import VIEWS, CutoffInfo, LeaderboardRow
from scalar.schema import DIFFICULTIES, Question, Score

Scored = list[tuple[Question, float]]


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


def build_row(*, model: str, release_id: str, kind: str, scored: Scored, n_questions: int,
              answered: int, cutoff: CutoffInfo, computed: bool = False, run: str | None = None,
              **counts) -> LeaderboardRow:
    """``answered`` counts predictions (scored + errors); ``counts`` are the plain columns."""
    by_difficulty = score_groups(scored, lambda q: q.difficulty)
    if kind == "baseline":
        # A baseline has no training data: every question is clean for it.
        clean_pairs = scored
    elif cutoff.date is not None:
        clean_pairs = after(scored, cutoff.date)
    else:
        clean_pairs = None
    warnings = []
    if answered < n_questions:
        warnings.append(f"partial run: {answered} of {n_questions} questions answered")
    if counts.get("errors"):
        warnings.append(f"{counts['errors']} prediction(s) ended in an error and are not scored")
    if cutoff.status == "unknown":
        warnings.append("knowledge cutoff unknown: add it with --cutoffs to get clean accuracy")
    overall = score(scored)
    if clean_pairs is None:
        clean, clean_by_difficulty = None, {}
    elif len(clean_pairs) == len(scored):
        # The cutoff predates every question (a filter that kept everything): reuse, don't resample.
        clean, clean_by_difficulty = overall, by_difficulty
    else:
        clean, clean_by_difficulty = score(clean_pairs), score_groups(clean_pairs, lambda q: q.difficulty)
    return LeaderboardRow(
        model=model, release_id=release_id, kind=kind, computed=computed, run=run, rank=0,
        n_questions=n_questions, n=len(scored),
        coverage=round(answered / n_questions, 6) if n_questions else 0.0,
        accuracy=overall,
        by_difficulty=by_difficulty,
        by_context_length=sorted_buckets(score_groups(scored, lambda q: length_bucket(q.context_tokens))),
        by_month=score_groups(scored, lambda q: month(q.first_public_date)),
        cutoff=cutoff,
        clean=clean,
        clean_by_difficulty=clean_by_difficulty,
        warnings=warnings,
        **counts,
    )


def sorted_buckets(groups: dict[str, Score]) -> dict[str, Score]:
    """Context-length buckets in length order ("8k-16k" after "0k-8k", ">=128k" last)."""
    def lower(name: str) -> int:
        digits = name.lstrip(">=").split("k")[0]
        return int(digits) if digits.isdigit() else 1 << 30
    return {k: groups[k] for k in sorted(groups, key=lower)}


def view_score(row: LeaderboardRow, view: str) -> Score | None:
    """The score a row shows in a view: "all"/"easy"/"medium"/"hard", optionally ":clean"."""
    difficulty, _, clean = view.partition(":")
    if clean:
        if row.clean is None:
            return None
        s = row.clean if difficulty == "all" else row.clean_by_difficulty.get(difficulty)
    else:
        s = row.accuracy if difficulty == "all" else row.by_difficulty.get(difficulty)
    return s if s is not None and s.n > 0 else None


def all_views() -> list[str]:
    return [v for d in VIEWS for v in (d, f"{d}:clean")]


def tied_ranks(scores: list[Score | None]) -> list[int | None]:
    """rank = 1 + number of rows whose interval lies wholly above this row's (low > this high)."""
    out: list[int | None] = []
    for s in scores:
        if s is None:
            out.append(None)
            continue
        out.append(1 + sum(1 for o in scores if o is not None and o.low > s.high))
    return out


def assign_ranks(rows: list[LeaderboardRow]) -> None:
    """Rank rows within each release, in every view; ``row.rank`` is the overall view."""
    by_release: dict[str, list[LeaderboardRow]] = defaultdict(list)
    for r in rows:
        by_release[r.release_id].append(r)
    for group in by_release.values():
        for view in all_views():
            ranks = tied_ranks([view_score(r, view) for r in group])
            for r, k in zip(group, ranks):
                r.ranks[view] = k
        for r in group:
            r.rank = r.ranks["all"] or len(group)


def sort_rows(rows: list[LeaderboardRow]) -> list[LeaderboardRow]:
    """Order by accuracy (best first) within each release; ranks only mark which gaps are real."""
    return sorted(rows, key=lambda r: (r.release_id, -r.accuracy.accuracy, r.model))


__all__ = ["DIFFICULTIES", "assign_ranks", "build_row", "sort_rows", "tied_ranks", "view_score"]
