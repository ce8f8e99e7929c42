"""Generated questions -> a release folder: the generation-specific part (which questions and papers,
in which order, and what the manifest says about the generator), written by ``scalar.release``.

``questions.jsonl`` depends only on the questions (sorted deterministically); the build date and
other run details live in ``manifest.json`` alone, so two builds from the same inputs and seed
produce byte-identical question files.

Two ways in, one output: ``write_release`` takes a ``GenerationResult`` held in memory (the Python
API's ``generate_questions``); ``stream_release`` (``scalar build``, ``import-reference
--regenerate``) generates and writes in one go, one citing paper at a time: each paper's questions
wait sorted on disk (``_spool``) and papers are read again from their sequence when written, so
peak memory is bounded by the largest paper, not the venue. Both give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

from scalar import __version__
from scalar._util.seeds import stable_id
from scalar.generate.questions import (
    GENERATOR,
    GenerationConfig,
    GenerationResult,
    QuestionPlan,
    paper_content_id,
    question_sort_key,
)
from scalar.release import ManifestInfo, write_release_folder
from scalar.schema import CitingPaper, Paper, ReleaseManifest

__all__ = ["stream_release", "write_release"]


def write_release(out_dir: str | Path, *, venue: str, result: GenerationResult, papers: list[CitingPaper],
                  config: GenerationConfig, skipped: dict[str, int] | None = None, notes: dict | None = None,
                  build_date: date | None = None, release_id: str | None = None,
                  crawl_log: Iterable[Mapping] | None = None) -> ReleaseManifest:
    """Write the release into ``out_dir`` atomically and return its manifest.

    ``papers/<arxiv_id>.json`` holds each citing paper that has at least one question; the cited
    papers' texts are inside the questions' candidates. ``crawl_log``: the crawl's per-paper records
    (``crawl.jsonl``). See ``scalar.release.write_release_folder`` for what happens to an existing
    ``out_dir``."""
    questions = sorted(result.questions, key=question_sort_key)
    used = {q.paper for q in questions}
    chosen: dict[str, CitingPaper] = {}
    for cp in papers:
        label = _label(cp)
        if label in used:
            # a paper given twice: the generator kept the version with the smaller content id
            if label not in chosen or paper_content_id(cp) < paper_content_id(chosen[label]):
                chosen[label] = cp
    info = _info(venue, result, config, skipped=skipped, notes=notes, build_date=build_date, release_id=release_id,
                 dates=[(_label(cp), _first_public(cp)) for cp in papers], used=used)
    return write_release_folder(out_dir, questions=questions, papers=_papers_of(used, chosen.__getitem__), info=info,
                                crawl_log=crawl_log)


def stream_release(out_dir: str | Path, *, venue: str, plan: QuestionPlan, skipped: dict[str, int] | None = None,
                   notes: dict | None = None, build_date: date | None = None, release_id: str | None = None,
                   crawl_log: Iterable[Mapping] | None = None, scratch_dir: str | Path | None = None,
                   progress: Callable[[int], None] | None = None) -> ReleaseManifest:
    """Render a plan's questions (``plan_questions``) and write the release, as ``generate_questions``
    then ``write_release`` would (the same bytes), holding one citing paper at a time.

    ``scratch_dir``: where the rendered questions and the citing papers wait until written (a
    folder on a disk; default: the system's temporary folder). ``progress``: called with 1 after
    each paper is rendered (``plan.papers_to_render()`` of them)."""
    from scalar.generate._spool import QuestionSpool

    with QuestionSpool(dir=scratch_dir) as spool:
        used: set[str] = set()
        for cp, questions in plan.render_papers(progress):
            for q in questions:
                spool.add(q)
            if questions:
                label = questions[0].paper
                used.add(label)
                spool.add_paper(label, *_paper_file(label, cp))
        result = plan.result()
        info = _info(venue, result, plan.config, skipped=skipped, notes=notes, build_date=build_date,
                     release_id=release_id, dates=plan.paper_dates, used=used)
        return write_release_folder(out_dir, questions=spool.sorted(), papers=spool.papers(), info=info,
                                    crawl_log=crawl_log)


def _info(venue: str, result: GenerationResult, config: GenerationConfig, *, skipped, notes, build_date, release_id,
          dates: list[tuple[str, date | None]], used: set[str]) -> ManifestInfo:
    """What the manifest says about the generator. ``dates``: (label, first public date) of every
    paper given; the cutoff spans the papers with questions (every paper when none has any)."""
    chosen = [d for label, d in dates if label in used] if any(label in used for label, _ in dates) else \
        [d for _, d in dates]
    return ManifestInfo(
        venue=venue, release_id=release_id, build_date=build_date,
        generator_version=f"{GENERATOR} scalar {__version__}", seed=config.seed,
        context_budgets=list(config.context_budgets), skipped=skipped or {}, rejected=result.rejected,
        notes={"stats": {k: v for k, v in result.stats.items() if k != "seconds"}, **(notes or {}),
               "encoding": config.encoding, "config_id": stable_id(config.model_dump_json(), length=12)},
        paper_dates=[d for d in chosen if d is not None],
    )


def _papers_of(used: set[str], chosen: Callable[[str], CitingPaper]) -> Iterator[tuple[str, Paper]]:
    """(file name, paper) per citing paper with questions, in label order."""
    for label in sorted(used):
        yield _paper_file(label, chosen(label))


def _paper_file(label: str, cp: CitingPaper) -> tuple[str, Paper]:
    """(file name, paper) of a citing paper as ``papers/`` stores it: with its first public date."""
    paper = cp.paper
    if paper.first_public_date is None and cp.first_public_date is not None:
        paper = paper.model_copy(update={"first_public_date": cp.first_public_date})
    return paper.arxiv_id or label, paper


def _first_public(cp: CitingPaper) -> date | None:
    return cp.first_public_date or cp.paper.first_public_date


def _label(cp: CitingPaper) -> str:
    from scalar.generate._prep import paper_label

    return paper_label(cp)
