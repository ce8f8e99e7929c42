"""The ``--venues-file`` option of every command that resolves venue names (build, venues, refresh
plan): declared once here; the file is read by scalar.crawl.venues, its one owner."""

from __future__ import annotations

import typer


def venues_file_option():
    return typer.Option(None, "--venues-file", help="A venue registry file (TOML, or JSON of the same shape) "
                        "adding venues or replacing bundled ones of the same name; takes the place of "
                        "$SCALAR_VENUES. See docs/build.md.")

