from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from scalar.cli import app


@app.command("parse")
def parse(
    paper: Path = typer.Argument(..., help="LaTeXML HTML page (arxiv.org/html or ar5iv)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write Paper JSON here (default: stdout)."),
) -> None:
    """Parse a LaTeXML HTML page into Paper JSON."""
    from scalar._util.io import atomic_write_text
    from scalar.parse.latexml import parse_html_file

    result = parse_html_file(paper)
    text = result.model_dump_json(indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        atomic_write_text(out, text)
