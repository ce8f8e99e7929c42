"""Length control: fit a question's context and candidates to a token budget.

Kept whole: the instruction (an overhead estimate), the citing paper's title and abstract, the
paragraph that holds the question's mask, and every candidate. Cut, in this order:

1. paragraphs of the citing paper, farthest from the mask paragraph first (a section heading goes
   when its last paragraph goes);
2. then the candidates' texts, from their ends, in proportion to their lengths (each keeps at
   least ``min_candidate_tokens``), marked with "[...]" where cut.

Counts are exact o200k counts assembled from cached per-block counts (see
``TokenCounter.count_joined``), so the recorded ``context_tokens`` is what tiktoken reports for
the context plus every candidate text, and it never exceeds the budget minus the overhead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scalar.generate._candidates import View
from scalar.generate._tokens import SEP, TokenCounter

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


def _assemble(header: list[str], section_titles: dict[int, str], blocks: list[Block], keep: set[int]) -> list[str]:
    out = list(header)
    current = None
    for b in blocks:
        if b.index not in keep:
            continue
        if b.section != current:
            out.append(heading(section_titles[b.section]))
            current = b.section
        out.append(b.text)
    return out


def full_context(header: list[str], section_titles: dict[int, str], blocks: list[Block]) -> str:
    """The untrimmed context (what ``fit`` returns without a budget)."""
    blocks = [b for b in blocks if b.text]
    return SEP.join(_assemble(header, section_titles, blocks, {b.index for b in blocks}))


def heading(title: str) -> str:
    return "## " + " ".join(title.split())


def _cut_view(view: View, keep_tokens: int, counter: TokenCounter) -> list[str]:
    """The view's blocks cut from the end to at most ``keep_tokens`` (exact), ending in CUT_MARK."""
    if view.tokens(counter) <= keep_tokens:
        return view.blocks
    room = keep_tokens - counter.count(CUT_MARK)
    out: list[str] = []
    used = 0
    for text in view.blocks:
        cost = counter.count_sep(text)
        if used + cost <= room:
            out.append(text)
            used += cost
            continue
        want = room - used - 1
        while want > 0:  # a decoded prefix can re-encode a token longer: shrink until it fits
            partial = counter.head(text, want)
            if not partial:
                break
            over = used + counter.count_sep(partial) - room
            if over <= 0:
                out.append(partial)
                break
            want -= over
        break
    out.append(CUT_MARK)
    return out


def fit(header: list[str], section_titles: dict[int, str], blocks: list[Block], anchor: int,
        views: list[View], counter: TokenCounter, *, budget: int | None, overhead: int,
        min_candidate_tokens: int = 64) -> Fitted | None:
    """Fit to ``budget`` tokens (None = no limit). None when even the kept parts do not fit."""
    blocks = [b for b in blocks if b.text]
    keep = {b.index for b in blocks}
    if budget is None:
        context = _assemble(header, section_titles, blocks, keep)
        tokens = counter.count_joined(context) + sum(v.tokens(counter) for v in views)
        return Fitted(SEP.join(context), [v.text for v in views], tokens)

    # Costs of block + its blank line: their sum bounds the joined count from above (the last
    # block's blank line is not there), so fitting on it never overshoots.
    header_cost = sum(counter.count_sep(h) for h in header)
    block_cost = {b.index: counter.count_sep(b.text) for b in blocks}
    title_cost = {s: counter.count_sep(heading(t)) for s, t in section_titles.items()}
    section_of = {b.index: b.section for b in blocks}
    left_in_section: dict[int, int] = {}
    for b in blocks:
        left_in_section[b.section] = left_in_section.get(b.section, 0) + 1
    ctx = header_cost + sum(block_cost.values()) + sum(title_cost[s] for s in left_in_section)
    cand_full = [v.tokens(counter) for v in views]
    target = budget - overhead
    dropped = 0
    order = sorted((b.index for b in blocks if b.index != anchor), key=lambda g: (-abs(g - anchor), -g))
    slack = 0
    for _attempt in range(4):
        # 1. paper paragraphs, farthest from the mask first
        while ctx + sum(cand_full) > target - slack and order:
            g = order.pop(0)
            keep.discard(g)
            dropped += 1
            ctx -= block_cost[g]
            s = section_of[g]
            left_in_section[s] -= 1
            if left_in_section[s] == 0:
                ctx -= title_cost[s]
        # 2. candidate texts, from their ends, in proportion to their lengths
        room = target - slack - ctx
        if room < min_candidate_tokens * len(views):
            return None
        total = sum(cand_full)
        if total <= room:
            keeps = list(cand_full)
        else:
            keeps = [max(min_candidate_tokens, math.floor(room * n / total)) for n in cand_full]
            while sum(keeps) > room:  # the minimum pushed the sum over: shave the largest
                i = max(range(len(keeps)), key=keeps.__getitem__)
                keeps[i] -= sum(keeps) - room
        cut = [_cut_view(v, k, counter) for v, k in zip(views, keeps)]
        context = _assemble(header, section_titles, blocks, keep)
        exact = counter.count_joined(context) + sum(counter.count_joined(c) for c in cut)
        if exact + overhead <= budget:
            return Fitted(SEP.join(context), [SEP.join(c) for c in cut], exact, dropped,
                          max(0, total - sum(counter.count_joined(c) for c in cut)))
        slack += exact + overhead - budget  # cannot happen with exact costs; kept as a guard
    return None
