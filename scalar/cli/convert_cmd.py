from __future__ import annotations

import sys
from pathlib import Path

import typer

from scalar.cli import app


@app.command("convert")
def convert(
    kind: str = typer.Argument(..., help="fbi-llm or bi-mamba."),
    src: Path = typer.Argument(..., help="Published checkpoint folder (config.json, tokenizer.model, pytorch_model*.bin or safetensors)."),
    out: Path = typer.Option(..., "--out", help="Packed checkpoint folder to write."),
) -> None:
    """Convert a published 1-bit checkpoint into SCALAR's packed format (streams shards one at a time)."""
    from rich.table import Table

    from scalar._util.console import plain_console
    from scalar.local.convert import convert_checkpoint

    err = plain_console(stderr=True)
    with err.status(f"converting {src} ...") as status:
        summary = convert_checkpoint(kind, src, out, progress=lambda msg: status.update(msg))
    table = Table(title=f"packed {summary['kind']} -> {summary['out']}", show_header=False)
    rows = [("binarized linears", f"{summary['linears']}"),
            ("binarized parameters", f"{summary['binarized_params']:,}"),
            ("packed linears (signs + scales)", f"{summary['packed_linear_bytes'] / 2**20:,.1f} MiB"),
            ("full-precision tensors", f"{summary['dense_tensors']}"),
            ("file size", f"{summary['file_bytes'] / 2**20:,.1f} MiB"),
            ("exact-zero latent weights", f"{summary['exact_zero_weights']}"),
            ("time", f"{summary['seconds']:.1f} s")]
    for k, v in rows:
        table.add_row(k, v)
    plain_console(file=sys.stdout).print(table)
