"""arXiv: find a venue paper's arXiv entry by title, and fetch metadata by id.

One shared ``arxiv.Client`` per HTTP session (:func:`client_for`): its private ``_session`` gets
our :class:`CachingAdapter`, so Atom feeds are cached and replayed offline, and arXiv's "one
request every 3 s, one connection" rule is enforced by the adapter's arXiv limiter for *all*
arXiv hosts together (API, HTML, PDF). The package's own ``delay_seconds`` is therefore 0 —
otherwise it would also sleep 3 s between cache hits during an offline replay.

Matching rule (:func:`match_title`): the title is cleaned of LaTeX and searched as a ``ti:"…"``
phrase, then (if nothing acceptable came back) as an AND of its most distinctive words. A result
is accepted when its normalised title equals the query's, or when the similarity is >= 0.9 and
the two author lists share a surname. Score, id, latest version and v1 date are recorded.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

import requests
from pydantic import BaseModel, Field

from scalar.errors import NetworkError
from scalar.sources.http import adapter_of
from scalar.sources.titles import (
    author_overlap,
    clean_title,
    normalise_title,
    query_title,
    rare_tokens,
    title_similarity,
)

#: Similarity a non-identical title needs (with a shared author surname) to be accepted.
MIN_SIMILARITY = 0.9
SEARCH_RESULTS = 10
BATCH_SIZE = 100  # ids per id_list query: ~2 KB of URL, one request per 3 s

try:  # the parser's strict identifier patterns
    from scalar._util.ids import find_arxiv_id, split_version
except ImportError:  # pragma: no cover - only while the parse layer is absent
    import re

    _ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?")

    def find_arxiv_id(text: str | None) -> str | None:
        m = _ID.search(text or "")
        return m.group(0) if m else None

    def split_version(arxiv_id: str) -> tuple[str, str | None]:
        m = _ID.fullmatch(arxiv_id.strip())
        return (m.group(1), m.group(2)) if m else (arxiv_id.strip(), None)


class ArxivMatch(BaseModel):
    """The arXiv entry accepted for a venue title."""

    arxiv_id: str  # without version
    version: str  # latest version at query time, e.g. "v3"
    score: float  # title similarity, 1.0 for an exact normalised match
    method: Literal["exact", "similar"]
    author_overlap: int = 0
    arxiv_title: str
    query_title: str
    published: datetime  # v1
    updated: datetime  # latest version
    authors: list[str] = Field(default_factory=list)


class ArxivMeta(BaseModel):
    """Metadata of one arXiv entry (latest version)."""

    arxiv_id: str
    version: str
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    published: datetime  # v1
    updated: datetime  # latest version
    primary_category: str = ""
    categories: list[str] = Field(default_factory=list)
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None


# ----------------------------------------------------------------------------- client

_CLIENTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_CLIENTS_LOCK = threading.Lock()
_PAGE_LOCK = threading.RLock()


def make_client(session: requests.Session, *, page_size: int = SEARCH_RESULTS) -> Any:
    """A new ``arxiv.Client`` whose requests go through ``session``'s CachingAdapter."""
    import arxiv

    adapter = adapter_of(session)
    client = arxiv.Client(page_size=page_size, delay_seconds=0.0, num_retries=0)
    client._session.adapters.clear()  # private in arxiv 4.x; pinned in pyproject
    client._session.mount("https://", adapter)
    client._session.mount("http://", adapter)
    return client


def client_for(session: requests.Session) -> Any:
    """The one shared ``arxiv.Client`` of ``session`` (created on first use)."""
    adapter = adapter_of(session)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(adapter)
        if client is None:
            client = make_client(session)
            _CLIENTS[adapter] = client
        return client


@contextlib.contextmanager
def _page_size(client: Any, n: int) -> Iterator[None]:
    """The package sends its page size as max_results on every request: size it to the query so
    that a title lookup asks for 10 rows and an id batch for all of its ids in one page."""
    with _PAGE_LOCK:
        old = client.page_size
        client.page_size = max(1, n)
        try:
            yield
        finally:
            client.page_size = old


def _run(client: Any, search: Any) -> list[Any]:
    import arxiv

    try:
        with _page_size(client, search.max_results or SEARCH_RESULTS):
            return list(client.results(search))
    except arxiv.ArxivError as e:  # empty pages / non-200s the package itself detected
        raise NetworkError(f"arXiv API error: {e}") from None


def _id_and_version(result: Any) -> tuple[str, str]:
    short = result.entry_id.rsplit("/abs/", 1)[-1]
    base, version = split_version(short)
    return base, version or "v1"


# ----------------------------------------------------------------------------- matching


def _evaluate(title: str, authors: list[str], result: Any) -> ArxivMatch | None:
    names = [a.name for a in result.authors]
    exact = normalise_title(title) == normalise_title(result.title)
    score = 1.0 if exact else title_similarity(title, result.title)
    overlap = author_overlap(authors, names)
    if not exact and not (score >= MIN_SIMILARITY and overlap >= 1):
        return None
    base, version = _id_and_version(result)
    return ArxivMatch(
        arxiv_id=base,
        version=version,
        score=round(score, 4),
        method="exact" if exact else "similar",
        author_overlap=overlap,
        arxiv_title=result.title,
        query_title=title,
        published=result.published,
        updated=result.updated,
        authors=names,
    )


def best_match(title: str, authors: list[str], results: list[Any]) -> ArxivMatch | None:
    """The best acceptable result: exact beats similar, then higher score, more shared authors,
    then the earlier id (deterministic)."""
    accepted = [m for m in (_evaluate(title, authors, r) for r in results) if m is not None]
    if not accepted:
        return None
    accepted.sort(key=lambda m: (m.method != "exact", -m.score, -m.author_overlap, m.arxiv_id))
    return accepted[0]


def title_queries(title: str) -> list[str]:
    """The arXiv queries tried for a title, in order: the phrase, then its distinctive words."""
    words = query_title(title)
    queries = [f'ti:"{words}"'] if words else []
    rare = rare_tokens(title)
    if len(rare) >= 2:
        queries.append(" AND ".join(f"ti:{w}" for w in rare))
    return queries


def match_title(title: str, authors: list[str], client: Any, *, max_results: int = SEARCH_RESULTS) -> ArxivMatch | None:
    """Find ``title`` (by ``authors``) on arXiv; None when no result passes the rule."""
    import arxiv

    title = clean_title(title)
    for query in title_queries(title):
        results = _run(client, arxiv.Search(query=query, max_results=max_results))
        match = best_match(title, authors, results)
        if match is not None:
            return match
    return None


# ----------------------------------------------------------------------------- metadata


def _batch_results(client: Any, batch: list[str]) -> list[Any]:
    """One ``id_list`` query; if arXiv rejects the batch (400: since 2025 it validates input),
    split it in halves to isolate the id it refuses, which is then left out."""
    import arxiv

    from scalar.sources.http import HttpStatusError

    try:
        return _run(client, arxiv.Search(id_list=batch, max_results=len(batch)))
    except HttpStatusError as e:  # (400s are cached: an offline replay splits the same way)
        if e.status != 400:
            raise
        if len(batch) == 1:
            return []
        mid = len(batch) // 2
        return _batch_results(client, batch[:mid]) + _batch_results(client, batch[mid:])


def fetch_metadata(ids: list[str], client: Any, *, batch_size: int = BATCH_SIZE) -> dict[str, ArxivMeta]:
    """Metadata for arXiv ids (versions ignored; latest version returned), keyed by the id
    without version. Ids arXiv does not know, and strings that are not arXiv ids, are absent."""
    wanted: list[str] = []  # (a list, not a set: membership checks below stay cheap enough for ~10k ids)
    for raw in ids:
        found = find_arxiv_id(raw or "")
        if not found:
            continue
        base, _ = split_version(found)
        if base not in wanted:
            wanted.append(base)
    wanted.sort()
    out: dict[str, ArxivMeta] = {}
    for i in range(0, len(wanted), batch_size):
        for r in _batch_results(client, wanted[i : i + batch_size]):
            base, version = _id_and_version(r)
            if base not in wanted or base in out:
                continue
            out[base] = ArxivMeta(
                arxiv_id=base,
                version=version,
                title=r.title,
                authors=[a.name for a in r.authors],
                abstract=" ".join((r.summary or "").split()),
                published=r.published,
                updated=r.updated,
                primary_category=r.primary_category or "",
                categories=list(r.categories),
                doi=r.doi or None,
                journal_ref=r.journal_ref or None,
                comment=r.comment or None,
            )
    return out
