"""One citing paper prepared for question generation, and the draft questions drawn from it.

Preparation happens once per paper: occurrences extracted and typed, usable references turned into
candidate views with token counts, works identified (two bibliography keys that resolve to the same
arXiv paper are one work: masking, distractors and answers all operate on works).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from scalar.generate._candidates import RefView, build_ref_view, scrub_title, title_patterns
from scalar.generate._leak_checks import sentence_bounds, shows_title, surface_name_hit
from scalar.generate._occurrences import Occurrence, assign_types, extract_occurrences
from scalar.generate._tokens import TokenCounter
from scalar.schema import OPAQUE_LABEL_FORMAT, CitingPaper


@dataclass
class PaperPrep:
    cp: CitingPaper
    paper_id: str
    occurrences: list[Occurrence]
    refs: dict[str, RefView]  # usable references by key
    work_of: dict[str, str]  # key -> work identity (usable keys only)
    header: list[str]
    section_titles: dict[int, str]
    paragraphs: dict[tuple[int, int], str]  # (section, paragraph) -> text, non-appendix only
    paragraph_index: dict[tuple[int, int], int]  # global reading order
    unusable: dict[str, int] = field(default_factory=dict)

    _title_hits: dict = field(default_factory=dict, repr=False)
    _by_work: dict = field(default_factory=dict, repr=False)
    _at: dict = field(default_factory=dict, repr=False)  # (section, paragraph) -> occurrences there
    _locs: dict = field(default_factory=dict, repr=False)
    _title_patterns: dict = field(default_factory=dict, repr=False)
    _opaque: dict = field(default_factory=dict, repr=False)
    _same_sentence: dict = field(default_factory=dict, repr=False)
    _terms: dict = field(default_factory=dict, repr=False)  # (work, view) -> shortcuts.TermCounts

    def title_hits(self, work: str) -> tuple[list[re.Pattern], set]:
        """The work's title patterns and the paragraphs (and "header") where one matches; computed
        once per work, so each question re-runs substitutions only where there is something."""
        if work not in self._title_hits:
            patterns = self.title_patterns_of(work)
            hits: set = set()
            if patterns:
                for loc, text in self.paragraphs.items():
                    if any(p.search(text) for p in patterns):
                        hits.add(loc)
                if any(p.search(h) for p in patterns for h in self.header):
                    hits.add("header")
            self._title_hits[work] = (patterns, hits)
        return self._title_hits[work]

    def title_patterns_of(self, work: str) -> list[re.Pattern]:
        got = self._title_patterns.get(work)
        if got is None:
            got = self._title_patterns[work] = gold_title_patterns(self, [work])
        return got

    def cited_identity(self, key: str) -> str:
        """The work a citation key stands for: its work when usable, else the key itself."""
        return self.work_of.get(key) or "key:" + key

    def opaque_labels(self) -> dict[str, str]:
        """Cited identity -> opaque label ("[REF-3]"), numbered by first citation in reading order:
        the same label for every citation of one work, nothing of its authors, year or number."""
        if not self._opaque:
            for o in self.occurrences:
                ident = self.cited_identity(o.key)
                if ident not in self._opaque:
                    self._opaque[ident] = OPAQUE_LABEL.format(len(self._opaque) + 1)
        return self._opaque

    def same_sentence_works(self, work: str) -> set[str]:
        """Works cited in a sentence that also cites ``work`` (any occurrence, grouped or not):
        such a work may be interchangeable with it, so it is never its distractor."""
        got = self._same_sentence.get(work)
        if got is None:
            got = set()
            for o in self.occurrences:
                if self.work_of.get(o.key) != work:
                    continue
                text = self.paragraphs.get((o.section, o.paragraph))
                if text is None:
                    continue
                lo, hi = sentence_bounds(text, o.start, o.end)
                for other in self.occurrences_at((o.section, o.paragraph)):
                    w = self.work_of.get(other.key)
                    if w and w != work and other.start < hi and other.end > lo:
                        got.add(w)
            self._same_sentence[work] = got
        return got

    def keys_of(self, work: str) -> list[str]:
        return sorted(k for k, w in self.work_of.items() if w == work)

    def occurrences_of_work(self, work: str) -> list[Occurrence]:
        if not self._by_work:
            for o in self.occurrences:
                w = self.work_of.get(o.key)
                if w is not None:
                    self._by_work.setdefault(w, []).append(o)
        return self._by_work.get(work, [])

    def occurrences_at(self, loc: tuple[int, int]) -> list[Occurrence]:
        if not self._at:
            for o in self.occurrences:
                self._at.setdefault((o.section, o.paragraph), []).append(o)
        return self._at.get(loc, [])

    def _masks_work(self, o: Occurrence, labels) -> str | None:
        """The work of ``labels`` that occurrence ``o`` is masked for (a region that swallowed an
        overlapping span of a labelled work counts too)."""
        for key in (o.key, *o.also):
            w = self.work_of.get(key)
            if w in labels:
                return w
        return None

    def locs_of_work(self, work: str) -> list[tuple[int, int]]:
        """Paragraphs where ``work`` is masked, reading order."""
        got = self._locs.get(work)
        if got is None:
            got = self._locs[work] = sorted({(o.section, o.paragraph) for o in self.occurrences
                                             if self._masks_work(o, (work,))})
        return got

    def masked(self, loc: tuple[int, int], labels: dict[str, str], opaque: bool = False) -> str:
        """Paragraph ``loc`` with every occurrence of a work in ``labels`` replaced by its label;
        with ``opaque``, every other citation replaced by its work's opaque label."""
        text = self.paragraphs[loc]
        edits = []
        others = self.opaque_labels() if opaque else {}
        for o in self.occurrences_at(loc):
            w = self._masks_work(o, labels)
            if w is not None:
                edits.append((o.start, o.end, labels[w]))
            elif opaque:
                edits.append((o.start, o.end, others[self.cited_identity(o.key)]))
        for start, end, label in sorted(edits, reverse=True):
            text = text[:start] + label + text[end:]
        return text


OPAQUE_LABEL = OPAQUE_LABEL_FORMAT


@dataclass
class Draft:
    """A question before positions are balanced and lengths fitted. ``prep`` is set only while its
    paper is being drafted or rendered (None in between: drafts of every paper wait for the
    release-wide steps, and must stay small)."""

    prep: PaperPrep | None
    task: str
    difficulty: str
    anchors: list[Occurrence]  # mcq: one; cloze: one per mask, reading order
    golds: list[str]  # works, one per anchor
    distractors: list[str]  # works
    view: str  # "full" | "body"
    citation_type: str | None
    base_id: str
    order: list[str] = field(default_factory=list)  # candidate works in final order
    answer: int | list[int] = 0
    # balanced mode: mcq, shortcut target (topical rank - 1, length rank - 1) -> (distractors,
    # ranks); cloze, a list of cloze_balance.SetOption
    options: dict | list = field(default_factory=dict)
    shortcut_ranks: dict[str, int] | None = None
    mask_shortcut_ranks: list[dict[str, int]] | None = None  # cloze: per mask, in mask order


def paper_label(cp: CitingPaper) -> str:
    p = cp.paper
    if p.arxiv_id:
        return p.arxiv_id + (p.version or "")
    from scalar._util.seeds import stable_id

    return "untitled-" + stable_id(p.title, p.abstract[:200], length=12)


def prepare_paper(cp: CitingPaper, counter: TokenCounter, typer, *, max_candidate_tokens: int,
                  include_appendix: bool = False, clean: bool = False) -> PaperPrep:
    paper = cp.paper
    occurrences = extract_occurrences(paper, include_appendix=include_appendix)
    assign_types(paper, occurrences, typer)
    refs_by_key = {r.key: r for r in paper.references}
    refs: dict[str, RefView] = {}
    unusable: dict[str, int] = defaultdict(int)
    cited_keys = {o.key for o in occurrences}
    for key in sorted(cp.cited):
        if key not in cited_keys:
            continue  # never cited in the text we show: cannot be a gold, and no position
        view = build_ref_view(key, refs_by_key.get(key), cp.cited[key], counter,
                              include_appendix=False, clean=clean)
        if view is None:
            unusable["no_full_text"] += 1
            continue
        if view.full_tokens > max_candidate_tokens:
            unusable["too_long"] += 1
            continue
        refs[key] = view
    header = [paper.title.strip()] if paper.title.strip() else []
    if paper.abstract.strip():
        header.append("Abstract: " + paper.abstract.strip())
    section_titles, paragraphs, index = {}, {}, {}
    g = 0
    for si, s in enumerate(paper.sections):
        if s.appendix and not include_appendix:
            continue
        section_titles[si] = s.title
        for pi, p in enumerate(s.paragraphs):
            paragraphs[(si, pi)] = p.text
            index[(si, pi)] = g
            g += 1
    return PaperPrep(cp=cp, paper_id=paper_label(cp), occurrences=occurrences, refs=refs,
                     work_of={k: v.work for k, v in refs.items()}, header=header,
                     section_titles=section_titles, paragraphs=paragraphs, paragraph_index=index,
                     unusable=dict(unusable))


def body_shows_title(prep: PaperPrep, work: str) -> bool:
    """Whether ``work``'s body still shows its title by the audit's check: a hard gold (mcq or
    cloze) whose hidden title this finds is not asked."""
    ref = work_ref(prep, work)
    return shows_title(ref.body.text, ref.title)


def work_ref(prep: PaperPrep, work: str) -> RefView:
    """The view shown for a work: that of its first key (keys of one work share the cited paper)."""
    return prep.refs[prep.keys_of(work)[0]]


def view_for(difficulty: str) -> str:
    """The candidate view a difficulty shows: hard the body only, the others the full text."""
    return "body" if difficulty == "hard" else "full"


def view_text(prep: PaperPrep, work: str, view: str) -> str:
    """The text a candidate shows: the body only for hard ("body"), else title, abstract and text."""
    ref = work_ref(prep, work)
    return (ref.body if view == "body" else ref.full).text


def view_terms(prep: PaperPrep, work: str, view: str):
    """``view_text`` as BM25 sees it (shortcuts.TermCounts), cached on the paper: every question
    of a paper scores the same pool."""
    from scalar.generate.shortcuts import TermCounts

    if (work, view) not in prep._terms:
        prep._terms[(work, view)] = TermCounts.of(view_text(prep, work, view))
    return prep._terms[(work, view)]


def surface_leak(prep: PaperPrep, labels: dict[str, str], gold: str, rivals: list[str], window: int,
                 opaque: bool = False) -> list[str]:
    """The surface-name rule — ``_leak_checks.surface_name_hit``, the very function ``scalar audit``
    counts with — on every paragraph holding a mask of ``gold``, as the question shows it: each work in
    ``labels`` masked with its label, before and after the golds' titles are redacted (a title
    written next to the mask is a match even though redaction would hide it). ``rivals``: the other
    candidates. Returns what matched (empty: a string matcher cannot pick the gold)."""
    titles = [work_ref(prep, gold).title or None] + [work_ref(prep, w).title or None for w in rivals]
    label = labels[gold]
    hits: list[str] = []
    for loc in prep.locs_of_work(gold):
        texts = [prep.masked(loc, labels, opaque)]
        scrubbed = scrub_title(texts[0], [p for w in labels for p in prep.title_patterns_of(w)])
        if scrubbed != texts[0]:
            texts.append(scrubbed)
        for text in texts:
            hits += [h for h in surface_name_hit(text, label, titles, 0, window) if h not in hits]
    return hits


def gold_title_patterns(prep: PaperPrep, works: list[str]) -> list[re.Pattern]:
    out = []
    for w in works:
        for key in prep.keys_of(w):
            out.extend(title_patterns(prep.refs[key].title))
            ref = prep.cp.paper.reference(key)
            if ref and ref.title and ref.title != prep.refs[key].title:
                out.extend(title_patterns(ref.title))
    return out


def eligible_works(prep: PaperPrep, difficulty: str) -> list[str]:
    works = {v.work for v in prep.refs.values()}
    if difficulty == "hard":
        works = {w for w in works if work_ref(prep, w).body.blocks}
    return sorted(works)


def nearest_works(prep: PaperPrep, anchors: list, exclude: set[str], pool: set[str], k: int) -> list[str]:
    """The ``k`` works cited closest to any anchor occurrence (by character position in the
    paper, document order on ties), excluding ``exclude`` and anything outside ``pool``."""
    scored = []
    for o in prep.occurrences:
        w = prep.work_of.get(o.key)
        if w is None or w in exclude or w not in pool:
            continue
        scored.append((min(abs(o.position - a.position) for a in anchors), o.order, w))
    out: list[str] = []
    for _, _, w in sorted(scored):
        if w not in out:
            out.append(w)
        if len(out) == k:
            break
    return out
