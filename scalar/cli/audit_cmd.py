from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("audit")
def audit(
    data: Path = typer.Option(..., "--data", help="Release folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    window: list[int] = typer.Option([], "--window", help="BM25 shortcut window in words either side of the "
                                     "mask (repeatable; default 10, 25 and 50)."),
    dense: bool = typer.Option(False, "--dense", help="Add the dense shortcut scorer (all-MiniLM-L6-v2 unless "
                               "--dense-model; needs the [dense] extra)."),
    dense_model: str | None = typer.Option(None, "--dense-model", help="sentence-transformers id or folder "
                                              "for the dense scorer (implies --dense)."),
    dense_max_chunks: int | None = typer.Option(None, "--dense-max-chunks", min=1, help="Chunks of each candidate "
                                                "the dense scorer reads (100 words each, from the start; best "
                                                "chunk wins; default: the scorer's own, 2, as generation uses)."),
    dense_variants: bool = typer.Option(False, "--dense-variants", help="Also report the dense scorer under the "
                                        "9 variants --distractors robust balances (query windows 25/50/100 words x "
                                        "best of the first 1/2/8 chunks), as dense_w<window>_c<chunks> (implies --dense)."),
    max_shortcut_margin: float | None = typer.Option(
        None, "--max-shortcut-margin", help="Gate: exit 1 when any shortcut scorer beats chance by more than "
        "this many points on an mcq difficulty (the refresh workflow's audit gate)."),
) -> None:
    """Leak and shortcut audit of a release."""
    from scalar.errors import ConfigError
    from scalar.generate.audit import audit_release, render_report, shortcut_margins
    from scalar.generate.shortcuts import DEFAULT_WINDOWS

    if any(w < 1 for w in window):
        raise ConfigError("--window must be a positive number of words")
    scorer = None
    from scalar.generate.config import robust_dense_family

    family = robust_dense_family() if dense_variants else []
    if dense or dense_model or dense_variants:
        from scalar.generate.dense import DenseScorer

        scorer = DenseScorer(dense_model) if dense_max_chunks is None else DenseScorer(dense_model, max_chunks=dense_max_chunks)
    report = audit_release(data, windows=tuple(sorted(set(window))) or DEFAULT_WINDOWS, dense=scorer,
                           dense_family=family)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        render_report(report)
    if max_shortcut_margin is not None:
        over = [m for m in shortcut_margins(report) if m[2] > max_shortcut_margin]
        if over:
            import sys

            worst = ", ".join(f"{s} on {g} +{v:g}" for g, s, v in over[:5])
            print(f"scalar audit: shortcut margin above {max_shortcut_margin:g} points: {worst}", file=sys.stderr)
            raise typer.Exit(1)
