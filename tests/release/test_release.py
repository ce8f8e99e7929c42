"""Release folders: deterministic questions.jsonl, manifest contents, all-or-nothing writes."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from _synth_papers import random_citing_paper, small_citing_paper

from scalar.generate import write as release_mod
from scalar.generate.questions import GenerationConfig, generate_questions
from scalar.generate.write import write_release
from scalar.release import load_release, read_paper


@pytest.fixture(scope="module")
def papers():
    return [small_citing_paper()] + [
        random_citing_paper(i, sections=2, paragraphs=4, words=120, cited_sections=2, cited_words=150) for i in range(3)]


def _build(papers, out, *, seed=0, budgets=(), build_date=date(2026, 1, 1)):
    config = GenerationConfig(seed=seed, context_budgets=list(budgets))
    result = generate_questions(papers, config)
    return write_release(out, venue="sample", result=result, papers=papers, config=config,
                         skipped={"no_html": 2}, build_date=build_date)


def test_two_builds_give_byte_identical_questions(papers, tmp_path):
    a = _build(papers, tmp_path / "a", budgets=[8000])
    b = _build(list(reversed(papers)), tmp_path / "b", budgets=[8000], build_date=date(2027, 5, 5))
    qa = (tmp_path / "a" / "questions.jsonl").read_bytes()
    assert qa == (tmp_path / "b" / "questions.jsonl").read_bytes()
    assert a.questions_sha256 == b.questions_sha256 == hashlib.sha256(qa).hexdigest()
    assert a.build_date != b.build_date  # the date lives in the manifest only
    c = _build(papers, tmp_path / "c", seed=1, budgets=[8000])
    assert c.questions_sha256 != a.questions_sha256


def test_manifest_describes_the_release(papers, tmp_path):
    m = _build(papers, tmp_path / "r", budgets=[8000, 16000])
    manifest, questions = load_release(tmp_path / "r")  # validates the SHA-256 too
    assert manifest == m
    assert m.n_questions == len(questions) > 0
    assert sum(n for by_task in m.counts.values() for n in by_task.values()) == len(questions)
    assert m.counts["medium"]["mcq"] == sum(q.difficulty == "medium" and q.task == "mcq" for q in questions)
    assert m.context_budgets == [8000, 16000]
    assert m.token_stats.n == len(questions) and m.token_stats.max <= 16000
    assert m.source_cutoff["earliest"] == date(2024, 10, 1)
    assert m.rejected.get("surface_name_match", 0) >= 2
    assert m.skipped == {"no_html": 2}
    assert m.seed == 0 and m.venue == "sample" and m.build_date == date(2026, 1, 1)
    # sorted: difficulty, task, budget, paper, id
    order = [(["easy", "medium", "hard"].index(q.difficulty), ["mcq", "cloze"].index(q.task), q.context_budget,
              q.paper, q.id) for q in questions]
    assert order == sorted(order)
    # one paper file per citing paper that has questions, readable as a Paper
    files = sorted(p.name for p in (tmp_path / "r" / "papers").iterdir())
    assert files == sorted(f"{p}.json" for p in {q.paper.removesuffix("v1") for q in questions})
    assert read_paper(tmp_path / "r" / "papers" / "2410.00001.json").title == papers[0].paper.title


def test_a_failed_write_leaves_the_previous_release_untouched(papers, tmp_path, monkeypatch):
    out = tmp_path / "rel"
    first = _build(papers[:1], out)
    before = (out / "questions.jsonl").read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(release_mod, "write_manifest", boom)
    with pytest.raises(OSError, match="disk full"):
        _build(papers, out)
    assert (out / "questions.jsonl").read_bytes() == before
    assert json.loads((out / "manifest.json").read_text())["questions_sha256"] == first.questions_sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]  # no temporary folder left behind


def test_a_failed_first_write_leaves_nothing(papers, tmp_path, monkeypatch):
    monkeypatch.setattr(release_mod, "write_manifest", lambda *a, **k: (_ for _ in ()).throw(OSError("no")))
    with pytest.raises(OSError):
        _build(papers[:1], tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_rebuilding_replaces_the_release(papers, tmp_path):
    out = tmp_path / "rel"
    _build(papers, out)
    m = _build(papers[:1], out)
    manifest, questions = load_release(out)
    assert manifest.n_papers == 1 == m.n_papers
    assert [p.name for p in (out / "papers").iterdir()] == ["2410.00001.json"]


def test_an_unrelated_non_empty_folder_is_never_overwritten(papers, tmp_path):
    from scalar.errors import InputError

    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a release"):
        _build(papers[:1], out)
    assert (out / "notes.txt").read_text() == "mine"
    with pytest.raises(InputError, match="not a folder"):
        _build(papers[:1], out / "notes.txt")


def test_an_empty_result_is_still_a_valid_release(tmp_path):
    from scalar.generate.questions import GenerationResult

    m = write_release(tmp_path / "empty", venue="sample", result=GenerationResult(questions=[]), papers=[],
                      config=GenerationConfig(), build_date=date(2026, 1, 1))
    manifest, questions = load_release(tmp_path / "empty")
    assert questions == [] and m.n_questions == 0 and manifest.token_stats.n == 0
    assert (tmp_path / "empty" / "papers").is_dir()


def test_a_paper_given_twice_is_written_in_the_version_its_questions_come_from(tmp_path):
    a = small_citing_paper()
    b = a.model_copy(update={"paper": a.paper.model_copy(update={"abstract": "Another version."})})
    config = GenerationConfig(tasks=["mcq"])
    result = generate_questions([a, b], config)
    write_release(tmp_path / "r", venue="sample", result=result, papers=[b, a], config=config)
    written = read_paper(tmp_path / "r" / "papers" / "2410.00001.json")
    assert written.abstract.split()[0] in result.questions[0].context.split("Abstract: ", 1)[1]
