"""`scalar build` end to end: crawl a venue (``scalar.crawl``), generate its questions and write the
release. Network failures stop the build with one clear line; the rerun resumes from the HTTP cache.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from scalar._util.progress import StageProgress
from scalar.crawl.pipeline import Crawl, CrawlRecord, iso_date, open_cache
from scalar.crawl.venues import Venue, get_venue
from scalar.errors import ConfigError, InputError
from scalar.generate.config import GenerationConfig
from scalar.generate.questions import generate_questions
from scalar.generate.write import write_release
from scalar.schema import DIFFICULTIES, CitingPaper, ReleaseManifest


def run_build(
    venue: str,
    out: str | Path,
    offline: bool = False,
    cache: str | Path | None = None,
    limit: int | None = None,
    seed: int = 0,
    since: date | None = None,
    difficulties: list[str] | tuple[str, ...] = (),
    context_tokens: list[int] | tuple[int, ...] = (),
    *,
    refresh: bool = False,
    progress: bool = True,
    limits: Any = None,
    generation: dict | None = None,
) -> ReleaseManifest:
    """Build a release of ``venue`` into ``out``; returns its manifest.

    ``refresh``: fetch every URL again once (a venue whose listing still changes) and update the
    cache. ``generation``: further GenerationConfig options (e.g. ``{"distractors": "original"}``),
    validated before anything is crawled. ``limits``: the HTTP layer's rate limiters (default: the process-wide ones); tests and the
    sample recorder pass limiters on a fake clock so that mocked services are not paced."""
    v = get_venue(venue)
    diffs = _check_difficulties(difficulties)
    budgets = _check_budgets(context_tokens)
    generation = dict(generation or {})
    GenerationConfig(**generation)  # a bad option fails before the crawl, not after it
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")

    if refresh and offline:
        raise ConfigError("--refresh and --offline exclude each other")
    with open_cache(v, cache, offline) as (cache_path, mode):
        if refresh:
            if mode == "replay":
                raise ConfigError(f"the {v.name} venue is replayed from a read-only cache; --refresh needs a live one")
            mode = "refresh"
        from scalar.sources.http import adapter_of, make_session

        session = make_session(cache_path, mode, limits=limits)
        try:
            with StageProgress(enabled=progress) as bars:
                crawl = Crawl(v, session, bars, since=since, limit=limit)
                citing = crawl.run()
                manifest = _generate_and_write(v, out, citing, crawl, seed=seed, difficulties=diffs,
                                               budgets=budgets, since=since, mode=mode, bars=bars,
                                               generation=generation)
        finally:
            cache_db = adapter_of(session).cache
            if cache_db is not None:
                cache_db.close()  # every response is already committed; this only releases the file
    return manifest



def _check_difficulties(difficulties) -> list[str]:
    out = []
    for d in difficulties or ():
        d = d.strip().lower()
        if d not in DIFFICULTIES:
            raise ConfigError(f"unknown difficulty {d!r}; choose from {', '.join(DIFFICULTIES)}")
        if d not in out:
            out.append(d)
    return out or list(DIFFICULTIES)


def _check_budgets(context_tokens) -> list[int]:
    budgets = sorted(set(int(t) for t in context_tokens or ()))
    for t in budgets:
        if t < 1000:
            raise ConfigError(f"--context-tokens {t} is too small (at least 1000)")
    return budgets





def _generate_and_write(v: Venue, out: Path, citing: list[CitingPaper], crawl: Crawl, *, seed: int,
                        difficulties: list[str], budgets: list[int], since: date | None, mode: str,
                        bars: "StageProgress", generation: dict | None = None) -> ReleaseManifest:
    if not citing:
        reasons = ", ".join(f"{k}: {n}" for k, n in sorted(crawl.skipped.items())) or "none listed"
        raise InputError(f"no usable papers for venue {v.name} ({crawl.n_listed} listed; skipped: {reasons})")
    cfg_kwargs: dict[str, Any] = {**(generation or {}), "seed": seed, "difficulties": tuple(difficulties)}
    if budgets:
        cfg_kwargs["context_budgets"] = tuple(budgets)
    config = GenerationConfig(**cfg_kwargs)
    with bars.stage("generate questions", total=None):
        result = generate_questions(citing, config)
    notes: dict[str, Any] = {
        "venue_id": v.venue_id,
        "venue_year": v.year,
        "cache_mode": mode,
        "since": iso_date(since),
        "papers_listed": crawl.n_listed,
        "papers_used": len(citing),
        "cited_papers_with_text": sum(crawl.cited_sources.values()),
        "cited_papers_without_text": crawl.cited_missing,
    }
    for src, n in sorted(crawl.text_sources.items()):
        notes[f"citing_text_source.{src}"] = n
    for src, n in sorted(crawl.cited_sources.items()):
        notes[f"cited_text_source.{src}"] = n
    with bars.stage("write release", total=None):
        manifest = write_release(out, venue=v.name, result=result, papers=citing, config=config,
                                 skipped=dict(sorted(crawl.skipped.items())), notes=notes)
        _write_crawl_log(out, crawl.records)
    return manifest


def _write_crawl_log(out: Path, records: list[CrawlRecord]) -> None:
    from dataclasses import asdict

    from scalar._util.io import atomic_write_text

    lines = "".join(json.dumps(asdict(r), ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    atomic_write_text(out / "crawl.jsonl", lines)
