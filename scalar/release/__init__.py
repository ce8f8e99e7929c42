"""Reading and writing release folders: manifest.json, questions.jsonl, papers/<arxiv_id>.json.

Lives at the bottom so that build/ writes and evaluate/ and leaderboard/ read through one place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from scalar._util.io import atomic_write_json, jsonl_line
from scalar.errors import ReleaseError
from scalar.schema import Paper, Question, ReleaseManifest

MANIFEST = "manifest.json"
QUESTIONS = "questions.jsonl"
PAPERS = "papers"


def questions_bytes(questions: Iterable[Question]) -> bytes:
    return "".join(jsonl_line(q) for q in questions).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_questions(out_dir: str | Path, questions: list[Question]) -> str:
    """Write questions.jsonl atomically; return its SHA-256."""
    from scalar._util.io import atomic_write_bytes

    data = questions_bytes(questions)
    atomic_write_bytes(Path(out_dir) / QUESTIONS, data)
    return sha256_bytes(data)


def write_manifest(out_dir: str | Path, manifest: ReleaseManifest) -> None:
    atomic_write_json(Path(out_dir) / MANIFEST, manifest)


def write_paper(out_dir: str | Path, paper: Paper, name: str | None = None) -> Path:
    name = name or paper.arxiv_id or "paper"
    path = Path(out_dir) / PAPERS / f"{name.replace('/', '_')}.json"
    atomic_write_json(path, paper)
    return path


def read_manifest(data_dir: str | Path) -> ReleaseManifest:
    path = Path(data_dir) / MANIFEST
    if not Path(data_dir).is_dir():
        raise ReleaseError(f"release folder not found: {data_dir}")
    if not path.is_file():
        raise ReleaseError(f"not a release: {path} is missing")
    try:
        return ReleaseManifest.model_validate_json(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except ValidationError as e:
        raise ReleaseError(f"{path} is not a valid manifest: {_first_error(e)}") from None


def iter_questions(data_dir: str | Path) -> Iterator[Question]:
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
                raise ReleaseError(f"{path}: line {i} is not a valid question: {_first_error(e)}") from None


def load_release(data_dir: str | Path, *, verify_sha: bool = True) -> tuple[ReleaseManifest, list[Question]]:
    """Manifest and questions, validated; the questions file must match the manifest's SHA-256."""
    manifest = read_manifest(data_dir)
    path = Path(data_dir) / QUESTIONS
    if verify_sha and path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != manifest.questions_sha256:
            raise ReleaseError(f"{path} does not match the SHA-256 in its manifest (corrupt or edited)")
    questions = list(iter_questions(data_dir))
    ids = set()
    for q in questions:
        if q.id in ids:
            raise ReleaseError(f"{path}: duplicate question id {q.id}")
        ids.add(q.id)
    return manifest, questions


def read_paper(path: str | Path) -> Paper:
    try:
        return Paper.model_validate_json(Path(path).read_bytes())
    except FileNotFoundError:
        raise ReleaseError(f"paper file not found: {path}") from None
    except (ValidationError, json.JSONDecodeError) as e:
        msg = _first_error(e) if isinstance(e, ValidationError) else str(e)
        raise ReleaseError(f"{path} is not a valid paper: {msg}") from None


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    return f"{loc}: {err.get('msg')}" if loc else str(err.get("msg"))
