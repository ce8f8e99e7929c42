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

Torn-tail rule: a killed process (or a full disk) can leave a last line without its newline, even
one cut inside a multi-byte UTF-8 character. Such a line is not a record: readers ignore it, and
``cut_torn_tail`` removes it before anything is appended. Bytes are cut first and every complete
line is then decoded on its own, so a torn character never makes a whole file unreadable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from scalar._util.io import JsonlAppender, atomic_write_json
from scalar.errors import ConfigError, InputError
from scalar.schema import Prediction, RunSpec, RunSummary

__all__ = ["CACHE", "PREDICTIONS", "RUN_SPEC", "SUMMARY", "RunFolder", "RunSpec", "cut_torn_tail",
           "iter_predictions", "latest_predictions"]

PREDICTIONS = "predictions.jsonl"
SUMMARY = "summary.json"
RUN_SPEC = "run.json"
CACHE = "cache.sqlite"


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

    def claim(self, spec: RunSpec) -> None:
        """Bind the folder to ``spec`` (first run) or check it holds the same one (a resume)."""
        old = self.read_spec()
        if old is not None:
            a, b = old.lock_key(), spec.lock_key()
            diff = [k for k in a if a[k] != b.get(k)]
            if diff:
                k = diff[0]
                raise ConfigError(f"{self.path} holds a run with {k}={a[k]!r}, not {b[k]!r}; "
                                  "use a new --out folder (or the original settings to resume)")
            if old.selection != spec.selection:  # resumed with another selection: record the latest
                atomic_write_json(self.spec, spec.model_dump(mode="json"))
            return
        if self.predictions.is_file():
            raise ConfigError(f"{self.path} has predictions but no {RUN_SPEC}; use a new --out folder")
        atomic_write_json(self.spec, spec.model_dump(mode="json"))

    # ------------------------------------------------------------------ predictions
    def latest_predictions(self, *, keep_response: bool = True) -> dict[str, Prediction]:
        return latest_predictions(self.predictions, keep_response=keep_response)

    def appender(self) -> JsonlAppender:
        """Cut a torn tail, then open predictions.jsonl for appending."""
        cut_torn_tail(self.predictions)
        return JsonlAppender(self.predictions)

    # ------------------------------------------------------------------ summary
    def write_summary(self, summary: RunSummary) -> None:
        atomic_write_json(self.summary, summary)

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


def _first(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    return f"{loc}: {err.get('msg')}" if loc else str(err.get("msg"))
