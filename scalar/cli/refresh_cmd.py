"""`scalar refresh plan|check-audit|eval`: the steps of the scheduled refresh workflow.

The decisions live in scalar.leaderboard.refresh; this module parses arguments, prints the
``key=value`` lines and GitHub annotations the workflow reads, and runs `scalar eval` for each
model in this process (through this same command line, so a model's configured extra arguments are
parsed exactly as on the shell).
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import typer

from scalar.cli import app
from scalar.cli._venue_options import venues_file_option

refresh_app = typer.Typer(
    help="Steps of the scheduled leaderboard refresh (.github/workflows/refresh.yml).",
    no_args_is_help=True,
)
app.add_typer(refresh_app, name="refresh")

_CONFIG = typer.Option(..., "--config", help="Refresh config (models, baselines, audit thresholds), "
                                               "e.g. leaderboards/models.json.")


@refresh_app.command("plan")
def plan_cmd(
    config: Path = _CONFIG,
    venue: str = typer.Option("", "--venue", help="Venue to build (default: the config's, else the newest registered)."),
    leaderboards: Path = typer.Option(Path("leaderboards"), "--leaderboards", help="Folder of published snapshots."),
    today: str = typer.Option("", "--today", help="Date stamp YYYY-MM-DD (default: today, UTC)."),
    venues_file: Path | None = venues_file_option(),
) -> None:
    """Print venue, since, date and the output folders as key=value lines (for $GITHUB_OUTPUT)."""
    from scalar.errors import InputError
    from scalar.leaderboard.refresh import load_config, plan

    try:
        day = date.fromisoformat(today) if today else datetime.now(timezone.utc).date()
    except ValueError:
        raise InputError(f"bad --today date {today!r}: expected YYYY-MM-DD") from None
    for key, value in plan(load_config(config), venue=venue or None, leaderboards_dir=leaderboards,
                           today=day, venues_file=venues_file).items():
        print(f"{key}={value}")


@refresh_app.command("check-audit")
def check_audit_cmd(
    report: Path = typer.Argument(..., help="`scalar audit --json` output."),
    config: Path = _CONFIG,
) -> None:
    """Exit 1 when a leak rate in the audit report exceeds its threshold in the config."""
    from scalar.leaderboard.refresh import check_audit, load_config, read_audit_report

    thresholds = load_config(config).audit_thresholds
    failures = check_audit(read_audit_report(report), thresholds)
    for failure in failures:
        print(f"::error::audit: {failure}", file=sys.stderr)
    if failures:
        raise typer.Exit(1)
    print(f"audit: {len(thresholds)} leak rates within thresholds")


@refresh_app.command("eval")
def eval_cmd(
    config: Path = _CONFIG,
    data: Path = typer.Option(..., "--data", help="Release folder to evaluate."),
    runs: Path = typer.Option(..., "--runs", help="Folder for the run folders (one per model)."),
) -> None:
    """`scalar eval` for the baselines and each model whose API-key variable is set (exit 1 only when every model failed)."""
    from scalar.leaderboard.refresh import eval_arguments, load_config, models_to_run

    cfg = load_config(config)
    todo, skipped = models_to_run(cfg, dict(os.environ))
    for spec in skipped:
        print(f"::notice::skipping {spec.model}: secret {spec.secret} is not set", file=sys.stderr)
    failed = 0
    for spec in todo:
        args = eval_arguments(cfg, spec, data, runs)
        print(f"$ scalar {' '.join(args)}", file=sys.stderr, flush=True)
        if _run_in_process(args) != 0:
            failed += 1
            print(f"::warning::scalar eval failed for {spec.model}", file=sys.stderr)
    if todo and failed == len(todo):
        raise typer.Exit(1)


def _run_in_process(args: list[str]) -> int:
    """Run one `scalar ...` command line here; its exit code. Errors are reported as the top-level
    command reports them (one line) and never stop the caller."""
    import click

    from scalar.cli import _one_line
    from scalar.errors import ScalarError

    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="scalar", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:  # bad flags in the config's extra arguments
        e.show()
        return e.exit_code
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except ScalarError as e:
        print(f"scalar: error: {_one_line(str(e))}", file=sys.stderr)
        return 2
    except Exception as e:  # one model's crash must not stop the others
        print(f"scalar: unexpected error: {type(e).__name__}: {_one_line(str(e))}", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0
