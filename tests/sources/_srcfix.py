"""Test helpers for the sources layer: authored arXiv Atom feeds (shaped like
export.arxiv.org/api/query answers) and a fault-injecting fake web for ``responses``."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

import requests
import responses

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/query</id>
  <title>arXiv Query</title>
  <updated>2026-11-23T00:00:00Z</updated>
  <opensearch:itemsPerPage>{per}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
"""

ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}{version}</id>
    <title>{title}</title>
    <updated>{updated}</updated>
    <link href="https://arxiv.org/abs/{id}{version}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}{version}" rel="related" type="application/pdf" title="pdf"/>
    <summary>{abstract}</summary>
    <category term="{cat}" scheme="http://arxiv.org/schemas/atom"/>
    <published>{published}</published>
    <arxiv:primary_category term="{cat}"/>
{authors}  </entry>
"""


def entry(
    arxiv_id: str,
    title: str,
    authors: list[str],
    *,
    version: str = "v1",
    published: str = "2024-10-08T01:27:46Z",
    updated: str | None = None,
    abstract: str = "An abstract.",
    cat: str = "cs.LG",
) -> str:
    auth = "".join(f"    <author><name>{escape(a)}</name></author>\n" for a in authors)
    return ENTRY.format(
        id=arxiv_id,
        version=version,
        title=escape(title),
        updated=updated or published,
        abstract=escape(abstract),
        cat=cat,
        published=published,
        authors=auth,
    )


def feed(*entries: str) -> str:
    return HEAD.format(per=len(entries), total=len(entries)) + "".join(entries) + "</feed>\n"


ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


# ----------------------------------------------------------------------------- a fake web


Handler = Callable[[requests.PreparedRequest], tuple[int, dict[str, str], bytes | str]]

CHALLENGE_HTML = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    "<body><h1>Checking your browser</h1><p>ChallengeRequiredError</p></body></html>"
)


class FakeWeb:
    """The remote services as one ``responses`` callback: routes map a URL (regex on
    scheme://host/path) to a handler returning (status, headers, body). ``fault_rate`` makes that
    share of calls fail with a transient fault chosen deterministically from
    sha256(seed, url, nth call of that url), so a run is reproducible whatever the order."""

    FAULTS = ("429", "500", "503", "connect-timeout", "read-timeout", "truncated", "challenge")

    def __init__(self, fault_rate: float = 0.0, seed: int = 0, faults: tuple[str, ...] = FAULTS):
        self.routes: list[tuple[re.Pattern, Handler]] = []
        self.fault_rate = fault_rate
        self.seed = seed
        self.faults = faults
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.log: list[str] = []

    def route(self, pattern: str, handler: Handler) -> None:
        self.routes.append((re.compile(pattern), handler))

    def json(self, pattern: str, payload: object, status: int = 200) -> None:
        body = json.dumps(payload)
        self.route(pattern, lambda req: (status, {"Content-Type": "application/json"}, body))

    def _truth(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes | str]:
        parts = urlsplit(request.url)
        where = f"{parts.scheme}://{parts.netloc}{parts.path}"
        for pattern, handler in self.routes:
            if pattern.fullmatch(where):
                return handler(request)
        return 404, {"Content-Type": "text/html"}, "<html><body>Not Found</body></html>"

    def _fault(self, url: str, n: int) -> str | None:
        if not self.fault_rate:
            return None
        h = hashlib.sha256(f"{self.seed}|{url}|{n}".encode()).digest()
        if int.from_bytes(h[:4], "big") / 2**32 >= self.fault_rate:
            return None
        return self.faults[h[4] % len(self.faults)]

    def __call__(self, request: requests.PreparedRequest):
        url = request.url or ""
        self.calls[url] += 1
        self.log.append(url)
        fault = self._fault(url, self.calls[url])
        if fault in ("challenge", "truncated") and self._truth(request)[0] != 200:
            fault = None  # only a real page can be cut short or replaced by a challenge
        if fault:
            self.injected[fault] += 1
        if fault == "connect-timeout":
            raise requests.exceptions.ConnectTimeout(f"injected connect timeout: {url}")
        if fault == "read-timeout":
            raise requests.exceptions.ReadTimeout(f"injected read timeout: {url}")
        if fault == "429":
            return 429, {"Retry-After": "2", "Content-Type": "application/json"}, '{"message":"Too many requests"}'
        if fault in ("500", "503"):
            return int(fault), {"Content-Type": "text/html"}, "<html><body>Server error</body></html>"
        status, headers, body = self._truth(request)
        if fault == "challenge" and status == 200:
            ctype = headers.get("Content-Type", "")
            if "json" in ctype or "xml" in ctype:
                return 200, {"Content-Type": "text/html; charset=utf-8"}, CHALLENGE_HTML
            return 403, {"Content-Type": "text/html"}, CHALLENGE_HTML
        if fault == "truncated" and status == 200:
            raw = body.encode() if isinstance(body, str) else body
            return status, headers, raw[: max(1, len(raw) * 2 // 3)]
        return status, headers, body

    def install(self, rsps: responses.RequestsMock) -> None:
        for method in ("GET", "POST", "HEAD"):
            rsps.add_callback(method, re.compile(r"https?://.*"), callback=self)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def query(request: requests.PreparedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
