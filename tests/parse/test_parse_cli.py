"""`scalar parse` end to end, through the real console entry point."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scalar.schema import Paper

DATA = Path(__file__).parent / "data"


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scalar", "parse", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def test_parse_to_file(tmp_path):
    out = tmp_path / "sub" / "paper.json"
    r = _run(DATA / "numeric.html", "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    paper = Paper.model_validate_json(out.read_text(encoding="utf-8"))
    assert paper.arxiv_id == "2409.01234" and len(paper.references) == 6
    assert "Zoë Müller" in out.read_text(encoding="utf-8")  # UTF-8, not \\u escapes


def test_parse_to_stdout():
    r = _run(DATA / "authoryear.html")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["title"] == "Citing with Names"
    span = data["sections"][0]["paragraphs"][0]["citations"][0]
    text = data["sections"][0]["paragraphs"][0]["text"]
    assert text[span["start"]:span["end"]] == "Vaswani et al., 2017"


@pytest.mark.parametrize("name,message", [
    ("missing.html", "file not found"),
    ("nobib.html", "no bibliography"),
    ("nosections.html", "no sections"),
    ("notes.txt", "not an HTML page"),
    ("paper.pdf", "PDF"),  # a broken PDF: "unreadable PDF" or "no text layer"
])
def test_bad_input_one_line_exit_2_no_output(tmp_path, name, message):
    src = tmp_path / name
    if (DATA / name).exists():
        shutil.copy(DATA / name, src)
    elif name == "notes.txt":
        src.write_text("plain notes, no markup\n")
    elif name == "paper.pdf":
        src.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    out = tmp_path / "out.json"
    r = _run(src, "-o", out)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and name in lines[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != name] == []  # no temp file left


def test_existing_output_survives_a_failed_parse(tmp_path):
    out = tmp_path / "paper.json"
    out.write_text("previous result\n")
    r = _run(DATA / "nobib.html", "-o", out)
    assert r.returncode == 2
    assert out.read_text() == "previous result\n"


def test_parse_pdf_and_options(tmp_path):
    from pdf_builder import PdfWriter

    w = PdfWriter()
    w.title("A Small PDF Paper")
    w.heading("1 Introduction")
    w.paragraph("Experts route tokens [1].")
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    src = tmp_path / "2409.01234v2.pdf"
    src.write_bytes(w.bytes())
    out = tmp_path / "p.json"
    r = _run(src, "-o", out, "--arxiv-id", "2409.01234v2")
    assert r.returncode == 0, r.stderr
    assert "1 citations, 1 references" in r.stderr
    paper = Paper.model_validate_json(out.read_text())
    assert paper.source == "pdf" and paper.version == "v2"
    assert paper.sections[0].paragraphs[0].citations[0].ref == "bib.bib1"


def test_no_require_bibliography_and_bad_id(tmp_path):
    r = _run(DATA / "nobib.html", "--no-require-bibliography")
    assert r.returncode == 0 and json.loads(r.stdout)["references"] == []
    r = _run(DATA / "numeric.html", "--arxiv-id", "paper/2021")
    assert r.returncode == 2 and "not an arXiv id" in r.stderr
