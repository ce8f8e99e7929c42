"""The pinned bytes of the sample release's questions.jsonl, one place for every test that checks them.

The default (robust) distractors are also chosen against the dense scorer and its variant family
when the [dense] extra is installed (``--shortcut-model auto``), so the default release has two
pins: with and without it; ``--distractors balanced`` has its own two."""

from __future__ import annotations

ORIGINAL_SAMPLE_SHA = "7a1ff50ce9a754bf80f20afa2aa8b310c3b1fef4ba0291af5113cea804b79f28"  # --distractors original
ROBUST_DENSE_SAMPLE_SHA = "736ab5b66417f4110f8d9f65ebf328f96ab1ad7f35362d5e83bc794622086483"  # default, [dense] installed
ROBUST_NO_DENSE_SAMPLE_SHA = "cb343d162009afad418f11558bf783a3c58fd25060a6252be876f2e5fcc7de60"  # default, --shortcut-model none
BALANCED_DENSE_SAMPLE_SHA = "affa7bb7d1a6f9958af503e31232d8aaf8f97773323f74a8524a689c204262f4"  # --distractors balanced
BALANCED_NO_DENSE_SAMPLE_SHA = "61f5a83a919ac4e7cce3aeb9472bfbb69fe358815ab7d30cce1a1b453e57e114"  # balanced, --shortcut-model none


def default_sample_sha() -> str:
    """The default build's pin on this install."""
    from scalar.generate.dense import dense_available

    return ROBUST_DENSE_SAMPLE_SHA if dense_available() else ROBUST_NO_DENSE_SAMPLE_SHA


def balanced_sample_sha() -> str:
    """``--distractors balanced``'s pin on this install."""
    from scalar.generate.dense import dense_available

    return BALANCED_DENSE_SAMPLE_SHA if dense_available() else BALANCED_NO_DENSE_SAMPLE_SHA
