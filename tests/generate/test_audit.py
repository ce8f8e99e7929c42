import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from _original_release_fixture import make_original_release

from scalar.generate.audit import audit_release, render_report
from scalar.reference.importer import import_reference
from scalar.release import write_manifest, write_paper, write_questions
from scalar.schema import Candidate, CitationSpan, Paper, Paragraph, Question, Reference, ReleaseManifest, Section

MASK = "**[MASKED_CITATION]**"

# Four cited works; every question uses all four as candidates.
WORKS = {
    "bib.bib1": ("Spectral pruning of recurrent gadget networks", "pruning eigenvalues of recurrent gadgets"),
    "bib.bib2": ("WidgetNet: stacking widgets for vision", "stacked widget layers for images"),
    "bib.bib3": ("Thermal noise in cold laboratory sensors", "sensor noise measured at low temperatures"),
    "bib.bib4": ("A survey of annealing schedules", "geometric and linear cooling schedules compared"),
}
KEYS = list(WORKS)


def _candidates(difficulty: str, leak_key: str | None = None) -> list[Candidate]:
    out = []
    for k in KEYS:
        title, body = WORKS[k]
        if difficulty == "hard":
            text = f"## 2 Method\n{body}."
            if k == leak_key:  # ar5iv-style residue spelling the paper's own title
                text += f' See Section [3]Results ‣ {title}").'
        else:
            text = f"{title}\n\nAbstract: {body}.\n\n## 2 Method\n{body}."
        out.append(Candidate(key=k, title=title, text=text))
    return out


def _release(root: Path, *, leaky: bool) -> Path:
    questions, papers = [], []
    n = 0
    for difficulty in ("easy", "hard"):
        for answer in range(4):
            gold = "bib.bib2" if leaky else KEYS[answer]
            cands = _candidates(difficulty, leak_key=gold if leaky else None)
            if leaky:
                answer = KEYS.index(gold)  # always the same slot: a position bias
            before = "the stacked model of WidgetNet (" if leaky else "as argued in earlier studies ("
            title_leak = f" Our design differs from {WORKS[gold][0]}." if leaky else ""
            second = " Again, we follow Lee [2] here." if leaky else ""
            paragraph = f"We compare several designs {before}{MASK}) in detail.{title_leak}{second}"
            aid = f"2501.{n:05d}"
            # The citing paper as stored in papers/: the masked occurrence and, if leaky, a second one.
            ptext = paragraph.replace(MASK, "Lee [2]")
            spans = [CitationSpan(start=ptext.index("Lee [2]"), end=ptext.index("Lee [2]") + 7, ref=gold)]
            if leaky:
                s = ptext.rindex("Lee [2]")
                spans.append(CitationSpan(start=s, end=s + 7, ref=gold))
            papers.append(Paper(arxiv_id=aid, version="v1", title=f"Paper {n}",
                                sections=[Section(title="1 Introduction", paragraphs=[Paragraph(text=ptext, citations=spans)])],
                                references=[Reference(key=k, title=WORKS[k][0]) for k in KEYS]))
            questions.append(Question(id=f"q{n}", task="mcq", difficulty=difficulty, paper=f"{aid}v1",
                                      context=f"Paper {n}\n\nAbstract: a study.\n\n## 1 Introduction\n{paragraph}",
                                      candidates=cands, answer=answer, gold_key=gold,
                                      citation_type="descriptive"))
            n += 1
    sha = write_questions(root, questions)
    for p in papers:
        write_paper(root, p)
    write_manifest(root, ReleaseManifest(release_id="test", venue="test", build_date=date(2025, 1, 1),
                                         generator_version="test", seed=0, n_questions=len(questions),
                                         questions_sha256=sha))
    return root


def test_clean_release_reports_no_leaks(tmp_path):
    report = audit_release(_release(tmp_path / "clean", leaky=False), progress=False)
    assert set(report.groups) == {"easy", "hard", "all"}
    every = report.groups["all"]
    assert every.n_questions == 8 and report.papers_available == 8
    assert every.positions.counts == [2, 2, 2, 2] and every.positions.p_value == pytest.approx(1.0)
    assert every.gold_title_in_context.hits == 0 and every.gold_title_in_context.n == 8
    assert every.surface_name_match.hits == 0
    assert every.gold_cited_elsewhere.hits == 0 and every.gold_cited_elsewhere.n == 8
    # Titles are hidden only in the hard texts; none of them reveals its title.
    assert report.groups["easy"].hidden_title_revealed.n == 0
    assert report.groups["hard"].hidden_title_revealed.n == 4 and every.hidden_title_revealed.hits == 0
    assert every.candidate_residue.hits == 0
    assert report.groups["easy"].tokens.p50 > 0


def test_leaky_release_is_caught(tmp_path):
    report = audit_release(_release(tmp_path / "leaky", leaky=True), progress=False)
    every = report.groups["all"]
    assert every.positions.counts == [0, 8, 0, 0] and every.positions.p_value < 0.001
    assert every.gold_title_in_context.share == 1.0
    assert every.surface_name_match.share == 1.0
    assert every.gold_cited_elsewhere.share == 1.0
    assert report.groups["hard"].hidden_title_revealed.share == 1.0
    assert every.lexical_accuracy.share == 1.0  # "WidgetNet stacked" is the gold's vocabulary
    # the evidence names the words that made BM25 pick the gold, one entry per mask it got right
    assert len(report.lexical_evidence) == 8
    assert all({"stacked", "widgetnet"} & {t for t, _ in e.terms} for e in report.lexical_evidence)
    assert any("widgetnet" in e for e in report.examples["surface_name_match"])


@pytest.fixture
def imported(reference_dir, tmp_path) -> Path:
    src = reference_dir / "scalar-release"
    if not (src / "data" / "test_data").is_dir():
        pytest.skip("the original release sample is absent")
    import_reference(src, tmp_path / "rel", progress=False)
    return tmp_path / "rel"


def test_audit_finds_the_original_problems(imported):
    report = audit_release(imported, progress=False)
    easy, medium, hard, every = (report.groups[k] for k in ("easy", "medium", "hard", "all"))
    assert (easy.n_questions, medium.n_questions, hard.n_questions) == (5, 4, 3)
    # Easy is a name-matching task: "Dopamine library (MASK)" with "Dopamine: A Research Framework…".
    assert easy.surface_name_match.hits >= 3
    assert medium.surface_name_match.hits == 0 and hard.surface_name_match.hits == 0
    # The hard set hides titles, but the ar5iv residue in the gold bodies spells them out.
    assert hard.hidden_title_revealed.n == 3 and hard.hidden_title_revealed.hits >= 2
    assert every.candidate_residue.share > 0.9
    # Only one occurrence was masked; others of the same reference stay visible.
    assert report.papers_available == 3 and every.gold_cited_elsewhere.hits >= 3
    assert every.lexical_accuracy.share > every.chance
    assert 40_000 < every.tokens.p50 < 70_000


def test_render_and_json_cli(imported, capsys):
    report = audit_release(imported, progress=False)
    render_report(report)
    out = capsys.readouterr().out
    assert "BM25 baseline accuracy" in out and "hard" in out
    r = subprocess.run([sys.executable, "-m", "scalar", "audit", "--data", str(imported), "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["groups"]["easy"]["surface_name_match"]["share"] == report.groups["easy"].surface_name_match.share
    assert data["n_questions"] == 12


def test_audit_of_authored_original_import(tmp_path):
    src = make_original_release(tmp_path / "orig")
    import_reference(src, tmp_path / "rel", progress=False)
    report = audit_release(tmp_path / "rel", progress=False)
    assert report.groups["easy"].surface_name_match.hits == 1  # "WidgetNet (MASK)"
    assert report.groups["hard"].hidden_title_revealed.hits == 1  # residue in the gold body
    assert report.groups["hard"].gold_cited_elsewhere.hits == 1  # "Alpha et al. ( [2019]" still visible


def test_missing_release_exit_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "scalar", "audit", "--data", str(tmp_path / "none")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_regenerated_release_has_the_leaks_fixed(reference_dir, tmp_path):
    src = reference_dir / "scalar-release"
    if not (src / "data" / "paper_obj_anno").is_dir():
        pytest.skip("the original release sample is absent")
    import_reference(src, tmp_path / "orig", progress=False)
    # balanced, not the robust default: on these 3 papers robust keeps a single question, too few
    # to show the leak checks at work (both modes share every leak fix)
    import_reference(src, tmp_path / "regen", regenerate=True, progress=False, generation={"distractors": "balanced"})
    before = audit_release(tmp_path / "orig", progress=False).groups["all"]
    after = audit_release(tmp_path / "regen", progress=False).groups["all"]
    assert after.gold_title_in_context.hits == 0
    assert after.gold_cited_elsewhere.n > 0 and after.gold_cited_elsewhere.hits == 0
    assert after.hidden_title_revealed.n > 0 and after.hidden_title_revealed.hits == 0
    assert after.candidate_residue.hits == 0
    assert before.gold_cited_elsewhere.share > 0.3 and before.hidden_title_revealed.share > 0.5
    assert before.surface_name_match.hits >= 5 and after.surface_name_match.hits == 0  # one rule, both sides
    assert after.positions.p_value > 0.5  # positions balanced by construction


@pytest.mark.parametrize("before, titles, gold, expected", [
    ("three detectors: Faster R-CNN [35] and YOLO v3 \\[ ", ["Libra r-cnn", "Up-detr", "Dab-detr", "Yolov3: An incremental improvement."], 3, True),
    ("the same Dopamine library (", ["Dopamine: A Research Framework for Deep RL.", "Layer normalization."], 0, True),
    ("set to the GeLU function (", ["Layer normalization.", "Gaussian error linear units (gelus)."], 1, True),
    ("data contamination. Recent work (", ["Are we on the right way?", "Recent advances in RL"], 1, False),
    ("image processing (", ["An image is worth 16x16 words", "Layer normalization."], 0, False),
    # the name is in the gold's title but also in a distractor's: string matching cannot decide
    ("we use the GPT-4 model (", ["Gpt-4 technical report.", "GPT-4V(ision) system card"], 0, False),
])
def test_surface_name_rule(before, titles, gold, expected):
    from scalar.generate._leak_checks import surface_name_hit

    assert bool(surface_name_hit(before + MASK + ") and more.", MASK, titles, gold)) is expected


def test_no_uniform_position_test_across_questions_with_different_candidate_counts(tmp_path):
    from _synth_papers import random_citing_paper

    from scalar.generate.questions import GenerationConfig, generate_questions
    from scalar.generate.write import write_release
    from scalar.release import load_release

    papers = [random_citing_paper(i, n_refs=20, sections=3, paragraphs=5, words=140, cited_sections=2,
                                  cited_words=150) for i in range(6)]
    config = GenerationConfig()
    write_release(tmp_path / "rel", venue="test", result=generate_questions(papers, config), papers=papers,
                  config=config)
    assert len({len(q.candidates) for q in load_release(tmp_path / "rel")[1]}) > 1
    report = audit_release(tmp_path / "rel", progress=False)
    assert report.groups["medium"].n_candidates == 4 and report.groups["medium"].positions.p_value > 0.5
    # cloze questions have 2 distractors plus 2-4 masked works: slot 5 exists only in some of them
    assert report.groups["all"].n_candidates is None and report.groups["all"].positions.p_value is None
