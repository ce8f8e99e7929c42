"""OpenReview listing through openreview-py, with authored API v2 /notes pages."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import responses
from _srcfix import CHALLENGE_HTML, query

from scalar.errors import ConfigError
from scalar.sources.http import CacheMiss, Challenge, FakeClock, HttpCache, adapter_of, make_session
from scalar.sources.openreview import list_accepted_papers, parse_presentation

VENUE = "ICLR.cc/2025/Conference"
NOTES = re.compile(r"https://api2\.openreview\.net/notes.*")

# Unix milliseconds, as API v2 sends them
CDATE, ODATE, PDATE = 1727302855000, 1728000000000, 1737504000000  # 2024-09-25, 2024-10-04, 2025-01-22


def api_note(i: int, venue: str, *, unified_authors: bool = False, venueid: str = VENUE) -> dict:
    """One note shaped like API v2 returns it: every content value wrapped in {"value": ...}."""
    names = [f"Author{i} Alpha", "Bea Beta"]
    if unified_authors:
        authors = {"value": [{"fullname": n, "username": f"~{n.replace(' ', '_')}1"} for n in names]}
    else:
        authors = {"value": names}
    content = {
        "title": {"value": f"  Paper   number {i:04d}: a study "},
        "authors": authors,
        "abstract": {"value": f"Abstract {i}."},
        "keywords": {"value": ["long context", "benchmarks"]},
        "venue": {"value": venue},
        "venueid": {"value": venueid},
        "pdf": {"value": f"/pdf/{i:040x}.pdf"},
        "_bibtex": {"value": "@inproceedings{...}"},
    }
    if not unified_authors:
        content["authorids"] = {"value": [f"~Author{i}_Alpha1", "~Bea_Beta1"]}
    return {
        "id": f"note{i:05d}",
        "forum": f"note{i:05d}",
        "number": i,
        "cdate": CDATE,
        "odate": ODATE,
        "pdate": PDATE,
        "mdate": PDATE + 1000,
        "tcdate": CDATE,
        "tmdate": PDATE + 1000,
        "license": "CC BY 4.0",
        "externalIds": [f"arxiv:2410.{i:05d}"] if i % 2 == 0 else [],
        "invitations": [f"{VENUE}/-/Submission", f"{VENUE}/Submission{i}/-/Camera_Ready_Revision"],
        "domain": VENUE,
        "readers": ["everyone"],
        "writers": [VENUE],
        "signatures": [f"{VENUE}/Submission{i}/Authors"],
        "content": content,
    }


def venue_of(i: int) -> str:
    return ["ICLR 2025 Oral", "ICLR 2025 Spotlight", "ICLR 2025 Poster", "ICLR 2025 Poster", "ICLR 2025 Blogpost Track"][i % 5]


class NotesApi:
    """/notes as API v2 pages it: sorted by id, `limit` per page, `after=<id>`, `count` on request."""

    def __init__(self, notes: list[dict]):
        self.notes = sorted(notes, key=lambda n: n["id"])
        self.requests: list[dict[str, str]] = []

    def __call__(self, request):
        q = query(request)
        self.requests.append(q)
        assert q["content.venueid"] == VENUE and q["sort"] == "id"
        limit = int(q["limit"])
        rows = [n for n in self.notes if "after" not in q or n["id"] > q["after"]][:limit]
        body = {"notes": rows}
        if q.get("count") == "true":
            body["count"] = len(self.notes)
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body)


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENREVIEW_USERNAME", raising=False)
    monkeypatch.delenv("OPENREVIEW_PASSWORD", raising=False)
    return make_session(tmp_path / "c.sqlite", clock=FakeClock())


def test_listing_pages_through_every_note(session, tmp_path, capsys):
    api = NotesApi([api_note(i, venue_of(i), unified_authors=i % 3 == 0) for i in range(1, 1206)])
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", NOTES, callback=api)
        papers = list_accepted_papers(VENUE, session)
    # openreview-py: a counted first page, then after=<last id> pages until an empty one
    assert [r.get("after") for r in api.requests] == [None, "note01000", "note01205"]
    assert [r["count"] for r in api.requests] == ["true", "false", "false"]
    assert "Getting V2 Notes" not in capsys.readouterr().err  # no second progress bar
    assert len(papers) == 1205 and [p.forum_id for p in papers] == sorted(p.forum_id for p in papers)

    p = papers[0]
    assert p.forum_id == "note00001" and p.title == "Paper number 0001: a study"
    assert p.authors == ["Author1 Alpha", "Bea Beta"]
    assert p.public_date == date(2024, 10, 4) and p.accepted_date == date(2025, 1, 22)
    assert p.created.year == 2024 and p.license == "CC BY 4.0" and p.arxiv_id is None
    assert p.url == "https://openreview.net/forum?id=note00001" and p.accepted
    unified = next(x for x in papers if x.number == 3)
    assert unified.authors == ["Author3 Alpha", "Bea Beta"] and unified.arxiv_id is None
    assert next(x for x in papers if x.number == 2).arxiv_id == "2410.00002"

    tiers = {}
    for x in papers:
        tiers[x.presentation] = tiers.get(x.presentation, 0) + 1
    assert tiers == {"spotlight": 241, "poster": 482, "oral": 241, None: 241}
    blog = next(x for x in papers if x.venue == "ICLR 2025 Blogpost Track")
    assert blog.presentation is None and not blog.main_track

    # the raw pages are in the cache: an offline listing gives the same papers, no request
    offline = make_session(tmp_path / "c.sqlite", "replay", clock=FakeClock())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        assert list_accepted_papers(VENUE, offline) == papers
        assert len(rs.calls) == 0


def test_offline_listing_without_cache_names_the_url(tmp_path):
    HttpCache(tmp_path / "empty.sqlite").close()  # an existing, empty cache
    offline = make_session(tmp_path / "empty.sqlite", "replay")
    with pytest.raises(CacheMiss, match=r"api2\.openreview\.net/notes\?content\.venueid=ICLR\.cc"):
        list_accepted_papers(VENUE, offline)


@pytest.mark.parametrize(
    "venue, tier",
    [
        ("ICLR 2025 Oral", "oral"),
        ("ICLR 2024 oral", "oral"),
        ("ICLR 2024 spotlight", "spotlight"),
        ("ICML 2025 spotlightposter", "spotlight"),
        ("NeurIPS 2024 poster", "poster"),
        # 2026 wording (openproceedings' notes on the live API)
        ("ICML 2026 regular", "poster"),
        ("ICML 2026 spotlight", "spotlight"),
        ("ICML 2026 oral", "oral"),
        ("ICML 2026 Spotlight Poster", "spotlight"),
        ("ICLR 2026 Poster", "poster"),
        ("  ICML 2026   regular ", "poster"),
        ("NeurIPS 2025 Datasets and Benchmarks Track poster", None),
        ("ICML 2026 regular paper", None),  # unknown wording: not guessed (a registry entry can add it)
        ("ICLR 2025 Blogpost Track", None),
        ("Submitted to ICLR 2025", None),
        ("", None),
    ],
)
def test_presentation_table(venue, tier):
    assert parse_presentation(venue) == tier


def test_a_venue_can_add_its_own_presentation_wording():
    extra = {"Regular Paper": "poster", "long-talk": "oral"}
    assert parse_presentation("ICML 2026 regular paper", extra) == "poster"
    assert parse_presentation("ICML 2026 Long Talk", extra) == "oral"
    assert parse_presentation("ICML 2026 spotlight", extra) == "spotlight"  # the built-in table still applies
    assert parse_presentation("ICML 2026 workshop", extra) is None


def test_real_presentation_strings_of_every_recorded_venue(reference_dir):
    """Every venue string in the real OpenReview answers maps to its tier (only the blog-post
    track is outside the main track)."""
    import json as _json

    folder = reference_dir / "real-services" / "openreview" / "openproceedings"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    seen = {}
    for path in sorted(folder.glob("*notes-*.json")):
        for note in (_json.loads(path.read_text())["response"].get("json") or {}).get("notes", []):
            venue = ((note.get("content") or {}).get("venue") or {}).get("value")
            if venue:
                seen[venue] = parse_presentation(venue)
    assert seen, "no notes found"
    for venue, tier in seen.items():
        if "Blogpost" in venue:
            assert tier is None, venue
        else:
            assert tier in ("oral", "spotlight", "poster"), venue
            assert tier == {"oral": "oral", "spotlight": "spotlight", "spotlightposter": "spotlight",
                            "poster": "poster"}[venue.split()[-1].lower()], venue


def test_403_challenge_tells_the_user_to_log_in(session):
    with responses.RequestsMock() as rs:
        rs.get(
            NOTES,
            status=403,
            json={"name": "ChallengeRequiredError", "message": "Challenge required", "details": {"url": "https://openreview.net/challenge"}},
        )
        with pytest.raises(Challenge) as err:
            list_accepted_papers(VENUE, session)
    assert "OPENREVIEW_USERNAME" in str(err.value) and "\n" not in str(err.value)


def test_html_page_instead_of_json_is_a_challenge(session, tmp_path):
    with responses.RequestsMock() as rs:
        rs.get(NOTES, body=CHALLENGE_HTML, content_type="text/html")
        with pytest.raises(Challenge, match="OPENREVIEW_PASSWORD"):
            list_accepted_papers(VENUE, session)
    assert len(HttpCache(tmp_path / "c.sqlite")) == 0  # the challenge page is never cached


def test_login_from_environment_goes_through_our_adapter_uncached(session, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENREVIEW_USERNAME", "me@example.org")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", "s3cret-pw")
    api = NotesApi([api_note(i, "ICLR 2025 Poster") for i in range(1, 4)])
    seen_auth = []

    def notes(request):
        seen_auth.append(request.headers.get("Authorization"))
        return api(request)

    with responses.RequestsMock() as rs:
        rs.post(
            "https://api2.openreview.net/login",
            json={"token": "tok-abc", "user": {"id": "~Me1", "profile": {"id": "~Me1"}}},
        )
        rs.add_callback("GET", NOTES, callback=notes)
        papers = list_accepted_papers(VENUE, session)
        login = [c for c in rs.calls if c.request.url.endswith("/login")]
        assert len(login) == 1 and b"s3cret-pw" in login[0].request.body
    assert len(papers) == 3 and seen_auth[0] == "Bearer tok-abc"
    assert adapter_of(session).stats.network_attempts == 3  # login + 2 pages, nothing else
    dump = (tmp_path / "c.sqlite").read_bytes()
    assert b"s3cret-pw" not in dump and b"tok-abc" not in dump

    # offline: credentials set, but no login request may leave the machine
    offline = make_session(tmp_path / "c.sqlite", "replay")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        assert list_accepted_papers(VENUE, offline) == papers
        assert len(rs.calls) == 0


def test_bad_credentials_are_a_config_error(session, monkeypatch):
    monkeypatch.setenv("OPENREVIEW_USERNAME", "me@example.org")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", "wrong")
    with responses.RequestsMock() as rs:
        rs.post("https://api2.openreview.net/login", status=400, json={"name": "Error", "message": "Invalid username or password"})
        with pytest.raises(ConfigError) as err:
            list_accepted_papers(VENUE, session)
    msg = str(err.value)
    assert "me@example.org" in msg and "Invalid username or password" in msg and "wrong" not in msg


def test_resumed_listing_with_credentials_needs_no_login(session, tmp_path, monkeypatch):
    api = NotesApi([api_note(i, "ICLR 2025 Poster") for i in range(1, 4)])
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", NOTES, callback=api)
        first = list_accepted_papers(VENUE, session)  # anonymous, pages cached
    monkeypatch.setenv("OPENREVIEW_USERNAME", "me@example.org")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", "pw")
    again = make_session(tmp_path / "c.sqlite", clock=FakeClock())  # record mode, creds set
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        assert list_accepted_papers(VENUE, again) == first
        assert len(rs.calls) == 0  # every page was cached: no login, no request


def test_a_stale_listing_is_fetched_again_with_login(session, tmp_path, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from scalar.sources.http import CachingAdapter

    api = NotesApi([api_note(i, "ICLR 2025 Poster") for i in range(1, 4)])
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", NOTES, callback=api)
        list_accepted_papers(VENUE, session)
    later = datetime.now(timezone.utc) + timedelta(days=30)
    monkeypatch.setattr(CachingAdapter, "_wallclock", staticmethod(lambda: later))
    monkeypatch.setenv("OPENREVIEW_USERNAME", "me@example.org")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", "pw")
    again = make_session(tmp_path / "c.sqlite", clock=FakeClock())
    with responses.RequestsMock() as rs:
        rs.post("https://api2.openreview.net/login", json={"token": "t", "user": {"id": "~Me1", "profile": {"id": "~Me1"}}})
        rs.add_callback("GET", NOTES, callback=api)
        assert len(list_accepted_papers(VENUE, again)) == 3
        assert [c.request.url.rsplit("/", 1)[-1][:5] for c in rs.calls] == ["login", "notes", "notes"]
