"""Write a release folder — papers/, questions.jsonl, manifest.json — all or nothing.

Everything is written into a temporary sibling folder which is renamed into place at the end, so
a failed build leaves either the previous release or nothing, never half a release.
``questions.jsonl`` depends only on the questions (sorted deterministically); the build date and
other run details live in ``manifest.json`` alone, so two builds from the same inputs and seed
produce byte-identical question files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from scalar import __version__
from scalar._util.io import atomic_write_bytes
from scalar._util.seeds import stable_id
from scalar.errors import InputError
from scalar.generate.questions import GENERATOR, GenerationConfig, GenerationResult, paper_content_id, question_sort_key
from scalar.release import questions_bytes, sha256_bytes, write_manifest, write_paper
from scalar.schema import DIFFICULTIES, TASKS, CitingPaper, Question, ReleaseManifest, TokenStats


def token_stats(values: list[int]) -> TokenStats:
    if not values:
        return TokenStats()
    a = np.asarray(values, dtype=np.int64)
    return TokenStats(n=len(values), mean=round(float(a.mean()), 1), p50=float(np.percentile(a, 50)),
                      p90=float(np.percentile(a, 90)), max=int(a.max()), min=int(a.min()))


def _counts(questions: list[Question]) -> dict[str, dict[str, int]]:
    out = {d: dict.fromkeys(TASKS, 0) for d in DIFFICULTIES}
    for q in questions:
        out[q.difficulty][q.task] += 1
    return out


def _cutoffs(papers: list[CitingPaper], questions: list[Question]) -> dict[str, date | None]:
    dates = [cp.first_public_date or cp.paper.first_public_date for cp in papers]
    dates = [d for d in dates if d is not None] or [q.first_public_date for q in questions if q.first_public_date]
    return {"earliest": min(dates) if dates else None, "latest": max(dates) if dates else None}


def _flat(stats: dict) -> dict[str, str | int | float | None]:
    out: dict[str, str | int | float | None] = {}
    for k, v in stats.items():
        if isinstance(v, dict):
            for k2, v2 in _flat(v).items():
                out[f"{k}.{k2}"] = v2
        elif isinstance(v, (str, int, float)) or v is None:
            out[k] = v
        else:
            out[k] = str(v)
    return out


def write_release(out_dir, *, venue: str, result: GenerationResult, papers: list[CitingPaper],
                  config: GenerationConfig, skipped: dict[str, int] | None = None, notes: dict | None = None,
                  build_date: date | None = None, release_id: str | None = None) -> ReleaseManifest:
    """Write the release into ``out_dir`` atomically and return its manifest.

    ``papers/<arxiv_id>.json`` holds each citing paper that has at least one question; the cited
    papers' texts are inside the questions' candidates. An existing ``out_dir`` is replaced only
    once the new release is complete.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"release output {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        # replacing a release is fine; wiping an unrelated folder is not
        raise InputError(f"release output {out} is a non-empty folder that is not a release; choose another")
    questions = sorted(result.questions, key=question_sort_key)
    data = questions_bytes(questions)
    digest = sha256_bytes(data)
    used = {q.paper for q in questions}
    build_date = build_date or datetime.now(timezone.utc).date()
    release_id = release_id or f"{venue}-{digest[:12]}"
    manifest = ReleaseManifest(
        release_id=release_id, venue=venue, build_date=build_date,
        generator_version=f"{GENERATOR} scalar {__version__}", seed=config.seed,
        source_cutoff=_cutoffs([cp for cp in papers if _label(cp) in used] or papers, questions),
        counts=_counts(questions), n_questions=len(questions), n_papers=len(used),
        token_stats=token_stats([q.context_tokens for q in questions]),
        context_budgets=list(config.context_budgets), skipped=dict(sorted((skipped or {}).items())),
        rejected=dict(sorted(result.rejected.items())), questions_sha256=digest,
        notes={**_flat({"stats": {k: v for k, v in result.stats.items() if k != "seconds"}}),
               **_flat(notes or {}), "encoding": config.encoding,
               "config_id": stable_id(config.model_dump_json(), length=12)},
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a release is an ordinary folder
        (tmp / "papers").mkdir()  # present even when no paper has a question
        chosen: dict[str, CitingPaper] = {}
        for cp in papers:
            label = _label(cp)
            if label in used:
                # a paper given twice: the generator kept the version with the smaller content id
                if label not in chosen or paper_content_id(cp) < paper_content_id(chosen[label]):
                    chosen[label] = cp
        for label in sorted(chosen):
            cp = chosen[label]
            paper = cp.paper
            if paper.first_public_date is None and cp.first_public_date is not None:
                paper = paper.model_copy(update={"first_public_date": cp.first_public_date})
            write_paper(tmp, paper, name=paper.arxiv_id or label)
        atomic_write_bytes(tmp / "questions.jsonl", data)
        write_manifest(tmp, manifest)
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _label(cp: CitingPaper) -> str:
    from scalar.generate._prep import paper_label

    return paper_label(cp)


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Rename the finished folder to ``out``; an old release is moved aside first and removed
    only after the rename succeeded."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if old is not None:
            with contextlib.suppress(OSError):
                os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
