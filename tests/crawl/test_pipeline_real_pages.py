"""The crawl stage on two REAL LaTeXML pages (../shared/reference/ar5iv): a citing paper listed on
OpenReview, found on arXiv, served by ar5iv only (it predates arxiv.org/html), whose bibliography
names three arXiv ids, one of which (1412.3555) has its own real page. Every other service answers
as it would for an unknown or missing item. Skips when the reference data is absent."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

MTAN = {
    "id": "2101.10318",
    "title": "Multi-Time Attention Networks for Irregularly Sampled Time Series",
    "authors": ["Satya Narayan Shukla", "Benjamin M. Marlin"],
    "published": "2021-01-25T17:32:41Z",
}
CITED = {
    "1412.3555": ("Empirical Evaluation of Gated Recurrent Neural Networks on Sequence Modeling",
                  ["Junyoung Chung", "Caglar Gulcehre", "KyungHyun Cho", "Yoshua Bengio"], "2014-12-11T19:54:40Z"),
    "1907.05321": ("Time2Vec: Learning a Vector Representation of Time",
                   ["Seyed Mehran Kazemi", "Rishab Goel"], "2019-07-11T17:59:10Z"),
    "1710.04110": ("Discrete Event, Continuous Time RNNs", ["Michael C. Mozer", "Denis Kazakov"],
                   "2017-10-11T14:27:16Z"),
    "1806.07366": ("Neural Ordinary Differential Equations",
                   ["Ricky T. Q. Chen", "Yulia Rubanova", "Jesse Bettencourt", "David Duvenaud"],
                   "2018-06-19T17:50:15Z"),
    "1706.03762": ("Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"], "2017-06-12T17:57:34Z"),
}
# What Semantic Scholar would say about some of the page's references (title, year, arXiv id).
S2_REFS = [
    ("Neural Ordinary Differential Equations", 2018, "1806.07366"),
    ("Attention is All you Need", 2017, "1706.03762"),
    ("Long Short-Term Memory", 1997, None),
    ("MIMIC-III, a freely accessible critical care database", 2016, None),
]


def _entry(arxiv_id, title, authors, published):
    names = "".join(f"<author><name>{a}</name></author>" for a in authors)
    return (f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id><title>{title}</title>"
            f"<updated>{published}</updated><published>{published}</published>"
            f"<summary>Abstract of {title}.</summary>"
            f'<link href="https://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>'
            f'<category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>'
            f'<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG"/>{names}</entry>')


def _feed(entries):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
            f"<id>https://arxiv.org/api/x</id><title>q</title><updated>2025-01-01T00:00:00Z</updated>"
            f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
            f"<opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>10</opensearch:itemsPerPage>"
            + "".join(entries) + "</feed>")


def test_real_pages_flow_through_the_crawl(reference_dir, tmp_path):
    import responses

    from scalar._util.progress import StageProgress as _Progress
    from scalar.crawl.pipeline import FEW_FULLTEXT
    from scalar.crawl.pipeline import Crawl as _Crawl
    from scalar.crawl.venues import get_venue
    from scalar.sources.http import FakeClock, RateLimits, make_session

    pages = {aid: (reference_dir / "ar5iv" / f"{aid}.html").read_bytes() for aid in ("2101.10318", "1412.3555")}
    note = {
        "id": "mTANforum1", "forum": "mTANforum1", "number": 1, "cdate": 1601510400000,
        "odate": 1601942400000, "pdate": 1610064000000, "mdate": 1610064000000, "license": "CC BY 4.0",
        "content": {"title": {"value": MTAN["title"]}, "authors": {"value": MTAN["authors"]},
                    "authorids": {"value": ["~Satya_Shukla1", "~Benjamin_Marlin1"]},
                    "venue": {"value": "ICLR 2025 Poster"}, "venueid": {"value": "ICLR.cc/2025/Conference"}},
    }
    asked: list[str] = []

    def notes(request):
        asked.append(request.url)
        q = parse_qs(urlsplit(request.url).query)
        body = {"notes": [] if "after" in q else [note], "count": 1}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def arxiv_api(request):
        asked.append(request.url)
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        if q.get("id_list"):
            ids = [i for i in q["id_list"].split(",") if i in CITED]
            return 200, {}, _feed([_entry(i, *CITED[i]) for i in ids])
        if "multi time attention networks" in q.get("search_query", ""):
            return 200, {}, _feed([_entry(MTAN["id"], MTAN["title"], MTAN["authors"], MTAN["published"])])
        return 200, {}, _feed([])  # title searches for the other references find nothing

    def html(request):
        asked.append(request.url)
        m = re.search(r"ar5iv\.labs\.arxiv\.org/html/(\d{4}\.\d{4,5})$", request.url)
        if m and m.group(1) in pages:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, pages[m.group(1)]
        return 404, {"Content-Type": "text/html"}, "<html><body>Not Found</body></html>"

    def s2(request):
        asked.append(request.url)
        if "arXiv:2101.10318/references" not in request.url:
            return 404, {"Content-Type": "application/json"}, '{"error": "Paper not found"}'
        data = [{"citedPaper": {"paperId": f"{i:040x}", "title": t, "year": y,
                                "externalIds": {"ArXiv": a} if a else {"CorpusId": i}}}
                for i, (t, y, a) in enumerate(S2_REFS, 1)]
        return 200, {"Content-Type": "application/json"}, json.dumps({"offset": 0, "data": data})

    session = make_session(tmp_path / "cache.sqlite", "record", limits=RateLimits(clock=FakeClock()))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback("GET", re.compile(r"https://api2\.openreview\.net/notes.*"), callback=notes)
        rsps.add_callback("GET", re.compile(r"https://export\.arxiv\.org/api/query.*"), callback=arxiv_api)
        rsps.add_callback("GET", re.compile(r"https://(arxiv\.org|ar5iv\.labs\.arxiv\.org)/(html|pdf)/.*"),
                          callback=html)
        rsps.add_callback("GET", re.compile(r"https://api\.semanticscholar\.org/.*"), callback=s2)
        with _Progress(enabled=False) as bars:
            crawl = _Crawl(get_venue("iclr2025"), session, bars, since=None, limit=None)
            usable = crawl.run()

    assert list(usable) == [] and len(usable) == 0
    (rec,) = crawl.records
    assert rec.arxiv_id == "2101.10318" and rec.match_method == "exact"
    assert rec.text_source == "ar5iv"  # arxiv.org/html answered 404 first
    assert rec.first_public_date == "2020-10-06"  # the OpenReview public date precedes arXiv v1
    assert rec.references == 35
    assert rec.resolved_by == {"entry": 3, "s2": 2}  # ids in three entries; S2 aligned two by title
    assert rec.with_fulltext == 1 and rec.skipped == FEW_FULLTEXT  # only 1412.3555 has a page here
    assert crawl.skipped == {FEW_FULLTEXT: 1}
    assert crawl.cited_sources == {"ar5iv": 1} and crawl.cited_missing == 4
    # the cited page is the real GRU paper, parsed with its sections
    gru = crawl.cited_paper("1412.3555")
    assert gru.title.startswith("Empirical Evaluation of Gated Recurrent") and len(gru.sections) >= 5
    assert len(asked) == len(set(asked)), "a URL was requested twice"
