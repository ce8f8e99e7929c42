"""Bibliography entries (``li.ltx_bibitem``) -> Reference records.

LaTeXML renders an entry either from the author's .bbl (the usual arXiv case: a tag and a few
``span.ltx_bibblock`` blocks, typically authors / title / venue+year) or from a .bib file
(semantic spans ``ltx_bib_author``, ``ltx_bib_title``, ``ltx_bib_year``). Both are read here;
identifiers come from the entry text and its links through the strict patterns of ``ids``.
Text keeps its Unicode (no ASCII folding): "Çağlar Gülçehre" stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scalar._util.ids import find_arxiv_id, find_doi, split_version
from scalar.schema import Reference

# A year, not part of a longer number or an arXiv id such as 2012.01234.
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})[a-z]?(?![\d])(?!\.\d)")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b10\.\d{4,9}/\S+|arxiv\s*:\s*\S+|abs/\S+", re.I)
# Sentence ends, not after an initial ("A. Smith") or a short abbreviation ("vs.").
_SENTENCE = re.compile(r"(?<=[^\s.]{2})[.?!]\s+(?=\S)")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,\s*and\s+|;\s*and\s+|\s+and\s+|,?\s*&\s*|;\s*|,\s*)", re.I)
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.\s*-?\s*)+$|^[A-Z]{1,3}$")
_ETAL = re.compile(r"^(?:et\s*al\.?|others|and others)$", re.I)
_TRAILING_YEAR = re.compile(r"\(?\b(?:19|20)\d{2}[a-z]?\)?\.?$")


def _has(el, cls: str) -> bool:
    c = el.get("class")
    return c is not None and cls in c.split()


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date that a bibliography style appended to the title block: "Title, 2024.", "Title, June
# 2021a.", "Title (2019)". Only after a separator or in parentheses: "Challenge 2012" and "YOLO
# series in 2021" are titles that end in a year.
_TITLE_DATE = re.compile(
    rf"(?:\s*[,.;:](?P<q>[”\"’']?)\s*(?:{_MONTH}\s+)?(?:\d{{1,2}},?\s+)?|\s*\(\s*(?:{_MONTH}\s+)?)"
    rf"(?:19|20)\d{{2}}[a-z]?\s*\)?[\s.,;:]*$", re.I)
_YEAR_ONLY = re.compile(r"^\(?\s*(?:19|20)\d{2}[a-z]?\s*\)?[.,;:]?$")
_QUOTES = ("\"“'‘«", "\"”'’»")


def _unquote(t: str) -> str:
    t = t.strip(" .,;:")
    if len(t) >= 2 and t[0] in _QUOTES[0] and t[-1] in _QUOTES[1]:
        t = t[1:-1].strip(" .,;:")
    return t


def _strip_title(t: str) -> str:
    t = _unquote(t.strip())
    stripped = _TITLE_DATE.sub(lambda m: m.group("q") or "", t)
    if stripped != t and stripped.strip(" .,;:") and not _YEAR_ONLY.match(stripped):
        t = _unquote(stripped)
    return t


def split_authors(block: str) -> list[str]:
    """ "D. Bahdanau, K. Cho, and Y. Bengio." -> ["D. Bahdanau", "K. Cho", "Y. Bengio"];
    "Smith, J. and Lee, K." -> ["Smith, J.", "Lee, K."]."""
    text = _TRAILING_YEAR.sub("", block.strip()).strip(" ,;")
    text = re.sub(r",?\s+(?:et\s*al\.?|and\s+others)$", "", text)  # "Brown, T. et al."
    text = re.sub(r"(?<=[^\s.]{2})\.$", "", text).strip(" ,;")  # the list's full stop, not an initial's
    if not text:
        return []
    parts = [p.strip(" .,;") if not _INITIALS.match(p.strip(" ,;")) else p.strip(" ,;")
             for p in _AUTHOR_SPLIT.split(text)]
    parts = [p for p in parts if p and not _ETAL.match(p)]
    # "Last, F." pairs: every second part is initials only.
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(_INITIALS.match(p) for p in parts[1::2]) \
            and not any(_INITIALS.match(p) for p in parts[0::2]):
        parts = [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]
    # An author is a few words; longer pieces mean this was not an author list.
    return [p for p in parts if 0 < len(p.split()) <= 6 and not any(ch.isdigit() for ch in p)]


def _looks_like_authors(block: str) -> bool:
    names = split_authors(block)
    if not names:
        return False
    words = block.split()
    return bool(re.search(r"\b[A-Z]\.|,| and |&", block)) and len(words) <= 8 * len(names)


_SURNAME = r"[^\W\d_][\w'’\-]*(?:\s[^\W\d_][\w'’\-]*){0,2}"  # "Vaswani", "van den Oord"
_INITS = r"[^\W\d_]\.(?:\s?-?[^\W\d_]\.){0,2}"  # "A.", "J.-P.", "K. R."
_LF_NAME = rf"{_SURNAME},\s{_INITS}"
_LAST_FIRST_LIST = re.compile(
    rf"^{_LF_NAME}(?:,\s(?:and\s|&\s)?{_LF_NAME}|\s(?:and|&)\s{_LF_NAME})*(?:,?\s+et\s+al\.)?(?=\s*\S)")

_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "dos", "del", "la", "le", "al", "bin"})


def _one_name(sentence: str) -> bool:
    """A single author's name: one to four capitalised words ("Francois Chollet", "Quoc V.
    Le", "Jan van Gemert", an organisation such as "Anthropic"), no digits."""
    words = sentence.split()
    return 1 <= len(words) <= 4 and not any(ch.isdigit() for ch in sentence) and all(
        (w[0].isupper() and re.fullmatch(r"[^\W\d_][\w'’\-.]*", w)) or w in _PARTICLES for w in words)


def _year_from(*texts: str) -> int | None:
    for t in texts:
        if not t:
            continue
        years = _YEAR.findall(_URL.sub(" ", t))
        if years:
            return int(years[-1])
    return None


def _short_label(tag: str) -> str | None:
    """Author part of an author-year tag: "Bahdanau et al. (2014)" -> "Bahdanau et al."."""
    m = re.match(r"^(.*?)[\s,]*\(?\s*(?:19|20)\d{2}[a-z]?\)?\s*$", tag)
    if m and m.group(1) and not m.group(1).strip().startswith("["):
        return m.group(1).strip()
    return None


def parse_bibitem(li, key: str, text_of: Callable) -> tuple[Reference, str | None]:
    """One ``li.ltx_bibitem`` -> (Reference, short author label or None)."""
    tag_el = None
    blocks: list[str] = []
    sem: dict[str, list[str]] = {}
    for el in li.iter():
        c = el.get("class")
        if not c:
            continue
        classes = c.split()
        if tag_el is None and "ltx_tag_bibitem" in classes:
            tag_el = el
        if "ltx_bibblock" in classes and "ltx_bib_cited" not in classes:  # not "Cited by: §1"
            blocks.append(text_of(el))
        for name in ("ltx_bib_author", "ltx_bib_title", "ltx_bib_year"):
            if name in classes:
                sem.setdefault(name, []).append(text_of(el))
    tag = text_of(tag_el) if tag_el is not None else ""
    blocks = [b for b in blocks if b]
    if blocks:
        raw = " ".join(blocks)
    else:
        raw = text_of(li, skip=tag_el)
    hrefs = [a.get("href") or "" for a in li.iter("a")]
    id_text = " ".join(hrefs + [raw])

    title: str | None = None
    authors: list[str] = []
    if "ltx_bib_title" in sem:
        title = _strip_title(sem["ltx_bib_title"][0])
    if "ltx_bib_author" in sem:
        for a in sem["ltx_bib_author"]:
            authors.extend(split_authors(a))
    if title is None or not authors:
        t2, a2 = _title_and_authors(blocks or [raw])
        title = title or t2
        authors = authors or a2

    year = None
    if "ltx_bib_year" in sem:
        year = _year_from(*sem["ltx_bib_year"])
    year = year or _year_from(tag) or _year_from(*reversed(blocks[2:] if len(blocks) > 2 else blocks))
    year = year or _year_from(raw)

    arxiv_id = find_arxiv_id(id_text)
    if arxiv_id:
        arxiv_id = split_version(arxiv_id)[0]
    ref = Reference(
        key=key,
        raw=raw,
        title=title or None,
        authors=authors,
        year=year,
        arxiv_id=arxiv_id,
        doi=find_doi(id_text),
    )
    return ref, _short_label(tag)


_VENUE_HINT = re.compile(r"(?:19|20)\d{2}|\b(?:In|Proc|Proceedings|Journal|Conference|Workshop|"
                        r"Transactions|arXiv|preprint|thesis|University|Press|Technical report|"
                        r"vol|pages|pp)\b", re.I)


def _title_sentence(block: str) -> str:
    """The title block sometimes runs on into the venue ("Title. Diploma thesis, TU München,
    1991."): cut at the first sentence end when what follows reads like a venue."""
    parts = _SENTENCE.split(block, maxsplit=1)
    if len(parts) == 2 and _VENUE_HINT.search(parts[1]) and len(parts[0].split()) >= 2:
        return parts[0]
    return block


def _title_and_authors(blocks: list[str]) -> tuple[str | None, list[str]]:
    if len(blocks) >= 3 or (len(blocks) == 2 and _looks_like_authors(blocks[0])):
        # With three or more blocks the first is the author list by construction (.bbl blocks).
        authors = split_authors(blocks[0]) if len(blocks) >= 3 or _looks_like_authors(blocks[0]) else []
        return _strip_title(_title_sentence(blocks[1])) or None, authors
    # One block (or two odd ones): "Authors. Title. Venue, year."
    text = " ".join(blocks)
    m = _LAST_FIRST_LIST.match(text)
    if m:
        # "Vaswani, A., Shazeer, N., and Parmar, N. Title. Venue." (ICML, APA): the author list
        # ends on an initial, which the sentence split cannot tell from a name's middle initial.
        rest = [s for s in _SENTENCE.split(text[m.end():]) if s.strip()]
        if rest and _YEAR_ONLY.match(rest[0].strip()) and len(rest) >= 2:
            rest = rest[1:]
        if rest and not _YEAR_ONLY.match(rest[0].strip()):
            return _strip_title(_title_sentence(rest[0])) or None, split_authors(m.group(0))
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if len(sentences) >= 3 and _one_name(sentences[0]) and not _looks_like_authors(sentences[0]):
        rest = sentences[1:]
        if len(rest) >= 2 and _YEAR_ONLY.match(rest[0].strip()):
            rest = rest[1:]
        return _strip_title(rest[0]) or None, [sentences[0].strip()]  # "Alex Graves. Title. Venue."
    if len(sentences) >= 2 and _looks_like_authors(sentences[0]):
        rest = sentences[1:]
        if len(rest) >= 2 and _YEAR_ONLY.match(rest[0].strip()):
            rest = rest[1:]  # ACM / APA: "Authors. 2024. Title. Venue." — the year is not the title
        return _strip_title(rest[0]) or None, split_authors(sentences[0])
    if sentences:
        # the longest sentence that is not a link ("URL https://…")
        prose = [x for x in sentences if not _URL.search(x)] or sentences
        longest = max(prose, key=len)
        return _strip_title(longest) or None, []
    return None, []


def reference_from_text(key: str, raw: str, links: list[str] | None = None) -> Reference:
    """A Reference from a plain-text entry (PDF references list): "Authors. Title. Venue, year."
    Identifiers come from the text and from any link targets found on the entry."""
    raw = " ".join(raw.split())
    title, authors = _title_and_authors([raw])
    id_text = " ".join((links or []) + [raw])
    arxiv_id = find_arxiv_id(id_text)
    return Reference(
        key=key,
        raw=raw,
        title=title,
        authors=authors,
        year=_year_from(raw),
        arxiv_id=split_version(arxiv_id)[0] if arxiv_id else None,
        doi=find_doi(id_text),
    )


def first_author_surname(ref: Reference) -> str | None:
    """ "Zoë Müller" -> "Müller"; "Smith, J." -> "Smith"; "D. Bahdanau" -> "Bahdanau"."""
    if not ref.authors:
        m = re.match(r"\s*([^\W\d_][\w'’\-]+)", ref.raw)
        return m.group(1) if m else None
    first = ref.authors[0]
    if "," in first:
        return first.split(",")[0].strip() or None
    words = [w for w in first.replace(".", ". ").split() if not w.endswith(".")]
    return words[-1] if words else None
