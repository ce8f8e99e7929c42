"""Streaming generation (``plan_questions`` -> ``stream_release``, what `scalar build` and
`import-reference --regenerate` use) writes the very bytes of the in-memory path
(``generate_questions`` -> ``write_release``), and holds no paper's preparation between papers."""

from __future__ import annotations

import gc
import weakref
from datetime import date

import pytest
from _synth_papers import random_citing_paper, small_citing_paper

from scalar.generate import questions as questions_mod
from scalar.generate._spool import QuestionSpool
from scalar.generate.questions import (
    GenerationConfig,
    generate_questions,
    plan_questions,
    question_sort_key,
)
from scalar.generate.write import stream_release, write_release
from scalar.schema import CitingPaper

BUILD_DATE = date(2026, 1, 1)


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".scalar-owned.json"}


def _in_memory(papers, config, out, **kw):
    result = generate_questions(papers, config)
    return write_release(out, venue="v", result=result, papers=list(papers), config=config,
                         build_date=BUILD_DATE, **kw)


def _streamed(papers, config, out, **kw):
    return stream_release(out, venue="v", plan=plan_questions(papers, config), build_date=BUILD_DATE, **kw)


class _LoadOnAccess:
    """A sequence that builds each paper when asked and keeps none (like the crawl's store)."""

    def __init__(self, makers):
        self.makers = makers
        self.loads = 0

    def __len__(self):
        return len(self.makers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        self.loads += 1
        return self.makers[i]()


def _makers():
    small = {"sections": 2, "paragraphs": 4, "words": 120, "cited_sections": 2, "cited_words": 150}
    return [
        lambda: small_citing_paper(),
        *[(lambda i=i: random_citing_paper(i, **small)) for i in range(1, 4)],
        # long paragraphs: no question of it fits a 1,200-token budget
        lambda: random_citing_paper(9, **{**small, "paragraphs": 3, "words": 600}),
        # the first paper again, other content: one version is kept, chosen by content
        lambda: small_citing_paper(cited_words=80),
    ]


@pytest.mark.parametrize("options", [
    {"distractors": "original"},
    {"distractors": "original", "context_budgets": [1200, 8000], "tasks": ["mcq", "cloze"]},
    {"distractors": "balanced", "context_budgets": [8000]},
], ids=["original", "budgets", "balanced"])
def test_streaming_gives_the_bytes_of_the_in_memory_path_on_synthetic_papers(tmp_path, options):
    config = GenerationConfig(seed=3, **options)
    lazy = _LoadOnAccess(_makers())
    streamed = _streamed(lazy, config, tmp_path / "s", skipped={"no_html": 1}, notes={"x": 1})
    memory = _in_memory([m() for m in _makers()], config, tmp_path / "m", skipped={"no_html": 1}, notes={"x": 1})
    assert streamed == memory
    assert _files(tmp_path / "s") == _files(tmp_path / "m")
    assert streamed.n_questions > 0
    assert streamed.rejected.get("duplicate_paper") == 1
    if "context_budgets" in options and min(options["context_budgets"]) < 2000:
        assert streamed.rejected.get("budget_too_small", 0) > 0  # the early budget check ran
    assert lazy.loads == len(lazy) + 1  # each paper read once (+ a duplicate's comparison)


def test_streaming_gives_the_bytes_of_the_in_memory_path_on_the_sample_venue(tmp_path, monkeypatch):
    from scalar.generate import venue_release

    captured = {}
    real_plan = venue_release.plan_questions

    def spy(papers, config, progress=None, **kwargs):
        captured["papers"], captured["config"] = list(papers), config  # the crawl's store-backed sequence
        return real_plan(papers, config, progress, **kwargs)

    monkeypatch.setattr(venue_release, "plan_questions", spy)
    built = venue_release.run_build("sample", tmp_path / "b", offline=True, progress=False,
                                    generation={"distractors": "original"})
    papers, config = captured["papers"], captured["config"]
    assert all(isinstance(cp, CitingPaper) for cp in papers) and len(papers) > 5
    memory = _in_memory(papers, config, tmp_path / "m")
    streamed = _streamed(papers, config, tmp_path / "s")
    assert _files(tmp_path / "s") == _files(tmp_path / "m")
    assert streamed == memory
    assert (tmp_path / "b" / "questions.jsonl").read_bytes() == (tmp_path / "m" / "questions.jsonl").read_bytes()
    assert built.questions_sha256 == memory.questions_sha256


def test_no_paper_preparation_outlives_its_paper(monkeypatch, tmp_path):
    """Memory is flat by construction: when a paper's turn ends (drafting or rendering), nothing
    holds its preparation (its text, cited texts, views, term counts), and drafts carry no ``prep``."""
    made: list[weakref.ref] = []

    def track(prep):
        gc.collect()
        alive = [r for r in made if r() is not None]
        assert not alive, f"{len(alive)} earlier paper(s) still in memory when the next one starts"
        made.append(weakref.ref(prep))
        return prep

    real_prepare, real_take = questions_mod.prepare_paper, questions_mod.QuestionPlan._take
    monkeypatch.setattr(questions_mod, "prepare_paper", lambda *a, **k: track(real_prepare(*a, **k)))
    monkeypatch.setattr(questions_mod.QuestionPlan, "_take", lambda self, i: track(real_take(self, i)))
    config = GenerationConfig(seed=1, distractors="balanced", context_budgets=[8000], tasks=["mcq", "cloze"])
    lazy = _LoadOnAccess(_makers())
    plan = plan_questions(lazy, config, scratch_dir=tmp_path)
    gc.collect()
    assert len(made) == len(lazy) and all(r() is None for r in made)
    drafts = [d for p in plan.kept.values() for d in p.drafts]
    assert drafts and all(d.prep is None for d in drafts)
    assert not plan.counter._counts and not plan.counter._ids  # no text kept by the token cache
    assert len(list(tmp_path.iterdir())) == 1  # the preparations wait in the plan's scratch folder
    n = 0
    for q in plan.render():  # phase 3: one paper's preparation at a time again
        n += 1
        assert q.candidates
    gc.collect()
    assert n > 0 and len(made) == len(lazy) + plan.papers_to_render()
    assert all(r() is None for r in made)
    assert all(d.prep is None for d in drafts)
    assert list(tmp_path.iterdir()) == []  # the scratch folder is removed after rendering
    assert lazy.loads == len(lazy) + 1  # each paper read once (+ a duplicate's comparison)
    with pytest.raises(RuntimeError, match="renders once"):
        next(plan.render())


def test_the_plan_is_what_generate_questions_returns():
    config = GenerationConfig(seed=2, distractors="original")
    papers = [m() for m in _makers()]
    with plan_questions(papers, config) as plan:
        questions = sorted(plan.render(), key=question_sort_key)
        got = plan.result(questions)
    want = generate_questions(iter(papers), config)  # a one-shot iterable is accepted too
    assert got.questions == want.questions and got.rejected == want.rejected
    assert {k: v for k, v in got.stats.items() if k != "seconds"} == \
        {k: v for k, v in want.stats.items() if k != "seconds"}
    assert list(got.stats) == list(want.stats)  # key order: the manifest's notes follow it


def test_the_spool_gives_questions_back_in_sort_key_order(tmp_path):
    config = GenerationConfig(seed=0, distractors="original", context_budgets=[4000, 8000], tasks=["mcq", "cloze"])
    questions = generate_questions([m() for m in _makers()[:3]], config).questions
    shuffled = list(reversed(questions))
    # equal keys keep the order they were added in, as a stable sort does
    twin = shuffled[0].model_copy(update={"context_tokens": 1})
    shuffled.insert(5, twin)
    with QuestionSpool(dir=tmp_path) as spool:
        for q in shuffled:
            spool.add(q)
        assert len(spool) == len(shuffled)
        assert list(spool.sorted()) == sorted(shuffled, key=question_sort_key)
    assert list(tmp_path.iterdir()) == []  # the scratch folder is gone


def test_the_spool_orders_text_as_python_does(tmp_path):
    base = generate_questions([small_citing_paper()], GenerationConfig(distractors="original")).questions[0]
    labels = ["b", "a", "Z", "é", "ä", "\U0001d400", "aa", "a-", "中"]
    qs = [base.model_copy(update={"paper": p, "id": f"q{i}"}) for i, p in enumerate(labels)]
    with QuestionSpool(dir=tmp_path) as spool:
        for q in qs:
            spool.add(q)
        assert [q.paper for q in spool.sorted()] == sorted(labels)
