"""Writers are strict even though readers are lenient: every record SCALAR writes (release files,
predictions, run summaries) uses only fields its schema model defines. Readers ignore unknown
fields (additive schema changes), so without this check a writer could emit a misspelt field that
nothing would ever notice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scalar.schema import Paper, Prediction, Question, ReleaseManifest, RunSummary, unknown_fields


def _scalar(*args) -> None:
    r = subprocess.run([sys.executable, "-m", "scalar", *map(str, args)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("written")
    _scalar("build", "--venue", "sample", "--offline", "--out", tmp / "release")
    _scalar("eval", "--model", "baseline/lexical", "--data", tmp / "release", "--out", tmp / "run")
    return tmp / "release", tmp / "run"


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_release_files_use_only_schema_fields(written):
    release, _ = written
    assert unknown_fields(ReleaseManifest, (release / "manifest.json").read_text()) == []
    questions = _lines(release / "questions.jsonl")
    assert questions
    for line in questions:
        assert unknown_fields(Question, line) == []
    papers = sorted((release / "papers").glob("*.json"))
    assert papers
    for path in papers:
        assert unknown_fields(Paper, path.read_text(encoding="utf-8")) == [], path.name


def test_run_files_use_only_schema_fields(written):
    _, run = written
    assert unknown_fields(RunSummary, (run / "summary.json").read_text()) == []
    predictions = _lines(run / "predictions.jsonl")
    assert predictions
    for line in predictions:
        assert unknown_fields(Prediction, line) == []
