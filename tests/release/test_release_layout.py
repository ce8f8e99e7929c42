"""The release folder's names are declared once, and a written release uses exactly those."""

from __future__ import annotations

from scalar._util.atomic_folder import OWNERSHIP_RECORD
from scalar.release import (
    CRAWL_LOG,
    MANIFEST,
    PAPERS,
    QUESTIONS,
    RELEASE_ENTRIES,
    paper_file_name,
    paper_path,
    write_release_folder,
)


def test_paper_files_are_named_after_the_paper(tmp_path):
    assert paper_file_name("2410.00001") == "2410.00001.json"
    assert paper_file_name("hep-th/9901001") == "hep-th_9901001.json"  # old-style ids hold a slash
    assert paper_path(tmp_path, "hep-th/9901001") == tmp_path / PAPERS / "hep-th_9901001.json"


def test_a_written_release_holds_only_declared_entries(tmp_path, questions, papers, info):
    write_release_folder(tmp_path / "r", questions=questions, papers=papers, info=info,
                         crawl_log=[{"paper": "x", "status": "used"}])
    top = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert top == sorted([*RELEASE_ENTRIES, OWNERSHIP_RECORD])
    assert {MANIFEST, QUESTIONS, PAPERS, CRAWL_LOG} == set(RELEASE_ENTRIES)
    assert sorted(p.name for p in (tmp_path / "r" / PAPERS).iterdir()) == sorted(paper_file_name(n) for n, _ in papers)
