from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from scalar.cli import app
from scalar.cli._generation_options import distractors_option, generation_options, shortcut_model_option
from scalar.cli._venue_options import venues_file_option


@app.command("build")
def build(
    venue: str = typer.Option(..., "--venue", help="Registered venue (see `scalar venues`)."),
    out: Path = typer.Option(..., "--out", help="Release folder to write."),
    offline: bool = typer.Option(False, "--offline", help="Replay the HTTP cache only; a miss is an error "
                                 "naming the URL. The sample venue is always offline."),
    cache: Path | None = typer.Option(None, "--cache", help="HTTP cache: a SQLite file (default "
                                         "~/.cache/scalar/http.sqlite or $SCALAR_CACHE_DIR/http.sqlite; "
                                         "the sample venue uses its bundled scalar/data/sample/cache.jsonl), "
                                         "or an exported .jsonl cache (replayed)."),
    refresh: bool = typer.Option(False, "--refresh", help="Fetch every URL again (once) and update the cache."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after N usable citing papers."),
    seed: int = typer.Option(0, "--seed", help="Generator seed (same cache + seed = same questions)."),
    since: str | None = typer.Option(None, "--since", help="Only papers first public on/after YYYY-MM-DD "
                                        "(earlier of arXiv v1 and the OpenReview public date)."),
    difficulty: list[str] = typer.Option([], "--difficulty", help="easy/medium/hard (repeatable; default all)."),
    context_tokens: list[int] = typer.Option([], "--context-tokens", help="Context budgets in tokens "
                                             "(repeatable; default: each question's full length)."),
    distractors: str | None = distractors_option(),
    shortcut_model: str | None = shortcut_model_option(),
    venues_file: Path | None = venues_file_option(),
) -> None:
    """Crawl a venue, parse, resolve references and generate a release."""
    from scalar.generate.venue_release import run_build

    try:
        manifest = run_build(venue=venue, out=out, offline=offline, cache=cache, limit=limit, seed=seed,
                             since=_date(since), difficulties=difficulty, context_tokens=context_tokens,
                             refresh=refresh, generation=generation_options(distractors, shortcut_model),
                             venues_file=venues_file)
    except KeyboardInterrupt:
        # Every response fetched so far is in the cache: the same command resumes from there.
        import sys

        print("scalar: interrupted; run the same command again to resume from the HTTP cache", file=sys.stderr)
        raise typer.Exit(130) from None
    _summary(manifest, out)



def _date(text: str | None) -> date | None:
    from scalar.errors import InputError

    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"bad --since date {text!r}: expected YYYY-MM-DD") from None


def _summary(manifest, out: Path) -> None:
    from rich.table import Table

    from scalar._util.console import plain_console

    table = Table(title=f"{manifest.venue}: {manifest.n_papers} papers")
    table.add_column("difficulty")
    tasks = sorted({t for row in manifest.counts.values() for t in row})
    for t in tasks:
        table.add_column(t, justify="right")
    table.add_column("total", justify="right")
    for diff, row in manifest.counts.items():
        table.add_row(diff, *(str(row.get(t, 0)) for t in tasks), str(sum(row.values())))
    console = plain_console()
    console.print(table)
    sources = {k: v for k, v in manifest.notes.items() if "text_source." in k}
    if sources:
        citing = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in sources.items() if k.startswith("citing_"))
        cited = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in sources.items() if k.startswith("cited_"))
        console.print(f"full texts: citing papers {citing or '-'}; cited papers {cited or '-'}", soft_wrap=True)
    if manifest.skipped:
        skipped = ", ".join(f"{reason}: {n}" for reason, n in manifest.skipped.items())
        console.print(f"skipped papers: {skipped}", soft_wrap=True)
    console.print(f"wrote {manifest.n_questions} questions to {out} (release {manifest.release_id})", soft_wrap=True)
