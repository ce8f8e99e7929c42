from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from scalar.cli import app


@app.command("build")
def build(
    venue: str = typer.Option(..., "--venue", help="Registered venue (see `scalar venues`)."),
    out: Path = typer.Option(..., "--out", help="Release folder to write."),
    offline: bool = typer.Option(False, "--offline", help="Use only the HTTP cache; a miss is an error."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="HTTP cache (SQLite) path."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N citing papers."),
    seed: int = typer.Option(0, "--seed"),
    since: Optional[str] = typer.Option(None, "--since", help="Only papers first public on/after YYYY-MM-DD."),
    difficulty: list[str] = typer.Option([], "--difficulty", help="easy/medium/hard (repeatable)."),
    context_tokens: list[int] = typer.Option([], "--context-tokens", help="Context budgets (repeatable)."),
) -> None:
    """Crawl a venue, parse, resolve references and generate a release."""
    from scalar.build.pipeline import run_build

    run_build(venue=venue, out=out, offline=offline, cache=cache, limit=limit, seed=seed,
              since=_date(since), difficulties=difficulty, context_tokens=context_tokens)


def _date(text: str | None) -> date | None:
    from scalar.errors import InputError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"bad date {text!r}: expected YYYY-MM-DD") from None
