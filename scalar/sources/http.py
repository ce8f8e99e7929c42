"""One polite HTTP layer for every remote service SCALAR talks to.

Everything goes through :class:`CachingAdapter`, a ``requests`` transport adapter that is mounted
on our own session *and* on the sessions inside openreview-py and the ``arxiv`` package, so their
traffic is cached, paced and retried exactly like ours:

* **Cache** (:class:`HttpCache`, SQLite in WAL mode): raw responses keyed by
  ``sha256(method, normalised URL with sorted query, body)``. Only 2xx, redirects (needed to
  replay a redirect chain) and definitive answers (404/410, and 400 for a query the service
  refuses) are stored; 429, 5xx, 401/403, challenges and truncated bodies never are. Each
  response is committed as soon as it arrives, so an interrupted build resumes with no repeated
  request. Credentials never reach the cache: request headers are not stored,
  ``api_key``/``token``-like query parameters are dropped from the key, login calls bypass it.
  In ``record`` mode a few mutable answers expire (OpenReview listings after a week, an empty
  arXiv search page after a day; :attr:`HostPolicy.max_age`), and a stale copy is still served
  if the service does not answer; ``replay`` never expires anything.
* **Modes**: ``record`` (default: hits served, misses fetched and stored), ``replay`` (the
  ``--offline`` mode: cache only, a miss raises :class:`CacheMiss` naming the URL), ``refresh``
  (every URL is fetched again once per session, then served from the fresh copy).
* **Per-host rate limits** (:data:`DEFAULT_POLICIES`): all arXiv hosts share one slot of one
  request every 3 s and one connection; Semantic Scholar ~1/s; OpenReview a few per second.
  Cache hits are never delayed.
* **Retries** on 429/5xx/timeouts/connection errors/truncated bodies with exponential backoff
  and jitter, waiting at least ``Retry-After``. Time is bounded three ways: each attempt as a
  whole (``call_timeout``, connect to last byte: a server trickling a byte at a time is cut off
  by a watchdog that closes the socket, not only a per-read timeout), each call with its retries
  (``deadline``), and ``Retry-After`` itself (``max_retry_after``, 120 s unless
  ``SCALAR_MAX_RETRY_AFTER`` says otherwise: a longer wait is not slept; the call fails at once,
  is recorded, and stderr says so once per host).
* **Failures are recorded, never final**: a call that fails after its retries (5xx, 401/403,
  429, a timeout) is written to the cache's ``failures`` table. ``record`` mode asks again on
  the next run (a success deletes the row); ``replay`` raises the recorded error, so an offline
  rebuild skips the same items as the live build did, instead of stopping on a cache miss.
* **Service down**: ``down_after`` (5) failed calls in a row to one host, with no answer from it
  in between, raise :class:`ServiceDown`: the host as a whole is not answering, so a build stops
  (one line, exit 2, cache kept) instead of skipping every remaining paper. A host that has
  just failed is probed with fewer attempts (``DOWN_PROBE_ATTEMPTS``) so an outage is detected
  in minutes. No network at all (DNS failure, connection refused) is :class:`ServiceDown` at once.
* **Typed errors**, all :class:`scalar.errors.NetworkError` (one line, exit 2):
  :class:`RateLimited`, :class:`NotFound`, :class:`Challenge` (403 or an HTML page where JSON was
  expected), :class:`Unavailable` (and its :class:`ServiceDown`), :class:`HttpStatusError`,
  :class:`CacheMiss`.

The adapter therefore only ever *returns* 2xx and 3xx responses; anything else is raised
(a cached 404/400 is raised again on every hit).
Sleeping and the clock are injectable (:class:`Clock`) so tests never sleep for real.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import re
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from scalar._util.retry_after import MAX_RETRY_AFTER, max_retry_after, parse_retry_after  # noqa: F401 (re-exported)
from scalar.errors import NetworkError

log = logging.getLogger(__name__)

Mode = Literal["record", "replay", "refresh"]
MODES: tuple[str, ...] = ("record", "replay", "refresh")

USER_AGENT = "scalar-crawler/{version} (SCALAR benchmark builder{contact})"

# ----------------------------------------------------------------------------- errors


class HttpError(NetworkError):
    """Base of the HTTP layer's errors; ``url`` and ``status`` are kept for callers."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class RateLimited(HttpError):
    """The service kept answering 429 (or asked to wait longer than the call's deadline)."""


class NotFound(HttpError):
    """A definitive 404 (cached, so replays see the same answer)."""


class Challenge(HttpError):
    """A 403 or a human-check HTML page where an API answer (JSON) was expected."""


class Unavailable(HttpError):
    """5xx, timeouts, connection errors or truncated bodies that outlasted every retry."""


class ServiceDown(Unavailable):
    """A whole host stopped answering (``down_after`` failed calls in a row, or no network):
    unlike the other errors this is not about one URL, so a build stops on it."""


class HttpStatusError(HttpError):
    """Any other non-retryable status (400, 401, 410, ...)."""


class CacheMiss(HttpError):
    """Offline (replay) mode and the response is not in the cache."""


# ----------------------------------------------------------------------------- clock


class Clock:
    """Monotonic time and sleep; tests pass a fake one that advances on ``sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock(Clock):
    """A clock that never sleeps: ``sleep`` only advances ``now`` (for tests and dry runs)."""

    def __init__(self, start: float = 1000.0):
        self.t = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            if seconds > 0:
                self.t += seconds


# ----------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class HostPolicy:
    """How to treat one group of hosts.

    ``interval``: minimum seconds between the end of one network request and the start of the
    next in the group; ``concurrency``: connections at once; ``expects``: the body type an API
    answer must have ("json", "xml", "html", or None for anything); ``challenge_hint``: appended
    to a :class:`Challenge` message.
    """

    name: str
    interval: float = 0.2
    concurrency: int = 2
    expects: str | None = None
    challenge_hint: str = ""
    path_expects: tuple[tuple[str, str], ...] = ()  # (path prefix, body type) for API paths
    max_age: float | None = None  # record mode refetches cached answers older than this (s)
    empty_max_age: float | None = None  # the same for an empty Atom result page

    def expected(self, path: str) -> str | None:
        for prefix, kind in self.path_expects:
            if path.startswith(prefix):
                return kind
        return self.expects


_OPENREVIEW_HINT = (
    "OpenReview asks for a login: set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD "
    "(a free openreview.net account) and run again, or build --offline from a cache"
)

#: host -> policy. Hosts in one group share a limiter (all of arXiv is one group).
DEFAULT_POLICIES: dict[str, HostPolicy] = {}


def _register(policy: HostPolicy, *hosts: str) -> None:
    for h in hosts:
        DEFAULT_POLICIES[h] = policy


_register(
    # arXiv sometimes answers a query with an empty page by mistake, and a paper missing today
    # may be posted tomorrow: an empty search result is asked again after a day (record mode).
    HostPolicy("arxiv", interval=3.0, concurrency=1, path_expects=(("/api/", "xml"),), empty_max_age=86400),
    "arxiv.org",
    "www.arxiv.org",
    "export.arxiv.org",
    "ar5iv.labs.arxiv.org",
    "ar5iv.org",
)
_register(HostPolicy("semanticscholar", interval=1.0, concurrency=1, expects="json"), "api.semanticscholar.org")
_register(
    # Listings of a venue still in progress change (decisions, camera-ready): a week at most.
    HostPolicy("openreview", interval=0.3, concurrency=1, expects="json", challenge_hint=_OPENREVIEW_HINT, max_age=7 * 86400),
    "api2.openreview.net",
    "api.openreview.net",
)
_DEFAULT_POLICY = HostPolicy("default", interval=0.2, concurrency=2)
_EMPTY_FEED = re.compile(rb"<opensearch:totalResults[^>]*>\s*0\s*</opensearch:totalResults>")


class _Limiter:
    """Spacing + concurrency for one host group, on an injectable clock."""

    def __init__(self, policy: HostPolicy, clock: Clock):
        self.policy = policy
        self.clock = clock
        self._slots = threading.BoundedSemaphore(max(1, policy.concurrency))
        self._lock = threading.Lock()
        self._next = float("-inf")
        self.starts: list[float] = []  # request start times (inspected by tests)

    def __enter__(self) -> _Limiter:
        self._slots.acquire()
        with self._lock:
            wait = self._next - self.clock.now()
            if wait > 0:
                self.clock.sleep(wait)
            self.starts.append(self.clock.now())
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._next = self.clock.now() + self.policy.interval
        self._slots.release()


class RateLimits:
    """The limiters of one process, shared by every adapter built with it."""

    def __init__(self, policies: dict[str, HostPolicy] | None = None, clock: Clock | None = None):
        self.policies = dict(DEFAULT_POLICIES if policies is None else policies)
        self.clock = clock or Clock()
        self._limiters: dict[str, _Limiter] = {}
        self._lock = threading.Lock()

    def policy(self, host: str) -> HostPolicy:
        return self.policies.get(host.lower(), _DEFAULT_POLICY)

    def limiter(self, host: str) -> _Limiter:
        policy = self.policy(host)
        with self._lock:
            if policy.name not in self._limiters:
                self._limiters[policy.name] = _Limiter(policy, self.clock)
            return self._limiters[policy.name]


_SHARED_LIMITS: RateLimits | None = None
_SHARED_LOCK = threading.Lock()


def shared_rate_limits() -> RateLimits:
    """The process-wide limiters (real clock): every session made without explicit limits
    shares them, so two sessions never break arXiv's 3-second rule together."""
    global _SHARED_LIMITS
    with _SHARED_LOCK:
        if _SHARED_LIMITS is None:
            _SHARED_LIMITS = RateLimits()
        return _SHARED_LIMITS


@contextlib.contextmanager
def use_rate_limits(limits: RateLimits) -> Iterator[RateLimits]:
    """Make ``limits`` the process-wide limiters for the duration (sessions made inside, with no
    explicit limits, use them). For recording against local fakes, e.g. the sample venue:
    ``with use_rate_limits(RateLimits(clock=FakeClock())): run_build(...)`` paces on a fake
    clock instead of sleeping 3 s per arXiv request."""
    global _SHARED_LIMITS
    with _SHARED_LOCK:
        saved, _SHARED_LIMITS = _SHARED_LIMITS, limits
    try:
        yield limits
    finally:
        with _SHARED_LOCK:
            _SHARED_LIMITS = saved


# ----------------------------------------------------------------------------- cache

_SECRET_PARAMS = {"api_key", "apikey", "key", "token", "access_token", "password", "secret"}
_NO_CACHE_PATHS = ("/login", "/mfa/", "/register", "/token", "/impersonate", "/logout")


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, sort the query, drop credential-like parameters."""
    parts = urlsplit(url)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _SECRET_PARAMS
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def cache_key(method: str, url: str, body: bytes | str | None = None) -> str:
    """sha256 over method, normalised URL and body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    h = hashlib.sha256()
    h.update(method.upper().encode("ascii"))
    h.update(b"\n")
    h.update(normalise_url(url).encode("utf-8"))
    h.update(b"\n")
    h.update(body or b"")
    return h.hexdigest()


@dataclass
class CachedResponse:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str


_STORED_HEADERS = {"content-type", "content-encoding-original", "etag", "last-modified", "location", "retry-after", "date"}


class HttpCache:
    """Raw-response cache in one SQLite file (WAL; every write committed at once).

    Table ``responses(key PRIMARY KEY, method, url, status, headers JSON, body BLOB, fetched_at)``;
    table ``failures(key PRIMARY KEY, method, url, status, kind, message, failed_at)`` holds the
    calls that failed after their retries (never served as answers; see the module docstring).
    Safe to share between threads of one process and to reopen after a crash.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, method TEXT NOT NULL,"
                " url TEXT NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,"
                " fetched_at TEXT NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, method TEXT NOT NULL,"
                " url TEXT NOT NULL, status INTEGER, kind TEXT NOT NULL, message TEXT NOT NULL,"
                " failed_at TEXT NOT NULL)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as e:
            raise NetworkError(f"cannot open the HTTP cache {self.path}: {e}") from None

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._db.execute(
                "SELECT url, status, headers, body, fetched_at FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        url, status, headers, body, fetched_at = row
        return CachedResponse(url, int(status), json.loads(headers), bytes(body), fetched_at)

    def put(self, key: str, method: str, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        kept = {k.lower(): v for k, v in headers.items() if k.lower() in _STORED_HEADERS}
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, method, url, status, headers, body, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, method.upper(), normalise_url(url), status, json.dumps(kept, sort_keys=True), body, fetched_at),
            )
            self._db.execute("DELETE FROM failures WHERE key = ?", (key,))
            self._db.commit()

    def put_failure(self, key: str, method: str, url: str, error: HttpError) -> None:
        """Remember that a call failed after its retries (the next record run asks again)."""
        failed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.restore_failure(key, method, url, error.status, type(error).__name__, str(error), failed_at)

    def restore_failure(self, key: str, method: str, url: str, status: int | None, kind: str, message: str,
                        failed_at: str) -> None:
        """Write one failure row as given (used by put_failure and by a cache import)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO failures (key, method, url, status, kind, message, failed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, method.upper(), normalise_url(url), status, kind, message, failed_at),
            )
            self._db.commit()

    def get_failure(self, key: str) -> tuple[str, int | None, str, str] | None:
        """(kind, status, message, failed_at) of a recorded failure, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT kind, status, message, failed_at FROM failures WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def failures(self) -> list[tuple[str, str]]:
        """(url, message) of every recorded failure, by URL."""
        with self._lock:
            return [(r[0], r[1]) for r in self._db.execute("SELECT url, message FROM failures ORDER BY url")]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def urls(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT url FROM responses ORDER BY url")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


# ----------------------------------------------------------------------------- adapter

_TRANSIENT_EXC = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_RETRY_STATUS = {429, 500, 502, 503, 504}
#: Answers that do not change on a retry: cached like successes so a replay meets them again
#: (404 gone, 410 removed, 400 a query the service refuses, e.g. arXiv's validated id_list).
_DEFINITIVE = {400, 404, 410}


def _definitive_error(method, url, status: int, body: bytes | None, cached: bool = False) -> HttpError:
    tag = " (cached)" if cached else ""
    if status in (404, 410):
        return NotFound(f"{status} Not Found{tag}: {method} {url}", url=url, status=status)
    return HttpStatusError(f"HTTP {status}{tag} from {method} {url}{_snippet(body)}", url=url, status=status)


@dataclass
class AdapterStats:
    """Counters a build can report (and tests assert on)."""

    hits: int = 0
    fetched: int = 0
    stored: int = 0
    retries: int = 0
    network_attempts: int = 0
    slept: float = 0.0
    failed: int = 0  # calls that failed after their retries (recorded in the cache)
    per_host: dict[str, int] = field(default_factory=dict)


class _Transient(Exception):
    """A failed attempt worth retrying; ``error`` is raised if retries run out."""

    def __init__(self, error: HttpError, retry_after: float = 0.0, challenge: bool = False, max_attempts: int | None = None):
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.challenge = challenge
        self.max_attempts = max_attempts  # a tighter cap for failures unlikely to clear up


#: Tries when the host name does not resolve or the connection is refused: a machine without
#: network should hear so in seconds, not after minutes of backoff.
NO_NETWORK_ATTEMPTS = 2
_NO_NETWORK_HINTS = (
    "NameResolutionError",
    "Failed to resolve",
    "Name or service not known",
    "Temporary failure in name resolution",
    "nodename nor servname",
    "getaddrinfo failed",
    "Connection refused",
    "Network is unreachable",
)


def _no_network(exc: BaseException) -> bool:
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.Timeout):
        return False
    text = repr(exc)
    return any(h in text for h in _NO_NETWORK_HINTS)


def _reset_time(body: bytes | None, now: datetime | None = None) -> float:
    """Seconds until OpenReview's ``details.resetTime`` (ISO date or epoch ms) in a 429 body."""
    try:
        data = json.loads(body or b"")
        reset = data.get("details", {}).get("resetTime") if isinstance(data, dict) else None
    except (ValueError, AttributeError):
        return 0.0
    if reset is None:
        return 0.0
    now = now or datetime.now(timezone.utc)
    try:
        if isinstance(reset, (int, float)):
            when = datetime.fromtimestamp(reset / 1000, tz=timezone.utc)
        else:
            when = datetime.fromisoformat(str(reset).replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return 0.0
    return max(0.0, (when - now).total_seconds())


_ATOM_ERROR = re.compile(r"api/errors#[^<]*</id>.*?<summary>([^<]+)</summary>")


def _snippet(body: bytes | None, limit: int = 160) -> str:
    """A one-line excerpt of an error body (the service's own message), or ""."""
    text = " ".join((body or b"")[:4000].decode("utf-8", "replace").split())
    if not text:
        return ""
    error = _ATOM_ERROR.search(text)  # arXiv's API explains a refusal in an Atom entry
    if error:
        return f": {error.group(1)[:limit]}"
    try:
        data = json.loads(text)
        if isinstance(data, dict) and (data.get("message") or data.get("error")):
            text = str(data.get("message") or data.get("error"))
    except ValueError:
        pass
    return f": {text[:limit]}"


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head[:200]


#: Failed calls in a row to one host (each after its retries, no answer from the host in
#: between) after which the host counts as down and a build stops (``CachingAdapter.down_after``).
DOWN_AFTER = 5
#: Attempts per call while the host's last call failed: an outage is confirmed in minutes, while
#: a single failing URL between good ones still gets its full retries.
DOWN_PROBE_ATTEMPTS = 3
#: Longest one attempt may take, connect to last byte (``call_timeout``): generous for a large
#: PDF on a slow link, finite for a server that trickles.
CALL_TIMEOUT = 300.0
_FAILURE_KINDS: dict[str, type[HttpError]] = {}  # filled below: recorded kind -> error class


# The Retry-After cap is shared with the model calls: one owner, scalar._util.retry_after.
_max_retry_after_from_env = max_retry_after


_WATCH = threading.local()


class _AttemptWatch:
    """Bounds one attempt as a whole: after ``seconds`` it shuts down the sockets the attempt
    uses (registered by the watched connections below), so a read blocked on a server that
    sends one byte now and then ends at once. ``expired`` tells the caller the answer, even one
    that looks complete (a body without Content-Length), was cut by the watch."""

    def __init__(self, seconds: float):
        self.seconds = max(0.05, seconds)
        self.expired = False
        self._socks: list[socket.socket] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scalar-http-watch", daemon=True)

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        self._socks.append(sock)
        if self.expired:
            self._shut()

    def __enter__(self) -> _AttemptWatch:
        _WATCH.current = self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        _WATCH.current = None

    def _shut(self) -> None:
        for sock in list(self._socks):
            with contextlib.suppress(OSError, ValueError):
                sock.shutdown(socket.SHUT_RDWR)

    def _run(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.expired = True
        self._shut()


def _watched(base: type) -> type:
    """``base`` (a urllib3 connection class) whose socket joins the current attempt's watch."""

    class Watched(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            super().connect()
            watch = getattr(_WATCH, "current", None)
            if watch is not None:
                watch.add(self.sock)

    Watched.__name__ = f"Watched{base.__name__}"
    return Watched


def _watched_pool(base: type) -> type:
    class Watched(base):  # type: ignore[misc, valid-type]
        ConnectionCls = _watched(base.ConnectionCls)

        def _get_conn(self, timeout=None):  # noqa: ANN001 - urllib3's signature
            conn = super()._get_conn(timeout)
            watch = getattr(_WATCH, "current", None)
            if watch is not None:  # a kept-alive connection is already connected
                watch.add(getattr(conn, "sock", None))
            return conn

    Watched.__name__ = f"Watched{base.__name__}"
    return Watched


_POOLS: dict[str, type] = {}


def _watch_pools(manager: object) -> None:
    if not _POOLS:
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        _POOLS.update(http=_watched_pool(HTTPConnectionPool), https=_watched_pool(HTTPSConnectionPool))
    manager.pool_classes_by_scheme = dict(_POOLS)  # type: ignore[attr-defined]


class CachingAdapter(HTTPAdapter):
    """The transport every SCALAR request goes through (see the module docstring).

    ``cache`` may be None (no caching; ``replay`` is then impossible). ``deadline`` bounds the
    total seconds one call may take including waits; ``call_timeout`` one attempt, connect to last
    byte; ``max_retry_after`` the longest Retry-After slept (None: ``SCALAR_MAX_RETRY_AFTER`` or
    120 s); ``max_attempts`` bounds tries on transient failures; ``challenge_attempts`` bounds
    tries when a challenge page comes back (an intermittent one is retried, a persistent one stops
    with :class:`Challenge`); ``down_after`` failed calls in a row to one host raise
    :class:`ServiceDown` (0: never).
    """

    def __init__(
        self,
        cache: HttpCache | None = None,
        mode: Mode = "record",
        *,
        limits: RateLimits | None = None,
        deadline: float = 900.0,
        max_attempts: int = 8,
        challenge_attempts: int = 3,
        backoff_initial: float = 2.0,
        backoff_max: float = 120.0,
        timeout: tuple[float, float] = (10.0, 60.0),
        call_timeout: float = CALL_TIMEOUT,
        max_retry_after: float | None = None,
        down_after: int = DOWN_AFTER,
        rng: random.Random | None = None,
        **kwargs: object,
    ):
        if mode not in MODES:
            raise NetworkError(f"unknown cache mode {mode!r}; use one of {', '.join(MODES)}")
        if mode == "replay" and cache is None:
            raise NetworkError("offline (replay) mode needs an HTTP cache")
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.cache = cache
        self.mode: Mode = mode
        self.limits = limits or shared_rate_limits()
        self.deadline = deadline
        self.max_attempts = max(1, max_attempts)
        self.challenge_attempts = max(1, challenge_attempts)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.default_timeout = timeout
        self.call_timeout = call_timeout
        self.max_retry_after = _max_retry_after_from_env() if max_retry_after is None else max(0.0, max_retry_after)
        self.down_after = max(0, down_after)
        self.rng = rng or random.Random(0x5CA1A)
        self.stats = AdapterStats()
        self._refreshed: set[str] = set()
        self._lock = threading.Lock()
        self.expire = mode == "record"  # honour HostPolicy.max_age (replay serves anything cached)
        self.replay_failures = mode == "replay"  # a miss with a recorded failure raises that failure
        self._failing: dict[str, int] = {}  # host -> failed calls in a row
        self._told: set[str] = set()  # hosts whose capped Retry-After was reported on stderr

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[override]
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # type: ignore[override]
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not hasattr(manager, "_scalar_watched"):
            with contextlib.suppress(AttributeError):
                _watch_pools(manager)
                manager._scalar_watched = True  # type: ignore[attr-defined]
        return manager

    @property
    def clock(self) -> Clock:
        return self.limits.clock

    def replay_view(self) -> CachingAdapter:
        """An adapter over the same cache in replay mode (a miss raises, nothing is fetched);
        entries this adapter would consider expired count as misses."""
        view = CachingAdapter(self.cache, "replay", limits=self.limits)
        view.stats = self.stats  # hits count towards this adapter's totals
        view.expire = self.expire
        view.replay_failures = False  # a failure recorded in record mode is asked again, not replayed
        return view

    # -- requests API ---------------------------------------------------------------------------

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        method = (request.method or "GET").upper()
        url = request.url or ""
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, (bytes, bytearray)):
            body = None  # a streamed upload: never cached
        path = urlsplit(url).path.lower()
        cacheable = (
            self.cache is not None
            and method in ("GET", "HEAD", "POST")
            and not any(p in path for p in _NO_CACHE_PATHS)
            and (body is not None or method != "POST" or request.body is None)
        )
        key = cache_key(method, url, body) if cacheable else ""

        stale: CachedResponse | None = None
        if cacheable and self.cache is not None:
            use_cache = self.mode != "refresh" or key in self._refreshed
            if use_cache:
                hit = self.cache.get(key)
                if hit is not None and self.expire and self._stale(url, hit):
                    stale, hit = hit, None  # too old for a mutable source: fetch again (replay never does)
                if hit is not None:
                    with self._lock:
                        self.stats.hits += 1
                    return self._from_cache(request, hit)
        if self.mode == "replay":
            if cacheable and self.replay_failures and self.cache is not None:
                failure = self.cache.get_failure(key)
                if failure is not None:
                    kind, status, message, failed_at = failure
                    cls = _FAILURE_KINDS.get(kind, Unavailable)
                    raise cls(f"{message} (recorded {failed_at}; offline replay)", url=url, status=status)
            raise CacheMiss(f"offline mode: {method} {url} is not in the HTTP cache", url=url)

        host = (urlsplit(url).hostname or "").lower()
        try:
            resp = self._fetch(request, method, url, timeout or self.default_timeout, verify, cert, proxies)
        except ServiceDown:
            raise
        except (Unavailable, RateLimited, Challenge, HttpStatusError) as e:
            if stale is not None:
                log.warning("serving a stale cached copy of %s: the service did not answer", url)
                with self._lock:
                    self.stats.hits += 1
                return self._from_cache(request, stale)
            self._failed(host, key if cacheable else "", method, url, e)
            raise
        with self._lock:
            self._failing.pop(host, None)  # the host answered
        if cacheable and self.cache is not None and (200 <= resp.status_code < 400 or resp.status_code in _DEFINITIVE):
            self.cache.put(key, method, url, resp.status_code, dict(resp.headers), resp.content or b"")
            with self._lock:
                self.stats.stored += 1
                if self.mode == "refresh":
                    self._refreshed.add(key)
        if resp.status_code in _DEFINITIVE:
            raise _definitive_error(method, url, resp.status_code, resp.content)
        return resp

    # -- internals ------------------------------------------------------------------------------

    def _failed(self, host: str, key: str, method: str, url: str, error: HttpError) -> None:
        """Record a call that failed after its retries; raise ServiceDown when it is the
        ``down_after``-th in a row for its host."""
        if key and self.cache is not None:
            self.cache.put_failure(key, method, url, error)
        with self._lock:
            self.stats.failed += 1
            n = self._failing[host] = self._failing.get(host, 0) + 1
        if self.down_after and n >= self.down_after:
            raise ServiceDown(
                f"{host} looks down: {n} requests in a row failed after retries (last: {error}); "
                "the HTTP cache is kept, run the same command again later",
                url=url,
                status=error.status,
            ) from None

    def _tell_once(self, host: str, message: str) -> None:
        with self._lock:
            if host in self._told:
                return
            self._told.add(host)
        print(f"scalar: {message}", file=sys.stderr, flush=True)

    def _stale(self, url: str, hit: CachedResponse) -> bool:
        policy = self.limits.policy(urlsplit(url).hostname or "")
        max_age = policy.max_age
        if policy.empty_max_age is not None and _EMPTY_FEED.search(hit.body[:4096]):
            max_age = policy.empty_max_age if max_age is None else min(max_age, policy.empty_max_age)
        if max_age is None:
            return False
        try:
            fetched = datetime.fromisoformat(hit.fetched_at)
        except ValueError:
            return False
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=timezone.utc)
        return (self._wallclock() - fetched).total_seconds() > max_age

    @staticmethod
    def _wallclock() -> datetime:
        return datetime.now(timezone.utc)

    def _from_cache(self, request, hit: CachedResponse) -> requests.Response:
        if hit.status in _DEFINITIVE:
            raise _definitive_error(request.method, request.url, hit.status, hit.body, cached=True)
        resp = requests.Response()
        resp.status_code = hit.status
        resp.headers = CaseInsensitiveDict(hit.headers)
        resp._content = hit.body
        resp._content_consumed = True
        resp.url = request.url
        resp.request = request
        resp.reason = "OK (cached)" if hit.status < 300 else "Redirect (cached)"
        resp.encoding = get_encoding_from_headers(resp.headers)
        resp.from_cache = True  # type: ignore[attr-defined]
        resp.connection = self
        return resp

    def _fetch(self, request, method, url, timeout, verify, cert, proxies) -> requests.Response:
        host = (urlsplit(url).hostname or "").lower()
        policy = self.limits.policy(host)
        limiter = self.limits.limiter(host)
        start = self.clock.now()
        attempts = 0
        challenges = 0
        with self._lock:
            probing = self._failing.get(host, 0) > 0
        max_attempts = min(self.max_attempts, DOWN_PROBE_ATTEMPTS) if probing else self.max_attempts
        while True:
            attempts += 1
            try:
                with limiter:
                    with self._lock:
                        self.stats.network_attempts += 1
                        self.stats.per_host[host] = self.stats.per_host.get(host, 0) + 1
                    budget = min(self.call_timeout, max(1.0, self.deadline - (self.clock.now() - start)))
                    resp = self._attempt(request, timeout, verify, cert, proxies, budget)
                self._check(resp, method, url, policy, request)
                with self._lock:
                    self.stats.fetched += 1
                return resp
            except _Transient as t:
                # An intermittent challenge is retried; `challenge_attempts` in a row means the
                # service really wants a login (other failures in between reset the count).
                challenges = challenges + 1 if t.challenge else 0
                if challenges >= self.challenge_attempts:
                    raise t.error from None
                if attempts >= min(max_attempts, t.max_attempts or max_attempts):
                    raise t.error from None
                if t.retry_after > self.max_retry_after:
                    self._tell_once(host, (
                        f"{host} asks to wait {t.retry_after:.0f} s (Retry-After); SCALAR waits at most "
                        f"{self.max_retry_after:.0f} s (SCALAR_MAX_RETRY_AFTER), so such calls are recorded "
                        "as failed and asked again on the next run"))
                    cls = RateLimited if isinstance(t.error, RateLimited) else type(t.error)
                    raise cls(
                        f"{host} asks to wait {t.retry_after:.0f} s (Retry-After), more than the "
                        f"{self.max_retry_after:.0f} s cap: {method} {url}",
                        url=url,
                        status=t.error.status,
                    ) from None
                wait = self._backoff(attempts)
                if t.retry_after > wait:
                    wait = t.retry_after
                elapsed = self.clock.now() - start
                if elapsed + wait > self.deadline:
                    if t.retry_after > 0 and isinstance(t.error, RateLimited):
                        raise RateLimited(
                            f"{host} asks to wait {t.retry_after:.0f} s (Retry-After), beyond the "
                            f"{self.deadline:.0f} s deadline: {method} {url}",
                            url=url,
                            status=429,
                        ) from None
                    raise t.error from None
                with self._lock:
                    self.stats.retries += 1
                    self.stats.slept += wait
                self.clock.sleep(wait)

    def _attempt(self, request, timeout, verify, cert, proxies, budget: float) -> requests.Response:
        url = request.url
        with _AttemptWatch(budget) as watch:
            try:
                resp = super().send(request, stream=False, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
                _ = resp.content  # read the whole body now (a cut connection surfaces here)
            except _TRANSIENT_EXC as e:
                if watch.expired:
                    raise _Transient(self._overran(request, budget)) from None
                if _no_network(e):
                    host = urlsplit(url).hostname
                    raise _Transient(
                        ServiceDown(
                            f"cannot reach {host} (no network or DNS); build --offline from a cache, or retry later: {url}",
                            url=url,
                        ),
                        max_attempts=NO_NETWORK_ATTEMPTS,
                    ) from None
                kind = type(e).__name__
                raise _Transient(Unavailable(f"{kind} after retries: {request.method} {url}", url=url)) from None
        if watch.expired:  # the watch cut a body that had no length to check it against
            raise _Transient(self._overran(request, budget))
        return resp

    @staticmethod
    def _overran(request, budget: float) -> Unavailable:
        return Unavailable(
            f"no complete answer within {budget:.3g} s (call timeout) after retries: {request.method} {request.url}",
            url=request.url,
        )

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff_initial * (2 ** (attempt - 1)))
        return base + self.rng.uniform(0, base / 2)

    def _check(self, resp: requests.Response, method: str, url: str, policy: HostPolicy, request) -> None:
        """Classify a response: return (success, redirect, 404) or raise _Transient / a typed error."""
        status = resp.status_code
        hint = f" — {policy.challenge_hint}" if policy.challenge_hint else ""
        if status == 429:
            ra = parse_retry_after(resp.headers.get("Retry-After")) or _reset_time(resp.content)
            raise _Transient(RateLimited(f"429 Too Many Requests after retries: {method} {url}", url=url, status=429), ra)
        if status in _RETRY_STATUS:
            ra = parse_retry_after(resp.headers.get("Retry-After"))
            raise _Transient(Unavailable(f"HTTP {status} after retries: {method} {url}", url=url, status=status), ra)
        if status == 403:
            raise _Transient(
                Challenge(f"403 Forbidden (access challenge) from {urlsplit(url).hostname}{hint}: {url}", url=url, status=403),
                challenge=True,
            )
        if status in _DEFINITIVE or 300 <= status < 400:
            return
        if not 200 <= status < 300:
            raise HttpStatusError(
                f"HTTP {status} from {method} {url}{_snippet(resp.content)}", url=url, status=status
            )
        if method == "HEAD":
            return
        self._check_body(resp, url, policy, request)

    def _check_body(self, resp: requests.Response, url: str, policy: HostPolicy, request) -> None:
        body = resp.content or b""
        ctype = (resp.headers.get("Content-Type") or "").lower()
        accept = (request.headers.get("Accept") or "").lower()
        expected = policy.expected(urlsplit(url).path)
        wants_json = expected == "json" or accept.startswith("application/json")
        if wants_json or expected == "xml":
            if "html" in ctype or _looks_like_html(body):
                raise _Transient(
                    Challenge(
                        f"an HTML page came back where {'JSON' if wants_json else 'XML'} was expected from {urlsplit(url).hostname}{' — ' + policy.challenge_hint if policy.challenge_hint else ''}: {url}",
                        url=url,
                        status=resp.status_code,
                    ),
                    challenge=True,
                )
        if wants_json or "json" in ctype:
            try:
                json.loads(body)
            except ValueError:
                raise _Transient(Unavailable(f"truncated or invalid JSON after retries: {url}", url=url)) from None
        elif "xml" in ctype or expected == "xml":
            from lxml import etree

            try:
                etree.fromstring(body)
            except etree.XMLSyntaxError:
                raise _Transient(Unavailable(f"truncated or invalid XML after retries: {url}", url=url)) from None
        elif "html" in ctype and policy.name == "arxiv":
            # LaTeXML pages always close </html>; a page without it was cut short.
            if b"</html>" not in body[-4096:].lower():
                raise _Transient(Unavailable(f"truncated HTML page after retries: {url}", url=url)) from None
        elif "pdf" in ctype:
            if not body.startswith(b"%PDF") or b"%%EOF" not in body[-2048:]:
                raise _Transient(Unavailable(f"truncated PDF after retries: {url}", url=url)) from None


_FAILURE_KINDS.update({c.__name__: c for c in (Unavailable, RateLimited, Challenge, HttpStatusError)})


# ----------------------------------------------------------------------------- sessions


def adapter_of(session: requests.Session) -> CachingAdapter:
    """The CachingAdapter mounted on ``session`` (raises if it was not made by make_session)."""
    adapter = session.get_adapter("https://")
    if not isinstance(adapter, CachingAdapter):
        raise NetworkError("this session has no SCALAR CachingAdapter; create it with make_session()")
    return adapter


def mount(session: requests.Session, adapter: CachingAdapter) -> requests.Session:
    """Replace every adapter of a (third-party) session with ours, for http:// and https://."""
    session.adapters.clear()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def make_session(
    cache_path: str | Path | None,
    mode: Mode = "record",
    *,
    limits: RateLimits | None = None,
    clock: Clock | None = None,
    **adapter_options: object,
) -> requests.Session:
    """A ``requests.Session`` whose every request goes through a :class:`CachingAdapter`.

    ``cache_path``: the SQLite file (None: no cache). ``mode``: record | replay | refresh.
    ``limits``/``clock``: rate limiters (default: the process-wide ones) or a clock for new ones.
    Other keyword arguments go to :class:`CachingAdapter` (deadline, max_attempts, ...).
    """
    from scalar import __version__

    if limits is None:
        limits = RateLimits(clock=clock) if clock is not None else shared_rate_limits()
    if mode == "replay" and cache_path is not None and not Path(cache_path).is_file():
        raise CacheMiss(f"offline mode needs an existing HTTP cache, and {cache_path} does not exist")
    cache = HttpCache(cache_path) if cache_path is not None else None
    adapter = CachingAdapter(cache, mode, limits=limits, **adapter_options)  # type: ignore[arg-type]
    session = requests.Session()
    mount(session, adapter)
    # Polite pools (and arXiv's block reports) key on a contact address when one is given.
    contact = os.environ.get("SCALAR_CONTACT", "").strip()
    session.headers["User-Agent"] = USER_AGENT.format(version=__version__, contact=f"; mailto:{contact}" if contact else "")
    return session
