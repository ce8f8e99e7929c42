"""Fault injection: with 30% of requests failing (429 + Retry-After, 500, 503, connect and read
timeouts, truncated bodies, HTML challenge pages), every source gives exactly the results of a
fault-free run, the cache holds the same responses, and an offline replay needs no request."""

from __future__ import annotations

import hashlib
import json

import pytest
import responses
from _srcfix import ATOM, FakeWeb, entry, feed, query

from scalar.schema import Paper, Reference
from scalar.sources import arxiv as ax
from scalar.sources.fulltext import fetch_fulltext
from scalar.sources.http import FakeClock, HttpCache, adapter_of, make_session
from scalar.sources.openreview import list_accepted_papers
from scalar.sources.references import resolve_references

VENUE = "ICLR.cc/2025/Conference"
N_NOTES = 1010  # two pages of openreview-py's 1000
N_USED = 14  # papers followed through arXiv, Semantic Scholar and full text
PDF = b"%PDF-1.5\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def words(i: int, n: int = 6) -> str:
    vocab = "sparse attention retrieval kernel diffusion graph token memory scaling bandit agent proof".split()
    h = hashlib.sha256(str(i).encode()).digest()
    return " ".join(vocab[b % len(vocab)].capitalize() for b in h[:n])


def title(i: int) -> str:
    return f"{words(i)} for Task {i}"


def arxiv_id(i: int) -> str:
    return f"2409.{10000 + i:05d}"


def ref_title(i: int, j: int) -> str:
    return f"Reference {j} of paper {i}: {words(1000 * i + j, 4)}"


def ref_id(i: int, j: int) -> str:
    return f"2301.{i * 100 + j:05d}"


def build_world() -> FakeWeb:
    web = FakeWeb()

    notes = [
        {
            "id": f"or{i:05d}",
            "forum": f"or{i:05d}",
            "number": i,
            "cdate": 1727302855000,
            "odate": 1728000000000 + i,
            "pdate": 1737504000000,
            "content": {
                "title": {"value": title(i)},
                "authors": {"value": [f"First{i} Author", "Shared Surname"]},
                "venue": {"value": ["ICLR 2025 Oral", "ICLR 2025 Spotlight", "ICLR 2025 Poster"][i % 3]},
                "venueid": {"value": VENUE},
            },
        }
        for i in range(N_NOTES)
    ]

    def notes_api(request):
        q = query(request)
        rows = [n for n in notes if "after" not in q or n["id"] > q["after"]][: int(q["limit"])]
        body = {"notes": rows, **({"count": len(notes)} if q.get("count") == "true" else {})}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    web.route(r"https://api2\.openreview\.net/notes", notes_api)

    by_title = {title(i).lower(): i for i in range(N_USED)}
    ref_titles = {ref_title(i, j).lower(): (i, j) for i in range(N_USED) for j in range(6)}

    def arxiv_api(request):
        q = query(request)
        if q["id_list"]:
            ids = q["id_list"].split(",")
            return 200, ATOM, feed(*(entry(x, f"Entry {x}", ["Some One"], version="v2", abstract=f"Abstract of {x}.") for x in ids))
        sq = q["search_query"]
        for t, i in by_title.items():
            normal = ax.query_title(t)
            if sq == f'ti:"{normal}"' and i % 4 != 0:  # every 4th is only found by the word query
                return 200, ATOM, feed(entry(arxiv_id(i), title(i), ["Shared Surname"], published="2024-09-30T12:00:00Z"))
            if " AND " in sq and all(f"ti:{w}" in sq for w in ax.rare_tokens(t)):
                return 200, ATOM, feed(entry(arxiv_id(i), title(i).replace(" for Task", " for the Task"), ["Shared Surname"], version="v3"))
        for t, (i, j) in ref_titles.items():
            if sq == f'ti:"{ax.query_title(t)}"' and j == 4:
                return 200, ATOM, feed(entry(ref_id(i, j), ref_title(i, j), ["Ref Author"], published="2023-01-05T00:00:00Z"))
        return 200, ATOM, feed()

    web.route(r"https://export\.arxiv\.org/api/query", arxiv_api)

    for i in range(N_USED):
        cited = [
            {"citedPaper": {"paperId": f"p{i}-{j}", "title": ref_title(i, j), "year": 2023, "externalIds": {"ArXiv": ref_id(i, j)}}}
            for j in (2, 3)
        ] + [{"citedPaper": {"paperId": None, "title": ref_title(i, 5), "year": None, "externalIds": None}}]
        web.json(rf"https://api\.semanticscholar\.org/graph/v1/paper/arXiv:{arxiv_id(i)}/references", {"data": cited})
        page = f'<!DOCTYPE html><html><body><article class="ltx_document">Paper {i}</article></body></html>'
        if i % 3 == 0:
            web.route(rf"https://arxiv\.org/html/{arxiv_id(i)}v\d", lambda r, p=page: (200, {"Content-Type": "text/html"}, p))
        elif i % 3 == 1:
            web.route(rf"https://ar5iv\.labs\.arxiv\.org/html/{arxiv_id(i)}", lambda r, p=page: (200, {"Content-Type": "text/html"}, p))
        else:
            web.route(rf"https://arxiv\.org/pdf/{arxiv_id(i)}v\d", lambda r: (200, {"Content-Type": "application/pdf"}, PDF))
    return web


def references_of(i: int, found: str) -> Paper:
    refs = [
        Reference(key="bib.bib0", raw=f"Someone. Earlier work. arXiv:{ref_id(i, 0)}", title=ref_title(i, 0)),
        Reference(key="bib.bib1", raw="Someone. Other work.", title=ref_title(i, 1), doi=f"10.48550/arXiv.{ref_id(i, 1)}"),
        Reference(key="bib.bib2", raw="...", title=ref_title(i, 2), year=2023),
        Reference(key="bib.bib3", raw="...", title=ref_title(i, 3).upper(), year=2023),
        Reference(key="bib.bib4", raw="...", title=ref_title(i, 4), authors=["Ref Author"], year=2023),
        Reference(key="bib.bib5", raw="...", title=ref_title(i, 5), authors=["Nobody Known"], year=2023),
    ]
    return Paper(arxiv_id=found, version="v1", title=title(i), references=refs)


def run_sources(session) -> dict:
    """Every source, as the build uses them; returns a JSON-able summary of what came back."""
    papers = list_accepted_papers(VENUE, session)
    client = ax.client_for(session)
    out: dict = {"papers": [p.model_dump(mode="json") for p in papers], "matches": {}, "refs": {}, "text": {}}
    for p in papers[:N_USED]:
        m = ax.match_title(p.title, p.authors, client)
        out["matches"][p.forum_id] = m.model_dump(mode="json") if m else None
        if m is None:
            continue
        res = resolve_references(references_of(p.number, m.arxiv_id), session, client)
        out["refs"][m.arxiv_id] = {k: v.model_dump(mode="json") for k, v in res.items()}
        ft = fetch_fulltext(m.arxiv_id, m.version, session)
        out["text"][m.arxiv_id] = [ft.source, ft.url, hashlib.sha256(ft.content).hexdigest()]
    ids = sorted({r["arxiv_id"] for refs in out["refs"].values() for r in refs.values()} | set(out["text"]))
    out["meta"] = {k: v.model_dump(mode="json") for k, v in ax.fetch_metadata(ids, client).items()}
    return out


def cache_dump(path) -> dict[str, bytes]:
    c = HttpCache(path)
    rows = dict(c._db.execute("SELECT url, body FROM responses").fetchall())
    c.close()
    return rows


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("clean") / "http.sqlite"
    web = build_world()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        web.install(rs)
        result = run_sources(make_session(path, clock=FakeClock()))
    return result, path, web


def test_the_clean_run_exercises_every_source(clean_run):
    result, _, web = clean_run
    assert len(result["papers"]) == N_NOTES
    assert sum(m is not None for m in result["matches"].values()) == N_USED
    assert {m["method"] for m in result["matches"].values()} == {"exact", "similar"}
    assert {t[0] for t in result["text"].values()} == {"arxiv-html", "ar5iv", "pdf"}
    hows = {r["how"] for refs in result["refs"].values() for r in refs.values()}
    assert hows == {"entry", "doi", "s2", "arxiv-search"}
    assert all(len(refs) == 5 for refs in result["refs"].values())  # bib5 is unresolvable
    assert len(result["meta"]) == N_USED * 6
    assert web.total >= 100


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_30_percent_faults_give_the_same_results(clean_run, tmp_path, seed):
    clean, clean_path, _ = clean_run
    web = build_world()
    web.fault_rate, web.seed = 0.3, seed
    path = tmp_path / "http.sqlite"
    session = make_session(path, clock=FakeClock())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        web.install(rs)
        faulty = run_sources(session)
    assert set(web.injected) == set(FakeWeb.FAULTS), web.injected  # every kind was injected
    assert sum(web.injected.values()) >= 0.2 * web.total
    assert faulty == clean
    assert cache_dump(path) == cache_dump(clean_path)  # no fault page ever reached the cache
    assert adapter_of(session).stats.retries == sum(web.injected.values())

    # resume/replay: the same results from the cache alone, with no request at all
    offline = make_session(path, "replay")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        assert run_sources(offline) == clean
        assert len(rs.calls) == 0


def test_an_interrupted_run_resumes_without_repeating_requests(clean_run, tmp_path):
    clean, _, _ = clean_run
    path = tmp_path / "http.sqlite"
    web = build_world()
    limit = 60

    class Killed(Exception):
        pass

    def killing(request):
        if web.total >= limit:
            raise Killed("the build was killed here")
        return web(request)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        for method in ("GET", "POST"):
            rs.add_callback(method, __import__("re").compile(r"https?://.*"), callback=killing)
        with pytest.raises(Killed):
            run_sources(make_session(path, clock=FakeClock()))
    first = dict(web.calls)
    assert sum(first.values()) == limit

    web2 = build_world()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        web2.install(rs)
        assert run_sources(make_session(path, clock=FakeClock())) == clean
    assert not set(first) & set(web2.calls)  # nothing fetched before the kill was fetched again
