"""The live services, as the sample venue's synthetic papers would appear on them.

Renders the readable sources in ``sources/*.yaml`` into the very responses OpenReview (API v2
notes JSON), arXiv (Atom feeds for ``search_query`` and ``id_list``; LaTeXML HTML on arxiv.org/html
for papers after Dec 2023 and on ar5iv; a PDF for a PDF-only submission; 404 pages), and Semantic
Scholar (``/paper/arXiv:<id>/references`` JSON) return, and
serves them through the ``responses`` library so that SCALAR's real clients can be pointed at them.
``make_cache.py`` uses it to record the replay cache; tests use it to run record-mode builds.

Needs PyYAML and ``responses`` (both test dependencies); never imported by the ``scalar`` package.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
VENUE_ID = "SCALAR.cc/2025/Sample_Venue"
NATIVE_HTML_SINCE = date(2023, 12, 1)  # arxiv.org/html exists for submissions after this; older: ar5iv

# ----------------------------------------------------------------------------- sources


@dataclass
class Work:
    key: str
    title: str
    authors: list[str]
    year: int
    arxiv_id: str | None = None
    versions: list[date] = field(default_factory=list)
    abstract: str = ""
    style: str = "numeric"
    sections: list[dict] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    venue_text: str | None = None
    cite_in_entry: bool = True
    s2: bool = True  # Semantic Scholar knows this paper
    html: bool = True  # LaTeXML HTML exists (arxiv.org/html or ar5iv)
    pdf: bool = False  # a PDF is served (PDF-only submissions: html false, pdf true)
    openreview: dict | None = None
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])

    @property
    def v1(self) -> date:
        return self.versions[0]

    @property
    def latest(self) -> int:
        return len(self.versions)

    @property
    def surname(self) -> str:
        return self.authors[0].split()[-1]


def _as_date(x) -> date:
    return x if isinstance(x, date) else date.fromisoformat(str(x))


def load_works(sources: Path = SOURCES) -> dict[str, Work]:
    import yaml

    works: dict[str, Work] = {}
    for name in ("outside.yaml", "venue.yaml"):
        for raw in yaml.safe_load((sources / name).read_text(encoding="utf-8")):
            raw = dict(raw)
            raw["versions"] = [_as_date(v) for v in raw.get("versions", [])]
            if raw.get("openreview"):
                raw["openreview"] = dict(raw["openreview"])
            w = Work(**raw)
            if w.key in works:
                raise ValueError(f"duplicate work key {w.key}")
            works[w.key] = w
    for w in works.values():
        for r in w.references:
            if r not in works:
                raise ValueError(f"{w.key} cites unknown work {r}")
    return works


# ----------------------------------------------------------------------------- LaTeXML HTML

_MARKER = re.compile(r"\[(@[^\]]+)\]")


def _author_label(w: Work) -> str:
    names = [a.split()[-1] for a in w.authors]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} &amp; {names[1]}"
    return f"{names[0]} et&nbsp;al."


def _cited_order(w: Work) -> list[str]:
    """Bibliography order: numeric styles number by first citation; author-year sorts by name."""
    seen: list[str] = []
    for s in w.sections:
        for p in s["paragraphs"]:
            for m in _MARKER.finditer(p):
                for k in _marker_keys(m.group(1)):
                    if k not in seen:
                        seen.append(k)
    order = seen + [r for r in w.references if r not in seen]
    missing = [k for k in seen if k not in w.references]
    if missing:
        raise ValueError(f"{w.key} cites {missing} but does not list them in references")
    return order


def _marker_keys(inner: str) -> list[str]:
    return [part.strip().lstrip("@").removeprefix("t:") for part in inner.split(";")]


def _bib_order(w: Work, works: dict[str, Work]) -> list[str]:
    order = _cited_order(w)
    if w.style == "author-year":
        order = sorted(order, key=lambda k: (works[k].surname, works[k].year, k))
    return order


def render_html(w: Work, works: dict[str, Work], version: int, *, ar5iv: bool = False) -> str:
    """A LaTeXML page shaped like arxiv.org/html (relative bib links) or ar5iv (absolute ones)."""
    order = _bib_order(w, works)
    index = {k: i + 1 for i, k in enumerate(order)}
    base = f"https://ar5iv.labs.arxiv.org/html/{w.arxiv_id}" if ar5iv else ""
    vid = f"{w.arxiv_id}v{version}"

    def anchor(k: str, text: str) -> str:
        return f'<a href="{base}#bib.bib{index[k]}" title="" class="ltx_ref">{text}</a>'

    def cite(inner: str) -> str:
        parts = [p.strip() for p in inner.split(";")]
        textual = len(parts) == 1 and parts[0].startswith("@t:")
        keys = _marker_keys(inner)
        if w.style == "numeric":
            body = ", ".join(anchor(k, str(index[k])) for k in keys)
            if textual:
                return (f'<cite class="ltx_cite ltx_citemacro_citet">{_author_label(works[keys[0]])} '
                        f'[{body}]</cite>')
            return f'<cite class="ltx_cite ltx_citemacro_cite">[{body}]</cite>'
        if textual:
            k = keys[0]
            return (f'<cite class="ltx_cite ltx_citemacro_citet">{_author_label(works[k])} '
                    f'({anchor(k, str(works[k].year))})</cite>')
        body = "; ".join(f"{_author_label(works[k])}, {anchor(k, str(works[k].year))}" for k in keys)
        return f'<cite class="ltx_cite ltx_citemacro_citep">({body})</cite>'

    def para_html(text: str, sid: str, n: int) -> str:
        out, last = [], 0
        for m in _MARKER.finditer(text):
            out.append(html.escape(text[last:m.start()], quote=False))
            out.append(cite(m.group(1)))
            last = m.end()
        out.append(html.escape(text[last:], quote=False))
        body = "".join(out)
        return (f'<div id="{sid}.p{n}" class="ltx_para">\n'
                f'<p id="{sid}.p{n}.1" class="ltx_p">{body}</p>\n</div>\n')

    vdate = w.versions[version - 1]
    lines = [
        '<!DOCTYPE html><html lang="en">',
        "<head>",
        '<meta content="text/html; charset=utf-8" http-equiv="content-type"/>',
        f"<title>[{vid}] {html.escape(w.title)}</title>",
        "</head>",
        "<body>",
        '<div class="ltx_page_main">',
        '<div class="ltx_page_content">',
    ]
    if not ar5iv:
        lines.append(
            f'<div id="watermark-tr">arXiv:{vid} [{w.categories[0]}] {vdate.strftime("%d %b %Y")}</div>'
        )
        lines.append('<div id="infobox"><a id="license-tr" href="https://creativecommons.org/licenses/by/4.0/">'
                     "License: CC BY 4.0</a></div>")
    lines += [
        '<article class="ltx_document ltx_authors_1line">',
        f'<h1 class="ltx_title ltx_title_document">{html.escape(w.title)}</h1>',
        '<div class="ltx_authors">',
    ]
    for a in w.authors:
        lines.append(f'<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
                     f"{html.escape(a)}</span></span>")
    lines += [
        "</div>",
        '<div class="ltx_abstract">',
        '<h6 class="ltx_title ltx_title_abstract">Abstract</h6>',
        f'<p id="id1.id1" class="ltx_p">{html.escape(w.abstract, quote=False)}</p>',
        "</div>",
    ]
    for i, s in enumerate(w.sections, 1):
        sid = f"S{i}"
        lines.append(f'<section id="{sid}" class="ltx_section">')
        lines.append(f'<h2 class="ltx_title ltx_title_section">'
                     f'<span class="ltx_tag ltx_tag_section">{i} </span>{html.escape(s["title"])}</h2>')
        for n, p in enumerate(s["paragraphs"], 1):
            lines.append(para_html(p, sid, n).rstrip("\n"))
        lines.append("</section>")
    lines += [
        '<section id="bib" class="ltx_bibliography">',
        '<h2 class="ltx_title ltx_title_bibliography">References</h2>',
        '<ul class="ltx_biblist">',
    ]
    for k in order:
        lines.append(_bibitem(works[k], index[k], w.style))
    lines += ["</ul>", "</section>", "</article>", "</div>", '<footer class="ltx_page_footer"></footer>',
              "</div>", "</body>", "</html>", ""]
    return "\n".join(lines)


def _entry_authors(r: Work) -> str:
    if len(r.authors) == 1:
        return r.authors[0]
    if len(r.authors) == 2:
        return f"{r.authors[0]} and {r.authors[1]}"
    return ", ".join(r.authors[:-1]) + f", and {r.authors[-1]}"


def _entry_venue(r: Work) -> str:
    """The venue block; it names the arXiv id only when the work says entries carry it."""
    if r.venue_text:
        venue = r.venue_text
        if r.arxiv_id and not r.cite_in_entry:
            venue = re.sub(r"arXiv:\S+,?\s*", "", venue)
        return venue
    if r.arxiv_id and r.cite_in_entry:
        return f"arXiv preprint arXiv:{r.arxiv_id}, {r.year}"
    return f"Sample Venue, {r.year}"


def _bibitem(r: Work, n: int, style: str) -> str:
    tag = f"[{n}]" if style == "numeric" else f"{_author_label(r)} ({r.year})"
    blocks = [f"{html.escape(_entry_authors(r))}.", f"{html.escape(r.title)}.",
              f'<em class="ltx_emph ltx_font_italic">{html.escape(_entry_venue(r))}</em>.']
    if r.arxiv_id and r.cite_in_entry and r.key in ("widgetnet", "toybench"):
        url = f"https://arxiv.org/abs/{r.arxiv_id}"
        blocks.append(f'URL <a target="_blank" href="{url}" title="" class="ltx_ref ltx_url ltx_font_typewriter">{url}</a>.')
    spans = "\n".join(f'<span class="ltx_bibblock">{b}\n</span>' for b in blocks)
    return (f'<li id="bib.bib{n}" class="ltx_bibitem">\n'
            f'<span class="ltx_tag ltx_role_refnum ltx_tag_bibitem">{tag}</span>\n{spans}\n</li>')


# ----------------------------------------------------------------------------- PDF


def render_pdf(w: Work, works: dict[str, Work]) -> bytes:
    """A plain one-column PDF (PyMuPDF's Story): numbered headings, numeric citation markers,
    a References section. Deterministic bytes (fixed metadata, no random document id)."""
    import io

    import pymupdf

    order = _cited_order(w)
    index = {k: i + 1 for i, k in enumerate(order)}

    def para(text: str) -> str:
        out, last = [], 0
        for m in _MARKER.finditer(text):
            out.append(html.escape(text[last:m.start()], quote=False))
            out.append("[" + ", ".join(str(index[k]) for k in _marker_keys(m.group(1))) + "]")
            last = m.end()
        out.append(html.escape(text[last:], quote=False))
        return "".join(out)

    parts = [f"<h1>{html.escape(w.title)}</h1>", f"<p><i>{html.escape(', '.join(w.authors))}</i></p>",
             f"<h3>Abstract</h3><p>{html.escape(w.abstract)}</p>"]
    for i, sec in enumerate(w.sections, 1):
        parts.append(f"<h2>{i} {html.escape(sec['title'])}</h2>")
        parts += [f"<p>{para(p)}</p>" for p in sec["paragraphs"]]
    parts.append("<h2>References</h2>")
    for k in order:
        r = works[k]
        parts.append(f"<p>[{index[k]}] {_bib_text(r)}</p>")
    css = "body{font-family:serif;font-size:10pt} h1{font-size:16pt} h2{font-size:12pt;font-weight:bold}"
    story = pymupdf.Story(html="".join(parts), user_css=css)
    buf = io.BytesIO()
    writer = pymupdf.DocumentWriter(buf)
    page = pymupdf.paper_rect("letter")
    more = True
    while more:
        device = writer.begin_page(page)
        more, _ = story.place(page + (72, 72, -72, -72))
        story.draw(device)
        writer.end_page()
    writer.close()
    doc = pymupdf.open(stream=buf.getvalue(), filetype="pdf")
    stamp = "D:" + w.v1.strftime("%Y%m%d") + "000000Z"
    doc.set_metadata({"title": w.title, "author": ", ".join(w.authors), "creationDate": stamp, "modDate": stamp,
                      "producer": "SCALAR sample venue", "creator": "SCALAR sample venue"})
    doc.subset_fonts()
    return doc.tobytes(garbage=4, deflate=True, no_new_id=True)


def _bib_text(r: Work) -> str:
    return html.escape(f"{_entry_authors(r)}. {r.title}. {_entry_venue(r)}.", quote=False)


NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>"
    "<h1>Not Found</h1><p>The requested document is not available.</p></body></html>"
)

# ----------------------------------------------------------------------------- arXiv Atom


def _iso(d: date) -> str:
    return datetime(d.year, d.month, d.day, 12, 0, 0, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_entry(w: Work) -> str:
    vid = f"{w.arxiv_id}v{w.latest}"
    authors = "\n".join(f"    <author>\n      <name>{html.escape(a)}</name>\n    </author>" for a in w.authors)
    cats = "\n".join(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in w.categories)
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{vid}</id>\n"
        f"    <title>{html.escape(w.title, quote=False)}</title>\n"
        f"    <updated>{_iso(w.versions[-1])}</updated>\n"
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n'
        f"    <summary>{html.escape(w.abstract, quote=False)}</summary>\n"
        f"{cats}\n"
        f"    <published>{_iso(w.v1)}</published>\n"
        f"    <arxiv:comment>Synthetic paper written for the SCALAR sample venue</arxiv:comment>\n"
        f'    <arxiv:primary_category term="{w.categories[0]}"/>\n'
        f"{authors}\n"
        "  </entry>\n"
    )


def atom_feed(entries: list[Work], total: int, start: int, per_page: int, query_url: str) -> str:
    body = "".join(atom_entry(w) for w in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        f"  <id>https://arxiv.org/api/{hashlib.sha1(query_url.encode()).hexdigest()[:27]}</id>\n"
        f"  <title>arXiv Query: {html.escape(query_url, quote=False)}</title>\n"
        "  <updated>2025-03-01T00:00:00Z</updated>\n"
        f'  <link href="{html.escape(query_url)}" type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        f"{body}</feed>\n"
    )


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z\u00c0-\uffff]+", " ", text).strip()


_TERM = re.compile(r'(ti|au|abs|all|co|cat):(?:"([^"]*)"|(\S+))')


def arxiv_search(works: dict[str, Work], query: str) -> list[Work]:
    """A small model of arXiv search: every ``ti:``/``au:``/``all:`` term must match (AND)."""
    terms = _TERM.findall(query)
    if not terms or re.search(r"\bOR\b|\bANDNOT\b", query):
        raise ValueError(f"sample arXiv search does not model the query {query!r}")
    hits = []
    for w in sorted(works.values(), key=lambda w: w.key):
        if not w.arxiv_id:
            continue
        title_words = set(_norm(w.title).split())
        surnames = {_norm(a.split()[-1]) for a in w.authors}
        ok = True
        for field_, phrase, word in terms:
            words = _norm(phrase or word).split()
            if field_ == "ti":
                ok &= all(x in title_words for x in words)
            elif field_ == "au":
                ok &= any(x in surnames for x in words)
            elif field_ in ("all", "abs"):
                ok &= all(x in title_words or x in _norm(w.abstract).split() for x in words)
            else:
                ok = False
        if ok:
            hits.append(w)
    return hits


# ----------------------------------------------------------------------------- OpenReview


def _ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, 15, 0, tzinfo=timezone.utc).timestamp() * 1000)


def openreview_note(w: Work) -> dict:
    o = w.openreview or {}
    title = o.get("title", w.title)
    presentation = o.get("presentation", "Poster")
    odate, pdate = _as_date(o["odate"]), _as_date(o["pdate"])
    cdate = _ms(odate) - 9 * 86_400_000
    authorids = ["~" + "_".join(a.split()) + "1" for a in w.authors]
    return {
        "id": o["forum"],
        "forum": o["forum"],
        "number": o.get("number"),
        "cdate": cdate,
        "tcdate": cdate,
        "mdate": _ms(pdate),
        "tmdate": _ms(pdate),
        "odate": _ms(odate),
        "pdate": _ms(pdate),
        "domain": VENUE_ID,
        "invitations": [f"{VENUE_ID}/-/Submission", f"{VENUE_ID}/-/Post_Submission",
                        f"{VENUE_ID}/Submission{o.get('number')}/-/Camera_Ready_Revision"],
        "readers": ["everyone"],
        "writers": [VENUE_ID],
        "signatures": [f"{VENUE_ID}/Submission{o.get('number')}/Authors"],
        "license": "CC BY 4.0",
        "version": 2,
        "content": {
            "title": {"value": title},
            "authors": {"value": list(w.authors)},
            "authorids": {"value": authorids},
            "abstract": {"value": w.abstract},
            "keywords": {"value": ["synthetic", "widgets"]},
            "venue": {"value": f"Sample 2025 {presentation}"},
            "venueid": {"value": VENUE_ID},
            "pdf": {"value": "/pdf/" + hashlib.sha1(o["forum"].encode()).hexdigest() + ".pdf"},
            "paperhash": {"value": _norm(w.authors[0].split()[-1]) + "|" + "_".join(_norm(title).split())},
        },
    }


# ----------------------------------------------------------------------------- Semantic Scholar


def s2_paper_id(w: Work) -> str:
    return hashlib.sha1(("s2:" + w.key).encode()).hexdigest()


def s2_references(w: Work, works: dict[str, Work]) -> dict:
    data = []
    for k in w.references:
        r = works[k]
        if r.s2:
            ext = {"CorpusId": int(s2_paper_id(r)[:7], 16)}
            if r.arxiv_id:
                ext["ArXiv"] = r.arxiv_id
                ext["DOI"] = f"10.48550/arXiv.{r.arxiv_id}"
            cited = {"paperId": s2_paper_id(r), "externalIds": ext, "title": r.title, "year": r.year}
        else:
            cited = {"paperId": None, "externalIds": None, "title": r.title, "year": None}
        data.append({"citedPaper": cited})
    return {"offset": 0, "data": data}


# ----------------------------------------------------------------------------- serving


class SampleServices:
    """Registers callbacks on a ``responses.RequestsMock`` that answer like the live services.

    ``requests`` lists every (method, URL) answered, so callers can count or compare them; a request
    no callback models raises ``ConnectionError`` naming the URL (a new endpoint must be modelled).
    ``fault``: optional callable(url) -> a (status, headers, body) tuple to return instead, for
    fault injection.
    """

    def __init__(self, works: dict[str, Work] | None = None):
        self.works = works if works is not None else load_works()
        self.by_id = {w.arxiv_id: w for w in self.works.values() if w.arxiv_id}
        self.requests: list[tuple[str, str]] = []
        self.fault = None

    # -- registration
    def register(self, rsps) -> None:
        rx = re.compile
        rsps.add_callback("GET", rx(r"https://api2?\.openreview\.net/notes.*"), callback=self._wrap(self._notes))
        rsps.add_callback("GET", rx(r"https?://export\.arxiv\.org/api/query.*"), callback=self._wrap(self._atom))
        rsps.add_callback("GET", rx(r"https?://(export\.)?arxiv\.org/html/.*"), callback=self._wrap(self._html))
        rsps.add_callback("GET", rx(r"https?://ar5iv(\.labs\.arxiv)?\.org/html/.*"), callback=self._wrap(self._ar5iv))
        rsps.add_callback("GET", rx(r"https?://(export\.)?arxiv\.org/pdf/.*"), callback=self._wrap(self._pdf))
        rsps.add_callback("GET", rx(r"https?://(export\.)?arxiv\.org/(e-print|src)/.*"),
                          callback=self._wrap(self._not_found))
        rsps.add_callback("GET", rx(r"https://api\.semanticscholar\.org/graph/v1/paper/.*"),
                          callback=self._wrap(self._s2))

    def _wrap(self, fn):
        def callback(request):
            self.requests.append((request.method, request.url))
            if self.fault is not None:
                injected = self.fault(request.url)
                if injected is not None:
                    return injected
            return fn(request)

        return callback

    # -- endpoints
    def _notes(self, request):
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        venueid = q.get("content.venueid")
        if venueid is None:
            raise ConnectionError(f"sample OpenReview does not model {request.url}")
        notes = sorted((openreview_note(w) for w in self.works.values()
                        if w.openreview and venueid == VENUE_ID), key=lambda n: n["id"])
        total = len(notes)
        if "after" in q:
            notes = [n for n in notes if n["id"] > q["after"]]
        offset = int(q.get("offset", 0))
        limit = int(q.get("limit", 1000))
        page = notes[offset:offset + limit]
        body = {"notes": page}
        if q.get("count", "false") == "true":
            body["count"] = total
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body)

    def _atom(self, request):
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        start = int(q.get("start", 0))
        per_page = int(q.get("max_results", 10))
        if q.get("id_list"):
            ids = [re.sub(r"v\d+$", "", i.strip()) for i in q["id_list"].split(",") if i.strip()]
            hits = [self.by_id[i] for i in ids if i in self.by_id]
        else:
            hits = arxiv_search(self.works, q.get("search_query", ""))
        page = hits[start:start + per_page]
        feed = atom_feed(page, len(hits), start, per_page, request.url)
        return 200, {"Content-Type": "application/atom+xml; charset=utf-8"}, feed

    def _paper_version(self, path_tail: str) -> tuple[Work | None, int | None]:
        m = re.match(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?/?$", path_tail)
        if not m:
            return None, None
        w = self.by_id.get(m.group(1))
        if w is None:
            return None, None
        v = int(m.group(2)) if m.group(2) else w.latest
        if not 1 <= v <= w.latest:
            return None, None
        return w, v

    def _html(self, request):
        w, v = self._paper_version(urlsplit(request.url).path.split("/html/", 1)[1])
        if w is None or not w.html or not w.sections or w.v1 < NATIVE_HTML_SINCE:
            return self._not_found(request)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, render_html(w, self.works, v)

    def _ar5iv(self, request):
        w, v = self._paper_version(urlsplit(request.url).path.split("/html/", 1)[1])
        if w is None or not w.html or not w.sections:
            return self._not_found(request)
        # ar5iv serves the first version, converted from the bulk sources.
        return 200, {"Content-Type": "text/html; charset=utf-8"}, render_html(w, self.works, 1, ar5iv=True)

    def _pdf(self, request):
        w, v = self._paper_version(urlsplit(request.url).path.split("/pdf/", 1)[1])
        if w is None or not w.pdf or not w.sections:
            return self._not_found(request)
        return 200, {"Content-Type": "application/pdf"}, render_pdf(w, self.works)

    def _not_found(self, request):
        return 404, {"Content-Type": "text/html; charset=utf-8"}, NOT_FOUND_HTML

    def _s2(self, request):
        path = urlsplit(request.url).path
        m = re.match(r"/graph/v1/paper/arXiv:(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?/references$", path)
        if not m:
            raise ConnectionError(f"sample Semantic Scholar does not model {request.url}")
        w = self.by_id.get(m.group(1))
        if w is None or not w.s2:
            body = {"error": f"Paper with id arXiv:{m.group(1)} not found"}
            return 404, {"Content-Type": "application/json"}, json.dumps(body)
        return 200, {"Content-Type": "application/json"}, json.dumps(s2_references(w, self.works))
