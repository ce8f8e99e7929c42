"""The crawl half of `scalar build`: venue -> citing papers with the texts of their cited works,
through the HTTP cache (generation and writing the release: ``scalar.generate.venue_release``).

Stages (each with a progress bar on stderr):

1. **list** the venue's accepted main-track papers on OpenReview;
2. per citing paper, in note order, until ``limit`` usable papers: **match** the title on arXiv,
   apply ``since`` to ``first_public_date`` (earlier of arXiv v1 and the OpenReview public date),
   **fetch** the full text (arxiv.org/html, ar5iv, PDF), **parse** it, **resolve** its
   bibliography to arXiv ids, get the metadata of the resolved works (one batched ``id_list``
   query per paper) and their full texts (**cited** bar; memoised across papers): these are the
   works that can become candidates;
3. (in ``scalar.generate.venue_release``) **generate** questions and **write** the release.

A paper that cannot be used is skipped and its reason counted in the manifest (``skipped``).
Network failures are never a skip reason: they stop the build with one clear line, and the rerun
resumes from the cache (every response is committed as it arrives). ``offline`` replays the
cache only; a miss names the URL. The ``sample`` venue replays its bundled cache by default.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scalar.crawl.venues import Venue
from scalar.errors import InputError, ParseError
from scalar._util.progress import Stage, StageProgress
from scalar.schema import CitingPaper, Paper

#: A citing paper needs this many distinct cited works with full text (a gold and 3 distractors).
MIN_USABLE_REFERENCES = 4

# Skip reasons, as written to the manifest.
NO_ARXIV = "no arXiv match"
BEFORE_SINCE = "first public before --since"
NO_FULLTEXT = "no HTML or PDF"
UNPARSEABLE = "full text could not be parsed"
FEW_RESOLVED = "too few resolvable references"
FEW_FULLTEXT = "too few cited papers with full text"
NOT_MAIN_TRACK = "not a main-track paper"
DUPLICATE = "same arXiv paper as an earlier note"


def default_cache_path() -> Path:
    """Where live builds keep their HTTP cache unless --cache is given."""
    root = os.environ.get("SCALAR_CACHE_DIR") or Path.home() / ".cache" / "scalar"
    return Path(root) / "http.sqlite"


@dataclass
class CrawlRecord:
    """What happened to one listed paper (written to ``crawl.jsonl`` in the release)."""

    forum_id: str
    title: str
    presentation: str | None = None
    arxiv_id: str | None = None
    version: str | None = None
    match_method: str | None = None
    match_score: float | None = None
    arxiv_v1: str | None = None
    openreview_public: str | None = None
    first_public_date: str | None = None
    text_source: str | None = None
    references: int = 0
    resolved: int = 0
    resolved_by: dict[str, int] = field(default_factory=dict)
    with_fulltext: int = 0
    skipped: str | None = None
    license: str | None = None  # the OpenReview note's licence (kept on the Paper too)


# ----------------------------------------------------------------------------- entry point


@contextlib.contextmanager
def open_cache(v: Venue, cache: str | Path | None, offline: bool) -> Iterator[tuple[Path, str]]:
    """The SQLite cache file and mode for this build.

    A ``.jsonl`` cache (the sample venue's bundled one, or any exported cache) is loaded into a
    temporary SQLite file and replayed: a JSONL export is read-only by nature.
    """
    if cache is None:
        cache = v.default_cache or default_cache_path()
        if v.default_cache is not None:
            offline = True  # a synthetic venue has no live services behind it
            if not v.default_cache.is_file():
                raise InputError(f"the {v.name} venue's bundled cache {v.default_cache} is missing; it ships "
                                 "with a source checkout (pip install -e .), or pass --cache")
    cache = Path(cache)
    if cache.suffix == ".jsonl":
        if not cache.is_file():
            raise InputError(f"cache file not found: {cache}")
        from scalar.crawl.replay import import_jsonl

        with tempfile.TemporaryDirectory(prefix="scalar-replay-") as tmp:
            db = Path(tmp) / "cache.sqlite"
            import_jsonl(cache, db)
            yield db, "replay"
        return
    if offline and not cache.is_file():
        raise InputError(f"--offline needs an existing cache, and {cache} does not exist")
    yield cache, ("replay" if offline else "record")


# ----------------------------------------------------------------------------- crawl


class Crawl:
    def __init__(self, venue: Venue, session, bars: "StageProgress", *, since: date | None, limit: int | None):
        from scalar.sources.arxiv import client_for

        self.venue = venue
        self.session = session
        self.client = client_for(session)
        self.bars = bars
        self.since = since
        self.limit = limit
        self.skipped: Counter[str] = Counter()
        self.records: list[CrawlRecord] = []
        self.text_sources: Counter[str] = Counter()
        self.cited_sources: Counter[str] = Counter()
        self.cited_missing = 0
        self.meta: dict[str, Any] = {}  # arXiv id -> ArxivMeta of cited works
        self._seen_arxiv: set[str] = set()
        self._cited: dict[str, Paper | None] = {}
        self._cited_bar = Stage(None, None)

    # -- stages
    def run(self) -> list[CitingPaper]:
        from scalar.sources.openreview import list_accepted_papers

        with self.bars.stage("list OpenReview", total=None):
            listed = list_accepted_papers(self.venue.venue_id, self.session, baseurl=self.venue.baseurl)
        accepted = [p for p in listed if p.accepted]
        self.n_listed = len(accepted)

        out: list[CitingPaper] = []
        with self.bars.stage("citing papers", total=self.limit or len(accepted)) as bar, \
                self.bars.stage("cited papers", total=0) as cited_bar:
            self._cited_bar = cited_bar
            for vp in accepted:
                if self.limit is not None and len(out) >= self.limit:
                    break
                rec = CrawlRecord(forum_id=vp.forum_id, title=vp.title, presentation=vp.presentation,
                                  openreview_public=iso_date(vp.public_date))
                self.records.append(rec)
                bar.describe(f"citing papers: {vp.title[:40]}")
                cp = self._citing(vp, rec)
                if cp is None:
                    self.skipped[rec.skipped or "unknown"] += 1
                    if self.limit is None:
                        bar.advance()
                    continue
                self.text_sources[rec.text_source or "?"] += 1
                out.append(cp)
                bar.advance()
        return out

    def _citing(self, vp, rec: CrawlRecord) -> CitingPaper | None:
        """One listed paper -> a CitingPaper with the texts of its cited works, or None (the
        reason is in ``rec.skipped``)."""
        from scalar.sources.arxiv import fetch_metadata, match_title, split_version
        from scalar.sources.references import resolve_references

        if not vp.main_track:
            rec.skipped = NOT_MAIN_TRACK
            return None
        # arXiv: an id the note itself carries wins; otherwise the title search.
        v1 = None
        if vp.arxiv_id:
            meta = fetch_metadata([vp.arxiv_id], self.client).get(split_version(vp.arxiv_id)[0])
            if meta is not None:
                rec.arxiv_id, rec.version, rec.match_method, rec.match_score = meta.arxiv_id, meta.version, "openreview", 1.0
                v1 = meta.published.date()
        if rec.arxiv_id is None:
            match = match_title(vp.title, vp.authors, self.client)
            if match is None:
                rec.skipped = NO_ARXIV
                return None
            rec.arxiv_id, rec.version = match.arxiv_id, match.version
            rec.match_method, rec.match_score = match.method, match.score
            v1 = match.published.date()
        if rec.arxiv_id in self._seen_arxiv:  # two notes matched to one preprint: keep the first
            rec.skipped = DUPLICATE
            return None
        self._seen_arxiv.add(rec.arxiv_id)
        rec.arxiv_v1 = v1.isoformat()
        first = min(d for d in (v1, vp.public_date) if d is not None)
        rec.first_public_date = first.isoformat()
        if self.since is not None and first < self.since:
            rec.skipped = BEFORE_SINCE
            return None

        paper = self._text(rec.arxiv_id, rec.version, require_bibliography=True)
        if isinstance(paper, str):
            rec.skipped = paper
            return None
        rec.text_source = paper.source
        rec.license = vp.license
        paper = paper.model_copy(update={"first_public_date": first, "license": vp.license})

        resolutions = resolve_references(paper, self.session, self.client)
        rec.references = len(paper.references)
        rec.resolved = len(resolutions)
        rec.resolved_by = dict(sorted(Counter(r.how for r in resolutions.values()).items()))
        refs = [r.model_copy(update={"arxiv_id": resolutions[r.key].arxiv_id}) if r.key in resolutions else r
                for r in paper.references]
        paper = paper.model_copy(update={"references": refs})
        keys = _resolved_keys(paper)
        wanted = sorted(set(keys.values()))
        if len(wanted) < MIN_USABLE_REFERENCES:
            rec.skipped = FEW_RESOLVED
            return None
        # Abstracts, dates and versions of the cited works: one batch of ALL of this paper's ids
        # (not only the new ones), so that the request depends on this paper alone and a --limit
        # or --since build replays the same URLs as the full build.
        self.meta.update(fetch_metadata(wanted, self.client))
        texts = {k: self._cited_text(a) for k, a in keys.items()}
        texts = {k: t for k, t in texts.items() if t is not None}
        rec.with_fulltext = len({keys[k] for k in texts})
        if rec.with_fulltext < MIN_USABLE_REFERENCES:
            rec.skipped = FEW_FULLTEXT
            return None
        return CitingPaper(paper=paper, cited=texts, first_public_date=first, venue=self.venue.name)

    def _cited_text(self, arxiv_id: str) -> Paper | None:
        """The parsed text of a cited work (memoised), or None when it has none. A venue paper
        cited by another is fetched the same way (a cache hit), so its candidate text does not
        depend on the order papers are listed in."""
        if arxiv_id in self._cited:
            return self._cited[arxiv_id]
        self._cited_bar.grow()
        m = self.meta.get(arxiv_id)
        got = None if m is None else self._text(arxiv_id, m.version, require_bibliography=False)
        if m is None or isinstance(got, str):  # unknown to arXiv (a typo in an entry), or no text
            paper = None
            self.cited_missing += 1
        else:
            paper = got.model_copy(update={"first_public_date": m.published.date(),
                                           "title": got.title or m.title,
                                           "abstract": got.abstract or m.abstract})
            self.cited_sources[got.source or "?"] += 1
        self._cited[arxiv_id] = paper
        self._cited_bar.advance()
        return paper

    def _text(self, arxiv_id: str, version: str | None, *, require_bibliography: bool) -> Paper | str:
        """The parsed full text, or a skip reason."""
        from scalar.sources.fulltext import fetch_fulltext
        from scalar.sources.http import NotFound

        try:
            ft = fetch_fulltext(arxiv_id, version, self.session)
        except NotFound:
            return NO_FULLTEXT
        if ft is None:
            return NO_FULLTEXT
        try:
            return _parse(ft, require_bibliography=require_bibliography)
        except (ParseError, ValueError):  # ValueError: a page the parser could not make a valid Paper of
            return UNPARSEABLE


def _parse(ft, *, require_bibliography: bool) -> Paper:
    """FullText -> Paper with the source recorded."""
    version = ft.version
    if ft.source == "pdf":
        from scalar.parse.pdf import parse_pdf

        paper = parse_pdf(ft.content, arxiv_id=ft.arxiv_id, version=version, source=ft.source)
    else:
        from scalar.parse.latexml import parse_html

        paper = parse_html(ft.content, arxiv_id=ft.arxiv_id, version=version, source=ft.source,
                           require_bibliography=require_bibliography)
    if paper.source is None:
        paper = paper.model_copy(update={"source": ft.source})
    return paper


def _resolved_keys(paper: Paper) -> dict[str, str]:
    """Reference key -> arXiv id, for references that are cited in the text and resolved."""
    cited = {c.ref for s in paper.sections for p in s.paragraphs for c in p.citations}
    own = paper.arxiv_id
    return {r.key: r.arxiv_id for r in paper.references
            if r.arxiv_id and r.key in cited and r.arxiv_id != own}


def iso_date(d: date | None) -> str | None:
    return d.isoformat() if d else None
