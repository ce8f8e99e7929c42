"""The release folder — manifest.json, questions.jsonl, papers/, crawl.jsonl — and the only code that
knows it: names (``layout``), reading (``read``), the whole-release check (``validate``), the manifest
(``manifest``) and writing, all or nothing (``write``).

A bottom module: the crawl/generate/reference layers write through it, evaluate/ and leaderboard/
read through it.
"""

from scalar.release.layout import CRAWL_LOG, MANIFEST, PAPERS, QUESTIONS, RELEASE_ENTRIES, paper_file_name, paper_path
from scalar.release.manifest import (
                                  ManifestInfo,
                                  QuestionTally,
                                  build_manifest,
                                  count_questions,
                                  flat_notes,
                                  token_stats,
)
from scalar.release.read import find_paper, iter_questions, read_manifest, read_paper
from scalar.release.validate import load_release, validate_release
from scalar.release.write import (
                                  check_release_target,
                                  questions_bytes,
                                  write_crawl_log,
                                  write_manifest,
                                  write_paper,
                                  write_questions,
                                  write_release_folder,
)

__all__ = [
    "CRAWL_LOG",
    "MANIFEST",
    "PAPERS",
    "QUESTIONS",
    "RELEASE_ENTRIES",
    "ManifestInfo",
    "QuestionTally",
    "build_manifest",
    "check_release_target",
    "count_questions",
    "find_paper",
    "flat_notes",
    "iter_questions",
    "load_release",
    "paper_file_name",
    "paper_path",
    "questions_bytes",
    "read_manifest",
    "read_paper",
    "token_stats",
    "validate_release",
    "write_crawl_log",
    "write_manifest",
    "write_paper",
    "write_questions",
    "write_release_folder",
]
