"""PDF -> Paper via PyMuPDF: the fallback when a paper has no LaTeXML HTML.

Best effort, from the text layer only:

* lines in reading order (two-column pages read left column first), running headers, footers
  and page numbers dropped;
* headings from font size / boldness and numbering ("3", "3.2", "A", "Appendix B"); numbered
  top-level headings open sections, deeper ones become ``kind="heading"`` paragraphs, headings
  after the references are appendices;
* paragraphs from block changes, vertical gaps and first-line indents; hyphenation at line ends
  undone;
* the bibliography from the References section, split on ``[N]`` labels or hanging indents;
* citation spans with exact offsets for numeric markers ("[3]", "[3, 7]" grouped, ranges by
  their end points) and for author-year markers that match a bibliography entry by first-author
  surname and year ("Smith et al. (2020)", "(Smith, 2020; Lee and Wu, 2021)").
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from scalar._util.ids import split_version
from scalar.errors import ParseError
from scalar.parse._names import names_in
from scalar.parse.bibliography import first_author_surname, reference_from_text
from scalar.schema import CitationSpan, Paper, Paragraph, Reference, Section

__all__ = ["parse_pdf"]


@dataclass
class _Line:
    page: int
    col: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool
    block: int
    uris: list[str] = field(default_factory=list)
    # internal links on this line: (start, end) in ``text``, target page, target x, target y
    marks: list[tuple[int, int, int, float, float]] = field(default_factory=list)


def _open(data: bytes):
    try:
        import pymupdf
    except ImportError:  # older releases only ship the "fitz" name
        import fitz as pymupdf  # type: ignore[no-redef]
    if not data or b"%PDF-" not in bytes(data[:1024]):
        raise ParseError("not a PDF file")
    try:
        doc = pymupdf.open(stream=bytes(data), filetype="pdf")
    except Exception as e:  # MuPDF raises its own FileDataError / RuntimeError variants
        raise ParseError(f"unreadable PDF: {e}") from None
    if doc.needs_pass:
        raise ParseError("the PDF is encrypted")
    return doc


# ---------------------------------------------------------------------- lines


def _internal_links(page, names: dict) -> list[tuple]:
    """(rect, target page, target y) of in-document links: hyperref makes every citation
    marker one (GoTo a named destination "cite.<key>", which MuPDF resolves to a page)."""
    out = []
    for lk in page.get_links():
        target, to = lk.get("page", -1), lk.get("to")
        if (target is None or target < 0) and (lk.get("nameddest") or lk.get("name")) in names:
            dest = names[lk.get("nameddest") or lk.get("name")]
            target, to = dest.get("page", -1), dest.get("to")
        if target is None or target < 0 or to is None:
            continue
        x, y = (to[0], to[1]) if isinstance(to, (tuple, list)) else (getattr(to, "x", 0), getattr(to, "y", None))
        if y is not None:
            out.append((lk["from"], target, float(x or 0), float(y)))
    return out


def _normalise(chars: list[tuple[str, float]]) -> tuple[str, list[float]]:
    """Characters with their x centres -> whitespace-collapsed text and one x per character."""
    text, xs = [], []
    for c, x in chars:
        if c.isspace():
            if text and text[-1] != " ":
                text.append(" ")
                xs.append(x)
        else:
            text.append(c)
            xs.append(x)
    while text and text[-1] == " ":
        text.pop()
        xs.pop()
    return "".join(text), xs


def _page_lines(page, pno: int, names: dict | None = None) -> list[_Line]:
    width = page.rect.width
    mid = width / 2
    links = [(lk["from"], lk.get("uri")) for lk in page.get_links() if lk.get("uri")]
    internal = _internal_links(page, names or {})
    raw = []
    d = page.get_text("rawdict", flags=0)
    for b in d["blocks"]:
        if b.get("type", 0) != 0:
            continue
        for ln in b["lines"]:
            chars = [(ch["c"], (ch["bbox"][0] + ch["bbox"][2]) / 2) for s in ln["spans"] for ch in s["chars"]]
            text, xs = _normalise(chars)
            if not text:
                continue
            spans = [s for s in ln["spans"] if any(not ch["c"].isspace() for ch in s["chars"])]
            n = sum(len(s["chars"]) for s in spans)
            size = sum(s["size"] * len(s["chars"]) for s in spans) / max(n, 1)
            bold = all((s["flags"] & 16) or "bold" in s["font"].lower() for s in spans)
            x0, y0, x1, y1 = ln["bbox"]
            marks = []
            for r, target, tx, ty in internal:
                if r.y0 <= (y0 + y1) / 2 <= r.y1:
                    inside = [i for i, x in enumerate(xs) if r.x0 <= x <= r.x1 and text[i] != " "]
                    if inside:
                        marks.append((inside[0], inside[-1] + 1, target, tx, ty))
            raw.append([x0, y0, x1, y1, text, size, bold, b["number"], marks])
    # Two columns when many lines sit wholly on either side of the middle. Full-width lines
    # above the columns (title, authors, abstract on a first page) are read before them.
    left = [r for r in raw if r[2] <= mid + 2]
    right = [r for r in raw if r[0] >= mid - 2]
    two_col = len(left) >= 5 and len(right) >= 5 and len(left) + len(right) >= 0.5 * max(len(raw), 1)
    columns_top = min((r[1] for r in left + right), default=0.0)
    out = []
    for x0, y0, x1, y1, text, size, bold, block, marks in raw:
        if not two_col:
            col = 0
        elif x0 >= mid - 2:
            col = 1
        elif x1 > mid + 2 and y1 <= columns_top + 1:
            col = -1
        else:
            col = 0
        uris = [u for r, u in links if r.y0 <= (y0 + y1) / 2 <= r.y1 and r.x0 <= x1 and r.x1 >= x0]
        out.append(_Line(pno, col, x0, y0, x1, y1, text, size, bold, block, uris, marks))
    out.sort(key=lambda ln: (ln.col, round(ln.y0, 1), ln.x0))
    return out


def _drop_chrome(pages: list[list[_Line]], heights: list[float]) -> list[_Line]:
    """Running headers/footers (the same text in the top or bottom margin of several pages)
    and bare page numbers."""
    def key(ln: _Line) -> str:
        return re.sub(r"\d+", "#", ln.text.lower())

    margin_keys: Counter = Counter()
    for lines, h in zip(pages, heights):
        seen = {key(ln) for ln in lines if ln.y1 < 0.08 * h or ln.y0 > 0.92 * h}
        margin_keys.update(seen)
    repeated = {k for k, c in margin_keys.items() if c >= max(2, len(pages) // 2)}
    out = []
    for lines, h in zip(pages, heights):
        for ln in lines:
            in_margin = ln.y1 < 0.08 * h or ln.y0 > 0.92 * h
            if in_margin and (key(ln) in repeated or re.fullmatch(r"[\divxlc\s\-–—]+", ln.text.lower())):
                continue
            out.append(ln)
    return out


# ---------------------------------------------------------------------- headings

_NUMBERED = re.compile(r"^(?P<num>(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-Z](?:\.\d{1,2}){0,3}))\.?\s+(?P<title>\S.*)$")
_APPENDIX = re.compile(r"^(?:appendix|appendices|supplementary material)\b", re.I)
_NAMED = re.compile(r"^(?:abstract|introduction|related work|background|method(?:s|ology)?|experiments?|"
                    r"results|discussion|conclusions?|limitations|references|bibliography|"
                    r"acknowledge?ments?|appendix|appendices)$", re.I)
_REFERENCES = re.compile(r"^(?:references|bibliography|literature cited)$", re.I)
_ABSTRACT_INLINE = re.compile(r"^abstract\s*[.:—–\-]\s*", re.I)


def _heading(ln: _Line, body: float, after_refs: bool) -> tuple[str, bool] | None:
    """(title, top_level) when the line is a heading."""
    t = ln.text.strip()
    if not t or len(t) > 100 or len(t.split()) > 14:
        return None
    emphasised = ln.bold or ln.size >= body + 0.8
    if not emphasised:
        return None
    if t.endswith((".", ",", ";", ":")) and not _NAMED.match(t.rstrip(".:")):
        return None
    if _NAMED.match(t.rstrip(".:")):
        return t.rstrip(".:"), True
    if _APPENDIX.match(t):
        return t, True
    m = _NUMBERED.match(t)
    if m and m.group("title")[0].isupper():
        num = m.group("num")
        if num[0].isalpha() and not (after_refs or ln.size >= body + 1.5):
            return None  # "A new model ..." in bold is a sentence, not appendix A
        if num.isdigit() and int(num) > 30:
            return None
        return t, "." not in num
    if ln.size >= body + 1.5:
        return t, True
    return None


# ---------------------------------------------------------------------- citations

_NUM_GROUP = re.compile(r"\[(\s*\d{1,3}(?:\s*[,;–—\-]\s*\d{1,3})*\s*)\]")
_NUM = re.compile(r"\d{1,3}")
_NAME = r"[^\W\d_][\w'’\-]*"
_AUTH = rf"(?P<a1>{_NAME})(?:\s+et\s+al\.?|\s*,?\s+(?:and|&)\s+{_NAME})?"
_PAREN = re.compile(r"\(([^()]{4,400})\)")
_IN_PAREN = re.compile(rf"{_AUTH}\s*,?\s*(?P<year>(?:19|20)\d{{2}}[a-z]?)\b")
_NARRATIVE = re.compile(rf"{_AUTH}\s+\((?P<year>(?:19|20)\d{{2}}[a-z]?)\)")


class _Index:
    """Bibliography lookup by (first-author surname, year[+suffix]) and by number."""

    def __init__(self, refs: list[Reference], numeric: bool):
        self.numeric = numeric
        self.keys = {r.key for r in refs}
        self.by_name: dict[tuple[str, str], list[str]] = {}
        for r in refs:
            surname = first_author_surname(r)
            if not surname or r.year is None:
                continue
            years = {str(r.year)}
            m = re.search(rf"\b{r.year}([a-z])\b", r.raw)
            if m:
                years.add(f"{r.year}{m.group(1)}")
            for y in years:
                self.by_name.setdefault((surname.casefold(), y), []).append(r.key)

    def number(self, n: str) -> str | None:
        key = f"bib.bib{int(n)}"
        return key if key in self.keys else None

    def name(self, surname: str, year: str) -> str | None:
        hits = self.by_name.get((surname.casefold(), year))
        if not hits and year[-1].isalpha():
            hits = self.by_name.get((surname.casefold(), year[:-1]))
        return hits[0] if hits and len(hits) == 1 else None


def _citations(text: str, index: _Index, linked: list[tuple[int, int, str]] = ()) -> list[CitationSpan]:
    """Regex markers, then in-document links: a link names its entry for sure, so it sets the
    ref of the marker it falls in, or becomes a span of its own where no marker was found."""
    spans = _marker_citations(text, index)
    if not linked:
        return spans
    own: list[tuple[int, int, str]] = []
    used: set[int] = set()
    for a, b, key in linked:
        hit = next((i for i, c in enumerate(spans) if c.start < b and a < c.end), None)
        if hit is None:
            if all(b <= s or a >= e for s, e, _ in own):
                own.append((a, b, key))
        elif hit not in used:
            used.add(hit)
            c = spans[hit]
            spans[hit] = CitationSpan(start=c.start, end=c.end, ref=key, grouped=c.grouped)
    for a, b, key in own:
        lo, hi = _enclosing_brackets(text, a, b)
        inside = [c for c in spans if lo <= c.start < hi] + [o for o in own if lo <= o[0] < hi]
        grouped = lo >= 0 and len(inside) > 1
        if lo >= 0 and not grouped and text[lo + 1:hi - 1].strip() == text[a:b]:
            a, b = lo, hi  # a lone linked marker in brackets spans them: "(OpenAI, 2023)"
        spans.append(CitationSpan(start=a, end=b, ref=key, grouped=grouped))
    spans.sort(key=lambda c: (c.start, c.end))
    out: list[CitationSpan] = []
    for c in spans:
        if not out or c.start >= out[-1].end:
            out.append(c)
    return out


def _enclosing_brackets(text: str, a: int, b: int) -> tuple[int, int]:
    """[lo, hi) of the (…) or […] around text[a:b], or (-1, -1)."""
    i = a - 1
    while i >= max(0, a - 300) and text[i] not in "([)]":
        i -= 1
    if i < 0 or text[i] not in "([":
        return -1, -1
    close = ")" if text[i] == "(" else "]"
    j = text.find(close, b)
    if j < 0 or j - b > 300 or any(ch in text[b:j] for ch in "()[]"):
        return -1, -1
    return i, j + 1


def _marker_citations(text: str, index: _Index) -> list[CitationSpan]:
    spans: list[CitationSpan] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    if index.numeric:
        for m in _NUM_GROUP.finditer(text):
            nums = [(n.start(), n.end(), index.number(n.group())) for n in _NUM.finditer(m.group(1))]
            nums = [(m.start(1) + a, m.start(1) + b, k) for a, b, k in nums if k]
            if len(nums) == 1 and len(_NUM.findall(m.group(1))) == 1:
                spans.append(CitationSpan(start=m.start(), end=m.end(), ref=nums[0][2]))
            else:
                spans.extend(CitationSpan(start=a, end=b, ref=k, grouped=len(nums) > 1) for a, b, k in nums)
        return spans

    for m in _PAREN.finditer(text):
        inner_start = m.start(1)
        found = []
        last_surname = None
        for seg in re.finditer(r"[^;]+", m.group(1)):
            for c in _IN_PAREN.finditer(seg.group()):
                key = index.name(c.group("a1"), c.group("year"))
                if key:
                    a = inner_start + seg.start() + c.start()
                    found.append((a, inner_start + seg.start() + c.end(), key))
                    last_surname = c.group("a1")
            # "Smith et al., 2020, 2021": a year that follows without names
            if last_surname:
                for y in re.finditer(r"(?<=,\s)((?:19|20)\d{2}[a-z]?)\b", seg.group()):
                    a = inner_start + seg.start() + y.start()
                    if all(not (s <= a < e) for s, e, _ in found):
                        key = index.name(last_surname, y.group(1))
                        if key:
                            found.append((a, a + len(y.group(1)), key))
        found.sort()
        if len(found) == 1 and text[found[0][0]:found[0][1]] == m.group(1).strip():
            found = [(m.start(), m.end(), found[0][2])]
        for a, b, key in found:
            spans.append(CitationSpan(start=a, end=b, ref=key, grouped=len(found) > 1))
            taken.append((a, b))
    for m in _NARRATIVE.finditer(text):
        key = index.name(m.group("a1"), m.group("year"))
        if key and free(m.start(), m.end()):
            spans.append(CitationSpan(start=m.start(), end=m.end(), ref=key))
            taken.append((m.start(), m.end()))
    spans.sort(key=lambda c: (c.start, c.end))
    return spans


# ---------------------------------------------------------------------- bibliography

_LABEL = re.compile(r"^\[(\d{1,3})\]\s*")


def _bibliography(lines: list[_Line]) -> tuple[list[Reference], bool, list[tuple]]:
    """References, whether they are numbered "[N]", and where each entry starts
    (key, page, x0, y0, y1) so that in-document links can be resolved to entries."""
    if not lines:
        return [], False, []
    labelled = [ln for ln in lines if _LABEL.match(ln.text)]
    entries: list[tuple[str | None, list[_Line]]] = []
    if _LABEL.match(lines[0].text) and len(labelled) >= len(lines) // 6:
        for ln in lines:
            m = _LABEL.match(ln.text)
            if m:
                entries.append((m.group(1), [ln]))
            elif entries:
                entries[-1][1].append(ln)
        numeric = True
    else:
        numeric = False
        # Hanging indent: an entry starts at the column's left edge, continuations are indented.
        margins: dict[tuple[int, int], float] = {}
        for ln in lines:
            k = (ln.page, ln.col)
            margins[k] = min(margins.get(k, ln.x0), ln.x0)
        indented = any(ln.x0 > margins[(ln.page, ln.col)] + 4 for ln in lines)
        prev = None
        for ln in lines:
            at_margin = ln.x0 <= margins[(ln.page, ln.col)] + 4
            new = at_margin if indented else (prev is None or ln.block != prev.block or ln.page != prev.page)
            if new or not entries:
                entries.append((None, [ln]))
            else:
                entries[-1][1].append(ln)
            prev = ln
    refs: list[Reference] = []
    anchors: list[tuple] = []
    for i, (label, lns) in enumerate(entries):
        raw = _join([ln.text for ln in lns])
        if label:
            raw = _LABEL.sub("", raw)
        key = f"bib.bib{label if label else i + 1}"
        if any(r.key == key for r in refs):
            key = f"{key}.{i + 1}"
        uris = [u for ln in lns for u in ln.uris]
        refs.append(reference_from_text(key, raw, uris))
        anchors.append((key, lns[0].page, lns[0].x0, lns[0].y0, lns[0].y1))
    return refs, numeric, anchors


def _resolve_marks(marks: list[tuple], anchors: list[tuple]) -> list[tuple[int, int, str]]:
    """Link markers -> (start, end, reference key): the entry whose first line is nearest to
    the link's destination point on the destination page."""
    out = []
    for a, b, page, tx, ty in marks:
        best = None
        for key, p, x0, y0, y1 in anchors:
            if p != page or not (y0 - 14 <= ty <= y1 + 14):
                continue
            d = abs((y0 + y1) / 2 - ty) + (60 if tx and abs(x0 - tx) > 150 else 0)
            if best is None or d < best[0]:
                best = (d, key)
        if best is not None:
            out.append((a, b, best[1]))
    return out


# ---------------------------------------------------------------------- assembly


def _join(texts: list[str]) -> str:
    return _join_at(texts)[0]


def _join_at(texts: list[str]) -> tuple[str, list[int]]:
    """Lines -> one text, and where each (whitespace-collapsed) line starts in it."""
    out = ""
    starts: list[int] = []
    for t in texts:
        t = " ".join(t.split())
        if not t:
            starts.append(len(out))
            continue
        if not out:
            out = t
            starts.append(0)
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and t[:1].islower():
            out = out[:-1]  # "hyphen-" + "ated" -> "hyphenated"
            starts.append(len(out))
            out += t
        else:
            out += " "
            starts.append(len(out))
            out += t
    return out, starts


def _paragraph_groups(lines: list[_Line], body: float) -> list[list[_Line]]:
    """Split a run of body lines into paragraphs."""
    groups: list[list[_Line]] = []
    pitches = [b.y0 - a.y0 for a, b in zip(lines, lines[1:])
               if a.page == b.page and a.col == b.col and 0 < b.y0 - a.y0 < 3 * body]
    pitch = statistics.median(pitches) if pitches else body * 1.2
    margins: dict[tuple[int, int], float] = {}
    for ln in lines:
        k = (ln.page, ln.col)
        margins[k] = min(margins.get(k, ln.x0), ln.x0)
    prev = None
    for ln in lines:
        new = prev is None
        if prev is not None:
            same_col = ln.page == prev.page and ln.col == prev.col
            if same_col:
                gap = ln.y0 - prev.y0
                indent = margins[(ln.page, ln.col)] + 6 < ln.x0 < margins[(ln.page, ln.col)] + 40
                new = gap > 1.45 * pitch or (ln.block != prev.block and gap > 1.15 * pitch) or indent
            else:  # a paragraph carries over a column or page break unless a sentence ended
                new = prev.text.rstrip().endswith((".", ":", "!", "?"))
        if new:
            groups.append([ln])
        else:
            groups[-1].append(ln)
        prev = ln
    return groups


def parse_pdf(data: bytes, *, arxiv_id: str | None = None, version: str | None = None,
              source: str | None = None) -> Paper:
    """Parse a PDF into a Paper (best effort; see the module docstring). Raises ParseError for
    data that is not a readable PDF or that has no text."""
    doc = _open(data)
    try:
        try:
            names = doc.resolve_names()  # named destinations ("cite.smith2020") -> page, point
        except Exception:  # older MuPDF, or a broken name tree: positional links still work
            names = {}
        pages = [_page_lines(page, i, names) for i, page in enumerate(doc)]
        heights = [page.rect.height for page in doc]
    finally:
        doc.close()
    lines = _drop_chrome(pages, heights)
    if not lines:
        raise ParseError("the PDF has no text layer (scanned?)")
    sizes: Counter = Counter()
    for ln in lines:
        sizes[round(ln.size * 2) / 2] += len(ln.text)
    body = sizes.most_common(1)[0][0]

    # Front matter: the title is the largest text on the first page above the first heading.
    title = ""
    first_page = [ln for ln in lines if ln.page == lines[0].page]
    top = max(first_page[: max(1, min(12, len(first_page)))], key=lambda ln: ln.size)
    if top.size >= body + 1.5:
        title = _join([ln.text for ln in first_page if abs(ln.size - top.size) < 0.6 and ln.y0 < top.y0 + 4 * top.size])

    sections: list[Section] = []
    abstract_lines: list[_Line] = []
    authors: list[str] = []
    ref_lines: list[_Line] = []
    mode = "front"  # front | abstract | body | refs
    after_refs = False
    current: Section | None = None
    pending: list[_Line] = []  # body lines of the current section, not yet split in paragraphs
    seen_title_lines = {id(ln) for ln in first_page if title and abs(ln.size - top.size) < 0.6}
    headings_in_section: list[tuple[int, str]] = []  # (index in pending, heading text)
    marks_of: dict[int, list[tuple]] = {}  # id(paragraph) -> its internal-link markers

    def close_section() -> None:
        nonlocal pending, headings_in_section
        if current is None:
            pending, headings_in_section = [], []
            return
        out: list[Paragraph] = []
        cuts = [i for i, _ in headings_in_section] + [len(pending)]
        for (i, htext), nxt in zip([(0, None)] + headings_in_section, cuts):
            if htext:
                out.append(Paragraph(text=htext, kind="heading"))
            for group in _paragraph_groups(pending[i:nxt], body):
                text, starts = _join_at([ln.text for ln in group])
                if text:
                    par = Paragraph(text=text)
                    out.append(par)
                    marks = [(st + a, st + b, *rest) for st, ln in zip(starts, group)
                             for a, b, *rest in ln.marks if st + b <= len(text)]
                    if marks:
                        marks_of[id(par)] = marks
        current.paragraphs.extend(out)
        pending, headings_in_section = [], []

    for ln in lines:
        if id(ln) in seen_title_lines:
            continue
        h = _heading(ln, body, after_refs)
        if mode == "front" and h is None:
            m = _ABSTRACT_INLINE.match(ln.text)
            if m:
                mode = "abstract"
                rest = ln.text[m.end():]
                if rest:
                    abstract_lines.append(_Line(**{**ln.__dict__, "text": rest}))
            elif title and ln.page == top.page and ln.y0 > top.y0:  # between title and abstract
                authors.extend(n for n in names_in(ln.text) if n not in authors)
            continue
        if h is not None:
            htitle, top_level = h
            name = htitle.lower().rstrip(".:")
            if name == "abstract":
                mode = "abstract"
                continue
            if _REFERENCES.match(name):
                close_section()
                current = None
                mode, after_refs = "refs", True
                continue
            if top_level or current is None:
                close_section()
                appendix = after_refs or bool(_APPENDIX.match(htitle)) or bool(
                    re.match(r"^[A-Z](?:\.\d+)*\.?\s", htitle))
                current = Section(title=htitle, appendix=appendix)
                sections.append(current)
                mode = "body"
            else:
                headings_in_section.append((len(pending), htitle))
            continue
        if mode == "abstract":
            abstract_lines.append(ln)
        elif mode == "refs":
            ref_lines.append(ln)
        elif mode == "body":
            pending.append(ln)
    close_section()

    references, numeric, anchors = _bibliography(ref_lines)
    index = _Index(references, numeric)
    for s in sections:
        s.paragraphs = [Paragraph(text=p.text, kind=p.kind, citations=[] if p.kind else _citations(
                            p.text, index, _resolve_marks(marks_of.get(id(p), []), anchors)))
                        for p in s.paragraphs]
    sections = [s for s in sections if s.paragraphs]
    if not sections:
        raise ParseError("no sections found in the PDF")
    if arxiv_id:
        arxiv_id, v = split_version(arxiv_id)
        version = version or v
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=" ".join(_join([ln.text for ln in g]) for g in _paragraph_groups(abstract_lines, body)),
        authors=authors,
        sections=sections,
        references=references,
        source=source or "pdf",
    )
