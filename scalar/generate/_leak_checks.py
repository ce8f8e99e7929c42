"""Text heuristics of the audit and the generator: title matching, surface-name matching,
unmasked occurrences.

Each check answers one question about one (question, mask) pair and is cheap enough to run over a
whole release. They are deliberately simple and explainable: a hit names the words that matched.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from scalar.generate._candidates import TITLE_MASK
from scalar.generate.citation_types import is_name_token
from scalar.schema import MASK_PATTERN, OPAQUE_LABEL_PATTERN, Paper

_WORD = re.compile(r"[^\W_]+", re.U)
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


def shows_title(text: str, title: str | None) -> bool:
    """Whether ``text`` contains ``title`` by the audit's fuzzy check (a title of stopwords only
    never counts): a hard candidate whose hidden title this finds in its body is not asked."""
    return bool(title_words(title)) and title_in(NgramIndex(text), title)


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
#
# One rule, used by the generator (to reject a question or drop a cloze mask) and by the audit (to
# count what is left): a question is solvable by string matching when, next to one of its masks,
#   * a name-like word (capitals inside, letters with digits, or a capitalised word)
#     within ``window`` words before or after the mask, in the same sentence, gives a key that
#     starts a word of the gold's title and of no other candidate's title ("YOLO v3 [MASK]" ->
#     "yolov3", "GeLU function (MASK)" -> "gelu" ~ "GELUs"), or
#   * the gold's whole title, when it is short (1-6 words), is written within its length plus
#     ``window`` words of the mask ("layer normalization [MASK]").
# Words are counted within the mask's paragraph only (a heading above it is not "next to" it).

_MASK_TOKEN = re.compile(f"{MASK_PATTERN.pattern}|{re.escape(TITLE_MASK)}|{OPAQUE_LABEL_PATTERN.pattern}")
_EDGE = "([{\\*:;,\"'“”‘’)]}!?.~_"
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|al|vs|cf|etc|fig|figs|eq|eqs|sec|ref|refs|resp|approx|no)|"
                           r"(?<![^\W\d_])[^\W\d_])\.$", re.IGNORECASE)
SHORT_TITLE_WORDS = 6


@dataclass(frozen=True)
class Neighbourhood:
    """What a string matcher sees around one mask."""

    names: tuple[str, ...]  # name-like words next to the mask, reading order
    before: tuple[str, ...]  # folded words before the mask (same paragraph), nearest last
    after: tuple[str, ...]  # folded words after the mask (same paragraph)


def _ends_sentence(raw: str) -> bool:
    r = raw.rstrip(")]}\"'”’*")
    return r.endswith((".", "!", "?")) and not _ABBREVIATION.search(r)


def _token(raw: str) -> tuple[str, str]:
    """(raw piece, word core); mask and [TITLE] markers are not words, a piece without a letter
    or digit has an empty core."""
    if "[" in raw or "*" in raw:
        # a marker glued to a word ("GPT-4[MASK_1]") leaves the word
        pieces = [p.strip(_EDGE) for p in _MASK_TOKEN.sub(" ", raw).split()]
        core = next((p for p in pieces if any(ch.isalnum() for ch in p)), "")
    else:
        core = raw.strip(_EDGE)
    return raw, core if any(ch.isalnum() for ch in core) else ""


def neighbourhood(text: str, start: int, end: int, window: int = 3) -> Neighbourhood:
    """The words around ``text[start:end]`` (a mask) within its paragraph."""
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    keep = 2 * (SHORT_TITLE_WORDS + window)  # pieces looked at on each side (non-words included)
    lo = max(para_start, start - 60 * keep)
    before_text = text[lo:start]
    after_text = text[end:min(para_end, end + 60 * keep)]
    pieces = before_text.split()
    if lo > para_start and pieces and not text[lo - 1].isspace():
        pieces = pieces[1:]  # a word cut by the slice
    before = [_token(p) for p in pieces[-keep:]]
    after = [_token(p) for p in after_text.split()[:keep]]
    if before and before_text and not before_text[-1].isspace():
        glued = before.pop()  # "(" or "\\[" glued to the mask belongs to it
        if glued[1]:
            before.append(glued)
    if after and after_text and not after_text[0].isspace():
        glued = after.pop(0)
        if _ends_sentence(glued[0]):
            after = []  # "(MASK)." ends the sentence at the mask
        elif glued[1]:
            after.insert(0, glued)

    names_before: list[str] = []
    count = 0
    for raw, core in reversed(before):
        if _ends_sentence(raw):
            break  # the previous sentence
        if not core:
            continue
        count += 1
        # A capitalised word counts even when it opens the sentence ("Dopamine [MASK] trains..."):
        # sentence openers that are not names ("Following", "Recent") are in is_name_token's stoplist.
        if is_name_token(core, sentence_start=False):
            names_before.append(core)
        if count == window:
            break
    names_after: list[str] = []
    count = 0
    for raw, core in after:
        if core:
            count += 1
            if is_name_token(core, sentence_start=False):
                names_after.append(core)
        if _ends_sentence(raw) or count == window:
            break
    fold_words = lambda toks: tuple(w for _, core in toks for w in words(core))  # noqa: E731
    return Neighbourhood(names=tuple(reversed(names_before)) + tuple(names_after),
                         before=fold_words(before), after=fold_words(after))


def mask_neighbourhoods(text: str, mask: str, window: int = 3) -> list[Neighbourhood]:
    """One neighbourhood per occurrence of ``mask`` in ``text``."""
    out = []
    at = text.find(mask)
    while at >= 0:
        out.append(neighbourhood(text, at, at + len(mask), window))
        at = text.find(mask, at + len(mask))
    return out


def name_keys(names: list[str] | tuple[str, ...]) -> list[str]:
    """Match keys for the names: each name compacted ("GPT-4V" -> "gpt4v"), its capitalised parts
    ("gpt"), adjacent names joined ("YOLO v3" -> "yolov3") and plurals without their "s" ("GELUs"
    -> "gelu"). Keys under 3 characters and bare numbers are dropped."""
    keys: list[str] = []
    for w in names:
        keys.append("".join(words(w)))
        for part in re.split(r"[^\w]+|_", w):
            if part and part[0].isupper():
                keys.append(fold(part))
    for a, b in zip(names, names[1:]):
        keys.append("".join(words(a)) + "".join(words(b)))
    keys += [k[:-1] for k in keys if len(k) > 3 and k.endswith("s")]
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


def _has_run(seq: tuple[str, ...], run: list[str]) -> bool:
    n = len(run)
    return any(list(seq[i:i + n]) == run for i in range(len(seq) - n + 1))


def name_hits(nb: Neighbourhood, titles: list[str | None], gold: int, window: int = 3) -> list[str]:
    """What a string matcher finds for ``titles[gold]`` in one neighbourhood (empty: nothing)."""
    toks = title_words(titles[gold])
    if 0 < len(toks) <= SHORT_TITLE_WORDS:
        k = len(toks) + window
        if _has_run(nb.before[-k:], toks) or _has_run(nb.after[:k], toks):
            return [" ".join(toks)]
    hits = []
    for key in name_keys(nb.names):
        if key_in_title(key, titles[gold]) and not any(
                key_in_title(key, t) for i, t in enumerate(titles) if i != gold):
            hits.append(key)
    return hits


def surface_name_hit(context: str, mask: str, titles: list[str | None], gold: int, window: int = 3) -> list[str]:
    """The surface matches for the gold ``titles[gold]`` next to any occurrence of ``mask`` in
    ``context`` (empty: not solvable this way). The generator and the audit both call this."""
    hits: list[str] = []
    for nb in mask_neighbourhoods(context, mask, window):
        for h in name_hits(nb, titles, gold, window):
            if h not in hits:
                hits.append(h)
    return hits


# --------------------------------------------------------------------------- sentences

_SENTENCE_END = re.compile(r"[.!?][)\]\"'”’*]*\s+(?=[\[(“\"'*]*[A-Z0-9])")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text`` around ``text[start:end]`` (a citation) as (begin, stop): from
    after the last sentence end before ``start`` to the first one after ``end``. A full stop of an
    abbreviation ("et al.", "e.g.", "Fig.") or an initial ("J. Smith") ends nothing."""
    begin, stop = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        piece = text[max(0, m.start() - 12):m.start() + 1].split()
        if piece and _ABBREVIATION.search(piece[-1].rstrip(")]}\"'”’*")):
            continue
        if m.end() <= start:
            begin = m.end()
        elif m.start() >= end:
            stop = m.start() + 1
            break
    return begin, stop


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


def cited_with(paper: Paper, gold_keys: set[str], rivals: set[str]) -> tuple[set[str], set[str]]:
    """(rivals cited in a sentence that cites a gold, rivals cited in a paragraph that does): in
    the question every gold occurrence is masked, so these are the candidates a reader meets right
    next to a mask."""
    sentence, paragraph = set(), set()
    for section in paper.sections:
        for para in section.paragraphs:
            golds = [c for c in para.citations if c.ref in gold_keys]
            if not golds:
                continue
            others = [c for c in para.citations if c.ref in rivals]
            paragraph.update(c.ref for c in others)
            for gc in golds:
                lo, hi = sentence_bounds(para.text, gc.start, gc.end)
                sentence.update(c.ref for c in others if c.start < hi and c.end > lo)
    return sentence, paragraph
