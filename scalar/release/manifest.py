"""The one manifest builder: everything derivable from the questions (counts, token statistics,
paper count, source cutoff, default release id) is computed here, the same way for a built release
and an imported one; the writer supplies only what it alone knows (``ManifestInfo``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone

from pydantic import BaseModel, ConfigDict, Field

from scalar.schema import DIFFICULTIES, TASKS, Question, ReleaseManifest, TokenStats

__all__ = ["ManifestInfo", "build_manifest", "count_questions", "flat_notes", "token_stats"]


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


def build_manifest(info: ManifestInfo, questions: Sequence[Question], questions_sha256: str) -> ReleaseManifest:
    dates = info.paper_dates or [q.first_public_date for q in questions if q.first_public_date]
    return ReleaseManifest(
        release_id=info.release_id or f"{info.venue}-{questions_sha256[:12]}",
        venue=info.venue,
        build_date=info.build_date or datetime.now(timezone.utc).date(),
        generator_version=info.generator_version,
        seed=info.seed,
        source_cutoff={"earliest": min(dates) if dates else None, "latest": max(dates) if dates else None},
        counts=count_questions(questions),
        n_questions=len(questions),
        n_papers=len({q.paper for q in questions}),
        token_stats=token_stats([q.context_tokens for q in questions]),
        context_budgets=list(info.context_budgets),
        skipped=dict(sorted(info.skipped.items())),
        rejected=dict(sorted(info.rejected.items())),
        questions_sha256=questions_sha256,
        notes=flat_notes(info.notes),
    )


def count_questions(questions: Sequence[Question]) -> dict[str, dict[str, int]]:
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
