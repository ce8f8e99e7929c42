"""A question is about a citation in running text; captions, tables, footnotes and headings only
ever hold the other, masked occurrences of its gold."""

from __future__ import annotations

import pytest
from _synth_papers import random_citing_paper

from scalar.generate.questions import MASK, GenerationConfig, generate_questions
from scalar.schema import CitingPaper, Section


def _with_non_prose_section(i: int, kind: str) -> CitingPaper:
    """A random paper whose second section holds only non-prose paragraphs of ``kind``."""
    cp = random_citing_paper(i, n_refs=20, sections=3, paragraphs=5, words=140, cited_sections=2, cited_words=150)
    sections = list(cp.paper.sections)
    s = sections[1]
    sections[1] = Section(title=s.title, appendix=s.appendix,
                          paragraphs=[p.model_copy(update={"kind": kind}) for p in s.paragraphs])
    return CitingPaper(paper=cp.paper.model_copy(update={"sections": sections}), cited=cp.cited,
                       first_public_date=cp.first_public_date)


@pytest.mark.parametrize("kind", ["caption", "table", "footnote"])
def test_the_masked_occurrence_a_question_is_about_is_in_running_text(kind):
    papers = [_with_non_prose_section(i, kind) for i in range(4)]
    result = generate_questions(papers, GenerationConfig())
    assert {q.task for q in result.questions} == {"mcq", "cloze"}
    non_prose = {p.sections[1].title for p in (cp.paper for cp in papers)}
    assert all(q.section not in non_prose for q in result.questions)
    # golds cited in the non-prose section are still masked there
    masked_there = 0
    for q in result.questions:
        cp = next(cp for cp in papers if q.paper.startswith(cp.paper.arxiv_id))
        part = q.context.split("## " + cp.paper.sections[1].title, 1)[1].split("\n## ", 1)[0]
        masked_there += MASK in part or "[MASK_" in part
    assert masked_there > 0
