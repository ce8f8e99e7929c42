"""Documents -> Paper records.

    from scalar.parse import parse_html, parse_html_file, parse_pdf

``latexml`` reads LaTeXML HTML (arxiv.org/html, ar5iv); ``pdf`` is the PyMuPDF fallback;
``ids`` holds the strict arXiv-id / DOI patterns other layers reuse.
"""

from __future__ import annotations

__all__ = ["parse_html", "parse_html_file", "parse_pdf"]


def __getattr__(name: str):
    # Lazy: importing scalar.parse must not pull lxml or PyMuPDF in until a parser is used.
    if name in ("parse_html", "parse_html_file"):
        from scalar.parse import latexml

        return getattr(latexml, name)
    if name == "parse_pdf":
        from scalar.parse.pdf import parse_pdf

        return parse_pdf
    raise AttributeError(f"module 'scalar.parse' has no attribute {name!r}")
