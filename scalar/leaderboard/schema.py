"""The records of a leaderboard snapshot: what `leaderboard.json` holds.

`Snapshot.model_json_schema()` is the executable form of the JSON Schema shipped in
`schema/leaderboard.schema.json` (a test keeps the two identical). Bump ``LEADERBOARD_SCHEMA_VERSION``
when a field changes meaning or disappears; new optional fields keep the version. Version 2
(additive): ``rank`` may be null (partial rows), ranks come from paired comparisons, and rows gain
``complete``, ``scores``, ``breakdowns`` and ``meta``; releases gain chance levels, budgets and a
shortcut-audit summary; the snapshot gains ``pairwise``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scalar.schema import Score

LEADERBOARD_SCHEMA_VERSION = 2
SCHEMA_ID = f"urn:scalar:leaderboard:v{LEADERBOARD_SCHEMA_VERSION}"

RANKING_RULE = (
    "Only complete rows are ranked: a prediction without error for every question of the release "
    "(after --after), so every ranked model answered the same questions. A row's rank is 1 + the "
    "number of ranked rows on the same release that are better by a paired comparison: the 95% "
    "interval of the accuracy difference, from a paired bootstrap resampling citing papers (both "
    "models scored on the same resampled questions), lies wholly above zero. Rows that no paired "
    "comparison separates share a rank, and ranks can skip numbers. Clean views (questions after "
    "each model's own cutoff) differ in question set per model: there a rank is 1 + the number of "
    "rows whose whole 95% interval lies above this row's. Partial rows (missing questions or "
    "errors) are shown apart, unranked."
)

# Difficulty part of a view key; a view key is "[<task>/]<difficulty>[:clean]", e.g. "all" (every
# question), "hard", "mcq" (= "mcq/all"), "cloze/easy:clean". Version 1 keys (no task) still mean
# every task.
VIEWS: tuple[str, ...] = ("all", "easy", "medium", "hard")
TASK_VIEWS: tuple[str, ...] = ("all", "mcq", "cloze")
# Axes of LeaderboardRow.breakdowns / ReleaseInfo.chance_by.
AXES: tuple[str, ...] = ("difficulty", "budget", "context_length", "month")


def view_key(task: str = "all", difficulty: str = "all", clean: bool = False) -> str:
    """The key of one table view (see VIEWS)."""
    if task == "all":
        key = difficulty
    else:
        key = task if difficulty == "all" else f"{task}/{difficulty}"
    return f"{key}:clean" if clean else key


def parse_view(key: str) -> tuple[str, str, bool]:
    """Inverse of :func:`view_key`: (task, difficulty, clean)."""
    body, _, clean = key.partition(":")
    task, _, difficulty = body.rpartition("/")
    if not task and difficulty in TASK_VIEWS and difficulty != "all":
        task, difficulty = difficulty, "all"
    return task or "all", difficulty, bool(clean)


def budget_label(budget: int | None) -> str:
    """Key of a --context-tokens budget in breakdowns: "4000", or "full" for a question fitted to
    no budget (the whole paper)."""
    return "full" if budget is None else str(budget)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReleaseInfo(_Model):
    """The release a row was scored on, copied from its manifest."""

    release_id: str
    venue: str
    build_date: _dt.date
    generator_version: str = ""
    seed: int = 0
    source_cutoff: dict[str, _dt.date | None] = Field(default_factory=dict)
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    n_questions: int = 0
    n_papers: int = 0
    questions_sha256: str
    token_mean: float = 0.0
    token_max: int = 0
    manifest_file: str | None = None  # path of the copied manifest inside the snapshot
    # v2: chance = expected accuracy of a uniformly random answer (mcq: 1/k; cloze: a random
    # one-to-one assignment of candidates to masks), per view key and per breakdown.
    chance: dict[str, float] = Field(default_factory=dict)
    chance_by: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)  # task -> axis -> key
    budgets: list[str] = Field(default_factory=list)  # budget keys present, in order
    audit: dict[str, dict[str, float | None]] = Field(default_factory=dict)  # group -> check -> share


class PairwiseComparison(_Model):
    """Row a minus row b on the questions both answered (all of them, for ranked rows)."""

    release_id: str
    view: str  # a view key without ":clean"
    a: str  # model
    b: str
    diff: float  # accuracy(a) - accuracy(b)
    low: float  # 95% paired bootstrap interval over citing papers
    high: float
    n: int  # questions
    n_papers: int
    a_wins: int = 0  # questions a got right and b wrong
    b_wins: int = 0


class CutoffInfo(_Model):
    """A model's knowledge cutoff: questions first public strictly after ``date`` are "clean"."""

    date: _dt.date | None = None
    status: Literal["registry", "user", "unknown", "n/a"] = "unknown"
    source: str | None = None


class LeaderboardRow(_Model):
    model: str
    release_id: str
    kind: Literal["model", "baseline"] = "model"
    computed: bool = False  # a baseline computed from the release because no run was given
    run: str | None = None  # run folder, relative to --runs
    rank: int | None  # see RANKING_RULE; None for a partial row (v2)
    complete: bool = True  # v2: answered every question without error (ranked)
    n_questions: int  # questions in the release (after --after)
    n: int  # questions scored (answered without error)
    coverage: float  # share of the release's questions that have a prediction
    accuracy: Score  # overall, 95% interval clustered by citing paper
    by_difficulty: dict[str, Score] = Field(default_factory=dict)
    by_context_length: dict[str, Score] = Field(default_factory=dict)
    by_month: dict[str, Score] = Field(default_factory=dict)
    cutoff: CutoffInfo = Field(default_factory=CutoffInfo)
    clean: Score | None = None  # accuracy on questions first public after the cutoff
    clean_by_difficulty: dict[str, Score] = Field(default_factory=dict)
    ranks: dict[str, int | None] = Field(default_factory=dict)  # view key -> rank in that view
    parse_failures: int = 0
    errors: int = 0
    truncated: int = 0  # predictions whose prompt was cut
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    mean_context_tokens: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    # v2: every view's score (view key -> Score) and task -> axis -> key -> Score
    # (axes: difficulty, budget, context_length, month; task "all" mixes tasks).
    scores: dict[str, Score] = Field(default_factory=dict)
    breakdowns: dict[str, dict[str, dict[str, Score]]] = Field(default_factory=dict)
    meta: dict[str, str | int | float | bool | None] = Field(default_factory=dict)  # provider, run settings


class Snapshot(_Model):
    schema_version: int = LEADERBOARD_SCHEMA_VERSION
    title: str
    created: str  # UTC, ISO 8601
    generator_version: str
    after: _dt.date | None = None  # only questions first public strictly after this date
    ranking_rule: str = RANKING_RULE
    releases: list[ReleaseInfo]
    rows: list[LeaderboardRow]
    plots: dict[str, str] = Field(default_factory=dict)  # name -> file inside the snapshot
    warnings: list[str] = Field(default_factory=list)
    pairwise: list[PairwiseComparison] = Field(default_factory=list)  # v2: ranked rows, per view


def json_schema() -> dict:
    """The JSON Schema of leaderboard.json, generated from the pydantic models."""
    schema = Snapshot.model_json_schema()
    # A reader of version N must refuse other versions rather than misread them.
    schema["properties"]["schema_version"] = {"const": LEADERBOARD_SCHEMA_VERSION, "title": "Schema Version"}
    schema["required"] = sorted(set(schema.get("required", [])) | {"schema_version"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "SCALAR leaderboard snapshot",
        "description": f"leaderboard.json, schema_version {LEADERBOARD_SCHEMA_VERSION}. {RANKING_RULE}",
        **{k: v for k, v in schema.items() if k != "title"},
    }


SCHEMA_FILE = __import__("pathlib").Path(__file__).with_name("schema") / "leaderboard.schema.json"

if __name__ == "__main__":  # python -m scalar.leaderboard.schema  -> regenerate the shipped file
    import json

    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(json.dumps(json_schema(), indent=2) + "\n", encoding="utf-8")
    print(SCHEMA_FILE)
