"""pandas DataFrames of runs and releases, for notebooks: ``scalar.load_runs("runs/")`` and
``scalar.load_release("releases/iclr2025")``. pandas comes with the ``[leaderboard]`` extra."""

from __future__ import annotations

from pathlib import Path

from scalar._util.extras import require
from scalar.errors import InputError
from scalar.leaderboard.runs import find_run_dirs, read_run
from scalar.release import iter_questions, read_manifest
from scalar.schema import Question

__all__ = ["load_release", "load_runs"]


def _chance(q: Question) -> float:
    from scalar.evaluate.scoring import chance_accuracy

    return chance_accuracy(q)


def _question_row(q: Question, text: bool) -> dict:
    row = {"id": q.id, "task": q.task, "difficulty": q.difficulty, "paper": q.paper,
           "first_public_date": q.first_public_date, "citation_type": q.citation_type, "section": q.section,
           "context_budget": q.context_budget, "context_tokens": q.context_tokens,
           "n_candidates": len(q.candidates), "n_masks": len(q.masks), "answer": q.answer,
           "gold_key": q.gold_key, "title": q.title, "chance": _chance(q)}
    if text:
        row["context"] = q.context
        row["candidates"] = [c.text for c in q.candidates]
        row["candidate_titles"] = [c.title for c in q.candidates]
    return row


def load_release(path: str | Path, *, text: bool = False):
    """One row per question (id, task, difficulty, paper, dates, budget, tokens, answer, chance ...);
    ``text=True`` adds the context and the candidates' texts and titles."""
    pd = require("pandas", "leaderboard")
    path = Path(path)
    manifest = read_manifest(path)
    df = pd.DataFrame([_question_row(q, text) for q in iter_questions(path)])
    df.attrs["release_id"] = manifest.release_id
    return df


def load_runs(path: str | Path, *, predictions: bool = False):
    """Every run folder under ``path`` (itself included). One row per run (model, release, n,
    accuracy and interval, chance, per-task accuracy, parse failures, length cuts, cost, settings,
    provenance); ``predictions=True`` instead gives one row per answered question, joined to its
    question's metadata when the run's release folder (summary.json's data_dir) is readable."""
    pd = require("pandas", "leaderboard")
    root = Path(path)
    if not root.exists():
        raise InputError(f"runs folder not found: {root}")
    runs = [read_run(d, root) for d in find_run_dirs(root)]
    if predictions:
        return pd.DataFrame([row for run in runs for row in _prediction_rows(run)])
    return pd.DataFrame([_run_row(run) for run in runs])


def _run_row(run) -> dict:
    s = run.summary
    row = {"run": run.name, "path": str(run.path), "model": s.model, "release_id": s.release_id, "n": s.n,
           "accuracy": s.accuracy.accuracy, "low": s.accuracy.low, "high": s.accuracy.high, "chance": s.chance}
    for task, t in s.by_task.items():
        row[f"{task}_accuracy"] = t.accuracy.accuracy
        row[f"{task}_low"], row[f"{task}_high"] = t.accuracy.low, t.accuracy.high
        row[f"{task}_n"] = t.accuracy.n
        row[f"{task}_chance"] = t.chance
    row.update(parse_failures=s.parse_failures, length_cut=s.length_cut, errors=s.errors, cost_usd=s.cost_usd,
               prompt_tokens=s.prompt_tokens, completion_tokens=s.completion_tokens,
               pending=s.settings.get("n_pending"), scoring=s.settings.get("scoring"),
               template=s.settings.get("template"))
    if s.run is not None and s.run.selection is not None:
        sel = s.run.selection
        row.update(limit=sel.limit, budgets=sel.budgets, difficulties=sel.difficulties, tasks=sel.tasks)
    if s.provenance is not None:
        p = s.provenance
        row.update(tool_version=p.tool_version, git_commit=p.git_commit, started=p.started,
                   finished=p.finished, duration_s=p.duration_s)
    return row


def _prediction_rows(run) -> list[dict]:
    questions: dict[str, Question] = {}
    data = Path(run.summary.data_dir) if run.summary.data_dir else None
    if data is not None and (data / "questions.jsonl").is_file():
        questions = {q.id: q for q in iter_questions(data)}
    rows = []
    for p in run.predictions.values():
        row = {"run": run.name, "model": p.model, "id": p.id, "prediction": p.prediction, "correct": p.correct,
               "parse_failure": p.parse_failure, "finish_reason": p.finish_reason, "error": p.error,
               "prompt_tokens": p.prompt_tokens, "completion_tokens": p.completion_tokens,
               "cost_usd": p.cost_usd, "cached": p.cached, "truncated_tokens": p.truncated_tokens,
               "prompt_sha256": p.prompt_sha256}
        q = questions.get(p.id)
        if q is not None:
            row.update({k: v for k, v in _question_row(q, False).items() if k != "id"})
        rows.append(row)
    return rows
