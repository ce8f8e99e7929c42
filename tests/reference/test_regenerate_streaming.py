"""`import-reference --regenerate` reads the original's paper objects one at a time
(``OriginalPapers``) and writes through the streaming path, with the bytes of the in-memory one."""

from __future__ import annotations

import json

import pytest
from _original_release_fixture import make_original_release, paper_object

from scalar.errors import InputError
from scalar.generate.questions import GenerationConfig, generate_questions
from scalar.generate.write import write_release
from scalar.reference.importer import VENUE, OriginalPapers, import_reference, read_original_papers
from scalar.release import load_release


def test_original_papers_load_on_access_in_id_order(tmp_path):
    src = make_original_release(tmp_path / "orig")
    folder = src / "data" / "paper_obj_anno"
    obj = paper_object()
    other = dict(obj, paper_id="http://arxiv.org/abs/2401.00009v1", title="Another paper")
    (folder / "a-first.json").write_text(json.dumps(other), encoding="utf-8")
    # a second file with the id of 2501.00001: the later file (natural order) wins, as before
    (folder / "zz-copy.json").write_text(json.dumps(dict(obj, title="The copy")), encoding="utf-8")
    papers = OriginalPapers(src / "data")
    assert papers.ids == ["2401.00009", "2501.00001"] and len(papers) == 2
    assert [cp.paper.title for cp in papers] == ["Another paper", "The copy"]
    assert papers[1] is not papers[1]  # read again on each access, never kept
    assert papers[-1].paper.arxiv_id == "2501.00001" and len(papers[0:2]) == 2
    assert {k: cp.paper.title for k, cp in read_original_papers(src / "data").items()} == \
        {"2401.00009": "Another paper", "2501.00001": "The copy"}


def test_a_paper_object_that_breaks_on_reading_is_one_line(tmp_path):
    src = make_original_release(tmp_path / "orig")
    path = src / "data" / "paper_obj_anno" / "2501.00001.json"
    obj = paper_object()
    obj["sections"] = {"1 Intro": {"content": "x", "citations": [{"start_pos": "a", "end_pos": 1, "paper_id": "b"}]}}
    path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(InputError, match="2501.00001.json: not an original paper object"):
        import_reference(src, tmp_path / "rel", regenerate=True, progress=False)
    assert not (tmp_path / "rel").exists()


def test_regenerate_streams_the_bytes_of_the_in_memory_path(reference_dir, tmp_path):
    src = reference_dir / "scalar-release"
    if not (src / "data" / "paper_obj_anno").is_dir():
        pytest.skip("the original release sample is absent")
    generation = {"distractors": "original"}
    streamed = import_reference(src, tmp_path / "s", regenerate=True, seed=3, context_tokens=[16000],
                                progress=False, generation=generation)
    papers = list(OriginalPapers(src / "data"))
    config = GenerationConfig(**generation, seed=3, context_budgets=[16000])
    memory = write_release(tmp_path / "m", venue=VENUE, result=generate_questions(papers, config), papers=papers,
                           config=config, notes={"mode": "regenerate", "source_papers": len(papers)},
                           build_date=streamed.build_date)
    assert streamed == memory and streamed.n_questions > 0
    for name in ("questions.jsonl", "manifest.json"):
        assert (tmp_path / "s" / name).read_bytes() == (tmp_path / "m" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "s" / "papers").iterdir()) == \
        sorted(p.name for p in (tmp_path / "m" / "papers").iterdir())
    for p in (tmp_path / "s" / "papers").iterdir():
        assert p.read_bytes() == (tmp_path / "m" / "papers" / p.name).read_bytes()
    load_release(tmp_path / "s")  # valid, SHA-256 included
