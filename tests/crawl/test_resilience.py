"""`scalar build` under failures tied to one paper, one cited work or a whole service: the sample
venue's services (the live clients' real requests answered through `responses`), with real error
answers from ../shared/reference/real-services replayed where they exist (Semantic Scholar 400 and
404 bodies, arXiv's 400 Atom error feed), and the real ICLR 2025 replay cache."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from original_build import run_build

from scalar.crawl.pipeline import CITED, NO_ARXIV, REFUSED, SERVICE_ERROR, UNEXPECTED, UNPARSEABLE
from scalar.sources.http import FakeClock, HttpCache, RateLimits, ServiceDown

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "sample_venue"  # the sample services (test code)
REAL = ROOT.parent / "shared" / "reference" / "real-services"

UNAVAILABLE = (500, {"Content-Type": "text/html"}, "<html><body>unavailable</body></html>")  # arxiv-browse




@pytest.fixture(scope="module")
def services_mod():
    pytest.importorskip("responses")
    if str(SAMPLE) not in sys.path:
        sys.path.insert(0, str(SAMPLE))
    import sample_services

    return sample_services


@pytest.fixture(scope="module")
def reference_questions(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "release"
    run_build("sample", out, offline=True, progress=False)
    return (out / "questions.jsonl").read_bytes()


def _record(services, out, cache, **kw):
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        services.register(rsps)
        return run_build("sample", out, offline=False, cache=cache, progress=False,
                         limits=RateLimits(clock=FakeClock()), **kw)


def _rows(out: Path) -> dict[str, dict]:
    return {r["arxiv_id"] or r["title"]: r for r in map(json.loads, (out / "crawl.jsonl").read_text().splitlines())}


def _text_urls(arxiv_id: str) -> tuple[str, ...]:
    return (f"arxiv.org/html/{arxiv_id}", f"ar5iv.labs.arxiv.org/html/{arxiv_id}", f"arxiv.org/pdf/{arxiv_id}")


def _real_s2(name: str) -> tuple[int, dict, str]:
    yaml = pytest.importorskip("yaml")
    path = REAL / "semanticscholar" / "semanticscholar-py" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    resp = yaml.safe_load(path.read_text())["interactions"][0]["response"]
    body = resp.get("content") or resp["body"]["string"]
    status = resp.get("status_code") or resp["status"]["code"]
    return status, {"Content-Type": "application/json"}, body


# ----------------------------------------------------------------------------- one paper


def test_a_paper_arxiv_cannot_serve_is_skipped_recorded_and_retried(services_mod, reference_questions, tmp_path):
    """Every form of one citing paper's text answers 500 for good: that paper alone is skipped
    (manifest and crawl.jsonl say why), an offline replay of the cache skips the same paper, and
    once arXiv serves it again the next record run fetches it and gives the full release."""
    db = tmp_path / "cache.sqlite"
    bad = "2406.90013"
    faulty = services_mod.SampleServices()
    faulty.fault = lambda url: UNAVAILABLE if any(u in url for u in _text_urls(bad)) else None
    manifest = _record(faulty, tmp_path / "rel", db)
    assert manifest.skipped[SERVICE_ERROR] == 1
    assert manifest.n_papers == 10  # the other ten still made it
    row = _rows(tmp_path / "rel")[bad]
    assert row["skipped"] == SERVICE_ERROR and "HTTP 500" in row["error"] and bad in row["error"]
    assert "\n" not in row["error"]
    failed = {u for u, _ in HttpCache(db).failures()}
    assert any(f"/html/{bad}" in u for u in failed)

    # offline: the recorded failures replay as failures, not as cache misses
    replayed = run_build("sample", tmp_path / "offline", offline=True, cache=db, progress=False)
    assert replayed.skipped == manifest.skipped
    assert (tmp_path / "offline" / "questions.jsonl").read_bytes() == (tmp_path / "rel" / "questions.jsonl").read_bytes()

    # the same through a JSONL export of the cache (failures are exported as failure lines)
    from scalar.crawl.replay import export_jsonl

    export_jsonl(db, tmp_path / "cache.jsonl")
    assert '"failure"' in (tmp_path / "cache.jsonl").read_text()
    exported = run_build("sample", tmp_path / "from-jsonl", offline=True, cache=tmp_path / "cache.jsonl", progress=False)
    assert exported.skipped == manifest.skipped

    # arXiv is back: the rerun asks again for what failed (and what that paper needs next),
    # never for an answer it already has
    from scalar.sources.http import normalise_url

    cached = set(HttpCache(db).urls())
    healed = services_mod.SampleServices()
    _record(healed, tmp_path / "rel", db)
    asked = [normalise_url(u) for _, u in healed.requests]
    assert asked[0] == f"https://arxiv.org/html/{bad}v1" and not set(asked) & cached
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == reference_questions
    assert not any(u.endswith(f"/html/{bad}v1") for u, _ in HttpCache(db).failures())  # answered now


def test_a_cited_work_that_fails_is_left_out_and_counted(services_mod, tmp_path):
    bad = "2103.90001"  # an outside work whose text comes from ar5iv
    services = services_mod.SampleServices()
    services.fault = lambda url: UNAVAILABLE if any(u in url for u in _text_urls(bad)) else None
    manifest = _record(services, tmp_path / "rel", tmp_path / "cache.sqlite")
    assert manifest.skipped[CITED + SERVICE_ERROR] == 1
    citing = [r for r in _rows(tmp_path / "rel").values() if bad in r["cited_failed"]]
    assert citing and all("HTTP 500" in r["cited_failed"][bad] for r in citing)
    assert manifest.n_papers >= 9


def test_a_failing_title_search_skips_that_paper_only(services_mod, tmp_path):
    """arXiv's API answers 503 for good to the title search of one paper (and only that)."""
    services = services_mod.SampleServices()
    busy = (503, {"Content-Type": "text/plain"}, "busy")
    services.fault = lambda url: busy if "search_query=ti" in url and "adversarial" in url.lower() else None
    manifest = _record(services, tmp_path / "rel", tmp_path / "cache.sqlite")
    assert manifest.skipped[SERVICE_ERROR] == 1
    row = next(r for r in _rows(tmp_path / "rel").values() if r["title"].startswith("Adversarial Puzzles"))
    assert row["skipped"] == SERVICE_ERROR and "503" in row["error"]


def test_arxivs_400_error_feed_for_one_paper_is_a_refusal_skip(services_mod, tmp_path):
    """The real 400 Atom error feed (arxiv.py fixtures), answered to one paper's title search."""
    path = REAL / "arxiv-api" / "arxiv.py-fixtures" / "id_abc_s0_m100_b79c8dcf6bc3.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    real = json.loads(path.read_text())
    answer = (real["status_code"], {"Content-Type": "application/atom+xml"}, real["body"])
    services = services_mod.SampleServices()
    services.fault = lambda url: answer if "search_query=ti" in url and "adversarial" in url.lower() else None
    manifest = _record(services, tmp_path / "rel", tmp_path / "cache.sqlite")
    assert manifest.skipped[REFUSED] == 1
    row = next(r for r in _rows(tmp_path / "rel").values() if r["title"].startswith("Adversarial Puzzles"))
    assert row["skipped"] == REFUSED and "incorrect id format" in row["error"]


@pytest.mark.parametrize("answer", ["test_bad_query_parameters.yaml", "401"])
def test_semantic_scholar_refusing_every_call_does_not_stop_the_build(services_mod, tmp_path, answer):
    """S2 answers its real 400 ("Unrecognized or unsupported fields") or a 401 (a refused key) to
    every call: S2 is optional, the build goes on with ids from the entries and arXiv search."""
    if answer == "401":
        reply = (401, {"Content-Type": "application/json"}, '{"message": "Unauthorized"}')
    else:
        reply = _real_s2(answer)
    services = services_mod.SampleServices()
    services.fault = lambda url: reply if "semanticscholar" in url else None
    manifest = _record(services, tmp_path / "rel", tmp_path / "cache.sqlite")
    assert manifest.n_papers >= 8
    rows = _rows(tmp_path / "rel").values()
    assert not any(r["resolved_by"].get("s2") for r in rows)
    statuses = [r["s2"] for r in rows if r["s2"]]
    assert statuses[:3] == ["HttpStatusError"] * 3 and set(statuses[3:]) <= {"circuit-open", "not-needed"}
    s2_calls = [u for _, u in services.requests if "semanticscholar" in u]
    assert len(s2_calls) <= 3  # the S2 breaker stops asking after three refusals in a row


def test_semantic_scholar_real_404_is_not_found(services_mod, reference_questions, tmp_path):
    reply = _real_s2("test_not_found.yaml")
    services = services_mod.SampleServices()
    services.fault = lambda url: reply if "semanticscholar" in url and "2407.90014" in url else None
    _record(services, tmp_path / "rel", tmp_path / "cache.sqlite")  # the sample's S2 already 404s there
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == reference_questions


def test_unparseable_and_unexpected_failures_skip_one_paper_each(services_mod, tmp_path, monkeypatch):
    """A page nested deeper than the parser's recursion (RecursionError) and a parser bug on one
    page (ZeroDivisionError) each make that page unparseable; a bug elsewhere while processing
    one paper (here in reference resolution) skips it as unexpected. The build completes."""
    import scalar.parse.latexml as latexml
    import scalar.sources.references as references

    real_parse, real_resolve = latexml.parse_html, references.resolve_references

    def flaky_parse(content, *, arxiv_id=None, **kw):
        if arxiv_id == "2405.90012":
            raise RecursionError("maximum recursion depth exceeded")
        if arxiv_id == "2409.90016":
            raise ZeroDivisionError("division by zero")
        return real_parse(content, arxiv_id=arxiv_id, **kw)

    def flaky_resolve(paper, *args, **kw):
        if paper.arxiv_id == "2411.90019":
            raise KeyError("citedPaper")
        return real_resolve(paper, *args, **kw)

    monkeypatch.setattr(latexml, "parse_html", flaky_parse)
    monkeypatch.setattr(references, "resolve_references", flaky_resolve)
    manifest = _record(services_mod.SampleServices(), tmp_path / "rel", tmp_path / "cache.sqlite")
    rows = _rows(tmp_path / "rel")
    assert rows["2405.90012"]["skipped"] == UNPARSEABLE and "RecursionError" in rows["2405.90012"]["error"]
    assert "arxiv.org/html/2405.90012" in rows["2405.90012"]["error"]
    assert rows["2409.90016"]["skipped"] == UNPARSEABLE and "ZeroDivisionError" in rows["2409.90016"]["error"]
    assert rows["2411.90019"]["skipped"] == UNEXPECTED and "KeyError" in rows["2411.90019"]["error"]
    assert manifest.skipped[UNPARSEABLE] == 2 and manifest.skipped[UNEXPECTED] == 1
    assert manifest.n_papers == 8


# ----------------------------------------------------------------------------- a whole service


def test_arxiv_html_down_as_a_whole_stops_and_the_rerun_completes(services_mod, reference_questions, tmp_path):
    db = tmp_path / "cache.sqlite"
    down = services_mod.SampleServices()
    down.fault = lambda url: (503, {"Content-Type": "text/plain"}, "down") if "/html/" in url else None
    with pytest.raises(ServiceDown, match=r"arxiv\.org looks down: 5 requests in a row") as e:
        _record(down, tmp_path / "rel", db)
    assert "\n" not in str(e.value)
    assert not (tmp_path / "rel" / "questions.jsonl").exists()
    html = [u for _, u in down.requests if "arxiv.org/html/" in u and "ar5iv" not in u]
    # five papers tried (the first with full retries, then quick probes), not all eleven
    assert len(set(html)) == 5

    _record(services_mod.SampleServices(), tmp_path / "rel", db)
    assert (tmp_path / "rel" / "questions.jsonl").read_bytes() == reference_questions


def test_cli_stops_with_one_line_and_exit_2_when_a_service_is_down(tmp_path):
    pytest.importorskip("responses")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(SAMPLE)!r})
        import responses
        from sample_services import SampleServices
        from scalar.cli import main
        from scalar.sources.http import FakeClock, RateLimits, use_rate_limits
        s = SampleServices()
        s.fault = lambda url: (502, {{"Content-Type": "text/plain"}}, "bad gateway") if "export.arxiv.org" in url else None
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \\
                use_rate_limits(RateLimits(clock=FakeClock())):
            s.register(rsps)
            main(["build", "--venue", "sample", "--cache", {str(tmp_path / "c.sqlite")!r},
                  "--out", {str(tmp_path / "rel")!r}])
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "export.arxiv.org looks down" in lines[0] and "run the same command again" in lines[0]
    assert (tmp_path / "c.sqlite").is_file() and not (tmp_path / "rel").exists()


# ----------------------------------------------------------------------------- the real ICLR 2025 cache


def test_real_iclr2025_replay_cache_stops_with_its_clear_line(tmp_path):
    cache = REAL / "build-cache" / "iclr2025-real-shapes.jsonl"
    if not cache.is_file():
        pytest.skip(f"{cache} is absent")
    r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "iclr2025", "--offline",
                        "--cache", str(cache), "--out", str(tmp_path / "rel")],
                       capture_output=True, text=True, timeout=300)
    # Its only answers are the real listing (3 accepted notes) and arXiv search pages that do
    # not contain those titles: every paper is skipped for that reason, and the build says so.
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "no usable papers for venue iclr2025 (3 listed" in lines[0] and f"{NO_ARXIV}: 3" in lines[0]
    assert not (tmp_path / "rel").exists()


def test_real_openreview_challenge_on_the_listing_stops_with_the_login_hint(tmp_path):
    """OpenReview's real anonymous answer ("Verifying your browser", HTTP 200 text/html) to the
    listing: nothing can be built, the build says to log in (one line, exit 2)."""
    pytest.importorskip("responses")
    path = REAL / "openreview" / "openproceedings" / "errors_anonymous-challenge.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(SAMPLE)!r})
        import responses
        from sample_services import SampleServices
        from scalar.cli import main
        from scalar.sources.http import FakeClock, RateLimits, use_rate_limits
        real = json.load(open({str(path)!r}))["response"]
        answer = (real["status"], {{"Content-Type": real["headers"]["content-type"]}}, real["text"])
        s = SampleServices()
        s.fault = lambda url: answer if "openreview.net" in url else None
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \\
                use_rate_limits(RateLimits(clock=FakeClock())):
            s.register(rsps)
            main(["build", "--venue", "sample", "--cache", {str(tmp_path / "c.sqlite")!r},
                  "--out", {str(tmp_path / "rel")!r}])
    """)
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OPENREVIEW_")}
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "OPENREVIEW_USERNAME" in lines[0] and "api2.openreview.net" in lines[0]
    assert not (tmp_path / "rel").exists()
