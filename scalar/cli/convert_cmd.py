from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("convert")
def convert(
    kind: str = typer.Argument(..., help="fbi-llm or bi-mamba."),
    src: Path = typer.Argument(..., help="Published checkpoint folder."),
    out: Path = typer.Option(..., "--out", help="Packed checkpoint folder to write."),
) -> None:
    """Convert a published 1-bit checkpoint into SCALAR's packed format."""
    from scalar.local.convert import convert_checkpoint

    convert_checkpoint(kind, src, out)
