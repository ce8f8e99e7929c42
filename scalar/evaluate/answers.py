"""Answer extraction: model text -> candidate index (mcq) or one index per mask (cloze).

Strict first, tolerant second, and honest when undecidable: the original parser accepted only a
single-line ``<answer>2</answer>``; we also accept ``<answer>[2]</answer>``, ``Candidate 2``,
``Answer: 2``, multi-line tags and reasoning output with ``<think>`` blocks. When two different
indices compete, or an index is out of range, the answer is None (a parse failure, counted wrong).
"""

from __future__ import annotations

import re

_THINK_BLOCK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.S | re.I)
_THINK_CLOSE = re.compile(r"</think(?:ing)?>", re.I)
_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.I)
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_INT = re.compile(r"\d+")
# "Answer: 2", "the answer is Candidate [2]", "**Answer:** 2", "Final answer - (2)"
_ANSWER_PHRASE = re.compile(
    r"answer\W{0,3}(?:is|:|=|-)?\W{0,4}(?:candidate|index|option)?\s*[\[(]?\s*(\d+)\s*[\])]?",
    re.I)
_CANDIDATE = re.compile(r"candidate\s*(?:index\s*)?[\[(#]?\s*(\d+)\s*[\])]?", re.I)
_BARE = re.compile(r"^\W*(?:candidate|index|option)?\s*[\[(]?\s*(\d+)\s*[\])]?\W*$", re.I)
# cloze: "[MASK_1]: 2", "MASK_2 = [0]", "MASK 3 -> 1"
_MASK_ANSWER = re.compile(r"MASK[_ ]?(\d+)\W{0,6}?(?:candidate\s*)?[\[(]?\s*(\d+)", re.I)


def strip_reasoning(text: str) -> str:
    """Drop ``<think>..</think>`` blocks; a lone ``</think>`` ends a reasoning prefix, and an
    unclosed ``<think>`` (reasoning cut off by max_tokens) leaves no answer text after it."""
    text = _THINK_BLOCK.sub(" ", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end():]
    m = _THINK_OPEN.search(text)
    if m:
        text = text[:m.start()]
    return text


def _single_index(fragment: str, n_candidates: int) -> int | None:
    """The one index named in a tag's content: "2", "[2]", "Candidate [2]", "index 2"."""
    values = {int(x) for x in _INT.findall(fragment)}
    if len(values) != 1:
        return None
    v = values.pop()
    return v if 0 <= v < n_candidates else None


def _unique(values: list[int], n_candidates: int) -> int | None:
    values = list(values)
    if not values or len(set(values)) != 1:
        return None
    v = values[0]
    return v if 0 <= v < n_candidates else None


def extract_choice(text: str | None, n_candidates: int) -> int | None:
    """Candidate index of an mcq answer, or None when it cannot be decided."""
    if not text:
        return None
    body = strip_reasoning(text)
    tags = _ANSWER_TAG.findall(body)
    if tags:
        return _single_index(tags[-1], n_candidates)  # the last tag wins (models restate answers)
    bare = _BARE.match(body.strip())
    if bare:
        v = int(bare.group(1))
        return v if 0 <= v < n_candidates else None
    phrases = _ANSWER_PHRASE.findall(body)
    if phrases:
        v = int(phrases[-1])
        return v if 0 <= v < n_candidates else None
    # "Candidate 2" without an answer phrase: decidable only if every mention names the same one.
    return _unique([int(x) for x in _CANDIDATE.findall(body)], n_candidates)


def extract_cloze(text: str | None, n_masks: int, n_candidates: int) -> list[int] | None:
    """One candidate index per mask, in mask order, or None when any mask cannot be decided."""
    if not text:
        return None
    body = strip_reasoning(text)
    tags = _ANSWER_TAG.findall(body)
    by_mask: dict[int, int] = {}
    labelled = [m for t in tags for m in _MASK_ANSWER.findall(t)] if tags else _MASK_ANSWER.findall(body)
    for mask, value in labelled:  # later statements win, as with tags
        by_mask[int(mask)] = int(value)
    if by_mask:
        out = [by_mask.get(k) for k in range(1, n_masks + 1)]
    else:
        fragment = tags[-1] if tags else body
        numbers = [int(x) for x in _INT.findall(fragment)]
        if len(numbers) != n_masks:
            return None
        out = numbers
    if any(v is None or not 0 <= v < n_candidates for v in out):
        return None
    return [int(v) for v in out]


def extract_answer(text: str | None, *, task: str, n_candidates: int, n_masks: int = 1) -> int | list[int] | None:
    if task == "cloze":
        return extract_cloze(text, n_masks, n_candidates)
    return extract_choice(text, n_candidates)


def is_correct(prediction: int | list[int] | None, answer: int | list[int]) -> bool:
    if prediction is None:
        return False
    if isinstance(answer, list):
        return isinstance(prediction, list) and list(prediction) == list(answer)
    return prediction == answer
