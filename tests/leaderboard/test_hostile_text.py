"""Untrusted text (folder names, model names from summary.json) in the files people open: the
leaderboards index links, leaderboard.csv in a spreadsheet, leaderboard.md on GitHub, the page."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from lb_factory import make_run

from scalar.leaderboard.render import csv_safe, index_href, md_escape
from scalar.leaderboard.snapshot import build_snapshot

HOSTILE_FOLDERS = ["javascript:alert(1)", "data:text/html,<b>x</b>", "?q=1", "#frag", "a b%20c", "%2e%2e%2Fup"]
FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("name", HOSTILE_FOLDERS)
def test_index_links_are_relative_and_encoded(tmp_path, release, name):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    root = tmp_path / "leaderboards"
    build_snapshot(tmp_path / "runs", root / name / "2026-11-22", audit=False)
    page = (root / "index.html").read_text()
    (href,) = [part.split('"', 1)[0] for part in page.split('href="')[1:]]
    assert href.startswith("./") and href.endswith("/2026-11-22/index.html")
    parts = urlsplit(href)
    assert parts.scheme == "" and parts.netloc == "" and parts.query == "" and parts.fragment == ""
    assert "<" not in href and ":" not in href
    # The link resolves to the folder that holds the snapshot.
    from urllib.parse import unquote

    assert (root / unquote(href[2:])).is_file()


def test_index_href_encodes_every_segment():
    from pathlib import Path

    assert index_href(Path("javascript:alert(1)") / "x") == "./javascript%3Aalert%281%29/x/index.html"


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_that_start_a_formula_are_neutralised(value):
    assert csv_safe(value) == "'" + value
    assert csv_safe("openai/gpt-4o") == "openai/gpt-4o" and csv_safe(-0.5) == -0.5


def test_csv_written_by_a_snapshot_has_no_formula_cells(tmp_path, release):
    runs = tmp_path / "runs"
    for i, model in enumerate(FORMULAS[:4]):
        make_run(runs, f"r{i}", model, release, lambda q: True)
    make_run(runs, "=cmd|' /C calc'!A0", "acme/ok", release, lambda q: True)  # a hostile run folder name
    build_snapshot(runs, tmp_path / "snap", audit=False)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "snap" / "leaderboard.csv").read_text())))
    for r in rows:
        for key, cell in r.items():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (key, cell)
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus
    assert {r["model"] for r in rows} >= {"'" + m for m in FORMULAS[:4]}
    assert any(r["run"] == "'=cmd|' /C calc'!A0" for r in rows)


def test_markdown_escapes_html_and_pipes(tmp_path, release):
    evil = "<img src=x onerror=alert(1)>|col"
    make_run(tmp_path / "runs", "e", evil, release, lambda q: True)
    build_snapshot(tmp_path / "runs", tmp_path / "snap", audit=False)
    md = (tmp_path / "snap" / "leaderboard.md").read_text()
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;\\|col" in md
    for line in md.splitlines():
        if line.startswith("| ") and "&lt;img" in line:
            assert len(re.split(r"(?<!\\)\|", line)) == 12 + 2  # the row keeps its 12 columns
    assert md_escape("a\nb|c<d>&") == "a b\\|c&lt;d&gt;&amp;"


def test_page_cannot_be_broken_out_of(tmp_path, release):
    evil = "</script><script>window.__pwned=1</script>"
    make_run(tmp_path / "runs", "e", evil, release, lambda q: True)
    build_snapshot(tmp_path / "runs", tmp_path / "snap", audit=False)
    page = (tmp_path / "snap" / "index.html").read_text()
    assert page.count("<script") == 3  # chance data, question data, the page's own code
    assert "window.__pwned=1</script>" not in page
    data = page.split('<script type="application/json" id="question-data">')[1].split("</script>")[0]
    assert evil in json.loads(data)[0]["answers"]
