"""`scalar audit`: how far shortcuts get on a release.

For every difficulty (and cloze questions separately) the audit measures
  * answer positions and a chi-square test against a uniform spread;
  * gold title in context: the gold paper's title (or 80% of it, consecutive) appears in the
    question's context;
  * surface-name match: name-like words next to a mask occur in the gold's title and in no other
    candidate's title (solvable by string matching) — the rule the generator rejects with;
  * cited elsewhere, unmasked: another occurrence of the gold reference is still visible in the
    context (needs the release's papers/ folder; "n/a" otherwise);
  * lexical baseline: BM25 between the 50 words either side of the mask and each candidate text;
    for every mask it gets right, the words that separated the gold from its best rival
    (``AuditReport.lexical_evidence``), so a reader can tell topic words from a leak;
  * hidden title revealed: candidates whose text does not start with their title (title hidden by
    design, e.g. hard) but contain it further down (ar5iv cross-reference residue), gold only;
  * ar5iv residue ("‣" cross-reference trails) in candidate texts; the gold being the longest
    candidate; candidate sets reused with a different gold;
  * token lengths (o200k) of context plus candidate texts, percentiles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from scalar._util.progress import progress_bar
from scalar.generate import _leak_checks as checks
from scalar.generate.lexical import deciding_terms, masked_window, rank_candidates
from scalar.generate.shortcuts import DEFAULT_WINDOWS, candidate_scores, dense_variant_of, gold_rank, top_share
from scalar.schema import Paper, Question

EXAMPLES_PER_CHECK = 10


class Rate(BaseModel):
    hits: float = 0  # a float so that the lexical baseline can count ties fractionally
    n: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def share(self) -> float | None:
        return self.hits / self.n if self.n else None

    def add(self, hit: float | bool) -> None:
        self.hits += float(hit)
        self.n += 1


class PositionStats(BaseModel):
    counts: list[int] = Field(default_factory=list)  # gold index -> number of questions
    chi2: float | None = None
    p_value: float | None = None


class TokenPercentiles(BaseModel):
    n: int = 0
    min: int = 0
    p10: float = 0
    p50: float = 0
    p90: float = 0
    max: int = 0
    mean: float = 0


class ShortcutStats(BaseModel):
    """One shortcut scorer on one group: accuracy when it answers (ties at the top count
    fractionally), a 95% Wilson interval, and where it ranks the gold (1 = picked)."""

    accuracy: Rate = Field(default_factory=Rate)
    low: float | None = None
    high: float | None = None
    ranks: list[int] = Field(default_factory=list)  # gold rank r -> count at index r-1
    chi2: float | None = None
    p_value: float | None = None


class GroupAudit(BaseModel):
    n_questions: int = 0
    n_targets: int = 0  # masks (1 per mcq question, several per cloze question)
    n_candidates: int | None = None  # candidates per question; None when questions differ
    chance: float | None = None  # accuracy of guessing uniformly
    positions: PositionStats = Field(default_factory=PositionStats)
    gold_title_in_context: Rate = Field(default_factory=Rate)
    surface_name_match: Rate = Field(default_factory=Rate)
    gold_cited_elsewhere: Rate = Field(default_factory=Rate)
    lexical_accuracy: Rate = Field(default_factory=Rate)
    hidden_title_revealed: Rate = Field(default_factory=Rate)
    candidate_residue: Rate = Field(default_factory=Rate)  # over candidates
    gold_longest: Rate = Field(default_factory=Rate)
    reused_candidate_sets: int = 0
    tokens: TokenPercentiles = Field(default_factory=TokenPercentiles)
    # every shortcut scorer (bm25_<w>, dense, length) and the long-context gain: BM25 over the
    # windows of all masked occurrences of the gold pooled, next to the single (first) window
    shortcuts: dict[str, ShortcutStats] = Field(default_factory=dict)
    pooled_lexical_accuracy: Rate = Field(default_factory=Rate)
    distractor_in_masked_sentence: Rate = Field(default_factory=Rate)
    distractor_in_masked_paragraph: Rate = Field(default_factory=Rate)


class LexicalEvidence(BaseModel):
    """Why the BM25 baseline picked the gold of one mask: the words that most separate the gold's
    text from the best-scoring other candidate (gold's BM25 contribution minus that rival's)."""

    question: str
    mask: str
    gold_title: str | None = None
    terms: list[tuple[str, float]] = Field(default_factory=list)


class AuditReport(BaseModel):
    data_dir: str
    release_id: str
    venue: str
    n_questions: int
    papers_available: int = 0  # citing papers found in papers/ (for the cited-elsewhere check)
    groups: dict[str, GroupAudit] = Field(default_factory=dict)  # "easy", ..., "cloze/hard", "all"
    examples: dict[str, list[str]] = Field(default_factory=dict)  # check -> question ids (+ what matched)
    lexical_evidence: list[LexicalEvidence] = Field(default_factory=list)  # one per mask BM25 got right


# --------------------------------------------------------------------------- running


def audit_release(data_dir: str | Path, *, progress: bool = True, windows=DEFAULT_WINDOWS,
                  dense=None, dense_family: Sequence[tuple[int, int]] = ()) -> AuditReport:
    """Audit the release folder ``data_dir`` (manifest and SHA-256 are checked when read).
    ``windows``: BM25 windows of the shortcut scorers; ``dense``: a ``dense.DenseScorer`` to add
    the dense scorer (None: left out); ``dense_family``: (query window, chunks) variants of it
    to add as scorers of their own (``dense_w<window>_c<chunks>``)."""
    from scalar.release import load_release

    manifest, questions = load_release(data_dir)
    papers = _PaperCache(Path(data_dir))
    report = AuditReport(data_dir=str(data_dir), release_id=manifest.release_id, venue=manifest.venue,
                         n_questions=len(questions))
    groups: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        groups[q.difficulty if q.task == "mcq" else f"cloze/{q.difficulty}"].append(q)
    order = [g for g in ("easy", "medium", "hard") if g in groups]
    order += sorted(g for g in groups if g not in order)

    examples: dict[str, list[str]] = defaultdict(list)
    evidence: list[LexicalEvidence] = []
    with progress_bar(progress, "auditing", len(questions)) as advance:
        audited = {}
        for name in order:
            audited[name] = _audit_group(groups[name], papers, examples, advance, evidence,
                                         windows=tuple(windows), dense=dense,
                                         dense_family=tuple(dense_family))
    if len(order) > 1:
        audited["all"] = _merge(list(audited.values()), [q for name in order for q in groups[name]])
    report.groups = audited
    report.papers_available = papers.found
    report.examples = {k: v[:EXAMPLES_PER_CHECK] for k, v in examples.items()}
    report.lexical_evidence = evidence
    return report


class _PaperCache:
    def __init__(self, release_dir: Path):
        self.release_dir = release_dir
        self._paths: dict[str, Path | None] = {}  # Question.paper -> its file (versions share one)
        self._cache: dict[Path, Paper] = {}
        self.found = 0

    def get(self, paper: str) -> Paper | None:
        from scalar.release import find_paper, read_paper

        if paper not in self._paths:
            self._paths[paper] = find_paper(self.release_dir, paper)
        path = self._paths[paper]
        if path is None:
            return None
        if path not in self._cache:
            self._cache[path] = read_paper(path)
            self.found += 1
        return self._cache[path]


def _targets(q: Question) -> list[tuple[str, int]]:
    """(mask string, gold index) per mask: one for mcq, one per [MASK_i] for cloze."""
    golds = q.answer if isinstance(q.answer, list) else [q.answer]
    return [(mask, int(g)) for mask, g in zip(q.masks, golds)]


def _gold_keys(q: Question) -> list[str]:
    if isinstance(q.gold_key, list):
        return q.gold_key
    if q.gold_key:
        return [q.gold_key]
    return [q.candidates[g].key for _, g in _targets(q)]


_TOKEN_CACHE: dict[bytes, int] = {}


def _tokens(text: str) -> int:
    """o200k tokens, memoised by a digest (candidate texts repeat across questions; keeping the
    texts themselves as cache keys would hold a whole release in memory)."""
    import hashlib

    from scalar._util.tokens import count_tokens

    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    n = _TOKEN_CACHE.get(key)
    if n is None:
        if len(_TOKEN_CACHE) > 200_000:
            _TOKEN_CACHE.clear()
        n = _TOKEN_CACHE[key] = count_tokens(text)
    return n


def _audit_group(questions: list[Question], papers: _PaperCache, examples, advance,
                 evidence: list[LexicalEvidence] | None = None, *, windows=DEFAULT_WINDOWS,
                 dense=None, dense_family: Sequence[tuple[int, int]] = ()) -> GroupAudit:
    g = GroupAudit(n_questions=len(questions))
    shortcut_hits: dict[str, list[float]] = defaultdict(list)
    shortcut_ranks: dict[str, Counter] = defaultdict(Counter)
    positions: Counter[int] = Counter()
    width = max((len(q.candidates) for q in questions), default=0)
    seen_sets: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]] = defaultdict(set)
    lengths = []
    chance = []
    for q in questions:
        titles = [c.title for c in q.candidates]
        texts = [c.text for c in q.candidates]
        ctx_index = checks.NgramIndex(q.context)
        targets = _targets(q)
        g.n_targets += len(targets)
        title_hit = name_hit = False
        for mask, gold in targets:
            positions[gold] += 1
            chance.append(1 / len(q.candidates))
            if checks.title_in(ctx_index, titles[gold]):
                title_hit = True
            hits = checks.surface_name_hit(q.context, mask, titles, gold)
            if hits:
                name_hit = True
                examples["surface_name_match"].append(f"{q.id} {'/'.join(hits)}")
            window = masked_window(q.context, mask)
            scores = rank_candidates(window, texts)
            for name, sc in candidate_scores(q.context, texts, mask, windows, dense, dense_family).items():
                shortcut_hits[name].append(_tie_hit(sc, gold))
                shortcut_ranks[name][gold_rank(sc, gold)] += 1
            pooled = " ".join(masked_window(part, mask) for part in _each_mask(q.context, mask))
            g.pooled_lexical_accuracy.add(_tie_hit(rank_candidates(pooled, texts), gold))
            top = max(scores) if scores else 0
            tied = [i for i, s in enumerate(scores) if s == top]
            g.lexical_accuracy.add(1 / len(tied) if gold in tied else 0)
            if gold in tied and top > 0 and evidence is not None:
                terms = deciding_terms(window, texts, gold)
                evidence.append(LexicalEvidence(question=q.id, mask=mask, gold_title=titles[gold], terms=terms))
                examples["lexical_baseline"].append(f"{q.id} {'/'.join(t for t, _ in terms[:3])}")
            lengths_gold = len(texts[gold])
            g.gold_longest.add(all(lengths_gold > len(t) for i, t in enumerate(texts) if i != gold))
            # The gold's own title in its text, where the title is not shown up front.
            if not checks.starts_with_title(texts[gold], titles[gold]) and checks.title_words(titles[gold]):
                revealed = checks.shows_title(texts[gold], titles[gold])
                g.hidden_title_revealed.add(revealed)
                if revealed:
                    examples["hidden_title_revealed"].append(q.id)
        g.gold_title_in_context.add(title_hit)
        if title_hit:
            examples["gold_title_in_context"].append(q.id)
        g.surface_name_match.add(name_hit)
        for t in texts:
            g.candidate_residue.add("‣" in t)
        paper = papers.get(q.paper)
        if paper is not None:
            squashed = checks.squash(q.context)
            visible = [v for key in _gold_keys(q) for v in checks.visible_occurrences(squashed, paper, key)]
            g.gold_cited_elsewhere.add(bool(visible))
            if visible:
                examples["gold_cited_elsewhere"].append(f"{q.id} {visible[0]}")
            golds_k = set(_gold_keys(q))
            rivals = {c.key for c in q.candidates} - golds_k
            in_sentence, in_paragraph = checks.cited_with(paper, golds_k, rivals)
            g.distractor_in_masked_sentence.add(bool(in_sentence))
            g.distractor_in_masked_paragraph.add(bool(in_paragraph))
            if in_sentence:
                examples["distractor_in_masked_sentence"].append(f"{q.id} {sorted(in_sentence)[0]}")
        cand_set = (q.paper, tuple(sorted(c.key for c in q.candidates)))
        golds = frozenset(gold for _, gold in targets)
        gold_keys = tuple(sorted(q.candidates[i].key for i in golds))
        seen_sets[cand_set].add(gold_keys)
        lengths.append(_tokens(q.context) + sum(_tokens(t) for t in texts))
        advance()
    g.reused_candidate_sets = sum(len(v) - 1 for v in seen_sets.values() if len(v) > 1)
    sizes = {len(q.candidates) for q in questions}
    g.n_candidates = sizes.pop() if len(sizes) == 1 else None
    g.positions = _positions(positions, width, uniform=g.n_candidates is not None)
    g.chance = sum(chance) / len(chance) if chance else None
    g.tokens = _percentiles(lengths)
    width_ranks = g.n_candidates or width
    for name, hits in shortcut_hits.items():
        g.shortcuts[name] = _shortcut_stats(hits, shortcut_ranks[name], width_ranks)
    return g


_tie_hit = top_share  # what picking the top score earns, a tie at the top shared


def _each_mask(context: str, mask: str, words: int = 50) -> list[str]:
    """Per occurrence of ``mask``: the stretch of context around it with that occurrence the
    first mask (earlier ones blanked), so ``masked_window`` reads around each in turn."""
    span = 40 * words + 200 + len(mask)
    out = []
    at = context.find(mask)
    while at >= 0:
        before = context[max(0, at - span):at].replace(mask, " ")
        out.append(before + context[at:at + len(mask) + span])
        at = context.find(mask, at + len(mask))
    return out


def wilson(hits: float, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """95% Wilson score interval of a proportion (fractional hits allowed)."""
    if not n:
        return None, None
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _shortcut_stats(hits: list[float], ranks: Counter, width: int) -> ShortcutStats:
    st = ShortcutStats()
    for h in hits:
        st.accuracy.add(h)
    st.low, st.high = wilson(st.accuracy.hits, st.accuracy.n)
    row = [ranks.get(r, 0) for r in range(1, max(width, max(ranks, default=0)) + 1)]
    st.ranks = row
    if len(row) >= 2 and sum(row):
        from scipy.stats import chisquare

        res = chisquare(row)
        st.chi2, st.p_value = float(res.statistic), float(res.pvalue)
    return st


def _positions(counts: Counter, width: int, uniform: bool = True) -> PositionStats:
    """Gold index counts; the chi-square test against a uniform spread only when every question has
    the same number of candidates (with 4 to 6 candidates the later slots exist less often)."""
    row = [counts.get(i, 0) for i in range(width)]
    stats = PositionStats(counts=row)
    if uniform and width >= 2 and sum(row) > 0:
        from scipy.stats import chisquare

        res = chisquare(row)
        stats.chi2 = float(res.statistic)
        stats.p_value = float(res.pvalue)
    return stats


def _percentiles(values: list[int]) -> TokenPercentiles:
    if not values:
        return TokenPercentiles()
    import numpy as np

    a = np.asarray(values)
    return TokenPercentiles(n=len(a), min=int(a.min()), p10=float(np.percentile(a, 10)),
                            p50=float(np.percentile(a, 50)), p90=float(np.percentile(a, 90)),
                            max=int(a.max()), mean=float(a.mean()))


def _merge(parts: list[GroupAudit], questions: list[Question]) -> GroupAudit:
    out = GroupAudit()
    width = max((len(p.positions.counts) for p in parts), default=0)
    pos: Counter[int] = Counter()
    chance_sum = 0.0
    for p in parts:
        out.n_questions += p.n_questions
        out.n_targets += p.n_targets
        out.reused_candidate_sets += p.reused_candidate_sets
        chance_sum += (p.chance or 0) * p.n_targets
        for i, c in enumerate(p.positions.counts):
            pos[i] += c
        for field in ("gold_title_in_context", "surface_name_match", "gold_cited_elsewhere", "lexical_accuracy",
                      "hidden_title_revealed", "candidate_residue", "gold_longest", "pooled_lexical_accuracy",
                      "distractor_in_masked_sentence", "distractor_in_masked_paragraph"):
            a, b = getattr(out, field), getattr(p, field)
            a.hits += b.hits
            a.n += b.n
    sizes = {p.n_candidates for p in parts}
    out.n_candidates = sizes.pop() if len(sizes) == 1 else None
    out.positions = _positions(pos, width, uniform=out.n_candidates is not None)
    out.chance = chance_sum / out.n_targets if out.n_targets else None
    for name in {n for p in parts for n in p.shortcuts}:
        st = ShortcutStats()
        ranks: Counter = Counter()
        for p in parts:
            if name in p.shortcuts:
                st.accuracy.hits += p.shortcuts[name].accuracy.hits
                st.accuracy.n += p.shortcuts[name].accuracy.n
                for i, c in enumerate(p.shortcuts[name].ranks):
                    ranks[i + 1] += c
        st.low, st.high = wilson(st.accuracy.hits, st.accuracy.n)
        st.ranks = [ranks.get(r, 0) for r in range(1, max(ranks, default=0) + 1)]
        out.shortcuts[name] = st  # no chi-square: groups with different widths are pooled
    out.tokens = _percentiles([_tokens(q.context) + sum(_tokens(c.text) for c in q.candidates) for q in questions])
    return out


# --------------------------------------------------------------------------- display


_ROWS = [
    ("gold title in context", "gold_title_in_context"),
    ("name next to mask -> gold", "surface_name_match"),
    ("gold cited elsewhere", "gold_cited_elsewhere"),
    ("hidden gold title revealed", "hidden_title_revealed"),
    ("ar5iv residue (candidates)", "candidate_residue"),
    ("gold is longest", "gold_longest"),
    ("BM25 baseline accuracy", "lexical_accuracy"),
    ("BM25, all gold windows pooled", "pooled_lexical_accuracy"),
    ("distractor cited in masked sentence", "distractor_in_masked_sentence"),
    ("distractor cited in masked paragraph", "distractor_in_masked_paragraph"),
]


def _fmt_rate(r: Rate) -> str:
    if not r.n:
        return "n/a"
    hits = f"{r.hits:g}" if r.hits != int(r.hits) else str(int(r.hits))
    return f"{100 * r.share:.0f}% ({hits}/{r.n})"


def _scorer_order(name: str) -> tuple:
    if name.startswith("bm25_"):
        return (0, int(name.split("_")[1]), 0)
    variant = dense_variant_of(name)
    if variant:  # after the balanced dense scorer, by window then chunks
        return (1, *variant)
    return (1 if name == "dense" else 2, 0, 0)


def _fmt_shortcut(st: ShortcutStats | None) -> str:
    if st is None or not st.accuracy.n:
        return "n/a"
    return f"{100 * st.accuracy.share:.0f}% [{100 * st.low:.0f}-{100 * st.high:.0f}]"


def _fmt_ranks(st: ShortcutStats | None) -> str:
    if st is None or not st.ranks:
        return "n/a"
    p = "" if st.p_value is None else f" ({st.p_value:.2f})"
    return "/".join(map(str, st.ranks)) + p


def shortcut_margins(report: AuditReport, groups=("easy", "medium", "hard")) -> list[tuple[str, str, float]]:
    """(group, scorer, accuracy minus chance in points) for every shortcut scorer on every group
    in ``groups`` the report has, largest first."""
    out = []
    for name in groups:
        g = report.groups.get(name)
        if g is None or g.chance is None:
            continue
        for scorer, st in g.shortcuts.items():
            if st.accuracy.n:
                out.append((name, scorer, round(100 * (st.accuracy.share - g.chance), 1)))
    return sorted(out, key=lambda x: -x[2])


def render_report(report: AuditReport, console=None) -> None:
    """Rich tables on stdout: one row per check, one column per difficulty."""
    from rich.table import Table
    from rich.text import Text

    from scalar._util.console import plain_console

    if console is None:
        console = plain_console()
        if console.is_terminal:
            console.width = max(100, console.width)  # seven columns need room (pipes get PIPE_WIDTH)
    names = list(report.groups)
    t = Table(title=f"Audit of {report.release_id} ({report.venue}, {report.n_questions} questions)")
    t.add_column("check")
    for n in names:
        t.add_column(n, justify="right")
    t.add_row("questions", *[str(report.groups[n].n_questions) for n in names])
    t.add_row("answer positions", *["/".join(map(str, report.groups[n].positions.counts)) for n in names])
    t.add_row("positions chi-square p", *[
        "n/a" if report.groups[n].positions.p_value is None else f"{report.groups[n].positions.p_value:.3f}"
        for n in names])
    for label, field in _ROWS:
        t.add_row(label, *[_fmt_rate(getattr(report.groups[n], field)) for n in names])
    t.add_row("  (chance accuracy)", *[
        "n/a" if report.groups[n].chance is None else f"{100 * report.groups[n].chance:.0f}%" for n in names])
    scorers = sorted({n for g in report.groups.values() for n in g.shortcuts}, key=_scorer_order)
    for name in scorers:
        t.add_row(f"shortcut {name}: accuracy [95% CI]", *[_fmt_shortcut(report.groups[n].shortcuts.get(name))
                                                         for n in names])
        t.add_row(f"  {name}: gold ranks (chi-sq p)", *[_fmt_ranks(report.groups[n].shortcuts.get(name))
                                                       for n in names])
    t.add_row("reused candidate sets", *[str(report.groups[n].reused_candidate_sets) for n in names])
    for label, attr in (("tokens p10", "p10"), ("tokens p50", "p50"), ("tokens p90", "p90"), ("tokens max", "max")):
        t.add_row(label, *[f"{getattr(report.groups[n].tokens, attr):,.0f}" for n in names])
    console.print(t)
    if not report.papers_available:
        console.print(Text("gold cited elsewhere: n/a (the release has no papers/ folder)", style="dim"))
    for check, ids in report.examples.items():
        if ids:
            console.print(Text(f"{check}: {', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}", style="dim"), soft_wrap=True)
