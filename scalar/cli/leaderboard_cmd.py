from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("leaderboard")
def leaderboard(
    runs: Path = typer.Option(..., "--runs", help="Folder of run folders."),
    out: Path = typer.Option(..., "--out", help="Snapshot folder to write."),
) -> None:
    """Aggregate runs into a leaderboard snapshot."""
    from scalar.leaderboard.snapshot import build_snapshot

    build_snapshot(runs, out)
