"""Fetch a paper's full text from arXiv, trying the best form first.

1. ``arxiv-html``: ``https://arxiv.org/html/<id><vN>`` — arXiv's own LaTeXML page (every TeX
   submission since Dec 2023);
2. ``ar5iv``: ``https://ar5iv.labs.arxiv.org/html/<id>`` — the older LaTeXML mirror (mostly v1);
3. ``pdf``: ``https://arxiv.org/pdf/<id><vN>``.

A 404 (or a page that is not a LaTeXML document, e.g. ar5iv redirecting to the abstract page)
moves on to the next; when none exists, :class:`~scalar.sources.http.NotFound`. An answer about
this one page that outlasted the retries also moves on, since another form may still be served:
a 500 (arXiv's "unavailable" for some papers) or another refused status (400/401/410...). When no
form succeeds and one of them failed, that failure is raised, not NotFound: it is not evidence that
the text is missing, and the next run asks again. Signs of a service in trouble rather than of one
page (502/503/504, 429, timeouts, challenges) are raised at once, without a silent fall-through to
a worse source; so are a whole service down (:class:`~scalar.sources.http.ServiceDown`) and an
offline cache miss. All three hosts share the arXiv limiter (one request every 3 s).
"""

from __future__ import annotations

from typing import Literal

import requests
from pydantic import BaseModel

from scalar.sources.arxiv import split_version
from scalar.sources.http import HttpError, HttpStatusError, NotFound, ServiceDown, Unavailable

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


def _about_this_page(e: HttpError) -> bool:
    """A failure that says something about one page (see the module docstring)."""
    if isinstance(e, ServiceDown):
        return False
    return isinstance(e, HttpStatusError) or (isinstance(e, Unavailable) and e.status == 500)


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
    failed: HttpError | None = None
    for source, url in fulltext_urls(arxiv_id, version, host=host):
        if source not in sources:
            continue
        try:
            resp = session.get(url)
        except NotFound:
            tried.append(f"{source}: 404")
            continue
        except HttpError as e:
            if not _about_this_page(e):
                raise
            failed = failed or e  # this page failed after its retries; another form may be served
            tried.append(f"{source}: HTTP {e.status}")
            continue
        content = resp.content or b""
        if not _usable(source, content):
            tried.append(f"{source}: not a {'PDF' if source == 'pdf' else 'LaTeXML page'}")
            continue
        return FullText(source=source, url=url, content=content, arxiv_id=base, version=v or version)
    if failed is not None:
        raise type(failed)(f"{failed} (tried {'; '.join(tried)})", url=failed.url, status=failed.status)
    raise NotFound(f"no full text for arXiv:{arxiv_id} ({'; '.join(tried) or 'no source allowed'})", status=404)
