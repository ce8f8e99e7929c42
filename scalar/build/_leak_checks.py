"""The audit's text heuristics: title matching, surface-name matching, unmasked occurrences.

Each check answers one question about one (question, mask) pair and is cheap enough to run over a
whole release. They are deliberately simple and explainable: a hit names the words that matched.
"""

from __future__ import annotations

import math
import re
import unicodedata

from scalar.schema import Paper

_WORD = re.compile(r"[^\W_]+", re.U)
# Words that are capitalised for grammatical reasons, not because they name something.
_COMMON_CAPS = frozenset("""
a an the in on of for to by with from as at and or but nor this that these those it its we our us
they their he she his her i you your is are was were be been being has have had do does did can
could will would should may might must recent recently prior previous following section table
figure fig eq equation appendix algorithm see e g i e et al cf also however while when where which
who what how here there such other some many most first second third finally thus hence then
then note notably similarly moreover furthermore additionally specifically existing several
""".split())


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case text with accents dropped ("Schrödinger" -> "schrodinger") for matching."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def title_words(title: str | None) -> list[str]:
    """Title tokens without a trailing year (bib titles often end in ", 2024")."""
    toks = words(title or "")
    while toks and re.fullmatch(r"(19|20)\d\d", toks[-1]):
        toks.pop()
    return toks


def window_size(n: int) -> int:
    """How many consecutive title words must appear for a match: the whole title when it is short,
    80% of it (at least 4 words) when it is long, so small edits such as a changed subtitle
    separator or a dropped article still count. Titles under 3 words are too generic to test."""
    if n < 3:
        return 0
    if n <= 4:
        return n
    return max(4, math.ceil(0.8 * n))


class NgramIndex:
    """The word n-grams of one text, built lazily per n (a text is scanned once per window size)."""

    def __init__(self, text: str):
        self.tokens = words(text)
        self._grams: dict[int, set[tuple[str, ...]]] = {}

    def has(self, seq: list[str]) -> bool:
        n = len(seq)
        if n == 0 or n > len(self.tokens):
            return False
        grams = self._grams.get(n)
        if grams is None:
            t = self.tokens
            grams = {tuple(t[i:i + n]) for i in range(len(t) - n + 1)}
            self._grams[n] = grams
        return tuple(seq) in grams


def title_in(index: NgramIndex, title: str | None) -> bool:
    """Whether ``title`` (fuzzily: any run of window_size(n) consecutive title words) occurs."""
    toks = title_words(title)
    w = window_size(len(toks))
    if not w:
        return False
    return any(index.has(toks[i:i + w]) for i in range(len(toks) - w + 1))


def starts_with_title(text: str, title: str | None) -> bool:
    """Whether the text opens with the title (shown by design, as in easy/medium candidates);
    fuzzy like title_in, so a trailing year or a changed separator still counts."""
    toks = title_words(title)
    if not toks:
        return False
    first = words(text[: 2 * len(title or "") + 100])[: len(toks) + 3]
    if first[: len(toks)] == toks:
        return True
    w = window_size(len(toks))
    if not w:
        return False
    opening = {tuple(first[i:i + w]) for i in range(len(first) - w + 1)}
    return any(tuple(toks[i:i + w]) in opening for i in range(len(toks) - w + 1))


# --------------------------------------------------------------------------- surface names


def names_before(context: str, mask: str, max_words: int = 3) -> list[str]:
    """Name-like words right before the mask: among the last ``max_words`` words of the same
    sentence, those with a capital letter that is not just the sentence start or a common word.
    "the same Dopamine library (MASK)" -> ["Dopamine"]; "YOLO v3 [MASK]" -> ["YOLO", "v3"]."""
    at = context.find(mask)
    if at < 0:
        return []
    before = context[max(0, at - 300):at]
    raw = before.split()
    picked: list[str] = []
    for i in range(len(raw) - 1, max(-1, len(raw) - 1 - max_words), -1):
        w = raw[i].strip("([{\\*:;,\"'“”‘’").rstrip(")]}")
        if not w:
            continue
        prev = raw[i - 1] if i > 0 else ""
        if prev.endswith((".", "!", "?", ":")) and not re.fullmatch(r"(?:e\.g|i\.e|al|vs|cf)\.", prev):
            sentence_start = True
        else:
            sentence_start = False
        has_cap = any(ch.isupper() for ch in w)
        inner_cap = any(ch.isupper() for ch in w[1:]) or any(ch.isdigit() for ch in w)
        if has_cap and fold(w) not in _COMMON_CAPS and (inner_cap or not sentence_start):
            picked.append(w)
        elif w.endswith(".") or raw[i].endswith((".", ";")):
            break
        if sentence_start:
            break
    picked.reverse()
    return picked


def name_keys(names: list[str]) -> list[str]:
    """Match keys for the names: each name compacted ("GPT-4V" -> "gpt4v"), its capitalised parts
    ("gpt"), and adjacent names joined ("YOLO v3" -> "yolov3"). Keys under 3 letters are dropped."""
    keys: list[str] = []
    for w in names:
        keys.append("".join(words(w)))
        for part in re.split(r"[^\w]+|_", w):
            if part and part[0].isupper():
                keys.append(fold(part))
    for a, b in zip(names, names[1:]):
        keys.append("".join(words(a)) + "".join(words(b)))
    seen, out = set(), []
    for k in keys:
        if len(k) >= 3 and k not in seen and not k.isdigit():
            seen.add(k)
            out.append(k)
    return out


def key_in_title(key: str, title: str | None) -> bool:
    toks = title_words(title)
    compact = "".join(toks)
    # A title word starting with the key ("gelu" -> "gelus"), or the key spanning words ("yolov3").
    return any(t.startswith(key) for t in toks) or (len(key) >= 5 and key in compact)


def surface_name_hit(context: str, mask: str, titles: list[str | None], gold: int) -> list[str]:
    """The name keys next to the mask that match the gold title and no other candidate's title
    (empty: not solvable this way)."""
    keys = name_keys(names_before(context, mask))
    hits = []
    for k in keys:
        if key_in_title(k, titles[gold]) and not any(
                key_in_title(k, t) for i, t in enumerate(titles) if i != gold):
            hits.append(k)
    return hits


# --------------------------------------------------------------------------- unmasked occurrences


def _squash(text: str) -> str:
    return " ".join(text.split())


def visible_occurrences(context_squashed: str, paper: Paper, key: str, pad: int = 12) -> list[str]:
    """Occurrences of reference ``key`` in ``paper`` whose visible text (the citation with a few
    characters either side) is still present in the context, i.e. cited elsewhere, unmasked."""
    found = []
    for section in paper.sections:
        for para in section.paragraphs:
            for c in para.citations:
                if c.ref != key:
                    continue
                snippet = _squash(para.text[max(0, c.start - pad):c.end + pad])
                if len(snippet) >= 8 and snippet in context_squashed:
                    found.append(para.text[c.start:c.end])
    return found


squash = _squash
