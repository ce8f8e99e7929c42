from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app
from scalar.cli._generation_options import distractors_option, generation_options, shortcut_model_option


@app.command("import-reference")
def import_reference(
    src: Path = typer.Argument(..., help="The original SCALAR release (its repository root or data/ folder)."),
    out: Path = typer.Option(..., "--out", help="Release folder to write (replaced only when complete)."),
    regenerate: bool = typer.Option(False, "--regenerate",
                                    help="Run our generator on their parsed papers instead of keeping their questions."),
    seed: int = typer.Option(0, "--seed", help="Generator seed (with --regenerate)."),
    context_tokens: list[int] = typer.Option([], "--context-tokens",
                                             help="Context budget in o200k tokens, repeatable (with --regenerate)."),
    distractors: str | None = distractors_option(),
    shortcut_model: str | None = shortcut_model_option(),
) -> None:
    """Convert the original SCALAR release into a SCALAR release folder."""
    from rich.table import Table

    from scalar._util.console import plain_console
    from scalar.reference.importer import import_reference as run

    manifest = run(src, out, regenerate=regenerate, seed=seed, context_tokens=context_tokens,
                   generation=generation_options(distractors, shortcut_model))
    table = Table(title="questions written")
    table.add_column("difficulty")
    tasks = sorted({t for c in manifest.counts.values() for t in c})
    for t in tasks:
        table.add_column(t, justify="right")
    for difficulty, counts in manifest.counts.items():
        table.add_row(difficulty, *[str(counts.get(t, 0)) for t in tasks])
    console = plain_console()
    console.print(table)
    s = manifest.token_stats
    console.print(f"release {manifest.release_id} in {out}: {manifest.n_questions} questions from "
                  f"{manifest.n_papers} papers; "
                  f"tokens p50 {s.p50:,.0f}, p90 {s.p90:,.0f}, max {s.max:,}; "
                  f"questions.jsonl sha256 {manifest.questions_sha256[:16]}…", soft_wrap=True)
