"""One manifest builder: counts zero-filled, token statistics and cutoffs computed the same way for a
built release and an imported one."""

from __future__ import annotations

from datetime import date

import pytest
from _release_records import question

from scalar.release import ManifestInfo, build_manifest, count_questions, flat_notes, token_stats
from scalar.schema import DIFFICULTIES, TASKS


def test_counts_list_every_difficulty_and_task():
    counts = count_questions([question(1), question(2), question(3, difficulty="hard", task="cloze")])
    assert list(counts) == list(DIFFICULTIES)
    assert all(list(by_task) == list(TASKS) for by_task in counts.values())
    assert counts["easy"]["mcq"] == 2 and counts["hard"]["cloze"] == 1
    assert sum(n for by_task in counts.values() for n in by_task.values()) == 3
    assert count_questions([]) == {d: dict.fromkeys(TASKS, 0) for d in DIFFICULTIES}


def test_token_stats():
    s = token_stats([1, 2, 3, 4])
    assert (s.n, s.mean, s.p50, s.max, s.min) == (4, 2.5, 2.5, 4, 1)
    assert s.p90 == pytest.approx(3.7)
    assert token_stats([1000, 1001, 1001]).mean == 1000.7  # rounded to 0.1
    assert token_stats([]).n == 0


def test_notes_are_flattened():
    assert flat_notes({"a": {"b": 1, "c": {"d": None}}, "e": date(2024, 1, 2), "f": "x"}) == \
        {"a.b": 1, "a.c.d": None, "e": "2024-01-02", "f": "x"}


def test_derived_fields_and_defaults():
    qs = [question(1, first_public=date(2024, 5, 1), tokens=10), question(2, first_public=date(2024, 3, 1)),
          question(3, paper="2410.00001v1")]
    info = ManifestInfo(venue="v", generator_version="g", seed=7, skipped={"z": 1, "a": 2})
    m = build_manifest(info, qs, "ab" * 32)
    assert m.release_id == "v-" + "ab" * 6 and m.build_date is not None and m.seed == 7
    assert m.source_cutoff == {"earliest": date(2024, 3, 1), "latest": date(2024, 10, 4)}
    assert m.n_questions == 3 and m.n_papers == 2  # questions 1 and 3 share a paper
    assert list(m.skipped) == ["a", "z"]  # sorted: the manifest does not depend on crawl order
    with_papers = build_manifest(info.model_copy(update={"paper_dates": [date(2023, 1, 1)]}), qs, "ab" * 32)
    assert with_papers.source_cutoff == {"earliest": date(2023, 1, 1), "latest": date(2023, 1, 1)}


def test_build_and_import_describe_their_releases_the_same_way(tmp_path):
    """A built release and an imported one: counts zero-filled over the same grid, token stats and
    cutoffs recomputable from the questions by the one builder."""
    from _original_release_fixture import make_original_release
    from _synth_papers import small_citing_paper

    from scalar.generate.questions import GenerationConfig, generate_questions
    from scalar.generate.write import write_release
    from scalar.reference.importer import import_reference
    from scalar.release import load_release

    config = GenerationConfig(tasks=["mcq"])
    paper = small_citing_paper()
    write_release(tmp_path / "built", venue="sample", result=generate_questions([paper], config), papers=[paper],
                  config=config)
    import_reference(make_original_release(tmp_path / "orig"), tmp_path / "imported", progress=False)
    for folder in ("built", "imported"):
        m, qs = load_release(tmp_path / folder)
        assert m.counts == count_questions(qs), folder
        assert {(d, t) for d, by in m.counts.items() for t in by} == {(d, t) for d in DIFFICULTIES for t in TASKS}
        assert m.token_stats == token_stats([q.context_tokens for q in qs])
        assert m.n_papers == len({q.paper for q in qs})
        assert m.release_id == f"{m.venue}-{m.questions_sha256[:12]}"
    built, imported = load_release(tmp_path / "built")[0], load_release(tmp_path / "imported")[0]
    assert built.counts["hard"]["cloze"] == 0 == imported.counts["hard"]["cloze"]  # present, zero, in both
