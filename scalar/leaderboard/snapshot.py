"""`build_snapshot`: run folders -> a dated leaderboard snapshot folder.

Everything is read and checked first; the files are then written through the atomic-folder helper
(a hidden temporary sibling swapped into place), so a snapshot is either complete or absent, and the
user's other files in an earlier snapshot folder are kept. When
``out_dir`` lies inside a folder named ``leaderboards``, that folder's ``index.html`` (links to every
snapshot) is regenerated.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from scalar.errors import InputError
from scalar.leaderboard import aggregate, baselines
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
from scalar.leaderboard.schema import CutoffInfo, LeaderboardRow, ReleaseInfo, Snapshot
from scalar.release import MANIFEST

SNAPSHOT_FILES = ("index.html", "leaderboard.json", "leaderboard.csv", "leaderboard.md")


def build_snapshot(runs_dir: str | Path, out_dir: str | Path, *, after: date | None = None,
                   allow_mixed: bool = False, cutoffs_file: str | Path | None = None,
                   title: str | None = None, data_dirs: list[str | Path] | None = None,
                   require_cutoffs: bool = False, progress: bool = False) -> Snapshot:
    """Score every run under ``runs_dir`` against its release and write the snapshot to ``out_dir``.

    Raises InputError/ConfigError (nothing written) for: no runs, a malformed summary or
    predictions file, runs of different releases without ``allow_mixed``, two runs of one model on
    one release, predictions for questions the release lacks, a malformed cutoffs file, and, with
    ``require_cutoffs``, a model missing from the cutoff registry.
    """
    runs_dir, out_dir = Path(runs_dir), Path(out_dir)
    registry = CutoffRegistry.load(cutoffs_file)
    runs = [read_run(p, runs_dir) for p in find_run_dirs(runs_dir)]
    releases = _load_releases(runs, data_dirs or [])
    _check_consistent(runs, allow_mixed)

    rows: list[LeaderboardRow] = []
    for run in _progress(runs, "scoring runs", progress):
        rows.append(_run_row(run, releases[run.summary.release_id], registry, after))
    for rid in sorted(releases):
        present = {r.model for r in rows if r.release_id == rid}
        for model in baselines.BASELINES:
            if model not in present:
                rows.append(_computed_baseline_row(model, releases[rid], after, progress))

    unknown = sorted({r.model for r in rows if r.cutoff.status == "unknown"})
    if unknown and require_cutoffs:
        raise InputError(f"no knowledge cutoff for {', '.join(unknown)}: add them to a --cutoffs file "
                         "(or drop --require-cutoffs)")
    aggregate.assign_ranks(rows)
    rows = aggregate.sort_rows(rows)
    snapshot = Snapshot(
        title=title or _default_title(releases, out_dir),
        created=_now(),
        generator_version=_version(),
        after=after,
        releases=[_release_info(releases[rid]) for rid in sorted(releases)],
        rows=rows,
        warnings=[f"{d}: predictions.jsonl without summary.json (unfinished eval; re-run it to finish), "
                  "not on the board" for d in unfinished_run_dirs(runs_dir)],
    )
    _write(snapshot, releases, out_dir)
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


def _run_row(run: Run, release: Release, registry: CutoffRegistry, after: date | None) -> LeaderboardRow:
    pairs = aggregate.after(join(run, release), after)
    scored = [(q, 1.0 if p.correct else 0.0) for q, p in pairs if p.error is None]
    preds = [p for _, p in pairs]
    n_questions = len(aggregate.after([(q, None) for q in release.questions], after))
    model = run.summary.model
    return aggregate.build_row(
        model=model, release_id=release.manifest.release_id,
        kind="baseline" if baselines.is_baseline(model) else "model",
        scored=scored, n_questions=n_questions, answered=len(pairs), cutoff=_cutoff(model, registry),
        run=run.name,
        parse_failures=sum(p.parse_failure for p in preds),
        errors=sum(p.error is not None for p in preds),
        truncated=sum(p.truncated_tokens > 0 for p in preds),
        prompt_tokens=sum(p.prompt_tokens for p in preds),
        completion_tokens=sum(p.completion_tokens for p in preds),
        cost_usd=float(sum(p.cost_usd for p in preds)),
        mean_context_tokens=_mean([q.context_tokens for q, _ in pairs]),
    )


def _computed_baseline_row(model: str, release: Release, after: date | None, progress: bool) -> LeaderboardRow:
    """The row a ``scalar eval --model <baseline>`` run would give: the baseline answers here."""
    questions = [q for q, _ in aggregate.after([(q, None) for q in release.questions], after)]
    shown = _progress(questions, f"computing {model}", progress and model == baselines.LEXICAL)
    preds = baselines.baseline_predictions(model, shown)
    return aggregate.build_row(
        model=model, release_id=release.manifest.release_id, kind="baseline", computed=True,
        scored=[(q, 1.0 if p.correct else 0.0) for q, p in zip(questions, preds)],
        n_questions=len(questions), answered=len(questions),
        cutoff=CutoffInfo(status="n/a", source="baselines have no training data"),
        mean_context_tokens=_mean([q.context_tokens for q in questions]),
    )


def _mean(xs: list[int]) -> float:
    return float(sum(xs) / len(xs)) if xs else 0.0


def _release_info(rel: Release) -> ReleaseInfo:
    m = rel.manifest
    return ReleaseInfo(
        release_id=m.release_id, venue=m.venue, build_date=m.build_date,
        generator_version=m.generator_version, seed=m.seed, source_cutoff=m.source_cutoff,
        counts=m.counts, n_questions=m.n_questions or len(rel.questions), n_papers=m.n_papers,
        questions_sha256=m.questions_sha256, token_mean=m.token_stats.mean, token_max=m.token_stats.max,
        manifest_file=f"manifests/{_safe(m.release_id)}.json",
    )


# --------------------------------------------------------------------------- writing


def _write(snapshot: Snapshot, releases: dict[str, Release], out_dir: Path) -> None:
    from scalar._util.atomic_folder import write_folder
    from scalar.leaderboard import plots, render

    def fill(tmp: Path) -> None:
        svgs = plots.render_plots(snapshot.rows, multi_release=len(releases) > 1)
        (tmp / "plots").mkdir()
        for name, data in svgs.items():
            (tmp / "plots" / plots.PLOTS[name]).write_bytes(data)
            snapshot.plots[name] = f"plots/{plots.PLOTS[name]}"
        (tmp / "manifests").mkdir()
        for rid, rel in releases.items():
            shutil.copyfile(rel.path / MANIFEST, tmp / "manifests" / f"{_safe(rid)}.json")
        (tmp / "leaderboard.json").write_text(render.to_json(snapshot), encoding="utf-8")
        (tmp / "leaderboard.csv").write_text(render.to_csv(snapshot), encoding="utf-8")
        (tmp / "leaderboard.md").write_text(render.to_markdown(snapshot), encoding="utf-8")
        (tmp / "index.html").write_text(render.to_html(snapshot), encoding="utf-8")

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
    from rich.console import Console

    return Console(file=sys.stderr)


__all__ = ["build_snapshot", "leaderboards_root", "SNAPSHOT_FILES"]
