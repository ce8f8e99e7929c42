"""Cloze task: [MASK_1], [MASK_2]... in one paragraph; the answer maps each mask to a candidate."""

from __future__ import annotations

import re

import pytest
from _synth_papers import random_citing_paper, small_citing_paper

from scalar.generate.questions import MASK, GenerationConfig, generate_questions


@pytest.fixture(scope="module")
def cloze():
    # 20 references, 10 with full text: paragraphs often cite two usable works of one type
    papers = [random_citing_paper(i, n_refs=20, sections=3, paragraphs=5, words=140, cited_sections=2,
                                  cited_words=150) for i in range(6)]
    # the original rules: the test below reads citations of other works as the paper writes them
    return papers, generate_questions(papers, GenerationConfig(tasks=["cloze"], distractors="original"))


def _paragraphs(cp):
    return {p.text for s in cp.paper.sections for p in s.paragraphs}


def test_cloze_answers_map_each_mask_to_its_reference(cloze):
    papers, result = cloze
    by_id = {cp.paper.arxiv_id + "v1": cp for cp in papers}
    assert len(result.questions) >= 5
    for q in result.questions:
        assert q.task == "cloze" and MASK not in q.context
        n = len(q.answer)
        assert n >= 2 and len(q.gold_key) == n and len(set(q.gold_key)) == n
        assert len(set(q.answer)) == n
        assert len(q.candidates) == n + 2  # the masked references plus two distractors
        for i, a in enumerate(q.answer):
            assert q.candidates[a].key == q.gold_key[i]
        # putting each answer's citation number back where its mask is restores the paper's
        # paragraph, and the masks of the question's paragraph are numbered in reading order
        assert any(_restores(p, q, _paragraphs(by_id[q.paper])) for p in q.context.split("\n\n")), q.id


def _restores(paragraph: str, q, originals: set[str]) -> bool:
    n = len(q.answer)
    if not all(f"[MASK_{i}]" in paragraph for i in range(1, n + 1)):
        return False
    labels = list(dict.fromkeys(int(m) for m in re.findall(r"\[MASK_(\d+)\]", paragraph)))
    restored = paragraph
    for i, a in enumerate(q.answer, 1):
        restored = restored.replace(f"[MASK_{i}]", q.candidates[a].key.removeprefix("bib.bib"))
    return labels == list(range(1, n + 1)) and restored in originals


def test_cloze_masks_every_occurrence_of_each_masked_reference(cloze):
    papers, result = cloze
    for q in result.questions:
        for key in q.gold_key:
            n = key.removeprefix("bib.bib")
            assert not re.search(rf"[\[ ]{n}[\],]", q.context), (key, q.id)


def test_cloze_difficulties_follow_the_mcq_rules():
    result = generate_questions([small_citing_paper()], GenerationConfig(tasks=["cloze"]))
    assert result.questions
    for q in result.questions:
        assert q.difficulty in ("medium", "hard")  # the paper has no paragraph of attributional citations only
        if q.difficulty == "hard":
            assert all("INTRO-" not in c.text and "ABSTRACT-" not in c.text for c in q.candidates)
        else:
            assert all(c.text.startswith(c.title) for c in q.candidates)


def _mask_types(q) -> set[tuple[str, ...]]:
    """The type of each mask of a synthetic cloze question at its first appearance, read off the
    text (random papers cite a named work as "with FlowNet3 [3]", a claim as "... sentence [3]"), for
    every paragraph that could be the question's own: all masks present, first seen in label order."""
    out = set()
    n = len(q.answer)
    for para in q.context.split("\n\n"):
        labels = list(dict.fromkeys(int(m) for m in re.findall(r"\[MASK_(\d+)\]", para)))
        if labels != list(range(1, n + 1)):
            continue
        types = []
        for i in range(n):
            before = re.findall(r"[A-Za-z]\w*", para[:para.index(f"[MASK_{i + 1}]")])[-1]
            types.append("attributional" if re.fullmatch(r"[A-Z][a-z]+[A-Z]\w*\d+", before) else "descriptive")
        out.add(tuple(types))
    return out


def test_cloze_difficulty_and_type_follow_the_final_masks(cloze):
    papers, result = cloze
    assert {q.difficulty for q in result.questions} >= {"easy", "medium", "hard"}
    for q in result.questions:
        assert q.citation_type == ("attributional" if q.difficulty == "easy" else "descriptive"), q.id
        assert (q.citation_type,) * len(q.answer) in _mask_types(q), q.id
    assert result.stats["cloze_masks_dropped_surface_match"] > 0  # masks were dropped, types still hold
