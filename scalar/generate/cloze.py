"""Cloze task: one paragraph, two or more distinct single citations masked as [MASK_1], [MASK_2]...

The candidates are the masked references shuffled together with distractors; the answer maps each
mask (in reading order) to its candidate index. All masks of a question have one citation type, the
one its difficulty stands for (easy: attributional; medium, hard: descriptive). Each mask label also replaces every other
occurrence of the same reference in the paper, so no unmasked citation of a gold remains.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from scalar._util.seeds import rng, stable_id
from scalar.generate._prep import Draft, PaperPrep, eligible_works, nearest_works, surface_leak, view_for
from scalar.schema import cloze_mask

if TYPE_CHECKING:
    from scalar.generate.config import GenerationConfig


_TYPE_FOR = {"easy": "attributional", "medium": "descriptive", "hard": "descriptive"}


def cloze_drafts(prep: PaperPrep, config: GenerationConfig, rejected: Counter, stats: dict) -> list[Draft]:
    """Cloze drafts of one paper: per paragraph, one easy draft from its attributional citations and
    one medium and one hard draft from its descriptive ones.

    The masks of a draft are distinct usable works whose first single occurrence in the paragraph
    has the draft's type — easy masks attributional citations, medium and hard descriptive
    ones, as in mcq — so difficulty and ``citation_type`` describe every mask. Masks a string matcher
    could resolve are dropped (which never changes the type of the rest); a draft needs two masks
    left. Medium: random distractors, full text; hard: the works cited nearest to the masks, body
    only. Balanced and robust (the default): the candidate set is chosen release-wide against the shortcut
    scorers (``cloze_balance``).
    """
    seed, pid = config.seed, prep.paper_id
    by_paragraph: dict[tuple[int, int], list] = defaultdict(list)
    for o in prep.occurrences:
        if not o.grouped and o.kind is None and o.key in prep.work_of:  # running text only
            by_paragraph[(o.section, o.paragraph)].append(o)
    out: list[Draft] = []
    made = 0
    for loc in sorted(by_paragraph):
        firsts: dict[str, object] = {}
        for o in by_paragraph[loc]:  # first single occurrence of each work, reading order
            firsts.setdefault(prep.work_of[o.key], o)
        for ctype in ("attributional", "descriptive"):
            difficulties = [d for d in config.difficulties if _TYPE_FOR[d] == ctype]
            of_type = {w: o for w, o in firsts.items() if o.citation_type == ctype}
            if not difficulties or len(of_type) < 2:
                continue
            # numbered by where each reference first appears in the paragraph (grouped citations too)
            seen_at = {w: min(o.order for o in prep.occurrences if prep.work_of.get(o.key) == w
                              and (o.section, o.paragraph) == loc) for w in of_type}
            works = sorted(of_type, key=seen_at.__getitem__)
            if len(works) > config.cloze_max_masks:
                keep = set(rng(seed, pid, loc, ctype, "cloze-masks").sample(works, config.cloze_max_masks))
                works = [w for w in works if w in keep]
            for difficulty in difficulties:
                if config.max_cloze_per_paper is not None and made >= config.max_cloze_per_paper:
                    break
                draft = _draft(prep, config, loc, difficulty, ctype, works, firsts, rejected, stats)
                if draft is not None:
                    out.append(draft)
                    made += 1
    return out


def _draft(prep: PaperPrep, config: GenerationConfig, loc, difficulty: str, ctype: str, works: list[str],
           firsts: dict, rejected: Counter, stats: dict) -> Draft | None:
    seed, pid = config.seed, prep.paper_id
    pool = set(eligible_works(prep, difficulty))
    golds = [w for w in works if w in pool]
    others = sorted(pool - set(golds))
    if config.balanced:  # a work cited in a masked sentence may be interchangeable with its gold
        banned = set().union(*(prep.same_sentence_works(g) for g in golds)) if golds else set()
        others = [w for w in others if w not in banned]
        from scalar.generate.cloze_balance import balanced_draft

        return balanced_draft(prep, config, loc, difficulty, ctype, golds, others, firsts, rejected, stats)
    k = config.cloze_distractors
    if difficulty == "hard":
        anchors = [firsts[w] for w in golds]
        distractors = nearest_works(prep, anchors, set(golds), set(others), k) if anchors else []
    else:
        distractors = rng(seed, pid, loc, difficulty, "cloze-distractors").sample(others, min(k, len(others)))
    if len(golds) < 2 or len(distractors) < k:
        rejected["cloze_too_few_references"] += 1
        return None
    if config.reject_surface_matches:
        kept = masks_left(prep, golds, distractors, config, rejected, stats)
        if kept is None:
            return None
        golds = kept
    anchors = [firsts[w] for w in golds]
    base = stable_id("cloze", pid, ",".join(golds), ",".join(a.uid for a in anchors), difficulty)
    return Draft(prep=prep, task="cloze", difficulty=difficulty, anchors=anchors, golds=golds,
                 distractors=distractors, view=view_for(difficulty),
                 citation_type=ctype, base_id=base)


def masks_left(prep: PaperPrep, golds: list[str], rivals: list[str], config: GenerationConfig,
               rejected: Counter, stats: dict) -> list[str] | None:
    """The golds still masked once a string matcher's picks are dropped (counted), or None (the
    draft is rejected) when fewer than two are left."""
    kept = drop_surface_matches(prep, golds, rivals, config.leak_window_words, config.opaque_markers)
    stats["cloze_masks_checked_for_surface_match"] += len(golds)
    stats["cloze_masks_dropped_surface_match"] += len(golds) - len(kept)
    if len(kept) < 2:
        rejected["cloze_surface_name_match"] += 1
        return None
    return kept


def drop_surface_matches(prep: PaperPrep, golds: list[str], distractors: list[str], window: int,
                         opaque: bool = False) -> list[str]:
    """The golds left masked once every mask a string matcher resolves is dropped. A dropped work's
    citation becomes visible text next to the other masks, so the check repeats on what is left
    until nothing more is dropped (each mask checked as the question will show it)."""
    kept = list(golds)
    while len(kept) >= 2:
        labels = {g: cloze_mask(i + 1) for i, g in enumerate(kept)}
        leaky = {g for g in kept
                 if surface_leak(prep, labels, g, [w for w in kept if w != g] + distractors, window, opaque)}
        if not leaky:
            break
        kept = [g for g in kept if g not in leaky]
    return kept
