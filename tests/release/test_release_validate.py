"""The one whole-release check: used by load_release, by `scalar eval` and by the audit."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _release_records import question

from scalar.errors import ReleaseError
from scalar.evaluate.runner import scan_release
from scalar.release import load_release, validate_release, write_manifest, write_questions, write_release_folder


@pytest.fixture
def release(tmp_path, questions, papers, info):
    write_release_folder(tmp_path / "r", questions=questions, papers=papers, info=info)
    return tmp_path / "r"


def test_a_valid_release_loads_whole_or_as_the_caller_keeps_it(release, questions):
    manifest, got = validate_release(release)
    assert got == questions and manifest.n_questions == len(questions)
    _, ids = validate_release(release, keep=lambda q: q.model_copy(update={"context": ""}))
    assert [q.id for q in ids] == [q.id for q in questions] and all(q.context == "" for q in ids)
    assert load_release(release) == (manifest, questions)


def _edit(release):
    path = release / "questions.jsonl"
    path.write_bytes(path.read_bytes().replace(b"builds on", b"builds upon", 1))


def test_an_edited_questions_file_is_refused_by_every_reader(release):
    _edit(release)
    messages = set()
    for read in (load_release, validate_release, scan_release):
        with pytest.raises(ReleaseError) as e:
            read(release)
        messages.add(str(e.value))
    assert len(messages) == 1 and "does not match the SHA-256 in its manifest" in messages.pop()


def test_duplicate_ids_are_refused(tmp_path, info):
    from scalar.release import build_manifest

    qs = [question(1), question(1, difficulty="hard")]
    sha = write_questions(tmp_path, qs)
    write_manifest(tmp_path, build_manifest(info, qs, sha))
    with pytest.raises(ReleaseError, match="duplicate question id q0001"):
        validate_release(tmp_path)


def test_a_release_without_questions_file_is_refused(release):
    (release / "questions.jsonl").unlink()
    with pytest.raises(ReleaseError, match="not a release: .*questions.jsonl is missing"):
        validate_release(release)


def test_eval_on_an_edited_release_is_one_line_exit_2(release, tmp_path):
    _edit(release)
    r = subprocess.run([sys.executable, "-m", "scalar", "eval", "--model", "baseline/random", "--data",
                        str(release), "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "does not match the SHA-256" in lines[0] and "Traceback" not in r.stderr
    assert not (tmp_path / "run" / "predictions.jsonl").exists()
