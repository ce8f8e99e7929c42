"""Deterministic seeds: derived with hashlib from their parts, never from Python's hash()."""

from __future__ import annotations

import hashlib
import random


def derive_seed(*parts: object) -> int:
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big")


def rng(*parts: object) -> random.Random:
    return random.Random(derive_seed(*parts))


def stable_id(*parts: object, length: int = 16) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:length]
