"""Question generation: multiple choice (``mcq``) and ``cloze``, three difficulties, length budgets.

Difficulties keep the original SCALAR definitions (see README "Question generation"):

* easy   — an attributional single occurrence ("YOLOv3 [33]"); 3 random distractors from the
  paper's usable references; candidates shown as title + abstract + full text.
* medium — a descriptive single occurrence; random distractors; same candidate text.
* hard   — a descriptive single occurrence; the 3 usable references cited nearest to it as
  distractors; candidates shown as body only (no title, abstract, introduction, conclusion; own
  title scrubbed).

and fix the original's leaks: every occurrence of the gold is masked, the gold's title is redacted
from the context, gold positions are balanced exactly per difficulty, and a question whose gold a
string matcher finds from the words next to a mask is rejected (counted in ``rejected``).

Everything random is derived with hashlib from (seed, paper, reference, ...), so the same inputs
and seed give the same questions regardless of the order papers arrive in.

Memory stays flat in the number of papers: generation runs in three phases (``plan_questions``,
then ``QuestionPlan.render``). 1. per citing paper: prepare, draft, check the smallest budget,
then put the preparation (the paper, its cited texts, views and counts) in a private scratch file,
keeping small drafts in memory (work ids, ranks, anchors); 2. release-wide: balance distractor
targets and gold positions over those drafts; 3. per citing paper again: take its preparation back
and render its questions. Only phase 3's caller decides whether questions pile up in memory
(``generate_questions``) or go to disk (``scalar.generate.write.stream_release``).
"""

from __future__ import annotations

import gzip
import pickle
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from scalar._util.seeds import rng, stable_id
from scalar.errors import ConfigError
from scalar.generate._candidates import TITLE_MASK, View, scrub_title
from scalar.generate._prep import (
    Draft,
    PaperPrep,
    body_shows_title,
    eligible_works,
    nearest_works,
    prepare_paper,
    surface_leak,
    view_for,
    view_terms,
    view_text,
    work_ref,
)
from scalar.generate._tokens import TokenCounter
from scalar.generate.citation_types import make_typer
from scalar.generate.cloze import cloze_drafts
from scalar.generate.config import GenerationConfig
from scalar.generate.context import Block, fit, full_context
from scalar.schema import DIFFICULTIES, MCQ_MASK, TASKS, Candidate, CitingPaper, Question, cloze_mask

MASK = MCQ_MASK  # re-exported: the placeholder contract lives in scalar.schema
GENERATOR = "scalar-generator/1"


class GenerationResult(BaseModel):
    questions: list[Question]
    rejected: dict[str, int] = Field(default_factory=dict)  # reason -> count
    stats: dict = Field(default_factory=dict)


def generate_questions(papers: Iterable[CitingPaper], config: GenerationConfig,
                       progress: Callable[[int], None] | None = None) -> GenerationResult:
    """Questions from citing papers, all in memory. ``progress`` (optional) is called with 1 after
    each paper is drafted, e.g. ``functools.partial(rich_progress.advance, task_id)``.

    While it runs, each paper's preparation waits in a temporary folder (``plan_questions``). A
    build writes its release with ``scalar.generate.write.stream_release`` instead, which holds one
    paper's questions at a time (``plan_questions`` then ``QuestionPlan.render``)."""
    papers = papers if isinstance(papers, Sequence) else list(papers)
    with plan_questions(papers, config, progress) as plan:
        questions = sorted(plan.render(), key=question_sort_key)
        return plan.result(questions)


@dataclass
class _PaperDrafts:
    """One citing paper's part of a plan: small records only (its preparation waits on disk)."""

    index: int  # position in the papers sequence
    drafts: list[Draft]  # without ``prep`` between drafting and rendering
    rejected: Counter
    stats: dict


def plan_questions(papers: Sequence[CitingPaper], config: GenerationConfig,
                   progress: Callable[[int], None] | None = None, *,
                   scratch_dir: str | Path | None = None) -> QuestionPlan:
    """Phases 1 and 2 of generation. Per citing paper: prepare it, draft its questions, drop those
    that fit no budget, write the preparation to a private scratch file (``scratch_dir``; default:
    the system's temporary folder) and drop it, keeping small drafts. Release-wide: balance
    distractor targets and gold positions on those drafts. Each paper is read from ``papers`` once
    (a sequence that loads it on access keeps memory flat), except that a paper given twice is
    read again to choose between the two versions."""
    if not isinstance(config, GenerationConfig):
        raise ConfigError("generate_questions needs a GenerationConfig")
    plan = QuestionPlan(config, scratch_dir)
    try:
        _draft_papers(plan, papers, progress)
        _settle(plan)
    except BaseException:
        plan.close()
        raise
    return plan


def _settle(plan: QuestionPlan) -> None:
    """Phase 2, release-wide on the small drafts: distractor targets, then gold positions."""
    config, rejected, stats, kept = plan.config, plan.rejected, plan.stats, plan.kept
    drafts: list[Draft] = []
    for p in kept.values():
        drafts += p.drafts
        rejected.update(p.rejected)
        for k, v in p.stats.items():
            stats[k] += v
    if config.balanced:
        from scalar.generate.balance import assign_targets

        mcq = [d for d in drafts if d.task == "mcq"]
        kept_ids = {id(d) for d in assign_targets(mcq, config.n_candidates, config.seed, rejected)}
        drafts = [d for d in drafts if d.task != "mcq" or id(d) in kept_ids]
        from scalar.generate.cloze_balance import assign_sets

        cloze = [d for d in drafts if d.task == "cloze"]
        kept_ids = {id(d) for d in assign_sets(cloze, config, rejected)}
        drafts = [d for d in drafts if d.task != "cloze" or id(d) in kept_ids]
    _balance_positions(drafts, config)
    alive = {id(d) for d in drafts}
    for p in kept.values():
        p.drafts = [d for d in p.drafts if id(d) in alive]


def _draft_papers(plan: QuestionPlan, papers: Sequence[CitingPaper], progress: Callable[[int], None] | None) -> None:
    """Phase 1: each paper prepared, drafted, budget-checked and set aside, one at a time."""
    config, counter, rejected, kept = plan.config, plan.counter, plan.rejected, plan.kept
    typer = make_typer(config.citation_typer, config.typer_cache, config.typer_api_base)
    plan.typer_name = getattr(typer, "name", type(typer).__name__)
    try:
        for index, cp in enumerate(papers):
            prep = prepare_paper(cp, counter, typer, max_candidate_tokens=config.max_candidate_tokens,
                                 include_appendix=config.include_appendix, clean=config.balanced)
            local_rejected: Counter[str] = Counter()
            local_stats: dict = defaultdict(int)
            _count_paper(prep, local_stats)
            drafted: list[Draft] = []
            if "mcq" in config.tasks:
                drafted += _mcq_drafts(prep, config, local_rejected, local_stats)
            if "cloze" in config.tasks:
                drafted += cloze_drafts(prep, config, local_rejected, local_stats)
            made: list[Draft] | None = drafted
            if not made:
                local_stats["papers_without_questions"] += 1
                if len({v.work for v in prep.refs.values()}) < config.n_candidates:
                    local_rejected["paper_too_few_usable_references"] += 1
            made = _fitting(made, counter, config, local_rejected)
            label = prep.paper_id
            plan.paper_dates.append((label, cp.first_public_date or cp.paper.first_public_date))
            # The same paper twice (a venue listing it twice): keep one, chosen by content, not by
            # arrival order, so the output does not depend on the order papers come in.
            if label in kept:
                rejected["duplicate_paper"] += 1
                if paper_content_id(papers[kept[label].index]) <= paper_content_id(cp):
                    made = None
            if made is not None:
                if label in kept:
                    plan.drop(kept[label].index)  # the version replaced
                for d in made:
                    d.prep = None  # the heavy part waits on disk until its paper is rendered
                plan.set_aside(index, prep if made else None)
                kept[label] = _PaperDrafts(index, made, local_rejected, local_stats)
            del prep, cp
            counter.clear()
            if progress:
                progress(1)
    finally:
        typer.close()  # an LLM typer's event loop and cache; every occurrence is typed by now


def _fitting(drafts: list[Draft], counter: TokenCounter, config: GenerationConfig, rejected: Counter) -> list[Draft]:
    """The drafts whose kept parts fit the smallest budget (all of them without budgets).

    Every budget holds the same questions (a paired design: accuracy differences between budgets
    come from length alone). A draft whose kept parts (title, abstract, mask paragraph, minimal
    candidates) do not fit the smallest budget is dropped for all budgets; fitting is monotone in
    the budget, so the rest fit every larger one."""
    if not config.context_budgets:
        return drafts
    smallest = min(config.context_budgets)
    fits = []
    for d in drafts:
        d.order = d.golds + d.distractors  # provisional; fitting does not depend on order
        if not _Rendered(d, counter, config.opaque_markers).fits(config, smallest):
            rejected["budget_too_small"] += 1
        else:
            fits.append(d)
    return fits


class QuestionPlan:
    """Generation after phases 1 and 2 (``plan_questions``): the kept drafts of each citing paper
    with their distractors, gold positions and shortcut ranks settled, and each paper's preparation
    in a private scratch file. ``render`` (phase 3) takes the papers back one at a time and yields
    their questions; ``result`` then gives what was rejected and counted. The scratch folder is
    removed when rendering ends, by ``close`` or on exit."""

    def __init__(self, config: GenerationConfig, scratch_dir: str | Path | None = None):
        self.config = config
        self.counter = TokenCounter(config.encoding)
        self.rejected: Counter[str] = Counter()
        self.stats: dict = defaultdict(int)
        self.kept: dict[str, _PaperDrafts] = {}  # paper label -> its drafts, in arrival order
        self.paper_dates: list[tuple[str, date | None]] = []  # (label, first public date) of every paper
        self.typer_name = ""
        self._scratch = tempfile.TemporaryDirectory(prefix="scalar-plan-", dir=scratch_dir)
        self._t0 = time.perf_counter()
        self._made: Counter[tuple[str, str]] = Counter()  # (difficulty, task) -> questions rendered
        self._rendered = False

    # ----------------------------------------------------------------- the scratch copies

    def _path(self, index: int) -> Path:
        return Path(self._scratch.name) / f"{index}.pickle.gz"

    def set_aside(self, index: int, prep: PaperPrep | None) -> None:
        """Keep paper ``index``'s preparation (None: it has no drafts) on disk, with the token counts
        cached for it, until it is rendered. A pickle: a private file of this process, read back
        by the same code, so rendering sees exactly the objects drafting saw; streamed through
        gzip, so no second copy of the paper is held as bytes."""
        if prep is None:
            return
        prep._terms.clear()  # drafting's term counts and masked texts: rendering needs none
        with gzip.open(self._path(index), "wb", compresslevel=1) as f:
            pickle.dump((prep, self.counter.saved()), f, protocol=pickle.HIGHEST_PROTOCOL)

    def drop(self, index: int) -> None:
        self._path(index).unlink(missing_ok=True)

    def _take(self, index: int) -> PaperPrep:
        path = self._path(index)
        with gzip.open(path, "rb") as f:
            prep, saved = pickle.load(f)
        path.unlink()
        self.counter.restore(saved)
        return prep

    def close(self) -> None:
        self._scratch.cleanup()

    def __enter__(self) -> QuestionPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- phase 3

    def papers_to_render(self) -> int:
        return sum(1 for p in self.kept.values() if p.drafts)

    def render(self, progress: Callable[[int], None] | None = None) -> Iterator[Question]:
        """Phase 3: every question, paper by paper in arrival order (sort them with
        ``question_sort_key``). ``progress``: called with 1 after each paper."""
        for _, questions in self.render_papers(progress):
            yield from questions

    def render_papers(self, progress: Callable[[int], None] | None = None
                      ) -> Iterator[tuple[CitingPaper, list[Question]]]:
        """Phase 3 by paper: (citing paper, its questions at every budget) for each paper with
        questions, in arrival order; one paper's preparation in memory at a time."""
        if self._rendered:
            raise RuntimeError("a QuestionPlan renders once")
        self._rendered = True
        config, counter = self.config, self.counter
        budgets: list[int | None] = list(config.context_budgets) or [None]
        try:
            for p in self.kept.values():
                if not p.drafts:
                    continue
                prep = self._take(p.index)
                questions: list[Question] = []
                for d in p.drafts:
                    d.prep = prep
                    rendered = _Rendered(d, counter, config.opaque_markers)
                    self.stats["gold_title_redacted"] += int(rendered.redacted)
                    for budget in budgets:
                        q = rendered.question(config, budget)
                        if q is None:  # not expected after the check in phase 1; counted rather than hidden
                            self.rejected["budget_too_small_variant"] += 1
                            continue
                        self._made[(q.difficulty, q.task)] += 1
                        questions.append(q)
                    d.prep = None
                cp = prep.cp
                del prep, rendered
                counter.clear()
                if progress:
                    progress(1)
                yield cp, questions
        finally:
            self.close()

    def result(self, questions: list[Question] | None = None) -> GenerationResult:
        """What was rejected and counted (after ``render``), with ``questions`` (default: none, for
        a caller that streamed them to disk)."""
        if not self._rendered:
            raise RuntimeError("QuestionPlan.result needs the questions rendered first")
        stats, rejected = dict(self.stats), self.rejected
        stats["questions"] = sum(self._made.values())
        stats["by_difficulty_task"] = {f"{d}/{t}": n for (d, t), n in sorted(self._made.items())}
        stats["typer"] = self.typer_name
        if self.config.balanced:  # which scorers this release is balanced on (dense depends on the install)
            from scalar.generate.shortcuts import scorer_names

            stats["shortcut_scorers"] = scorer_names(self.config.shortcut_windows, bool(self.config.shortcut_model))
            stats["shortcut_guard_windows"] = list(self.config.shortcut_guard_windows)
            if self.config.shortcut_model:
                stats["shortcut_model"] = self.config.shortcut_model
            if self.config.dense_family:  # "window x chunks" of each variant rank 1 was checked under
                stats["shortcut_dense_family"] = [f"{w}x{k}" for w, k in self.config.dense_family]
        stats["seconds"] = round(time.perf_counter() - self._t0, 3)
        attempts = stats.get("mcq_checked_for_surface_match", 0)
        stats["surface_match_rate"] = round(rejected.get("surface_name_match", 0) / attempts, 4) if attempts else 0.0
        for difficulty in self.config.difficulties:  # share of would-be questions a string matcher solves
            n = stats.get(f"mcq_checked_for_surface_match_{difficulty}", 0)
            if n:
                stats[f"surface_match_rate_{difficulty}"] = round(stats.get(f"surface_name_match_{difficulty}", 0) / n, 4)
        return GenerationResult(questions=questions or [], rejected=dict(sorted(rejected.items())), stats=stats)


def paper_content_id(cp: CitingPaper) -> str:
    return stable_id(cp.model_dump_json(), length=32)


def question_sort_key(q: Question) -> tuple:
    return (DIFFICULTIES.index(q.difficulty), TASKS.index(q.task), q.context_budget or 0, q.paper, q.id)


# --------------------------------------------------------------------------- drafting (mcq)


def _count_paper(prep: PaperPrep, stats: dict) -> None:
    stats["papers"] += 1
    stats["occurrences"] += len(prep.occurrences)
    stats["single_occurrences"] += sum(not o.grouped for o in prep.occurrences)
    stats["occurrences_outside_running_text"] += sum(o.kind is not None for o in prep.occurrences)
    stats["attributional"] += sum(o.citation_type == "attributional" for o in prep.occurrences)
    stats["descriptive"] += sum(o.citation_type == "descriptive" for o in prep.occurrences)
    stats["usable_references"] += len(prep.refs)
    for reason, n in prep.unusable.items():
        stats[f"unusable_references_{reason}"] += n


_TYPE_FOR = {"easy": "attributional", "medium": "descriptive", "hard": "descriptive"}


def _mcq_drafts(prep: PaperPrep, config: GenerationConfig, rejected: Counter, stats: dict) -> list[Draft]:
    seed, pid = config.seed, prep.paper_id
    out: list[Draft] = []
    k = config.n_candidates - 1
    for difficulty in config.difficulties:
        pool = eligible_works(prep, difficulty)
        want = _TYPE_FOR[difficulty]
        by_work: dict[str, list] = defaultdict(list)
        for o in prep.occurrences:
            w = prep.work_of.get(o.key)
            if w in pool and not o.grouped and o.kind is None and o.citation_type == want:
                by_work[w].append(o)
        golds = sorted(by_work)
        if config.max_gold_per_paper is not None and len(golds) > config.max_gold_per_paper:
            golds = sorted(rng(seed, pid, want, "golds").sample(golds, config.max_gold_per_paper))
        if config.balanced:
            out += _balanced_drafts(prep, config, difficulty, golds, by_work, pool, rejected, stats)
            continue
        used_sets: set[frozenset] = set()
        for gold in golds:
            # seeded by type, not difficulty: medium and hard mask the same occurrence of a gold,
            # so the two differ only in distractors and candidate text (a paired comparison)
            anchor = rng(seed, pid, gold, want, "occurrence").choice(by_work[gold])
            others = [w for w in pool if w != gold]
            if difficulty == "hard":
                distractors = nearest_works(prep, [anchor], {gold}, set(others), k)
            else:
                # Random distractors avoid repeating another question's candidate set when the
                # pool allows it (the original reused identical sets with a different gold).
                draw = rng(seed, pid, gold, difficulty, "distractors")
                for _attempt in range(8):
                    distractors = draw.sample(others, min(k, len(others)))
                    if frozenset([gold, *distractors]) not in used_sets:
                        break
            used_sets.add(frozenset([gold, *distractors]))
            if len(distractors) < k:
                rejected["too_few_distractors"] += 1
                continue
            stats["mcq_checked_for_surface_match"] += 1
            stats[f"mcq_checked_for_surface_match_{difficulty}"] += 1
            if config.reject_surface_matches:
                if surface_leak(prep, {gold: MASK}, gold, distractors, config.leak_window_words):
                    rejected["surface_name_match"] += 1
                    stats[f"surface_name_match_{difficulty}"] += 1
                    continue
            base = stable_id("mcq", pid, gold, anchor.uid, difficulty)
            out.append(Draft(prep=prep, task="mcq", difficulty=difficulty, anchors=[anchor], golds=[gold],
                             distractors=distractors, view=view_for(difficulty),
                             citation_type=want, base_id=base))
    return out


def _balanced_drafts(prep: PaperPrep, config: GenerationConfig, difficulty: str, golds: list[str],
                     by_work: dict, pool: list[str], rejected: Counter, stats: dict) -> list[Draft]:
    """Drafts whose distractors are not chosen yet: each carries every shortcut target its pool
    can reach (``balance.options``); ``balance.assign_targets`` picks one per draft release-wide."""
    from scalar.generate import balance
    from scalar.generate.lexical import masked_window
    from scalar.generate.shortcuts import DENSE_WINDOW, bm25, bm25_name, query_tokens, scorer_names

    seed, pid = config.seed, prep.paper_id
    k = config.n_candidates - 1
    want = _TYPE_FOR[difficulty]
    view = view_for(difficulty)
    out = []
    for gold in golds:
        anchor = rng(seed, pid, gold, want, "occurrence").choice(by_work[gold])
        banned = prep.same_sentence_works(gold)
        others = [w for w in pool if w != gold and w not in banned]
        if difficulty == "hard":  # the nearest cited works first, widening to hard_pool
            others = nearest_works(prep, [anchor], {gold}, set(others), config.hard_pool)
        else:
            rng(seed, pid, gold, difficulty, "distractors").shuffle(others)
        if len(others) < k:
            rejected["too_few_distractors"] += 1
            continue
        if view == "body" and body_shows_title(prep, gold):
            rejected["hidden_title_revealed"] += 1  # the audit's own check, on the gold's hidden title
            continue
        stats["mcq_checked_for_surface_match"] += 1
        stats[f"mcq_checked_for_surface_match_{difficulty}"] += 1
        opaque = config.opaque_markers
        leak_alone = surface_leak(prep, {gold: MASK}, gold, [], config.leak_window_words, opaque) \
            if config.reject_surface_matches else []
        context = _masked_text(prep, gold, opaque)
        # balanced against the recorded windows and, so as not to fit to them, a spread of others
        windows = config.scored_windows
        queries = {w: query_tokens(context, w) for w in windows}
        works = [gold, *others]
        docs = {w: view_terms(prep, w, view) for w in works}
        # pool-wide scores sort works into above / below the gold (the exact check follows)
        topical, guards, prefer = {}, {}, {}
        guard_windows = tuple(w for w in config.shortcut_guard_windows if w not in config.shortcut_windows)
        prefer_windows = tuple(w for w in config.shortcut_prefer_windows
                               if w not in config.shortcut_windows and w not in guard_windows)
        for words_, q in queries.items():
            scores = dict(zip(works, bm25(q, [docs[w] for w in works])))
            if words_ in config.shortcut_windows:
                topical[bm25_name(words_)] = scores
            elif words_ in guard_windows:
                guards[bm25_name(words_)] = scores
            else:
                prefer[bm25_name(words_)] = scores
        dense = None
        dense_guards: dict[str, dict[str, float]] = {}
        dense_family: dict[str, dict[str, float]] = {}
        if config.shortcut_model:
            from scalar.generate.dense import dense_scorer
            from scalar.generate.shortcuts import DENSE

            texts = [view_text(prep, w, view) for w in works]
            scorer = dense_scorer(config.shortcut_model)
            dense = dict(zip(works, scorer.scores(masked_window(context, MASK, DENSE_WINDOW), texts)))
            topical[DENSE] = dense
            # the same encoder over other query windows guards like the BM25 guard windows (only
            # the query is encoded again: the candidates' chunks are cached)
            for words_ in config.shortcut_dense_guard_windows:
                if words_ != DENSE_WINDOW:
                    dense_guards[f"{DENSE}_{words_}"] = dict(zip(works, scorer.scores(
                        masked_window(context, MASK, words_), texts)))
            # ... and over other chunkings of the candidates (their chunks are cached on disk)
            for chunks_ in config.shortcut_dense_guard_chunks:
                if chunks_ != scorer.max_chunks:
                    dense_guards[f"{DENSE}_chunks{chunks_}"] = dict(zip(works, dense_scorer(
                        config.shortcut_model, max_chunks=chunks_).scores(
                        masked_window(context, MASK, DENSE_WINDOW), texts)))
            guards.update(dense_guards)
            # ... and a family of its variants checks the gold's rank 1 (docs: "Robust to scorer variants")
            if config.dense_family:
                dense_family = {name: dict(zip(works, sc)) for name, sc in
                                scorer.variant_scores(context, MASK, texts, config.dense_family).items()}
        length = {w: float(docs[w].chars) for w in works}
        above, below, longer = balance.pool_relations(gold, others, topical, length, guards)
        # distractors that also satisfy the family are tried first
        above = balance.most_robust_first(gold, above, {**prefer, **dense_family}, +1)
        below = balance.most_robust_first(gold, below, {**prefer, **dense_family}, -1)
        ties = {w for w in others if length[w] == length[gold]}

        # called only within this iteration, so the loop variables it reads are the current ones
        def check(chosen: list[str]) -> dict[str, int] | None:
            if leak_alone and surface_leak(prep, {gold: MASK}, gold, chosen, config.leak_window_words, opaque):  # noqa: B023
                return None
            return balance.exact_ranks(queries, docs, dense, gold, chosen, guard_windows, prefer_windows,  # noqa: B023
                                       dense_guards, dense_family)  # noqa: B023

        if leak_alone and surface_leak(prep, {gold: MASK}, gold, others, config.leak_window_words, opaque):
            # every rival together cannot hide the match: no candidate set can
            rejected["surface_name_match"] += 1
            stats[f"surface_name_match_{difficulty}"] += 1
            continue
        cover = balance.cover_candidates(gold, others, topical, below)
        opts = balance.options(gold, above, below, longer, k, check, ties, cover, others)
        recorded = set(scorer_names(config.shortcut_windows, dense is not None))
        opts = {t: (ds, {n: r for n, r in ranks.items() if n in recorded}, q) for t, (ds, ranks, q) in opts.items()}
        base = stable_id("mcq", pid, gold, anchor.uid, difficulty)
        d = Draft(prep=prep, task="mcq", difficulty=difficulty, anchors=[anchor], golds=[gold],
                  distractors=[], view=view, citation_type=want, base_id=base, options=opts)
        if opts:
            d.distractors = list(next(iter(sorted(opts.items())))[1][0])  # provisional (budget check)
        out.append(d)
    return out


def _masked_text(prep: PaperPrep, gold: str, opaque: bool) -> str:
    """The untrimmed mcq context of ``gold`` (cached per paper: medium and hard share it)."""
    cache = prep._terms.setdefault(("context", opaque), {})
    if gold not in cache:
        cache[gold] = _Masked(prep, [gold], "mcq", opaque).text()
    return cache[gold]


def _balance_positions(drafts: list[Draft], config: GenerationConfig) -> None:
    """Gold positions cycle 0..n-1 over a seeded order of each difficulty's mcq questions, so every
    position holds the gold equally often (counts differ by at most one); distractors keep their
    sampled order in the remaining slots. Cloze candidates are shuffled by a per-question seed."""
    groups: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        if d.task == "mcq":
            groups[d.difficulty].append(d)
        else:
            order = d.golds + d.distractors
            rng(config.seed, d.base_id, "cloze-order").shuffle(order)
            d.order = order
            d.answer = [order.index(g) for g in d.golds]
    for difficulty, group in groups.items():
        group.sort(key=lambda d: d.base_id)
        rng(config.seed, difficulty, "positions").shuffle(group)
        n = config.n_candidates
        # which position each rank gets also starts at a seeded offset
        start = rng(config.seed, difficulty, "first-position").randrange(n)
        for i, d in enumerate(group):
            pos = (start + i) % n
            order = list(d.distractors)
            order.insert(pos, d.golds[0])
            d.order = order
            d.answer = pos


# --------------------------------------------------------------------------- rendering


class _Masked:
    """The citing paper as a question on ``golds`` shows it: their occurrences masked, their
    titles redacted, and (``opaque``) every other citation marker rewritten to an opaque label.
    Depends on the golds only, so balanced generation scores distractors against it before they
    are chosen."""

    def __init__(self, prep: PaperPrep, golds: list[str], task: str, opaque: bool):
        labels = {g: (MASK if task == "mcq" else cloze_mask(i + 1)) for i, g in enumerate(golds)}
        masked_locs = {loc for g in golds for loc in prep.locs_of_work(g)}
        patterns: list = []
        hits: set = set()
        for g in golds:
            p, h = prep.title_hits(g)
            patterns += p
            hits |= h
        self.redacted = bool(hits)
        blocks = []
        for loc, text in prep.paragraphs.items():
            if loc in masked_locs or opaque:
                text = prep.masked(loc, labels, opaque)
            if loc in hits:
                text = scrub_title(text, patterns)
            blocks.append(Block(section=loc[0], index=prep.paragraph_index[loc], text=text.strip()))
        self.blocks = blocks
        self.header = [scrub_title(h, patterns) for h in prep.header] if "header" in hits else list(prep.header)
        self.section_titles = prep.section_titles

    def text(self) -> str:
        """The whole masked paper as the untrimmed context shows it."""
        return full_context(self.header, self.section_titles, self.blocks)


class _Rendered:
    """A draft's masked paragraphs and candidate views, shared by its budget variants."""

    def __init__(self, d: Draft, counter: TokenCounter, opaque: bool = False, masked: _Masked | None = None):
        self.d = d
        self.counter = counter
        prep = d.prep
        assert prep is not None, "a draft is rendered with its paper's preparation attached"
        self.prep = prep
        masked = masked or _Masked(prep, d.golds, d.task, opaque)
        self.redacted = masked.redacted
        self.blocks = masked.blocks
        self.header = masked.header
        self.anchor = prep.paragraph_index[(d.anchors[0].section, d.anchors[0].paragraph)]
        self.refs = [work_ref(prep, w) for w in d.order]
        self.views: list[View] = [r.body if d.view == "body" else r.full for r in self.refs]

    def _overhead(self, config: GenerationConfig) -> int:
        return config.instruction_tokens + config.candidate_overhead_tokens * len(self.views)

    def fits(self, config: GenerationConfig, budget: int) -> bool:
        return fit(self.header, self.prep.section_titles, self.blocks, self.anchor, self.views, self.counter,
                   budget=budget, overhead=self._overhead(config),
                   min_candidate_tokens=config.min_candidate_tokens) is not None

    def question(self, config: GenerationConfig, budget: int | None) -> Question | None:
        d, prep = self.d, self.prep
        fitted = fit(self.header, prep.section_titles, self.blocks, self.anchor, self.views, self.counter,
                     budget=budget, overhead=self._overhead(config), min_candidate_tokens=config.min_candidate_tokens)
        if fitted is None:
            return None
        candidates = [Candidate(key=r.key, arxiv_id=r.arxiv_id, title=r.title or None, text=t)
                      for r, t in zip(self.refs, fitted.candidate_texts)]
        gold_keys = [work_ref(prep, g).key for g in d.golds]
        anchor = d.anchors[0]
        qid = stable_id(prep.paper_id, ",".join(gold_keys), ",".join(a.uid for a in d.anchors), d.difficulty,
                        d.task, budget if budget is not None else "full")
        cp = prep.cp
        return Question(
            id=qid, task=d.task, difficulty=d.difficulty, paper=prep.paper_id,
            first_public_date=cp.first_public_date or cp.paper.first_public_date,
            section=prep.section_titles.get(anchor.section, ""), citation_type=d.citation_type,
            context=fitted.context, candidates=candidates, answer=d.answer,
            context_tokens=fitted.context_tokens, context_budget=budget,
            gold_key=gold_keys[0] if d.task == "mcq" else gold_keys,
            title=cp.paper.title or None, source="scalar", shortcut_ranks=d.shortcut_ranks,
            mask_shortcut_ranks=d.mask_shortcut_ranks,
        )


__all__ = ["GenerationConfig", "GenerationResult", "QuestionPlan", "generate_questions", "plan_questions", "MASK",
           "TITLE_MASK", "question_sort_key"]
