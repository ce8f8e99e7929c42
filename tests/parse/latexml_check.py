"""Invariant checks of a parsed Paper against the LaTeXML page it came from (used by the tests).

Written independently of the parser: it reads the page with plain lxml XPath and compares.
"""

from __future__ import annotations

import re
from collections import Counter

import lxml.html

from scalar.schema import Paper

_FRONT = ("ltx_abstract", "ltx_authors", "ltx_title_document")


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def check_paper(paper: Paper, html: bytes) -> dict:
    """Assert the contract's invariants; return counts for further assertions."""
    root = lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
    bibitems = root.xpath(f"//li[{_cls('ltx_bibitem')}]")
    keys = [r.key for r in paper.references]
    # Reference count == number of bibitems, keys unique and equal to the item ids.
    assert len(paper.references) == len(bibitems)
    assert len(set(keys)) == len(keys)
    assert {li.get("id") for li in bibitems} == set(keys)

    # Every cite link (outside title/authors/abstract) to an existing entry becomes a span;
    # two adjacent links to the same entry (name link + year link) form one span.
    expected: Counter = Counter()
    anchor_texts: list[tuple[str, str]] = []
    for cite in root.xpath(f"//cite[{_cls('ltx_cite')}]"):
        ancestors = [set((a.get("class") or "").split()) for a in cite.iterancestors()]
        in_front = any(c & set(_FRONT) for c in ancestors)
        in_section = any(c & {"ltx_section", "ltx_appendix"} for c in ancestors)
        if in_front and not in_section:
            continue
        prev = None
        for a in cite.iter("a"):
            m = re.search(r"#(bib[\w.\-]*)$", a.get("href") or "")
            if not m or m.group(1) not in keys:
                continue
            ref = m.group(1)
            anchor_texts.append((ref, " ".join(a.text_content().split())))
            if ref != prev:
                expected[ref] += 1
            prev = ref
    spans = [(p, c) for s in paper.sections for p in s.paragraphs for c in p.citations]
    assert Counter(c.ref for _, c in spans) == expected

    span_texts: dict[str, list[str]] = {}
    for p, c in spans:
        t = p.text[c.start:c.end]
        # text[start:end] is the visible citation: non-empty, trimmed, inside the paragraph.
        assert t and t == t.strip() and 0 <= c.start < c.end <= len(p.text)
        assert c.ref in keys  # every ref resolves
        span_texts.setdefault(c.ref, []).append(t)
    for ref, text in anchor_texts:
        assert any(text in t for t in span_texts[ref]), (ref, text, span_texts[ref])

    for s in paper.sections:
        for p in s.paragraphs:
            assert p.text == p.text.strip()
            assert "  " not in p.text and "‣" not in p.text
            starts = [(c.start, c.end) for c in p.citations]
            assert starts == sorted(starts)
            for (_, a1), (b0, _) in zip(starts, starts[1:]):
                assert a1 <= b0, "overlapping spans"
    return {"references": len(bibitems), "spans": len(spans), "links": len(anchor_texts)}
