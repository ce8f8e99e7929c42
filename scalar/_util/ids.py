"""Strict identifier patterns: arXiv ids (modern and legacy) and DOIs.

Strict means an id is only accepted when it could really be one: a modern id needs a valid
YYMM (2007-04 onwards) and the right number of digits for its month (4 before 2015, 5 from
2015); a legacy id needs a real arXiv archive name. Junk such as ``paper/2021`` or a page range
``1096.1103`` is rejected.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["find_arxiv_id", "find_arxiv_ids", "find_doi", "split_version", "is_arxiv_id"]

# Archives that existed under the pre-2007 scheme (archive/YYMMNNN).
_LEGACY_ARCHIVES = (
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg "
    "comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph "
    "mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio q-fin quant-ph "
    "solv-int stat supr-con"
).split()
_ARCH = "|".join(sorted((re.escape(a) for a in _LEGACY_ARCHIVES), key=len, reverse=True))

# Where an id is announced as one: "arXiv:", "arxiv.org/abs/", "abs/" (CoRR), "10.48550/arXiv.".
_PREFIX = r"(?:arxiv\s*:\s*|arxiv\.org/(?:abs|pdf|html|format)/|\babs/|10\.48550/arxiv\.)"
_MODERN = r"(\d{2})(\d{2})\.(\d{4,5})(v\d+)?"
_LEGACY = rf"({_ARCH})(?:\.[a-z]{{2}})?/(\d{{2}})(\d{{2}})(\d{{3}})(v\d+)?"

_PREFIXED_MODERN = re.compile(_PREFIX + _MODERN + r"(?!\d)", re.I)
_BARE_MODERN = re.compile(r"(?<![\w.\-])" + _MODERN + r"(?![\d])(?!\.\d)", re.I)
_LEGACY_RE = re.compile(r"(?<![\w\-])" + _LEGACY + r"(?!\d)", re.I)

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>{}|\\^`]+", re.I)
_VERSION = re.compile(r"^(.*?)(v\d+)?$", re.S)


def _modern_ok(yy: str, mm: str, num: str) -> bool:
    y, m = int(yy), int(mm)
    if not 1 <= m <= 12 or y < 7 or (y == 7 and m < 4):
        return False
    return len(num) == (4 if (y, m) < (15, 1) else 5)


def _legacy_ok(yy: str, mm: str) -> bool:
    y, m = int(yy), int(mm)
    return 1 <= m <= 12 and (y >= 91 or y <= 7)


def _modern_hits(pattern: re.Pattern, text: str):
    for m in pattern.finditer(text):
        yy, mm, num, ver = m.group(1), m.group(2), m.group(3), m.group(4)
        if _modern_ok(yy, mm, num):
            yield m.start(), f"{yy}{mm}.{num}{(ver or '').lower()}"


def _legacy_hits(text: str):
    for m in _LEGACY_RE.finditer(text):
        arch, yy, mm, num, ver = m.groups()
        if _legacy_ok(yy, mm):
            yield m.start(), f"{arch.lower()}/{yy}{mm}{num}{(ver or '').lower()}"


def find_arxiv_ids(text: str | None) -> list[str]:
    """All arXiv ids in ``text`` (with their version suffix when written), announced ones
    ("arXiv:…", arxiv.org links, "abs/…") first, then bare modern and legacy ids; no duplicates."""
    if not text:
        return []
    if "%" in text:
        text = unquote(text)
    out: list[str] = []
    for hits in (
        sorted(_modern_hits(_PREFIXED_MODERN, text)),
        sorted(list(_modern_hits(_BARE_MODERN, text)) + list(_legacy_hits(text))),
    ):
        for _, ident in hits:
            if ident not in out:
                out.append(ident)
    return out


def find_arxiv_id(text: str | None) -> str | None:
    """The first arXiv id in ``text``, e.g. "2410.05602v2", "1412.3555" or "hep-th/9901001";
    None when there is none. Announced ids win over bare ones."""
    ids = find_arxiv_ids(text)
    return ids[0] if ids else None


def is_arxiv_id(text: str) -> bool:
    """Whether ``text`` (stripped) is exactly one arXiv id, optionally versioned."""
    t = text.strip()
    found = find_arxiv_id(t)
    return found is not None and found == t.lower()


def find_doi(text: str | None) -> str | None:
    """The first DOI in ``text`` ("10.1109/5.771073"), trailing punctuation and unbalanced
    closing brackets trimmed; None when there is none."""
    if not text:
        return None
    if "%" in text:
        text = unquote(text)
    m = _DOI.search(text)
    if not m:
        return None
    doi = m.group(0)
    while doi:
        last = doi[-1]
        if last in ".,;:'\"":
            doi = doi[:-1]
        elif last in ")]" and doi.count("(" if last == ")" else "[") < doi.count(last):
            doi = doi[:-1]
        else:
            break
    return doi or None


def split_version(arxiv_id: str) -> tuple[str, str | None]:
    """ "2410.05602v2" -> ("2410.05602", "v2"); "1412.3555" -> ("1412.3555", None)."""
    m = _VERSION.match(arxiv_id.strip())
    assert m is not None  # the pattern matches any string
    return m.group(1), m.group(2)
