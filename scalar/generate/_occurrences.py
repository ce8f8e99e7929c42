"""In-text citation occurrences of a citing paper, ready to be masked.

A parsed ``CitationSpan`` covers the text of one ``<a href="#bib.bibN">`` link. In author-year
styles that is often just the year — "Sutskever et al. (<a>2014</a>)" — so masking the span alone
would leave the authors' names next to the mask. An *occurrence* therefore:

* extends the span backwards over an author prefix ("Sutskever et al. (", "(Kingma and Ba, ")
  when the surname is one of the cited reference's authors (or the prefix says "et al.");
* merges adjacent spans that point to the same reference ("Smith et al." + "2020");
* is *grouped* when another reference's occurrence sits within 3 characters of it ("[3, 7]",
  "(A, 2020; B, 2021)") — the original's rule, applied after the author extension — or when the
  parser flagged it grouped and a different reference is cited right next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scalar.schema import CitationType, Paper, Reference

# Possessive runs and a word-start lookbehind keep this end-anchored search cheap (~15 us).
_NAME = r"(?<![\w'’\-])[^\W\d_][\w'’\-]*+(?:\s+(?:van|von|de|der|da|di|del|la|le)\s+[^\W\d_][\w'’\-]*+)?"
_AUTHOR_PREFIX = re.compile(
    rf"(?P<prefix>(?P<surname>{_NAME})(?:\s+et\s*al\.?|\s+(?:and|&)\s+{_NAME}|(?:,\s*{_NAME})+,?\s+(?:and|&)\s+{_NAME})?"
    r",?\s*[(\[]?\s*)$"
)
_MERGE_GAP = re.compile(r"^[\s,;()\[\]]{0,4}$")
_GROUP_GAP = 4  # characters; "grouped" if a different reference is closer than this


@dataclass
class Occurrence:
    section: int  # index into paper.sections
    paragraph: int  # index into section.paragraphs
    start: int  # masked region in paragraph text (author prefix included)
    end: int
    key: str
    grouped: bool
    citation_type: CitationType | None = None
    order: int = 0  # document order over the whole paper
    position: int = 0  # midpoint in characters from the start of the first section
    span_type: CitationType | None = field(default=None, repr=False)  # annotation carried by the span
    also: tuple[str, ...] = ()  # other references whose (overlapping) spans this region swallowed
    kind: str | None = None  # the paragraph's kind: None = running text, else "caption", "table", ...

    @property
    def uid(self) -> str:
        return f"{self.section}.{self.paragraph}.{self.start}"


def _surnames(ref: Reference | None) -> set[str]:
    if ref is None:
        return set()
    names = set()
    for a in ref.authors:
        parts = a.replace(",", " ").split()
        names.update(p.lower() for p in parts if len(p) > 1)
    if ref.raw:
        # Only the author part of the entry: before the title, else before the year.
        raw = ref.raw
        cut = raw.lower().find(ref.title.lower()[:30]) if ref.title else -1
        if cut < 0:
            year = re.search(r"\b(19|20)\d\d\b", raw)
            cut = year.start() if year else min(len(raw), 80)
        names.update(w.lower() for w in re.findall(r"[^\W\d_][\w'’\-]+", raw[:cut]))
    return names


def _author_start(text: str, start: int, ref: Reference | None) -> int:
    """Where the citation really begins when an author prefix precedes the linked span."""
    window_start = max(0, start - 120)
    m = _AUTHOR_PREFIX.search(text, window_start, start)
    if not m:
        return start
    prefix, surname = m.group("prefix"), m.group("surname")
    if not surname[0].isupper():
        return start
    if re.search(r"et\s*al", prefix) or surname.lower() in _surnames(ref):
        begin = m.start("prefix")
        # keep an opening parenthesis outside the mask when the prefix starts inside one
        return begin
    return start


def extract_occurrences(paper: Paper, *, include_appendix: bool = False) -> list[Occurrence]:
    refs = {r.key: r for r in paper.references}
    out: list[Occurrence] = []
    offset = 0
    for si, section in enumerate(paper.sections):
        if section.appendix and not include_appendix:
            continue
        for pi, para in enumerate(section.paragraphs):
            spans = sorted(para.citations, key=lambda c: (c.start, c.end))
            merged: list[list] = []  # [start, end, key, flagged, span_type]
            for c in spans:
                if merged and c.start < merged[-1][1] and merged[-1][2] != c.ref:
                    # overlapping spans of two references (a parser artefact): one region that
                    # holds both cannot be a question; keep it as a grouped occurrence
                    merged[-1][1] = max(merged[-1][1], c.end)
                    merged[-1][3] = True
                    merged[-1].append(c.ref)
                    continue
                if merged and merged[-1][2] == c.ref and _MERGE_GAP.match(para.text[merged[-1][1]:c.start]):
                    merged[-1][1] = max(merged[-1][1], c.end)
                    merged[-1][3] = merged[-1][3] or c.grouped
                    merged[-1][4] = merged[-1][4] or c.citation_type
                    continue
                merged.append([c.start, c.end, c.ref, c.grouped, c.citation_type])
            prev_end = 0
            for m in merged:
                begin = _author_start(para.text, m[0], refs.get(m[2]))
                m[0] = max(begin, prev_end)
                # close a parenthesis the author prefix opened: "Smith et al. (2020)"
                region = para.text[m[0]:m[1]]
                for open_, close in ("()", "[]"):
                    if region.count(open_) > region.count(close) and para.text[m[1]:m[1] + 1] == close:
                        m[1] += 1
                prev_end = m[1]
            for i, m in enumerate(merged):
                near_other = len(m) > 5  # swallowed an overlapping span of another reference
                for j in (i - 1, i + 1):
                    if 0 <= j < len(merged) and merged[j][2] != m[2]:
                        gap = m[0] - merged[j][1] if j < i else merged[j][0] - m[1]
                        # the parser's own group flag counts when the neighbour is in the same sentence
                        flagged = m[3] and gap < 12 and not re.search(r"[.!?]\s", _between(para.text, m, merged[j]))
                        if gap < _GROUP_GAP or flagged:
                            near_other = True
                out.append(Occurrence(section=si, paragraph=pi, start=m[0], end=m[1], key=m[2],
                                      grouped=near_other, span_type=m[4], also=tuple(m[5:]),
                                      position=offset + (m[0] + m[1]) // 2, kind=para.kind))
            offset += len(para.text) + 2
    for i, o in enumerate(out):
        o.order = i
    return out


def _between(text: str, a: list, b: list) -> str:
    lo, hi = (a[1], b[0]) if a[0] < b[0] else (b[1], a[0])
    return text[lo:hi] if hi > lo else ""


def assign_types(paper: Paper, occurrences: list[Occurrence], typer) -> None:
    """Type every single occurrence in running text (grouped ones and those in captions, tables,
    footnotes or headings are never asked): an annotation already on the span wins, otherwise the
    typer decides from the text around the occurrence."""
    todo = []
    for o in occurrences:
        if o.grouped or o.kind is not None:
            continue
        if o.span_type:
            o.citation_type = o.span_type
            continue
        todo.append(o)
    items = []
    for o in todo:
        text = paper.sections[o.section].paragraphs[o.paragraph].text
        items.append((text[max(0, o.start - 300):o.start], text[o.start:o.end], text[o.end:o.end + 300]))
    many = getattr(typer, "type_many", None)  # an LLM typer asks concurrently
    types = many(items) if many else [typer.type(*it) for it in items]
    for o, t in zip(todo, types):
        o.citation_type = t
