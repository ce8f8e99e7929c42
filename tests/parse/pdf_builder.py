"""Writes small paper-shaped PDFs with PyMuPDF itself, for the PDF parser tests.

Layout like a one-column preprint: a 16 pt bold title, an author line, an "Abstract" heading,
12 pt bold section headings, 10.5 pt bold subsection headings, 10 pt Helvetica body text wrapped
at the page width with an indent on each paragraph's first line, a running header and page
numbers on every page, and a references list (``[N]`` labels or hanging indents).
"""

from __future__ import annotations

import pymupdf

WIDTH, HEIGHT = 612, 792
LEFT, RIGHT, TOP, BOTTOM = 72, 540, 80, 720


class PdfWriter:
    def __init__(self, header: str = "Preprint. Under review."):
        self.doc = pymupdf.open()
        self.header = header
        self.page = None
        self.y = 0.0
        self._dests: dict[str, tuple[int, float, float]] = {}  # name -> page, x, y (top-left)
        self._named_links: list[tuple[int, pymupdf.Rect, str]] = []
        self._new_page()

    def _new_page(self) -> None:
        self.page = self.doc.new_page(width=WIDTH, height=HEIGHT)
        n = self.doc.page_count
        self.page.insert_text((LEFT, 40), self.header, fontsize=8, fontname="helv")
        self.page.insert_text((WIDTH / 2, 760), str(n), fontsize=9, fontname="helv")
        self.y = TOP

    def _line(self, x: float, text: str, size: float, bold: bool = False) -> None:
        if self.y + size > BOTTOM:
            self._new_page()
        self.y += size * 1.2
        self.page.insert_text((x, self.y), text, fontsize=size, fontname="hebo" if bold else "helv")

    def _wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        font = "hebo" if bold else "helv"
        lines, cur = [], ""
        for word in text.split():
            trial = f"{cur} {word}".strip()
            if pymupdf.get_text_length(trial, fontname=font, fontsize=size) > width and cur:
                lines.append(cur)
                cur = word
            else:
                cur = trial
        if cur:
            lines.append(cur)
        return lines

    def gap(self, pts: float) -> None:
        self.y += pts

    def title(self, text: str) -> None:
        self._line(LEFT, text, 16, bold=True)
        self.gap(6)

    def plain(self, text: str, size: float = 10) -> None:
        self._line(LEFT, text, size)

    def heading(self, text: str, size: float = 12) -> None:
        self.gap(10)
        self._line(LEFT, text, size, bold=True)
        self.gap(3)

    def paragraph(self, text: str, indent: float = 15, size: float = 10) -> None:
        lines = self._wrap(text, size, RIGHT - LEFT - indent)
        for i, ln in enumerate(lines):
            self._line(LEFT + (indent if i == 0 else 0), ln, size)
        self.gap(4)

    def hyphenated(self, first: str, second: str, size: float = 10) -> None:
        """Two lines, the first ending in a hyphenated word split across them."""
        self._line(LEFT + 15, first, size)
        self._line(LEFT, second, size)
        self.gap(4)

    def reference(self, text: str, label: str | None = None, size: float = 9,
                  dest: str | None = None) -> None:
        """A references entry; ``dest`` names a destination at its first line, as hyperref's
        "cite.<key>" anchors do."""
        if dest:
            if self.y + size > BOTTOM:
                self._new_page()
            # hyperref anchors an entry at the top of its first line
            self._dests[dest] = (self.doc.page_count - 1, LEFT, self.y + size * 0.2)
        if label:
            lines = self._wrap(f"{label} {text}", size, RIGHT - LEFT)
            for ln in lines:
                self._line(LEFT, ln, size)
        else:  # hanging indent
            lines = self._wrap(text, size, RIGHT - LEFT - 12)
            for i, ln in enumerate(lines):
                self._line(LEFT + (0 if i == 0 else 12), ln, size)
        self.gap(2)

    def link(self, text_rect_y: float, uri: str) -> None:
        self.page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(LEFT, text_rect_y - 9, RIGHT, text_rect_y + 2), "uri": uri})

    def cite(self, before: str, marker: str, after: str, dest: str, size: float = 10) -> None:
        """One body line "before marker after" whose marker links to the named destination
        ``dest`` (a GoTo with a name, resolved through the PDF's /Dests name tree)."""
        self._line(LEFT, before + marker + after, size)
        x0 = LEFT + pymupdf.get_text_length(before, fontname="helv", fontsize=size)
        x1 = x0 + pymupdf.get_text_length(marker, fontname="helv", fontsize=size)
        self._named_links.append((self.doc.page_count - 1, pymupdf.Rect(x0, self.y - size, x1, self.y + 2), dest))

    def named_dest(self, name: str, x: float, y: float) -> None:
        """A named destination at (x, y), page coordinates (origin top left), on this page."""
        self._dests[name] = (self.doc.page_count - 1, x, y)

    def named_link(self, rect: pymupdf.Rect, name: str) -> None:
        """A link over ``rect`` on this page to the named destination ``name``."""
        self._named_links.append((self.doc.page_count - 1, rect, name))

    def stamp(self, text: str, size: float = 20) -> None:
        """arXiv's identifier stamp: rotated text down the left margin of the current page."""
        self.page.insert_text((36, 560), text, fontsize=size, fontname="helv", rotate=90)

    def rule(self, x0: float = LEFT, x1: float = RIGHT, width: float = 0.8) -> None:
        """A horizontal rule at the current position (booktabs \\toprule, \\midrule, ...)."""
        self.y += 3
        self.page.draw_line((x0, self.y), (x1, self.y), width=width)
        self.y += 3

    def row(self, cells: list[str], xs: list[float], size: float = 9) -> None:
        """A table row: each cell at its x position on one baseline."""
        self.y += size * 1.3
        for c, x in zip(cells, xs):
            self.page.insert_text((x, self.y), c, fontsize=size, fontname="helv")

    def bytes(self) -> bytes:
        for pno, rect, name in self._named_links:
            page = self.doc[pno]
            page.insert_link({"kind": pymupdf.LINK_GOTO, "from": rect, "page": 0, "to": pymupdf.Point(0, 0)})
            xref = max(x for x, kind, _ in page.annot_xrefs() if kind == pymupdf.PDF_ANNOT_LINK)
            self.doc.xref_set_key(xref, "A", "null")
            self.doc.xref_set_key(xref, "Dest", f"({name})")
        self._named_links.clear()
        if self._dests:
            # Named destinations store PDF coordinates (origin bottom left), like hyperref's.
            entries = " ".join(
                f"({name}) [{self.doc.page_xref(pno)} 0 R /XYZ {x:g} {HEIGHT - y:g} null]"
                for name, (pno, x, y) in sorted(self._dests.items()))
            self.doc.xref_set_key(self.doc.pdf_catalog(), "Names", f"<< /Dests << /Names [{entries}] >> >>")
        return self.doc.tobytes()
