from __future__ import annotations

from pathlib import Path

from scalar.cli import app
from scalar.cli._venue_options import venues_file_option


@app.command("venues")
def venues(venues_file: Path | None = venues_file_option()) -> None:
    """List the registered venues (bundled, plus those of --venues-file or the file named by $SCALAR_VENUES)."""
    from rich.table import Table

    from scalar._util.console import PIPE_WIDTH, plain_console
    from scalar.crawl.venues import all_venues

    table = Table(title="SCALAR venues")
    for col in ("name", "title", "venue id", "year", "source", "from"):
        table.add_column(col, no_wrap=True)
    for v in all_venues(venues_file):
        source = "bundled replay" if v.source == "sample" else "OpenReview"
        table.add_row(v.name, v.title, v.venue_id, str(v.year), source, v.origin)
    plain_console(width=PIPE_WIDTH).print(table)
