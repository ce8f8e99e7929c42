"""The generation options that `scalar build` and `scalar import-reference --regenerate` share:
declared once here, validated by GenerationConfig."""

from __future__ import annotations

import typer


def distractors_option():
    return typer.Option(None, "--distractors", help="robust (default: each shortcut scorer ranks the gold first "
                        "in one question in four per difficulty, and so do variants of them: other dense query "
                        "windows and chunkings, a 3-word BM25 window), balanced (the same for the recorded "
                        "scorers only; keeps more questions, but another shape of the dense scorer can find "
                        "the gold again) or original (the original SCALAR rules, comparable with published "
                        "numbers).")


def shortcut_model_option():
    return typer.Option(None, "--shortcut-model", help="The dense scorer balanced distractors are also chosen "
                        "against: a sentence-transformers id or folder, 'none' for BM25 and length only, or "
                        "'auto' (default: all-MiniLM-L6-v2 when the [dense] extra is installed, else none, "
                        "with a note; manifest.json records which).")


def generation_options(distractors: str | None, shortcut_model: str | None) -> dict:
    """The generation options given on the command line (validated by GenerationConfig)."""
    out: dict = {}
    if distractors is not None:
        out["distractors"] = distractors
    if shortcut_model is not None:
        out["shortcut_model"] = shortcut_model
    if distractors != "original" and (shortcut_model or "auto").strip().lower() == "auto":
        from scalar.generate.dense import dense_available

        if not dense_available():  # said once, before minutes of work, not discovered in the manifest
            import sys

            print("scalar: note: the [dense] extra is not installed; balancing distractors against BM25 and "
                  "length only (pip install 'scalar-bench[dense]' to balance the dense scorer too)", file=sys.stderr)
    return out
