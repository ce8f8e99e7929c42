"""Finding and reading run folders (`summary.json` + `predictions.jsonl`) and their releases.

Numbers are never taken from summary.json: predictions are joined to the release's questions and
scored again, so a snapshot is consistent whatever version of the runner wrote the run. Any defect
is an InputError naming the file, raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scalar.errors import InputError
from scalar.run_folder import PREDICTIONS, SUMMARY, RunFolder, iter_predictions
from scalar.schema import Prediction, Question, ReleaseManifest, RunSummary


@dataclass
class Run:
    path: Path
    name: str  # relative to the runs folder
    summary: RunSummary
    predictions: dict[str, Prediction]  # question id -> last prediction written for it


@dataclass
class Release:
    path: Path
    manifest: ReleaseManifest
    questions: list[Question]
    by_id: dict[str, Question] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {q.id: q for q in self.questions}


def find_run_dirs(runs_dir: Path) -> list[Path]:
    """Every folder under ``runs_dir`` (itself included) holding a summary.json, sorted."""
    if not runs_dir.is_dir():
        raise InputError(f"runs folder not found: {runs_dir}")
    found = sorted({p.parent for p in runs_dir.rglob(SUMMARY) if not _hidden(p, runs_dir)})
    if not found:
        raise InputError(f"no runs in {runs_dir}: a run folder holds {SUMMARY} and {PREDICTIONS} "
                         "(written by `scalar eval`)")
    return found


def unfinished_run_dirs(runs_dir: Path) -> list[str]:
    """Folders with predictions but no summary: an eval that stopped before writing its summary
    (re-running the same `scalar eval` command finishes it)."""
    return sorted(p.parent.relative_to(runs_dir).as_posix() or "." for p in runs_dir.rglob(PREDICTIONS)
                  if not _hidden(p, runs_dir) and not (p.parent / SUMMARY).is_file())


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read_run(path: Path, runs_dir: Path) -> Run:
    name = path.relative_to(runs_dir).as_posix() or "."
    folder = RunFolder(path)
    summary = folder.read_summary()
    preds_path = folder.predictions
    if not preds_path.is_file():
        raise InputError(f"run {name}: {preds_path} is missing")
    predictions: dict[str, Prediction] = {}
    # A torn last line is a run still being written (or killed): iter_predictions skips it.
    for i, p in iter_predictions(preds_path):
        if p.model != summary.model:
            raise InputError(f"{preds_path}: line {i} is for model {p.model!r} but {SUMMARY} says "
                             f"{summary.model!r}")
        predictions[p.id] = p  # a resumed run may re-answer a question: the last line wins
    if not predictions:
        raise InputError(f"run {name}: {preds_path} has no predictions")
    return Run(path=path, name=name, summary=summary, predictions=predictions)


def resolve_release(run: Run, extra: dict[str, Path]) -> Path:
    """The release folder of a run: a ``--data`` folder with the same release id wins over the
    data_dir recorded in summary.json (runs copied from another machine keep a stale path)."""
    rid = run.summary.release_id
    if rid in extra:
        return extra[rid]
    if run.summary.data_dir:
        p = Path(run.summary.data_dir)
        if not p.is_absolute():
            p = (run.path / p).resolve()
        if p.is_dir():
            return p
        raise InputError(f"run {run.name}: its release folder {p} is gone; pass the release with "
                         f"--data (release id {rid})")
    raise InputError(f"run {run.name}: {SUMMARY} names no data_dir; pass the release with --data "
                     f"(release id {rid})")


def load_release_dir(path: Path) -> Release:
    from scalar.release import load_release

    manifest, questions = load_release(path)
    return Release(path=path, manifest=manifest, questions=questions)


def join(run: Run, release: Release) -> list[tuple[Question, Prediction]]:
    """(question, prediction) pairs in release order; predictions for unknown ids are an error."""
    unknown = sorted(set(run.predictions) - set(release.by_id))
    if unknown:
        raise InputError(f"run {run.name}: {len(unknown)} prediction(s) are for questions not in release "
                         f"{release.manifest.release_id} (first: {unknown[0]}); was it run on another release?")
    return [(q, run.predictions[q.id]) for q in release.questions if q.id in run.predictions]
