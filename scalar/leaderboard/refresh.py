"""Helpers for the scheduled refresh (`.github/workflows/refresh.yml`), usable by hand too::

    python -m scalar.leaderboard.refresh plan --config leaderboards/models.json >> "$GITHUB_OUTPUT"
    python -m scalar.leaderboard.refresh check-audit --config leaderboards/models.json audit.json
    python -m scalar.leaderboard.refresh eval --config leaderboards/models.json --data REL --runs RUNS

`plan` picks the venue (the config's, or the newest registered one), the ``--since`` date (the day
after the latest paper date of that venue's last published release, found in the snapshots'
copied manifests) and the dated output folders. `check-audit` fails (exit 1) when a leak rate in
`scalar audit --json` output exceeds the config's thresholds. `eval` runs `scalar eval` for the
baselines and for every configured model whose API-key variable is set, one process per model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalar.errors import ConfigError, InputError


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


def newest_venue() -> str:
    from scalar.crawl.venues import all_venues

    live = [v for v in all_venues() if v.source == "openreview"]
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


def plan(config: RefreshConfig, *, venue: str | None, leaderboards_dir: Path, today: date) -> dict[str, str]:
    name = venue or config.venue or newest_venue()
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
    skipped = []
    for spec in config.models:
        (run if spec.secret is None or env.get(spec.secret) else skipped).append(spec)
    return run, skipped


def run_models(config: RefreshConfig, data: Path, runs: Path, env: dict[str, str]) -> int:
    """`scalar eval` per model; returns how many failed (a failure does not stop the others)."""
    todo, skipped = models_to_run(config, env)
    for spec in skipped:
        print(f"::notice::skipping {spec.model}: secret {spec.secret} is not set", file=sys.stderr)
    failed = 0
    for spec in todo:
        out = runs / spec.model.replace("/", "__")
        cmd = [sys.executable, "-m", "scalar", "eval", "--model", spec.model, "--data", str(data),
               "--out", str(out), *config.eval_args, *spec.args]
        if spec.max_cost is not None:
            cmd += ["--max-cost", str(spec.max_cost)]
        print(f"$ {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
        if subprocess.run(cmd).returncode != 0:
            failed += 1
            print(f"::warning::scalar eval failed for {spec.model}", file=sys.stderr)
    return failed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scalar.leaderboard.refresh", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("plan", help="venue, --since and folders, as key=value lines")
    a.add_argument("--config", required=True)
    a.add_argument("--venue", default="")
    a.add_argument("--leaderboards", default="leaderboards")
    a.add_argument("--today", default="")
    b = sub.add_parser("check-audit", help="exit 1 when a leak rate exceeds its threshold")
    b.add_argument("--config", required=True)
    b.add_argument("report")
    c = sub.add_parser("eval", help="scalar eval for baselines and models whose key is set")
    c.add_argument("--config", required=True)
    c.add_argument("--data", required=True)
    c.add_argument("--runs", required=True)
    args = p.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.cmd == "plan":
            today = date.fromisoformat(args.today) if args.today else datetime.now(timezone.utc).date()
            for k, v in plan(config, venue=args.venue or None, leaderboards_dir=Path(args.leaderboards),
                             today=today).items():
                print(f"{k}={v}")
            return 0
        if args.cmd == "check-audit":
            try:
                report = json.loads(Path(args.report).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as e:
                raise InputError(f"cannot read audit report {args.report}: {e}") from None
            failures = check_audit(report, config.audit_thresholds)
            for f in failures:
                print(f"::error::audit: {f}", file=sys.stderr)
            if not failures:
                print(f"audit: {len(config.audit_thresholds)} leak rates within thresholds")
            return 1 if failures else 0
        failed = run_models(config, Path(args.data), Path(args.runs), dict(os.environ))
        return 1 if failed == len(models_to_run(config, dict(os.environ))[0]) else 0
    except (ConfigError, InputError, ValueError) as e:
        print(f"refresh: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
