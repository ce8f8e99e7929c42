"""Resolve a paper's bibliography entries to arXiv ids.

Three steps, cheapest first; an identifier found in the entry is never overwritten:

1. ``entry``: an arXiv id already in ``Reference.arxiv_id`` or written in the entry's raw text,
   or an arXiv DOI (``10.48550/arXiv.<id>``) in ``Reference.doi``.
2. ``s2``: ONE Semantic Scholar call per citing paper,
   ``GET /graph/v1/paper/arXiv:<id>/references?fields=externalIds,title,year&limit=1000``; its
   entries that carry an arXiv id are aligned to ours by DOI or by normalised title (equal, or
   similarity >= 0.9 with years at most one apart). Semantic Scholar is optional: a 404, a
   rate limit, an outage, a refused query or key (400/401) or (offline) a cache miss skips the
   step, as the live run did.
3. ``arxiv-search``: the arXiv title search of :func:`scalar.sources.arxiv.match_title` for what is
   left (at most ``search_budget`` lookups per paper, 3 s each), with the entry's year checked
   against the arXiv v1 date. Entries S2 knows as a paper without an arXiv version (same title,
   a paperId, no ArXiv id: a journal or book) are not searched.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any, Literal

import requests
from pydantic import BaseModel

from scalar.errors import NetworkError
from scalar.schema import Paper, Reference
from scalar.sources.arxiv import find_arxiv_id, match_title, split_version
from scalar.sources.http import CacheMiss, HttpError, NotFound, ServiceDown, adapter_of
from scalar.sources.titles import best_similar, normalise_title

log = logging.getLogger(__name__)

S2_REFERENCES = "https://api.semanticscholar.org/graph/v1/paper/arXiv:{id}/references"
S2_FIELDS = "externalIds,title,year"
S2_PAGE = 1000  # the API's maximum page
S2_MAX_PAGES = 3
#: After this many consecutive failed S2 calls (each already retried with backoff), S2 is not
#: asked again for the rest of the run: an outage must not cost minutes per paper.
S2_BREAKER = 3
_BREAKERS: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()
_BREAKERS_LOCK = threading.Lock()
MIN_SIMILARITY = 0.9
#: References looked up by arXiv title search per citing paper (each lookup is one or two
#: queries, i.e. 3-6 s of arXiv's pacing).
SEARCH_BUDGET = 40

How = Literal["entry", "doi", "s2", "arxiv-search"]


class Resolution(BaseModel):
    """How one bibliography entry was resolved."""

    key: str
    arxiv_id: str  # without version
    how: How
    score: float | None = None  # title similarity for s2 / arxiv-search
    matched_title: str | None = None


def _base(arxiv_id: str | None) -> str | None:
    if not arxiv_id:
        return None
    found = find_arxiv_id(arxiv_id)
    return split_version(found)[0] if found else None


def _from_entry(ref: Reference) -> Resolution | None:
    aid = _base(ref.arxiv_id)
    if aid:
        return Resolution(key=ref.key, arxiv_id=aid, how="entry")
    if ref.doi and ref.doi.lower().startswith("10.48550/arxiv."):
        aid = _base("arXiv:" + ref.doi.split(".", 2)[-1])
        if aid:
            return Resolution(key=ref.key, arxiv_id=aid, how="doi")
    aid = _base(find_arxiv_id(ref.raw) if ref.raw else None)
    if aid:
        return Resolution(key=ref.key, arxiv_id=aid, how="entry")
    return None


def semantic_scholar_references(arxiv_id: str, session: requests.Session) -> list[dict[str, Any]]:
    """The ``citedPaper`` records of Semantic Scholar's reference list for an arXiv paper.

    Raises the HTTP layer's typed errors (NotFound when S2 does not know the paper)."""
    base = split_version(arxiv_id)[0]
    headers = {"Accept": "application/json"}
    key = os.environ.get("S2_API_KEY") or os.environ.get("SEMANTIC_SCHOLAR_API_KEY")
    if key:
        headers["x-api-key"] = key  # never part of the cache key
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"fields": S2_FIELDS, "limit": S2_PAGE}
    for _ in range(S2_MAX_PAGES):  # one call for all but the largest bibliographies
        page = session.get(S2_REFERENCES.format(id=base), params=params, headers=headers).json()
        if not isinstance(page, dict) or not isinstance(page.get("data") or [], list):
            raise ValueError(f"unexpected Semantic Scholar answer for arXiv:{base}: {str(page)[:80]}")
        for item in page.get("data") or []:
            cited = (item.get("citedPaper") if isinstance(item, dict) else None) or {}
            if isinstance(cited, dict) and isinstance(cited.get("title"), str) and cited["title"]:
                out.append(cited)
        nxt = page.get("next")
        if not isinstance(nxt, int) or nxt <= params.get("offset", 0):
            break
        params = {"fields": S2_FIELDS, "limit": S2_PAGE, "offset": nxt}
    return out


def _breaker(session: requests.Session) -> dict[str, int]:
    """Consecutive S2 failures seen through this session's adapter (one count per run)."""
    adapter = adapter_of(session)
    with _BREAKERS_LOCK:
        return _BREAKERS.setdefault(adapter, {"failures": 0})


def _s2_arxiv(cited: dict[str, Any]) -> str | None:
    ext = cited.get("externalIds") or {}
    aid = ext.get("ArXiv") or ext.get("arXiv")
    if aid:
        return _base(f"arXiv:{aid}")
    doi = str(ext.get("DOI") or "")
    if doi.lower().startswith("10.48550/arxiv."):
        return _base("arXiv:" + doi.split(".", 2)[-1])
    return None


def _align_s2(refs: list[Reference], cited: list[dict[str, Any]]) -> dict[str, Resolution]:
    with_ids = [(c, _s2_arxiv(c)) for c in cited]
    with_ids = [(c, a) for c, a in with_ids if a]
    by_doi = {str((c.get("externalIds") or {}).get("DOI") or "").lower(): (c, a) for c, a in with_ids}
    by_title: dict[str, tuple[dict[str, Any], str]] = {}
    for c, a in with_ids:
        by_title.setdefault(normalise_title(c["title"]), (c, a))
    out: dict[str, Resolution] = {}
    for ref in refs:
        if ref.doi and ref.doi.lower() in by_doi:
            c, a = by_doi[ref.doi.lower()]
            out[ref.key] = Resolution(key=ref.key, arxiv_id=a, how="s2", score=1.0, matched_title=c["title"])
            continue
        if not ref.title or not normalise_title(ref.title):
            continue
        exact = by_title.get(normalise_title(ref.title))
        if exact is not None:
            c, a = exact
            out[ref.key] = Resolution(key=ref.key, arxiv_id=a, how="s2", score=1.0, matched_title=c["title"])
            continue
        pool = [(c, a) for c, a in with_ids if not (ref.year and _year(c) and abs(_year(c) - ref.year) > 1)]
        found = best_similar(ref.title, [c["title"] for c, _ in pool], MIN_SIMILARITY)
        if found is not None:
            (c, a), score = pool[found[0]], found[1]
            out[ref.key] = Resolution(key=ref.key, arxiv_id=a, how="s2", score=round(score, 4), matched_title=c["title"])
    return out


def _year(cited: dict[str, Any]) -> int | None:
    try:
        return int(cited.get("year")) if cited.get("year") else None
    except (TypeError, ValueError):
        return None


def _s2_without_arxiv(refs: list[Reference], cited: list[dict[str, Any]]) -> set[str]:
    """Keys of entries whose title equals an S2 record that S2 resolved (paperId) but that has
    no arXiv id."""
    known = {
        normalise_title(c["title"])
        for c in cited
        if c.get("paperId") and not _s2_arxiv(c)
    }
    return {r.key for r in refs if r.title and normalise_title(r.title) in known}


def _year_ok(ref_year: int | None, published_year: int) -> bool:
    # A preprint usually precedes the version cited (up to a few years), rarely follows it.
    return ref_year is None or ref_year - 3 <= published_year <= ref_year + 1


def _searchable(ref: Reference) -> bool:
    return bool(ref.title) and len(normalise_title(ref.title or "").split()) >= 3


def resolve_references(
    paper: Paper,
    session: requests.Session,
    arxiv_client: Any,
    *,
    search_budget: int = SEARCH_BUDGET,
    use_s2: bool = True,
    status: dict[str, str] | None = None,
) -> dict[str, Resolution]:
    """Reference key -> :class:`Resolution` for every entry that could be resolved (unresolved
    keys are absent). A reference to the citing paper itself is never returned.

    ``status``, when given, receives what happened to the optional step: ``status["s2"]`` is
    "ok", "not-needed", "not-found" (S2 does not know the paper), "circuit-open" (S2 failed
    ``S2_BREAKER`` times in a row in this run and is no longer asked), or the error class name
    ("RateLimited", "Unavailable", "Challenge", "HttpStatusError", "CacheMiss"), so a build can
    count it; ``status["search_failed"]`` counts arXiv title searches that failed after their
    retries (those entries stay unresolved this run; a whole arXiv outage still raises)."""
    status = status if status is not None else {}
    own = _base(paper.arxiv_id) if paper.arxiv_id else None
    out: dict[str, Resolution] = {}
    for ref in paper.references:
        r = _from_entry(ref)
        if r is not None:
            out[ref.key] = r

    left = [r for r in paper.references if r.key not in out]
    status["s2"] = "not-needed"
    if left and own and use_s2:
        breaker = _breaker(session)
        cited = []
        if breaker["failures"] >= S2_BREAKER:
            status["s2"] = "circuit-open"
        else:
            try:
                cited = semantic_scholar_references(own, session)
                status["s2"] = "ok"
                breaker["failures"] = 0
            except NotFound:
                log.debug("Semantic Scholar does not know arXiv:%s", own)  # common for new papers
                status["s2"] = "not-found"
                breaker["failures"] = 0
            except CacheMiss:
                status["s2"] = "CacheMiss"  # offline: the live run did without S2 here too
            except (HttpError, ValueError) as e:  # 5xx, 429, 400/401 (a refused key), challenge, bad JSON
                breaker["failures"] += 1
                status["s2"] = type(e).__name__
                log.warning(
                    "Semantic Scholar skipped for arXiv:%s: %s%s", own, e,
                    " (not asked again in this run)" if breaker["failures"] >= S2_BREAKER else "",
                )
        out.update(_align_s2(left, cited))
        # Entries S2 identifies as a paper it has no arXiv version of: a title search would
        # spend a 3-second arXiv slot to (almost always) find nothing.
        skip = _s2_without_arxiv([r for r in left if r.key not in out], cited)
    else:
        skip = set()

    budget = search_budget
    for ref in paper.references:
        if ref.key in out or ref.key in skip or budget <= 0 or not _searchable(ref):
            continue
        budget -= 1
        try:
            match = match_title(ref.title or "", ref.authors, arxiv_client)
        except (ServiceDown, CacheMiss):
            raise
        except NetworkError as e:  # this one search failed after its retries: the entry stays unresolved
            status["search_failed"] = str(int(status.get("search_failed", "0")) + 1)
            log.warning("arXiv title search failed for %r: %s", (ref.title or "")[:60], e)
            continue
        if match is None or not _year_ok(ref.year, match.published.year):
            continue
        out[ref.key] = Resolution(
            key=ref.key, arxiv_id=match.arxiv_id, how="arxiv-search", score=match.score, matched_title=match.arxiv_title
        )
    if own:
        out = {k: v for k, v in out.items() if v.arxiv_id != own}
    return dict(sorted(out.items()))
