"""Regions of a PDF page that are not running text, found on the raw lines of ``pdf._page_lines``.

A raw line is a list ``[x0, y0, x1, y1, text, size, bold, block, marks, table]`` in page
coordinates (origin top left). Here: the arXiv stamp, captions, tables next to a "Table N"
caption (between their rules, else PyMuPDF's ``find_tables``), heading numbers set apart from
their titles, and the boxes of vector figures.
"""

from __future__ import annotations

import re

from scalar.parse._text import fold_math_alphanumerics

__all__ = ["CAPTION", "STAMP", "figure_boxes", "join_heading_numbers", "tables_on_page"]

# The identifier arXiv stamps down the left margin of page 1: "arXiv:1706.03762v7 [cs.CL] 2 Aug
# 2023", "arXiv:hep-th/9901001v1 4 Jan 1999". Never text of the paper.
STAMP = re.compile(r"^arXiv:\s*(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)"
                    r"\s*(?:\[[^\]]{1,30}\])?\s*\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4}$")
CAPTION = re.compile(r"^(?:Figure|Fig\.|Table|TABLE|Tab\.|Algorithm)\s+(?:\d{1,3}|[IVXLC]{1,6}|[A-Z]\.?\d{1,3})\s*[:.|]\s")
_TABLE_CAPTION = re.compile(r"^(?:Table|TABLE|Tab\.)\s+(?:\d{1,3}|[IVXLC]{1,6}|[A-Z]\.?\d{1,3})\s*(?:[:.|]\s|[:.|]?$)")


def tables_on_page(page, raw: list) -> list[tuple[tuple[float, float, float, float], str]]:
    """(bbox, text) of the tables next to a "Table N" caption on this page (no caption, no
    table: vector figures and attention maps also look like grids). Cells are joined by " | "
    and rows by newlines. A table drawn with horizontal rules (booktabs: \\toprule ...
    \\bottomrule, no vertical ones) is the region between its outer rules, read row by row;
    for a caption without such rules PyMuPDF's ``find_tables`` (slower: it analyses every
    vector path of the page) is asked."""
    captions = [r for r in raw if _TABLE_CAPTION.match(r[4])]
    if not captions:
        return []
    out: list = []
    try:
        rules = [d["rect"] for d in page.get_drawings() if d["rect"].height < 2.5 and d["rect"].width > 40]
    except Exception:
        rules = []
    unserved = []
    for cap in captions:
        # the whole caption (its text block), not only its first line: "Table 3: ..." may wrap
        block = [r for r in raw if r[7] == cap[7] and r[7] >= 0] or [cap]
        box = (min(r[0] for r in block), min(r[1] for r in block), max(r[2] for r in block),
               max(r[3] for r in block))
        region = _ruled_region(box, rules)
        rows = _rows_in(region, raw) if region is not None else []
        if len(rows) >= 2 and not any(_overlap(region, bb) for bb, _ in out):
            out.append((region, "\n".join(rows)))
        elif region is None:
            unserved.append(cap)
    if not unserved:
        return out
    try:
        found = page.find_tables().tables
    except Exception:  # a table finder failure costs the table layout, not the paper
        found = []
    for tb in found:
        bbox = tuple(tb.bbox)
        if tb.row_count < 2 or tb.col_count < 2 or any(_overlap(bbox, bb) for bb, _ in out):
            continue
        if not any(_beside(c, bbox) for c in unserved):
            continue
        rows = _found_rows(tb.extract())
        if rows:
            out.append((bbox, "\n".join(rows)))
    return out


def _beside(cap, bbox) -> bool:
    """A caption just above or just below a box, overlapping it horizontally."""
    x0, y0, x1, y1 = bbox
    return (-5 <= y0 - cap[3] < 60 or -5 <= cap[1] - y1 < 60) and cap[0] < x1 and cap[2] > x0


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _found_rows(cells_by_row: list[list]) -> list[str]:
    rows: list[str] = []
    for row in cells_by_row:
        cells = [fold_math_alphanumerics(c).strip() for c in row if c and c.strip()]
        if not cells:
            continue
        # Rows without rules between them come back as one row of multi-line cells.
        parts = [c.split("\n") for c in cells]
        k = len(parts[0])
        if k > 1 and all(len(pp) == k for pp in parts):
            rows.extend(" | ".join(" ".join(pp[i].split()) for pp in parts) for i in range(k))
        else:
            rows.append(" | ".join(" ".join(c.split()) for c in cells))
    return rows


def _ruled_region(cap, rules) -> tuple[float, float, float, float] | None:
    """The box from a table's top rule to its bottom rule (rules of the same width, as
    booktabs draws \\toprule and \\bottomrule), for a caption above or below it."""
    def same_width(r, ref) -> bool:
        return abs(r.x0 - ref.x0) < 3 and abs(r.x1 - ref.x1) < 3

    def walk(start, candidates, step_ok):
        end = start
        for r in candidates:
            if step_ok(end, r):
                end = r
            else:
                break
        return end

    over = [r for r in rules if r.x0 < cap[2] and r.x1 > cap[0]]
    below = sorted((r for r in over if 0 <= r.y0 - cap[3] < 40), key=lambda r: r.y0)
    if below:
        top = below[0]
        rest = sorted((r for r in over if same_width(r, top) and r.y0 > top.y0 + 1), key=lambda r: r.y0)
        bottom = walk(top, rest, lambda prev, r: r.y0 - prev.y1 < 300)
    else:
        above = sorted((r for r in over if 0 <= cap[1] - r.y1 < 40), key=lambda r: -r.y1)
        if not above:
            return None
        bottom = above[0]
        rest = sorted((r for r in over if same_width(r, bottom) and r.y1 < bottom.y1 - 1), key=lambda r: -r.y1)
        top = walk(bottom, rest, lambda prev, r: prev.y0 - r.y1 < 300)
    if bottom.y1 - top.y0 < 10:
        return None
    return (min(top.x0, bottom.x0) - 2, top.y0 - 1, max(top.x1, bottom.x1) + 2, bottom.y1 + 1)


def _rows_in(region, raw: list) -> list[str]:
    """The lines inside a box as table rows: lines whose vertical centres agree form a row,
    its cells ordered left to right."""
    inside = sorted((r for r in raw if region[0] <= (r[0] + r[2]) / 2 <= region[2]
                     and region[1] <= (r[1] + r[3]) / 2 <= region[3]), key=lambda r: (r[1] + r[3]) / 2)
    rows: list[list] = []
    for r in inside:
        yc = (r[1] + r[3]) / 2
        if rows and yc - (rows[-1][0][1] + rows[-1][0][3]) / 2 < 0.6 * max(r[5], 4):
            rows[-1].append(r)
        else:
            rows.append([r])
    return [" | ".join(c[4] for c in sorted(row, key=lambda c: c[0])) for row in rows]


_HEADING_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-Z](?:\.\d{1,2}){0,3})\.?$")


def join_heading_numbers(raw: list) -> list:
    """ "3.1" and "Encoder and Decoder Stacks" set apart on one baseline (LaTeX puts a quad
    between a heading's number and its title; MuPDF then reports two lines) -> one line."""
    out = []
    used: set[int] = set()
    for r in raw:
        if id(r) in used:
            continue
        if _HEADING_NUMBER.match(r[4]):
            nxt = min((o for o in raw if o is not r and id(o) not in used and abs(o[1] - r[1]) < 2
                       and abs(o[3] - r[3]) < 2 and 0 <= o[0] - r[2] < 40), key=lambda o: o[0], default=None)
            if nxt is not None:
                used.add(id(nxt))
                shift = len(r[4]) + 1
                marks = r[8] + [(a + shift, b + shift, *rest) for a, b, *rest in nxt[8]]
                r = [r[0], min(r[1], nxt[1]), nxt[2], max(r[3], nxt[3]), f"{r[4]} {nxt[4]}",
                     max(r[5], nxt[5]), r[6] and nxt[6], r[7], marks, False]
        out.append(r)
    return out


def figure_boxes(page, raw: list, tables: list) -> list[tuple[float, float, float, float]]:
    """Boxes of vector figures on a page whose text includes lines much larger than the page's
    usual size (a plot's title can look like a section heading). Only such pages pay for the
    drawing analysis; tables already found are not figures."""
    sizes = sorted(r[5] for r in raw if not r[9])
    if not sizes or sizes[-1] < 1.3 * sizes[len(sizes) // 2]:
        return []
    try:
        clusters = page.cluster_drawings()
    except Exception:  # older PyMuPDF or a broken path: no figure boxes
        return []
    return [tuple(c) for c in clusters if c.width > 100 and c.height > 40
            and not any(c.x0 < t[2] and t[0] < c.x1 and c.y0 < t[3] and t[1] < c.y1 for t in tables)]
