"""Chance level: the expected accuracy of answering uniformly at random, per question.

mcq: 1/k for k candidates. cloze: a question is right only when every mask is; a uniformly random
one-to-one assignment of candidates to m masks (what ``baseline/random`` draws) is right with
probability (n-m)!/n! when the m gold candidates are distinct, and never when two masks share a
gold (one-to-one cannot repeat a candidate). That puts cloze chance near zero, which is why tasks
are reported apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from scalar.schema import Question


def question_chance(q: Question) -> float:
    n = len(q.candidates)
    if q.task == "mcq" or not isinstance(q.answer, list):
        return 1.0 / n if n else 0.0
    m = len(q.answer)
    if len(set(q.answer)) < m or m > n:
        return 0.0
    p = 1.0
    for i in range(m):
        p /= n - i
    return p


def mean_chance(questions: Iterable[Question]) -> float | None:
    values = [question_chance(q) for q in questions]
    return sum(values) / len(values) if values else None


def chance_groups(questions: list[Question], key: Callable[[Question], str]) -> dict[str, float]:
    groups: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        groups[key(q)].append(q)
    return {k: round(mean_chance(g) or 0.0, 6) for k, g in sorted(groups.items())}


__all__ = ["chance_groups", "mean_chance", "question_chance"]
