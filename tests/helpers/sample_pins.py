"""The pinned bytes of the sample release's questions.jsonl, one place for every test that checks them.

The balanced default is also balanced against the dense scorer when the [dense] extra is installed
(``--shortcut-model auto``), so the default release has two pins: with and without it."""

from __future__ import annotations

ORIGINAL_SAMPLE_SHA = "7a1ff50ce9a754bf80f20afa2aa8b310c3b1fef4ba0291af5113cea804b79f28"  # --distractors original
BALANCED_DENSE_SAMPLE_SHA = "21de50c653ce910b8bd19aeb4d6e3fa46e274557e5e05a9a87f439d6be65e336"  # default, [dense] installed
BALANCED_NO_DENSE_SAMPLE_SHA = "54c0e1383f5f2bb718ca48f11f01b74781e8dccab50b89eb837c6a899ea72c4a"  # --shortcut-model none


def default_sample_sha() -> str:
    """The default build's pin on this install."""
    from scalar.generate.dense import dense_available

    return BALANCED_DENSE_SAMPLE_SHA if dense_available() else BALANCED_NO_DENSE_SAMPLE_SHA
