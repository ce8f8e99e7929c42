"""The HTTP layer: cache modes, rate limits, retries, typed errors (all through `responses`)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import requests
import responses

from scalar.errors import NetworkError, ScalarError
from scalar.sources.http import (
    CacheMiss,
    Challenge,
    FakeClock,
    HostPolicy,
    HttpCache,
    HttpStatusError,
    NotFound,
    RateLimited,
    RateLimits,
    Unavailable,
    adapter_of,
    cache_key,
    make_session,
    normalise_url,
    parse_retry_after,
)

S2 = "https://api.semanticscholar.org/graph/v1/paper/arXiv:2410.05602/references"
ARXIV_API = "https://export.arxiv.org/api/query"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache_path(tmp_path):
    return tmp_path / "http.sqlite"


def session(cache_path, clock, mode="record", **kw) -> requests.Session:
    return make_session(cache_path, mode, clock=clock, **kw)


# ----------------------------------------------------------------------------- cache modes


def test_record_stores_and_serves_hits_without_network(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"data": [1, 2]})
        assert s.get(S2, params={"limit": 1000, "fields": "title"}).json() == {"data": [1, 2]}
        # same query in another order: one cache entry, no second request
        assert s.get(S2 + "?fields=title&limit=1000").json() == {"data": [1, 2]}
        assert len(rs.calls) == 1
    stats = adapter_of(s).stats
    assert (stats.fetched, stats.hits, stats.stored) == (1, 1, 1)
    assert len(HttpCache(cache_path)) == 1


def test_replay_serves_cache_without_network_and_names_the_missing_url(cache_path, clock):
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"data": ["recorded"]})
        session(cache_path, clock).get(S2, params={"fields": "title"})
    offline = session(cache_path, clock, "replay")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:  # nothing registered
        assert offline.get(S2, params={"fields": "title"}).json() == {"data": ["recorded"]}
        with pytest.raises(CacheMiss) as err:
            offline.get("https://api.semanticscholar.org/graph/v1/paper/arXiv:9999.99999/references")
        assert len(rs.calls) == 0
    msg = str(err.value)
    assert "9999.99999" in msg and "offline" in msg and "\n" not in msg
    assert isinstance(err.value, NetworkError) and isinstance(err.value, ScalarError)


def test_refresh_refetches_once_then_serves_the_fresh_copy(cache_path, clock):
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"v": 1})
        session(cache_path, clock).get(S2)
    s = session(cache_path, clock, "refresh")
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"v": 2})
        assert s.get(S2).json() == {"v": 2}
        assert s.get(S2).json() == {"v": 2}
        assert len(rs.calls) == 1
    assert session(cache_path, clock, "replay").get(S2).json() == {"v": 2}


def test_404_is_cached_and_replayed_as_not_found(cache_path, clock):
    url = "https://arxiv.org/html/2401.00001v1"
    with responses.RequestsMock() as rs:
        rs.get(url, status=404, body="<html>No HTML</html>")
        with pytest.raises(NotFound):
            session(cache_path, clock).get(url)
    with pytest.raises(NotFound) as err:
        session(cache_path, clock, "replay").get(url)
    assert "2401.00001v1" in str(err.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_errors_are_never_cached(cache_path, clock, status):
    s = session(cache_path, clock, max_attempts=2)
    with responses.RequestsMock() as rs:
        rs.get(S2, status=status, json={"error": "x"})
        with pytest.raises((RateLimited, Unavailable)):
            s.get(S2)
        assert len(rs.calls) == 2
    assert len(HttpCache(cache_path)) == 0  # never stored as an answer...
    # ...but recorded as a failure: an offline replay meets the same error, not a cache miss
    with pytest.raises((RateLimited, Unavailable), match="recorded") as err:
        session(cache_path, clock, "replay").get(S2)
    assert not isinstance(err.value, CacheMiss)
    # and the next record run asks again; its answer replaces the failure
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"data": []})
        assert session(cache_path, clock).get(S2).json() == {"data": []}
    assert HttpCache(cache_path).failures() == []
    assert session(cache_path, clock, "replay").get(S2).json() == {"data": []}


def test_secrets_stay_out_of_the_cache(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get("https://api.example.org/x", json={"ok": True})
        rs.post("https://api2.openreview.net/login", json={"token": "SECRET-TOKEN"})
        s.get("https://api.example.org/x", params={"api_key": "KEY123", "q": "a"}, headers={"Authorization": "Bearer T0K"})
        s.post("https://api2.openreview.net/login", json={"id": "me@example.org", "password": "hunter2"})
    db = sqlite3.connect(cache_path)
    dump = "\n".join(str(row) for row in db.execute("SELECT * FROM responses"))
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 1
    for secret in ("KEY123", "T0K", "hunter2", "SECRET-TOKEN", "login"):
        assert secret not in dump
    # the key ignores credentials: the same query with another key is a hit
    assert cache_key("GET", "https://api.example.org/x?q=a&api_key=OTHER") == cache_key(
        "GET", "https://api.example.org/x?q=a"
    )


def test_post_body_is_part_of_the_key():
    assert cache_key("POST", "https://h/x", b'{"ids":[1]}') != cache_key("POST", "https://h/x", b'{"ids":[2]}')
    assert cache_key("GET", "https://h/x") != cache_key("POST", "https://h/x")
    assert normalise_url("HTTPS://Export.arXiv.org/api/query?b=2&a=1") == "https://export.arxiv.org/api/query?a=1&b=2"


def test_cache_is_wal_and_survives_reopening(cache_path, clock):
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"n": 1})
        session(cache_path, clock).get(S2)
    mode = sqlite3.connect(cache_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode.lower() == "wal"
    reopened = HttpCache(cache_path)
    hit = reopened.get(cache_key("GET", S2))
    assert hit is not None and hit.status == 200 and b'"n": 1' in hit.body
    assert hit.headers["content-type"] == "application/json" and hit.fetched_at


def test_a_corrupt_cache_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(NetworkError, match="cannot open the HTTP cache"):
        make_session(bad, "record")


def test_unknown_mode_and_replay_without_cache_are_errors():
    with pytest.raises(NetworkError, match="unknown cache mode"):
        make_session(None, "sometimes")  # type: ignore[arg-type]
    with pytest.raises(NetworkError, match="needs an HTTP cache"):
        make_session(None, "replay")


def test_redirect_chains_replay_offline(cache_path, clock):
    with responses.RequestsMock() as rs:
        rs.get("https://ar5iv.org/html/1412.3555", status=301, headers={"Location": "https://ar5iv.labs.arxiv.org/html/1412.3555"})
        rs.get("https://ar5iv.labs.arxiv.org/html/1412.3555", body="<html><body class='ltx_document'>ok</body></html>", content_type="text/html")
        assert session(cache_path, clock).get("https://ar5iv.org/html/1412.3555").text.endswith("</html>")
    r = session(cache_path, clock, "replay").get("https://ar5iv.org/html/1412.3555")
    assert r.url == "https://ar5iv.labs.arxiv.org/html/1412.3555" and "ltx_document" in r.text


# ----------------------------------------------------------------------------- rate limits


def test_arxiv_hosts_share_one_request_every_three_seconds(cache_path, clock):
    s = session(cache_path, clock)
    urls = [f"{ARXIV_API}?id_list={i}" for i in range(3)] + [
        "https://arxiv.org/html/2401.00001v1",
        "https://arxiv.org/pdf/2401.00001v1",
    ]
    with responses.RequestsMock() as rs:
        for u in urls[:3]:
            rs.get(u, body="<feed xmlns='http://www.w3.org/2005/Atom'/>", content_type="application/atom+xml")
        rs.get(urls[3], body="<html>x</html>", content_type="text/html")
        rs.get(urls[4], body=b"%PDF-1.5 x %%EOF", content_type="application/pdf")
        for u in urls:
            s.get(u)
        for u in urls:  # cache hits: never delayed
            s.get(u)
    starts = adapter_of(s).limits.limiter("arxiv.org").starts
    assert len(starts) == 5
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert all(g >= 3.0 - 1e-9 for g in gaps), gaps
    assert sum(clock.sleeps) == pytest.approx(12.0)


def test_semantic_scholar_spacing_and_independent_hosts(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        for i in range(3):
            rs.get(f"{S2}?i={i}", json={})
        rs.get("https://api2.openreview.net/notes?id=a", json={"notes": []})
        for i in range(3):
            s.get(f"{S2}?i={i}")
        t = clock.now()
        s.get("https://api2.openreview.net/notes?id=a")  # another host: no wait
        assert clock.now() == t
    starts = adapter_of(s).limits.limiter("api.semanticscholar.org").starts
    assert [round(b - a, 6) for a, b in zip(starts, starts[1:])] == [1.0, 1.0]


def test_one_connection_at_a_time_for_arxiv(cache_path):
    # real threads, real (tiny) waits: the arXiv group never has two requests in flight
    limits = RateLimits({"arxiv.org": HostPolicy("arxiv", interval=0.0, concurrency=1)})
    s = make_session(cache_path, limits=limits)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow(request):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02)
        with lock:
            in_flight[0] -= 1
        return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 ... %%EOF"

    with responses.RequestsMock() as rs:
        import re

        rs.add_callback("GET", re.compile(r"https://arxiv\.org/pdf/.*"), callback=slow)
        threads = [threading.Thread(target=s.get, args=(f"https://arxiv.org/pdf/2401.0000{i}",)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert peak[0] == 1


# ----------------------------------------------------------------------------- retries and errors


def test_429_waits_at_least_retry_after(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get(S2, status=429, headers={"Retry-After": "37"})
        rs.get(S2, json={"ok": 1})
        assert s.get(S2).json() == {"ok": 1}
    assert max(clock.sleeps) >= 37


def test_retry_after_http_date():
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Mon, 23 Nov 2026 12:01:30 GMT", now) == 90
    assert parse_retry_after("12") == 12 and parse_retry_after(None) == 0 and parse_retry_after("soon") == 0


def test_retry_after_beyond_the_deadline_fails_at_once(cache_path, clock):
    s = session(cache_path, clock, deadline=300)
    with responses.RequestsMock() as rs:
        rs.get(S2, status=429, headers={"Retry-After": "1800"})
        with pytest.raises(RateLimited, match="1800 s") as err:
            s.get(S2)
        assert len(rs.calls) == 1
    assert sum(clock.sleeps) < 300 and "\n" not in str(err.value)


def test_backoff_is_exponential_with_jitter_and_gives_up(cache_path, clock):
    s = session(cache_path, clock, max_attempts=5, backoff_initial=2.0)
    with responses.RequestsMock() as rs:
        rs.get(S2, status=503)
        with pytest.raises(Unavailable, match="503"):
            s.get(S2)
        assert len(rs.calls) == 5
    waits = [w for w in clock.sleeps if w > 1.0 + 1e-9]  # drop the 1 s host spacing
    assert len(waits) == 4
    for i, w in enumerate(waits):
        assert 2.0 * 2**i <= w <= 1.5 * 2.0 * 2**i


@pytest.mark.parametrize("exc", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError])
def test_timeouts_and_connection_errors_are_retried(cache_path, clock, exc):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get(S2, body=exc("boom"))
        rs.get(S2, json={"ok": 2})
        assert s.get(S2).json() == {"ok": 2}


def test_truncated_json_is_retried_and_not_cached(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get(S2, body='{"data": [{"citedPaper": {"title": "Atten', content_type="application/json")
        rs.get(S2, json={"data": []})
        assert s.get(S2).json() == {"data": []}
    assert session(cache_path, clock, "replay").get(S2).json() == {"data": []}


def test_truncated_atom_feed_is_retried(cache_path, clock):
    s = session(cache_path, clock)
    full = "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>x</id></entry></feed>"
    with responses.RequestsMock() as rs:
        rs.get(ARXIV_API, body=full[:30], content_type="application/atom+xml")
        rs.get(ARXIV_API, body=full, content_type="application/atom+xml")
        assert s.get(ARXIV_API).text == full


def test_persistent_html_challenge_says_to_log_in(cache_path, clock):
    s = session(cache_path, clock)
    url = "https://api2.openreview.net/notes?content.venueid=ICLR.cc/2025/Conference"
    with responses.RequestsMock() as rs:
        rs.get(url, body="<!DOCTYPE html><html><title>Just a moment</title></html>", content_type="text/html")
        with pytest.raises(Challenge) as err:
            s.get(url)
        assert len(rs.calls) == 3  # an intermittent page is retried, a persistent one is not forever
    msg = str(err.value)
    assert "OPENREVIEW_USERNAME" in msg and "OPENREVIEW_PASSWORD" in msg and "\n" not in msg
    assert len(HttpCache(cache_path)) == 0


def test_403_is_a_challenge(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get("https://api2.openreview.net/notes", status=403, json={"name": "ChallengeRequiredError"})
        with pytest.raises(Challenge, match="403"):
            s.get("https://api2.openreview.net/notes")


def test_400_is_not_retried(cache_path, clock):
    s = session(cache_path, clock)
    with responses.RequestsMock() as rs:
        rs.get(ARXIV_API, status=400, body="bad query")
        with pytest.raises(HttpStatusError, match="400"):
            s.get(ARXIV_API)
        assert len(rs.calls) == 1


def test_openreview_reset_time_in_a_429_body_is_honoured(cache_path, clock):
    from datetime import datetime, timedelta, timezone

    reset = (datetime.now(timezone.utc) + timedelta(seconds=120)).isoformat()
    s = session(cache_path, clock)
    url = "https://api2.openreview.net/notes?id=x"
    with responses.RequestsMock() as rs:
        rs.get(url, status=429, json={"name": "RateLimitError", "details": {"limit": 36, "remaining": 0, "resetTime": reset}})
        rs.get(url, json={"notes": []})
        assert s.get(url).json() == {"notes": []}
    assert 100 < max(clock.sleeps) <= 121


def test_user_agent_names_the_tool_and_an_optional_contact(cache_path, monkeypatch):
    monkeypatch.setenv("SCALAR_CONTACT", "bench@example.org")
    s = make_session(cache_path)
    assert s.headers["User-Agent"].startswith("scalar-crawler/") and "mailto:bench@example.org" in s.headers["User-Agent"]


def test_use_rate_limits_swaps_the_process_wide_limiters(cache_path):
    from scalar.sources.http import shared_rate_limits, use_rate_limits

    before = shared_rate_limits()
    fake = FakeClock()
    with use_rate_limits(RateLimits(clock=fake)) as limits:
        s = make_session(cache_path)  # no explicit limits: picks up the swapped ones
        assert adapter_of(s).limits is limits
        with responses.RequestsMock() as rs:
            for i in range(3):
                rs.get(f"https://arxiv.org/pdf/2401.0000{i}", body=b"%PDF-1.4 %%EOF", content_type="application/pdf")
            t0 = time.monotonic()
            for i in range(3):
                s.get(f"https://arxiv.org/pdf/2401.0000{i}")
            assert time.monotonic() - t0 < 1.0  # paced on the fake clock, not by sleeping
        assert fake.sleeps == [3.0, 3.0]
    assert shared_rate_limits() is before


def test_offline_without_a_cache_file_is_one_clear_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere" / "http.sqlite"
    with pytest.raises(CacheMiss, match="does not exist"):
        make_session(missing, "replay")
    assert not missing.exists() and not missing.parent.exists()


def test_mutable_openreview_answers_expire_after_a_week_in_record_mode(cache_path, clock, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from scalar.sources.http import CachingAdapter

    url = "https://api2.openreview.net/notes?content.venueid=ICLR.cc/2026/Conference"
    with responses.RequestsMock() as rs:
        rs.get(url, json={"notes": ["before decisions"]})
        session(cache_path, clock).get(url)
    in_8_days = datetime.now(timezone.utc) + timedelta(days=8)
    monkeypatch.setattr(CachingAdapter, "_wallclock", staticmethod(lambda: in_8_days))
    # replay never expires anything
    assert session(cache_path, clock, "replay").get(url).json() == {"notes": ["before decisions"]}
    # record refetches, and a failing service falls back to the stale copy
    s = session(cache_path, clock, max_attempts=2)
    with responses.RequestsMock() as rs:
        rs.get(url, status=503)
        assert s.get(url).json() == {"notes": ["before decisions"]}
        assert len(rs.calls) == 2
    with responses.RequestsMock() as rs:
        rs.get(url, json={"notes": ["after decisions"]})
        assert session(cache_path, clock).get(url).json() == {"notes": ["after decisions"]}
    # arXiv answers (immutable, versioned) never expire
    arxiv_url = "https://arxiv.org/html/2401.00001v1"
    monkeypatch.undo()
    with responses.RequestsMock() as rs:
        rs.get(arxiv_url, body="<html>x</html>", content_type="text/html")
        session(cache_path, clock).get(arxiv_url)
    monkeypatch.setattr(CachingAdapter, "_wallclock", staticmethod(lambda: in_8_days + timedelta(days=999)))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        assert session(cache_path, clock).get(arxiv_url).text == "<html>x</html>"
        assert len(rs.calls) == 0


def test_an_empty_arxiv_search_is_asked_again_after_a_day(cache_path, clock, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from scalar.sources.http import CachingAdapter

    empty = (
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:opensearch='http://a9.com/-/spec/opensearch/1.1/'>"
        "<opensearch:totalResults>0</opensearch:totalResults></feed>"
    )
    found = empty.replace(">0<", ">1<")
    q1, q2 = ARXIV_API + "?search_query=ti:a", ARXIV_API + "?search_query=ti:b"
    with responses.RequestsMock() as rs:
        rs.get(q1, body=empty, content_type="application/atom+xml")
        rs.get(q2, body=found, content_type="application/atom+xml")
        s = session(cache_path, clock)
        s.get(q1), s.get(q2)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:  # same day: all cached
        s = session(cache_path, clock)
        s.get(q1), s.get(q2)
        assert len(rs.calls) == 0
    tomorrow = datetime.now(timezone.utc) + timedelta(days=2)
    monkeypatch.setattr(CachingAdapter, "_wallclock", staticmethod(lambda: tomorrow))
    with responses.RequestsMock() as rs:
        rs.get(q1, body=found, content_type="application/atom+xml")
        s = session(cache_path, clock)
        assert ">1<" in s.get(q1).text and ">1<" in s.get(q2).text  # only the empty one refetched
        assert len(rs.calls) == 1
    assert ">1<" in session(cache_path, clock, "replay").get(q1).text  # the new answer replaced the empty one
