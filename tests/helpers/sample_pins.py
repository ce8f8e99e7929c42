"""The pinned bytes of the sample release's questions.jsonl, one place for every test that checks them.

The balanced default is also balanced against the dense scorer when the [dense] extra is installed
(``--shortcut-model auto``), so the default release has two pins: with and without it."""

from __future__ import annotations

ORIGINAL_SAMPLE_SHA = "7a1ff50ce9a754bf80f20afa2aa8b310c3b1fef4ba0291af5113cea804b79f28"  # --distractors original
BALANCED_DENSE_SAMPLE_SHA = "affa7bb7d1a6f9958af503e31232d8aaf8f97773323f74a8524a689c204262f4"  # default, [dense] installed
BALANCED_NO_DENSE_SAMPLE_SHA = "61f5a83a919ac4e7cce3aeb9472bfbb69fe358815ab7d30cce1a1b453e57e114"  # --shortcut-model none


def default_sample_sha() -> str:
    """The default build's pin on this install."""
    from scalar.generate.dense import dense_available

    return BALANCED_DENSE_SAMPLE_SHA if dense_available() else BALANCED_NO_DENSE_SAMPLE_SHA
