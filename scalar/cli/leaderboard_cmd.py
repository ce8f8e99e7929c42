from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("leaderboard")
def leaderboard(
    runs: Path = typer.Option(..., "--runs", help="Folder of run folders (each with summary.json and predictions.jsonl)."),
    out: Path = typer.Option(..., "--out", help="Snapshot folder to write, e.g. leaderboards/iclr2025/2026-11-22."),
    after: str | None = typer.Option(None, "--after", help="Only questions first public after YYYY-MM-DD."),
    allow_mixed: bool = typer.Option(False, "--allow-mixed", help="Allow runs on different releases (ranked per release)."),
    cutoffs: Path | None = typer.Option(None, "--cutoffs", help="JSON file of model knowledge cutoffs (extends the bundled registry)."),
    require_cutoffs: bool = typer.Option(False, "--require-cutoffs", help="Fail when a model has no known cutoff."),
    title: str | None = typer.Option(None, "--title", help="Page title."),
    data: list[Path] = typer.Option([], "--data", help="Release folder to use for runs of its release id (repeatable); default: the data_dir in summary.json."),
    no_audit: bool = typer.Option(False, "--no-audit", help="Skip the shortcut audit shown in the page's About section (slow on very large releases)."),
    baseline: list[str] = typer.Option([], "--baseline", help="Baseline to compute from the release when no run of it "
                                       "is given (repeatable; default baseline/random and baseline/lexical; "
                                       "baseline/dense needs the [dense] extra; 'none': compute none)."),
) -> None:
    """Aggregate runs into a leaderboard snapshot."""
    from scalar.leaderboard.snapshot import build_snapshot

    snapshot = build_snapshot(runs, out, after=_after_date(after), allow_mixed=allow_mixed, cutoffs_file=cutoffs,
                              title=title, data_dirs=data, require_cutoffs=require_cutoffs, progress=True,
                              audit=not no_audit, **_computed(baseline))
    _print(snapshot, out)


def _computed(names: list[str]) -> dict:
    """build_snapshot's ``computed_baselines`` for the --baseline values (none given: its default)."""
    if not names:
        return {}
    return {"computed_baselines": [] if names == ["none"] else names}


def _after_date(text: str | None):
    from datetime import date

    from scalar.errors import InputError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"bad --after date {text!r}: expected YYYY-MM-DD") from None


def _print(snapshot, out: Path) -> None:
    import sys

    from rich.table import Table
    from rich.text import Text

    from scalar._util.console import plain_console
    from scalar.leaderboard.render import cell, model_label

    err = plain_console(file=sys.stderr)
    for w in snapshot.warnings:
        err.print(Text.assemble(("warning:", "yellow"), f" {w}"))
    for r in snapshot.rows:
        for w in r.warnings:
            err.print(Text.assemble(("warning:", "yellow"), f" {r.model} ({r.release_id}): {w}"))
    multi = len(snapshot.releases) > 1
    tasks = [t for t in ("mcq", "cloze") if any(t in rel.chance_by for rel in snapshot.releases)]
    table = Table(title=snapshot.title)
    columns = ["Model", *(["Release"] if multi else [])]
    for t in tasks:
        columns += [f"{t} rank", f"{t} % [95%]"]
    columns += ["n", "Cutoff", "Parse fail", "Errors", "Cost $"]
    for col in columns:
        table.add_column(col, justify="left" if col in ("Model", "Release", "Cutoff") else "right")
    for r in snapshot.rows:
        cells = [model_label(r) + ("" if r.complete else " (partial, not ranked)"), *([r.release_id] if multi else [])]
        for t in tasks:
            cells += [str(r.ranks.get(t) or "—"), cell(r.scores.get(t))]
        cells += [str(r.n), str(r.cutoff.date or r.cutoff.status), str(r.parse_failures), str(r.errors),
                  f"{r.cost_usd:.2f}"]
        table.add_row(*cells)
    for rel in snapshot.releases:
        levels = ", ".join(f"{t} {100 * rel.chance[t]:.1f}%" for t in tasks if t in rel.chance)
        table.caption = (table.caption + "; " if table.caption else "") + f"chance: {levels}"
    out_console = plain_console()  # PIPE_WIDTH in pipes and logs: no wrapping
    out_console.print(table)
    out_console.print(f"snapshot written to {out}", soft_wrap=True)
