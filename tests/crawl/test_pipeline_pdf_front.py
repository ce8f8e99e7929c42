"""A paper read from its PDF takes title and authors from arXiv metadata (the PDF's are a layout
guess: an arXiv stamp or a licence banner can pass for the title)."""

from scalar.crawl.pipeline import _pdf_front
from scalar.schema import Paper, Paragraph, Section


def _paper(source: str) -> Paper:
    return Paper(arxiv_id="1706.03762", title="arXiv:1706.03762v7 [cs.CL] 2 Aug 2023", authors=["Google Brain"],
                 sections=[Section(title="1 Introduction", paragraphs=[Paragraph(text="Text.")])], source=source)


def test_pdf_paper_takes_arxiv_title_and_authors():
    paper = _paper("pdf")
    fixed = paper.model_copy(update=_pdf_front(paper, "Attention Is\n  All You Need", ["Ashish Vaswani", "Noam Shazeer"]))
    assert fixed.title == "Attention Is All You Need"
    assert fixed.authors == ["Ashish Vaswani", "Noam Shazeer"]


def test_html_paper_keeps_its_own_front_matter_and_missing_metadata_changes_nothing():
    html = _paper("arxiv-html")
    assert _pdf_front(html, "Other", ["X"]) == {}
    assert _pdf_front(_paper("pdf"), None, []) == {}
