"""summary.json from a run's predictions, and the rich table printed at the end of a run.

Errors (the call failed after retries) are not answers: they are left out of accuracy and counted
separately; parse failures are answers that could not be read and count as wrong.

A cloze question is right only when every one of its 2-6 masks is, which puts chance near zero;
``breakdowns["cloze_masks"]["per_mask"]`` adds the share of masks answered right (n counts masks,
the interval still resamples citing papers).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from scalar.evaluate.scoring import BREAKDOWNS, clustered_score, filter_after, score_by
from scalar.schema import Prediction, Question, RunSpec, RunSummary, Score

BREAKDOWN_KEYS = ("task", "citation_type", "context_length", "month")
CLOZE_MASKS = "cloze_masks"


def cloze_mask_score(scored: list[tuple[Question, Prediction]]) -> Score | None:
    """Share of cloze masks answered right (a parse failure gets all its masks wrong)."""
    correct: list[bool] = []
    papers: list[str] = []
    for q, p in scored:
        if q.task != "cloze" or not isinstance(q.answer, list):
            continue
        pred = p.prediction if isinstance(p.prediction, list) else []
        for i, gold in enumerate(q.answer):
            correct.append(i < len(pred) and pred[i] == gold)
            papers.append(q.paper)
    return clustered_score(correct, papers) if correct else None


def summarize(*, model: str, release_id: str, data_dir: str, questions: list[Question],
              predictions: dict[str, Prediction], after: date | None = None,
              settings: dict | None = None, run: RunSpec | None = None) -> RunSummary:
    """Score the latest prediction of every question in ``questions`` that has one. Intervals use
    the fixed bootstrap seed (scoring.BOOTSTRAP_SEED), as the leaderboard does."""
    pairs = [(q, predictions[q.id]) for q in questions if q.id in predictions]
    pairs = filter_after(pairs, after)
    scored = [(q, p) for q, p in pairs if p.error is None]
    errors = len(pairs) - len(scored)
    accuracy = clustered_score([p.correct for _, p in scored], [q.paper for q, _ in scored])
    breakdowns = {k: score_by(scored, BREAKDOWNS[k]) for k in BREAKDOWN_KEYS}
    masks = cloze_mask_score(scored)
    if masks is not None:
        breakdowns[CLOZE_MASKS] = {"per_mask": masks}
    return RunSummary(
        model=model, release_id=release_id, data_dir=data_dir, n=len(scored), accuracy=accuracy,
        by_difficulty=score_by(scored, BREAKDOWNS["difficulty"]),
        breakdowns=breakdowns,
        parse_failures=sum(p.parse_failure for _, p in scored), errors=errors,
        prompt_tokens=sum(p.prompt_tokens for _, p in pairs),
        completion_tokens=sum(p.completion_tokens for _, p in pairs),
        cost_usd=round(sum(p.cost_usd for _, p in pairs), 6), after=after,
        settings=dict(settings or {}), run=run,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def _fmt(s: Score) -> str:
    return f"{s.accuracy:.3f} [{s.low:.3f}, {s.high:.3f}]"


def summary_table(summary: RunSummary):
    """A rich Table: overall, per difficulty and per breakdown, with n and papers."""
    from rich.table import Table

    title = f"{summary.model} on {summary.release_id}" + (f" (after {summary.after})" if summary.after else "")
    table = Table(title=title, title_justify="left")
    table.add_column("group")
    table.add_column("accuracy [95% CI]", justify="right")
    table.add_column("n", justify="right")
    table.add_column("papers", justify="right")
    table.add_row("overall", _fmt(summary.accuracy), str(summary.accuracy.n), str(summary.accuracy.n_papers),
                  style="bold")
    for name, s in summary.by_difficulty.items():
        table.add_row(f"difficulty={name}", _fmt(s), str(s.n), str(s.n_papers))
    for key, groups in summary.breakdowns.items():
        if key == CLOZE_MASKS:
            continue
        if len(groups) < 2:
            continue  # a breakdown with one group repeats the overall row
        for name, s in groups.items():
            table.add_row(f"{key}={name}", _fmt(s), str(s.n), str(s.n_papers))
            if key == "task" and name == "cloze" and CLOZE_MASKS in summary.breakdowns:
                m = summary.breakdowns[CLOZE_MASKS]["per_mask"]
                table.add_row("task=cloze, per mask (n = masks)", _fmt(m), str(m.n), str(m.n_papers))
    if "task" in summary.breakdowns and len(summary.breakdowns["task"]) < 2 and CLOZE_MASKS in summary.breakdowns:
        m = summary.breakdowns[CLOZE_MASKS]["per_mask"]  # a cloze-only run: no task rows above
        table.add_row("cloze, per mask (n = masks)", _fmt(m), str(m.n), str(m.n_papers))
    pending = summary.settings.get("n_pending") or 0
    table.caption = (f"parse failures {summary.parse_failures} (counted wrong) | errors {summary.errors} "
                     f"(not scored; retried on re-run) | pending {pending} | tokens {summary.prompt_tokens:,} in / "
                     f"{summary.completion_tokens:,} out | cost ${summary.cost_usd:.4f}")
    return table
