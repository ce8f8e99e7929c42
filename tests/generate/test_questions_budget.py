"""Length control: --context-tokens budgets, counted with the o200k encoding."""

from __future__ import annotations

import pytest
from _synth_papers import random_citing_paper, small_citing_paper

from scalar._util.tokens import count_tokens
from scalar.generate.context import CUT_MARK
from scalar.generate.questions import MASK, GenerationConfig, generate_questions

BUDGETS = [3000, 6000, 12000, 64000]


@pytest.fixture(scope="module")
def budgeted():
    cp = random_citing_paper(1, sections=4, paragraphs=6, words=140, cited_sections=4, cited_words=900)
    full = generate_questions([cp], GenerationConfig(tasks=["mcq", "cloze"]))
    cut = generate_questions([cp], GenerationConfig(tasks=["mcq", "cloze"], context_budgets=BUDGETS))
    return cp, full, cut


def test_every_budget_is_respected_and_the_count_is_exact(budgeted):
    _, full, cut = budgeted
    config = GenerationConfig()
    assert {q.context_budget for q in cut.questions} == set(BUDGETS)
    for q in cut.questions:
        exact = count_tokens(q.context) + sum(count_tokens(c.text) for c in q.candidates)
        assert q.context_tokens == exact
        overhead = config.instruction_tokens + config.candidate_overhead_tokens * len(q.candidates)
        assert q.context_tokens + overhead <= q.context_budget
    for q in full.questions:
        assert q.context_budget is None
        assert q.context_tokens == count_tokens(q.context) + sum(count_tokens(c.text) for c in q.candidates)


def test_trimming_keeps_title_abstract_mask_paragraph_and_every_candidate(budgeted):
    cp, full, cut = budgeted
    originals = {(q.paper, q.task, q.difficulty, str(q.gold_key), q.section): q for q in full.questions}
    header = cp.paper.title + "\n\nAbstract: " + cp.paper.abstract
    small = [q for q in cut.questions if q.context_budget == 3000]
    assert small
    for q in small:
        base = originals[(q.paper, q.task, q.difficulty, str(q.gold_key), q.section)]
        assert q.context.startswith(header)
        mask = MASK if q.task == "mcq" else "[MASK_1]"
        assert mask in q.context
        # the paragraph that holds the question's mask is kept whole
        mask_paragraphs = [p for p in base.context.split("\n\n") if mask in p]
        assert any(p in q.context for p in mask_paragraphs)
        assert len(q.context) < len(base.context)
        assert [c.key for c in q.candidates] == [c.key for c in base.candidates]
        assert q.answer == base.answer
        for c, b in zip(q.candidates, base.candidates):
            assert c.text.endswith(CUT_MARK)
            head = c.text[: -len(CUT_MARK)].rstrip()
            assert b.text.startswith(head) and len(head) > 100  # cut from the end, start kept


def test_paper_paragraphs_farthest_from_the_mask_go_first(budgeted):
    _, full, cut = budgeted
    originals = {(q.task, q.difficulty, str(q.gold_key), q.section): q for q in full.questions}
    mid = [q for q in cut.questions if q.context_budget == 12000 and q.task == "mcq"]
    checked = 0
    for q in mid:
        base = originals[(q.task, q.difficulty, str(q.gold_key), q.section)]
        paras = [p for p in base.context.split("\n\n")[2:] if not p.startswith("## ")]
        shown = set(q.context.split("\n\n"))
        kept = [i for i, p in enumerate(paras) if p in shown]
        dropped = [i for i in range(len(paras)) if i not in kept]
        if not dropped:
            continue
        # the question's own mask paragraph is one of the kept masked ones (every occurrence of the
        # gold is masked): around it, nothing dropped is closer than something kept
        anchors = [i for i in kept if MASK in paras[i]]
        assert any(min(abs(i - a) for i in dropped) >= max(abs(i - a) for i in kept) for a in anchors)
        checked += 1
    assert checked


def test_candidates_are_cut_in_proportion_only_after_the_paper():
    cp = small_citing_paper()  # bib9 is ~25k tokens, the others ~0.5k
    cut = generate_questions([cp], GenerationConfig(tasks=["mcq"], difficulties=["medium"], context_budgets=[6000]))
    q = next(q for q in cut.questions if any(c.key == "bib.bib9" for c in q.candidates))
    sizes = {c.key: count_tokens(c.text) for c in q.candidates}
    assert sizes["bib.bib9"] > 3 * max(v for k, v in sizes.items() if k != "bib.bib9")
    assert q.context.count("## ") == 1  # the paper was reduced to the mask paragraph first


def test_every_budget_holds_the_same_questions_with_balanced_positions():
    from collections import Counter

    papers = [random_citing_paper(i, sections=3, paragraphs=5, words=120, cited_sections=2, cited_words=400)
              for i in range(10)]
    budgets = [1000, 6000, 20000]
    result = generate_questions(papers, GenerationConfig(tasks=["mcq"], context_budgets=budgets))
    assert result.rejected.get("budget_too_small", 0) > 0  # some drafts do not fit 1,000 tokens
    sets = {b: {(q.paper, q.difficulty, q.gold_key, q.section, q.answer) for q in result.questions
                if q.context_budget == b} for b in budgets}
    assert sets[1000] == sets[6000] == sets[20000]
    for b in budgets:
        for difficulty in ("easy", "medium", "hard"):
            counts = Counter(q.answer for q in result.questions if q.context_budget == b and q.difficulty == difficulty)
            assert max(counts.values()) - min(counts.values()) <= 1, (b, difficulty, counts)


def test_a_budget_too_small_for_the_kept_parts_rejects_the_question_at_every_budget():
    cp = small_citing_paper()
    # the smallest budget allowed, with an instruction estimate that leaves no room beside the kept parts
    config = GenerationConfig(tasks=["mcq"], context_budgets=[1000, 50000], instruction_tokens=950)
    result = generate_questions([cp], config)
    assert result.questions == []
    assert result.rejected["budget_too_small"] > 0


def test_the_rendered_prompt_fits_the_budget(budgeted):
    """The instruction overhead estimate covers the built-in prompt templates, so the whole prompt a
    model receives stays within the budget."""
    prompting = pytest.importorskip("scalar.evaluate.prompting")
    templates = prompting.choose_templates(None)
    _, _, cut = budgeted
    for q in cut.questions:
        assert count_tokens(templates.for_task(q.task).render(q)) <= q.context_budget
