"""Reference resolution: ids in the entry, one Semantic Scholar call, arXiv title search."""

from __future__ import annotations

import json
import re

import pytest
import responses
from _srcfix import ATOM, entry, feed, query

from scalar.schema import Paper, Reference
from scalar.sources import arxiv as ax
from scalar.sources.http import FakeClock, adapter_of, make_session
from scalar.sources.references import resolve_references

S2 = re.compile(r"https://api\.semanticscholar\.org/graph/v1/paper/arXiv:2410\.05602/references.*")
API = re.compile(r"https://export\.arxiv\.org/api/query.*")


def paper() -> Paper:
    refs = [
        Reference(key="bib.bib1", raw="Vaswani et al. Attention is all you need. arXiv:1706.03762", title="Attention is all you need", arxiv_id="1706.03762v7"),
        Reference(key="bib.bib2", raw="Chung et al. Empirical evaluation of gated recurrent neural networks. 2014.", title="Empirical evaluation of gated recurrent neural networks on sequence modeling", doi="10.48550/arXiv.1412.3555"),
        Reference(key="bib.bib3", raw="Kingma and Ba. Adam. CoRR abs/1412.6980, 2014.", title="Adam: A method for stochastic optimization"),
        Reference(key="bib.bib4", raw="He et al. Deep residual learning for image recognition. CVPR 2016.", title="Deep Residual Learning for Image Recognition", authors=["Kaiming He"], year=2016),
        Reference(key="bib.bib5", raw="Devlin et al. BERT. NAACL 2019.", title="BERT: Pre-training of deep bidirectional transformers for language understanding", year=2019),
        Reference(key="bib.bib6", raw="Smith. A Study of Long Context Retrieval. 2023.", title="A Study of Long-Context Retrieval Heads", authors=["Jane Smith"], year=2023),
        Reference(key="bib.bib7", raw="Nobody. An unpublished manuscript on tables. 2001.", title="An unpublished manuscript on tables", authors=["No Body"], year=2001),
        Reference(key="bib.bib8", raw="Park et al. Our own earlier version.", title="Amortized control of continuous state space Feynman-Kac model for irregular time series", authors=["Byoungwoo Park"], year=2024),
        Reference(key="bib.bib9", raw="Old et al. A retitled classic. 2010.", title="Learning representations with deep belief networks", authors=["Geoffrey Hinton"], year=2010),
        Reference(key="bib.bib10", raw="Li. A journal paper. DOI 10.1109/5.771073", title="Some journal paper", doi="10.1109/5.771073"),
    ]
    return Paper(arxiv_id="2410.05602", version="v2", title="Amortized Control", references=refs)


S2_BODY = {
    "offset": 0,
    "data": [
        {"citedPaper": {"paperId": "a1", "title": "Deep Residual Learning for Image Recognition", "year": 2016, "externalIds": {"ArXiv": "1512.03385", "DOI": "10.1109/CVPR.2016.90", "CorpusId": 206594692}}},
        {"citedPaper": {"paperId": "a2", "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding.", "year": 2019, "externalIds": {"ArXiv": "1810.04805"}}},
        {"citedPaper": {"paperId": "a3", "title": "Some journal paper", "year": 1999, "externalIds": {"DOI": "10.1109/5.771073"}}},
        {"citedPaper": {"paperId": None, "title": "An unpublished manuscript on tables", "year": None, "externalIds": None}},
        {"citedPaper": {"paperId": "a5", "title": "Learning representations with deep belief nets", "year": 2015, "externalIds": {"ArXiv": "1501.00001"}}},
        {"citedPaper": {"paperId": "a6", "title": "Amortized Control of Continuous State Space Feynman-Kac Model for Irregular Time Series", "year": 2024, "externalIds": {"ArXiv": "2410.05602"}}},
    ],
}


def arxiv_api(request):
    q = query(request)["search_query"]
    if "long context retrieval heads" in q or ("retrieval" in q and "heads" in q):
        return 200, ATOM, feed(entry("2404.15574", "A Study of Long Context Retrieval Heads", ["Jane Smith", "Bo Li"], published="2023-04-01T00:00:00Z"))
    if "deep belief" in q:
        return 200, ATOM, feed(entry("1001.00001", "Learning representations with deep belief networks", ["Geoffrey Hinton"], published="2019-01-01T00:00:00Z"))
    return 200, ATOM, feed()


@pytest.fixture
def session(tmp_path):
    return make_session(tmp_path / "c.sqlite", clock=FakeClock())


def test_three_steps_in_order(session, tmp_path):
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", S2, callback=lambda r: (200, {"Content-Type": "application/json"}, json.dumps(S2_BODY)))
        rs.add_callback("GET", API, callback=arxiv_api)
        res = resolve_references(paper(), session, ax.client_for(session))
        s2_calls = [c for c in rs.calls if "semanticscholar" in c.request.url]
        assert len(s2_calls) == 1
        assert query(s2_calls[0].request) == {"fields": "externalIds,title,year", "limit": "1000"}
        searched = [query(c.request)["search_query"] for c in rs.calls if "export.arxiv.org" in c.request.url]
    assert searched and not any("journal" in q for q in searched)  # bib10: S2 knows it has no arXiv version
    assert any("unpublished" in q for q in searched)  # bib7: S2 has no paperId, so arXiv is asked
    got = {k: (v.arxiv_id, v.how) for k, v in res.items()}
    assert got == {
        "bib.bib1": ("1706.03762", "entry"),  # version dropped
        "bib.bib2": ("1412.3555", "doi"),
        "bib.bib3": ("1412.6980", "entry"),  # CoRR abs/ in the raw text
        "bib.bib4": ("1512.03385", "s2"),
        "bib.bib5": ("1810.04805", "s2"),  # punctuation/case differences only
        "bib.bib6": ("2404.15574", "arxiv-search"),
    }
    # bib7: S2 has no id and arXiv has nothing; bib8 is the citing paper itself; bib9: the S2
    # title is close but years differ by 5, and the arXiv hit is 9 years after the citation;
    # bib10: a DOI that is not arXiv's
    assert res["bib.bib4"].score == 1.0 and res["bib.bib6"].score >= 0.9


def test_semantic_scholar_failures_fall_through_to_arxiv_search(session):
    with responses.RequestsMock() as rs:
        rs.get(S2, status=404, json={"error": "Paper not found"})
        rs.add_callback("GET", API, callback=arxiv_api)
        status: dict[str, str] = {}
        res = resolve_references(paper(), session, ax.client_for(session), status=status)
    assert status == {"s2": "not-found"}
    assert {k: v.how for k, v in res.items()}["bib.bib6"] == "arxiv-search"
    assert "bib.bib4" not in res  # only S2 knew it, and arXiv search needs a shared surname + title


def test_semantic_scholar_rate_limit_does_not_stop_the_paper(tmp_path):
    s = make_session(tmp_path / "c.sqlite", clock=FakeClock(), max_attempts=3)
    with responses.RequestsMock() as rs:
        rs.get(S2, status=429, headers={"Retry-After": "5"})
        rs.add_callback("GET", API, callback=arxiv_api)
        status: dict[str, str] = {}
        res = resolve_references(paper(), s, ax.client_for(s), status=status)
        assert len([c for c in rs.calls if "semanticscholar" in c.request.url]) == 3
    assert status == {"s2": "RateLimited"}
    assert res["bib.bib1"].how == "entry" and res["bib.bib6"].how == "arxiv-search"


def test_search_budget_limits_arxiv_lookups(session):
    with responses.RequestsMock() as rs:
        rs.get(S2, json={"data": []})
        rs.add_callback("GET", API, callback=arxiv_api)
        resolve_references(paper(), session, ax.client_for(session), search_budget=2)
        searches = [c for c in rs.calls if "export.arxiv.org" in c.request.url]
    phrase = [c for c in searches if 'ti%3A%22' in c.request.url]
    assert len(phrase) == 2


def test_replay_resolves_identically_without_network(session, tmp_path):
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", S2, callback=lambda r: (200, {"Content-Type": "application/json"}, json.dumps(S2_BODY)))
        rs.add_callback("GET", API, callback=arxiv_api)
        live = resolve_references(paper(), session, ax.client_for(session))
    offline = make_session(tmp_path / "c.sqlite", "replay")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        assert resolve_references(paper(), offline, ax.client_for(offline)) == live
        assert len(rs.calls) == 0
    assert adapter_of(offline).stats.fetched == 0


def test_large_bibliographies_page_through_semantic_scholar(session):
    from scalar.sources.references import semantic_scholar_references

    def page(request):
        q = query(request)
        offset = int(q.get("offset", 0))
        rows = [{"citedPaper": {"title": f"T{offset + i}", "externalIds": {}}} for i in range(1000 if offset == 0 else 250)]
        body = {"offset": offset, "data": rows, **({"next": 1000} if offset == 0 else {})}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock() as rs:
        rs.add_callback("GET", S2, callback=page)
        cited = semantic_scholar_references("2410.05602v2", session)
        assert [query(c.request).get("offset") for c in rs.calls] == [None, "1000"]
    assert len(cited) == 1250 and cited[-1]["title"] == "T1249"


def test_an_s2_outage_stops_costing_time_after_three_papers(tmp_path):
    s = make_session(tmp_path / "c.sqlite", clock=FakeClock(), max_attempts=2)
    statuses = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        rs.get(re.compile(r"https://api\.semanticscholar\.org/.*"), status=503)
        rs.add_callback("GET", API, callback=arxiv_api)
        for n in range(5):
            p = paper().model_copy(update={"arxiv_id": f"2410.0560{n}"})
            st: dict[str, str] = {}
            resolve_references(p, s, ax.client_for(s), status=st, search_budget=0)
            statuses.append(st["s2"])
        s2_calls = [c for c in rs.calls if "semanticscholar" in c.request.url]
    assert statuses == ["Unavailable"] * 3 + ["circuit-open"] * 2
    assert len(s2_calls) == 3 * 2  # 3 papers x 2 attempts, then never again


def test_a_failing_title_search_leaves_one_entry_unresolved(tmp_path):
    """arXiv answers 500 for good to one entry's title search: that entry stays unresolved, the
    others are resolved, the failure is counted; a whole-arXiv outage would still raise."""
    s = make_session(tmp_path / "c.sqlite", clock=FakeClock(), max_attempts=2)

    def api(request):
        if "unpublished" in query(request)["search_query"]:
            return 500, {"Content-Type": "text/html"}, "<html>unavailable</html>"
        return arxiv_api(request)

    status: dict[str, str] = {}
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", S2, callback=lambda r: (200, {"Content-Type": "application/json"}, json.dumps(S2_BODY)))
        rs.add_callback("GET", API, callback=api)
        res = resolve_references(paper(), s, ax.client_for(s), status=status)
    assert status["search_failed"] == "1"
    assert "bib.bib7" not in res and res["bib.bib6"].how == "arxiv-search"


@pytest.mark.parametrize("body", ['["not", "an", "object"]', '{"data": {"citedPaper": 1}}', '{"data": [null, 7, {"citedPaper": {"title": 5}}]}'])
def test_an_odd_semantic_scholar_answer_skips_the_step(session, body):
    status: dict[str, str] = {}
    with responses.RequestsMock() as rs:
        rs.add_callback("GET", S2, callback=lambda r: (200, {"Content-Type": "application/json"}, body))
        rs.add_callback("GET", API, callback=arxiv_api)
        res = resolve_references(paper(), session, ax.client_for(session), status=status)
    assert status["s2"] in ("ValueError", "ok")  # a malformed page is refused; odd items are ignored
    assert res["bib.bib1"].how == "entry" and res["bib.bib6"].how == "arxiv-search"
