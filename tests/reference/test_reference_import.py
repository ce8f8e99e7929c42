import json
import subprocess
import sys
from pathlib import Path

import pytest
from _original_release_fixture import MASK, make_original_release, paper_object

from scalar.errors import InputError
from scalar.reference.importer import import_reference, original_paper_to_citing
from scalar.release import load_release, read_paper

SETS = ("easy", "medium", "hard")


def _run(*args):
    return subprocess.run([sys.executable, "-m", "scalar", *args], capture_output=True, text=True)


def _originals(release: Path) -> list[tuple[str, dict]]:
    out = []
    for d in SETS:
        folder = release / "data" / "test_data" / f"cloze_examples_{d}"
        files = sorted(folder.glob("*.json"), key=lambda p: (p.stem.split("_")[0], int(p.stem.split("_")[1])))
        out += [(d, json.loads(p.read_text(encoding="utf-8"))) for p in files]
    return out


@pytest.fixture
def original(reference_dir) -> Path:
    src = reference_dir / "scalar-release"
    if not (src / "data" / "test_data").is_dir():
        pytest.skip("the original release sample is absent")
    return src


# --------------------------------------------------------------------------- the real sample


def test_import_keeps_every_original_question(original, tmp_path):
    manifest = import_reference(original, tmp_path / "rel", progress=False)
    m, questions = load_release(tmp_path / "rel")
    originals = _originals(original)
    assert len(questions) == len(originals) == 12
    assert manifest.n_questions == 12 and m.questions_sha256 == manifest.questions_sha256
    assert {d: c["mcq"] for d, c in m.counts.items()} == {"easy": 5, "medium": 4, "hard": 3}
    for q, (difficulty, o) in zip(questions, originals):
        assert q.difficulty == difficulty
        assert q.answer == o["label_id"]
        assert [c.key for c in q.candidates] == [c["id"] for c in o["candidates"]]
        assert [c.title for c in q.candidates] == [c["title"] for c in o["candidates"]]
        assert q.gold_key == o["reference_id"] == q.candidates[q.answer].key
        assert q.context.count(MASK) == 1
        assert q.context in o["question"]  # the paper part of the prompt, verbatim
        assert q.paper == o["paper_id"].rsplit("/", 1)[1]  # e.g. 2410.01930v1
        assert q.citation_type == ("attributional" if o["citation"]["citation_type"] == "method" else "descriptive")
        assert q.source == "reference-import" and q.task == "mcq"
        assert q.first_public_date is not None  # the paper list metadata is shipped
        for c in q.candidates:
            assert c.text and c.text[-300:] in o["question"]  # the candidate text, from the prompt
        assert 30_000 < q.context_tokens < 130_000


def test_candidate_text_matches_what_the_original_showed(original, tmp_path):
    import_reference(original, tmp_path / "rel", progress=False)
    _, questions = load_release(tmp_path / "rel")
    for q in questions:
        for c in q.candidates:
            if q.difficulty == "hard":  # body only: neither title nor abstract up front
                assert not c.text.startswith(c.title) and "Abstract:" not in c.text[:50]
                assert c.text.startswith("## ")
            else:
                assert c.text.startswith(c.title) and "\n\nAbstract: " in c.text[:len(c.title) + 20]
            assert "<Content>" not in c.text and "</Candidate>" not in c.text


def test_import_writes_papers_and_is_deterministic(original, tmp_path):
    import_reference(original, tmp_path / "a", progress=False)
    import_reference(original, tmp_path / "b", progress=False)
    assert (tmp_path / "a" / "questions.jsonl").read_bytes() == (tmp_path / "b" / "questions.jsonl").read_bytes()
    papers = sorted((tmp_path / "a" / "papers").glob("*.json"))
    assert [p.stem for p in papers] == ["2410.01930", "2410.08695", "2410.23168"]
    paper = read_paper(papers[0])
    assert paper.version == "v1" and paper.source == "reference-import"
    # ar5iv cross-reference residue is gone from the converted paper text.
    assert not any("‣" in p.text for s in paper.sections for p in s.paragraphs)


def test_original_paper_objects_convert_with_exact_spans(original):
    for path in sorted((original / "data" / "paper_obj_anno").glob("*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        cp = original_paper_to_citing(obj)
        spans = [(p.text[c.start:c.end], c) for s in cp.paper.sections for p in s.paragraphs for c in p.citations]
        originals = [c for s in obj["sections"].values() for c in s["citations"]]
        assert len(spans) == len(originals)
        assert sorted(t for t, _ in spans) == sorted(c["text"] for c in originals)
        assert sum(c.grouped for _, c in spans) == sum(c["single_citation"] is False for c in originals)
        assert sum(c.citation_type == "attributional" for _, c in spans) == \
            sum(c["citation_type"] == "method" for c in originals)
        assert set(cp.cited) == set(obj["references"]["data"])
        assert all(not s.title.endswith("\\") for s in cp.paper.sections)
        with_text = [p for p in cp.cited.values() if p.sections]
        assert with_text and all(p.arxiv_id and p.abstract for p in with_text)


# --------------------------------------------------------------------------- authored originals


def test_authored_release_imports(tmp_path):
    src = make_original_release(tmp_path / "orig")
    import_reference(src / "data", tmp_path / "rel", progress=False)  # data/ itself is accepted too
    m, qs = load_release(tmp_path / "rel")
    assert [(q.difficulty, q.answer) for q in qs] == [("easy", 2), ("easy", 0), ("hard", 3)]
    easy = qs[0]
    assert easy.paper == "2501.00001v2" and str(easy.first_public_date) == "2025-01-01"
    assert easy.section == "2 Method" and easy.citation_type == "attributional"
    assert easy.title == "Sparse Widgets for Efficient Gadget Learning"
    assert [c.arxiv_id for c in easy.candidates] == ["1901.00001", "1704.00006", "1803.00005", "2002.00002"]
    assert easy.candidates[2].text.startswith("Quantum annealing schedules for sparse problems.\n\nAbstract: ")
    assert "## 2 Schedules\nTemperature decays" in easy.candidates[2].text
    hard = qs[2]
    assert hard.citation_type == "descriptive"
    assert hard.candidates[0].text == "## 2 Schedules\nTemperature decays geometrically over time."
    assert m.source_cutoff["earliest"].isoformat() == "2025-01-01"


def test_paper_conversion_rules():
    cp = original_paper_to_citing(paper_object())
    intro = cp.paper.sections[0]
    assert [p.text[:20] for p in intro.paragraphs] == ["Gadget learning has ", "We build on the opti"]
    first = {intro.paragraphs[0].text[c.start:c.end]: c for c in intro.paragraphs[0].citations}
    assert first["Beta et al., [2020]"].citation_type == "attributional" and not first["Beta et al., [2020]"].grouped
    assert first["Gamma, [2021]"].grouped and first["Gamma, [2021]"].citation_type is None
    assert first["Alpha et al., [2019]"].citation_type == "descriptive"
    method = cp.paper.sections[1]
    assert method.title == "2 Method"
    assert method.paragraphs[0].text.endswith("uses a Figure 1 overview.")  # residue removed
    c = method.paragraphs[0].citations[0]
    assert method.paragraphs[0].text[c.start:c.end] == "Epsilon et al., [2018]"
    # bib items without crawled text still resolve; cited papers carry their text.
    assert cp.paper.reference("bib.bib3") is not None and cp.paper.reference("bib.bib3").title is None
    assert cp.paper.reference("bib.bib1").title == "Optimisation landscapes of gadget learning"
    assert "‣" not in cp.cited["bib.bib1"].sections[1].text


def _corrupt(src: Path) -> Path:
    bad = src / "data" / "test_data" / "cloze_examples_easy" / "2501.00001_12.json"
    bad.write_text('{"question": "truncated', encoding="utf-8")
    return bad


def test_corrupt_question_file_exit_2_no_output(tmp_path):
    src = make_original_release(tmp_path / "orig")
    bad = _corrupt(src)
    r = _run("import-reference", str(src), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert bad.name in r.stderr and "not valid JSON" in r.stderr
    assert not (tmp_path / "rel").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["orig"]  # no temporary folder left either


def test_corrupt_paper_object_exit_2_no_output(tmp_path):
    src = make_original_release(tmp_path / "orig")
    (src / "data" / "paper_obj_anno" / "2501.00001.json").write_text('{"title": "x"}', encoding="utf-8")
    r = _run("import-reference", str(src), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "2501.00001.json" in r.stderr and "paper_id" in r.stderr
    assert not (tmp_path / "rel").exists()


def test_missing_folder_exit_2(tmp_path):
    r = _run("import-reference", str(tmp_path / "nowhere"), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "nowhere" in r.stderr
    assert not (tmp_path / "rel").exists()


def test_folder_without_questions_exit_2(tmp_path):
    (tmp_path / "orig" / "data" / "paper_obj_anno").mkdir(parents=True)
    r = _run("import-reference", str(tmp_path / "orig"), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "no question files" in r.stderr
    assert not (tmp_path / "rel").exists()


def test_question_without_mask_is_rejected(tmp_path):
    src = make_original_release(tmp_path / "orig", with_papers=False)
    path = src / "data" / "test_data" / "cloze_examples_hard" / "2501.00001_3.json"
    q = json.loads(path.read_text(encoding="utf-8"))
    head, _, tail = q["question"].partition("<Paper>")
    q["question"] = head + "<Paper>" + tail.replace(MASK, "(Alpha et al., [2019])")
    path.write_text(json.dumps(q), encoding="utf-8")
    with pytest.raises(InputError, match="0 masks"):
        import_reference(src, tmp_path / "rel", progress=False)
    assert not (tmp_path / "rel").exists()


def test_failed_reimport_keeps_previous_release(tmp_path):
    src = make_original_release(tmp_path / "orig")
    import_reference(src, tmp_path / "rel", progress=False)
    before = (tmp_path / "rel" / "questions.jsonl").read_bytes()
    _corrupt(src)
    with pytest.raises(InputError):
        import_reference(src, tmp_path / "rel", progress=False)
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == before


def test_out_that_is_not_a_release_is_refused(tmp_path):
    src = make_original_release(tmp_path / "orig")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a release"):
        import_reference(src, tmp_path / "mine", progress=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


# --------------------------------------------------------------------------- --regenerate


def test_regenerate_runs_our_generator_on_their_papers(original, tmp_path):
    manifest = import_reference(original, tmp_path / "rel", regenerate=True, seed=3, progress=False)
    m, qs = load_release(tmp_path / "rel")
    assert manifest.venue == "scalar-original" and m.seed == 3 and m.n_questions == len(qs) > 0
    assert {q.paper for q in qs} <= {"2410.01930v1", "2410.08695v2", "2410.23168v1"}
    mcq = [q for q in qs if q.task == "mcq"]
    assert mcq and all(q.source != "reference-import" for q in qs)
    # Every occurrence of the gold is masked, not one; the converted texts carry no ar5iv residue.
    assert all(q.context.count(MASK) >= 1 for q in mcq)
    assert not any("‣" in c.text for q in qs for c in q.candidates)
    again = import_reference(original, tmp_path / "rel2", regenerate=True, seed=3, progress=False)
    assert again.questions_sha256 == manifest.questions_sha256


def test_regenerate_with_budgets_fits_them(tmp_path, original):
    import_reference(original, tmp_path / "rel", regenerate=True, context_tokens=[16000], progress=False)
    _, qs = load_release(tmp_path / "rel")
    assert qs and all(q.context_budget == 16000 and q.context_tokens <= 16000 for q in qs)


def test_context_tokens_without_regenerate_is_refused(tmp_path):
    src = make_original_release(tmp_path / "orig")
    r = _run("import-reference", str(src), "--context-tokens", "8000", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "--regenerate" in r.stderr
    assert not (tmp_path / "rel").exists()


def test_context_tokens_follow_the_build_rule_with_regenerate(tmp_path):
    # one validator (GenerationConfig) for build and import-reference --regenerate: 500 is refused by both
    src = make_original_release(tmp_path / "orig")
    r = _run("import-reference", str(src), "--regenerate", "--context-tokens", "500", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "--context-tokens 500 is too small" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "rel").exists()
    b = _run("build", "--venue", "sample", "--offline", "--context-tokens", "500", "--out", str(tmp_path / "b"))
    assert b.returncode == 2 and "--context-tokens 500 is too small" in b.stderr, b.stderr


def test_regenerate_without_paper_objects_is_refused(tmp_path):
    src = make_original_release(tmp_path / "orig", with_papers=False)
    with pytest.raises(InputError, match="paper objects"):
        import_reference(src, tmp_path / "rel", regenerate=True, progress=False)
    assert not (tmp_path / "rel").exists()


def test_answer_key_that_contradicts_the_candidates_is_rejected(tmp_path):
    src = make_original_release(tmp_path / "orig")
    path = src / "data" / "test_data" / "cloze_examples_easy" / "2501.00001_7.json"
    q = json.loads(path.read_text(encoding="utf-8"))
    q["label_id"] = 1  # candidate 1 is bib.bib6, but the reference is bib.bib5
    path.write_text(json.dumps(q), encoding="utf-8")
    r = _run("import-reference", str(src), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "reference_id" in r.stderr and "2501.00001_7.json" in r.stderr
    assert not (tmp_path / "rel").exists()
