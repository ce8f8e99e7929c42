"""PDF parsing on PDFs written by PyMuPDF itself (tests/parse/pdf_builder.py)."""

from __future__ import annotations

import pymupdf
import pytest
from pdf_builder import PdfWriter

from scalar.errors import ParseError
from scalar.parse.pdf import parse_pdf
from scalar.schema import Paper

NUMERIC_REFS = [
    "Noam Shazeer, Azalia Mirhoseini, and Krzysztof Maziarz. Outrageously large neural networks. "
    "arXiv preprint arXiv:1701.06538, 2017.",
    "Zoë Müller and Bob Lee. Schrödinger bridges for routing. In Proc. ICML, pages 1-9, 2021.",
    "William Fedus, Barret Zoph, and Noam Shazeer. Switch transformers. JMLR, 23(120):1-39, 2022. "
    "doi: 10.5555/3586589.3586709.",
    "A. Author. Fourth entry title. Venue, 2019.",
    "B. Author. Fifth entry title with a long name that wraps across more than one line of the "
    "references list in the generated document. Venue, 2020.",
]


def _spans(p):
    return [(p.text[c.start:c.end], c.ref, c.grouped) for c in p.citations]


def _check(paper: Paper) -> None:
    keys = {r.key for r in paper.references}
    for s in paper.sections:
        for p in s.paragraphs:
            assert p.text == p.text.strip() and "  " not in p.text
            for c in p.citations:
                assert c.ref in keys and p.text[c.start:c.end].strip() == p.text[c.start:c.end]


@pytest.fixture(scope="module")
def numeric_pdf() -> Paper:
    w = PdfWriter()
    w.title("Sparse Experts for Tiny Models")
    w.plain("Zoë Müller1, Bob Lee2 and Ann Wu1")
    w.plain("1 Universität Zürich 2 Example Research Lab")
    w.heading("Abstract", 11)
    w.paragraph("We study sparse experts. Routing matters.", indent=0)
    w.heading("1 Introduction")
    w.paragraph("Mixtures of experts route tokens [1, 3] and scale well [2]. Switch layers were "
                "studied before [4-5] in detail.")
    w.paragraph("A second paragraph without citations but with plenty of words to wrap around the "
                "line end so that it spans several lines of the page. " * 2)
    w.hyphenated("This line ends with a word that is hyphen-", "ated across two lines.")
    w.heading("2 Method")
    w.heading("2.1 Routing", 10.5)
    # long enough to run onto the next page: the running header and page numbers must vanish
    w.paragraph("The router follows prior work [5] and keeps the load balanced. " * 60)
    w.heading("3 Conclusion")
    w.paragraph("Experts work.")
    w.heading("References")
    for i, r in enumerate(NUMERIC_REFS, 1):
        w.reference(r, f"[{i}]")
    w.heading("A Extra results")
    w.paragraph("More results as in [3].")
    paper = parse_pdf(w.bytes(), arxiv_id="2409.01234v2")
    _check(paper)
    return paper


def test_numeric_front_matter(numeric_pdf):
    assert numeric_pdf.title == "Sparse Experts for Tiny Models"
    assert numeric_pdf.authors == ["Zoë Müller", "Bob Lee", "Ann Wu"]
    assert numeric_pdf.abstract == "We study sparse experts. Routing matters."
    assert (numeric_pdf.arxiv_id, numeric_pdf.version, numeric_pdf.source) == ("2409.01234", "v2", "pdf")


def test_numeric_sections_and_paragraphs(numeric_pdf):
    assert [(s.title, s.appendix) for s in numeric_pdf.sections] == [
        ("1 Introduction", False), ("2 Method", False), ("3 Conclusion", False),
        ("A Extra results", True)]
    intro = numeric_pdf.sections[0].paragraphs
    assert len(intro) == 3
    assert intro[2].text == "This line ends with a word that is hyphenated across two lines."
    method = numeric_pdf.sections[1].paragraphs
    assert method[0].kind == "heading" and method[0].text == "2.1 Routing"
    # one paragraph across the page break, without header or page number inside
    assert len(method) == 2
    body = method[1].text
    assert body.count("The router follows prior work [5]") == 60
    assert "Preprint" not in body and " 2 The" not in body


def test_numeric_citations(numeric_pdf):
    p = numeric_pdf.sections[0].paragraphs[0]
    assert _spans(p) == [
        ("1", "bib.bib1", True), ("3", "bib.bib3", True),
        ("[2]", "bib.bib2", False),
        ("4", "bib.bib4", True), ("5", "bib.bib5", True),
    ]
    assert len(numeric_pdf.sections[1].paragraphs[1].citations) == 60
    assert _spans(numeric_pdf.sections[3].paragraphs[0]) == [("[3]", "bib.bib3", False)]


def test_numeric_bibliography(numeric_pdf):
    refs = numeric_pdf.references
    assert [r.key for r in refs] == [f"bib.bib{i}" for i in range(1, 6)]
    assert refs[0].arxiv_id == "1701.06538" and refs[0].year == 2017
    assert refs[0].title == "Outrageously large neural networks"
    assert refs[1].authors == ["Zoë Müller", "Bob Lee"] and refs[1].title == "Schrödinger bridges for routing"
    assert refs[2].doi == "10.5555/3586589.3586709"
    assert refs[4].raw.endswith("references list in the generated document. Venue, 2020.")  # wrapped entry joined


def test_author_year_pdf():
    w = PdfWriter()
    w.title("Citing With Names")
    w.plain("Anna Berg and José Núñez")
    w.heading("Abstract", 11)
    w.paragraph("Short abstract.", indent=0)
    w.heading("1 Introduction")
    w.paragraph("Attention is central (Vaswani et al., 2017). Müller and Lee (2021) disagree, as "
                "do others (Brown et al., 2020; Müller and Lee, 2021). Unknown work (Nobody, 2003) "
                "is not matched, and neither is a year in parentheses (2019).")
    w.paragraph("Brown et al. (2020) trained a large model, see also (e.g., Brown et al., 2020).")
    w.heading("References")
    w.reference("Tom Brown, Benjamin Mann, and Nick Ryder. Language models are few-shot learners. "
                "In NeurIPS, 2020. https://arxiv.org/abs/2005.14165")
    w.reference("Zoë Müller and Bob Lee. Schrödinger bridges for routing. In Proc. ICML, 2021.")
    w.reference("Ashish Vaswani, Noam Shazeer, and Niki Parmar. Attention is all you need. In "
                "Advances in Neural Information Processing Systems, volume 30, pages 5998-6008, 2017.")
    paper = parse_pdf(w.bytes())
    _check(paper)
    refs = paper.references
    assert len(refs) == 3  # hanging indents split the entries
    assert [r.authors[0] for r in refs] == ["Tom Brown", "Zoë Müller", "Ashish Vaswani"]
    assert refs[0].arxiv_id == "2005.14165" and refs[2].year == 2017
    assert paper.authors == ["Anna Berg", "José Núñez"]
    p1, p2 = paper.sections[0].paragraphs
    assert _spans(p1) == [
        ("(Vaswani et al., 2017)", "bib.bib3", False),
        ("Müller and Lee (2021)", "bib.bib2", False),
        ("Brown et al., 2020", "bib.bib1", True),
        ("Müller and Lee, 2021", "bib.bib2", True),
    ]
    assert _spans(p2) == [("Brown et al. (2020)", "bib.bib1", False),
                          ("Brown et al., 2020", "bib.bib1", False)]


def test_two_column_reading_order():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 60), "Two Column Paper", fontsize=16, fontname="hebo")
    left = ["1 Introduction"] + [f"Left column line {i} of the first paragraph." for i in range(12)]
    right = [f"Right column line {i} continues the text." for i in range(12)] + ["References"]
    for i, t in enumerate(left):
        page.insert_text((50, 110 + 14 * i), t, fontsize=12 if i == 0 else 9,
                         fontname="hebo" if i == 0 else "helv")
    for i, t in enumerate(right):
        page.insert_text((320, 110 + 14 * i), t, fontsize=12 if t == "References" else 9,
                         fontname="hebo" if t == "References" else "helv")
    page.insert_text((320, 110 + 14 * 13), "[1] A. Author. A title. Venue, 2020.", fontsize=8)
    page.insert_text((320, 110 + 14 * 14), "[2] B. Author. Another title. Venue, 2021.", fontsize=8)
    paper = parse_pdf(doc.tobytes())
    text = paper.sections[0].text
    assert text.index("Left column line 11") < text.index("Right column line 0")
    assert len(paper.references) == 2


def test_bad_pdfs():
    with pytest.raises(ParseError, match="not a PDF"):
        parse_pdf(b"<html><body>no</body></html>")
    with pytest.raises(ParseError, match="not a PDF"):
        parse_pdf(b"")
    with pytest.raises(ParseError, match="unreadable PDF"):
        parse_pdf(b"%PDF-1.7\n garbage that is not a pdf body")
    blank = pymupdf.open()
    blank.new_page()
    with pytest.raises(ParseError, match="no text layer"):
        parse_pdf(blank.tobytes())
    prose = pymupdf.open()
    prose.new_page().insert_text((72, 72), "just one line of plain text", fontsize=10)
    with pytest.raises(ParseError, match="no sections"):
        parse_pdf(prose.tobytes())


def _text_rect(x: float, y: float, before: str, marker: str, size: float):
    x0 = x + pymupdf.get_text_length(before, fontname="helv", fontsize=size)
    x1 = x0 + pymupdf.get_text_length(marker, fontname="helv", fontsize=size)
    return pymupdf.Rect(x0, y - size, x1, y + 2)


def test_hyperref_style_links_resolve_markers_regexes_miss():
    """In-document links (what hyperref puts on every citation) point at the entry's position
    in the references: they resolve markers no surname/number rule can, and override them."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 80), "Linked Citations", fontsize=16, fontname="hebo")
    page.insert_text((72, 130), "1 Introduction", fontsize=12, fontname="hebo")
    body = [
        ("GPT-4 is described by ", "OpenAI Team, 2023", ". Older work ", "(Brown et al., 2020)", " scaled up."),
    ]
    y = 160
    first, m1, mid, m2, rest = body[0]
    line = "".join(body[0])
    page.insert_text((72, y), line, fontsize=10)
    refs_y = [300, 320]
    page.insert_text((72, 280), "References", fontsize=12, fontname="hebo")
    page.insert_text((72, refs_y[0]), "Tom Brown and Ben Mann. Language models are few-shot learners. 2020.", fontsize=9)
    page.insert_text((72, refs_y[1]), "OpenAI. GPT-4 technical report. arXiv:2303.08774, 2023.", fontsize=9)
    page = doc[0]
    # the first marker has no rule-based match ("Team" is not a first author); the second is
    # linked to the right entry as well
    page.insert_link({"kind": pymupdf.LINK_GOTO, "from": _text_rect(72, y, first, m1, 10),
                      "page": 0, "to": pymupdf.Point(72, refs_y[1] - 9)})
    page.insert_link({"kind": pymupdf.LINK_GOTO, "from": _text_rect(72, y, first + m1 + mid + "(", m2[1:-1], 10),
                      "page": 0, "to": pymupdf.Point(72, refs_y[0] - 9)})
    # a link to a section heading (not a reference) is ignored
    page.insert_link({"kind": pymupdf.LINK_GOTO, "from": _text_rect(72, y, "", "GPT-4", 10),
                      "page": 0, "to": pymupdf.Point(72, 120)})
    paper = parse_pdf(doc.tobytes())
    _check(paper)
    assert [r.key for r in paper.references] == ["bib.bib1", "bib.bib2"]
    assert paper.references[1].arxiv_id == "2303.08774"
    p = paper.sections[0].paragraphs[0]
    assert _spans(p) == [("OpenAI Team, 2023", "bib.bib2", False),
                         ("(Brown et al., 2020)", "bib.bib1", False)]


def test_first_page_full_width_front_matter_then_two_columns():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 60), "A Two Column Paper With A Full Width Title", fontsize=16, fontname="hebo")
    page.insert_text((72, 85), "Ann Wu and Bo Li", fontsize=10)
    page.insert_text((280, 110), "Abstract", fontsize=11, fontname="hebo")
    for i in range(12):  # a long full-width abstract: a third of the page's lines
        page.insert_text((72, 128 + 11 * i), "This abstract spans the whole width of the page above the "
                         f"two columns of text, line {i}.", fontsize=9)
    top = 280
    page.insert_text((50, top), "1 Introduction", fontsize=12, fontname="hebo")
    for i in range(14):
        page.insert_text((50, top + 20 + 14 * i), f"Left line {i} of the introduction text.", fontsize=9)
        page.insert_text((320, top + 14 * i), f"Right line {i} continues the introduction [1].", fontsize=9)
    page.insert_text((320, top + 14 * 15), "References", fontsize=12, fontname="hebo")
    page.insert_text((320, top + 14 * 16), "[1] A. Author. A title. Venue, 2020.", fontsize=8)
    paper = parse_pdf(doc.tobytes())
    assert paper.title == "A Two Column Paper With A Full Width Title"
    assert paper.authors == ["Ann Wu", "Bo Li"]
    assert paper.abstract.startswith("This abstract spans the whole width")
    assert paper.abstract.endswith("line 11.")
    text = paper.sections[0].text
    assert text.index("Left line 13") < text.index("Right line 0")
    assert "Right line 13 continues the introduction [1]." in text
    assert len(paper.references) == 1
    assert sum(len(p.citations) for p in paper.sections[0].paragraphs) == 14
