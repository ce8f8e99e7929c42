"""One surface-name rule: what the generator rejects is exactly what `scalar audit` flags."""

from __future__ import annotations

import pytest
from _synth_papers import para, random_citing_paper, small_citing_paper

from scalar.generate import _leak_checks as checks
from scalar.generate.questions import MASK, GenerationConfig, generate_questions
from scalar.schema import CitingPaper, Section


def _with_paragraph(cp: CitingPaper, text: str) -> CitingPaper:
    """``cp`` with its experiments paragraph on YOLOv3 replaced by ``text``."""
    sections = []
    for s in cp.paper.sections:
        paras = [para(text) if "YOLOv3 [3]" in p.text and not s.appendix else p for p in s.paragraphs]
        sections.append(Section(title=s.title, paragraphs=paras, appendix=s.appendix))
    return CitingPaper(paper=cp.paper.model_copy(update={"sections": sections}), cited=cp.cited,
                       first_public_date=cp.first_public_date)


def _audit_hits(q) -> list[str]:
    titles = [c.title for c in q.candidates]
    if q.task == "mcq":
        return checks.surface_name_hit(q.context, MASK, titles, q.answer)
    return [h for i, a in enumerate(q.answer)
            for h in checks.surface_name_hit(q.context, f"[MASK_{i + 1}]", titles, a)]


@pytest.mark.parametrize("sentence", [
    "We evaluate three detectors: our model, a baseline, and YOLO v3 {3} on the same data.",  # joined name
    "We evaluate three detectors: our model, a baseline, and the YOLOv3s {3} on the same data.",  # plural
    "We compare with {3}, whose YOLOv3 detector is fast.",  # the name right after the citation
])
def test_a_name_the_audit_matches_is_rejected_by_the_generator(sentence):
    cp = _with_paragraph(small_citing_paper(), sentence)
    result = generate_questions([cp], GenerationConfig(tasks=["mcq"], difficulties=["easy", "medium"]))
    assert "bib.bib3" not in {q.gold_key for q in result.questions}
    assert result.rejected["surface_name_match"] >= 1
    assert all(not _audit_hits(q) for q in result.questions)


def test_generator_rejects_exactly_the_questions_the_audit_flags():
    papers = [random_citing_paper(i, sections=3, paragraphs=5, words=140, cited_sections=2, cited_words=150)
              for i in range(6)]
    papers.append(_with_paragraph(small_citing_paper(), "Detectors: ours and YOLO v3 {3} on the same data."))
    config = {"tasks": ["mcq"], "distractors": "original"}  # balanced sets differ once a question goes
    unfiltered = generate_questions(papers, GenerationConfig(**config, reject_surface_matches=False))
    filtered = generate_questions(papers, GenerationConfig(**config))
    flagged = {q.id for q in unfiltered.questions if _audit_hits(q)}
    assert flagged  # the synthetic papers name even-numbered works in their titles
    assert {q.id for q in filtered.questions} == {q.id for q in unfiltered.questions} - flagged
    assert filtered.rejected["surface_name_match"] == len(flagged)


def test_cloze_keeps_no_mask_the_audit_flags():
    papers = [random_citing_paper(i, sections=3, paragraphs=5, words=140, cited_sections=2, cited_words=150)
              for i in range(6)]
    result = generate_questions(papers, GenerationConfig(tasks=["cloze"]))
    assert result.questions
    assert all(not _audit_hits(q) for q in result.questions)
    assert result.stats["cloze_masks_dropped_surface_match"] > 0


TITLES = ["Dopamine: A Research Framework for Deep RL", "Layer normalization", "Masked autoencoders are scalable",
          "Gaussian error linear units (GELUs)"]


@pytest.mark.parametrize("context, mask, gold, expected", [
    ("We train with the Dopamine library (MASK) on Atari.", "MASK", 0, ["dopamine"]),
    ("We train on Atari (MASK), using the Dopamine library.", "MASK", 0, ["dopamine"]),  # after the mask
    ("Agents come from Dopamine. We train them on Atari (MASK).", "MASK", 0, []),  # previous sentence
    ("## 3 Dopamine agents\n\n(MASK) trains agents on Atari.", "MASK", 0, []),  # a heading is another paragraph
    ("Dopamine (MASK) trains agents.", "MASK", 0, ["dopamine"]),  # a name may open the sentence
    ("Each block applies layer normalization (MASK) first.", "MASK", 1, ["layer normalization"]),
    ("Patches are masked [MASK_1] and restored [MASK_2].", "[MASK_2]", 2, []),  # mask labels are not names
    ("Set to the GeLU function [MASK_2]; see [MASK_1].", "[MASK_2]", 3, ["gelu"]),
    ("We follow [TITLE] (MASK) here.", "MASK", 0, []),  # the redaction marker is not a name
])
def test_neighbourhood_rule_cases(context, mask, gold, expected):
    assert checks.surface_name_hit(context, mask, TITLES, gold) == expected


def test_every_occurrence_of_the_mask_is_checked():
    context = "Atari agents (MASK) are strong.\n\nLater, the Dopamine framework (MASK) is reused."
    assert checks.surface_name_hit(context, "MASK", TITLES, 0) == ["dopamine"]
