"""Small releases and run folders written with the package's own schema models and release I/O,
so the leaderboard reads them through exactly the path it uses for real runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scalar._util.io import atomic_write_json, write_jsonl_atomic
from scalar.release import write_manifest, write_questions
from scalar.schema import Candidate, Prediction, Question, ReleaseManifest, RunSummary, Score

# paper -> first public date: two papers before 2025, two after (a cutoff of 2024-12-31 splits them).
PAPERS = {"2409.00001v1": date(2024, 9, 10), "2411.00002v1": date(2024, 11, 20),
          "2501.00003v1": date(2025, 1, 15), "2503.00004v1": date(2025, 3, 2)}
TOPICS = ["graph neural diffusion", "sparse attention kernels", "protein folding language",
          "reinforcement reward shaping"]


def make_questions(per_paper: int = 6) -> list[Question]:
    qs = []
    for pi, (paper, when) in enumerate(PAPERS.items()):
        for j in range(per_paper):
            difficulty = ("easy", "medium", "hard")[j % 3]
            gold = (pi + j) % 4
            topic = TOPICS[(pi + j) % 4]
            cands = [Candidate(key=f"bib.bib{k}", title=f"Paper {k}",
                               text=f"This work studies {TOPICS[(pi + j + k - gold) % 4]} at length.")
                     for k in range(4)]
            context = (f"Prior work on {topic} **[MASKED_CITATION]** showed strong results."
                       if j % 2 == 0 else "We follow **[MASKED_CITATION]** without further detail.")
            qs.append(Question(id=f"{paper}-{j}", task="mcq", difficulty=difficulty, paper=paper,
                               first_public_date=when, context=context, candidates=cands, answer=gold,
                               context_tokens=[3_000, 12_000, 40_000][j % 3],
                               citation_type="attributional"))
    return qs


def make_mixed_questions(per_paper: int = 6, budgets: tuple[int, ...] = (1000, 2000)) -> list[Question]:
    """mcq questions as in make_questions, each fitted to every budget in ``budgets`` (one variant
    per budget, like a release built with several --context-tokens), plus two cloze questions per
    paper (4 candidates, 2 masks)."""
    qs = []
    for q in make_questions(per_paper):
        for b in budgets:
            qs.append(q.model_copy(update={"id": f"{q.id}@{b}", "context_budget": b, "context_tokens": b - 50}))
    for pi, (paper, when) in enumerate(PAPERS.items()):
        for j in range(2):
            cands = [Candidate(key=f"bib.bib{k}", title=f"Paper {k}", text=f"About {TOPICS[k]}.") for k in range(4)]
            qs.append(Question(id=f"{paper}-cloze{j}", task="cloze", difficulty=("easy", "hard")[j], paper=paper,
                               first_public_date=when, context="A [MASK_1] and B [MASK_2] were compared.",
                               candidates=cands, answer=[(pi + j) % 4, (pi + j + 1) % 4], context_tokens=900,
                               context_budget=budgets[0]))
    return qs


def make_release(root: Path, release_id: str = "sample-2026-11-01", venue: str = "sample",
                 questions: list[Question] | None = None) -> Path:
    questions = questions if questions is not None else make_questions()
    root.mkdir(parents=True, exist_ok=True)
    sha = write_questions(root, questions)
    counts: dict[str, dict[str, int]] = {}
    for q in questions:
        counts.setdefault(q.difficulty, {}).setdefault(q.task, 0)
        counts[q.difficulty][q.task] += 1
    dates = [q.first_public_date for q in questions if q.first_public_date]
    write_manifest(root, ReleaseManifest(
        release_id=release_id, venue=venue, build_date=date(2026, 11, 1), generator_version="0.1.0",
        seed=0, source_cutoff={"earliest": min(dates), "latest": max(dates)}, counts=counts,
        n_questions=len(questions), n_papers=len({q.paper for q in questions}), questions_sha256=sha))
    return root


def make_run(runs_dir: Path, name: str, model: str, release: Path, correct, *, error_ids=(),
             parse_fail_ids=(), only=None, release_id: str | None = None, cost: float = 0.001) -> Path:
    """``correct(q) -> bool`` decides each answer; ``only`` restricts which questions were answered."""
    from scalar.release import load_release

    manifest, questions = load_release(release)
    run = runs_dir / name
    preds = []
    for q in questions:
        if only is not None and not only(q):
            continue
        err = "RateLimitError: retries exhausted" if q.id in error_ids else None
        pf = q.id in parse_fail_ids
        ok = bool(correct(q)) and not err and not pf
        wrong = list(reversed(q.answer)) if isinstance(q.answer, list) else (q.answer + 1) % 4
        preds.append(Prediction(id=q.id, model=model, response="Answer: 1",
                                prediction=None if (err or pf) else (q.answer if ok else wrong),
                                correct=ok, error=err, parse_failure=pf, prompt_tokens=q.context_tokens,
                                completion_tokens=5, cost_usd=cost, truncated_tokens=0))
    write_jsonl_atomic(run / "predictions.jsonl", preds)
    zero = Score(accuracy=0, low=0, high=0, n=0)
    atomic_write_json(run / "summary.json", RunSummary(
        model=model, release_id=release_id or manifest.release_id, data_dir=str(release.resolve()),
        n=len(preds), accuracy=zero))
    return run
