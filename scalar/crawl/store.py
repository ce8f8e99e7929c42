"""Parsed papers on disk during a build, so crawl memory stays flat in the number of papers.

The crawl parses every citing paper and every cited work it can use; holding them all until
generation took gigabytes on a full venue. :class:`PaperStore` writes each parsed
:class:`~scalar.schema.Paper` to one SQLite file (zlib-compressed JSON, keyed by role, arXiv id and
version) as soon as it is parsed, and :class:`StoredCitingPapers` hands them back one citing paper
at a time: a ``Sequence[CitingPaper]`` whose items are loaded on access and not kept. The store
lives in a temporary folder for one build (parsed text depends on the parser's version, so it is
not reused across builds; the HTTP cache is what makes a rerun cheap).
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import overload

from scalar.schema import CitingPaper, Paper


class PaperStore:
    """Parsed papers in one SQLite file (``path``; None: a private temporary folder, removed by
    :meth:`close`). ``put`` returns the key to ``get`` the paper back with."""

    def __init__(self, path: str | Path | None = None, *, dir: str | Path | None = None):
        self._tmp: tempfile.TemporaryDirectory | None = None
        if path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="scalar-papers-", dir=dir)
            path = Path(self._tmp.name) / "papers.sqlite"
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # a scratch file: rebuilt by the next build anyway
        self._db.execute("CREATE TABLE IF NOT EXISTS papers (key TEXT PRIMARY KEY, body BLOB NOT NULL)")
        self._db.commit()

    @staticmethod
    def key(role: str, paper: Paper) -> str:
        return f"{role}:{paper.arxiv_id or paper.title}{paper.version or ''}:{paper.source or ''}"

    def put(self, role: str, paper: Paper) -> str:
        key = self.key(role, paper)
        body = zlib.compress(paper.model_dump_json().encode("utf-8"), 3)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO papers (key, body) VALUES (?, ?)", (key, body))
            self._db.commit()
        return key

    def get(self, key: str) -> Paper:
        with self._lock:
            row = self._db.execute("SELECT body FROM papers WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return Paper.model_validate_json(zlib.decompress(row[0]))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM papers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> PaperStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryPaperStore:
    """The same interface holding the Paper objects themselves: how the crawl kept papers before
    (every parsed paper alive until generation). For comparisons (benchmarks) and small runs."""

    def __init__(self) -> None:
        self._papers: dict[str, Paper] = {}

    def put(self, role: str, paper: Paper) -> str:
        key = PaperStore.key(role, paper)
        self._papers[key] = paper
        return key

    def get(self, key: str) -> Paper:
        return self._papers[key]

    def __len__(self) -> int:
        return len(self._papers)

    def close(self) -> None:
        self._papers.clear()


@dataclass(frozen=True)
class StoredCiting:
    """A citing paper by reference: its store key and those of its cited works."""

    paper: str
    cited: dict[str, str] = field(default_factory=dict)  # reference key -> store key
    first_public_date: date | None = None
    venue: str | None = None


class StoredCitingPapers(Sequence[CitingPaper]):
    """The crawl's citing papers, loaded from the store on access (nothing is cached here: a
    consumer that keeps what it is given decides its own memory)."""

    def __init__(self, store: PaperStore | MemoryPaperStore, entries: list[StoredCiting]):
        self.store = store
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def _load(self, e: StoredCiting) -> CitingPaper:
        return CitingPaper(paper=self.store.get(e.paper), cited={k: self.store.get(v) for k, v in e.cited.items()},
                           first_public_date=e.first_public_date, venue=e.venue)

    @overload
    def __getitem__(self, i: int) -> CitingPaper: ...

    @overload
    def __getitem__(self, i: slice) -> list[CitingPaper]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._load(e) for e in self.entries[i]]
        return self._load(self.entries[i])

    def __iter__(self) -> Iterator[CitingPaper]:
        for e in self.entries:
            yield self._load(e)
