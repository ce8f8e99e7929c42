"""The records of a leaderboard snapshot: what `leaderboard.json` holds.

`Snapshot.model_json_schema()` is the executable form of the JSON Schema shipped in
`schema/leaderboard.schema.json` (a test keeps the two identical). Bump ``LEADERBOARD_SCHEMA_VERSION``
when a field changes meaning or disappears; new optional fields keep the version.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scalar.schema import Score

LEADERBOARD_SCHEMA_VERSION = 1
SCHEMA_ID = f"urn:scalar:leaderboard:v{LEADERBOARD_SCHEMA_VERSION}"

RANKING_RULE = (
    "Rows are ordered by accuracy. A row's rank is 1 + the number of rows on the same release whose "
    "whole 95% interval lies above this row's interval (their lower bound > this row's upper "
    "bound). Rows whose intervals overlap therefore share a rank, and ranks can skip numbers."
)

# View keys: "all", "easy", "medium", "hard", each optionally with the suffix ":clean".
VIEWS: tuple[str, ...] = ("all", "easy", "medium", "hard")


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
    rank: int  # tied ranks: see RANKING_RULE
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
