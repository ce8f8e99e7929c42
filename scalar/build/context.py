"""Length control: fit a question's context and candidates to a token budget.

Kept whole: the instruction (an overhead estimate), the citing paper's title and abstract, the
paragraph that holds the question's mask, and every candidate. Cut, in this order:

1. paragraphs of the citing paper, farthest from the mask paragraph first (a section heading goes
   when its last paragraph goes);
2. then the candidates' texts, from their ends, in proportion to their lengths (each keeps at
   least ``min_candidate_tokens``), marked with "[...]" where cut.

Estimates use cached per-block counts; the result is re-counted exactly and cut again if the
estimate was short, so the recorded count is the real o200k count and never exceeds the budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scalar.build._candidates import View
from scalar.build._tokens import TokenCounter

CUT_MARK = "[...]"


@dataclass
class Block:
    """A paragraph of the citing paper (already masked) at global paragraph index ``index``."""

    section: int
    index: int
    text: str


@dataclass
class Fitted:
    context: str
    candidate_texts: list[str]
    context_tokens: int  # exact: context + every candidate text
    dropped_paragraphs: int = 0
    candidate_tokens_cut: int = 0


def _assemble(header: list[str], section_titles: dict[int, str], blocks: list[Block], keep: set[int]) -> str:
    out = list(header)
    current = None
    for b in blocks:
        if b.index not in keep:
            continue
        if b.section != current:
            out.append("## " + section_titles[b.section])
            current = b.section
        out.append(b.text)
    return "\n\n".join(out)


def _cut_view(view: View, keep_tokens: int, counter: TokenCounter, mark_tokens: int) -> str:
    if view.estimate() <= keep_tokens:
        return view.text
    room = keep_tokens - mark_tokens - 1
    out: list[str] = []
    used = 0
    for text, n in zip(view.blocks, view.tokens):
        cost = n + (1 if out else 0)
        if used + cost <= room:
            out.append(text)
            used += cost
            continue
        partial = counter.head(text, room - used - (1 if out else 0))
        if partial:
            out.append(partial)
        break
    out.append(CUT_MARK)
    return "\n\n".join(out)


def fit(header: list[str], section_titles: dict[int, str], blocks: list[Block], anchor: int,
        views: list[View], counter: TokenCounter, *, budget: int | None, overhead: int,
        min_candidate_tokens: int = 64) -> Fitted | None:
    """Fit to ``budget`` tokens (None = no limit). None when even the kept parts do not fit."""
    keep = {b.index for b in blocks}
    if budget is None:
        context = _assemble(header, section_titles, blocks, keep)
        texts = [v.text for v in views]
        return Fitted(context, texts, counter.count(context) + sum(counter.count(t) for t in texts))

    header_tokens = counter.joined(counter.count_many(header))
    block_tokens = dict(zip((b.index for b in blocks), counter.count_many([b.text for b in blocks])))
    title_tokens = {s: counter.count("## " + t) + 1 for s, t in section_titles.items()}
    section_of = {b.index: b.section for b in blocks}
    left_in_section: dict[int, int] = {}
    for b in blocks:
        left_in_section[b.section] = left_in_section.get(b.section, 0) + 1

    ctx = header_tokens + sum(n + 1 for n in block_tokens.values()) + sum(title_tokens[s] for s in left_in_section)
    cand_full = [v.estimate() for v in views]
    target = budget - overhead
    slack = 0  # grows when the exact count shows the estimate was short
    dropped = 0
    order = sorted((b.index for b in blocks if b.index != anchor), key=lambda g: (-abs(g - anchor), -g))
    for _attempt in range(6):
        # 1. paper paragraphs, farthest from the mask first
        while ctx + sum(cand_full) > target - slack and order:
            g = order.pop(0)
            keep.discard(g)
            dropped += 1
            ctx -= block_tokens[g] + 1
            s = section_of[g]
            left_in_section[s] -= 1
            if left_in_section[s] == 0:
                ctx -= title_tokens[s]
        # 2. candidate texts, from their ends, in proportion
        room = target - slack - ctx
        if room < min_candidate_tokens * len(views):
            return None
        total = sum(cand_full)
        if total <= room:
            keeps = cand_full
        else:
            keeps = [max(min_candidate_tokens, math.floor(room * n / total)) for n in cand_full]
            while sum(keeps) > room:  # the minimum pushed the sum over: shave the largest
                i = max(range(len(keeps)), key=keeps.__getitem__)
                keeps[i] -= sum(keeps) - room
        mark = counter.count(CUT_MARK)
        texts = [_cut_view(v, k, counter, mark) for v, k in zip(views, keeps)]
        context = _assemble(header, section_titles, blocks, keep)
        exact = counter.count(context) + sum(counter.count(t) for t in texts)
        if exact + overhead <= budget:
            return Fitted(context, texts, exact, dropped, max(0, sum(cand_full) - sum(keeps)))
        slack += exact + overhead - budget + 8
    return None
