"""summary.json from a run's predictions, and the rich table printed at the end of a run.

Errors (the call failed after retries) are not answers: they are left out of accuracy and counted
separately; parse failures are answers that could not be read and count as wrong.

A cloze question is right only when every one of its 2-6 masks is, which puts chance near zero;
``breakdowns["cloze_masks"]["per_mask"]`` adds the share of masks answered right (n counts masks,
the interval still resamples citing papers). ``by_task`` reports each task apart with its chance
level (``chance``: the expected accuracy of uniformly random answers), and per difficulty and per
context budget within it; ``by_budget`` groups by the budget the question was fitted to
(``Question.context_budget``), the release's own length axis.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from scalar.evaluate.scoring import BREAKDOWNS, chance_accuracy, clustered_score, filter_after, score_by
from scalar.schema import TASKS, Prediction, Provenance, Question, RunSpec, RunSummary, Score, TaskScore

BREAKDOWN_KEYS = ("task", "citation_type", "context_length", "budget", "month")
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


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def task_scores(scored: list[tuple[Question, Prediction]]) -> dict[str, TaskScore]:
    """Each task apart, with its chance level: a constant answer is 25% on 4-way multiple choice
    and near 0% on cloze, so a mixed overall number hides what a model does."""
    out: dict[str, TaskScore] = {}
    for task in TASKS:
        group = [(q, p) for q, p in scored if q.task == task]
        if not group:
            continue
        masks = cloze_mask_score(group) if task == "cloze" else None
        out[task] = TaskScore(
            accuracy=clustered_score([p.correct for _, p in group], [q.paper for q, _ in group]),
            chance=_mean([chance_accuracy(q) for q, _ in group]),
            by_difficulty=score_by(group, BREAKDOWNS["difficulty"]),
            by_budget=score_by(group, BREAKDOWNS["budget"]),
            per_mask=masks,
            per_mask_chance=_mean([1 / len(q.candidates) for q, _ in group for _ in q.masks]) if masks else None)
    return out


def summarize(*, model: str, release_id: str, data_dir: str, questions: list[Question],
              predictions: dict[str, Prediction], after: date | None = None,
              settings: dict | None = None, run: RunSpec | None = None,
              provenance: Provenance | None = None) -> RunSummary:
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
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        chance=_mean([chance_accuracy(q) for q, _ in scored]) if scored else None,
        by_task=task_scores(scored), by_budget=breakdowns["budget"],
        length_cut=sum(p.finish_reason == "length" for _, p in scored), provenance=provenance)


def _fmt(s: Score) -> str:
    return f"{s.accuracy:.3f} [{s.low:.3f}, {s.high:.3f}]"


def summary_table(summary: RunSummary):
    """A rich Table: overall, each task apart with its chance level, per difficulty and budget
    within a task, and the other breakdowns; n and papers on every row."""
    from rich.table import Table

    title = f"{summary.model} on {summary.release_id}" + (f" (after {summary.after})" if summary.after else "")
    table = Table(title=title, title_justify="left")
    table.add_column("group")
    table.add_column("accuracy [95% CI]", justify="right")
    table.add_column("chance", justify="right")
    table.add_column("n", justify="right")
    table.add_column("papers", justify="right")

    def row(name: str, s: Score, chance: float | None = None, **kw) -> None:
        table.add_row(name, _fmt(s), "" if chance is None else f"{chance:.3f}", str(s.n), str(s.n_papers), **kw)

    row("overall (tasks mixed)" if len(summary.by_task) > 1 else "overall", summary.accuracy, summary.chance,
        style="bold")
    for task, t in summary.by_task.items():
        row(f"task={task}", t.accuracy, t.chance, style="bold")
        if t.per_mask is not None:
            row(f"  {task}, per mask (n = masks)", t.per_mask, t.per_mask_chance)
        for name, s in t.by_difficulty.items():
            row(f"  {task}, difficulty={name}", s)
        if len(t.by_budget) > 1:
            for name, s in t.by_budget.items():
                row(f"  {task}, budget={name}", s)
    for key, groups in summary.breakdowns.items():
        if key in (CLOZE_MASKS, "task") or len(groups) < 2:
            continue  # tasks are above; a breakdown with one group repeats the overall row
        for name, s in groups.items():
            row(f"{key}={name}", s)
    pending = summary.settings.get("n_pending") or 0
    cut = f" | cut at --max-tokens {summary.length_cut} (counted wrong; raise --max-tokens)" if summary.length_cut else ""
    took = f" | {summary.provenance.duration_s:,.1f} s" if summary.provenance else ""
    table.caption = (f"parse failures {summary.parse_failures} (counted wrong){cut} | errors {summary.errors} "
                     f"(not scored; retried on re-run) | pending {pending} | tokens {summary.prompt_tokens:,} in / "
                     f"{summary.completion_tokens:,} out | cost ${summary.cost_usd:.4f}{took}")
    return table
