"""The generation options that `scalar build` and `scalar import-reference --regenerate` share:
declared once here, validated by GenerationConfig."""

from __future__ import annotations

import typer


def distractors_option():
    return typer.Option(None, "--distractors", help="balanced (default: each shortcut scorer ranks the gold first "
                        "in one question in four per difficulty) or original (the original SCALAR rules, "
                        "comparable with published numbers).")


def shortcut_model_option():
    return typer.Option(None, "--shortcut-model", help="Also balance against the dense scorer with this "
                        "sentence-transformers model ('all-MiniLM-L6-v2' = the bundled default; needs the "
                        "[dense] extra).")


def generation_options(distractors: str | None, shortcut_model: str | None) -> dict:
    """The generation options given on the command line (validated by GenerationConfig)."""
    out: dict = {}
    if distractors is not None:
        out["distractors"] = distractors
    if shortcut_model is not None:
        out["shortcut_model"] = shortcut_model
    return out
