"""Title normalisation and similarity, shared by arXiv matching and reference resolution.

``normalise_title``: LaTeX -> text (pylatexenc, so ``$\\texttt{BirdSet}$`` -> ``BirdSet`` and
``$\\mu$`` -> ``μ``), NFKD with combining marks dropped, casefold, every non-alphanumeric -> space,
spaces collapsed. ``title_similarity``: difflib's SequenceMatcher ratio of two normalised titles.
``query_title``: the text for an arXiv ``ti:`` query (no characters its parser chokes on).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

_LATEX_HINT = re.compile(r"[\\${}^_~]")
# Font macros pylatexenc drops inside math ($\texttt{BirdSet}$ -> ""): unwrap them first.
_FONT_MACRO = re.compile(r"\\(?:text(?:tt|bf|it|sf|rm|sc|up|normal)?|math(?:tt|bf|it|sf|rm|cal|bb|frak|scr)|emph|operatorname|bm|boldsymbol)\s*\{([^{}]*)\}")
_NON_ALNUM = re.compile(r"[^0-9a-z\u00c0-\uffff]+")
_SPACES = re.compile(r"\s+")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})

#: Words that carry no signal in a title query.
STOPWORDS = frozenset(
    "a an and are as at be by for from how in into is it its of on or our the their this to via we what when "
    "which with without towards toward do does can using based".split()
)


@lru_cache(maxsize=1)
def _latex_converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def latex_to_text(title: str) -> str:
    """Turn LaTeX markup in a title into plain text; titles without markup pass unchanged."""
    if not title:
        return ""
    if not _LATEX_HINT.search(title):
        return title
    prev = None
    while prev != title:  # nested wrappers: \textbf{\textit{X}}
        prev, title = title, _FONT_MACRO.sub(r"\1", title)
    try:
        text = _latex_converter().latex_to_text(title)
    except Exception:  # pylatexenc is lenient, but never let a title break a build
        text = re.sub(r"\\[a-zA-Z]+\*?|[{}$]", " ", title)
    return text


def clean_title(title: str) -> str:
    """A display-clean title: LaTeX converted, whitespace collapsed (case and punctuation kept)."""
    return _SPACES.sub(" ", latex_to_text(title or "")).strip()


@lru_cache(maxsize=65536)
def normalise_title(title: str) -> str:
    """The comparison form of a title (see module docstring)."""
    text = latex_to_text(title or "").translate(_DASHES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = _NON_ALNUM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def title_similarity(a: str, b: str) -> float:
    """SequenceMatcher ratio of the normalised titles, 0..1 (1.0 when equal); ``a`` is the
    title being looked up, ``b`` the candidate."""
    na, nb = normalise_title(a), normalise_title(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    # difflib's ratio is not symmetric: the first title is always its indexed sequence (seq2),
    # exactly as in best_similar, so both give the same score for the same pair.
    return difflib.SequenceMatcher(None, nb, na, autojunk=False).ratio()


def best_similar(title: str, candidates: list[str], threshold: float) -> tuple[int, float] | None:
    """Index and similarity of the candidate most similar to ``title`` with similarity >=
    ``threshold`` (ties: the first), or None. Same scores as :func:`title_similarity`, but
    difflib's cheap upper bounds (length, then character counts) skip hopeless pairs first, so
    aligning a 100-entry bibliography against 200 titles takes milliseconds, not seconds."""
    a = normalise_title(title)
    if not a:
        return None
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(a)  # difflib indexes seq2 once; candidates go in seq1
    best: tuple[int, float] | None = None
    floor = threshold
    for i, cand in enumerate(candidates):
        b = normalise_title(cand)
        if not b:
            continue
        if b == a:
            return i, 1.0
        if 2.0 * min(len(a), len(b)) / (len(a) + len(b)) < floor:
            continue
        matcher.set_seq1(b)
        if matcher.quick_ratio() < floor:
            continue
        score = matcher.ratio()
        if score >= floor and (best is None or score > best[1]):
            best, floor = (i, score), score
    return best


def query_title(title: str) -> str:
    """Text safe inside an arXiv ``ti:"..."`` phrase: normalised words only (hyphens, colons,
    quotes and brackets break arXiv's parser or turn into operators). "" when the title has a
    word arXiv's index may spell differently (non-ASCII, from LaTeX math, or a contraction):
    a phrase with such a word would not match, so only the word query is worth sending."""
    if _APOSTROPHE_WORD.search(latex_to_text(title or "")):
        return ""
    norm = normalise_title(title)
    return norm if norm.isascii() else ""


_APOSTROPHE_WORD = re.compile(r"\S*['\u2019]\S*")


def _searchable_word(w: str) -> bool:
    # arXiv indexes the raw (often LaTeX) title: a non-ASCII word ("μp" from u-$\mu$P) or a
    # 1-2 letter fragment may not exist there as a token.
    return w.isascii() and len(w) >= 3 and w not in STOPWORDS


def rare_tokens(title: str, n: int = 7) -> list[str]:
    """The ``n`` most distinctive searchable words of a title (longest ASCII non-stopwords of 3+
    letters, in title order); words with apostrophes ("don't") are left out."""
    text = _APOSTROPHE_WORD.sub(" ", latex_to_text(title or ""))
    words = [w for w in normalise_title(text).split() if _searchable_word(w)]
    keep = set(sorted(set(words), key=lambda w: (-len(w), w))[:n])
    out: list[str] = []
    for w in words:
        if w in keep and w not in out:
            out.append(w)
    return out


def surname(name: str) -> str:
    """Normalised family name of a person: "Last, First" or "First Middle Last" (particles kept
    out: "van der Berg" -> "berg")."""
    name = latex_to_text(name or "").strip()
    if "," in name:
        name = name.split(",", 1)[0]
    else:
        parts = name.split()
        # drop trailing suffixes ("Jr.", "III")
        while len(parts) > 1 and parts[-1].strip(".").lower() in {"jr", "sr", "ii", "iii", "iv"}:
            parts = parts[:-1]
        name = parts[-1] if parts else ""
    norm = normalise_title(name).split()
    return norm[-1] if norm else ""


def surnames(authors: list[str]) -> set[str]:
    """The set of normalised surnames of an author list (empty names dropped)."""
    return {s for s in (surname(a) for a in authors or []) if s}


def author_overlap(a: list[str], b: list[str]) -> int:
    """How many surnames two author lists share."""
    return len(surnames(a) & surnames(b))
