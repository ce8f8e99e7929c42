"""Reading a release's files: each defect is one ReleaseError naming the file (and line)."""

from __future__ import annotations

import pytest
from _release_records import paper

from scalar.errors import ReleaseError
from scalar.release import find_paper, iter_questions, read_manifest, read_paper, write_paper, write_release_folder


def test_round_trip(tmp_path, questions, papers, info):
    written = write_release_folder(tmp_path / "r", questions=questions, papers=papers, info=info)
    assert read_manifest(tmp_path / "r") == written
    assert list(iter_questions(tmp_path / "r")) == questions
    name, p = papers[0]
    assert read_paper(tmp_path / "r" / "papers" / f"{name}.json") == p


def test_missing_folder_and_missing_manifest(tmp_path):
    with pytest.raises(ReleaseError, match="release folder not found"):
        read_manifest(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReleaseError, match=r"not a release: .*manifest.json is missing"):
        read_manifest(tmp_path / "empty")
    with pytest.raises(ReleaseError, match=r"questions.jsonl is missing"):
        list(iter_questions(tmp_path / "empty"))


def test_invalid_manifest_names_the_field(tmp_path):
    (tmp_path / "manifest.json").write_text('{"release_id": "x"}')
    with pytest.raises(ReleaseError, match=r"manifest.json is not a valid manifest: venue: Field required"):
        read_manifest(tmp_path)


def test_invalid_question_line_is_named_and_blank_lines_are_skipped(tmp_path, questions):
    lines = [questions[0].model_dump_json(), "", questions[1].model_dump_json(), '{"id": "broken"}']
    (tmp_path / "questions.jsonl").write_text("\n".join(lines) + "\n")
    got = []
    with pytest.raises(ReleaseError, match=r"questions.jsonl: line 4 is not a valid question"):
        for q in iter_questions(tmp_path):
            got.append(q)
    assert got == questions[:2]


def test_paper_errors(tmp_path):
    with pytest.raises(ReleaseError, match="paper file not found"):
        read_paper(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ReleaseError, match="bad.json is not a valid paper"):
        read_paper(tmp_path / "bad.json")


def test_find_paper_maps_a_questions_paper_to_its_file(tmp_path, papers):
    write_paper(tmp_path, paper("2410.00001"), name="2410.00001")
    write_paper(tmp_path, paper("hep-th/9901001"), name="hep-th/9901001")
    assert find_paper(tmp_path, "2410.00001v3") == tmp_path / "papers" / "2410.00001.json"
    assert find_paper(tmp_path, "2410.00001") == tmp_path / "papers" / "2410.00001.json"
    assert find_paper(tmp_path, "hep-th/9901001v2") == tmp_path / "papers" / "hep-th_9901001.json"
    assert find_paper(tmp_path, "2410.99999v1") is None
