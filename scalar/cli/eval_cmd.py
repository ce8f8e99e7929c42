from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from scalar.cli import app


@app.command("eval")
def eval_(
    model: str = typer.Option(..., "--model", help="litellm model (openai/gpt-4o-mini, hosted_vllm/<hf-id> ...), "
                              "local/fbi-llm, local/bi-mamba, baseline/random, baseline/lexical."),
    data: Path = typer.Option(..., "--data", help="Release folder."),
    out: Path = typer.Option(..., "--out", help="Run folder; re-running the same command resumes."),
    api_base: str | None = typer.Option(None, "--api-base", help="OpenAI-compatible server, e.g. http://host:8000/v1."),
    concurrency: int = typer.Option(8, "--concurrency", help="Requests in flight."),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N questions (after --after)."),
    model_arg: list[str] = typer.Option([], "--model-arg", help="k=v for the backend (repeatable): top_p, "
                                        "reasoning_effort, context_window, input_cost_per_mtok, output_cost_per_mtok, checkpoint ..."),
    template: str | None = typer.Option(None, "--template", "--prompt", help="Built-in template (mcq, cloze) "
                                           "or a .jinja file; default: mcq/cloze by task."),
    scoring: str | None = typer.Option(None, "--scoring", help="generate (answer in <answer> tags) or logprob "
                                          "(log-probability of each candidate index after the prompt); default: "
                                          "logprob for local/* base models, generate otherwise."),
    seed: int = typer.Option(0, "--seed", help="Sent to the model and used by baseline/random."),
    max_tokens: int = typer.Option(2048, "--max-tokens", help="Output tokens per answer; reserved from the context window."),
    max_cost: float | None = typer.Option(None, "--max-cost", help="Stop before spending more than this many USD."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the token and cost estimate; call nothing."),
    after: str | None = typer.Option(None, "--after", help="Only questions first public after YYYY-MM-DD."),
    cache: Path | None = typer.Option(None, "--cache", help="Response cache file (default RUN/cache.sqlite)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the response cache."),
    max_retries: int = typer.Option(6, "--max-retries", help="Retries on rate limits and server errors."),
    retry_wait: float = typer.Option(1.0, "--retry-wait", help="First backoff in seconds (doubles per retry)."),
) -> None:
    """Evaluate a model on a release; re-running the same command resumes."""
    from rich.console import Console

    from scalar.errors import ConfigError
    from scalar.evaluate.runner import Estimate, run_eval
    from scalar.evaluate.summary import summary_table

    after_date = None
    if after is not None:
        try:
            after_date = date.fromisoformat(after)
        except ValueError:
            raise ConfigError(f"--after expects a date YYYY-MM-DD, got {after!r}") from None
    try:
        result = run_eval(model=model, data=data, out=out, api_base=api_base, concurrency=concurrency, limit=limit,
                          model_args=model_arg, template=template, scoring=scoring, seed=seed, max_tokens=max_tokens,
                          max_cost=max_cost, dry_run=dry_run, after=after_date, cache=cache, use_cache=not no_cache,
                          max_retries=max_retries, retry_wait=retry_wait)
    except KeyboardInterrupt:
        print("scalar: interrupted; answers so far are saved, re-run the same command to resume", file=sys.stderr)
        raise typer.Exit(130) from None
    console = Console()
    if isinstance(result, Estimate):
        console.print(_estimate_table(model, result))
        return
    console.print(summary_table(result))
    console.print(f"predictions: {out / 'predictions.jsonl'}  summary: {out / 'summary.json'}")


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
