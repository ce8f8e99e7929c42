"""Parsed papers wait on disk during a build: the crawl keeps no Paper object alive, the citing
papers come back one at a time, equal to what the crawl parsed, and the scratch store is removed."""

from __future__ import annotations

import gc

import pytest

from scalar._util.progress import StageProgress
from scalar.crawl.pipeline import Crawl, open_cache
from scalar.crawl.store import MemoryPaperStore, PaperStore
from scalar.crawl.venues import get_venue
from scalar.schema import Paper
from scalar.sources.http import make_session


def _crawl(store):
    v = get_venue("sample")
    with open_cache(v, None, True) as (db, mode):
        session = make_session(db, mode)
        with StageProgress(enabled=False) as bars:
            crawl = Crawl(v, session, bars, since=None, limit=None, store=store)
            citing = crawl.run()
        return crawl, citing


def _live_papers() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Paper))


def test_the_crawl_keeps_no_parsed_paper_in_memory(tmp_path):
    baseline = _live_papers()
    with PaperStore(dir=tmp_path) as store:
        crawl, citing = _crawl(store)
        assert len(citing) == 11 and len(store) >= 11 + 5  # citing papers and cited works
        assert _live_papers() - baseline == 0
        # loaded on access, one at a time, never cached by the sequence
        first, again = citing[0], citing[0]
        assert first == again and first is not again
        del first, again
        peak = 0
        for cp in citing:
            assert cp.cited and cp.paper.arxiv_id
            peak = max(peak, _live_papers() - baseline)
        assert peak == max(1 + len(cp.cited) for cp in citing)  # one citing paper at a time
        del cp
        assert _live_papers() - baseline == 0
    with_memory = MemoryPaperStore()
    _crawl(with_memory)
    assert _live_papers() - baseline >= len(with_memory)  # the old way: every parsed paper alive


def test_stored_papers_equal_the_parsed_ones(tmp_path):
    with PaperStore(dir=tmp_path) as disk:
        _, from_disk = _crawl(disk)
        _, from_memory = _crawl(MemoryPaperStore())
        assert list(from_disk) == list(from_memory)
        assert from_disk[1:3] == from_memory[1:3]


def test_the_scratch_store_is_removed_after_a_build(tmp_path):
    from scalar.crawl.replay import import_jsonl
    from scalar.generate.venue_release import run_build

    db = tmp_path / "cache" / "http.sqlite"
    import_jsonl(get_venue("sample").default_cache, db)
    run_build("sample", tmp_path / "rel", offline=True, cache=db, progress=False)
    assert sorted(p.name for p in db.parent.iterdir() if not p.name.startswith("http.sqlite")) == []


def test_a_missing_key_is_a_key_error(tmp_path):
    with PaperStore(dir=tmp_path) as store:
        with pytest.raises(KeyError):
            store.get("citing:nothing")
