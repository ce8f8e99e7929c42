"""One flat record per question, with the same fields for both tasks, so that Arrow/Parquet (and
``datasets``) see one schema: ``answer`` is always a list of candidate indices (one per mask; a
single one for mcq) and ``answer_index`` is the mcq index (-1 for cloze). ``to_question`` turns a
record back into a :class:`~scalar.schema.Question` (used by the inspect_ai and lm-eval tasks)."""

from __future__ import annotations

from scalar.schema import Candidate, Question

FIELDS: dict[str, str] = {  # name -> what it holds (the dataset card's field table)
    "id": "question id (stable across builds of the same inputs)",
    "task": '"mcq" (one **[MASKED_CITATION]**, pick 1 of the candidates) or "cloze" ([MASK_1].. [MASK_n], one candidate per mask)',
    "difficulty": "easy / medium / hard",
    "context": "the citing paper's text with the citation masked",
    "candidates": "list of {key, arxiv_id, title, text}: the candidate cited works, by their text",
    "answer": "list of candidate indices, one per mask (one element for mcq)",
    "answer_index": "the mcq answer's candidate index; -1 for cloze",
    "n_masks": "number of masks (1 for mcq)",
    "paper": "citing paper (arXiv id with version)",
    "paper_title": "citing paper title",
    "paper_license": "the citing paper's licence as OpenReview/arXiv state it (null: not stated)",
    "first_public_date": "first public date of the citing paper (ISO); questions after a model's cutoff are clean",
    "section": "section of the citing paper the mask is in",
    "citation_type": "attributional / descriptive",
    "context_tokens": "o200k tokens of context + candidates",
    "context_budget": "the --context-tokens budget the context was fitted to (null: whole paper)",
    "gold_key": "reference key(s) of the gold candidate(s) in the citing paper",
    "release_id": "the SCALAR release the question belongs to",
}


def features():
    """The ``datasets.Features`` of a record (lazy import: ``datasets`` is the [hf] extra)."""
    from datasets import Features, List, Value

    cand = {"key": Value("string"), "arxiv_id": Value("string"), "title": Value("string"), "text": Value("string")}
    return Features({
        "id": Value("string"), "task": Value("string"), "difficulty": Value("string"),
        "context": Value("string"), "candidates": List(cand), "answer": List(Value("int32")),
        "answer_index": Value("int32"), "n_masks": Value("int32"), "paper": Value("string"),
        "paper_title": Value("string"), "paper_license": Value("string"),
        "first_public_date": Value("string"), "section": Value("string"), "citation_type": Value("string"),
        "context_tokens": Value("int32"), "context_budget": Value("int32"), "gold_key": List(Value("string")),
        "release_id": Value("string"),
    })


def to_record(q: Question, *, release_id: str, license: str | None) -> dict:
    answer = list(q.answer) if isinstance(q.answer, list) else [q.answer]
    gold = q.gold_key if isinstance(q.gold_key, list) else ([q.gold_key] if q.gold_key else [])
    return {
        "id": q.id, "task": q.task, "difficulty": q.difficulty, "context": q.context,
        "candidates": [{"key": c.key, "arxiv_id": c.arxiv_id, "title": c.title, "text": c.text} for c in q.candidates],
        "answer": answer, "answer_index": answer[0] if q.task == "mcq" else -1, "n_masks": len(answer),
        "paper": q.paper, "paper_title": q.title, "paper_license": license,
        "first_public_date": q.first_public_date.isoformat() if q.first_public_date else None,
        "section": q.section, "citation_type": q.citation_type, "context_tokens": q.context_tokens,
        "context_budget": q.context_budget, "gold_key": gold, "release_id": release_id,
    }


def to_question(record: dict) -> Question:
    """A record (from the exported dataset, or ``datasets``' row dict) -> Question."""
    answer = list(record["answer"])
    gold = list(record.get("gold_key") or [])
    return Question(
        id=record["id"], task=record["task"], difficulty=record["difficulty"], paper=record["paper"],
        first_public_date=record.get("first_public_date") or None, section=record.get("section") or "",
        citation_type=record.get("citation_type") or None, context=record["context"],
        candidates=[Candidate(key=c["key"], arxiv_id=c.get("arxiv_id"), title=c.get("title"), text=c["text"])
                    for c in record["candidates"]],
        answer=answer[0] if record["task"] == "mcq" else answer,
        context_tokens=record.get("context_tokens") or 0, context_budget=record.get("context_budget"),
        gold_key=(gold[0] if gold else None) if record["task"] == "mcq" else (gold or None),
        title=record.get("paper_title"),
    )


__all__ = ["FIELDS", "features", "to_question", "to_record"]
