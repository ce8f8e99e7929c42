"""Fetch a paper's full text from arXiv, trying the best form first.

1. ``arxiv-html``: ``https://arxiv.org/html/<id><vN>`` — arXiv's own LaTeXML page (every TeX
   submission since Dec 2023);
2. ``ar5iv``: ``https://ar5iv.labs.arxiv.org/html/<id>`` — the older LaTeXML mirror (mostly v1);
3. ``pdf``: ``https://arxiv.org/pdf/<id><vN>``.

A 404 (or a page that is not a LaTeXML document, e.g. ar5iv redirecting to the abstract page)
moves on to the next; when none exists, :class:`~scalar.sources.http.NotFound`. Other failures
(rate limits, outages, offline cache misses) propagate: they are not evidence that the text is
missing. All three hosts share the arXiv limiter (one request every 3 s).
"""

from __future__ import annotations

from typing import Literal

import requests
from pydantic import BaseModel

from scalar.sources.arxiv import split_version
from scalar.sources.http import NotFound

Source = Literal["arxiv-html", "ar5iv", "pdf"]
ARXIV_HOST = "arxiv.org"
SOURCES: tuple[str, ...] = ("arxiv-html", "ar5iv", "pdf")


class FullText(BaseModel):
    """Raw bytes of a paper's text and where they came from."""

    source: Source
    url: str
    content: bytes
    arxiv_id: str = ""
    version: str | None = None


def fulltext_urls(arxiv_id: str, version: str | None = None, *, host: str = ARXIV_HOST) -> list[tuple[Source, str]]:
    """The URLs tried, in order, for an id (a version written in the id wins over ``version``).
    ``host`` may be ``export.arxiv.org``, arXiv's mirror for programmatic access."""
    base, v = split_version(arxiv_id)
    v = v or (version if version and version.startswith("v") else (f"v{version}" if version else None)) or ""
    return [
        ("arxiv-html", f"https://{host}/html/{base}{v}"),
        ("ar5iv", f"https://ar5iv.labs.arxiv.org/html/{base}"),
        ("pdf", f"https://{host}/pdf/{base}{v}"),
    ]


def _usable(source: Source, content: bytes) -> bool:
    if source == "pdf":
        return content.startswith(b"%PDF")
    head = content[:200_000]
    return b"ltx_document" in head or b"ltx_page_main" in head


def fetch_fulltext(
    arxiv_id: str,
    version: str | None,
    session: requests.Session,
    *,
    sources: tuple[str, ...] = SOURCES,
    host: str = ARXIV_HOST,
) -> FullText:
    """The first available full text of ``arxiv_id`` (see the module docstring)."""
    base, v = split_version(arxiv_id)
    tried: list[str] = []
    for source, url in fulltext_urls(arxiv_id, version, host=host):
        if source not in sources:
            continue
        try:
            resp = session.get(url)
        except NotFound:
            tried.append(f"{source}: 404")
            continue
        content = resp.content or b""
        if not _usable(source, content):
            tried.append(f"{source}: not a {'PDF' if source == 'pdf' else 'LaTeXML page'}")
            continue
        return FullText(source=source, url=url, content=content, arxiv_id=base, version=v or version)
    raise NotFound(f"no full text for arXiv:{arxiv_id} ({'; '.join(tried) or 'no source allowed'})", status=404)
