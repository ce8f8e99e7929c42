from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from scalar.cli import app


@app.command("eval")
def eval_(
    model: str = typer.Option(..., "--model", help="litellm model, local/fbi-llm, local/bi-mamba, baseline/random, baseline/lexical."),
    data: Path = typer.Option(..., "--data", help="Release folder."),
    out: Path = typer.Option(..., "--out", help="Run folder; re-running the same command resumes."),
    api_base: Optional[str] = typer.Option(None, "--api-base"),
    concurrency: int = typer.Option(8, "--concurrency", min=1),
    limit: Optional[int] = typer.Option(None, "--limit"),
    model_arg: list[str] = typer.Option([], "--model-arg", help="k=v passed to the backend (repeatable)."),
) -> None:
    """Evaluate a model on a release."""
    from scalar.evaluate.runner import run_eval

    run_eval(model=model, data=data, out=out, api_base=api_base, concurrency=concurrency,
             limit=limit, model_args=model_arg)
