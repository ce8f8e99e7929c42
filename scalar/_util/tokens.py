"""Token counting with tiktoken, offline.

tiktoken downloads its encodings at first use; litellm's wheel ships cl100k_base and o200k_base, so
unless the user chose a cache we point TIKTOKEN_CACHE_DIR at litellm's copy before first use.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

DEFAULT_ENCODING = "o200k_base"


def _point_cache_at_litellm() -> None:
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return
    spec = importlib.util.find_spec("litellm")  # locate without importing (litellm is slow to import)
    if spec is None or not spec.origin:
        return
    folder = Path(spec.origin).parent / "litellm_core_utils" / "tokenizers"
    if folder.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)


@functools.lru_cache(maxsize=4)
def encoding(name: str = DEFAULT_ENCODING):
    _point_cache_at_litellm()
    import tiktoken

    return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = DEFAULT_ENCODING) -> int:
    # disallowed_special=() so that text containing "<|endoftext|>" is counted, not rejected.
    return len(encoding(name).encode(text, disallowed_special=()))


def encode(text: str, name: str = DEFAULT_ENCODING) -> list[int]:
    return encoding(name).encode(text, disallowed_special=())


def decode(tokens: list[int], name: str = DEFAULT_ENCODING) -> str:
    return encoding(name).decode(tokens)
