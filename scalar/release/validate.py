"""The one whole-release check, used by every reader that trusts a release (eval, audit, leaderboard):
the manifest is valid, ``questions.jsonl`` matches its SHA-256, every question is valid and ids are
unique. One streaming pass over the questions; memory is what the caller keeps of each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from scalar.errors import ReleaseError
from scalar.release.layout import QUESTIONS
from scalar.release.read import iter_questions, read_manifest
from scalar.schema import Question, ReleaseManifest

__all__ = ["load_release", "validate_release"]


def validate_release(data_dir: str | Path, *, keep: Callable[[Question], Question] | None = None,
                     ) -> tuple[ReleaseManifest, list[Question]]:
    """Validate the release at ``data_dir``; return its manifest and its questions in file order.

    ``keep`` maps each question to what the caller holds on to (e.g. a copy without its texts);
    raises ReleaseError naming the file and the first defect."""
    manifest = read_manifest(data_dir)
    path = Path(data_dir) / QUESTIONS
    if not path.is_file():
        raise ReleaseError(f"not a release: {path} is missing")
    if file_sha256(path) != manifest.questions_sha256:
        raise ReleaseError(f"{path} does not match the SHA-256 in its manifest (corrupt or edited)")
    questions: list[Question] = []
    seen: set[str] = set()
    for q in iter_questions(data_dir):
        if q.id in seen:
            raise ReleaseError(f"{path}: duplicate question id {q.id}")
        seen.add(q.id)
        questions.append(keep(q) if keep is not None else q)
    return manifest, questions


def load_release(data_dir: str | Path) -> tuple[ReleaseManifest, list[Question]]:
    """Manifest and whole questions, validated (``validate_release`` keeping everything)."""
    return validate_release(data_dir)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
