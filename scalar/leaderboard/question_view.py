"""Per-question records for the page's question browser: what the numbers are made of.

One record per question of each release: where it comes from, an excerpt of the context around
the (first) mask, the candidates with the gold marked, and every row's answer. The page embeds
them as JSON (see render.to_html); excerpts and candidate texts are shortened to keep the page
light on releases of thousands of questions.
"""

from __future__ import annotations

from scalar.leaderboard.chance import question_chance
from scalar.leaderboard.schema import Snapshot, budget_label
from scalar.schema import Prediction, Question

EXCERPT_CHARS = 700  # either side of the first mask
CANDIDATE_CHARS = 240


def _mask_pattern():
    from scalar.schema import MASK_PATTERN  # the question-text contract

    return MASK_PATTERN


def excerpt(context: str, width: int = EXCERPT_CHARS) -> str:
    """The context around its first mask ("…" where cut)."""
    m = _mask_pattern().search(context)
    at = m.start() if m else 0
    start, end = max(0, at - width), min(len(context), at + width)
    return ("…" if start else "") + context[start:end] + ("…" if end < len(context) else "")


def _short(text: str, n: int = CANDIDATE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _answer(p: Prediction | None) -> dict | None:
    if p is None:
        return None
    if p.error is not None:
        return {"state": "error"}
    return {"state": "right" if p.correct else ("unparsed" if p.parse_failure else "wrong"),
            "pred": p.prediction}


def records(snapshot: Snapshot, questions: dict[str, list[Question]],
            predictions: dict[int, dict[str, Prediction]]) -> list[dict]:
    """``predictions`` maps id(row) -> question id -> the row's prediction."""
    out = []
    for rel in snapshot.releases:
        rows = [r for r in snapshot.rows if r.release_id == rel.release_id]
        for q in questions.get(rel.release_id, []):
            out.append({
                "id": q.id, "release": rel.release_id, "task": q.task, "difficulty": q.difficulty,
                "paper": q.paper, "title": q.title or "", "section": q.section,
                "first_public": q.first_public_date.isoformat() if q.first_public_date else "",
                "budget": budget_label(q.context_budget), "tokens": q.context_tokens,
                "chance": round(question_chance(q), 6),
                "excerpt": excerpt(q.context),
                "candidates": [{"title": c.title or c.key, "text": _short(c.text)} for c in q.candidates],
                "answer": q.answer,
                "answers": {r.model: _answer(predictions.get(id(r), {}).get(q.id)) for r in rows},
            })
    return out


__all__ = ["excerpt", "records"]
