"""Fit a question into a model's context window without losing what matters.

The original evaluation kept the first (limit - 2000) tokens of the whole prompt, which cut the
closing instruction and then whole candidates. Here the instruction and every candidate survive:
the paper text is trimmed around its masks (kept outward from each mask, plus the paper's opening
with title and abstract), and candidate texts are trimmed from their ends in proportion to their
lengths. Every cut is marked ``[...]`` and counted in ``truncated_tokens``.

Counts are in the model's own tokens: ``encoding`` is a tiktoken encoding name (API models) or a
model's tokenizer (local models, whose window is in SentencePiece tokens): any object with
``name``, ``encode_ordinary(text) -> ids`` and ``decode(ids) -> text``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from scalar._util import tokens as tok
from scalar.errors import ConfigError
from scalar.schema import MASK_PATTERN

CUT = "\n[...]\n"
MIN_CANDIDATE_TOKENS = 64  # a candidate keeps at least its opening (title / first lines)
MIN_CONTEXT_TOKENS = 128
HEAD_SHARE = 0.1  # share of the paper's kept tokens given to its opening (title, abstract)
HEAD_MAX = 1000
_MASKS = MASK_PATTERN


class ModelTokenizer(Protocol):
    """A model's own tokenizer as the harness uses it (no BOS: the backend adds its own)."""

    name: str  # identifies the vocabulary (count-cache key, summary settings)

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...


Encoding = str | ModelTokenizer


def codec(encoding: Encoding):
    """A tiktoken Encoding for a name; a model's own tokenizer object is used as it is."""
    return tok.encoding(encoding) if isinstance(encoding, str) else encoding


def encoding_name(encoding: Encoding) -> str:
    return encoding if isinstance(encoding, str) else encoding.name


def _encode(text: str, encoding: Encoding) -> list[int]:
    # encode_ordinary: special-token strings count as text, and it skips the special-token scan
    return codec(encoding).encode_ordinary(text)


def _decode(ids: list[int], encoding: Encoding) -> str:
    return codec(encoding).decode(ids)


@dataclass
class Fitted:
    context: str
    candidate_texts: list[str]
    tokens: int | None  # tokens of context + candidates after fitting (None: not counted)
    truncated_tokens: int


class _CountCache:
    """Token counts of texts seen recently. Candidate texts repeat across the questions of a paper
    (they come from its reference pool), so most of them are counted once; bounded, thread-safe."""

    def __init__(self, size: int = 8192):
        self.size = size
        self._d: OrderedDict[tuple[str, bytes], int] = OrderedDict()
        self._lock = threading.Lock()

    def count(self, text: str, encoding: Encoding) -> int:
        key = (encoding_name(encoding), hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest())
        with self._lock:
            n = self._d.get(key)
            if n is not None:
                self._d.move_to_end(key)
                return n
        n = len(_encode(text, encoding))
        with self._lock:
            self._d[key] = n
            if len(self._d) > self.size:
                self._d.popitem(last=False)
        return n

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


COUNTS = _CountCache()


def _encode_context(context: str, encoding: Encoding) -> tuple[list[int], list[tuple[int, int]]]:
    """Tokens of the context and the [start, end) token span of each mask (masks encoded whole)."""
    ids: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _MASKS.finditer(context):
        ids.extend(_encode(context[pos:m.start()], encoding))
        start = len(ids)
        ids.extend(_encode(m.group(0), encoding))
        spans.append((start, len(ids)))
        pos = m.end()
    ids.extend(_encode(context[pos:], encoding))
    return ids, spans


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _size(intervals: list[tuple[int, int]]) -> int:
    return sum(b - a for a, b in intervals)


def _windows(n: int, spans: list[tuple[int, int]], keep: int) -> list[tuple[int, int]]:
    """Token intervals to keep: the opening plus the widest equal radius around every mask that
    fits in ``keep`` tokens."""
    if keep >= n:
        return [(0, n)]
    head = min(HEAD_MAX, int(keep * HEAD_SHARE)) if spans else keep
    if not spans:
        return [(0, keep)]

    def cover(r: int) -> list[tuple[int, int]]:
        return _merge([(0, head)] + [(max(0, a - r), min(n, b + r)) for a, b in spans])

    lo, hi = 0, n
    if _size(cover(0)) > keep:  # masks alone overflow: keep them anyway (never cut a mask)
        return cover(0)
    while lo < hi:  # largest radius whose cover fits
        mid = (lo + hi + 1) // 2
        if _size(cover(mid)) <= keep:
            lo = mid
        else:
            hi = mid - 1
    return cover(lo)


def _slice(ids: list[int], intervals: list[tuple[int, int]], n: int, encoding: Encoding) -> str:
    parts = []
    if intervals and intervals[0][0] > 0:
        parts.append(CUT.lstrip("\n"))
    for i, (a, b) in enumerate(intervals):
        if i:
            parts.append(CUT)
        parts.append(_decode(ids[a:b], encoding))
    if intervals and intervals[-1][1] < n:
        parts.append(CUT.rstrip("\n"))
    return "".join(parts)


def fit(context: str, candidate_texts: list[str], budget: int | None, encoding: Encoding = tok.DEFAULT_ENCODING) -> Fitted:
    """Trim ``context`` and ``candidate_texts`` so that together they take at most ``budget``
    tokens (None = no limit). Raises ConfigError when even the minimal parts do not fit.

    Parts are counted through the content-hash cache, so texts seen before cost nothing; they are
    encoded to token ids only when something has to be cut."""
    total = COUNTS.count(context, encoding) + sum(COUNTS.count(t, encoding) for t in candidate_texts)
    if budget is None or total <= budget:
        return Fitted(context, list(candidate_texts), total, 0)
    ctx_ids, spans = _encode_context(context, encoding)
    cand_ids = [_encode(t, encoding) for t in candidate_texts]
    lengths = [len(ctx_ids)] + [len(c) for c in cand_ids]
    total = sum(lengths)

    mask_tokens = sum(b - a for a, b in spans)
    floors = [min(lengths[0], max(MIN_CONTEXT_TOKENS, mask_tokens))] + \
             [min(n, MIN_CANDIDATE_TOKENS) for n in lengths[1:]]
    room = budget - sum(floors)
    if room < 0:
        raise ConfigError(f"the context window leaves {budget} tokens for the paper and "
                          f"{len(candidate_texts)} candidates; at least {sum(floors)} are needed "
                          "(raise --model-arg context_window or lower --max-tokens)")
    extra = [n - f for n, f in zip(lengths, floors)]
    scale = room / max(1, sum(extra))
    keeps = [f + int(e * scale) for f, e in zip(floors, extra)]  # proportional share, floored

    ctx_keep = _windows(len(ctx_ids), spans, keeps[0])
    new_context = context if _size(ctx_keep) >= len(ctx_ids) else _slice(ctx_ids, ctx_keep, len(ctx_ids), encoding)
    new_texts = []
    for text, ids, k in zip(candidate_texts, cand_ids, keeps[1:]):
        new_texts.append(text if k >= len(ids) else _decode(ids[:k], encoding) + CUT.rstrip("\n"))
    kept = _size(ctx_keep) + sum(min(k, len(ids)) for k, ids in zip(keeps[1:], cand_ids))
    return Fitted(new_context, new_texts, kept, total - kept)
