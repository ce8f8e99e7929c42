"""`scalar export --format hf`: a folder `datasets.load_dataset` reads (one schema for both tasks),
its dataset card, and the licences kept from the crawl."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from scalar.export.hf import export_hf
from scalar.export.records import to_question
from scalar.release import load_release

datasets = pytest.importorskip("datasets")


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "scalar", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)


def _card(folder):
    text = (folder / "README.md").read_text()
    _, header, body = text.split("---\n", 2)
    return yaml.safe_load(header), body


def test_load_dataset_reads_both_tasks_with_one_schema(tmp_path, sample_release):
    out = export_hf(sample_release, tmp_path / "hf", audit=False)
    manifest, questions = load_release(sample_release)
    ds = datasets.load_dataset(str(out))["test"]
    assert ds.num_rows == len(questions) == manifest.n_questions
    assert str(ds.features["answer"]) == "List(Value('int32'))"
    mcq = datasets.load_dataset(str(out), "mcq")["test"]
    cloze = datasets.load_dataset(str(out), "cloze")["test"]
    assert mcq.num_rows + cloze.num_rows == ds.num_rows and cloze.num_rows > 0
    assert all(r["answer_index"] == r["answer"][0] and r["n_masks"] == 1 for r in mcq)
    assert all(r["answer_index"] == -1 and r["n_masks"] == len(r["answer"]) >= 2 for r in cloze)
    # Every row turns back into the question it came from.
    by_id = {q.id: q for q in questions}
    for row in ds:
        q, back = by_id[row["id"]], to_question(row)
        for field in ("task", "difficulty", "paper", "first_public_date", "context", "candidates", "answer",
                      "context_tokens", "context_budget", "gold_key", "title", "section", "citation_type"):
            assert getattr(back, field) == getattr(q, field), field
        assert row["paper_license"] == "CC BY 4.0"  # the sample venue's OpenReview notes state it


def test_dataset_card(tmp_path, sample_release):
    out = export_hf(sample_release, tmp_path / "hf")
    header, body = _card(out)
    manifest, questions = load_release(sample_release)
    assert header["license"] == "cc-by-4.0"
    assert [c["config_name"] for c in header["configs"]] == ["all", "mcq", "cloze"]
    assert header["configs"][0]["default"] is True
    n_mcq = sum(q.task == "mcq" for q in questions)
    assert f"| **total** | {n_mcq} | {len(questions) - n_mcq} |" in body
    assert f"build date: {manifest.build_date}" in body and f"venue: {manifest.venue}" in body
    assert manifest.questions_sha256 in body
    assert "Chance: 25.0%" in body and "## Shortcut audit" in body and "lexical baseline (BM25)" in body
    assert "| easy | 40 | 25.0% |" in body  # the audit's per-answer rows
    for paper in {q.paper for q in questions}:
        assert f"| [{paper}](https://arxiv.org/abs/{paper}) |" in body
    for name in ("answer", "answer_index", "paper_license", "context_budget"):
        assert f"| `{name}` |" in body


def test_papers_without_a_stated_licence(tmp_path, sample_release):
    release = tmp_path / "release"
    shutil.copytree(sample_release, release)
    first = sorted((release / "papers").glob("*.json"))[0]
    doc = json.loads(first.read_text())
    doc["license"] = None
    first.write_text(json.dumps(doc))
    out = export_hf(release, tmp_path / "hf", audit=False)
    header, body = _card(out)
    assert header["license"] == "other" and header["license_name"] == "per-paper"
    assert "not stated: 1" in body and "| not stated |" in body
    # Same release id as the original export: the data file names still differ (they carry a hash
    # of the content), so datasets' cache cannot serve the first export's rows.
    rows = datasets.load_dataset(str(out))["test"]
    assert {r["paper_license"] for r in rows} == {"CC BY 4.0", None}


def test_cli_refuses_a_folder_that_is_not_empty(tmp_path, sample_release):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    r = _cli("export", "--data", sample_release, "--format", "hf", "--out", out)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "not an empty folder" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"] and (out / "notes.txt").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_bad_format_and_bad_release(tmp_path, sample_release):
    r = _cli("export", "--data", sample_release, "--format", "csv", "--out", tmp_path / "x")
    assert r.returncode == 2 and "unknown --format 'csv'" in r.stderr and not (tmp_path / "x").exists()
    r = _cli("export", "--data", tmp_path / "nope", "--format", "hf", "--out", tmp_path / "y")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "y").exists()


def test_cli_hf_export_prints_where(tmp_path, sample_release):
    r = _cli("export", "--data", sample_release, "--format", "hf", "--out", tmp_path / "hf", "--no-audit")
    assert r.returncode == 0, r.stderr
    assert f"to {tmp_path / 'hf'}" in r.stdout
    assert "Not run for this export" in (tmp_path / "hf" / "README.md").read_text()


def test_the_crawl_keeps_the_openreview_licence(sample_release):
    """The licence the venue's OpenReview note states is kept on the citing Paper and in crawl.jsonl
    (it used to be read and dropped)."""
    from scalar.release import read_paper

    papers = sorted((sample_release / "papers").glob("*.json"))
    assert papers and all(read_paper(p).license == "CC BY 4.0" for p in papers)
    used = [json.loads(line) for line in (sample_release / "crawl.jsonl").read_text().splitlines()
            if '"skipped": null' in line]
    assert used and all(rec["license"] == "CC BY 4.0" for rec in used)
