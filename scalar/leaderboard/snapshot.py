"""`build_snapshot`: run folders -> a dated leaderboard snapshot folder.

Everything is read and checked first; the files are then written through the atomic-folder helper
(a hidden temporary sibling swapped into place), so a snapshot is either complete or absent, and the
user's other files in an earlier snapshot folder are kept. When
``out_dir`` lies inside a folder named ``leaderboards``, that folder's ``index.html`` (links to every
snapshot) is regenerated.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path

from scalar.errors import InputError
from scalar.leaderboard import aggregate, baselines, paired, question_view
from scalar.leaderboard.chance import chance_groups, mean_chance
from scalar.leaderboard.cutoffs import CutoffRegistry
from scalar.leaderboard.runs import (
    Release,
    Run,
    find_run_dirs,
    join,
    load_release_dir,
    read_run,
    resolve_release,
    unfinished_run_dirs,
)
from scalar.leaderboard.schema import CutoffInfo, LeaderboardRow, ReleaseInfo, Snapshot, view_key
from scalar.release import MANIFEST
from scalar.schema import DIFFICULTIES, Prediction, Question

SNAPSHOT_FILES = ("index.html", "leaderboard.json", "leaderboard.csv", "leaderboard.md")


def build_snapshot(runs_dir: str | Path, out_dir: str | Path, *, after: date | None = None,
                   allow_mixed: bool = False, cutoffs_file: str | Path | None = None,
                   title: str | None = None, data_dirs: list[str | Path] | None = None,
                   require_cutoffs: bool = False, progress: bool = False, audit: bool = True,
                   computed_baselines: Sequence[str] = baselines.BASELINES) -> Snapshot:
    """Score every run under ``runs_dir`` against its release and write the snapshot to ``out_dir``.

    Raises InputError/ConfigError (nothing written) for: no runs, a malformed summary or
    predictions file, runs of different releases without ``allow_mixed``, two runs of one model on
    one release, predictions for questions the release lacks, a malformed cutoffs file, and, with
    ``require_cutoffs``, a model missing from the cutoff registry. ``audit=False`` skips the
    shortcut audit shown in the page's "about" section (slow on very large releases).
    ``computed_baselines``: the baselines given a row computed from the release when no run of them
    is given (``baseline/dense`` needs the [dense] extra; checked before any run is read).
    """
    runs_dir, out_dir = Path(runs_dir), Path(out_dir)
    registry = CutoffRegistry.load(cutoffs_file)
    computed_baselines = baselines.check_computable(computed_baselines)
    runs = [read_run(p, runs_dir) for p in find_run_dirs(runs_dir)]
    releases = _load_releases(runs, data_dirs or [])
    _check_consistent(runs, allow_mixed)
    questions = {rid: aggregate.after([(q, None) for q in rel.questions], after) for rid, rel in releases.items()}
    questions = {rid: [q for q, _ in pairs] for rid, pairs in questions.items()}
    notes = []
    for rid in sorted(releases):
        questions[rid], note = _common_question_set(runs, rid, questions[rid])
        notes += [note] if note else []

    scored: list[tuple[LeaderboardRow, dict]] = []  # row, question id -> Prediction
    for run in _progress(runs, "scoring runs", progress):
        rid = run.summary.release_id
        scored.append(_run_row(run, releases[rid], questions[rid], registry, after))
    for rid in sorted(releases):
        present = {r.model for r, _ in scored if r.release_id == rid}
        for model in computed_baselines:
            if model not in present:
                scored.append(_computed_baseline_row(model, releases[rid], questions[rid], progress))
    rows = [r for r, _ in scored]
    predictions = {id(r): preds for r, preds in scored}

    unknown = sorted({r.model for r in rows if r.cutoff.status == "unknown"})
    if unknown and require_cutoffs:
        raise InputError(f"no knowledge cutoff for {', '.join(unknown)}: add them to a --cutoffs file "
                         "(or drop --require-cutoffs)")
    values = [{qid: 1.0 if p.correct else 0.0 for qid, p in predictions[id(r)].items() if p.error is None}
              for r in rows]
    pairwise = paired.assign_ranks(rows, values, questions)
    rows = aggregate.sort_rows(rows)
    snapshot = Snapshot(
        title=title or _default_title(releases, out_dir),
        created=_now(),
        generator_version=_version(),
        after=after,
        releases=[_release_info(releases[rid], questions[rid], audit) for rid in sorted(releases)],
        rows=rows,
        pairwise=pairwise,
        warnings=notes + [f"{d}: predictions.jsonl without summary.json (unfinished eval; re-run it to "
                          "finish), not on the board" for d in unfinished_run_dirs(runs_dir)],
    )
    per_question = question_view.records(snapshot, questions, {id(r): predictions[id(r)] for r in rows})
    _write(snapshot, releases, out_dir, per_question)
    _update_index(out_dir)
    return snapshot


# --------------------------------------------------------------------------- reading


def _load_releases(runs: list[Run], data_dirs: list[str | Path]) -> dict[str, Release]:
    extra: dict[str, Path] = {}
    loaded: dict[Path, Release] = {}
    for d in data_dirs:
        rel = load_release_dir(Path(d))
        loaded[Path(d).resolve()] = rel
        extra[rel.manifest.release_id] = Path(d).resolve()
    out: dict[str, Release] = {}
    for run in runs:
        path = resolve_release(run, extra).resolve()
        if path not in loaded:
            try:
                loaded[path] = load_release_dir(path)
            except InputError as e:
                raise InputError(f"run {run.name}: {e}") from None
        rel = loaded[path]
        if rel.manifest.release_id != run.summary.release_id:
            raise InputError(f"run {run.name}: summary.json says release {run.summary.release_id} but "
                             f"{path} holds release {rel.manifest.release_id}")
        out[rel.manifest.release_id] = rel
    return out


def _check_consistent(runs: list[Run], allow_mixed: bool) -> None:
    ids = sorted({r.summary.release_id for r in runs})
    if len(ids) > 1 and not allow_mixed:
        raise InputError(f"runs mix {len(ids)} releases ({', '.join(ids)}); evaluate one release per "
                         "snapshot or pass --allow-mixed to rank each release separately")
    seen: dict[tuple[str, str], str] = {}
    for r in runs:
        key = (r.summary.model, r.summary.release_id)
        if key in seen:
            raise InputError(f"two runs of {key[0]} on release {key[1]}: {seen[key]} and {r.name}; "
                             "keep one")
        seen[key] = r.name


# --------------------------------------------------------------------------- rows


def _cutoff(model: str, registry: CutoffRegistry) -> CutoffInfo:
    if baselines.is_baseline(model):
        return CutoffInfo(status="n/a", source="baselines have no training data")
    c = registry.lookup(model)
    if c is None:
        return CutoffInfo(status="unknown")
    return CutoffInfo(date=c.date, status=c.origin, source=c.source)


def _common_question_set(runs: list[Run], rid: str, questions: list[Question]) -> tuple[list[Question], str | None]:
    """The questions a release is scored on: all of them, unless every model run (two or more)
    answered the same smaller set (e.g. all ran ``scalar eval --limit 50`` with one seed): then that set, so the runs
    are ranked against each other, with baselines computed on the same questions, and a note says so."""
    ids = {q.id for q in questions}
    model_runs = [run for run in runs if run.summary.release_id == rid and not baselines.is_baseline(run.summary.model)]
    sets = {frozenset(run.predictions) & ids for run in model_runs}
    # Two or more runs: a lone unfinished run (killed after the easy questions) is partial, not a sample.
    if len(sets) != 1 or len(model_runs) < 2:
        return questions, None
    (common,) = sets
    if not common or len(common) == len(ids):
        return questions, None
    n_models = len(model_runs)
    note = (f"release {rid}: every model run ({n_models}) answered the same {len(common)} of {len(ids)} questions "
            "(e.g. `scalar eval --limit`): rows are scored and ranked on those questions only")
    return [q for q in questions if q.id in common], note


def _run_row(run: Run, release: Release, questions: list[Question], registry: CutoffRegistry,
             after: date | None) -> tuple[LeaderboardRow, dict[str, Prediction]]:
    """``questions``: the question set of the snapshot for this release (see _common_question_set)."""
    keep = {q.id for q in questions}
    pairs = [(q, p) for q, p in aggregate.after(join(run, release), after) if q.id in keep]
    scored = [(q, 1.0 if p.correct else 0.0) for q, p in pairs if p.error is None]
    preds = [p for _, p in pairs]
    model = run.summary.model
    row = aggregate.build_row(
        model=model, release_id=release.manifest.release_id,
        kind="baseline" if baselines.is_baseline(model) else "model",
        scored=scored, n_questions=len(questions), answered=len(pairs), cutoff=_cutoff(model, registry),
        run=run.name, tasks=aggregate.tasks_of(questions), meta=_meta(run),
        parse_failures=sum(p.parse_failure for p in preds),
        errors=sum(p.error is not None for p in preds),
        truncated=sum(p.truncated_tokens > 0 for p in preds),
        prompt_tokens=sum(p.prompt_tokens for p in preds),
        completion_tokens=sum(p.completion_tokens for p in preds),
        cost_usd=float(sum(p.cost_usd for p in preds)),
        mean_context_tokens=_mean([q.context_tokens for q, _ in pairs]),
    )
    return row, {q.id: p for q, p in pairs}


def _meta(run: Run) -> dict:
    """Model metadata shown on the page: provider, when the run was made, its settings."""
    model = run.summary.model
    meta: dict = {"provider": model.split("/", 1)[0] if "/" in model else "", "created": run.summary.created}
    settings = getattr(run.summary, "settings", None) or {}
    for k, v in settings.items():
        if not (isinstance(v, (str, int, float, bool)) or v is None):
            continue
        # summary.json is redacted by the runner; still, a page never shows credential-like settings
        if _SECRET_KEY.search(str(k)) or (isinstance(v, str) and (_SECRET_VALUE.search(v) or _SECRET_KEY.search(v))):
            continue
        meta[str(k)] = v
    return meta


_SECRET_KEY = re.compile(r"(^|_)key($|_)|(^|_)token($|_)|secret|password|passwd|auth|credential|cookie|header",
                         re.I)  # api_key, azure_ad_token, extra_headers ... but not max_tokens
_SECRET_VALUE = re.compile(r"\bBearer\s|\bsk-[A-Za-z0-9]|\bhf_[A-Za-z0-9]{8}", re.I)


def _computed_baseline_row(model: str, release: Release, questions: list[Question],
                           progress: bool) -> tuple[LeaderboardRow, dict[str, Prediction]]:
    """The row a ``scalar eval --model <baseline>`` run would give: the baseline answers here."""
    shown = _progress(questions, f"computing {model}", progress and model != baselines.RANDOM)
    preds = baselines.baseline_predictions(model, shown)
    row = aggregate.build_row(
        model=model, release_id=release.manifest.release_id, kind="baseline", computed=True,
        scored=[(q, 1.0 if p.correct else 0.0) for q, p in zip(questions, preds)],
        n_questions=len(questions), answered=len(questions), tasks=aggregate.tasks_of(questions),
        cutoff=CutoffInfo(status="n/a", source="baselines have no training data"),
        meta={"provider": "baseline", "computed from": "the release (no run given)"},
        mean_context_tokens=_mean([q.context_tokens for q in questions]),
    )
    return row, {q.id: p for q, p in zip(questions, preds)}


def _mean(xs: list[int]) -> float:
    return float(sum(xs) / len(xs)) if xs else 0.0


def _release_info(rel: Release, questions: list[Question], audit: bool) -> ReleaseInfo:
    m = rel.manifest
    tasks = aggregate.tasks_of(questions)
    chance: dict[str, float] = {}
    chance_by: dict[str, dict[str, dict[str, float]]] = {}
    for task in tasks:
        sub = [q for q in questions if aggregate.in_task(task)(q)]
        chance[view_key(task)] = round(mean_chance(sub) or 0.0, 6)
        for d in DIFFICULTIES:
            c = mean_chance(q for q in sub if q.difficulty == d)
            if c is not None:
                chance[view_key(task, d)] = round(c, 6)
        chance_by[task] = {axis: aggregate.ordered(axis, chance_groups(sub, key))
                           for axis, key in aggregate.AXIS_KEYS.items()}
    return ReleaseInfo(
        release_id=m.release_id, venue=m.venue, build_date=m.build_date,
        generator_version=m.generator_version, seed=m.seed, source_cutoff=m.source_cutoff,
        counts=m.counts, n_questions=m.n_questions or len(rel.questions), n_papers=m.n_papers,
        questions_sha256=m.questions_sha256, token_mean=m.token_stats.mean, token_max=m.token_stats.max,
        manifest_file=f"manifests/{_safe(m.release_id)}.json",
        chance=chance, chance_by=chance_by, budgets=list(chance_by.get("all", {}).get("budget", {})),
        audit=_audit_summary(rel.path) if audit else {},
    )


def _audit_summary(path: Path) -> dict[str, dict[str, float | None]]:
    """The shortcut audit (`scalar audit`) of a release, one share per check and question group."""
    from scalar.generate.audit import audit_release

    report = audit_release(path, progress=False)
    out = {}
    for name, g in report.groups.items():
        out[name] = {"questions": g.n_questions, "chance": g.chance,
                     "lexical_baseline": g.lexical_accuracy.share,
                     "gold_title_in_context": g.gold_title_in_context.share,
                     "surface_name_match": g.surface_name_match.share,
                     "gold_cited_elsewhere": g.gold_cited_elsewhere.share,
                     "gold_longest": g.gold_longest.share,
                     "answer_position_p": g.positions.p_value}
    return out


# --------------------------------------------------------------------------- writing


def _write(snapshot: Snapshot, releases: dict[str, Release], out_dir: Path, per_question: list | None = None) -> None:
    from scalar._util.atomic_folder import write_folder
    from scalar.leaderboard import plots, render

    def fill(tmp: Path) -> None:
        svgs = plots.render_plots(snapshot.rows, snapshot.releases)
        (tmp / "plots").mkdir()
        for name, (file, data) in svgs.items():
            (tmp / "plots" / file).write_bytes(data)
            snapshot.plots[name] = f"plots/{file}"
        (tmp / "manifests").mkdir()
        for rid, rel in releases.items():
            shutil.copyfile(rel.path / MANIFEST, tmp / "manifests" / f"{_safe(rid)}.json")
        (tmp / "leaderboard.json").write_text(render.to_json(snapshot), encoding="utf-8")
        (tmp / "leaderboard.csv").write_text(render.to_csv(snapshot), encoding="utf-8")
        (tmp / "leaderboard.md").write_text(render.to_markdown(snapshot), encoding="utf-8")
        (tmp / "index.html").write_text(render.to_html(snapshot, per_question), encoding="utf-8")

    # all or nothing; the user's other files in an earlier snapshot folder are kept
    write_folder(out_dir, fill, kind="leaderboard snapshot", marker="leaderboard.json",
                 owned=(*SNAPSHOT_FILES, "plots", "manifests"))


def leaderboards_root(out_dir: Path) -> Path | None:
    """The nearest ancestor folder named ``leaderboards``, if any."""
    for parent in Path(os.path.abspath(out_dir)).parents:
        if parent.name == "leaderboards":
            return parent
    return None


def _update_index(out_dir: Path) -> None:
    from scalar._util.io import atomic_write_text
    from scalar.leaderboard.render import render_index

    root = leaderboards_root(out_dir)
    if root is not None:
        atomic_write_text(root / "index.html", render_index(root))


# --------------------------------------------------------------------------- small helpers


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _default_title(releases: dict[str, Release], out_dir: Path) -> str:
    venues = ", ".join(sorted({r.manifest.venue for r in releases.values()}))
    return f"SCALAR leaderboard — {venues} — {out_dir.name}"


def _now() -> str:
    # SOURCE_DATE_EPOCH (reproducible-builds convention) pins the timestamp for identical output.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _version() -> str:
    from scalar import __version__

    return __version__


def _progress(items, label: str, enabled: bool):
    if not enabled:
        yield from items
        return
    from rich.progress import Progress

    items = list(items)
    console = _stderr_console()
    with Progress(transient=True, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task(label, total=len(items))
        for it in items:
            yield it
            bar.advance(task)


def _stderr_console():
    from scalar._util.console import plain_console

    return plain_console(file=sys.stderr)


__all__ = ["build_snapshot", "leaderboards_root", "SNAPSHOT_FILES"]
