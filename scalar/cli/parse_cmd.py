from __future__ import annotations

from pathlib import Path

import typer

from scalar.cli import app


@app.command("parse")
def parse(
    paper: Path = typer.Argument(..., help="LaTeXML HTML page (arxiv.org/html or ar5iv), or a PDF."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Write Paper JSON here (default: stdout)."),
    require_bibliography: bool = typer.Option(
        True, "--require-bibliography/--no-require-bibliography",
        help="Fail when the page has no bibliography (turn off for cited papers)."),
    arxiv_id: str | None = typer.Option(
        None, "--arxiv-id", help="arXiv id[vN] of the paper, when neither the page nor the file name says."),
) -> None:
    """Parse a LaTeXML HTML page (or, best effort, a PDF) into Paper JSON."""
    from scalar._util.io import atomic_write_text
    from scalar.errors import InputError, ParseError
    from scalar.parse.latexml import parse_html_file

    if arxiv_id is not None:
        from scalar._util.ids import find_arxiv_id

        if find_arxiv_id(arxiv_id) != arxiv_id.strip().lower():
            raise InputError(f"--arxiv-id {arxiv_id!r} is not an arXiv id")
    if paper.is_file() and _is_pdf(paper):
        from scalar.parse.pdf import parse_pdf

        try:
            result = parse_pdf(paper.read_bytes(), arxiv_id=arxiv_id)
        except ParseError as e:
            raise ParseError(f"{paper}: {e}") from None
        if require_bibliography and not result.references:
            raise ParseError(f"{paper}: no bibliography found (no References section)")
    else:
        result = parse_html_file(paper, require_bibliography=require_bibliography)
        if arxiv_id is not None:
            from scalar._util.ids import split_version

            result.arxiv_id, result.version = split_version(arxiv_id.strip())
    text = result.model_dump_json(indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        atomic_write_text(out, text)
        n_cites = sum(len(p.citations) for s in result.sections for p in s.paragraphs)
        n_pars = sum(len(s.paragraphs) for s in result.sections)
        typer.echo(f"wrote {out}: {len(result.sections)} sections, {n_pars} paragraphs, "
                   f"{n_cites} citations, {len(result.references)} references "
                   f"(arXiv {result.arxiv_id or 'unknown'}{result.version or ''}, {result.source})",
                   err=True)


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return b"%PDF-" in f.read(1024)
    except OSError:
        return False
