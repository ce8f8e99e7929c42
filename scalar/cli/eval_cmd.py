from __future__ import annotations

import sys
from pathlib import Path

import typer

from scalar.cli import app
from scalar.evaluate.config import EvalConfig

_F = EvalConfig.model_fields

# Options whose value may be left out, with the value they then take (Typer has no optional
# values; scalar.cli.main fills these in before parsing).
OPTIONAL_VALUES = {"--ray": "local"}


def _opt(field: str, *names: str, default=...):
    """A typer option whose default and help come from EvalConfig (the one place they are written)."""
    value = _F[field].default if default is ... else default
    if _F[field].is_required():
        value = ...
    return typer.Option(value, *(names or (EvalConfig.option(field),)), help=EvalConfig.help(field))


@app.command("eval")
def eval_(
    model: str = _opt("model"),
    data: Path = _opt("data"),
    out: Path = _opt("out"),
    api_base: str | None = _opt("api_base"),
    concurrency: int = _opt("concurrency"),
    limit: int | None = _opt("limit"),
    sample_seed: int = _opt("sample_seed"),
    budget: list[int] = _opt("budget", default=[]),
    difficulty: list[str] = _opt("difficulty", default=[]),
    task: list[str] = _opt("task", default=[]),
    model_arg: list[str] = _opt("model_args", "--model-arg", default=[]),
    template: str | None = _opt("template", "--template", "--prompt"),
    scoring: str | None = _opt("scoring"),
    seed: int = _opt("seed"),
    max_tokens: int = _opt("max_tokens"),
    max_cost: float | None = _opt("max_cost"),
    dry_run: bool = _opt("dry_run"),
    after: str | None = _opt("after"),
    cache: Path | None = _opt("cache"),
    no_cache: bool = typer.Option(False, "--no-cache", help=EvalConfig.help("use_cache")),
    max_retries: int = _opt("max_retries"),
    retry_wait: float = _opt("retry_wait"),
    # `--ray` alone = "local" (see OPTIONAL_VALUES); `--ray ADDRESS` joins a cluster
    ray: str | None = typer.Option(None, "--ray", metavar="[ADDRESS]", help=EvalConfig.help("ray")),
    ray_workers: int | None = _opt("ray_workers"),
) -> None:
    """Evaluate a model on a release; re-running the same command resumes."""
    from scalar._util.console import plain_console
    from scalar.evaluate.runner import Estimate, run_eval
    from scalar.evaluate.summary import summary_table
    from scalar.run_folder import RunFolder

    config = EvalConfig.build(model=model, data=data, out=out, api_base=api_base, concurrency=concurrency,
                              limit=limit, sample_seed=sample_seed, budget=budget, difficulty=difficulty,
                              task=task, model_args=model_arg, template=template, scoring=scoring, seed=seed,
                              max_tokens=max_tokens, max_cost=max_cost, dry_run=dry_run, after=after,
                              cache=cache, use_cache=not no_cache, max_retries=max_retries,
                              retry_wait=retry_wait, ray=ray, ray_workers=ray_workers)
    try:
        result = run_eval(config)
    except KeyboardInterrupt:
        print("scalar: interrupted; answers so far are saved, re-run the same command to resume", file=sys.stderr)
        raise typer.Exit(130) from None
    console = plain_console()
    if isinstance(result, Estimate):
        console.print(_estimate_table(model, result))
        return
    console.print(summary_table(result))
    folder = RunFolder(config.out)
    console.print(f"predictions: {folder.predictions}  summary: {folder.summary}", soft_wrap=True)


def _estimate_table(model: str, e):
    from rich.table import Table

    def usd(x):
        return "unknown (no price)" if x is None else f"${x:,.4f}"

    t = Table(title=f"dry run: {model} (nothing was sent)", title_justify="left", show_header=False)
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    t.add_row("questions selected", f"{e.questions:,}")
    t.add_row("questions to run", f"{e.to_run:,}")
    t.add_row("prompt tokens", f"{e.prompt_tokens:,}")
    t.add_row("largest prompt", f"{e.max_prompt_tokens:,}")
    t.add_row("context window", "unknown" if e.context_window is None else f"{e.context_window:,}")
    t.add_row("truncated questions", f"{e.truncated_questions:,} ({e.truncated_tokens:,} tokens cut)")
    t.add_row("input cost", usd(e.input_cost_usd))
    t.add_row("output cost (at most)", usd(e.max_output_cost_usd))
    if e.input_cost_usd is not None:
        t.add_row("total (at most)", usd(e.input_cost_usd + e.max_output_cost_usd))
    return t
