from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("audit")
def audit(
    data: Path = typer.Option(..., "--data", help="Release folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Leak and shortcut audit of a release."""
    from scalar.generate.audit import audit_release, render_report

    report = audit_release(data)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        render_report(report)
