"""Splitting one citation group (the text of a ``cite.ltx_cite``) into per-reference spans.

Input: the group's clean text and the positions of its bibliography anchors. Output: one span
per anchor covering the text that names that reference and nothing else:

* a group with a single reference and no pre/post note spans the whole group:
  "(Graves, 2012)", "[3]", "Sutskever et al. (2014)";
* in a group each span is the reference's own author text plus its anchor:
  "(Marlin et al., 2012; Yadav et al., 2018)" -> "Marlin et al., 2012", "Yadav et al., 2018";
  "[3, 7]" -> "3", "7";
* pre-notes ("see, e.g.,") stay outside the span; the reference's short author label from its
  bibliography tag ("Graves (2012)" -> "Graves") locates where its author text begins.
"""

from __future__ import annotations

import re

_OPEN_CLOSE = {"(": ")", "[": "]"}
_LEAD_SEP = re.compile(r"^[\s,;–—\-]*")
_PRENOTE = re.compile(
    r"^(?:(?:see(?: also)?|cf\.?|e\.g\.|i\.e\.|for example|for instance|for a review|among others|"
    r"also|and|as in|like|including|such as|reviewed in|following|via|or|see e\.g\.)[\s,:]*)+",
    re.I,
)


def _outer_region(t: str) -> tuple[int, int]:
    """[start, end) inside the group's outer brackets when the first bracket closes at the end."""
    if len(t) >= 2 and t[0] in _OPEN_CLOSE and t[-1] == _OPEN_CLOSE[t[0]]:
        o, c = t[0], t[-1]
        depth = 0
        for i, ch in enumerate(t):
            if ch == o:
                depth += 1
            elif ch == c:
                depth -= 1
                if depth == 0 and i != len(t) - 1:
                    return 0, len(t)
        return 1, len(t) - 1
    return 0, len(t)


def _merge_same_ref(anchors: list[tuple[int, int, str]], t: str) -> list[tuple[int, int, str]]:
    """Adjacent anchors to the same entry ("<a>Smith et al.</a> (<a>2020</a>)") form one span."""
    out: list[tuple[int, int, str]] = []
    for a in anchors:
        if out and out[-1][2] == a[2] and not re.search(r"[;,]", t[out[-1][1]:a[0]]):
            out[-1] = (out[-1][0], a[1], a[2])
        else:
            out.append(a)
    return out


def split_group(
    t: str, anchors: list[tuple[int, int, str]], short_labels: dict[str, str]
) -> tuple[list[tuple[int, int, str]], bool]:
    """Spans (start, end, ref) inside ``t`` and whether they form a group of several refs."""
    anchors = _merge_same_ref(sorted(anchors), t)
    if not anchors:
        return [], False
    r0, r1 = _outer_region(t)
    spans: list[tuple[int, int, str]] = []
    prev = r0
    for s, e, ref in anchors:
        if s < prev:  # overlapping (nested) anchors: keep the anchor itself
            spans.append((s, e, ref))
            prev = max(prev, e)
            continue
        between = t[prev:s]
        lead = _LEAD_SEP.match(between).end()
        start = prev + lead
        short = short_labels.get(ref)
        idx = between.rfind(short) if short else -1
        if idx >= lead:
            start = prev + idx
        else:
            m = _PRENOTE.match(between, lead)
            if m and m.end() > lead:
                start = prev + m.end()
        end = e
        # "Sutskever et al. (2014)", "Smith et al. [3]": take the bracket the span opened.
        seg = t[start:end]
        for o, c in _OPEN_CLOSE.items():
            if seg.count(o) > seg.count(c):
                k = end
                while k < r1 and t[k] == " ":
                    k += 1
                if k < r1 and t[k] == c:
                    end = k + 1
        spans.append((start, end, ref))
        prev = end
    grouped = len(spans) > 1
    if not grouped:
        s, e, ref = spans[0]
        rest_before = t[r0:s].strip(" ,;")
        rest_after = t[e:r1].strip(" ,;")
        if not rest_before and not rest_after:
            spans = [(0, len(t), ref)]
    return spans, grouped
