"""SCALAR's 1-bit CPU inference engine: packed-sign kernels (numba), FBI-LLM and Bi-Mamba.

Runtime needs numpy + numba (+ sentencepiece, safetensors); torch is only used to read published
``.bin`` pickles (``scalar convert`` or loading them directly).
"""

from __future__ import annotations

from typing import Any


def load_model(kind: str, path) -> Any:
    """Load ``fbi-llm`` or ``bi-mamba`` from a published checkpoint folder or a packed one."""
    from scalar.local.models import load_model as _load

    return _load(kind, path)


__all__ = ["load_model"]
