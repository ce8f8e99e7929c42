"""Questions (and citing papers) waiting on disk until a release is written, handed back in
``question_sort_key`` order (papers: in label order).

Generation renders questions one citing paper at a time, but ``questions.jsonl`` is sorted by
difficulty, task, budget, paper and id across all papers. Holding every rendered question (each
with its candidates' full texts) until the sort took gigabytes on a full venue; the spool keeps
each one as a compressed row of a scratch SQLite file, indexed by its sort key, so the sorted
stream is read back from the index one question at a time. Rows with equal keys come back in the
order they were added (what a stable in-memory sort gives). The citing papers of ``papers/`` wait
in the same file, so they need not be read from their source a second time.
"""

from __future__ import annotations

import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from scalar.generate.questions import question_sort_key
from scalar.schema import Paper, Question

_COLUMNS = 5  # question_sort_key: (difficulty, task, budget, paper, id)


class QuestionSpool:
    """A scratch file of questions in a private temporary folder under ``dir`` (removed by ``close``)."""

    def __init__(self, dir: str | Path | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="scalar-questions-", dir=dir)
        self._db = sqlite3.connect(str(Path(self._tmp.name) / "questions.sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")  # a scratch file: nothing to recover after a crash
        self._db.execute("PRAGMA synchronous=OFF")
        keys = ", ".join(f"k{i}" for i in range(_COLUMNS))
        self._db.execute(f"CREATE TABLE q (seq INTEGER PRIMARY KEY, {keys}, body BLOB NOT NULL)")
        # rows enter the index sorted: reading in key order needs no sort (and no sorter's temp files)
        self._db.execute(f"CREATE INDEX q_key ON q ({keys}, seq)")
        self._db.execute("CREATE TABLE p (label TEXT PRIMARY KEY, name TEXT NOT NULL, body BLOB NOT NULL)")
        self._n = 0

    def add(self, q: Question) -> None:
        key = question_sort_key(q)
        if len(key) != _COLUMNS:  # the sort key changed shape: the table must follow
            raise RuntimeError(f"question_sort_key has {len(key)} parts, the spool stores {_COLUMNS}")
        body = zlib.compress(q.model_dump_json().encode("utf-8"), 1)
        self._db.execute(f"INSERT INTO q VALUES (?, {', '.join('?' * _COLUMNS)}, ?)", (self._n, *key, body))
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def sorted(self) -> Iterator[Question]:
        """Every question added, in ``question_sort_key`` order (then the order added)."""
        self._db.commit()
        keys = ", ".join(f"k{i}" for i in range(_COLUMNS))
        # a cursor of its own: the rows stream from the index, never fetched all at once
        for (body,) in self._db.execute(f"SELECT body FROM q ORDER BY {keys}, seq"):
            yield Question.model_validate_json(zlib.decompress(body))

    def add_paper(self, label: str, name: str, paper: Paper) -> None:
        """The paper stored as ``papers/<name>.json``, handed back in ``label`` order (labels differ)."""
        body = zlib.compress(paper.model_dump_json().encode("utf-8"), 1)
        self._db.execute("INSERT INTO p VALUES (?, ?, ?)", (label, name, body))

    def papers(self) -> Iterator[tuple[str, Paper]]:
        """(name, paper) for every paper added, in label order."""
        self._db.commit()
        for name, body in self._db.execute("SELECT name, body FROM p ORDER BY label"):
            yield name, Paper.model_validate_json(zlib.decompress(body))

    def close(self) -> None:
        self._db.close()
        self._tmp.cleanup()

    def __enter__(self) -> QuestionSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
