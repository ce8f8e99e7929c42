from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("import-reference")
def import_reference(
    src: Path = typer.Argument(..., help="The original SCALAR release (folder with data/)."),
    out: Path = typer.Option(..., "--out", help="Release folder to write."),
    regenerate: bool = typer.Option(False, "--regenerate", help="Run our generator on their parsed papers."),
    seed: int = typer.Option(0, "--seed"),
    context_tokens: list[int] = typer.Option([], "--context-tokens", help="Context budgets (with --regenerate)."),
) -> None:
    """Convert the original SCALAR release into a SCALAR release folder."""
    from scalar.build.reference_import import import_reference as run

    run(src, out, regenerate=regenerate, seed=seed, context_tokens=context_tokens)
