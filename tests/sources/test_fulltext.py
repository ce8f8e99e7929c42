"""Full text: arxiv.org/html, then ar5iv, then the PDF; 404s and failures of one page (arXiv's
500) move on, signs of a service in trouble (503) do not."""

from __future__ import annotations

import pytest
import responses

from scalar.sources.fulltext import fetch_fulltext, fulltext_urls
from scalar.sources.http import CacheMiss, FakeClock, HttpCache, NotFound, Unavailable, make_session

LATEXML = (
    '<!DOCTYPE html><html lang="en"><head><title>A paper</title></head><body>'
    '<div class="ltx_page_main"><article class="ltx_document ltx_authors_1line">'
    '<h1 class="ltx_title ltx_title_document">A paper</h1></article></div></body></html>'
)
PDF = b"%PDF-1.5\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
HTML, AR5IV, PDFURL = (
    "https://arxiv.org/html/2410.05602v2",
    "https://ar5iv.labs.arxiv.org/html/2410.05602",
    "https://arxiv.org/pdf/2410.05602v2",
)


@pytest.fixture
def session(tmp_path):
    return make_session(tmp_path / "c.sqlite", clock=FakeClock())


def test_urls_and_versions():
    assert [u for _, u in fulltext_urls("2410.05602", "v2")] == [HTML, AR5IV, PDFURL]
    assert fulltext_urls("2410.05602v3", "v2")[0][1] == "https://arxiv.org/html/2410.05602v3"
    assert fulltext_urls("2410.05602", None)[0][1] == "https://arxiv.org/html/2410.05602"
    assert fulltext_urls("hep-th/9901001", "2")[2][1] == "https://arxiv.org/pdf/hep-th/9901001v2"


def test_arxiv_html_first(session):
    with responses.RequestsMock() as rs:
        rs.get(HTML, body=LATEXML, content_type="text/html; charset=utf-8")
        ft = fetch_fulltext("2410.05602", "v2", session)
        assert len(rs.calls) == 1
    assert (ft.source, ft.url, ft.arxiv_id, ft.version) == ("arxiv-html", HTML, "2410.05602", "v2")
    assert b"ltx_document" in ft.content


def test_html_404_falls_back_to_ar5iv(session):
    with responses.RequestsMock() as rs:
        rs.get(HTML, status=404, body="<html>No HTML for 2410.05602v2</html>", content_type="text/html")
        rs.get(AR5IV, body=LATEXML, content_type="text/html")
        assert fetch_fulltext("2410.05602", "v2", session).source == "ar5iv"


def test_pdf_when_no_html_and_ar5iv_redirects_to_the_abstract(session, tmp_path):
    with responses.RequestsMock() as rs:
        rs.get(HTML, status=404, body="<html>No HTML</html>", content_type="text/html")
        rs.get(AR5IV, status=302, headers={"Location": "https://arxiv.org/abs/2410.05602"})
        rs.get("https://arxiv.org/abs/2410.05602", body="<html><body>abstract page</body></html>", content_type="text/html")
        rs.get(PDFURL, body=PDF, content_type="application/pdf")
        ft = fetch_fulltext("2410.05602", "v2", session)
    assert ft.source == "pdf" and ft.content == PDF
    # the whole chain replays offline
    offline = make_session(tmp_path / "c.sqlite", "replay")
    assert fetch_fulltext("2410.05602", "v2", offline) == ft


def test_nothing_available_is_not_found(session):
    with responses.RequestsMock() as rs:
        for u in (HTML, AR5IV, PDFURL):
            rs.get(u, status=404, body="<html>missing</html>", content_type="text/html")
        with pytest.raises(NotFound, match="2410.05602") as err:
            fetch_fulltext("2410.05602", "v2", session)
    assert "arxiv-html: 404" in str(err.value) and "pdf: 404" in str(err.value)


def test_outage_is_not_mistaken_for_a_missing_text(tmp_path):
    s = make_session(tmp_path / "c.sqlite", clock=FakeClock(), max_attempts=2)
    with responses.RequestsMock() as rs:
        rs.get(HTML, status=503)
        with pytest.raises(Unavailable):
            fetch_fulltext("2410.05602", "v2", s)
        assert len(rs.calls) == 2  # no silent fall-through to a worse source


def test_truncated_html_is_refetched(session):
    with responses.RequestsMock() as rs:
        rs.get(HTML, body=LATEXML[: len(LATEXML) // 2], content_type="text/html")
        rs.get(HTML, body=LATEXML, content_type="text/html")
        assert fetch_fulltext("2410.05602", "v2", session).content == LATEXML.encode()


def test_offline_miss_names_the_url(tmp_path):
    HttpCache(tmp_path / "empty.sqlite").close()  # an existing, empty cache
    offline = make_session(tmp_path / "empty.sqlite", "replay")
    with pytest.raises(CacheMiss, match=r"arxiv\.org/html/2410\.05602v2"):
        fetch_fulltext("2410.05602", "v2", offline)


def test_export_mirror_host(session):
    with responses.RequestsMock() as rs:
        rs.get("https://export.arxiv.org/html/2410.05602v2", body=LATEXML, content_type="text/html")
        ft = fetch_fulltext("2410.05602", "v2", session, host="export.arxiv.org")
    assert ft.url == "https://export.arxiv.org/html/2410.05602v2" and ft.source == "arxiv-html"


def test_a_page_arxiv_cannot_serve_falls_through_and_replays_the_same(tmp_path):
    """arXiv answers 500 ("unavailable", arxiv-browse) for some papers' HTML: the PDF is used,
    the failure is recorded (not cached as an answer), and an offline replay takes the same path."""
    s = make_session(tmp_path / "c.sqlite", clock=FakeClock(), max_attempts=2)
    with responses.RequestsMock() as rs:
        rs.get(HTML, status=500, body="<html>unavailable</html>", content_type="text/html")
        rs.get(AR5IV, status=404, body="<html>missing</html>", content_type="text/html")
        rs.get(PDFURL, body=PDF, content_type="application/pdf")
        ft = fetch_fulltext("2410.05602", "v2", s)
    assert ft.source == "pdf"
    assert [u for u, _ in HttpCache(tmp_path / "c.sqlite").failures()] == [HTML]
    offline = make_session(tmp_path / "c.sqlite", "replay")
    assert fetch_fulltext("2410.05602", "v2", offline) == ft


def test_every_form_failing_is_the_failure_not_a_missing_text(tmp_path):
    s = make_session(tmp_path / "c.sqlite", clock=FakeClock(), max_attempts=1)
    with responses.RequestsMock() as rs:
        rs.get(HTML, status=500, body="<html>unavailable</html>", content_type="text/html")
        rs.get(AR5IV, status=404, body="<html>missing</html>", content_type="text/html")
        rs.get(PDFURL, status=500, body="<html>unavailable</html>", content_type="text/html")
        with pytest.raises(Unavailable) as err:
            fetch_fulltext("2410.05602", "v2", s)
    assert not isinstance(err.value, NotFound)
    assert "HTTP 500" in str(err.value) and "ar5iv: 404" in str(err.value)
