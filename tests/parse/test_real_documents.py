"""The parsers on real documents no one here wrote (../shared/reference; skipped when absent):
a raw arxiv.org/html page (LaTeXML 0.8.8), two ar5iv pages and the arXiv PDF of 1706.03762v7.
Each test asserts a property for every element it applies to, not a sample's particulars."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import pytest
from latexml_check import check_paper

from scalar.parse.latexml import parse_html_file
from scalar.parse.pdf import parse_pdf

# A date appended to a title by a bibliography style: ", 2024", ". June 2021a", " (2019)".
TITLE_ENDS_IN_DATE = re.compile(r"(?:[,.;:]\s*(?:[A-Z][a-z]{2,8}\.?\s+)?|\(\s*)(?:19|20)\d{2}[a-z]?\)?$")
MATH_ALNUM = re.compile("[\U0001d400-\U0001d7ff]")
# What MathML presentation leaves behind when it leaks into text instead of the alttext.
MATHML_RESIDUE = re.compile("[\u2061-\u2064]")
AFFILIATION = re.compile(r"@|\b(?:University|Institute|Google|Research|Lab|Inc)\b")


def _texts(paper):
    yield paper.title
    yield paper.abstract
    for s in paper.sections:
        yield s.title
        for p in s.paragraphs:
            yield p.text
    for r in paper.references:
        yield r.raw
        yield r.title or ""


def _html_pages(reference_dir: Path) -> list[Path]:
    pages = sorted((reference_dir / "ar5iv").glob("*.html")) + sorted(
        (reference_dir / "real-services" / "arxiv-html").glob("*.html"))
    if not pages:
        pytest.skip("no real LaTeXML pages")
    return pages


@pytest.fixture(scope="module")
def html_papers():
    from reference_data import REFERENCE

    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is absent")
    return [(p, parse_html_file(p)) for p in _html_pages(REFERENCE)]


@pytest.fixture(scope="module")
def pdf_paper():
    from reference_data import REFERENCE

    path = REFERENCE / "real-services" / "pdf" / "1706.03762v7.pdf"
    if not path.is_file():
        pytest.skip("the real arXiv PDF is absent")
    return parse_pdf(path.read_bytes())


# ----------------------------------------------------------------------------- LaTeXML pages


def test_html_invariants(html_papers):
    for path, paper in html_papers:
        check_paper(paper, path.read_bytes())


def test_html_reference_titles_carry_no_year(html_papers):
    for path, paper in html_papers:
        bad = [r.title for r in paper.references if r.title and TITLE_ENDS_IN_DATE.search(r.title)]
        assert not bad, (path.name, bad)
        assert all(r.year is not None for r in paper.references if re.search(r"\b(?:19|20)\d{2}\b", r.raw))


def test_html_authors_are_whole_names(html_papers):
    for path, paper in html_papers:
        assert paper.authors, path.name
        for name in paper.authors:
            assert len(name.split()) >= 2 and not re.search(r"\d", name), (path.name, name)
            assert not AFFILIATION.search(name), (path.name, name)


def test_html_author_broken_across_lines_inside_one_span(html_papers):
    """arxiv.org/html 2501.11120v1: "<b>James Chua<sup>1</sup><br>Owain Evans</b>" holds two
    authors; the affiliation lines after the span's end are not names."""
    papers = {p.name: paper for p, paper in html_papers}
    paper = papers.get("2501.11120v1.html")
    if paper is None:
        pytest.skip("arxiv.org/html page absent")
    assert paper.authors == ["Jan Betley", "Xuchan Bao", "Martín Soto", "Anna Sztyber-Betley",
                             "James Chua", "Owain Evans"]


def test_html_front_matter_notes_are_not_sections(html_papers):
    for path, paper in html_papers:
        assert all(s.title for s in paper.sections), (path.name, [s.title for s in paper.sections])
        for s in paper.sections:
            for p in s.paragraphs:
                assert not re.match(r"(?:footnote|footnotetext|thanks)\s*:", p.text), (path.name, p.text)


def test_html_text_has_no_glyph_residue(html_papers):
    for path, paper in html_papers:
        for t in _texts(paper):
            assert not MATHML_RESIDUE.search(t) and not MATH_ALNUM.search(t), (path.name, t[:120])
            assert "⬇" not in t and "␣" not in t, (path.name, t[:120])


def _line_text(el, parts: list[str]) -> None:
    cls = (el.get("class") or "").split()
    if el.tag == "math":
        parts.append(" " + (el.get("alttext") or "") + " ")
    elif "ltx_tag_listingline" in cls:
        pass
    elif "ltx_lst_space" in cls:
        parts.append(" ")
    else:
        parts.append(el.text or "")
        for ch in el:
            _line_text(ch, parts)
            parts.append(ch.tail or "")


def _listing_lines(path: Path) -> list[str]:
    """Each ``div.ltx_listingline`` of the page as text, read independently of the parser:
    math as its alttext, line numbers out, visible spaces as spaces."""
    root = lxml.etree.parse(str(path), lxml.etree.HTMLParser(encoding="utf-8", huge_tree=True)).getroot()
    out = []
    for line in root.iter("div"):
        if "ltx_listingline" not in (line.get("class") or "").split():
            continue
        parts: list[str] = []
        _line_text(line, parts)
        text = " ".join("".join(parts).split())
        if text:
            out.append(text)
    return out


def test_html_listings_one_paragraph_per_line(html_papers):
    seen = 0
    for path, paper in html_papers:
        expected = _listing_lines(path)
        got = [p.text for s in paper.sections for p in s.paragraphs if p.kind == "listing"]
        assert got == expected, path.name
        seen += len(got)
    if not seen:
        pytest.skip("no listings in the real pages")


def test_html_parse_is_stable_for_ar5iv_pages(html_papers):
    """The two ar5iv pages keep their shape (sections, citations, references)."""
    counts = {p.name: (len(paper.sections), sum(len(s.paragraphs) for s in paper.sections),
                       sum(len(q.citations) for s in paper.sections for q in s.paragraphs),
                       len(paper.references)) for p, paper in html_papers}
    if "1412.3555.html" in counts:
        assert counts["1412.3555.html"] == (7, 73, 32, 20)
    if "2101.10318.html" in counts:
        assert counts["2101.10318.html"] == (8, 97, 71, 35)


# ----------------------------------------------------------------------------- the arXiv PDF


def test_pdf_numeric_markers_link_to_their_entry(pdf_paper):
    keys = {r.key for r in pdf_paper.references}
    right = wrong = 0
    for s in pdf_paper.sections:
        for p in s.paragraphs:
            for c in p.citations:
                assert c.ref in keys
                nums = re.findall(r"\d+", p.text[c.start:c.end])
                if len(nums) == 1:
                    if c.ref == f"bib.bib{nums[0]}":
                        right += 1
                    else:
                        wrong += 1
    assert right + wrong >= 70
    assert right / (right + wrong) >= 0.95, (right, wrong)


def test_pdf_front_matter_without_the_arxiv_stamp(pdf_paper):
    assert pdf_paper.title == "Attention Is All You Need"
    assert (pdf_paper.arxiv_id, pdf_paper.version) == ("1706.03762", "v7")
    for t in _texts(pdf_paper):
        assert "arXiv:1706.03762v7" not in t and "[cs.CL]" not in t
    assert len(pdf_paper.authors) == 8
    for name in pdf_paper.authors:
        assert len(name.split()) >= 2 and not AFFILIATION.search(name) and not re.search(r"[\d∗†‡*]", name)
    # the licence banner above the title is not a section
    assert pdf_paper.sections[0].title == "1 Introduction"


def test_pdf_text_is_clean(pdf_paper):
    for t in _texts(pdf_paper):
        assert not MATH_ALNUM.search(t), t[:120]
    bad = [r.title for r in pdf_paper.references if not r.title or TITLE_ENDS_IN_DATE.search(r.title)
           or re.fullmatch(r"\(?(?:19|20)\d{2}\)?", r.title)]
    assert not bad


def test_pdf_tables_are_table_paragraphs_not_fragments(pdf_paper):
    paras = [p for s in pdf_paper.sections for p in s.paragraphs]
    tables = [p for p in paras if p.kind == "table"]
    captions = [p for p in paras if p.kind == "caption" and p.text.startswith("Table")]
    assert len(tables) == len(captions) >= 4
    for t in tables:
        rows = t.text.split("\n")
        assert len(rows) >= 3 and sum(" | " in r for r in rows) >= 2
    running = [p for p in paras if p.kind is None]
    fragments = [p.text for p in running if len(p.text) < 20]
    assert len(fragments) <= 0.05 * len(running), fragments
