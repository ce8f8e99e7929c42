"""SQLite response cache: a rerun after a crash, or with a template that leaves some prompts
unchanged, costs nothing for those prompts.

The key is a SHA-256 over the backend's identity (model name, api base, generation parameters),
the scoring mode and the full prompt; so one cache file can never serve one model's answer to
another (the lm-evaluation-harness bug #4063). Errors and empty answers are never stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  text TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
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


class ResponseCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a cache: durable enough, no fsync per answer
        self._db.execute("PRAGMA busy_timeout=10000")  # several runs may share one --cache file
        self._db.execute(_SCHEMA)
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedResponse | None:
        row = self._db.execute(
            "SELECT text, prompt_tokens, completion_tokens, cost_usd FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return CachedResponse(*row)

    def put(self, key: str, model: str, response: CachedResponse) -> None:
        if not response.text.strip():
            return
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, model, text, prompt_tokens, completion_tokens, cost_usd) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, model, response.text, response.prompt_tokens, response.completion_tokens, response.cost_usd))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()
