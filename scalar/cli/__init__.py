"""`scalar` command line: a thin Typer front end. Each command lives in its own module here and
only handles arguments and progress display; the work is done in the layer packages.

Errors: a ScalarError (bad input, configuration, network) -> one line on stderr, exit 2;
bad flags -> Typer's usage message, exit 2; anything else -> one line, exit 1
(set SCALAR_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import os
import sys

import typer

app = typer.Typer(
    name="scalar",
    help="SCALAR: a live long-context benchmark built from fresh papers and their citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Importing a module registers its command on `app`.
from scalar.cli import (  # noqa: E402,F401
    audit_cmd,
    build_cmd,
    convert_cmd,
    eval_cmd,
    import_cmd,
    leaderboard_cmd,
    parse_cmd,
    venues_cmd,
)


def fail(message: str, code: int = 2) -> "typer.Exit":
    """Print one line on stderr and return an Exit to raise."""
    print(f"scalar: error: {message}", file=sys.stderr)
    return typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    from scalar.errors import ScalarError

    try:
        # Standalone mode: Typer/click report bad flags themselves (usage line, exit 2).
        app(args=argv, standalone_mode=True)
    except ScalarError as e:
        print(f"scalar: error: {_one_line(str(e))}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:
        if os.environ.get("SCALAR_DEBUG"):
            raise
        print(f"scalar: unexpected error: {type(e).__name__}: {_one_line(str(e))} "
              "(set SCALAR_DEBUG=1 for the traceback)", file=sys.stderr)
        sys.exit(1)


def _one_line(text: str) -> str:
    """One line, secrets masked (an error may quote a server's body)."""
    from scalar._util.redact import redact_text

    return redact_text(" ".join(text.split()))
