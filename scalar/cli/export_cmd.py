from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("export")
def export(
    data: Path = typer.Option(..., "--data", help="Release folder to export."),
    fmt: str = typer.Option(..., "--format", help="hf: a folder datasets.load_dataset() reads, with a dataset card; "
                            "lm-eval: the same plus lm-evaluation-harness task YAML in DIR/lm_eval."),
    out: Path = typer.Option(..., "--out", help="New (or empty) folder to write."),
    push: str | None = typer.Option(None, "--push", help="Also upload the folder to this Hugging Face dataset repo "
                                       "(e.g. user/scalar-iclr2025); the token is read from HF_TOKEN."),
    private: bool = typer.Option(False, "--private", help="With --push: create the repo private."),
    no_audit: bool = typer.Option(False, "--no-audit", help="Leave the shortcut audit out of the dataset card."),
) -> None:
    """Export a release for other tools: Hugging Face datasets, lm-evaluation-harness."""
    from scalar.errors import ConfigError
    from scalar.export import FORMATS

    if fmt not in FORMATS:
        raise ConfigError(f"unknown --format {fmt!r}: expected one of {', '.join(FORMATS)}")
    token = None
    if push is not None:
        from scalar.export.hub import hub_token

        token = hub_token()  # before writing anything: a missing token fails fast
    try:
        import datasets  # noqa: F401
    except ImportError:
        raise ConfigError("scalar export needs the [hf] extra: pip install 'scalar-bench[hf]'") from None
    if fmt == "hf":
        from scalar.export.hf import export_hf as run
    else:
        from scalar.integrations.lm_eval_tasks import export_lm_eval as run
    folder = run(data, out, audit=not no_audit)
    typer.echo(f"exported {data} as {fmt} to {folder}")
    if fmt == "lm-eval":
        typer.echo(f"run: lm_eval --include_path {folder / 'lm_eval'} --tasks scalar_mcq,scalar_cloze --model ...")
    if push is not None:
        from scalar.export.hub import push_to_hub

        url = push_to_hub(folder, push, token=token, private=private)
        typer.echo(f"pushed to https://huggingface.co/datasets/{push} ({url})")
