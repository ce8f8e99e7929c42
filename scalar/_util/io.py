"""Files are written atomically (temp file + rename) or appended line by line: nothing half-written."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    atomic_write_chunks(path, (data,))


def atomic_write_chunks(path: str | os.PathLike, chunks: Iterable[bytes]) -> None:
    """``atomic_write_bytes`` for content produced piece by piece (never held whole in memory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; released files are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj) -> None:
    if isinstance(obj, BaseModel):
        text = obj.model_dump_json(indent=2)
    else:
        text = json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    atomic_write_text(path, text + "\n")


def jsonl_line(obj) -> str:
    """One compact, deterministic JSON line for a record or a plain object."""
    if isinstance(obj, BaseModel):
        return obj.model_dump_json() + "\n"
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"


def write_jsonl_atomic(path: str | os.PathLike, records: Iterable) -> None:
    atomic_write_text(path, "".join(jsonl_line(r) for r in records))


class JsonlAppender:
    """Appends one line per record and flushes it, so a killed process loses at most the line
    being written (scalar.run_folder owns the rule for such a torn last line)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "a", encoding="utf-8")

    def write(self, obj) -> None:
        self._f.write(jsonl_line(obj))
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_jsonl(path: str | os.PathLike) -> Iterator[dict]:
    """Yield one dict per non-blank line; an invalid line raises ValueError with its number.
    (Predictions, whose last line may be torn, are read by scalar.run_folder.)"""
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {i} is not valid JSON ({e.msg})") from None
