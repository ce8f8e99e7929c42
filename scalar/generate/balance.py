"""Balanced distractors: choose each question's distractors so that, across a release, every
shortcut scorer ranks the gold first in exactly one question in n per difficulty
(``--distractors balanced``, the default).

Per question (``options``): candidate sets are scored exactly as the question will be (BM25 with
the n candidates as the corpus) and admitted under a target (t, u). t = 0: the gold is first under
every *topical* scorer (BM25 over every balanced window, and dense when enabled), no distractor
beating it under a *guard* window. t > 0: no topical scorer and no guard window finds the gold
strictly first. The preferred t > 0 sets are *pure* — t works above the gold under every topical
scorer at once, the rest below under all (``pool_relations`` sorts the pool), so the gold ranks
t + 1 everywhere; where the pool has no such works, a *cover* does it with works that each beat
the gold under some scorers (``cover_candidates``). u counts distractors longer than the gold (the
length scorer's rank u + 1), balanced on its own axis. ``--distractors robust`` adds a *family*
of dense variants checked on rank 1 only ("top" flags from ``exact_ranks``): t = 0 keeps the gold
strictly first under each, t > 0 (and covers) has some distractor strictly above it under each, so
every variant picks the gold in exactly the questions the balanced scorers do.

Per release (``assign_targets``): within each difficulty, capacity-constrained bipartite matching
over the seeded question order gives every question one reachable target so that t = 0 and u = 0
each hold one question in n (to within one question), ranks 2..n as even as the pools allow; a
question no balanced assignment can place is dropped and counted (``shortcut_unbalanceable``,
``shortcut_no_target``). Since t = 0 means first under every scorer and t > 0 first under none,
each scorer's accuracy is 1/n by construction.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from scalar._util.seeds import rng
from scalar.generate.shortcuts import DENSE, LENGTH, TermCounts, bm25, bm25_name, compare

MAX_TRIES = 200  # candidate sets checked per target and question


def pool_relations(gold: str, pool: list[str], topical: dict[str, dict[str, float]],
                   length: dict[str, float], guards: dict[str, dict[str, float]] | None = None
                   ) -> tuple[list[str], list[str], set[str]]:
    """(above, below, longer): pool works above / below the gold under every topical scorer, and
    the works longer than the gold. ``topical``: scorer -> work -> score (the gold included).
    ``guards``: more scorers of the same kind that may tie with the gold (a short window often
    scores nothing) but never contradict: an ``above`` work is not below the gold under any."""
    above, below = [], []
    for w in pool:
        signs = {compare(s[gold], s[w]) for s in topical.values()}
        guard = {compare(s[gold], s[w]) for s in (guards or {}).values()}
        if signs == {1} and -1 not in guard:
            above.append(w)
        elif signs == {-1} and 1 not in guard:
            below.append(w)
    longer = {w for w in pool if compare(length[gold], length[w]) > 0}
    return above, below, longer


def most_robust_first(gold: str, works: list[str], prefer: dict[str, dict[str, float]], side: int) -> list[str]:
    """``works`` (all on one ``side`` of the gold: +1 above, -1 below) with those that stay on
    that side under most ``prefer`` scorers first, the given order breaking ties: a distractor
    that beats the gold under every window is still above it under a window nobody balanced."""
    def agree(w: str) -> int:
        return sum(compare(s[gold], s[w]) == side for s in prefer.values())

    return sorted(works, key=lambda w: -agree(w))  # stable: keeps the seeded / nearest order


def cover_candidates(gold: str, pool: list[str], topical: dict[str, dict[str, float]], below: list[str]) -> list[str]:
    """Works above the gold under at least one topical scorer and not below it under all, those
    above under most scorers first (the given order breaking ties): the material of a *cover*,
    a candidate set in which every topical scorer finds some distractor above the gold although
    no one work beats it under all of them."""
    low = set(below)

    def beats(w: str) -> int:
        return sum(compare(s[gold], s[w]) > 0 for s in topical.values())

    return sorted((w for w in pool if w not in low and beats(w)), key=lambda w: -beats(w))


COVER_WIDTH = 12  # cover candidates combined (C(12, 3) = 220 sets at most per size)


def options(gold: str, above: list[str], below: list[str], longer: set[str], k: int,
            check: Callable[[list[str]], dict | None], shorter_ties: set[str],
            cover: Sequence[str] = (), pool: Sequence[str] = ()) -> dict:
    """Target (t, u) -> (distractors, ranks, misses) for every target some candidate set reaches
    (misses: preference windows that disagree with the target).

    A *pure* set puts the gold at rank t+1 under every topical scorer at once (t distractors from
    ``above``, the rest from ``below``) and at u+1 by length. When no pure set ranks the gold
    below the top for some u, a *cover* set (``cover``: see ``cover_candidates``; any k of the
    first ``COVER_WIDTH`` of cover, below and the rest of ``pool``) may: every
    topical scorer ranks the gold 2nd or lower there, at ranks that may differ by scorer; its t is
    the median of those ranks minus one. Either way t = 0 means first under every topical scorer
    and t > 0 never first under any, which is what keeps each scorer's accuracy at 1/n when a
    release uses t = 0 in one question in n.

    ``check(distractors)`` returns the gold's exact ranks under every scorer, or None when the set
    is unusable (a surface-name leak); ``above``/``below`` are in preference order. Among the sets
    reaching a target, the first that also agrees with every preference window (``("prefer", w)``
    flags: the gold on top there exactly when t = 0) wins, else the one agreeing with most."""
    out: dict = {}
    quality: dict = {}

    def consider(chosen: list[str], t: int | None, u: int, ranks: dict) -> None:
        flags = {name: v for name, v in ranks.items() if isinstance(name, tuple)}
        ranks = {name: r for name, r in ranks.items() if not isinstance(name, tuple)}
        topical = [r for name, r in ranks.items() if name != LENGTH]
        if ranks[LENGTH] != u + 1:
            return
        # family scorers check rank 1 only: the gold strictly first when t = 0, else (covers too,
        # t None) some distractor strictly above it
        family = [v for (kind, _), v in flags.items() if kind == "top"]
        side = 1 if t == 0 else 0
        if not all(flag[side] for flag in family):
            return
        if t is None:  # a cover: never first under a topical scorer, nor strictly first under a guard
            if not topical or min(topical) < 2 or any(all(be) for (kind, _), (_ab, be) in flags.items()
                                                      if kind == "guard"):
                return
            t = min(k, max(1, sorted(topical)[len(topical) // 2] - 1))
            extra = len(flags) + 1  # any pure set for the same target is better
        else:
            # a guard may tie but never flip: the first t chosen are above, the rest below
            flipped = any(ab[i] for (kind, _), (ab, be) in flags.items() if kind == "guard" for i in range(t, k)) \
                or any(be[i] for (kind, _), (ab, be) in flags.items() if kind == "guard" for i in range(t))
            if flipped or not all(r == t + 1 for r in topical):
                return
            extra = 0
        # preference windows: the gold should be picked there exactly when t = 0
        misses = extra + sum((any(ab) if t == 0 else not any(ab))
                             for (kind, _), (ab, _be) in flags.items() if kind == "prefer")
        if (t, u) not in out or misses < quality[(t, u)]:
            out[(t, u)] = (chosen, ranks)
            quality[(t, u)] = misses

    for t in range(k + 1):
        if t > len(above) or k - t > len(below):
            continue
        tries: Counter = Counter()
        for hi in itertools.combinations(above, t):
            for lo in itertools.combinations(below, k - t):
                chosen = list(hi) + list(lo)
                if any(w in shorter_ties for w in chosen):
                    continue
                u = sum(w in longer for w in chosen)
                if tries[u] >= MAX_TRIES or quality.get((t, u)) == 0:
                    continue
                tries[u] += 1
                ranks = check(chosen)
                if ranks is not None:
                    consider(chosen, t, u, ranks)
            if all(quality.get((t, u)) == 0 or tries[u] >= MAX_TRIES for u in range(k + 1)):
                break
    # covers, for the length ranks no pure set reaches below the top: any k of the widest works
    # (those beating the gold under most scorers first, then the losers, then the rest)
    need = {u for u in range(k + 1) if not any((t, u) in out for t in range(1, k + 1))}
    order = list(dict.fromkeys([*cover, *below, *pool]))
    wide = [w for w in order if w not in shorter_ties][:COVER_WIDTH]
    if need and cover:
        tries = Counter()
        for chosen_t in itertools.combinations(wide, k):
            chosen = list(chosen_t)
            u = sum(w in longer for w in chosen)
            if u not in need or tries[u] >= MAX_TRIES or any((t, u) in out for t in range(1, k + 1)):
                continue
            tries[u] += 1
            ranks = check(chosen)
            if ranks is not None:
                consider(chosen, None, u, ranks)
    return {key: (chosen, ranks, quality[key]) for key, (chosen, ranks) in out.items()}


def exact_ranks(query: dict[int, list[str]], docs: dict[str, TermCounts], dense: dict[str, float] | None,
                gold: str, chosen: Sequence[str], guards: Sequence[int] = (), prefer: Sequence[int] = (),
                score_guards: dict[str, dict[str, float]] | None = None,
                score_family: dict[str, dict[str, float]] | None = None) -> dict:
    """The gold's rank under every scorer for the candidate set gold + chosen, BM25 over exactly
    these candidates (as the audit and ``baseline/lexical`` score them). Guard windows give
    (above, below) flags per distractor under key ("guard", words) instead of a rank; so do
    ``score_guards`` (name -> work -> score, scores that do not depend on the candidate set, such
    as the dense scorer over another query window). ``score_family`` (the same kind of scores) give
    ("top", name) flags: (some distractor strictly above the gold, the gold strictly above all)."""
    works = [gold, *chosen]
    ranks: dict = {}
    for words, q in query.items():
        s = bm25(q, [docs[w] for w in works])
        if words in guards or words in prefer:
            ranks[("guard" if words in guards else "prefer", words)] = ([compare(s[0], x) > 0 for x in s[1:]], [compare(s[0], x) < 0 for x in s[1:]])
            continue
        ranks[bm25_name(words)] = 1 + sum(compare(s[0], x) > 0 for x in s[1:])
    for name, sc in (score_guards or {}).items():
        ranks[("guard", name)] = ([compare(sc[gold], sc[w]) > 0 for w in chosen], [compare(sc[gold], sc[w]) < 0 for w in chosen])
    for name, sc in (score_family or {}).items():
        ranks[("top", name)] = (any(compare(sc[gold], sc[w]) > 0 for w in chosen),
                                all(compare(sc[gold], sc[w]) < 0 for w in chosen))
    if dense is not None:
        ranks[DENSE] = 1 + sum(compare(dense[gold], dense[w]) > 0 for w in chosen)
    ranks[LENGTH] = 1 + sum(compare(float(docs[gold].chars), float(docs[w].chars)) > 0 for w in chosen)
    return ranks


# --------------------------------------------------------------------------- release level


def _match(items: list, choices: dict, n: int, cap: int) -> dict:
    """Assign items to buckets 0..n-1 (item -> bucket among ``choices[item]``), each bucket at
    most ``cap``, as many items as possible (augmenting paths, items in the given order)."""
    bucket: dict[int, list] = {b: [] for b in range(n)}
    where: dict = {}

    def place(item, seen: set[int], current: int | None = None) -> bool:
        """Put ``item`` in a bucket with room, moving others along an augmenting path."""
        for b in choices[item]:
            if b == current or b in seen:
                continue
            seen.add(b)
            if len(bucket[b]) < cap:
                bucket[b].append(item)
                where[item] = b
                return True
            for other in list(bucket[b]):
                if place(other, seen, b):
                    bucket[b].remove(other)
                    bucket[b].append(item)
                    where[item] = b
                    return True
        return False

    for item in items:
        place(item, set())
    return where


def balanced_assignment(items: list, choices: dict, n: int) -> dict:
    """Item -> bucket with every bucket used equally often, plus at most n-1 buckets holding one
    more; the largest such assignment the matching finds. Items left out are not in the result."""
    lo, hi = 0, len(items) // n
    best: dict = {}
    while lo <= hi:  # the largest per-bucket count every bucket can reach
        mid = (lo + hi) // 2
        got = _match(items, choices, n, mid)
        if len(got) == n * mid:
            best, lo = got, mid + 1
        else:
            hi = mid - 1
    m = len(best) // n if best else 0
    # one more item per bucket for up to n-1 buckets (counts then differ by at most one)
    extra = _match(items, choices, n, m + 1)
    counts = Counter(extra.values())
    if extra and len(extra) > len(best) and sum(1 for c in counts.values() if c > m) < n:
        return extra
    if extra and len(extra) > len(best):
        # every bucket reached m+1: that is a balanced assignment with a larger m; take it
        if all(counts.get(b, 0) == m + 1 for b in range(n)):
            return extra
    return best


def rank_one_first(items: list, choices: dict, n: int, top_first: dict | None = None) -> dict:
    """Item -> bucket (gold rank - 1) such that bucket 0 (the scorer picks the gold) holds a 1/n
    share of the items kept, to within one item, keeping as many items as possible; the other
    buckets are then filled as evenly as the items' choices allow. Exactly uniform ranks would
    need as many questions whose gold three distractors beat under every scorer as questions
    whose gold beats all three, which real papers rarely give (the gold is usually the most
    similar work), so the rank a scorer's accuracy depends on, rank 1, is exact, the rest
    near-uniform (``scalar audit`` shows their chi-square)."""
    top_able = [i for i in items if 0 in choices[i]]
    rest_able = [i for i in items if any(b > 0 for b in choices[i])]
    rest_set = set(rest_able)
    only_top = [i for i in top_able if i not in rest_set]
    both = [i for i in top_able if i in rest_set]
    only_rest = [i for i in rest_able if 0 not in choices[i]]
    if top_first:  # who goes on top among those who could go either way (stable: seeded order)
        both.sort(key=lambda i: -top_first.get(i, 0))
    best = (0, 0, 0)
    for t in range(len(top_able), -1, -1):
        from_both = max(0, t - len(only_top))
        if from_both > len(both):
            continue
        avail = len(only_rest) + len(both) - from_both
        k_max = min(avail, (n - 1) * t + n - 1)  # t stays within one of the kept share 1/n
        if k_max < (n - 1) * t - (n - 1):
            continue
        if t + k_max > best[0]:
            best = (t + k_max, t, k_max)
    _, t, k = best
    top = only_top[:t] + both[:max(0, t - len(only_top))]
    top_set = set(top)
    rest = [i for i in only_rest + both if i not in top_set]
    rest.sort(key=items.index)
    rest = rest[:k]
    out = dict.fromkeys(top, 0)
    sub = {i: [b - 1 for b in choices[i] if b > 0] for i in rest}
    even = balanced_assignment(rest, sub, n - 1)
    counts = Counter(even.values())
    for i in rest:  # beyond the even part: the least used rank the item can take
        if i not in even:
            b = min(sub[i], key=lambda x: (counts[x], x))
            even[i] = b
            counts[b] += 1
    out.update({i: b + 1 for i, b in even.items()})
    return out


def assign_targets(drafts: list, n: int, seed: int, rejected: Counter) -> list:
    """Give each balanced mcq draft one of its targets so that, per difficulty, every topical
    scorer and the length scorer pick the gold in a 1/n share of the questions (rank 1 within one
    question of uniform, ranks 2..n as even as the pools allow); set its distractors and ranks.
    Returns the drafts kept (others are counted in ``rejected['shortcut_unbalanceable']``)."""
    groups: dict[str, list] = defaultdict(list)
    for d in drafts:
        groups[d.difficulty].append(d)
    kept = []
    for difficulty, group in groups.items():
        group.sort(key=lambda d: d.base_id)
        rng(seed, difficulty, "shortcut-order").shuffle(group)
        alive = [d for d in group if d.options]
        rejected["shortcut_no_target"] += len(group) - len(alive)
        chosen: dict = {}
        for _round in range(20):
            # topical rank first, then length rank among the targets the topical choice leaves;
            # a question the second step cannot place is dropped and both steps run again
            ids = [d.base_id for d in alive]
            # a question whose lower-rank sets still let a preference window pick the gold is
            # better used with the gold on top
            misses = {d.base_id: min((q for (t, _u), (_c, _r, q) in d.options.items() if t > 0), default=0)
                      for d in alive}
            t_of = rank_one_first(ids, {d.base_id: _pref(d, seed, "t") for d in alive}, n, misses)
            alive = [d for d in alive if d.base_id in t_of]
            ids = [d.base_id for d in alive]
            u_choices = {d.base_id: [u for u in _pref(d, seed, "u") if (t_of[d.base_id], u) in d.options]
                         for d in alive}
            u_of = rank_one_first(ids, u_choices, n)
            left = [d for d in alive if d.base_id in u_of]
            chosen = {d.base_id: (t_of[d.base_id], u_of[d.base_id]) for d in left}
            stable = len(left) == len(alive) and _top_share_ok(Counter(t for t, _ in chosen.values()), n) \
                and _top_share_ok(Counter(u for _, u in chosen.values()), n)
            alive = left
            if stable:
                break
        rejected["shortcut_unbalanceable"] += sum(1 for d in group if d.options) - len(alive)
        for d in alive:
            d.distractors, d.shortcut_ranks, _ = d.options[chosen[d.base_id]]
            d.distractors = list(d.distractors)
            kept.append(d)
    return kept


def _top_share_ok(counts: Counter, n: int) -> bool:
    total = sum(counts.values())
    return abs(n * counts.get(0, 0) - total) <= n


def _balanced(counts: Counter, n: int) -> bool:
    row = [counts.get(b, 0) for b in range(n)]
    return max(row) - min(row) <= 1


def _pref(d, seed: int, what: str) -> list[int]:
    """The draft's reachable ranks of one kind in a seeded order (which of several possible
    targets a question prefers must not follow from its scores)."""
    vals = sorted({t if what == "t" else u for t, u in d.options})
    rng(seed, d.base_id, "target", what).shuffle(vals)
    return vals
