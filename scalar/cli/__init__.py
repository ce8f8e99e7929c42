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
    rich_markup_mode=None,  # help texts are plain: "[dense]" names an extra, not a style
)

def _print_version(value: bool) -> None:
    if value:
        from scalar import __version__

        print(f"scalar {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the installed version and exit."),
) -> None:
    """SCALAR: a live long-context benchmark built from fresh papers and their citations."""


# Importing a module registers its command on `app`.
from scalar.cli import (  # noqa: E402,F401
    audit_cmd,
    build_cmd,
    convert_cmd,
    eval_cmd,
    export_cmd,
    import_cmd,
    leaderboard_cmd,
    parse_cmd,
    refresh_cmd,
    venues_cmd,
)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return an Exit to raise."""
    print(f"scalar: error: {message}", file=sys.stderr)
    return typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    from scalar.errors import ScalarError

    try:
        # Standalone mode: Typer/click report bad flags themselves (usage line, exit 2).
        app(args=_fill_optional_values(sys.argv[1:] if argv is None else list(argv)), standalone_mode=True)
    except ScalarError as e:
        print(f"scalar: error: {_one_line(str(e))}", file=sys.stderr)
        sys.exit(2)
    except ModuleNotFoundError as e:  # an optional dependency of this command: name its extra
        from scalar._util.extras import extra_for, missing_extra_message

        extra = extra_for(e.name)
        if os.environ.get("SCALAR_DEBUG"):
            raise
        if extra is None:
            print(f"scalar: unexpected error: {type(e).__name__}: {_one_line(str(e))} "
                  "(set SCALAR_DEBUG=1 for the traceback)", file=sys.stderr)
            sys.exit(1)
        print(f"scalar: error: {missing_extra_message(e.name.split('.')[0], extra)}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:
        if os.environ.get("SCALAR_DEBUG"):
            raise
        print(f"scalar: unexpected error: {type(e).__name__}: {_one_line(str(e))} "
              "(set SCALAR_DEBUG=1 for the traceback)", file=sys.stderr)
        sys.exit(1)


def _fill_optional_values(argv: list[str]) -> list[str]:
    """``--ray`` with no value (last, or before another option) -> ``--ray local``."""
    from scalar.cli.eval_cmd import OPTIONAL_VALUES

    out: list[str] = []
    for i, arg in enumerate(argv):
        out.append(arg)
        if arg == "--":
            return out + argv[i + 1:]
        if arg in OPTIONAL_VALUES and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append(OPTIONAL_VALUES[arg])
    return out


def _one_line(text: str) -> str:
    """One line, secrets masked (an error may quote a server's body)."""
    from scalar._util.redact import redact_text

    return redact_text(" ".join(text.split()))
