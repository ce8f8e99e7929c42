"""Reading a release folder's files, one record at a time. Every defect is a ReleaseError naming the
file (and line): one line on stderr, exit 2. Whole-release checks live in ``validate``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from scalar.errors import ReleaseError
from scalar.release.layout import MANIFEST, QUESTIONS, paper_path
from scalar.schema import Paper, Question, ReleaseManifest

__all__ = ["find_paper", "iter_questions", "read_manifest", "read_paper"]

_VERSION = re.compile(r"v\d+$")


def read_manifest(data_dir: str | Path) -> ReleaseManifest:
    path = Path(data_dir) / MANIFEST
    if not Path(data_dir).is_dir():
        raise ReleaseError(f"release folder not found: {data_dir}")
    if not path.is_file():
        raise ReleaseError(f"not a release: {path} is missing")
    try:
        return ReleaseManifest.model_validate_json(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except ValidationError as e:
        raise ReleaseError(f"{path} is not a valid manifest: {first_error(e)}") from None


def iter_questions(data_dir: str | Path) -> Iterator[Question]:
    """The questions in file order (blank lines skipped), each validated."""
    path = Path(data_dir) / QUESTIONS
    if not path.is_file():
        raise ReleaseError(f"not a release: {path} is missing")
    with open(path, "rb") as f:
        for i, raw in enumerate(f, 1):
            if i == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM (some editors add one) is not data
            if not raw.strip():
                continue
            try:
                yield Question.model_validate_json(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise ReleaseError(f"{path}: line {i} is not valid UTF-8") from None
            except ValidationError as e:
                raise ReleaseError(f"{path}: line {i} is not a valid question: {first_error(e)}") from None


def read_paper(path: str | Path) -> Paper:
    try:
        return Paper.model_validate_json(Path(path).read_bytes())
    except FileNotFoundError:
        raise ReleaseError(f"paper file not found: {path}") from None
    except (ValidationError, json.JSONDecodeError) as e:
        msg = first_error(e) if isinstance(e, ValidationError) else str(e)
        raise ReleaseError(f"{path} is not a valid paper: {msg}") from None


def find_paper(data_dir: str | Path, paper: str) -> Path | None:
    """The file of the citing paper a question names (``Question.paper``: the arXiv id with its
    version; papers are stored under the id without it), or None when the release lacks it."""
    for name in (paper, _VERSION.sub("", paper)):
        path = paper_path(data_dir, name)
        if path.is_file():
            return path
    return None


def first_error(e: ValidationError) -> str:
    """The first validation error as ``field.path: message`` (one line)."""
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    return f"{loc}: {err.get('msg')}" if loc else str(err.get("msg"))
