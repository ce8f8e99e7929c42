"""Original SCALAR paper objects (``data/paper_obj_anno/*.json``) -> our CitingPaper.

A paper object keeps each numbered section as one markdown string with citation offsets into it;
we split sections into paragraphs at blank lines (offsets rebased, never across a citation) and
remove ar5iv cross-reference residue such as ``Figure [1]Figure 1 ‣ 1 Introduction ‣ <Paper title>")``
that the original's URL stripping left behind: in the cited papers' text that residue spells the
paper's own title, which is how the original hard set leaked its answers.
"""

from __future__ import annotations

import re
from datetime import date

from scalar.reference._original_format import arxiv_from_url
from scalar.schema import CitationSpan, CitingPaper, Paper, Paragraph, Reference, Section

# "[label]target ‣ … ‣ Title\")" -> "label". The target holds no brackets, so a match never runs
# across another link; it must contain "‣" so ordinary "[12]" citations are left alone.
_CROSSREF = re.compile(r"\[(?P<label>[^\[\]\n]{0,80})\](?P<target>[^\[\]\n\"]*?‣[^\n\"]*?)\"\)")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_TYPES = {"method": "attributional", "others": "descriptive"}


def clean_section_name(name: str) -> str:
    # Markdown line-end escapes survive in the original's section names ("4 Experiment\\").
    return name.rstrip().rstrip("\\").rstrip()


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    t = " ".join(str(title).split()).rstrip(".").strip()
    return t or None


def remove_crossref_residue(text: str, spans: list[tuple[int, int]] = ()) -> tuple[str, list[tuple[int, int]]]:
    """Text without cross-reference residue, and ``spans`` moved to the new offsets (matches that
    overlap a span are left in place so every span keeps its exact text)."""
    edits = []
    for m in _CROSSREF.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in spans):
            continue
        edits.append((m.start(), m.end(), m.group("label")))
    if not edits:
        return text, list(spans)
    pieces, cursor = [], 0
    for s, e, repl in edits:
        pieces.append(text[cursor:s])
        pieces.append(repl)
        cursor = e
    pieces.append(text[cursor:])

    def moved(p: int) -> int:
        return p + sum(len(r) - (e - s) for s, e, r in edits if e <= p)

    return "".join(pieces), [(moved(s), moved(e)) for s, e in spans]


def _paragraphs(text: str, cites: list[tuple[int, int, dict]]) -> list[Paragraph]:
    """Split at blank lines that no citation crosses; strip each paragraph, rebase offsets."""
    cuts = [m for m in _BLANK_LINES.finditer(text)
            if not any(s < m.end() and m.start() < e for s, e, _ in cites)]
    bounds, start = [], 0
    for m in cuts:
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    out = []
    for a, b in bounds:
        raw = text[a:b]
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if not body:
            continue
        a0 = a + lead
        spans = [CitationSpan(start=s - a0, end=e - a0, ref=c["paper_id"],
                              grouped=c.get("single_citation") is False,
                              citation_type=_TYPES.get(c.get("citation_type") or ""))
                 for s, e, c in cites if a0 <= s and e <= a0 + len(body)]
        out.append(Paragraph(text=body, citations=spans))
    return out


def _section(name: str, content: str, citations: list[dict] | None) -> Section:
    cites = []
    for c in citations or []:
        s, e = int(c["start_pos"]), int(c["end_pos"])
        if 0 <= s < e <= len(content) and c.get("paper_id"):
            cites.append((s, e, c))
    cites.sort(key=lambda x: (x[0], x[1]))
    text, moved = remove_crossref_residue(content, [(s, e) for s, e, _ in cites])
    cites = [(s, e, c) for (s, e), (_, _, c) in zip(moved, cites)]
    return Section(title=clean_section_name(name), paragraphs=_paragraphs(text, cites))


def _year(value) -> int | None:
    m = re.search(r"(19|20)\d{2}", str(value or ""))
    return int(m.group(0)) if m else None


def _reference(key: str, ref: dict) -> Reference:
    title = clean_title(ref.get("title"))
    raw = " ".join(x for x in (ref.get("citation"), ref.get("title"), ref.get("venue")) if x)
    arxiv_id = None
    if ref.get("arxiv_id"):
        try:
            arxiv_id, _ = arxiv_from_url(str(ref["arxiv_id"]))
        except ValueError:
            arxiv_id = None  # the original's junk ids ("paper/2021") are dropped
    authors = ref.get("authors")
    return Reference(key=key, raw=raw, title=title,
                     authors=[a for a in authors if a] if isinstance(authors, list) else [],
                     year=_year(ref.get("year")) or _year(ref.get("citation")),
                     arxiv_id=arxiv_id, doi=ref.get("doi") or None)


def _bib_order(key: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key))


def original_paper_to_citing(obj: dict, *, first_public_date: date | None = None,
                             venue: str | None = "scalar-original") -> CitingPaper:
    """An original paper object (paper_obj_anno JSON) as a CitingPaper: the citing Paper with typed,
    grouped-or-single citation spans, and one cited Paper per reference with crawled full text.
    Raises KeyError/ValueError/TypeError on a malformed object (the caller names the file)."""
    arxiv_id, version = arxiv_from_url(str(obj["paper_id"]))
    sections = [_section(name, s.get("content") or "", s.get("citations"))
                for name, s in (obj.get("sections") or {}).items()]
    refs_block = obj.get("references") or {}
    data = refs_block.get("data") or {}
    references = {key: _reference(key, ref) for key, ref in data.items()}
    # Citations may point at bib items without crawled text; they still need a Reference to resolve.
    for s in sections:
        for p in s.paragraphs:
            for c in p.citations:
                references.setdefault(c.ref, Reference(key=c.ref))
    paper = Paper(arxiv_id=arxiv_id, version=version, title=" ".join(str(obj.get("title") or "").split()),
                  abstract=str(obj.get("abstract") or "").strip(), sections=sections,
                  references=[references[k] for k in sorted(references, key=_bib_order)],
                  source="reference-import", first_public_date=first_public_date)
    cited: dict[str, Paper] = {}
    for key, ref in data.items():
        r = references[key]
        cited_sections = [_section(name, (s or {}).get("content") or "", None)
                          for name, s in (ref.get("sections") or {}).items()]
        cited[key] = Paper(arxiv_id=r.arxiv_id, title=r.title or "",
                           abstract=str(ref.get("abstract") or "").strip(),
                           sections=[s for s in cited_sections if s.paragraphs],
                           source="reference-import")
    return CitingPaper(paper=paper, cited=cited, first_public_date=first_public_date, venue=venue)
