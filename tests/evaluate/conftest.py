"""Fixtures for evaluation tests: small releases written with scalar.releases, and the real
OpenAI-compatible server in openai_server.py."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scalar.releases import write_manifest, write_questions  # noqa: E402
from scalar.schema import Candidate, Question, ReleaseManifest  # noqa: E402

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
                    answer=answer, context_tokens=context_words * 2 + 20)


def write_release(out: Path, questions: list[Question], release_id: str = "test-release") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    sha = write_questions(out, questions)
    write_manifest(out, ReleaseManifest(release_id=release_id, venue="test", build_date=date(2025, 1, 1),
                                        generator_version="test", seed=0, questions_sha256=sha,
                                        n_questions=len(questions)))
    return out


@pytest.fixture
def release(tmp_path) -> Path:
    return write_release(tmp_path / "release", [make_question(i) for i in range(12)])


@pytest.fixture
def api_env(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the test server is never behind a proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
