"""The run folder of ``scalar eval``: the only module that knows its layout.

::

    RUN/
      run.json           RunSpec: what determines the answers (model, release, template, scoring,
                         max_tokens, seed, model args); one run folder holds one spec only. Its
                         ``selection`` (which questions) is recorded, not locked: the latest wins
      predictions.jsonl  one Prediction per line, appended and fsynced as answers arrive; a
                         question answered twice (a retried error) keeps its last line
      summary.json       RunSummary, rewritten atomically at the end of every run; embeds the RunSpec
      cache.sqlite       response cache (default location; ``--cache`` may move it)
      run.lock           held (flock) by the one ``scalar eval`` writing here; the kernel drops it
                         when that process ends, however it ends, so a stale file never blocks

Secrets: every record is passed through ``scalar._util.redact`` on its way to disk (prediction
texts, run.json's model args, the whole summary), so no writer can forget it.

Storage: a failed write (disk full, read-only, no permission) is a StorageError naming the file;
lines already written stay, and a write cut short is a torn tail (below).

Torn-tail rule: a killed process (or a full disk) can leave a last line without its newline, even
one cut inside a multi-byte UTF-8 character. Such a line is not a record: readers ignore it, and
``cut_torn_tail`` removes it before anything is appended. Bytes are cut first and every complete
line is then decoded on its own, so a torn character never makes a whole file unreadable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from scalar._util.io import JsonlAppender, atomic_write_json
from scalar._util.redact import redact, redact_text
from scalar.errors import ConfigError, InputError, StorageError
from scalar.schema import Prediction, RunSpec, RunSummary

__all__ = ["CACHE", "LOCK", "PREDICTIONS", "RUN_SPEC", "SUMMARY", "PredictionWriter", "RunFolder", "RunLock",
           "RunSpec", "cut_torn_tail", "iter_predictions", "latest_predictions", "redact_prediction"]

PREDICTIONS = "predictions.jsonl"
SUMMARY = "summary.json"
RUN_SPEC = "run.json"
CACHE = "cache.sqlite"
LOCK = "run.lock"


def iter_predictions(path: Path) -> Iterator[tuple[int, Prediction]]:
    """(line number, Prediction) per complete line of ``path``; a torn last line is skipped and
    any other bad line is an InputError naming the file and line."""
    with open(path, "rb") as f:
        for i, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                return  # torn tail: a record is only whole with its newline
            if not raw.strip():
                continue
            try:
                yield i, Prediction.model_validate_json(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise InputError(f"{path}: line {i} is not valid UTF-8") from None
            except ValidationError as e:
                raise InputError(f"{path}: line {i} is not a valid prediction: {_first(e)}") from None


def latest_predictions(path: Path, *, keep_response: bool = True) -> dict[str, Prediction]:
    """The last prediction per question id (later lines supersede earlier ones); empty when the
    file does not exist. ``keep_response=False`` drops response texts to keep memory small."""
    out: dict[str, Prediction] = {}
    if not path.is_file():
        return out
    for _, p in iter_predictions(path):
        out[p.id] = p if keep_response else p.model_copy(update={"response": None})
    return out


def cut_torn_tail(path: Path) -> None:
    """Cut ``path`` back to its last complete line, so that an append cannot glue a new record to
    a torn one. Works on bytes: a tail cut inside a UTF-8 character goes too."""
    if not path.is_file():
        return
    with open(path, "rb+") as f:
        size = f.seek(0, 2)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        pos = size
        while pos > 0:  # scan back in blocks for the last newline
            step = min(65536, pos)
            f.seek(pos - step)
            i = f.read(step).rfind(b"\n")
            if i >= 0:
                f.truncate(pos - step + i + 1)
                return
            pos -= step
        f.truncate(0)


class RunFolder:
    """Paths and readers/writers of one run folder."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def predictions(self) -> Path:
        return self.path / PREDICTIONS

    @property
    def summary(self) -> Path:
        return self.path / SUMMARY

    @property
    def spec(self) -> Path:
        return self.path / RUN_SPEC

    @property
    def cache(self) -> Path:
        return self.path / CACHE

    # ------------------------------------------------------------------ spec
    def read_spec(self) -> RunSpec | None:
        if not self.spec.is_file():
            return None
        try:
            return RunSpec.model_validate(json.loads(self.spec.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError):
            raise InputError(f"{self.spec} is damaged; use a new --out folder") from None

    def check_spec(self, spec: RunSpec) -> None:
        """Refuse a folder that holds another spec's run, or predictions without a run.json
        (reads only: called before anything is written)."""
        spec = redact_spec(spec)
        old = self.read_spec()
        if old is not None:
            a, b = old.lock_key(), spec.lock_key()
            diff = [k for k in a if a[k] != b.get(k)]
            if diff:
                k = diff[0]
                raise ConfigError(f"{self.path} holds a run with {k}={a[k]!r}, not {b[k]!r}; "
                                  "use a new --out folder (or the original settings to resume)")
        elif self.predictions.is_file():
            raise ConfigError(f"{self.path} has predictions but no {RUN_SPEC}; use a new --out folder")

    def claim(self, spec: RunSpec) -> None:
        """Bind the folder to ``spec`` (first run) or check it holds the same one (a resume).
        Called once the run starts, so a settings error leaves no run.json behind."""
        self.check_spec(spec)
        old = self.read_spec()
        if old is None or old.selection != spec.selection:  # a resume with another selection records the latest
            with _storage(self.spec):
                atomic_write_json(self.spec, redact_spec(spec).model_dump(mode="json"))

    # ------------------------------------------------------------------ folder
    def check_out(self) -> None:
        """``--out`` must be a folder (or not exist yet)."""
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"--out {self.path} is a file, not a run folder")

    def lock(self) -> RunLock:
        """Take the folder for this process: a second ``scalar eval`` on it gets an InputError
        naming the holder. flock(2) dies with its process, so a killed run never leaves it held."""
        import fcntl

        self.check_out()
        path = self.path / LOCK
        with _storage(self.path):
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise InputError(f"{self.path} is in use by another scalar eval"
                             + (f" (pid {holder})" if holder.isdigit() else "")
                             + "; wait for it to finish or use another --out") from None
        except OSError as e:  # a file system without locks (some network mounts)
            os.close(fd)
            raise StorageError(f"cannot lock {path}: {e.strerror or e}; use a local --out folder") from None
        try:  # who holds it, for the message above (best effort: a full disk must not stop the run)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass
        return RunLock(fd)

    # ------------------------------------------------------------------ predictions
    def latest_predictions(self, *, keep_response: bool = True) -> dict[str, Prediction]:
        return latest_predictions(self.predictions, keep_response=keep_response)

    def spent_usd(self) -> float:
        """USD spent by every run in this folder: the cost of every recorded line, superseded ones
        too (``--max-cost`` is a budget per run folder, not per invocation)."""
        if not self.predictions.is_file():
            return 0.0
        return sum(p.cost_usd for _, p in iter_predictions(self.predictions))

    def appender(self) -> PredictionWriter:
        """Cut a torn tail, then open predictions.jsonl for appending."""
        return PredictionWriter(self.predictions)

    # ------------------------------------------------------------------ summary
    def write_summary(self, summary: RunSummary) -> RunSummary:
        """Write ``summary`` with its secrets masked; returns what was written."""
        clean = RunSummary.model_validate(redact(summary.model_dump(mode="json")))
        with _storage(self.summary):
            atomic_write_json(self.summary, clean)
        return clean

    def read_summary(self) -> RunSummary:
        try:
            data = self.summary.read_bytes()
        except OSError as e:
            raise InputError(f"cannot read {self.summary}: {e.strerror}") from None
        try:
            json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InputError(f"{self.summary} is not valid JSON: {getattr(e, 'msg', e)}") from None
        try:
            return RunSummary.model_validate_json(data)
        except ValidationError as e:
            raise InputError(f"{self.summary} is not a valid run summary: {_first(e)}") from None


class RunLock:
    """A held run folder; ``release()`` (or the process ending) lets the next run in."""

    def __init__(self, fd: int):
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class PredictionWriter:
    """Appends predictions, redacted, one fsynced line each; a failed write is a StorageError."""

    def __init__(self, path: Path):
        self.path = path
        with _storage(path):
            cut_torn_tail(path)
            self._out = JsonlAppender(path)

    def write(self, p: Prediction) -> None:
        with _storage(self.path):
            self._out.write(redact_prediction(p))

    def close(self) -> None:
        try:
            self._out.close()
        except OSError:
            pass  # every line was flushed when written; a failed last one is a torn tail

    def __enter__(self) -> PredictionWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def redact_prediction(p: Prediction) -> Prediction:
    """``p`` with secrets masked in its texts (a server may echo a key in an error body)."""
    update = {}
    for name in ("error", "response"):
        text = getattr(p, name)
        if text and redact_text(text) != text:
            update[name] = redact_text(text)
    return p.model_copy(update=update) if update else p


def redact_spec(spec: RunSpec) -> RunSpec:
    return spec.model_copy(update={"model_args": redact(spec.model_args)})


class _storage:
    """Turns an OSError while writing ``path`` into one StorageError line."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, e, tb) -> bool:
        if isinstance(e, OSError):
            raise StorageError(f"cannot write {self.path}: {e.strerror or e}; what was already recorded "
                               "is kept (free space or fix permissions, then re-run the same command)") from None
        return False


def _first(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    return f"{loc}: {err.get('msg')}" if loc else str(err.get("msg"))
