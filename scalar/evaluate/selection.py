"""Which questions of a release a run answers: the filters (``--budget``, ``--difficulty``,
``--task``, ``--after``) and the ``--limit`` sample.

``--limit N`` is a sample stratified by (difficulty, task): each stratum gets its share of N by
largest remainder (every stratum at least one question when N allows; see ``allocate``), and within a stratum the
questions with the smallest ``sha256("scalar-limit", sample_seed, question id)`` are taken. So a
sample depends only on the seed and the question ids (not on file order), and a larger N keeps the
questions of a smaller one in every stratum whose share grows. The sample keeps release order.
"""

from __future__ import annotations

from collections import defaultdict

from scalar._util.seeds import derive_seed
from scalar.schema import Question, Selection

__all__ = ["allocate", "sample_stratified", "select"]


def _matches(q: Question, sel: Selection) -> bool:
    if sel.budgets and q.context_budget not in sel.budgets:
        return False
    if sel.difficulties and q.difficulty not in sel.difficulties:
        return False
    if sel.tasks and q.task not in sel.tasks:
        return False
    return q.public_after(sel.after)


def allocate(sizes: dict[tuple[str, str], int], n: int) -> dict[tuple[str, str], int]:
    """Split ``n`` over strata in proportion to their sizes (largest remainder, ties by stratum
    name); then, when ``n`` is at least the number of strata, a stratum left empty takes one
    question from the stratum with the most."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    keys = sorted(k for k, v in sizes.items() if v > 0)
    quotas = {k: n * sizes[k] / total for k in keys}
    out = dict.fromkeys(sizes, 0)
    out.update({k: int(quotas[k]) for k in keys})
    left = n - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - int(quotas[k])), k)):
        if left <= 0:
            break
        out[k] += 1
        left -= 1
    if n >= len(keys):
        for k in keys:
            if out[k] == 0:
                donor = max(keys, key=lambda d: (out[d], d))
                out[donor] -= 1
                out[k] = 1
    return out


def sample_stratified(questions: list[Question], n: int, seed: int) -> list[Question]:
    strata: dict[tuple[str, str], list[Question]] = defaultdict(list)
    for q in questions:
        strata[(q.difficulty, q.task)].append(q)
    shares = allocate({k: len(v) for k, v in strata.items()}, n)
    keep: set[str] = set()
    for k, group in strata.items():
        ranked = sorted(group, key=lambda q: derive_seed("scalar-limit", seed, q.id))
        keep.update(q.id for q in ranked[: shares[k]])
    return [q for q in questions if q.id in keep]


def select(questions: list[Question], sel: Selection) -> list[Question]:
    """The questions ``sel`` picks, in release order."""
    chosen = [q for q in questions if _matches(q, sel)]
    if sel.limit is not None and sel.limit < len(chosen):
        chosen = sample_stratified(chosen, sel.limit, sel.sample_seed)
    return chosen
