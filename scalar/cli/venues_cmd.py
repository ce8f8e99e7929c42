from __future__ import annotations

from scalar.cli import app


@app.command("venues")
def venues() -> None:
    """List the registered venues."""
    from rich.console import Console
    from rich.table import Table

    from scalar.build.venues import all_venues

    table = Table(title="SCALAR venues")
    for col in ("name", "venue id", "year", "source"):
        table.add_column(col)
    for v in all_venues():
        table.add_row(v.name, v.venue_id or "-", str(v.year), v.source)
    Console().print(table)
