"""Small releases for evaluation tests, written with scalar.release (imported by the tests and
by conftest.py; a module name of its own so it never collides with another folder's conftest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scalar._util.tokens import count_tokens
from scalar.release import write_manifest, write_questions
from scalar.schema import Candidate, Question, ReleaseManifest

WORDS = ("attention transformer retrieval citation benchmark graph kernel sparse dense gradient "
         "optimizer token context window memory latent diffusion policy reward agent").split()


def make_question(i: int, *, n_cand: int = 4, task: str = "mcq", paper: str | None = None,
                  context_words: int = 200, cand_words: int = 100, answer=None,
                  first_public: date | None = None) -> Question:
    """A question whose context carries ``QID-<id>`` so the test server knows which it serves."""
    qid = f"{i:08x}"
    body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(context_words))
    if task == "mcq":
        context = f"Title {i}. QID-{qid} {body} as shown by **[MASKED_CITATION]** in prior work. {body}"
        answer = (i % n_cand) if answer is None else answer
    else:
        context = f"Title {i}. QID-{qid} {body} first [MASK_1] then {body} second [MASK_2]."
        answer = [i % n_cand, (i + 1) % n_cand] if answer is None else answer
    cands = [Candidate(key=f"bib.bib{k}", title=f"Paper {k}",
                       text=f"Candidate paper {k} of question {i}. " + " ".join(WORDS[(k * 3 + j) % len(WORDS)]
                                                                              for j in range(cand_words)))
             for k in range(n_cand)]
    return Question(id=qid, task=task, difficulty=("easy", "medium", "hard")[i % 3],
                    paper=paper or f"2410.{i // 3:05d}v1", first_public_date=first_public or date(2024, 10 + i % 3, 1),
                    citation_type=("attributional", "descriptive")[i % 2], context=context, candidates=cands,
                    answer=answer,
                    # what scalar build records: the exact o200k count of the paper and every candidate
                    context_tokens=count_tokens(context) + sum(count_tokens(c.text) for c in cands))


def write_release(out: Path, questions: list[Question], release_id: str = "test-release") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    sha = write_questions(out, questions)
    write_manifest(out, ReleaseManifest(release_id=release_id, venue="test", build_date=date(2025, 1, 1),
                                        generator_version="test", seed=0, questions_sha256=sha,
                                        n_questions=len(questions)))
    return out
