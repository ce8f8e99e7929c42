"""LaTeXML HTML (arxiv.org/html, ar5iv) -> Paper.

One pass over the lxml tree, section by section. Text is built with exact offsets as it is
walked (see ``_text.TextBuilder``):

* math appears once, as its LaTeX alttext;
* footnotes leave the running text and follow their paragraph as ``kind="footnote"``
  paragraphs (their citations are kept);
* figure/table captions and table cells become their own paragraphs (``kind`` says which);
  each line of an algorithm or code listing is one ``kind="listing"`` paragraph;
* the inline walk is iterative (any nesting depth); block nesting too deep for recursion is a
  ParseError, never a RecursionError;
* subsection titles are kept as ``kind="heading"`` paragraphs inside their top-level section;
* each ``<a href="…#bib.bibN">`` inside a ``cite.ltx_cite`` becomes one CitationSpan whose
  ``text[start:end]`` is the visible citation (split per reference inside groups, see
  ``_cites``); conversion garbage (``ltx_ERROR``), navigation and equation numbers are dropped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from scalar._util.ids import find_arxiv_id, split_version
from scalar.errors import InputError, ParseError
from scalar.parse._cites import split_group
from scalar.parse._names import names_in
from scalar.parse._text import TextBuilder, clean_inline, math_text
from scalar.parse.bibliography import parse_bibitem
from scalar.schema import CitationSpan, Paper, Paragraph, Reference, Section

__all__ = ["parse_html", "parse_html_file"]

# Elements whose content never reaches the text.
_DROP_TAGS = frozenset({"script", "style", "svg", "button", "noscript", "head", "nav", "header",
                        "footer", "annotation", "annotation-xml", "img", "input", "form"})
_DROP_CLASSES = frozenset({"ltx_ERROR", "ltx_note_mark", "ltx_tag_note", "ltx_eqn_eqno",
                           "ltx_tag_equation", "ltx_TOC", "ltx_page_footer", "ltx_page_header",
                           "ltx_pagination", "ltx_rdf", "ltx_missing_label", "ltx_tag_item",
                           "ltx_page_navbar", "ltx_page_logo", "ltx_role_newpage",
                           "ltx_bibliography", "ltx_note_type", "ltx_listing_data",
                           "ltx_tag_listingline"})
# Tags that separate words when met inside running text.
_SPACED_TAGS = frozenset({"p", "div", "td", "th", "tr", "li", "table", "tbody", "thead",
                          "figure", "figcaption", "ul", "ol", "dl", "dt", "dd", "section",
                          "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "mtable"})
_SECTION_CLASSES = frozenset({"ltx_section", "ltx_appendix", "ltx_chapter", "ltx_index",
                              "ltx_glossary"})
_FRONT_CLASSES = frozenset({"ltx_title_document", "ltx_authors", "ltx_abstract", "ltx_dates",
                            "ltx_keywords", "ltx_classification", "ltx_bibliography",
                            "ltx_TOC", "ltx_pagination", "ltx_subtitle"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BIB_HREF = re.compile(r"#(bib[\w.\-:]*)$")


def _classes(el) -> frozenset[str] | tuple:
    c = el.get("class")
    return frozenset(c.split()) if c else ()


class _Ctx:
    """What the inline walk collects: citation spans (None: cites are plain text) and notes
    (None: footnotes are dropped)."""

    __slots__ = ("spans", "notes", "anchors")

    def __init__(self, spans=None, notes=None, anchors=None):
        self.spans = spans
        self.notes = notes
        self.anchors = anchors


class _Exit:
    """End of an element in the inline walk: the space it owes and the span it closes."""

    __slots__ = ("spaced", "span")

    def __init__(self, spaced: bool, span):
        self.spaced = spaced
        self.span = span


class _LatexmlDoc:
    def __init__(self, bib_keys: set[str], short_labels: dict[str, str], title: str = "",
                 block_holders: frozenset = frozenset()):
        self.bib_keys = bib_keys
        self.short = short_labels
        self.title = title
        # Inline-looking elements that hold a listing ("<p><div class=ltx_listing>"): read as
        # blocks, so the listing keeps one paragraph per line.
        self.holders = block_holders

    # ------------------------------------------------------------------ inline text
    def text_of(self, el, skip=None) -> str:
        b = TextBuilder()
        ctx = _Ctx()
        if el is not None:
            if skip is None:
                self._inline(el, b, ctx)
            else:
                b.text(el.text)
                for ch in el:
                    if ch is not skip:
                        self._inline(ch, b, ctx)
                    b.text(ch.tail)
        return b.value()

    def _clean(self, s: str) -> str:
        # Cross-reference residue: "3 ‣ A.1 Ablation Study ‣ Appendix A ‣ <paper title>".
        i = s.find("‣")
        if i < 0:
            return s
        j = s.find(self.title, i) if self.title else -1
        end = j + len(self.title) if j >= 0 else len(s)
        return s[:i] + " " + s[end:]

    def _inline(self, el, b: TextBuilder, ctx: _Ctx) -> None:
        # Iterative (an explicit stack, not recursion): a page nested thousands of elements
        # deep must not hit Python's recursion limit. Stack items: an element to enter, a str
        # (a tail to emit after its element) or an _Exit frame.
        stack: list = [el]
        pop, push = stack.pop, stack.append
        while stack:
            item = pop()
            if type(item) is str:
                b.text(self._clean(item) if "‣" in item else item)
                continue
            if type(item) is _Exit:
                if item.spaced:
                    b.space()
                if item.span is not None:
                    b.close_span(item.span)
                    ctx.anchors.append(item.span)
                continue
            tag = item.tag
            if not isinstance(tag, str):
                continue
            cls = item.get("class")
            classes = frozenset(cls.split()) if cls else ()
            if tag == "math":
                b.text(math_text(item))
                continue
            if tag in _DROP_TAGS or (classes and not _DROP_CLASSES.isdisjoint(classes)):
                continue
            if "ltx_note" in classes:
                if ctx.notes is not None:
                    ctx.notes.append(item)
                continue
            if tag == "cite" and ctx.spans is not None:
                self._cite(item, b, ctx)
                continue
            if tag == "br" or "ltx_lst_space" in classes:  # a listing's visible space "␣"
                b.space()
                continue
            span = None
            if tag == "a" and ctx.anchors is not None:
                ref = self._bib_ref(item)
                if ref is not None:
                    span = b.open_span(ref)
            spaced = tag in _SPACED_TAGS
            if spaced:
                b.space()
            t = item.text
            if t:
                b.text(self._clean(t) if "‣" in t else t)
            if spaced or span is not None:
                push(_Exit(spaced, span))
            if len(item):
                for ch in reversed(item):
                    t = ch.tail
                    if t:
                        push(t)
                    push(ch)

    def _bib_ref(self, a) -> str | None:
        href = a.get("href")
        if not href or "#" not in href:
            return None
        m = _BIB_HREF.search(href)
        if m and m.group(1) in self.bib_keys:
            return m.group(1)
        return None

    def _cite(self, el, b: TextBuilder, ctx: _Ctx) -> None:
        mini = TextBuilder()
        anchors: list = []
        inner = _Ctx(anchors=anchors)
        mini.text(el.text)
        for ch in el:
            self._inline(ch, mini, inner)
            mini.text(ch.tail)
        text = mini.value()
        rel = [(sp.start, sp.end, sp.ref) for sp in anchors if sp.start is not None and sp.end is not None]
        if not rel:
            b.text(text)
            return
        spans, grouped = split_group(text, rel, self.short)
        # A group is a group even when some of its links point at no entry: "[3, 99]".
        targets = {h.rsplit("#", 1)[1] for h in (a.get("href") or "" for a in el.iter("a")) if "#bib" in h}
        grouped = grouped or len(targets) > 1
        for s, e, ref in b.emit_with_spans(text, spans):
            ctx.spans.append(CitationSpan(start=s, end=e, ref=ref, grouped=grouped))

    # ------------------------------------------------------------------ blocks
    def _paragraph(self, b: TextBuilder, spans: list, kind: str | None, out: list) -> None:
        text = b.value()
        if text.strip():
            spans.sort(key=lambda c: (c.start, c.end))
            out.append(Paragraph(text=text, citations=spans, kind=kind))

    def _flush_notes(self, notes: list, out: list) -> None:
        for note in notes:
            content = None
            for el in note.iter():
                c = el.get("class")
                if c and "ltx_note_content" in c.split():
                    content = el
                    break
            nb, spans = TextBuilder(), []
            nested: list = []  # a footnote inside a footnote follows it
            self._inline_children(content if content is not None else note, nb,
                                  _Ctx(spans=spans, notes=nested))
            self._paragraph(nb, spans, "footnote", out)
            if nested:
                self._flush_notes(nested, out)

    def _inline_children(self, el, b: TextBuilder, ctx: _Ctx) -> None:
        b.text(el.text)
        for ch in el:
            self._inline(ch, b, ctx)
            b.text(ch.tail)

    def _is_blocky(self, el, classes) -> bool:
        tag = el.tag
        if tag in ("figure", "ul", "ol", "dl", "section", "blockquote"):
            return True
        if tag == "table":
            return "ltx_tabular" in classes
        if tag == "div":
            return bool(classes) and not {"ltx_para", "ltx_theorem", "ltx_proof", "ltx_float",
                                          "ltx_logical-block", "ltx_acknowledgements",
                                          "ltx_listing"}.isdisjoint(classes)
        return False

    def _para(self, el, out: list, kind: str | None = None) -> None:
        """A container of running text: one paragraph, split around floats and lists."""
        b, spans, notes = TextBuilder(), [], []
        ctx = _Ctx(spans=spans, notes=notes)
        b.text(el.text)
        for ch in el:
            if isinstance(ch.tag, str):
                classes = _classes(ch)
                if self._is_blocky(ch, classes) or (self.holders and ch in self.holders):
                    self._paragraph(b, spans, kind, out)
                    self._flush_notes(notes, out)
                    b, spans, notes = TextBuilder(), [], []
                    ctx = _Ctx(spans=spans, notes=notes)
                    self._block(ch, out)
                else:
                    self._inline(ch, b, ctx)
            b.text(ch.tail)
        self._paragraph(b, spans, kind, out)
        self._flush_notes(notes, out)

    def _heading(self, el, out: list) -> None:
        b, spans = TextBuilder(), []  # "4.2 Comparison with BERT [5]": the cite keeps its span
        self._inline_children(el, b, _Ctx(spans=spans))
        self._paragraph(b, spans, "heading", out)

    def _blocks(self, el, out: list, skip=None) -> None:
        for ch in el:
            if ch is not skip and isinstance(ch.tag, str):
                self._block(ch, out)
            if ch.tail and ch.tail.strip():
                b = TextBuilder()
                b.text(ch.tail)
                self._paragraph(b, [], None, out)

    def _block(self, el, out: list) -> None:
        tag = el.tag
        if not isinstance(tag, str) or tag in _DROP_TAGS:
            return
        classes = _classes(el)
        if classes and (not _DROP_CLASSES.isdisjoint(classes) or "ltx_bibliography" in classes):
            return
        if "ltx_note" in classes:  # a footnote at block level: its own paragraph
            self._flush_notes([el], out)
            return
        if tag in _HEADINGS:
            self._heading(el, out)
        elif "ltx_listing" in classes:
            self._listing(el, out)
        elif tag == "figure" or "ltx_float" in classes:
            self._figure(el, out)
        elif tag == "table" and "ltx_tabular" in classes:
            self._table(el, out)
        elif tag in ("ul", "ol", "dl"):
            for li in el:
                if isinstance(li.tag, str):
                    self._item(li, out)
        elif tag in ("section", "blockquote") or (tag == "div" and self._has_block_children(el)):
            self._blocks(el, out)
        else:
            self._para(el, out)

    def _has_block_children(self, el) -> bool:
        for ch in el:
            if isinstance(ch.tag, str) and (self._is_blocky(ch, _classes(ch)) or ch.tag in _HEADINGS):
                return True
        return False

    def _item(self, li, out: list) -> None:
        if self._has_block_children(li):
            self._blocks(li, out)
        else:
            self._para(li, out)

    def _figure(self, el, out: list) -> None:
        """A float: captions, tables, listings and panels become their own paragraphs; inline
        content between them (an algorithm written without a listing, a panel's label) is read
        as runs of text split at ``<br>``, with the text between elements kept."""
        b, spans, notes = TextBuilder(), [], []
        ctx = _Ctx(spans=spans, notes=notes)

        def flush() -> None:
            nonlocal b, spans, notes, ctx
            self._paragraph(b, spans, "figure", out)
            self._flush_notes(notes, out)
            b, spans, notes = TextBuilder(), [], []
            ctx = _Ctx(spans=spans, notes=notes)

        b.text(el.text)
        for ch in el:
            tag = ch.tag
            if isinstance(tag, str):
                classes = _classes(ch)
                if tag in _DROP_TAGS or (classes and not _DROP_CLASSES.isdisjoint(classes)):
                    pass
                elif tag == "br":
                    flush()
                elif tag == "figcaption":
                    flush()
                    self._para(ch, out, kind="caption")
                elif tag == "figure" or "ltx_float" in classes:
                    flush()
                    self._figure(ch, out)
                elif tag == "table" and "ltx_tabular" in classes:
                    flush()
                    self._table(ch, out)
                elif "ltx_listing" in classes:
                    flush()
                    self._listing(ch, out)
                elif self._has_block_children(ch) or (tag == "div" and self._has_div_children(ch)):
                    flush()
                    self._figure(ch, out)
                elif tag in ("div", "p", "table", "ul", "ol", "dl", "blockquote") or (
                        self.holders and ch in self.holders):
                    flush()
                    self._para(ch, out, kind="figure")
                else:
                    self._inline(ch, b, ctx)
            b.text(ch.tail)
        flush()

    def _has_div_children(self, el) -> bool:
        return any(ch.tag in ("div", "figure", "table", "p") for ch in el)

    def _listing(self, el, out: list) -> None:
        """An algorithm or code listing (``div.ltx_listing``): one ``kind="listing"`` paragraph
        per line, line numbers and the download link left out; a listing without line
        elements (older LaTeXML) is read as one paragraph per block child."""
        lines = [ch for ch in el if isinstance(ch.tag, str) and _has_class(ch, "ltx_listingline")]
        if not lines:
            lines = [ch for ch in el if isinstance(ch.tag, str)
                     and not (_classes(ch) and not _DROP_CLASSES.isdisjoint(_classes(ch)))]
        for line in lines:
            if self._has_block_children(line):
                self._blocks(line, out)
            else:
                self._para(line, out, kind="listing")

    def _table(self, el, out: list) -> None:
        """A tabular as one paragraph: cells joined by " | ", rows by newlines, empty cells
        skipped; citations in cells keep their spans."""
        b, spans, notes = TextBuilder(), [], []
        for tr in el.iter("tr"):
            # Only this table's rows: a nested tabular is read inside its cell.
            if next(tr.iterancestors("table"), None) is not el:
                continue
            first = True
            for cell in tr:
                if not isinstance(cell.tag, str):
                    continue
                cb, cspans = TextBuilder(), []
                self._inline_children(cell, cb, _Ctx(spans=cspans, notes=notes))
                text = cb.value()
                if not text:
                    continue
                if not first:
                    b.text(" | ")
                first = False
                shifted = b.emit_with_spans(text, [(c.start, c.end, c.ref) for c in cspans])
                spans.extend(CitationSpan(start=s, end=e, ref=ref, grouped=c.grouped)
                             for (s, e, ref), c in zip(shifted, cspans))
            b.newline()
        self._paragraph(b, spans, "table", out)
        self._flush_notes(notes, out)

    # ------------------------------------------------------------------ sections
    def section(self, el, appendix: bool) -> Section:
        title_el = None
        for ch in el:
            if isinstance(ch.tag, str) and ch.tag in _HEADINGS:
                title_el = ch
                break
        title = clean_inline(self.text_of(title_el)) if title_el is not None else ""
        paragraphs: list[Paragraph] = []
        self._blocks(el, paragraphs, skip=title_el)
        return Section(title=title, paragraphs=paragraphs, appendix=appendix)

    def blocks_of(self, els: list) -> list[Paragraph]:
        out: list[Paragraph] = []
        for el in els:
            self._block(el, out)
        return out


# ---------------------------------------------------------------------- loading


def _has_class(el, cls: str) -> bool:
    c = el.get("class")
    return bool(c) and cls in c.split()


def _all(root, tag: str, cls: str):
    """Elements ``tag`` with class ``cls`` under ``root``. A tag-filtered iter runs in C and
    is several times faster than a class-matching XPath over a MathML-heavy tree."""
    for el in root.iter(tag):
        c = el.get("class")
        if c and cls in c.split():
            yield el


def _first(root, tag: str, cls: str):
    return next(_all(root, tag, cls), None)


def _shallow(root, tag: str, cls: str, depth: int = 6):
    """Breadth-first search of the top levels. (lxml's iterators look one match ahead, so even
    ``next(root.iter(tag))`` walks the whole tree when there is a single match.)"""
    level = [root]
    for _ in range(depth):
        nxt = []
        for el in level:
            for ch in el:
                if ch.tag == tag:
                    c = ch.get("class")
                    if c and cls in c.split():
                        return ch
                if isinstance(ch.tag, str):
                    nxt.append(ch)
        level = nxt
    return None


def _bibitems(doc):
    """``li.ltx_bibitem`` elements: inside the bibliography sections when they sit at the top
    of the article (the usual layout), else anywhere."""
    bibs = [ch for ch in doc if ch.tag == "section" and _has_class(ch, "ltx_bibliography")]
    for bib in bibs:
        yield from _all(bib, "li", "ltx_bibitem")
    if not bibs:
        yield from _all(doc, "li", "ltx_bibitem")


def _front(doc, tag: str, cls: str):
    """A front-matter element: a direct child of the article in LaTeXML, else anywhere."""
    for ch in doc:
        if ch.tag == tag:
            c = ch.get("class")
            if c and cls in c.split():
                return ch
    return _first(doc, tag, cls)


def _outside(doc):
    """The subtrees of the page that are not inside ``doc``."""
    el = doc
    while el is not None:
        yield from el.itersiblings(preceding=True)
        yield from el.itersiblings()
        el = el.getparent()


_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w\-]+)", re.I)
_HTML_TAG = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|article|section|div|p|span|h[1-6])\b", re.I)


def _load(html: str | bytes):
    import lxml.etree

    data = html.encode("utf-8") if isinstance(html, str) else bytes(html)
    head = data[:4096]
    if data.lstrip()[:5] == b"%PDF-":
        raise ParseError("not an HTML page: this is a PDF")
    if b"\x00" in head:
        raise ParseError("not an HTML page: binary data")
    if not _HTML_TAG.search(data[:65536]):
        raise ParseError("not an HTML page: no HTML markup found")
    encoding = "utf-8"
    if isinstance(html, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        else:
            m = _CHARSET.search(head)
            if m:
                encoding = m.group(1).decode("ascii", "replace").lower()
    # The plain etree parser: lxml.html's element-class lookup costs a Python call per element.
    try:
        parser = lxml.etree.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True,
                                       no_network=True, huge_tree=True)
    except LookupError:
        parser = lxml.etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                       no_network=True, huge_tree=True)
    try:
        root = lxml.etree.fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError, LookupError) as e:
        raise ParseError(f"not an HTML page: {e}") from None
    if root is None:
        raise ParseError("not an HTML page: empty document")
    return root


def _guess_ids(root, doc) -> tuple[str | None, str | None, str | None]:
    """(arxiv_id, version, source) from the page itself: canonical link, arXiv watermark, the
    ar5iv footer link, or the absolute citation links that carry the page's own URL."""
    candidates: list[str] = []
    source = None
    head = root.find("head")
    for el in (head if head is not None else ()):
        if el.tag == "link" and (el.get("rel") or "").lower() == "canonical":
            candidates.append(el.get("href") or "")
        elif el.tag == "meta" and (el.get("name") or el.get("property") or "").lower() in (
                "citation_arxiv_id", "og:url"):
            candidates.append("arXiv:" + (el.get("content") or ""))
    wm = root.xpath("id('watermark-tr')")  # an ID lookup, no tree walk
    if wm:
        candidates.append(" ".join(wm[0].itertext()))
        source = "arxiv-html"
    # Page chrome (the ar5iv footer's "View original on arXiv") lies outside the article.
    for outside in _outside(doc):
        for a in _all(outside, "a", "arxiv-ui-theme"):
            candidates.append(a.get("href") or "")
            source = source or "ar5iv"
    for cite in doc.iter("cite"):
        href = next((a.get("href") or "" for a in cite.iter("a")), "")
        if "#" in href and not href.startswith("#"):
            candidates.append(href.split("#", 1)[0])
            if source is None:
                source = "ar5iv" if "ar5iv" in href else ("arxiv-html" if "arxiv.org/html" in href else None)
            break
    for c in candidates:
        found = find_arxiv_id(c)
        if found:
            ident, ver = split_version(found)
            return ident, ver, source
    return None, None, source


_AUTHOR_SKIP = frozenset({"ltx_note", "ltx_author_notes", "ltx_contact", "ltx_ERROR"})
_SOURCE_WS = re.compile(r"[ \t\r\n\f]+")
_NAME_GAP = "\u2003\u2003"  # a mark (sup, math) between two names: a name separator for names_in


def _author_lines(pn) -> list[tuple[str, bool]]:
    """The lines of one ``ltx_personname`` as (text, names): ``<br>`` starts a line; superscript
    marks and math ("Ann Wu$^{1}$") separate names and are dropped; notes and contacts are left
    out. A line is a names line when it is the first, or when the ``<br>`` that opened it sits
    inside an element that began on a names line ("<b>James Chua<br>Owain Evans</b>"): a break
    directly in the person name ends the names and opens affiliations, and so does a new row of
    an author tabular."""
    lines: list[list[str]] = [[]]
    flags = [True]
    # stack items: (element, top-level child index it belongs to) or a tail string
    top_start: dict[int, int] = {}  # top-level child index -> line it began on
    stack: list = []
    for i, ch in reversed(list(enumerate(pn))):
        if ch.tail:
            stack.append(ch.tail)
        stack.append((ch, i))
    lines[0].append(pn.text or "")
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            lines[-1].append(item)
            continue
        el, top = item
        tag = el.tag
        if not isinstance(tag, str):
            continue
        top_start.setdefault(top, len(lines) - 1)
        c = el.get("class")
        if c and not _AUTHOR_SKIP.isdisjoint(c.split()):
            continue
        if tag == "br":
            inside = el.getparent() is not pn
            flags.append(inside and flags[top_start[top]])
            lines.append([])
            continue
        if tag in ("sup", "math"):
            lines[-1].append(_NAME_GAP)
            continue
        if tag in _DROP_TAGS:
            continue
        classes = c.split() if c else ()
        if tag == "tr" or "ltx_tr" in classes:
            # an author tabular ("Ann Wu \\ Univ"): each row after the first is an affiliation
            # line, like a break directly in the person name
            if el.getprevious() is not None:
                flags.append(False)
                lines.append([])
        elif tag in ("td", "th") or "ltx_td" in classes:
            lines[-1].append(_NAME_GAP)  # cells of one row: names side by side
        lines[-1].append(el.text or "")
        for ch in reversed(el):
            if ch.tail:
                stack.append(ch.tail)
            stack.append((ch, top))
    # HTML source whitespace (a newline inside a name) is one space; no-break and em spaces are
    # what LaTeXML writes between authors (\\quad, ~~), so runs of those separate names.
    return [(_SOURCE_WS.sub(" ", "".join(parts)), names) for parts, names in zip(lines, flags)]


def _authors(doc) -> list[str]:
    """Author names from ``div.ltx_authors``: the names lines of each ``ltx_personname`` (see
    ``_author_lines``), plus names introduced by "&"/\\And on later lines; affiliations,
    e-mails and notes are left out. A single (no-break) space never splits a name."""
    names: list[str] = []
    box = _front(doc, "div", "ltx_authors")
    for pn in (_all(box, "span", "ltx_personname") if box is not None else ()):
        for line, is_names in _author_lines(pn):
            if not is_names:
                if "&" not in line and "\\And" not in line:
                    continue
                line = re.split(r"&|\\And", line, maxsplit=1)[1]
            for part in names_in(line):
                if part not in names:
                    names.append(part)
    return names


def parse_html(
    html: str | bytes,
    *,
    arxiv_id: str | None = None,
    version: str | None = None,
    source: str | None = None,
    require_bibliography: bool = True,
) -> Paper:
    """Parse a LaTeXML page into a Paper. Raises ParseError (one clear message) for non-HTML,
    a page without sections, or — when ``require_bibliography`` — without bibliography, and for
    a page whose block structure nests too deep to walk (inline nesting of any depth is read)."""
    try:
        return _parse_html(html, arxiv_id, version, source, require_bibliography)
    except RecursionError:
        raise ParseError("page nested too deeply to parse (blocks inside blocks about 1,000 levels deep)") from None


def _parse_html(html, arxiv_id, version, source, require_bibliography) -> Paper:
    root = _load(html)
    doc = _shallow(root, "article", "ltx_document")
    if doc is None:
        doc = _first(root, "article", "ltx_document")
    if doc is None:
        doc = _first(root, "div", "ltx_document")
    if doc is None:
        doc = root.find("body") if root.find("body") is not None else root

    # Bibliography first: citation links are only spans when their target exists.
    references: list[Reference] = []
    short: dict[str, str] = {}
    keys: set[str] = set()
    scratch = _LatexmlDoc(set(), {})
    for i, li in enumerate(_bibitems(doc)):
        key = li.get("id") or f"bib.item{i + 1}"
        if key in keys:
            key = f"{key}.{i + 1}"
        keys.add(key)
        ref, label = parse_bibitem(li, key, scratch.text_of)
        references.append(ref)
        if label:
            short[key] = label
    if require_bibliography and not references:
        raise ParseError("no bibliography found (no li.ltx_bibitem entries)")

    title_el = _front(doc, "h1", "ltx_title_document")
    title = clean_inline(_title_text(title_el, scratch)) if title_el is not None else ""
    if not title:
        t = next(root.iter("title"), None)
        title = clean_inline("".join(t.itertext())) if t is not None else ""
    holders = frozenset(a for lst in _all(doc, "div", "ltx_listing") for a in lst.iterancestors())
    walker = _LatexmlDoc(keys, short, title, holders)

    abstract = ""
    ab = _front(doc, "div", "ltx_abstract")
    if ab is not None:
        parts = []
        for ch in ab:
            if isinstance(ch.tag, str) and ch.tag not in _HEADINGS:
                t = walker.text_of(ch)
                if t:
                    parts.append(t)
        abstract = "\n\n".join(parts)

    sections = [s for s in _sections(doc, walker) if s.paragraphs]
    if not sections:
        raise ParseError("no sections found: not a LaTeXML paper page")

    page_id, page_ver, page_source = _guess_ids(root, doc)
    if arxiv_id:
        arxiv_id, v = split_version(arxiv_id)
        version = version or v
    else:
        arxiv_id, version = page_id, version or page_ver
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=_authors(doc),
        sections=sections,
        references=references,
        source=source or page_source or "latexml",
    )


def _title_text(h1, walker: _LatexmlDoc) -> str:
    """The title's text, stopping where broken markup let the body run into it."""
    if h1.find(".//section") is None:
        return walker.text_of(h1)
    parts: list[str] = []

    def walk(el) -> bool:
        parts.append(el.text or "")
        for ch in el:
            if ch.tag == "section" or ch.find(".//section") is not None:
                if ch.tag != "section":
                    walk(ch)
                return True
            parts.append(walker.text_of(ch))
            parts.append(ch.tail or "")
        return False

    walk(h1)
    return " ".join(parts)


def _sections(doc, walker: _LatexmlDoc) -> list[Section]:
    is_latexml = _has_class(doc, "ltx_document")
    out: list[Section] = []
    loose: list = []  # content outside any section (before the first one, or between)

    def flush_loose() -> None:
        if not loose:
            return
        if not is_latexml:  # text outside sections only counts on a LaTeXML page
            loose.clear()
            return
        paragraphs = walker.blocks_of(loose)
        loose.clear()
        if not out and all(p.kind == "footnote" for p in paragraphs):
            return  # front-matter notes only (wrapped in a paragraph): not an untitled section
        if not paragraphs:
            return
        if out:
            out[-1].paragraphs.extend(paragraphs)
        else:
            out.append(Section(title="", paragraphs=paragraphs))

    def visit(container) -> None:
        for ch in container:
            tag = ch.tag
            if not isinstance(tag, str) or tag in _DROP_TAGS:
                continue
            classes = _classes(ch)
            if classes and (not _FRONT_CLASSES.isdisjoint(classes) or not _DROP_CLASSES.isdisjoint(classes)):
                if tag != "section" and ch.find(".//section") is not None:
                    visit(ch)  # broken nesting (an unclosed tag in the title swallowed the body)
                continue
            if tag == "section" and "ltx_part" in classes:
                flush_loose()
                visit(ch)
            elif (tag == "section" and not _SECTION_CLASSES.isdisjoint(classes)) \
                    or "ltx_acknowledgements" in classes:
                flush_loose()
                sec = walker.section(ch, appendix="ltx_appendix" in classes)
                if not sec.title and "ltx_acknowledgements" in classes:
                    sec.title = "Acknowledgements"
                out.append(sec)
            elif "ltx_para" not in classes and ch.find(".//section") is not None:
                flush_loose()
                visit(ch)  # a wrapper such as div.ltx_appendices, or broken nesting
            elif tag in _HEADINGS:
                continue
            elif "ltx_note" in classes and not out:
                continue  # a front-matter note ("footnotetext: Equal contribution"): not body text
            else:
                loose.append(ch)
        flush_loose()

    visit(doc)
    return out


_FILE_ID = re.compile(r"(\d{4}\.\d{4,5}(?:v\d+)?)|([a-z\-]+(?:\.[A-Z]{2})?[_/]\d{7}(?:v\d+)?)")


def parse_html_file(path: str | os.PathLike, *, require_bibliography: bool = True) -> Paper:
    """Parse a LaTeXML page from disk. The arXiv id and version come from the page when it
    names itself, else from the file name (``2410.05602v2.html``)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found: {p}")
    if p.is_dir():
        raise InputError(f"expected an HTML file, got a directory: {p}")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror or e}") from None
    if not data.strip():
        raise ParseError(f"{p}: empty file")
    try:
        paper = parse_html(data, require_bibliography=require_bibliography)
    except ParseError as e:
        raise ParseError(f"{p}: {e}") from None
    m = _FILE_ID.search(p.name)
    found = find_arxiv_id(m.group(0).replace("_", "/")) if m else None
    if found:
        fid, fver = split_version(found)
        if paper.arxiv_id is None:
            paper.arxiv_id, paper.version = fid, fver
        elif paper.arxiv_id == fid and paper.version is None:
            paper.version = fver
    return paper
