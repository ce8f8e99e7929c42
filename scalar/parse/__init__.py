"""Documents -> Paper records.

    from scalar.parse import parse_html, parse_html_file, parse_pdf

``latexml`` reads LaTeXML HTML (arxiv.org/html, ar5iv); ``pdf`` is the PyMuPDF fallback;
``ids`` holds the strict arXiv-id / DOI patterns other layers reuse.
"""

from scalar._util.lazy import lazy_exports

# Lazy: importing scalar.parse must not pull lxml or PyMuPDF in until a parser is used. The strict
# id helpers live at the bottom (scalar._util.ids, so sources/ can use them) and are public here.
_EXPORTS = {
    "parse_html": "scalar.parse.latexml",
    "parse_html_file": "scalar.parse.latexml",
    "parse_pdf": "scalar.parse.pdf",
    "find_arxiv_id": "scalar._util.ids",
    "find_arxiv_ids": "scalar._util.ids",
    "find_doi": "scalar._util.ids",
    "is_arxiv_id": "scalar._util.ids",
    "split_version": "scalar._util.ids",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
