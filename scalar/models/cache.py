"""SQLite response cache behind ``CachedBackend``: a rerun after a crash, or with a template that
leaves some prompts unchanged, costs nothing for those prompts.

The key is a SHA-256 over the backend's identity (model name, api base, generation parameters),
the scoring mode and the full prompt; so one cache file can never serve one model's answer to
another (the lm-evaluation-harness bug #4063). Errors, empty answers and answers to prompts the
backend had to cut itself (the cache keeps no cut count) are never stored; a stored text has its
secrets masked (scalar._util.redact), like every file of a run folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scalar._util.redact import redact_text
from scalar.errors import ConfigError
from scalar.models.base import Backend, Completion
from scalar.models.wrapper import WrappedBackend

__all__ = ["CachedBackend", "CachedResponse", "ResponseCache", "cache_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  text TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  finish_reason TEXT,
  created TEXT NOT NULL DEFAULT (datetime('now'))
)"""


def cache_key(identity: dict, mode: str, prompt: str, extra: object = None) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"identity": identity, "mode": mode, "extra": extra}, sort_keys=True, default=str).encode())
    h.update(b"\x00")
    h.update(prompt.encode("utf-8"))
    return h.hexdigest()


@dataclass
class CachedResponse:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    finish_reason: str | None = None


_COLUMNS = {"key", "model", "text", "prompt_tokens", "completion_tokens", "cost_usd", "finish_reason", "created"}


class ResponseCache:
    """A corrupt, truncated or foreign file is a ConfigError saying how to recover; a write that
    fails mid-run (disk full) turns the cache off for the rest of the run, with one warning:
    the answer itself still goes to predictions.jsonl."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.hits = 0
        self.misses = 0
        self._writable = True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(f"cannot open the response cache {self.path}: {e}; use --no-cache "
                              "or another --cache file") from None
        try:
            self._db.execute("PRAGMA busy_timeout=10000")  # several runs may share one --cache file
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a cache: durable enough, no fsync per answer
            self._db.execute(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
            if columns == _COLUMNS - {"finish_reason"}:  # written before finish reasons were kept
                self._db.execute("ALTER TABLE responses ADD COLUMN finish_reason TEXT")
                columns.add("finish_reason")
            if columns != _COLUMNS:
                raise sqlite3.DatabaseError("its responses table is not SCALAR's")
            self._db.execute("SELECT key FROM responses LIMIT 1").fetchall()
        except sqlite3.Error as e:
            self._db.close()
            raise ConfigError(f"{self.path} is not a usable SCALAR response cache ({e}): delete it (it only "
                              "saves repeat calls) or run with --no-cache") from None

    def get(self, key: str) -> CachedResponse | None:
        try:
            row = self._db.execute("SELECT text, prompt_tokens, completion_tokens, cost_usd, finish_reason FROM responses "
                                   "WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as e:  # damaged after opening: a miss, not a lost run
            self._off(e)
            row = None
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return CachedResponse(*row)

    def put(self, key: str, model: str, response: CachedResponse) -> None:
        if not response.text.strip() or not self._writable:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, model, text, prompt_tokens, completion_tokens, cost_usd, "
                "finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, model, redact_text(response.text), response.prompt_tokens, response.completion_tokens,
                 response.cost_usd, response.finish_reason))
        except sqlite3.Error as e:
            self._off(e)

    def _off(self, e: sqlite3.Error) -> None:
        if self._writable:
            self._writable = False
            print(f"scalar: warning: response cache {self.path}: {e}; not caching for the rest of this run",
                  file=sys.stderr)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class CachedBackend(WrappedBackend):
    """``inner`` with its answers kept in ``cache``: an unchanged call (same identity, mode,
    prompt and parameters) is served from the cache, marked ``cached`` and free. The SQLite
    connection lives on one thread of its own, so lookups never block the event loop."""

    def __init__(self, inner: Backend, cache: ResponseCache):
        super().__init__(inner)
        self.cache = cache
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scalar-cache")

    @property
    def hits(self) -> int:
        return self.cache.hits

    async def _on_io(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    def _lookup(self, mode: str, prompt: str, extra: object) -> tuple[str, CachedResponse | None]:
        key = cache_key(self.inner.cache_identity(), mode, prompt, extra)  # hashed off the event loop
        return key, self.cache.get(key)

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        key, hit = await self._on_io(self._lookup, "generate", prompt, {"max_tokens": max_tokens})
        if hit is not None:
            return Completion(text=hit.text, prompt_tokens=hit.prompt_tokens,
                              completion_tokens=hit.completion_tokens, cached=True, finish_reason=hit.finish_reason)
        c = await self.inner.generate(prompt, max_tokens=max_tokens)
        if not c.truncated_tokens:
            await self._on_io(self.cache.put, key, self.inner.name,
                              CachedResponse(c.text, c.prompt_tokens, c.completion_tokens, round(c.cost_usd, 10),
                                             c.finish_reason))
        return c

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        key, hit = await self._on_io(self._lookup, "logprob", prefix, options)
        if hit is not None:
            return Completion(scores=[float(s) for s in json.loads(hit.text)], prompt_tokens=hit.prompt_tokens,
                              completion_tokens=hit.completion_tokens, cached=True)
        c = await self.inner.score_options(prefix, options)
        if not c.truncated_tokens and c.scores is not None:
            await self._on_io(self.cache.put, key, self.inner.name,
                              CachedResponse(json.dumps([float(s) for s in c.scores]), c.prompt_tokens,
                                             c.completion_tokens, round(c.cost_usd, 10)))
        return c

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            self._io.submit(self.cache.close).result()
            self._io.shutdown(wait=True)
