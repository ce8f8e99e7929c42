"""`scalar build` end to end: the sample venue replayed offline, and record-mode builds against the
sample services (the live clients' real requests, answered by the `responses` library)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from original_build import ORIGINAL, run_build
from signals import sigint_default

from scalar.crawl.pipeline import (
    BEFORE_SINCE,
    FEW_FULLTEXT,
    FEW_RESOLVED,
    NO_ARXIV,
    NO_FULLTEXT,
    NOT_MAIN_TRACK,
)
from scalar.crawl.replay import export_jsonl, import_jsonl
from scalar.data import SAMPLE_CACHE, bundled_file
from scalar.release import load_release

SAMPLE = Path(__file__).resolve().parents[1] / "sample_venue"  # the sample services (test code)
BUNDLED = bundled_file(SAMPLE_CACHE)



@pytest.fixture(scope="module")
def services_mod():
    pytest.importorskip("yaml")
    pytest.importorskip("responses")
    if str(SAMPLE) not in sys.path:
        sys.path.insert(0, str(SAMPLE))
    import sample_services

    return sample_services


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "release"
    # the original distractor rules: these tests count crawled papers that yield questions, and
    # balanced distractors drop questions whose small synthetic pools cannot be balanced
    manifest = run_build("sample", out, offline=True, progress=False, generation=ORIGINAL)
    return out, manifest


def _record(services, out, cache, **kw):
    """A record-mode build against the sample services (no pacing: a fake clock)."""
    import responses

    from scalar.sources.http import FakeClock, RateLimits

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        services.register(rsps)
        return run_build("sample", out, offline=False, cache=cache, progress=False,
                         limits=RateLimits(clock=FakeClock()), **kw)


def _rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(str(db))
    try:
        return con.execute("SELECT key, url, status, body FROM responses ORDER BY key").fetchall()
    finally:
        con.close()


def _scalar(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scalar", *args], capture_output=True, text=True, cwd=cwd)


def _crawl(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "crawl.jsonl").read_text().splitlines()]


# ----------------------------------------------------------------------------- the sample venue


def test_sample_build_has_every_difficulty_and_counts_skips(sample_release):
    out, manifest = sample_release
    m, questions = load_release(out)  # validates the SHA-256 too
    assert m == manifest
    assert {q.difficulty for q in questions} == {"easy", "medium", "hard"}
    for diff in ("easy", "medium", "hard"):
        assert manifest.counts[diff]["mcq"] >= 5, manifest.counts
    assert manifest.n_papers == 11
    # one paper per skip reason, by construction of the synthetic venue
    assert manifest.skipped == {NO_FULLTEXT: 1, NO_ARXIV: 1, FEW_RESOLVED: 1, FEW_FULLTEXT: 1, NOT_MAIN_TRACK: 1}
    assert manifest.notes["cache_mode"] == "replay"
    assert manifest.notes["papers_listed"] == 16
    assert manifest.notes["citing_text_source.arxiv-html"] == 10
    assert manifest.notes["citing_text_source.pdf"] == 1  # a PDF-only submission
    # outside works predate arXiv's native HTML (Dec 2023): their text came from ar5iv
    assert manifest.notes["cited_text_source.ar5iv"] == 5
    assert manifest.venue == "sample"


def test_crawl_log_records_matches_dates_and_text_sources(sample_release):
    out, _ = sample_release
    rows = {r["title"]: r for r in _crawl(out)}
    assert len(rows) == 16
    blog = rows["Widgets, Explained: A Blog Post"]
    assert blog["skipped"] == NOT_MAIN_TRACK and blog["arxiv_id"] is None  # no request spent on it
    # retitled on OpenReview: accepted as a similar title with a shared author
    rwr = rows["Load Balancing as Online Learning for Sparse Towers"]
    assert rwr["match_method"] == "similar" and 0.9 <= rwr["match_score"] < 1.0
    assert rwr["arxiv_id"] == "2408.90015" and rwr["version"] == "v2"
    # LaTeX in the OpenReview title still matches exactly
    mu = rows["$\\mu$Widget: Micro-Scale Widgets for On-Device Tagging"]
    assert mu["match_method"] == "exact" and mu["arxiv_id"] == "2410.90017"
    # first public = the earlier of arXiv v1 and the OpenReview public date
    assert mu["arxiv_v1"] == "2024-10-15" and mu["openreview_public"] == "2024-10-04"
    assert mu["first_public_date"] == "2024-10-04"
    swr = rows["Conditional Computation for Efficient Sequence Tagging"]
    assert swr["first_public_date"] == "2024-03-14"
    assert swr["text_source"] == "arxiv-html" and swr["skipped"] is None
    assert rows["Widget Pruning by Lottery Rounds"]["skipped"] == NO_FULLTEXT
    assert rows["On the Quiet Failure of Gizmo Ensembles"]["skipped"] == NO_ARXIV
    shift = rows["Widget Towers under Distribution Shift"]
    assert shift["text_source"] == "pdf" and shift["skipped"] is None and shift["with_fulltext"] == 6
    # five references resolved (two with old-style ids), but only two of them have a text
    retro = rows["A Retrospective on Widget Ensembles"]
    assert retro["resolved"] == 5 and retro["with_fulltext"] == 2 and retro["skipped"] == FEW_FULLTEXT
    # the curvature paper is unknown to Semantic Scholar: ids in entries plus arXiv title search
    cw = rows["Stable Early Training without Learning-Rate Schedules"]
    assert "s2" not in cw["resolved_by"] and cw["resolved_by"]["arxiv-search"] >= 1


def test_questions_carry_first_public_dates_and_papers_record_source(sample_release):
    out, _ = sample_release
    _, questions = load_release(out)
    dates = {r["arxiv_id"]: r["first_public_date"] for r in _crawl(out) if r["arxiv_id"]}
    for q in questions:
        arxiv_id = q.paper.split("v")[0]
        assert q.first_public_date.isoformat() == dates[arxiv_id]
    papers = list((out / "papers").glob("*.json"))
    assert papers
    sources = {json.loads(p.read_text()).get("source") for p in papers}
    assert sources == {"arxiv-html", "pdf"}  # citing papers only; cited texts live in the candidates


def test_bundled_cache_matches_the_sources_and_the_live_clients(services_mod, tmp_path):
    """Re-record the cache from sources/*.yaml through the real clients: it must equal the shipped
    cache.jsonl (else run tests/sample_venue/make_cache.py)."""
    fresh = tmp_path / "cache.jsonl"
    db = tmp_path / "cache.sqlite"
    _record(services_mod.SampleServices(), tmp_path / "rel", db)
    export_jsonl(db, fresh)
    assert fresh.read_text() == BUNDLED.read_text(), "the bundled sample cache is stale: run tests/sample_venue/make_cache.py"


def test_two_offline_builds_are_byte_identical(sample_release, tmp_path):
    out, _ = sample_release
    run_build("sample", tmp_path / "again", offline=True, progress=False, generation=ORIGINAL)
    assert (tmp_path / "again" / "questions.jsonl").read_bytes() == (out / "questions.jsonl").read_bytes()


def test_seed_changes_the_questions(sample_release, tmp_path):
    out, _ = sample_release
    run_build("sample", tmp_path / "s1", seed=1, progress=False, generation=ORIGINAL)
    assert (tmp_path / "s1" / "questions.jsonl").read_bytes() != (out / "questions.jsonl").read_bytes()


# ----------------------------------------------------------------------------- options


def test_limit_stops_after_n_usable_papers(tmp_path):
    out = tmp_path / "rel"
    manifest = run_build("sample", out, limit=3, progress=False, generation=ORIGINAL)
    assert manifest.n_papers == 3
    rows = _crawl(out)
    used = [r for r in rows if r["skipped"] is None]
    assert len(used) == 3
    assert rows[-1]["skipped"] is None  # nothing was crawled after the third usable paper
    _, questions = load_release(out)
    assert len({q.paper for q in questions}) <= 3


def test_since_keeps_only_papers_first_public_on_or_after(tmp_path):
    out = tmp_path / "rel"
    manifest = run_build("sample", out, since=date(2024, 9, 1), progress=False)
    assert manifest.skipped[BEFORE_SINCE] == 5  # March..August 2024 preprints
    assert manifest.n_papers == 6
    _, questions = load_release(out)
    assert questions and all(q.first_public_date >= date(2024, 9, 1) for q in questions)
    assert manifest.source_cutoff["earliest"] >= date(2024, 9, 1)
    assert manifest.notes["since"] == "2024-09-01"


def test_difficulty_option_limits_the_release(tmp_path):
    manifest = run_build("sample", tmp_path / "rel", difficulties=["hard"], progress=False)
    _, questions = load_release(tmp_path / "rel")
    assert questions and {q.difficulty for q in questions} == {"hard"}
    assert sum(manifest.counts.get("easy", {}).values()) == 0


def test_bad_since_date_exits_2(tmp_path):
    r = _scalar("build", "--venue", "sample", "--since", "2024-02-30", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "2024-02-30" in r.stderr
    assert not (tmp_path / "rel").exists()


def test_unknown_difficulty_exits_2(tmp_path):
    r = _scalar("build", "--venue", "sample", "--difficulty", "brutal", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "brutal" in r.stderr and "Traceback" not in r.stderr


def test_cli_build_prints_a_summary_and_writes_the_release(tmp_path):
    r = _scalar("build", "--venue", "sample", "--out", str(tmp_path / "rel"))
    assert r.returncode == 0, r.stderr
    assert "easy" in r.stdout and "hard" in r.stdout and "questions" in r.stdout
    assert r.stderr == ""  # progress bars only on a terminal
    load_release(tmp_path / "rel")


# ----------------------------------------------------------------------------- offline failures


def test_offline_cache_miss_names_the_url_and_leaves_the_cache_intact(tmp_path):
    db = tmp_path / "cache.sqlite"
    import_jsonl(BUNDLED, db)
    missing = "https://arxiv.org/html/2405.90012v1"
    con = sqlite3.connect(str(db))
    con.execute("DELETE FROM responses WHERE url = ?", (missing,))
    con.commit()
    con.close()
    before = _rows(db)
    r = _scalar("build", "--venue", "sample", "--offline", "--cache", str(db), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert missing in r.stderr
    assert _rows(db) == before
    assert not (tmp_path / "rel" / "questions.jsonl").exists()


def test_offline_without_a_cache_file_exits_2(tmp_path):
    r = _scalar("build", "--venue", "iclr2025", "--offline", "--cache", str(tmp_path / "none.sqlite"),
                "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "none.sqlite" in r.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_corrupt_jsonl_cache_exits_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(BUNDLED.read_text().splitlines()[0] + "\n{not json\n")
    r = _scalar("build", "--venue", "sample", "--cache", str(bad), "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "bad.jsonl" in r.stderr and "line 2" in r.stderr


# ----------------------------------------------------------------------------- interrupted builds


class _Killed(BaseException):
    """Stands in for the process dying: nothing in the pipeline may catch it."""


def test_interrupted_build_resumes_with_no_repeated_request(services_mod, sample_release, tmp_path):
    db = tmp_path / "cache.sqlite"
    first = services_mod.SampleServices()
    calls = {"n": 0}

    def die_at_30(url):
        calls["n"] += 1
        if calls["n"] == 30:
            raise _Killed()
        return None

    first.fault = die_at_30
    with pytest.raises(_Killed):
        _record(first, tmp_path / "rel", db)
    assert not (tmp_path / "rel" / "questions.jsonl").exists()
    done = {url for _, url in first.requests[:29]}

    second = services_mod.SampleServices()
    _record(second, tmp_path / "rel", db)
    again = {url for _, url in second.requests}
    assert again and not (again & done), "a response fetched before the interruption was requested again"

    # Everything is now cached: an offline rebuild makes no request and gives the same questions.
    run_build("sample", tmp_path / "offline", offline=True, cache=db, progress=False)
    reference = sample_release[0] / "questions.jsonl"
    assert (tmp_path / "offline" / "questions.jsonl").read_bytes() == reference.read_bytes()
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == reference.read_bytes()


def test_build_killed_by_sigkill_resumes_from_the_cache(services_mod, sample_release, tmp_path):
    """A real SIGKILL in the middle of a record-mode build: the SQLite cache survives, the rerun
    asks only for what is missing, and offline replay then gives the release of the sample."""
    db = tmp_path / "cache.sqlite"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(SAMPLE)!r})
        import responses
        from sample_services import SampleServices
        from scalar.generate.venue_release import run_build
        from scalar.sources.http import FakeClock, RateLimits
        s = SampleServices()
        n = [0]
        def kill(url):
            n[0] += 1
            if n[0] == 25:
                os.kill(os.getpid(), signal.SIGKILL)
        s.fault = kill
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            s.register(rsps)
            run_build("sample", {str(tmp_path / "rel")!r}, cache={str(db)!r}, progress=False,
                      limits=RateLimits(clock=FakeClock()))
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == -9, r.stderr
    cached = {url for _, url, _, _ in _rows(db)}
    assert len(cached) >= 20

    from scalar.sources.http import normalise_url

    services = services_mod.SampleServices()
    _record(services, tmp_path / "rel", db)
    asked = {normalise_url(url) for _, url in services.requests}
    assert asked and not (asked & cached)
    run_build("sample", tmp_path / "offline", offline=True, cache=db, progress=False)
    assert (tmp_path / "offline" / "questions.jsonl").read_bytes() == (sample_release[0] / "questions.jsonl").read_bytes()


def test_transient_faults_give_the_same_release(services_mod, sample_release, tmp_path):
    """30% of first attempts fail with 503, 429 (Retry-After) or a dropped connection; retries
    absorb them and the release equals the fault-free one."""
    import requests

    services = services_mod.SampleServices()
    seen: dict[str, int] = {}

    def flaky(url):
        seen[url] = seen.get(url, 0) + 1
        h = int(hashlib.sha256(url.encode()).hexdigest(), 16)
        if seen[url] > 1 or h % 10 >= 3:
            return None
        kind = h % 3
        if kind == 0:
            return 503, {"Content-Type": "text/plain"}, "busy"
        if kind == 1:
            return 429, {"Retry-After": "2", "Content-Type": "application/json"}, '{"error": "slow down"}'
        raise requests.exceptions.ConnectionError(f"connection reset: {url}")

    services.fault = flaky
    _record(services, tmp_path / "rel", tmp_path / "cache.sqlite")
    assert any(n > 1 for n in seen.values())
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == (sample_release[0] / "questions.jsonl").read_bytes()


def test_persistent_outage_stops_the_build_and_the_rerun_completes(services_mod, sample_release, tmp_path):
    """arXiv's HTML host down for good: the build stops with a NetworkError (exit 2 on the CLI)
    rather than skipping papers as if they had no text; once it is back, the rerun completes."""
    from scalar.errors import NetworkError

    db = tmp_path / "cache.sqlite"
    down = services_mod.SampleServices()
    down.fault = lambda url: (503, {"Content-Type": "text/plain"}, "down") if "/html/" in url else None
    with pytest.raises(NetworkError) as e:
        _record(down, tmp_path / "rel", db)
    assert "arxiv.org/html/" in str(e.value)
    assert not (tmp_path / "rel" / "questions.jsonl").exists()

    _record(services_mod.SampleServices(), tmp_path / "rel", db)
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == (sample_release[0] / "questions.jsonl").read_bytes()


def test_refresh_refetches_every_url_once(services_mod, sample_release, tmp_path):
    db = tmp_path / "cache.sqlite"
    import_jsonl(BUNDLED, db)
    services = services_mod.SampleServices()
    import responses

    from scalar.sources.http import FakeClock, RateLimits

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        services.register(rsps)
        run_build("sample", tmp_path / "rel", cache=db, refresh=True, progress=False,
                  limits=RateLimits(clock=FakeClock()))
    urls = [url for _, url in services.requests]
    assert len(urls) == len(set(urls)) == len(_rows(db))
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == (sample_release[0] / "questions.jsonl").read_bytes()


def test_refresh_of_the_bundled_replay_is_refused(tmp_path):
    r = _scalar("build", "--venue", "sample", "--refresh", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "--refresh" in r.stderr and "Traceback" not in r.stderr


def test_sample_papers_say_they_are_synthetic(services_mod):
    works = services_mod.load_works()
    assert len([w for w in works.values() if w.openreview]) == 16
    for w in works.values():
        if w.abstract:
            assert "synthetic paper written for the SCALAR sample venue" in w.abstract, w.key
        if w.sections:
            first = w.sections[0]["paragraphs"][0]
            assert first.startswith("This is a synthetic paper written for the SCALAR sample venue"), w.key


def test_two_notes_matching_one_preprint_keep_the_first(services_mod, sample_release, tmp_path):
    import dataclasses

    from scalar.crawl.pipeline import DUPLICATE

    works = services_mod.load_works()
    swr = works["swr"]
    works["swr_again"] = dataclasses.replace(
        swr, key="swr_again", arxiv_id=None, openreview={**swr.openreview, "forum": "SmpLv0099z", "number": 99})
    manifest = _record(services_mod.SampleServices(works), tmp_path / "rel", tmp_path / "cache.sqlite")
    assert manifest.skipped[DUPLICATE] == 1
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == (sample_release[0] / "questions.jsonl").read_bytes()


def test_build_killed_after_the_crawl_reruns_offline(services_mod, sample_release, tmp_path, monkeypatch):
    """Killed while generating: every response is already cached, so the offline rerun needs no
    network at all and writes the same release."""
    import scalar.generate.venue_release as venue_release

    db = tmp_path / "cache.sqlite"

    def killed(*args, **kwargs):
        raise _Killed()

    with monkeypatch.context() as m:
        m.setattr(venue_release, "plan_questions", killed)
        with pytest.raises(_Killed):
            _record(services_mod.SampleServices(), tmp_path / "rel", db)
    assert not (tmp_path / "rel").exists()
    run_build("sample", tmp_path / "rel", offline=True, cache=db, progress=False)
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == (sample_release[0] / "questions.jsonl").read_bytes()


def test_since_after_every_paper_exits_2(tmp_path):
    r = _scalar("build", "--venue", "sample", "--since", "2030-01-01", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no usable papers" in r.stderr and BEFORE_SINCE in r.stderr


def test_ctrl_c_exits_130_with_a_resume_hint(tmp_path):
    """SIGINT in the middle of a build: no traceback, exit 130, the hint to rerun."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        import scalar.generate.questions as questions
        def interrupt(*a, **k):
            os.kill(os.getpid(), signal.SIGINT)
            import time; time.sleep(5)
        questions.plan_questions = interrupt
        from scalar.cli import main
        main(["build", "--venue", "sample", "--out", {str(tmp_path / "rel")!r}])
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, preexec_fn=sigint_default)
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "run the same command again" in r.stderr
    assert not (tmp_path / "rel").exists()


def test_context_tokens_reach_the_generator(tmp_path):
    manifest = run_build("sample", tmp_path / "rel", context_tokens=[4000, 1500], progress=False)
    assert manifest.context_budgets == [1500, 4000]
    _, questions = load_release(tmp_path / "rel")
    assert {q.context_budget for q in questions} == {1500, 4000}
    assert all(q.context_tokens <= q.context_budget for q in questions)


def test_jsonl_cache_round_trips_binary_bodies(tmp_path):
    db = tmp_path / "a.sqlite"
    n = import_jsonl(BUNDLED, db)
    assert n == len(BUNDLED.read_text().splitlines())
    assert any(body[:5] == b"%PDF-" for _, _, _, body in _rows(db))  # the PDF-only paper
    export_jsonl(db, tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_text() == BUNDLED.read_text()
