"""`scalar build` end to end: crawl a venue (``scalar.crawl``), generate its questions and write the
release. Network failures stop the build with one clear line; the rerun resumes from the HTTP cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from scalar._util.progress import StageProgress
from scalar.crawl.pipeline import Crawl, iso_date, open_cache
from scalar.crawl.store import PaperStore
from scalar.crawl.venues import Venue, get_venue
from scalar.errors import ConfigError, InputError
from scalar.generate.config import GenerationConfig
from scalar.generate.questions import plan_questions
from scalar.generate.write import stream_release
from scalar.release import check_release_target
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
    venues_file: str | Path | None = None,
) -> ReleaseManifest:
    """Build a release of ``venue`` into ``out``; returns its manifest.

    ``refresh``: fetch every URL again once (a venue whose listing still changes) and update the
    cache. ``generation``: further GenerationConfig options (e.g. ``{"distractors": "original"}``),
    validated before anything is crawled. ``limits``: the HTTP layer's rate limiters (default: the process-wide ones); tests and the
    sample recorder pass limiters on a fake clock so that mocked services are not paced.
    ``venues_file``: a venue registry file read instead of ``$SCALAR_VENUES`` (scalar.crawl.venues)."""
    v = get_venue(venue, venues_file)
    diffs = _check_difficulties(difficulties)
    generation = dict(generation or {})
    # validated before anything is crawled, by the one validator of generation settings
    budgets = GenerationConfig(**generation, context_budgets=[int(t) for t in context_tokens or ()]).context_budgets
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    out = check_release_target(out)  # refuse a folder we may not write before crawling for minutes

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
            # Parsed papers wait on disk next to the HTTP cache, not in memory (crawl.store).
            with StageProgress(enabled=progress) as bars, _paper_store(cache_path) as store:
                crawl = Crawl(v, session, bars, since=since, limit=limit, store=store)
                citing = crawl.run()  # a sequence loading each citing paper from the store on access
                manifest = _generate_and_write(v, out, citing, crawl, seed=seed, difficulties=diffs,
                                               budgets=budgets, since=since, mode=mode, bars=bars,
                                               generation=generation, scratch_dir=store.path.parent)
        finally:
            cache_db = adapter_of(session).cache
            if cache_db is not None:
                cache_db.close()  # every response is already committed; this only releases the file
    return manifest



def _paper_store(cache_path: Path) -> PaperStore:
    """A scratch store for parsed papers beside the HTTP cache (a disk, unlike /tmp on some
    systems), else in the default temporary folder."""
    try:
        return PaperStore(dir=Path(cache_path).parent)
    except OSError:
        return PaperStore()


def _check_difficulties(difficulties) -> list[str]:
    out = []
    for d in difficulties or ():
        d = d.strip().lower()
        if d not in DIFFICULTIES:
            raise ConfigError(f"unknown difficulty {d!r}; choose from {', '.join(DIFFICULTIES)}")
        if d not in out:
            out.append(d)
    return out or list(DIFFICULTIES)





def _generate_and_write(v: Venue, out: Path, citing: Sequence[CitingPaper], crawl: Crawl, *, seed: int,
                        difficulties: list[str], budgets: list[int], since: date | None, mode: str,
                        bars: StageProgress, generation: dict | None = None,
                        scratch_dir: Path | None = None) -> ReleaseManifest:
    if not citing:
        reasons = ", ".join(f"{k}: {n}" for k, n in crawl.skip_counts.items()) or "none listed"
        raise InputError(f"no usable papers for venue {v.name} ({crawl.n_listed} listed; skipped: {reasons})")
    cfg_kwargs: dict[str, Any] = {**(generation or {}), "seed": seed, "difficulties": tuple(difficulties)}
    if budgets:
        cfg_kwargs["context_budgets"] = tuple(budgets)
    config = GenerationConfig(**cfg_kwargs)
    # One citing paper in memory at a time: drafted, then rendered and written (scalar.generate.write).
    with bars.stage("draft questions", total=len(citing)) as stage:
        plan = plan_questions(citing, config, progress=stage.advance, scratch_dir=scratch_dir)
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
    with bars.stage("write questions", total=plan.papers_to_render()) as stage:
        manifest = stream_release(out, venue=v.name, plan=plan, skipped=crawl.skip_counts, notes=notes,
                                  crawl_log=[asdict(r) for r in crawl.records], scratch_dir=scratch_dir,
                                  progress=stage.advance)
    return manifest
