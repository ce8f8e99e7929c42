"""A generation result -> a release folder: the generation-specific part (which questions and papers,
in which order, and what the manifest says about the generator), written by ``scalar.release``.

``questions.jsonl`` depends only on the questions (sorted deterministically); the build date and
other run details live in ``manifest.json`` alone, so two builds from the same inputs and seed
produce byte-identical question files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from scalar import __version__
from scalar._util.seeds import stable_id
from scalar.generate.questions import GENERATOR, GenerationConfig, GenerationResult, paper_content_id, question_sort_key
from scalar.release import ManifestInfo, write_release_folder
from scalar.schema import CitingPaper, Paper, ReleaseManifest

__all__ = ["write_release"]


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
    info = ManifestInfo(
        venue=venue, release_id=release_id, build_date=build_date,
        generator_version=f"{GENERATOR} scalar {__version__}", seed=config.seed,
        context_budgets=list(config.context_budgets), skipped=skipped or {}, rejected=result.rejected,
        notes={"stats": {k: v for k, v in result.stats.items() if k != "seconds"}, **(notes or {}),
               "encoding": config.encoding, "config_id": stable_id(config.model_dump_json(), length=12)},
        paper_dates=_paper_dates([cp for cp in papers if _label(cp) in used] or papers),
    )
    return write_release_folder(out_dir, questions=questions, papers=_papers_of(papers, used), info=info,
                                crawl_log=crawl_log)


def _papers_of(papers: list[CitingPaper], used: set[str]) -> list[tuple[str, Paper]]:
    """(file name, paper) per citing paper with questions, in label order."""
    chosen: dict[str, CitingPaper] = {}
    for cp in papers:
        label = _label(cp)
        if label in used:
            # a paper given twice: the generator kept the version with the smaller content id
            if label not in chosen or paper_content_id(cp) < paper_content_id(chosen[label]):
                chosen[label] = cp
    out = []
    for label in sorted(chosen):
        cp = chosen[label]
        paper = cp.paper
        if paper.first_public_date is None and cp.first_public_date is not None:
            paper = paper.model_copy(update={"first_public_date": cp.first_public_date})
        out.append((paper.arxiv_id or label, paper))
    return out


def _paper_dates(papers: list[CitingPaper]) -> list[date]:
    dates = [cp.first_public_date or cp.paper.first_public_date for cp in papers]
    return [d for d in dates if d is not None]


def _label(cp: CitingPaper) -> str:
    from scalar.generate._prep import paper_label

    return paper_label(cp)
