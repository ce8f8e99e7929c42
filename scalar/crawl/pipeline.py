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

A paper that cannot be used is skipped and its reason counted in the manifest (``skipped``) and
written to ``crawl.jsonl`` (``skipped``, plus ``error`` with the failure's one line). A failure
tied to one paper or one cited work never stops the build: a request that failed after its
retries (arXiv's 500 for one paper, a 400/401, a timeout) skips that paper (``SERVICE_ERROR``) or
leaves that cited work out (``cited work: ...`` in ``skipped``; ``cited_failed`` in its citing
paper's row); a text the parser cannot read, or any unexpected error while processing one paper,
skips it too. Failed requests are not cached as answers: the next run asks again. The build
stops (one line, exit 2, cache kept) only when a service looks down as a whole
(:class:`~scalar.sources.http.ServiceDown`: 5 failed calls in a row to one host), on an offline
cache miss (which names the URL), or when the venue listing itself cannot be read. The
``sample`` venue replays its bundled cache by default.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scalar._util.progress import Stage, StageProgress
from scalar.crawl.store import MemoryPaperStore, PaperStore, StoredCiting, StoredCitingPapers
from scalar.crawl.venues import Venue
from scalar.errors import InputError, ParseError
from scalar.schema import Paper

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
SERVICE_ERROR = "request failed after retries (asked again on the next run)"
REFUSED = "request refused by the service (HTTP 400/410)"
UNEXPECTED = "unexpected error while processing (see crawl.jsonl)"
#: Prefix of the manifest's skip reasons for cited works (the rest counts citing papers).
CITED = "cited work: "
_ERROR_CHARS = 400  # an error line in crawl.jsonl is cut to this length


class _Skip(Exception):
    """A paper cannot be used: ``reason`` (one of the constants above) and the detail."""

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def default_cache_path() -> Path:
    """Where live builds keep their HTTP cache unless --cache is given."""
    from scalar._util.cache_dir import user_cache_dir

    return user_cache_dir() / "http.sqlite"


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
    error: str | None = None  # the failure behind a skip, one line
    s2: str | None = None  # what the Semantic Scholar step did: ok, not-found, circuit-open, an error class...
    searches_failed: int = 0  # arXiv title searches for bibliography entries that failed after retries
    cited_failed: dict[str, str] = field(default_factory=dict)  # arXiv id -> why that cited work is left out
    license: str | None = None  # the OpenReview note's licence (kept on the Paper too)


# ----------------------------------------------------------------------------- entry point


@contextlib.contextmanager
def open_cache(v: Venue, cache: str | Path | None, offline: bool) -> Iterator[tuple[Path, str]]:
    """The SQLite cache file and mode for this build.

    A ``.jsonl`` cache (the sample venue's bundled one, or any exported cache) is loaded into a
    temporary SQLite file and replayed: a JSONL export is read-only by nature.
    """
    if cache is None:
        bundled = v.default_cache  # ConfigError when the installation lacks it
        cache = bundled or default_cache_path()
        if bundled is not None:
            offline = True  # a synthetic venue has no live services behind it
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
    """One venue's crawl. Parsed papers go to ``store`` as soon as they are parsed (a
    :class:`~scalar.crawl.store.PaperStore` on disk keeps memory flat in the number of papers;
    default: kept in memory), and :meth:`run` returns them as a lazily loaded sequence."""

    def __init__(self, venue: Venue, session, bars: StageProgress, *, since: date | None, limit: int | None,
                 store: PaperStore | MemoryPaperStore | None = None):
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
        self.cited_failed: dict[str, tuple[str, str]] = {}  # arXiv id -> (reason, detail)
        self.meta: dict[str, Any] = {}  # arXiv id -> ArxivMeta of cited works
        self._seen_arxiv: set[str] = set()
        self._cited: dict[str, str | None] = {}  # arXiv id -> store key of its parsed text (None: no text)
        self.store = store if store is not None else MemoryPaperStore()
        self._cited_bar = Stage(None, None)

    # -- stages
    def run(self) -> StoredCitingPapers:
        from scalar.sources.openreview import list_accepted_papers

        with self.bars.stage("list OpenReview", total=None):
            listed = list_accepted_papers(self.venue.venue_id, self.session, baseurl=self.venue.baseurl,
                                          presentations=self.venue.presentations)
        accepted = [p for p in listed if p.accepted]
        self.n_listed = len(accepted)

        out: list[StoredCiting] = []
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
                cp = self._guarded(vp, rec)
                if cp is None:
                    self.skipped[rec.skipped or "unknown"] += 1
                    if self.limit is None:
                        bar.advance()
                    continue
                self.text_sources[rec.text_source or "?"] += 1
                out.append(cp)
                bar.advance()
        return StoredCitingPapers(self.store, out)

    @property
    def skip_counts(self) -> dict[str, int]:
        """The manifest's ``skipped``: citing papers by reason, then cited works left out by a
        failure (``cited work: <reason>``)."""
        out = Counter(self.skipped)
        for reason, _ in self.cited_failed.values():
            out[CITED + reason] += 1
        return dict(sorted(out.items()))

    def _guarded(self, vp, rec: CrawlRecord) -> StoredCiting | None:
        """``_citing`` with every failure tied to this one paper turned into a skip; only a
        service down as a whole, an offline cache miss or an interruption go up."""
        from scalar.sources.http import CacheMiss, ServiceDown

        try:
            return self._citing(vp, rec)
        except _Skip as s:
            rec.skipped, rec.error = s.reason, _line(s.detail)
        except (ServiceDown, CacheMiss, MemoryError):
            raise
        except Exception as e:  # noqa: BLE001 - one paper must not stop the build
            rec.skipped, rec.error = _classify(e)
        return None

    def _citing(self, vp, rec: CrawlRecord) -> StoredCiting | None:
        """One listed paper -> a citing paper with the texts of its cited works (in the store),
        or None (the reason is in ``rec.skipped``)."""
        from scalar.sources.arxiv import fetch_metadata, match_title, split_version
        from scalar.sources.references import resolve_references

        if not vp.main_track:
            rec.skipped = NOT_MAIN_TRACK
            return None
        # arXiv: an id the note itself carries wins; otherwise the title search.
        v1 = None
        arxiv_title, arxiv_authors = None, None  # what arXiv says, for a paper read from its PDF
        if vp.arxiv_id:
            meta = fetch_metadata([vp.arxiv_id], self.client).get(split_version(vp.arxiv_id)[0])
            if meta is not None:
                rec.arxiv_id, rec.version, rec.match_method, rec.match_score = meta.arxiv_id, meta.version, "openreview", 1.0
                v1 = meta.published.date()
                arxiv_title, arxiv_authors = meta.title, meta.authors
        if rec.arxiv_id is None:
            match = match_title(vp.title, vp.authors, self.client)
            if match is None:
                rec.skipped = NO_ARXIV
                return None
            rec.arxiv_id, rec.version = match.arxiv_id, match.version
            rec.match_method, rec.match_score = match.method, match.score
            v1 = match.published.date()
            arxiv_title, arxiv_authors = match.arxiv_title, match.authors
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

        paper = self._text(rec.arxiv_id, rec.version, require_bibliography=True)  # raises _Skip
        rec.text_source = paper.source
        rec.license = vp.license
        paper = paper.model_copy(update={"first_public_date": first, "license": vp.license,
                                         **_pdf_front(paper, arxiv_title, arxiv_authors)})

        status: dict[str, str] = {}
        resolutions = resolve_references(paper, self.session, self.client, status=status)
        rec.s2 = status.get("s2")
        rec.searches_failed = int(status.get("search_failed", "0"))
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
        rec.cited_failed = {a: _line(f"{r}: {d}" if d else r) or r
                            for a in sorted(set(keys.values())) if a in self.cited_failed
                            for r, d in [self.cited_failed[a]]}
        rec.with_fulltext = len({keys[k] for k in texts})
        if rec.with_fulltext < MIN_USABLE_REFERENCES:
            rec.skipped = FEW_FULLTEXT
            return None
        return StoredCiting(paper=self.store.put("citing", paper), cited=texts, first_public_date=first,
                            venue=self.venue.name)

    def cited_paper(self, arxiv_id: str) -> Paper | None:
        """The parsed text of a cited work this crawl fetched (loaded from the store), or None."""
        key = self._cited.get(arxiv_id)
        return None if key is None else self.store.get(key)

    def _cited_text(self, arxiv_id: str) -> str | None:
        """The store key of a cited work's parsed text (memoised), or None when it has none. A venue paper
        cited by another is fetched the same way (a cache hit), so its candidate text does not
        depend on the order papers are listed in."""
        if arxiv_id in self._cited:
            return self._cited[arxiv_id]
        from scalar.sources.http import CacheMiss, ServiceDown

        self._cited_bar.grow()
        m = self.meta.get(arxiv_id)
        got: Paper | None = None
        if m is not None:
            try:
                got = self._text(arxiv_id, m.version, require_bibliography=False)
            except _Skip as s:
                if s.reason != NO_FULLTEXT:
                    self.cited_failed[arxiv_id] = (s.reason, s.detail or "")
            except (ServiceDown, CacheMiss, MemoryError):
                raise
            except Exception as e:  # noqa: BLE001 - one cited work must not stop the build
                self.cited_failed[arxiv_id] = _classify(e)
        if got is None:  # unknown to arXiv (a typo in an entry), no text, or a failure above
            stored = None
            self.cited_missing += 1
        else:
            paper = got.model_copy(update={"first_public_date": m.published.date(),
                                           "title": got.title or m.title,
                                           "abstract": got.abstract or m.abstract,
                                           **_pdf_front(got, m.title, m.authors)})
            self.cited_sources[got.source or "?"] += 1
            stored = self.store.put("cited", paper)
        self._cited[arxiv_id] = stored
        self._cited_bar.advance()
        return stored

    def _text(self, arxiv_id: str, version: str | None, *, require_bibliography: bool) -> Paper:
        """The parsed full text; raises :class:`_Skip` (no text, or unparseable) and the HTTP
        layer's errors (a failed request)."""
        from scalar.sources.fulltext import fetch_fulltext
        from scalar.sources.http import NotFound

        try:
            ft = fetch_fulltext(arxiv_id, version, self.session)
        except NotFound as e:
            raise _Skip(NO_FULLTEXT, str(e)) from None
        if ft is None:
            raise _Skip(NO_FULLTEXT)
        try:
            return _parse(ft, require_bibliography=require_bibliography)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001 - whatever the parser raises on this one page
            # ParseError; ValueError: a page the parser could not make a valid Paper of;
            # RecursionError: a page nested deeper than the parser's recursion allows; a PDF
            # library's own error on a damaged file. The page's URL and the error go to crawl.jsonl.
            raise _Skip(UNPARSEABLE, f"{ft.url}: {type(e).__name__}: {e}") from None


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


def _classify(e: BaseException) -> tuple[str, str]:
    """(skip reason, one-line detail) for a failure while processing one paper."""
    from scalar.errors import NetworkError
    from scalar.sources.http import HttpStatusError

    if isinstance(e, HttpStatusError) and e.status in (400, 410):  # a definitive answer (cached)
        return REFUSED, _line(str(e)) or type(e).__name__
    if isinstance(e, NetworkError):  # the HTTP layer's errors, arXiv API errors
        return SERVICE_ERROR, _line(str(e)) or type(e).__name__
    if isinstance(e, (ParseError, RecursionError)):
        return UNPARSEABLE, _line(f"{type(e).__name__}: {e}") or UNPARSEABLE
    return UNEXPECTED, _line(f"{type(e).__name__}: {e}") or type(e).__name__


def _line(text: str | None) -> str | None:
    if not text:
        return None
    one = " ".join(str(text).split())
    return one if len(one) <= _ERROR_CHARS else one[: _ERROR_CHARS - 1] + "…"


def _pdf_front(paper: Paper, title: str | None, authors: list[str] | None) -> dict:
    """Title and authors from arXiv metadata for a paper read from its PDF: the PDF's front
    matter is a layout guess (a stamp or a banner can pass for the title), arXiv's is data."""
    if paper.source != "pdf":
        return {}
    out: dict = {}
    if title:
        out["title"] = " ".join(title.split())
    if authors:
        out["authors"] = list(authors)
    return out


def _resolved_keys(paper: Paper) -> dict[str, str]:
    """Reference key -> arXiv id, for references that are cited in the text and resolved."""
    cited = {c.ref for s in paper.sections for p in s.paragraphs for c in p.citations}
    own = paper.arxiv_id
    return {r.key: r.arxiv_id for r in paper.references
            if r.arxiv_id and r.key in cited and r.arxiv_id != own}


def iso_date(d: date | None) -> str | None:
    return d.isoformat() if d else None
