"""Small release records (questions, papers) for the tests of scalar.release."""

from __future__ import annotations

from datetime import date

from scalar.schema import Candidate, Paper, Question


def question(i: int, *, difficulty: str = "easy", task: str = "mcq", paper: str | None = None,
             first_public: date | None = None, tokens: int = 1000) -> Question:
    cands = [Candidate(key=f"bib.bib{k}", title=f"Paper {k}", text=f"Candidate {k} of question {i}.")
             for k in range(4)]
    if task == "mcq":
        context, answer = f"Question {i} builds on **[MASKED_CITATION]** directly.", i % 4
    else:
        context, answer = f"Question {i} builds on [MASK_1] and on [MASK_2].", [i % 4, (i + 1) % 4]
    return Question(id=f"q{i:04d}", task=task, difficulty=difficulty, paper=paper or f"2410.{i:05d}v1",
                    first_public_date=first_public or date(2024, 10, 1 + i % 28), context=context,
                    candidates=cands, answer=answer, context_tokens=tokens, citation_type="descriptive")


def paper(arxiv_id: str, title: str = "A paper") -> Paper:
    return Paper(arxiv_id=arxiv_id, version="v1", title=title, abstract="An abstract.")
