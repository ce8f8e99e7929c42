"""Shortcut scorers and balanced distractors (issue 10): the arithmetic BM25 ranks like bm25s,
the release-wide assignment balances rank 1 exactly, and on real papers every question's
recorded ranks are what the audit's scorers find, with no distractor cited next to the mask."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from scalar.generate import _leak_checks as checks
from scalar.generate.balance import balanced_assignment, cover_candidates, options, pool_relations, rank_one_first
from scalar.generate.lexical import masked_window, rank_candidates
from scalar.generate.questions import MASK, GenerationConfig, generate_questions
from scalar.generate.shortcuts import (
    TermCounts,
    bm25,
    candidate_scores,
    gold_rank,
    query_tokens,
    scorer_names,
    shortcut_ranks,
)


def _real_texts(reference_dir, n=4):
    files = sorted((reference_dir / "scalar-release" / "data" / "paper_obj_anno").glob("*.json"))
    if not files:
        pytest.skip("no original paper objects")
    from scalar.reference.importer import original_paper_to_citing

    cp = original_paper_to_citing(json.loads(files[0].read_text()))
    texts = [" ".join(p.text for s in paper.sections for p in s.paragraphs) for paper in cp.cited.values()]
    body = " ".join(p.text for s in cp.paper.sections for p in s.paragraphs)
    return body, [t for t in texts if t][:n]


def test_arithmetic_bm25_scores_like_bm25s_on_real_text(reference_dir):
    body, texts = _real_texts(reference_dir)
    words = body.split()
    for start in range(0, min(len(words) - 200, 4000), 500):
        context = " ".join(words[start:start + 60]) + f" {MASK} " + " ".join(words[start + 60:start + 120])
        for w in (10, 25, 50):
            ours = bm25(query_tokens(context, w), [TermCounts.of(t) for t in texts])
            theirs = rank_candidates(masked_window(context, MASK, w), texts)
            assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-6)


def test_gold_rank_counts_strictly_better_candidates_only():
    assert gold_rank([3.0, 1.0, 2.0, 0.5], 0) == 1
    assert gold_rank([1.0, 3.0, 2.0, 0.5], 0) == 3
    assert gold_rank([1.0, 1.0, 1.0, 1.0], 2) == 1  # a tie does not push the gold down
    assert scorer_names((10, 50), dense=True) == ["bm25_10", "bm25_50", "dense", "length"]


def test_balanced_assignment_is_exact_and_maximal():
    # 8 items; bucket 3 reachable by two only: at most 2 per bucket
    choices = {i: [0, 1, 2] for i in range(6)} | {6: [3, 0], 7: [3]}
    got = balanced_assignment(list(range(8)), choices, 4)
    counts = Counter(got.values())
    assert sorted(counts.values()) == [2, 2, 2, 2]
    assert all(got[i] in choices[i] for i in got)


def test_rank_one_first_gives_rank_one_a_quarter_and_keeps_the_rest():
    # most items can only be "gold on top" (the usual case): rank 1 must not take more than 1/4
    choices = {i: [0] for i in range(20)} | {i: [0, 1] for i in range(20, 26)} | {i: [2, 3] for i in range(26, 32)}
    got = rank_one_first(list(range(32)), choices, 4)
    counts = Counter(got.values())
    assert abs(4 * counts[0] - len(got)) <= 4
    assert len(got) >= 16  # 12 items can only be ranked lower: 12 lower + 4 on top at least
    assert all(got[i] in choices[i] for i in got)


def _ranker(tables: dict[str, dict[str, float]], gold: str):
    """check(chosen) for ``balance.options`` from fixed score tables (scorer -> work -> score)."""
    def check(chosen):
        return {name: 1 + sum(t[w] > t[gold] for w in chosen) for name, t in tables.items()}
    return check


def test_a_cover_ranks_the_gold_below_the_top_when_no_work_beats_it_everywhere():
    # no work beats the gold under both topical scorers (the usual real case that pure sets cannot
    # serve below the top); a beats it under bm25 only, b under dense only
    topical = {"bm25_10": {"g": 5, "a": 9, "b": 1, "c": 0, "d": 0, "e": 0},
               "dense": {"g": 0.5, "a": 0.1, "b": 0.9, "c": 0.0, "d": 0.0, "e": 0.1}}
    length = {"g": 10, "a": 20, "b": 5, "c": 4, "d": 3, "e": 2}
    pool = ["a", "b", "c", "d", "e"]
    above, below, longer = pool_relations("g", pool, topical, length)
    assert above == [] and below == ["c", "d", "e"]
    cover = cover_candidates("g", pool, topical, below)
    assert set(cover) == {"a", "b"}
    check = _ranker({**topical, "length": length}, "g")
    got = options("g", above, below, longer, 3, check, set(), cover)
    lower = {key: v for key, v in got.items() if key[0] > 0}
    assert lower, got
    for (_t, u), (chosen, ranks, _misses) in lower.items():
        assert {"a", "b"} <= set(chosen)  # both are needed: each scorer must see one work above the gold
        assert ranks["bm25_10"] >= 2 and ranks["dense"] >= 2 and ranks["length"] == u + 1
    # without covers only the gold-on-top target remains
    assert set(options("g", above, below, longer, 3, check, set())) == {(0, 0)}


def _load(reference_dir):
    files = sorted((reference_dir / "scalar-release" / "data" / "paper_obj_anno").glob("*.json"))
    if not files:
        pytest.skip("no original paper objects")
    from scalar.reference.importer import original_paper_to_citing

    return [original_paper_to_citing(json.loads(f.read_text())) for f in files]


def test_balanced_questions_record_the_ranks_the_audit_finds(reference_dir):
    papers = _load(reference_dir)
    result = generate_questions(papers, GenerationConfig(tasks=["mcq"], shortcut_model="none"))  # BM25 and length
    assert result.questions
    by_paper = {cp.paper.arxiv_id: cp for cp in papers}
    for q in result.questions:
        texts = [c.text for c in q.candidates]
        assert q.shortcut_ranks == shortcut_ranks(q.context, texts, q.answer)
        cp = by_paper[q.paper.split("v")[0]]
        rivals = {c.key for c in q.candidates} - {q.gold_key}
        keys_of = {}  # a distractor is a work: any of its keys cited with the gold counts
        for c in q.candidates:
            keys_of[c.key] = c.key
        in_sentence, _ = checks.cited_with(cp.paper, {q.gold_key}, rivals)
        assert not in_sentence, (q.id, in_sentence)
        # opaque markers: no author-year or numbered citation of another work is left visible
        assert "[REF-" in q.context
        for s in cp.paper.sections:
            if s.appendix:
                continue
            for p in s.paragraphs:
                for c in p.citations:
                    marker = p.text[c.start:c.end]
                    if re.search(r"[A-Za-z]{3,}.*\d{4}", marker) and len(marker) >= 12:
                        assert marker not in q.context, marker


def test_original_mode_keeps_the_original_rules(reference_dir):
    papers = _load(reference_dir)
    balanced = generate_questions(papers, GenerationConfig(tasks=["mcq"]))
    original = generate_questions(papers, GenerationConfig(tasks=["mcq"], distractors="original"))
    assert all(q.shortcut_ranks is None and "[REF-" not in q.context for q in original.questions)
    assert all(q.shortcut_ranks for q in balanced.questions)
    assert "shortcut_ranks" not in original.questions[0].model_dump_json()


def test_candidate_scores_name_every_scorer():
    ctx = f"we train a convolutional network on images {MASK} with dropout"
    texts = ["convolutional network images", "language model text", "graph", "a much longer text " * 20]
    got = candidate_scores(ctx, texts)
    assert list(got) == ["bm25_10", "bm25_25", "bm25_50", "length"]
    assert gold_rank(got["bm25_10"], 0) == 1 and gold_rank(got["length"], 3) == 1


def test_bad_generation_options_are_config_errors():
    from scalar.errors import ConfigError

    with pytest.raises(ConfigError, match="distractors"):
        GenerationConfig(distractors="random")
    with pytest.raises(ConfigError, match="window"):
        GenerationConfig(shortcut_windows=[0])
