"""The one manifest builder: everything derivable from the questions (counts, token statistics,
paper count, source cutoff, default release id) is computed here, the same way for a built release
and an imported one; the writer supplies only what it alone knows (``ManifestInfo``)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone

from pydantic import BaseModel, ConfigDict, Field

from scalar.schema import DIFFICULTIES, TASKS, Question, ReleaseManifest, TokenStats

__all__ = ["ManifestInfo", "QuestionTally", "build_manifest", "count_questions", "flat_notes", "token_stats"]


class ManifestInfo(BaseModel):
    """What a writer knows about a release that the questions do not tell."""

    model_config = ConfigDict(extra="forbid")

    venue: str
    generator_version: str
    seed: int
    release_id: str | None = None  # default: "<venue>-<first 12 hex digits of the questions' SHA-256>"
    build_date: date | None = None  # default: today (UTC)
    context_budgets: list[int] = Field(default_factory=list)
    skipped: dict[str, int] = Field(default_factory=dict)  # reason -> papers skipped
    rejected: dict[str, int] = Field(default_factory=dict)  # reason -> questions rejected
    notes: dict = Field(default_factory=dict)  # nested dicts become "a.b" keys (see flat_notes)
    paper_dates: list[date] = Field(default_factory=list)  # citing papers' first-public dates; default: the questions'


class QuestionTally:
    """What the manifest needs from the questions, gathered one question at a time, so a writer
    streaming questions to disk never holds them all (a few bytes per question)."""

    def __init__(self, questions: Iterable[Question] = ()):
        self.counts = count_questions(())
        self.tokens = array("q")
        self.papers: set[str] = set()
        self.earliest: date | None = None
        self.latest: date | None = None
        for q in questions:
            self.add(q)

    def add(self, q: Question) -> None:
        self.counts[q.difficulty][q.task] += 1
        self.tokens.append(q.context_tokens)
        self.papers.add(q.paper)
        d = q.first_public_date
        if d is not None:
            self.earliest = d if self.earliest is None else min(self.earliest, d)
            self.latest = d if self.latest is None else max(self.latest, d)

    def __len__(self) -> int:
        return len(self.tokens)


def build_manifest(info: ManifestInfo, questions: Iterable[Question] | QuestionTally,
                   questions_sha256: str) -> ReleaseManifest:
    tally = questions if isinstance(questions, QuestionTally) else QuestionTally(questions)
    earliest: date | None
    latest: date | None
    if info.paper_dates:
        earliest, latest = min(info.paper_dates), max(info.paper_dates)
    else:
        earliest, latest = tally.earliest, tally.latest
    return ReleaseManifest(
        release_id=info.release_id or f"{info.venue}-{questions_sha256[:12]}",
        venue=info.venue,
        build_date=info.build_date or datetime.now(timezone.utc).date(),
        generator_version=info.generator_version,
        seed=info.seed,
        source_cutoff={"earliest": earliest, "latest": latest},
        counts=tally.counts,
        n_questions=len(tally),
        n_papers=len(tally.papers),
        token_stats=token_stats(tally.tokens),
        context_budgets=list(info.context_budgets),
        skipped=dict(sorted(info.skipped.items())),
        rejected=dict(sorted(info.rejected.items())),
        questions_sha256=questions_sha256,
        notes=flat_notes(info.notes),
    )


def count_questions(questions: Iterable[Question]) -> dict[str, dict[str, int]]:
    """difficulty -> task -> number of questions, every difficulty and task present (zeros included)."""
    out = {d: dict.fromkeys(TASKS, 0) for d in DIFFICULTIES}
    for q in questions:
        out[q.difficulty][q.task] += 1
    return out


def token_stats(values: Sequence[int]) -> TokenStats:
    if not values:
        return TokenStats()
    import numpy as np

    a = np.asarray(values, dtype=np.int64)
    return TokenStats(n=len(values), mean=round(float(a.mean()), 1), p50=float(np.percentile(a, 50)),
                      p90=float(np.percentile(a, 90)), max=int(a.max()), min=int(a.min()))


def flat_notes(notes: Mapping) -> dict[str, str | int | float | None]:
    """Nested mappings become dotted keys; values other than text, numbers and null become text."""
    out: dict[str, str | int | float | None] = {}
    for k, v in notes.items():
        if isinstance(v, Mapping):
            for k2, v2 in flat_notes(v).items():
                out[f"{k}.{k2}"] = v2
        elif isinstance(v, (str, int, float)) or v is None:
            out[k] = v
        else:
            out[k] = str(v)
    return out
