from __future__ import annotations

from scalar.cli import app


@app.command("venues")
def venues() -> None:
    """List the registered venues."""
    from rich.console import Console
    from rich.table import Table

    from scalar.crawl.venues import all_venues

    table = Table(title="SCALAR venues")
    for col in ("name", "venue id", "year", "source"):
        table.add_column(col, no_wrap=True)
    for v in all_venues():
        source = "bundled replay" if v.source == "sample" else "OpenReview"
        table.add_row(v.name, v.venue_id, str(v.year), source)
    Console().print(table)
