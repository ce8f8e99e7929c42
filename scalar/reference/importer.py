"""`scalar import-reference`: the original SCALAR release (LibrAIResearch/scalar) as one of ours.

Default: the original questions as they are — same citing papers, same masked occurrence, same four
candidates in the same order, same answer (``label_id``) — with the paper text and the candidate
texts recovered from the original prompt strings, so a model run on the import is comparable with
the published numbers. ``regenerate=True``: the original's parsed papers (``paper_obj_anno``) are fed
to our generator instead, which fixes the original's leaks.

The release folder is written by ``scalar.release`` (all or nothing: bad input leaves no output folder
behind, and the user's other files in an existing one are kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from scalar import __version__
from scalar._util.progress import progress_bar as _progress
from scalar._util.seeds import stable_id
from scalar.errors import InputError
from scalar.reference._original_format import (
    MASK,
    OriginalQuestion,
    arxiv_from_url,
    data_root,
    load_json,
    paper_files,
    published_dates,
    question_files,
    read_question,
)
from scalar.reference._original_papers import clean_section_name, original_paper_to_citing
from scalar.release import ManifestInfo, check_release_target, write_release_folder
from scalar.schema import Candidate, CitingPaper, Question, ReleaseManifest

__all__ = ["MASK", "OriginalPapers", "import_reference", "original_paper_to_citing", "read_original_papers",
           "convert_question"]

VENUE = "scalar-original"
SOURCE = "reference-import"
_TYPES = {"method": "attributional", "others": "descriptive"}


def import_reference(src: str | Path, out: str | Path, *, regenerate: bool = False, seed: int = 0,
                     context_tokens=(), progress: bool = True, generation: dict | None = None) -> ReleaseManifest:
    """Convert the original release at ``src`` (repository root or its data/ folder) into a release
    folder ``out``; returns the manifest written. Raises InputError on missing or corrupt input.
    ``generation``: further GenerationConfig options for ``regenerate`` (e.g. distractors)."""
    if generation and not regenerate:
        raise InputError("generation options (--distractors, --shortcut-model) apply to --regenerate only")
    out = check_release_target(out)
    root = data_root(src)
    if regenerate:
        return _regenerate(root, out, seed=seed, context_tokens=list(context_tokens), progress=progress,
                           generation=generation)
    if context_tokens:
        raise InputError("--context-tokens applies to --regenerate only (the original questions are kept as they are)")

    dates = published_dates(root)
    papers = read_original_papers(root, dates, progress=progress)
    by_set = question_files(root)
    files = [(d, p) for d, paths in by_set.items() for p in paths]
    questions: list[Question] = []
    with _progress(progress, "importing questions", len(files)) as advance:
        for difficulty, path in files:
            original = read_question(path, difficulty)
            citing = papers.get(original.arxiv_id)
            questions.append(convert_question(original, citing, dates.get(original.arxiv_id)))
            advance()

    info = ManifestInfo(venue=VENUE, generator_version=f"scalar {__version__} ({SOURCE})", seed=seed,
                        notes={"mode": "as-is", "source_papers": len(papers), "source_questions": len(questions)})
    return write_release_folder(out, questions=questions, papers=[(k, cp.paper) for k, cp in sorted(papers.items())],
                                info=info)


# --------------------------------------------------------------------------- questions


def convert_question(original: OriginalQuestion, citing: CitingPaper | None,
                     first_public: date | None) -> Question:
    """One original question -> our Question, same candidates in the same order, same answer."""
    data = original.data
    prompt = original.prompt
    ref_arxiv = {}
    if citing is not None:
        ref_arxiv = {r.key: r.arxiv_id for r in citing.paper.references}
    candidates = []
    for meta, block in zip(original.candidates_meta, prompt.candidates):
        key = str(meta.get("id") or "")
        title = meta.get("title") or block.title
        if block.title is not None:
            # easy/medium show title, abstract and full text; keep the same order of parts.
            parts = [block.title, f"Abstract: {block.abstract}" if block.abstract else "", block.content]
            text = "\n\n".join(p for p in parts if p)
        else:
            text = block.content  # hard: the body only, as the original showed it
        candidates.append(Candidate(key=key, arxiv_id=ref_arxiv.get(key), title=title, text=text))
    citation = data.get("citation") or {}
    from scalar._util.tokens import count_tokens

    n_tokens = count_tokens(prompt.paper_text) + sum(count_tokens(c.text) for c in candidates)
    version = original.version or ""
    return Question(
        id=stable_id(SOURCE, original.difficulty, original.path.stem),
        task="mcq",
        difficulty=original.difficulty,
        paper=f"{original.arxiv_id}{version}",
        first_public_date=first_public,
        section=clean_section_name(str(citation.get("section_name") or "")),
        citation_type=_TYPES.get(original.citation_type or "", "descriptive"),
        context=prompt.paper_text,
        candidates=candidates,
        answer=int(data["label_id"]),
        context_tokens=n_tokens,
        gold_key=str(data.get("reference_id") or original.candidates_meta[data["label_id"]].get("id")),
        title=prompt.title or None,
        source=SOURCE,
    )


class OriginalPapers(Sequence[CitingPaper]):
    """The original's paper objects (``data/paper_obj_anno/*.json``) in arXiv-id order, each read
    and converted from its file on access and not kept: regenerating holds one paper at a time.
    Built by one pass over the files that keeps only each one's id (of two files with one id, the
    later wins, as in ``read_original_papers``)."""

    def __init__(self, root: Path, dates: dict[str, date] | None = None, *, progress: bool = False):
        self.dates = dates if dates is not None else published_dates(root)
        by_id: dict[str, Path] = {}
        files = paper_files(root)
        with _progress(progress and bool(files), "reading paper objects", len(files)) as advance:
            for path in files:
                by_id[_paper_id(path, load_json(path))] = path
                advance()
        self.ids = sorted(by_id)
        self._paths = [by_id[k] for k in self.ids]

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._load(p) for p in self._paths[i]]
        return self._load(self._paths[i])

    def _load(self, path: Path) -> CitingPaper:
        obj: Any = load_json(path)
        _paper_id(path, obj)
        try:
            aid, _ = arxiv_from_url(str(obj.get("paper_id") or path.stem))
            return original_paper_to_citing(obj, first_public_date=self.dates.get(aid))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise InputError(f"{path}: not an original paper object ({_reason(e)})") from None


def _paper_id(path: Path, obj: object) -> str:
    """The arXiv id a paper object is filed under (what ``original_paper_to_citing`` gives it)."""
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a JSON object (an original paper object)")
    try:
        return arxiv_from_url(str(obj["paper_id"]))[0] or path.stem
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(f"{path}: not an original paper object ({_reason(e)})") from None


def read_original_papers(root: Path, dates: dict[str, date] | None = None, *,
                         progress: bool = False) -> dict[str, CitingPaper]:
    """arXiv id -> CitingPaper for every ``data/paper_obj_anno/*.json`` (none when the folder is
    absent), all in memory; ``OriginalPapers`` reads them one at a time."""
    papers = OriginalPapers(root, dates, progress=progress)
    return dict(zip(papers.ids, papers))


def _reason(e: Exception) -> str:
    if isinstance(e, KeyError):
        return f"missing field {e.args[0]!r}"
    return " ".join(str(e).split())[:200] or type(e).__name__


# --------------------------------------------------------------------------- regenerate


def _regenerate(root: Path, out: Path, *, seed: int, context_tokens: list[int], progress: bool,
                generation: dict | None = None) -> ReleaseManifest:
    """Our generator on the original's parsed papers, one paper in memory at a time (each is read
    from its file when drafted, rendered and written); the release is written all or nothing."""
    from scalar.generate.questions import GenerationConfig, plan_questions
    from scalar.generate.write import stream_release

    config = GenerationConfig(**(generation or {}), seed=seed, context_budgets=context_tokens)  # validated before any reading
    papers = OriginalPapers(root, progress=progress)
    if not papers:
        raise InputError(f"--regenerate needs paper objects, none found in {root / 'paper_obj_anno'}")
    with _progress(progress, "generating questions", len(papers)) as advance:
        plan = plan_questions(papers, config, progress=lambda n: advance())
    with _progress(progress, "writing questions", plan.papers_to_render()) as advance:
        return stream_release(out, venue=VENUE, plan=plan, notes={"mode": "regenerate", "source_papers": len(papers)},
                              progress=lambda n: advance())
