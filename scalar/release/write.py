"""Writing a release folder from plain records, all or nothing (``scalar._util.atomic_folder``: a
temporary sibling swapped into place; the user's other files in the folder are kept).

``questions.jsonl`` is one compact JSON line per question in the order given (callers sort), so
identical questions give a byte-identical file; the build date and other run details live in
``manifest.json`` only. Questions and papers may come as streams (a generator reading them from
disk): each is written as it arrives and the manifest is computed along the way
(``manifest.QuestionTally``), so writing holds one question at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from scalar._util.atomic_folder import check_target, write_folder
from scalar._util.io import atomic_write_chunks, atomic_write_json, atomic_write_text, jsonl_line
from scalar.release.layout import CRAWL_LOG, KIND, MANIFEST, PAPERS, QUESTIONS, RELEASE_ENTRIES, paper_path
from scalar.release.manifest import ManifestInfo, QuestionTally, build_manifest
from scalar.schema import Paper, Question, ReleaseManifest

__all__ = ["check_release_target", "questions_bytes", "write_crawl_log", "write_manifest", "write_paper",
           "write_questions", "write_release_folder"]


def write_release_folder(out: str | Path, *, questions: Iterable[Question], papers: Iterable[tuple[str, Paper]],
                         info: ManifestInfo, crawl_log: Iterable[Mapping] | None = None) -> ReleaseManifest:
    """Write the release into ``out`` and return its manifest.

    ``questions``: in file order, consumed once (a list or a stream); ``papers``: (name, paper) pairs, stored as ``papers/<name>.json`` (names must differ);
    ``crawl_log``: one mapping per listed paper, or None for no ``crawl.jsonl``. Raises InputError
    (nothing changed) when ``out`` is not a folder, holds files that are not a release, or holds a
    file of the user's where the release needs one."""

    def fill(tmp: Path) -> ReleaseManifest:
        (tmp / PAPERS).mkdir()  # present even when no paper is included
        for name, paper in papers:
            if paper_path(tmp, name).exists():
                raise ValueError(f"two papers would be stored as {paper_path(tmp, name).name}")
            write_paper(tmp, paper, name=name)
        sha, tally = _write_questions(tmp, questions)
        manifest = build_manifest(info, tally, sha)
        write_manifest(tmp, manifest)
        if crawl_log is not None:
            write_crawl_log(tmp, crawl_log)
        return manifest

    return write_folder(out, fill, kind=KIND, marker=MANIFEST, owned=RELEASE_ENTRIES)


def check_release_target(out: str | Path) -> Path:
    """Refuse early (InputError) an ``--out`` a release cannot be written to; see write_release_folder."""
    return check_target(out, kind=KIND, marker=MANIFEST)


# --------------------------------------------------------------------------- single files
# Used by write_release_folder inside its temporary folder, and by tests that hand-make releases.


def questions_bytes(questions: Iterable[Question]) -> bytes:
    return "".join(jsonl_line(q) for q in questions).encode("utf-8")


def write_questions(out_dir: str | Path, questions: Iterable[Question]) -> str:
    """Write questions.jsonl atomically; return its SHA-256."""
    return _write_questions(out_dir, questions)[0]


def _write_questions(out_dir: str | Path, questions: Iterable[Question]) -> tuple[str, QuestionTally]:
    """questions.jsonl written line by line; its SHA-256 and what the manifest needs of the questions."""
    digest = hashlib.sha256()
    tally = QuestionTally()

    def lines() -> Iterator[bytes]:
        for q in questions:
            tally.add(q)
            data = jsonl_line(q).encode("utf-8")
            digest.update(data)
            yield data

    atomic_write_chunks(Path(out_dir) / QUESTIONS, lines())
    return digest.hexdigest(), tally


def write_manifest(out_dir: str | Path, manifest: ReleaseManifest) -> None:
    atomic_write_json(Path(out_dir) / MANIFEST, manifest)


def write_paper(out_dir: str | Path, paper: Paper, name: str | None = None) -> Path:
    path = paper_path(out_dir, name or paper.arxiv_id or "paper")
    atomic_write_json(path, paper)
    return path


def write_crawl_log(out_dir: str | Path, records: Iterable[Mapping]) -> None:
    """crawl.jsonl: one JSON object per line, keys sorted."""
    lines = "".join(json.dumps(dict(r), ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    atomic_write_text(Path(out_dir) / CRAWL_LOG, lines)
