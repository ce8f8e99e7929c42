"""What a candidate shows: the cited paper as text, in two views.

* ``full`` (easy, medium): title, abstract, then every section of the body.
* ``body`` (hard): sections only, without introduction, conclusion or abstract-like sections, and
  with the paper's own title scrubbed from the text (ar5iv pages repeat it in cross-reference
  residue such as "‣ 3 Method ‣ <title>", which gave away 88 of the original's 100 hard golds).

A view is a list of blocks (paragraphs and headings) with cached token counts, so that length
control can cut it from the end without re-tokenising the whole text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scalar.generate._tokens import SEP, TokenCounter
from scalar.schema import Paper, Reference

_FRAME_SECTION = re.compile(r"introduction|conclu|concluding|summary and outlook|abstract", re.IGNORECASE)
TITLE_MASK = "[TITLE]"


def title_pattern(title: str | None, min_words: int = 3) -> re.Pattern | None:
    """Case-insensitive pattern for ``title`` with any punctuation/whitespace between its words;
    None for titles too short to be matched safely (a one-word title is a name, not a title)."""
    if not title:
        return None
    words = re.findall(r"\w+", title)
    if len(words) < min_words:
        return None
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def scrub_title(text: str, patterns: list[re.Pattern], mask: str = TITLE_MASK) -> str:
    lowered = None
    for p in patterns:
        first = _first_word(p)
        if first:  # cheap pre-check: a case-insensitive regex scan is ~50x slower than `in`
            lowered = lowered if lowered is not None else text.lower()
            if first not in lowered:
                continue
        text = p.sub(mask, text)
        lowered = None
    return text


def _first_word(p: re.Pattern) -> str:
    m = re.match(r"\(\?<!\\w\)((?:\\.|\w)+?)\\W\+", p.pattern)
    return re.sub(r"\\(.)", r"\1", m.group(1)).lower() if m else ""


def title_patterns(title: str | None) -> list[re.Pattern]:
    """The full title, and its part after a colon when that part is itself title-like
    ("BERT: Pre-training of deep bidirectional transformers ..." -> also the subtitle)."""
    out = []
    p = title_pattern(title)
    if p:
        out.append(p)
    if title and ":" in title:
        sub = title_pattern(title.split(":", 1)[1], min_words=4)
        if sub:
            out.append(sub)
    return out


@dataclass
class View:
    """Blocks (headings and paragraphs, stripped, non-empty) joined by blank lines."""

    blocks: list[str]
    _tokens: int | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return SEP.join(self.blocks)

    def tokens(self, counter: TokenCounter) -> int:
        """Exact o200k tokens of ``text`` (computed once)."""
        if self._tokens is None:
            self._tokens = counter.count_joined(self.blocks)
        return self._tokens


@dataclass
class RefView:
    """A usable reference of the citing paper, with its two candidate views."""

    key: str
    arxiv_id: str | None
    title: str
    work: str  # identity of the cited work (arXiv id, else normalised title, else key)
    full: View
    body: View
    full_tokens: int = 0


def _body_sections(paper: Paper, frame: bool, include_appendix: bool) -> list[tuple[str, list[str]]]:
    out = []
    for s in paper.sections:
        if s.appendix and not include_appendix:
            continue
        if not frame and _FRAME_SECTION.search(s.title):
            continue
        paras = [p.text.strip() for p in s.paragraphs if p.text.strip()]
        if paras:
            out.append((" ".join(s.title.split()), paras))
    return out


def work_identity(ref: Reference | None, cited: Paper, key: str) -> str:
    arxiv = (cited.arxiv_id or (ref.arxiv_id if ref else None) or "").strip()
    if arxiv:
        return "arxiv:" + re.sub(r"v\d+$", "", arxiv.lower())
    title = cited.title or (ref.title if ref else "") or ""
    norm = " ".join(re.findall(r"\w+", title.lower()))
    return "title:" + norm if norm else "key:" + key


_AR5IV_LINK = re.compile(r"\[([^\[\]]*)\]\((?:https?://(?:ar5iv\.(?:labs\.arxiv\.)?org|arxiv\.org)/[^\s)]*)"
                         r"(?:\s+\"[^\"]*\")?\)")
_TRAIL_MIDDLE = re.compile(r"\s*‣[^‣]*?(?=\s*‣)")


def strip_residue(text: str, title: str) -> str:
    """``text`` without ar5iv cross-reference residue: a link to the page itself keeps only its
    text ('[3(a)](https://ar5iv.org/html/...#x "Figure 3 ‣ 4 Method ‣ Title")' -> '3(a)'), and a
    bare trail 'Lemma 5.9 (...). ‣ 5 Proof ‣ Title' loses its section names and the title that
    ends it (LaTeXML trails end with the document's title)."""
    if "](" in text:
        text = _AR5IV_LINK.sub(lambda m: m.group(1), text)
    if "‣" not in text:
        return text
    text = _TRAIL_MIDDLE.sub("", text)
    n = len(title.split()) or 1

    def last(m: re.Match) -> str:
        words = m.group(1).split(" ")
        return " " + " ".join(words[n:]) if len(words) > n else ""

    return re.sub(r"\s*‣\s*([^‣]*)", last, text)


def build_ref_view(key: str, ref: Reference | None, cited: Paper, counter: TokenCounter, *,
                   include_appendix: bool = False, clean: bool = False) -> RefView | None:
    """Both views of one cited paper; None when it has no full text (no section with text).
    ``clean``: ar5iv cross-reference residue removed (``strip_residue``)."""
    title = " ".join((cited.title or (ref.title if ref else "") or "").split())
    sections = _body_sections(cited, frame=True, include_appendix=include_appendix)
    if not sections:
        return None
    blocks = []
    if title:
        blocks.append(title)
    if cited.abstract.strip():
        blocks.append("Abstract: " + " ".join(cited.abstract.split()))
    if clean:
        sections = [(strip_residue(name, title), [strip_residue(p, title) for p in paras]) for name, paras in sections]
    for name, paras in sections:
        blocks.append("## " + name)
        blocks.extend(paras)
    patterns = title_patterns(title)
    body_blocks = []
    for name, paras in _body_sections(cited, frame=False, include_appendix=include_appendix):
        if clean:
            name, paras = strip_residue(name, title), [strip_residue(p, title) for p in paras]
        body_blocks.append("## " + scrub_title(name, patterns))
        body_blocks.extend(scrub_title(p, patterns) for p in paras)
    body_blocks = [b for b in body_blocks if b.strip()]
    full, body = View(blocks), View(body_blocks)
    return RefView(key=key, arxiv_id=cited.arxiv_id or (ref.arxiv_id if ref else None), title=title,
                   work=work_identity(ref, cited, key), full=full, body=body,
                   full_tokens=full.tokens(counter))

