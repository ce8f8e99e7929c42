"""The release folder's names: the one place that spells them.

    <release>/manifest.json      ReleaseManifest (what was built, counts, SHA-256 of questions.jsonl)
    <release>/questions.jsonl    one Question per line, sorted; byte-identical for identical inputs
    <release>/papers/<id>.json   one Paper per citing paper ('/' in an old-style arXiv id becomes '_')
    <release>/crawl.jsonl        what happened to each listed paper (built releases only)
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CRAWL_LOG", "KIND", "MANIFEST", "PAPERS", "QUESTIONS", "RELEASE_ENTRIES", "paper_file_name",
           "paper_path"]

MANIFEST = "manifest.json"
QUESTIONS = "questions.jsonl"
PAPERS = "papers"
CRAWL_LOG = "crawl.jsonl"
RELEASE_ENTRIES = (MANIFEST, QUESTIONS, PAPERS, CRAWL_LOG)  # top-level names a release owns
KIND = "release"  # what the folder is called in messages


def paper_file_name(name: str) -> str:
    """File name of the paper called ``name`` (its arXiv id without version, or another label)."""
    return f"{name.replace('/', '_')}.json"


def paper_path(release_dir: str | Path, name: str) -> Path:
    return Path(release_dir) / PAPERS / paper_file_name(name)
