"""The scheduled refresh (`.github/workflows/refresh.yml`): its config and decisions. The command
line is `scalar refresh plan|check-audit|eval` (scalar/cli/refresh_cmd.py), usable by hand too::

    python -m scalar refresh plan --config leaderboards/models.json >> "$GITHUB_OUTPUT"
    python -m scalar refresh check-audit --config leaderboards/models.json audit.json
    python -m scalar refresh eval --config leaderboards/models.json --data REL --runs RUNS

`plan` picks the venue (the config's, or the newest registered one), the ``--since`` date (the day
after the latest paper date of that venue's last published release, found in the snapshots'
copied manifests) and the dated output folders. `check-audit` fails (exit 1) when a leak rate in
`scalar audit --json` output exceeds the config's thresholds. `eval` runs `scalar eval` for the
baselines and for every configured model whose API-key variable is set (`eval_arguments`), one
model after the other; a failing model does not stop the others.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalar.errors import ConfigError, InputError

__all__ = ["ModelSpec", "RefreshConfig", "check_audit", "eval_arguments", "last_cutoff", "load_config",
           "models_to_run", "newest_venue", "plan", "read_audit_report"]


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    secret: str | None = None  # environment variable holding the API key; None = no key needed
    args: list[str] = Field(default_factory=list)  # extra `scalar eval` arguments
    max_cost: float | None = None  # USD per refresh


class RefreshConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    about: str = ""
    venue: str | None = None  # None: the newest registered venue
    baselines: list[str] = Field(default_factory=lambda: ["baseline/random", "baseline/lexical"])
    models: list[ModelSpec] = Field(default_factory=list)
    eval_args: list[str] = Field(default_factory=list)  # passed to every `scalar eval`
    audit_thresholds: dict[str, float] = Field(default_factory=dict)  # dotted path in audit JSON -> max


def load_config(path: str | Path) -> RefreshConfig:
    path = Path(path)
    try:
        return RefreshConfig.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"refresh config not found: {path}") from None
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        raise ConfigError(f"{path} is not a valid refresh config: {loc}: {err.get('msg')}") from None


# Within one year, conferences happen in this order (ICLR spring, ICML summer, NeurIPS December).
_SEASON = {"iclr": 1, "icml": 2, "neurips": 3}


def newest_venue(venues_file: str | Path | None = None) -> str:
    from scalar.crawl.venues import all_venues

    live = [v for v in all_venues(venues_file) if v.source == "openreview"]
    if not live:
        raise ConfigError("no live venue is registered")
    key = lambda v: (v.year, _SEASON.get(v.name.rstrip("0123456789"), 0), v.name)  # noqa: E731
    return max(live, key=key).name


def last_cutoff(leaderboards_dir: Path, venue: str) -> date | None:
    """The latest first-public date of any release of ``venue`` recorded under ``leaderboards_dir``
    (snapshots copy each release's manifest into ``manifests/``)."""
    from scalar.schema import ReleaseManifest

    latest: date | None = None
    for path in sorted(leaderboards_dir.rglob("manifests/*.json")):
        try:
            m = ReleaseManifest.model_validate_json(path.read_bytes())
        except (ValidationError, OSError):
            continue
        if m.venue != venue:
            continue
        d = m.source_cutoff.get("latest")
        if d is not None and (latest is None or d > latest):
            latest = d
    return latest


def plan(config: RefreshConfig, *, venue: str | None, leaderboards_dir: Path, today: date,
         venues_file: str | Path | None = None) -> dict[str, str]:
    name = venue or config.venue or newest_venue(venues_file)
    cutoff = last_cutoff(leaderboards_dir, name)
    since = cutoff + timedelta(days=1) if cutoff else None
    stamp = today.isoformat()
    return {
        "venue": name,
        "since": since.isoformat() if since else "",
        "date": stamp,
        "release_dir": f"releases/{name}-{stamp}",
        "runs_dir": f"runs/{name}-{stamp}",
        "snapshot_dir": (leaderboards_dir / name / stamp).as_posix(),
    }


def check_audit(report: dict, thresholds: dict[str, float]) -> list[str]:
    """Failures (empty = pass). A path missing from the report fails: a renamed check must not
    silently disable its gate."""
    failures = []
    for path, limit in sorted(thresholds.items()):
        value = report
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                failures.append(f"{path}: not in the audit report")
                break
            value = value[part]
        else:
            if value is None:
                continue  # no questions in that group: nothing to leak
            if not isinstance(value, (int, float)):
                failures.append(f"{path}: not a number ({value!r})")
            elif value > limit:
                failures.append(f"{path} = {value:.4f} exceeds {limit}")
    return failures


def models_to_run(config: RefreshConfig, env: dict[str, str]) -> tuple[list[ModelSpec], list[ModelSpec]]:
    """(to run, skipped for a missing key); baselines first."""
    run = [ModelSpec(model=b) for b in config.baselines]
    skipped: list[ModelSpec] = []
    for spec in config.models:
        (run if spec.secret is None or env.get(spec.secret) else skipped).append(spec)
    return run, skipped


def eval_arguments(config: RefreshConfig, spec: ModelSpec, data: Path, runs: Path) -> list[str]:
    """The `scalar eval` arguments for one model: its run folder is ``runs/<model with / as __>``."""
    out = runs / spec.model.replace("/", "__")
    args = ["eval", "--model", spec.model, "--data", str(data), "--out", str(out), *config.eval_args, *spec.args]
    if spec.max_cost is not None:
        args += ["--max-cost", str(spec.max_cost)]
    return args


def read_audit_report(path: str | Path) -> dict:
    """`scalar audit --json` output; InputError when it cannot be read."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read audit report {path}: {e}") from None
    if not isinstance(report, dict):
        raise InputError(f"audit report {path} is not a JSON object")
    return report
