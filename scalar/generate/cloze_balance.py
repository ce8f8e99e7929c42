"""Balanced cloze candidate sets (``--distractors balanced``): each cloze question's distractors
are chosen so that, across a release, every shortcut scorer ranks a mask's gold first about as
often as guessing would (``cloze.py`` keeps the original rules under ``--distractors original``).

A cloze question shows its m golds (one per mask) and k distractors, and each mask is scored on
its own: a scorer ranks all m + k candidates by the words around that mask, chance being
1/(m + k). One candidate set serves every mask, so unlike multiple choice (``balance.py``) a set
cannot put each gold at a chosen rank; what it steers is, mask by mask, whether the gold is on
top: a distractor above gold i under mask i's window takes rank 1 from it, distractors below
every gold leave the golds to compete among themselves (the other golds of the paragraph are
rivals too, and often beat a gold already).

Per question (``set_options``): every pool work is compared with every mask's gold under each
scorer, the pool being the BM25 corpus (an estimate, as in ``balance.pool_relations``); candidate
sets are enumerated in pool order (nearest first for hard, seeded for easy and medium), grouped
by the masks they are predicted to leave on top, and a few sets per group are scored exactly as
``scalar audit`` will score the question (BM25 with its own candidates as the corpus, dense,
length; ``ClozeScoring.exact``). Each distinct outcome is one option: per scorer, how many masks'
golds it ranks first, ties at the top shared.

Per release (``choose_sets``, ``assign_sets``): within each difficulty one option per question
is chosen by coordinate descent on the squared distance between each scorer's rank-1 count and
its chance expectation (the sum of 1/(m + k) over the masks) — recorded scorers at full weight,
preference windows at ``PREFER_WEIGHT`` (so a window nobody balanced on follows), plus a small
cost per mask whose gold some topical scorers pick and others do not. Then, while a recorded
scorer is more than ``TOLERANCE`` masks from chance, the question whose removal brings the
release nearest to chance is dropped, as long as some drop lowers the objective
(``rejected['cloze_shortcut_unbalanceable']``); a question with no usable set is
``rejected['cloze_shortcut_no_set']``. Hit counts are whole (or shared ties) and chance counts
fractions, so a scorer can stop a little over one mask away (1.13 on the 128 reference papers).

What this does not give: the ranks below the top are not balanced (a cloze mask's rank depends
on the other golds, which are fixed); the audit shows them.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scalar._util.seeds import rng, stable_id
from scalar.generate._prep import Draft, PaperPrep, body_shows_title, nearest_works, view_for, view_terms, view_text
from scalar.generate.cloze import drop_surface_matches, masks_left
from scalar.generate.shortcuts import (
    DENSE,
    LENGTH,
    TermCounts,
    bm25,
    bm25_name,
    compare,
    dense_variant_name,
    gold_rank,
    top_share,
)
from scalar.schema import cloze_mask

if TYPE_CHECKING:
    from collections.abc import Hashable

    from scalar.generate.config import GenerationConfig

MAX_SETS = 2000  # candidate sets whose outcome is predicted, per question
TRIES_PER_PATTERN = 2  # exact checks per predicted outcome
PREFER_WEIGHT = 0.25  # windows nobody records, relative to a recorded scorer
MIXED_WEIGHT = 0.1  # per mask whose gold some topical scorers pick and others do not
TOLERANCE = 1.0  # masks: a recorded scorer this near its chance count is balanced


@dataclass(frozen=True)
class SetOption:
    """One candidate set of a question and what the shortcut scorers make of it."""

    distractors: tuple[str, ...]
    hits: dict[str, float]  # scorer -> masks whose gold it ranks first (ties at the top shared)
    ranks: tuple[dict[str, int], ...]  # per mask, recorded scorer -> the gold's rank
    mixed: float  # over masks: (max - min) of the recorded topical scorers' top shares

    @property
    def chance(self) -> float:
        """Masks a reader guessing uniformly gets right: the sum of 1/(m + k) over the masks."""
        m = len(self.ranks)
        return m / (m + len(self.distractors))


@dataclass
class ClozeScoring:
    """How the shortcut scorers see one cloze question, mask by mask.

    ``queries[i]``: BM25 window (words) -> query tokens around mask i; ``docs``: work -> its
    candidate text's term counts (golds and pool); ``dense[i]``: work -> dense score for mask i
    (exact: no corpus), or None; ``recorded``: the windows balanced at full weight and recorded
    in ``mask_shortcut_ranks`` (the others only steer the choice)."""

    golds: list[str]
    queries: list[dict[int, list[str]]]
    docs: dict[str, TermCounts]
    dense: list[dict[str, float]] | None
    recorded: tuple[int, ...]
    # per mask: dense variant name -> work -> score (``--distractors robust``; balanced like the
    # recorded scorers, not recorded)
    family: list[dict[str, dict[str, float]]] = field(default_factory=list)

    def topical(self) -> list[str]:
        return [bm25_name(w) for w in self.recorded] + ([DENSE] if self.dense is not None else [])

    def recorded_names(self) -> list[str]:
        return self.topical() + [LENGTH]

    def _scores(self, i: int, works: Sequence[str]) -> dict[str, list[float]]:
        docs = [self.docs[w] for w in works]
        out = {bm25_name(words): bm25(q, docs) for words, q in self.queries[i].items()}
        if self.dense is not None:
            out[DENSE] = [self.dense[i][w] for w in works]
        for name, sc in (self.family[i] if self.family else {}).items():
            out[name] = [sc[w] for w in works]
        out[LENGTH] = [float(d.chars) for d in docs]
        return out

    def exact(self, chosen: Sequence[str]) -> SetOption:
        """The outcome of the candidate set golds + ``chosen``, scored as the audit scores it."""
        works = [*self.golds, *chosen]
        recorded = set(self.recorded_names())
        topical = self.topical()
        hits: Counter = Counter()
        ranks = []
        mixed = 0.0
        for i in range(len(self.golds)):
            scores = self._scores(i, works)
            shares = {name: top_share(s, i) for name, s in scores.items()}
            hits.update(shares)
            ranks.append({name: gold_rank(s, i) for name, s in scores.items() if name in recorded})
            tops = [shares[n] for n in topical]
            mixed += max(tops) - min(tops) if tops else 0.0
        return SetOption(tuple(chosen), dict(sorted(hits.items())), tuple(ranks), round(mixed, 6))

    def predictor(self, pool: Sequence[str]) -> Callable[[Sequence[str]], tuple]:
        """A cheap guess of which masks a set leaves on top under each recorded scorer: every
        score computed once with golds and pool as the BM25 corpus."""
        works = [*self.golds, *pool]
        topical = self.topical()
        beaten: dict[str, frozenset] = {}  # work -> (mask, scorer) pairs where it is above the gold
        gold_top = []
        for i, g in enumerate(self.golds):
            scores = {n: dict(zip(works, s)) for n, s in self._scores(i, works).items()
                      if n in topical or n == LENGTH}
            gold_top.append({n: not any(compare(s[g], s[o]) > 0 for o in self.golds if o != g)
                             for n, s in scores.items()})
            for w in pool:
                above = {(i, n) for n, s in scores.items() if compare(s[g], s[w]) > 0}
                beaten[w] = beaten.get(w, frozenset()) | above
        names = topical + [LENGTH]

        def predict(chosen: Sequence[str]) -> tuple:
            above = frozenset().union(*(beaten[w] for w in chosen))
            return tuple(gold_top[i][n] and (i, n) not in above for i in range(len(self.golds)) for n in names)

        return predict


def candidate_sets(ordered: Sequence[str], k: int) -> Iterator[tuple[str, ...]]:
    """Every k-subset of ``ordered``, those within its first j works before any using work j+1
    (nearest / earliest first)."""
    for j in range(k - 1, len(ordered)):
        for head in itertools.combinations(ordered[:j], k - 1):
            yield (*head, ordered[j])


def set_options(scoring: ClozeScoring, ordered: Sequence[str], k: int,
                usable: Callable[[Sequence[str]], bool] = lambda _c: True) -> list[SetOption]:
    """The distinct outcomes the sets of ``k`` distractors from ``ordered`` reach, each with the
    first set (in pool order; among equal outcomes the least mixed) reaching it.
    ``usable(chosen)`` refuses a set (e.g. one that lets a string matcher resolve a mask)."""
    predict = scoring.predictor(ordered)
    tried: Counter = Counter()
    best: dict[tuple, SetOption] = {}
    for n, chosen in enumerate(candidate_sets(ordered, k)):
        if n >= MAX_SETS:
            break
        pattern = predict(chosen)
        if tried[pattern] >= TRIES_PER_PATTERN:
            continue
        tried[pattern] += 1
        if not usable(chosen):
            continue
        opt = scoring.exact(chosen)
        key = tuple(round(v, 6) for v in opt.hits.values())
        if key not in best or opt.mixed < best[key].mixed:
            best[key] = opt
    return list(best.values())


# --------------------------------------------------------------------------- release level


@dataclass
class Item:
    """A question for ``choose_sets``: its key and, per option, (scorer -> masks ranked first,
    the option's chance count — the sum of 1/(m + k) over its masks —, extra cost)."""

    key: Hashable
    options: list[tuple[dict[str, float], float, float]]


def choose_sets(items: list[Item], weights: dict[str, float], balanced: Sequence[str],
                tolerance: float = TOLERANCE) -> tuple[dict, list]:
    """(key -> chosen option index, keys dropped): one option per item so that every scorer's
    total rank-1 count is near the chosen options' total chance count (weighted squared distance
    plus the options' costs, minimised by coordinate descent in the given order); then, while a
    scorer in ``balanced`` is farther than ``tolerance`` from it, the item whose removal lowers
    the objective most is dropped. Deterministic for the same inputs and order."""
    names = list(weights)
    alive = [it for it in items if it.options]
    dropped = [it.key for it in items if not it.options]

    def gap(opt: tuple) -> float:  # what an option adds to the objective on its own
        hits, chance, extra = opt
        return sum(weights[n] * (hits.get(n, 0.0) - chance) ** 2 for n in names) + extra

    def best_alone(it) -> int:  # the option closest to chance on its own (first on ties)
        return min(range(len(it.options)), key=lambda j: (gap(it.options[j]), j))

    choice = {it.key: best_alone(it) for it in alive}
    # the objective is kept as per-scorer excess over chance, sum(hits - chance)
    excess = dict.fromkeys(names, 0.0)
    extras = 0.0
    for it in alive:
        hits, chance, extra = it.options[choice[it.key]]
        for n in names:
            excess[n] += hits.get(n, 0.0) - chance
        extras += extra

    def value(ex: dict) -> float:
        return sum(weights[n] * ex[n] ** 2 for n in names)

    def shifted(opt: tuple, sign: float) -> dict:
        hits, chance, _ = opt
        return {n: excess[n] + sign * (hits.get(n, 0.0) - chance) for n in names}

    def descend() -> None:
        nonlocal excess, extras
        for _pass in range(100):
            moved = False
            for it in alive:
                cur = it.options[choice[it.key]]
                base = shifted(cur, -1.0)
                best_j, best_v = choice[it.key], None
                for j, (hits, chance, extra) in enumerate(it.options):
                    v = sum(weights[n] * (base[n] + hits.get(n, 0.0) - chance) ** 2 for n in names) + extra
                    if best_v is None or v < best_v - 1e-9:
                        best_j, best_v = j, v
                if best_j != choice[it.key]:
                    new = it.options[best_j]
                    excess = {n: base[n] + new[0].get(n, 0.0) - new[1] for n in names}
                    extras += new[2] - cur[2]
                    choice[it.key] = best_j
                    moved = True
            if not moved:
                return

    descend()
    while alive and any(abs(excess[n]) > tolerance for n in balanced if n in excess):
        now = value(excess) + extras
        best = None
        for it in alive:
            opt = it.options[choice[it.key]]
            v = value(shifted(opt, -1.0)) + extras - opt[2]
            if v < now - 1e-9 and (best is None or v < best[0] - 1e-9):
                best = (v, it)
        if best is None:
            break
        it = best[1]
        opt = it.options[choice.pop(it.key)]
        alive.remove(it)
        dropped.append(it.key)
        excess = shifted(opt, -1.0)
        extras -= opt[2]
        descend()
    return choice, dropped


def assign_sets(drafts: list[Draft], config: GenerationConfig, rejected: Counter) -> list[Draft]:
    """Give each balanced cloze draft one of its candidate sets so that, per difficulty, every
    scorer ranks a mask's gold first about as often as chance (``choose_sets``); set its
    distractors and per-mask ranks. Returns the drafts kept; the others are counted."""
    groups: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        groups[d.difficulty].append(d)
    kept: list[Draft] = []
    for difficulty, group in groups.items():
        group.sort(key=lambda d: d.base_id)
        rng(config.seed, difficulty, "cloze-shortcut-order").shuffle(group)
        by_id = {d.base_id: d for d in group}
        items = [Item(d.base_id, [(o.hits, o.chance, MIXED_WEIGHT * o.mixed) for o in d.options]) for d in group]
        scorers = sorted({n for d in group for o in d.options for n in o.hits})
        recorded = sorted({n for d in group for o in d.options for r in o.ranks for n in r})
        # robust: the dense variants are held near chance like the recorded scorers
        family = {dense_variant_name(w, c) for w, c in config.dense_family}
        weights = {n: 1.0 if n in recorded or n in family else PREFER_WEIGHT for n in scorers}
        choice, dropped = choose_sets(items, weights, [*recorded, *sorted(family & set(scorers))])
        for key in dropped:
            rejected["cloze_shortcut_no_set" if not by_id[key].options else "cloze_shortcut_unbalanceable"] += 1
        for d in group:
            if d.base_id in choice:
                opt = d.options[choice[d.base_id]]
                d.distractors = list(opt.distractors)
                d.mask_shortcut_ranks = [dict(r) for r in opt.ranks]
                kept.append(d)
    return kept


# --------------------------------------------------------------------------- one draft


def balanced_draft(prep: PaperPrep, config: GenerationConfig, loc, difficulty: str, ctype: str,
                   golds: list[str], others: list[str], firsts: dict, rejected: Counter,
                   stats: dict) -> Draft | None:
    """A cloze draft whose candidate set is not chosen yet: it carries every outcome its pool
    can reach (``set_options``); ``assign_sets`` picks one release-wide. ``others``: the pool,
    same-sentence co-cited works already left out."""
    seed, pid, k = config.seed, prep.paper_id, config.cloze_distractors
    opaque, window = config.opaque_markers, config.leak_window_words
    anchors = [firsts[w] for w in golds]
    if difficulty == "hard":  # the works cited nearest to the masks first, widening to hard_pool
        ordered = nearest_works(prep, anchors, set(golds), set(others), config.hard_pool) if anchors else []
    else:
        ordered = list(others)
        rng(seed, pid, loc, difficulty, "cloze-distractors").shuffle(ordered)
    if view_for(difficulty) == "body":  # as for mcq: a hidden title the gold's body still shows
        shown = [g for g in golds if body_shows_title(prep, g)]
        stats["cloze_masks_dropped_hidden_title"] += len(shown)
        golds = [g for g in golds if g not in shown]
    if len(golds) < 2 or len(ordered) < k:
        rejected["cloze_too_few_references"] += 1
        return None
    leaky = False
    if config.reject_surface_matches:
        # with the whole pool as rivals a matcher resolves the fewest masks; each set is then
        # checked as the question will show it, unless no mask leaks even with no distractor
        kept = masks_left(prep, golds, ordered, config, rejected, stats)
        if kept is None:
            return None
        golds = kept
        leaky = drop_surface_matches(prep, golds, [], window, opaque) != golds
    anchors = [firsts[w] for w in golds]
    view = view_for(difficulty)
    scoring = _scoring(prep, config, golds, ordered, view)

    def usable(chosen: Sequence[str]) -> bool:
        return not leaky or drop_surface_matches(prep, golds, list(chosen), window, opaque) == golds

    options = set_options(scoring, ordered, k, usable)
    base = stable_id("cloze", pid, ",".join(golds), ",".join(a.uid for a in anchors), difficulty)
    return Draft(prep=prep, task="cloze", difficulty=difficulty, anchors=anchors, golds=golds,
                 distractors=list(options[0].distractors) if options else list(ordered[:k]),
                 view=view, citation_type=ctype, base_id=base, options=options)


def _scoring(prep: PaperPrep, config: GenerationConfig, golds: list[str], pool: list[str], view: str) -> ClozeScoring:
    from scalar.generate.lexical import masked_window
    from scalar.generate.questions import _Masked  # the question's own masking (imported late: no cycle)
    from scalar.generate.shortcuts import DENSE_WINDOW, query_tokens

    context = _Masked(prep, golds, "cloze", config.opaque_markers).text()
    windows = config.scored_windows
    masks = [cloze_mask(i + 1) for i in range(len(golds))]
    queries = [{w: query_tokens(context, w, m) for w in windows} for m in masks]
    works = [*golds, *pool]
    docs = {w: view_terms(prep, w, view) for w in works}
    dense = None
    family: list[dict[str, dict[str, float]]] = []
    if config.shortcut_model:
        from scalar.generate.dense import dense_scorer

        scorer = dense_scorer(config.shortcut_model)
        texts = [view_text(prep, w, view) for w in works]
        dense = [dict(zip(works, scorer.scores(masked_window(context, m, DENSE_WINDOW), texts))) for m in masks]
        if config.dense_family:
            family = [{name: dict(zip(works, sc)) for name, sc in
                       scorer.variant_scores(context, m, texts, config.dense_family).items()} for m in masks]
    return ClozeScoring(golds=list(golds), queries=queries, docs=docs, dense=dense,
                        recorded=tuple(config.shortcut_windows), family=family)


__all__ = ["ClozeScoring", "Item", "SetOption", "assign_sets", "balanced_draft", "candidate_sets", "choose_sets",
           "set_options"]
