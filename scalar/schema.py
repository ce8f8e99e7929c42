"""Records that cross a boundary: papers, questions, releases, predictions, run summaries.

Every model round-trips through JSON (``model_dump_json`` / ``model_validate_json``). Field names
follow the public contract in ARCHITECTURE.md §3; fields beyond the contract are optional so that
files written by older versions still validate.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

Difficulty = Literal["easy", "medium", "hard"]
Task = Literal["mcq", "cloze"]
CitationType = Literal["attributional", "descriptive"]
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
TASKS: tuple[str, ...] = ("mcq", "cloze")

SCHEMA_VERSION = 1

# --------------------------------------------------------------------------- question text contract
# A question's context shows where the hidden citations were: one MCQ_MASK for an mcq question,
# cloze_mask(1), cloze_mask(2), ... (in answer order) for a cloze question.
MCQ_MASK = "**[MASKED_CITATION]**"
CLOZE_MASK_FORMAT = "[MASK_{}]"
CLOZE_MASK_PATTERN = re.compile(r"\[MASK_\d+\]")
MASK_PATTERN = re.compile(r"\*\*\[MASKED_CITATION\]\*\*|\[MASK_\d+\]")  # any placeholder
# Every other visible citation marker may be rewritten to an opaque label, the same label for the
# same cited work ("[REF-3]"), so that a marker such as "(Hazan et al., 2019)" cannot rule a candidate out.
OPAQUE_LABEL_FORMAT = "[REF-{}]"
OPAQUE_LABEL_PATTERN = re.compile(r"\[REF-\d+\]")


def cloze_mask(i: int) -> str:
    """The placeholder of the ``i``-th (1-based) cloze mask."""
    return CLOZE_MASK_FORMAT.format(i)


class _Record(BaseModel):
    # Readers ignore fields they do not know: schema changes are additive, so files written by a
    # newer version still load. Writers are held to the schema by `unknown_fields` in the tests.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def unknown_fields(model: type[BaseModel], data: Any) -> list[str]:
    """Dotted paths of the keys in ``data`` (a dict, or JSON text) that ``model`` does not define,
    at any depth; [] when ``data`` uses only known fields. Raises ValidationError when ``data`` is
    not a valid ``model`` at all. The strict check for writers' output (readers ignore extras)."""
    if isinstance(data, (str, bytes)):
        data = json.loads(data)
    known = model.model_validate(data).model_dump(mode="json")  # every defined field, defaults included
    out: list[str] = []

    def walk(given: Any, dumped: Any, path: str) -> None:
        if isinstance(given, dict) and isinstance(dumped, dict):
            for key, value in given.items():
                where = f"{path}.{key}" if path else str(key)
                if key not in dumped:
                    out.append(where)
                else:
                    walk(value, dumped[key], where)
        elif isinstance(given, list) and isinstance(dumped, list):
            for i, (g, d) in enumerate(zip(given, dumped)):
                walk(g, d, f"{path}[{i}]")

    walk(data, known, "")
    return out


# --------------------------------------------------------------------------- papers


class CitationSpan(_Record):
    """One in-text citation: ``paragraph.text[start:end]`` is its visible text."""

    start: int
    end: int
    ref: str  # a references[].key, e.g. "bib.bib12"
    grouped: bool = False  # part of a citation group such as "[3, 7]" or "(A, 2020; B, 2021)"
    citation_type: CitationType | None = None  # set by a typer (or an imported annotation)


class Paragraph(_Record):
    text: str
    citations: list[CitationSpan] = Field(default_factory=list)
    # None = running text; otherwise where it came from: "heading" (a subsection title),
    # "caption", "table", "figure" (other text inside a float), "footnote", "listing" (one line
    # of an algorithm or code listing) — so builders can skip non-prose when masking.
    kind: str | None = None

    @model_validator(mode="after")
    def _spans_inside(self) -> Paragraph:
        n = len(self.text)
        for c in self.citations:
            if not (0 <= c.start < c.end <= n):
                raise ValueError(f"citation span {c.start}:{c.end} outside paragraph of length {n}")
        return self


class Section(_Record):
    title: str
    paragraphs: list[Paragraph] = Field(default_factory=list)
    appendix: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


class Reference(_Record):
    key: str
    raw: str = ""
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    arxiv_id: str | None = None
    doi: str | None = None


class Paper(_Record):
    arxiv_id: str | None = None
    version: str | None = None
    title: str = ""
    abstract: str = ""
    authors: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    source: str | None = None  # "arxiv-html" | "ar5iv" | "pdf" | "reference-import" | ...
    first_public_date: date | None = None
    license: str | None = None  # as the venue (OpenReview note) or arXiv states it; None = not stated

    @model_validator(mode="after")
    def _refs_resolve(self) -> Paper:
        keys = {r.key for r in self.references}
        for s in self.sections:
            for p in s.paragraphs:
                for c in p.citations:
                    if c.ref not in keys:
                        raise ValueError(f"citation ref {c.ref!r} is not a reference key")
        return self

    def reference(self, key: str) -> Reference | None:
        for r in self.references:
            if r.key == key:
                return r
        return None


class CitingPaper(_Record):
    """Input to question generation: a citing paper plus the parsed full texts of the works it
    cites that were resolved (reference key -> cited Paper)."""

    paper: Paper
    cited: dict[str, Paper] = Field(default_factory=dict)
    first_public_date: date | None = None
    venue: str | None = None


# --------------------------------------------------------------------------- releases


class Candidate(_Record):
    key: str
    arxiv_id: str | None = None
    title: str | None = None
    text: str


class Question(_Record):
    id: str
    task: Task
    difficulty: Difficulty
    paper: str  # citing paper, "2410.05602v2"
    first_public_date: date | None = None
    section: str = ""
    citation_type: CitationType | None = None
    context: str  # paper text with its placeholders: see MCQ_MASK, cloze_mask and Question.masks
    candidates: list[Candidate]
    answer: int | list[int]  # mcq: gold index; cloze: candidate index per mask, in mask order
    context_tokens: int = 0
    context_budget: int | None = None  # the --context-tokens budget this variant was fitted to
    gold_key: str | list[str] | None = None
    title: str | None = None  # citing paper title, kept for prompts
    source: str | None = None  # "scalar" | "reference-import"
    # the gold's rank (1 = picked) under each shortcut scorer ("bm25_10", ..., "length"), computed
    # on the untrimmed texts at generation; absent from files when not computed
    shortcut_ranks: dict[str, int] | None = None
    # cloze: the same per mask, in mask order (each mask's gold ranked among all candidates by
    # the words around that mask); absent from files when not computed
    mask_shortcut_ranks: list[dict[str, int]] | None = None

    @model_serializer(mode="wrap")
    def _omit_absent_ranks(self, handler):
        data = handler(self)
        if isinstance(data, dict):
            for name in ("shortcut_ranks", "mask_shortcut_ranks"):
                if data.get(name, 0) is None:
                    del data[name]  # files without ranks stay byte-identical to older ones
        return data

    @property
    def masks(self) -> list[str]:
        """The placeholders in the context, in answer order."""
        if self.task == "cloze":
            return [cloze_mask(i) for i in range(1, len(self.answer) + 1)]  # type: ignore[arg-type]
        return [MCQ_MASK]

    def public_after(self, when: date | None) -> bool:
        """First public strictly after ``when`` (contamination control); ``None`` keeps every
        question, an unknown date is never after anything."""
        if when is None:
            return True
        return self.first_public_date is not None and self.first_public_date > when

    @model_validator(mode="after")
    def _answer_in_range(self) -> Question:
        answers = self.answer if isinstance(self.answer, list) else [self.answer]
        if not self.candidates:
            raise ValueError("a question needs at least one candidate")
        if self.task == "cloze" and isinstance(self.answer, list) and not self.answer:
            raise ValueError("a cloze question needs at least one mask (its answer list is empty)")
        if self.task == "mcq" and isinstance(self.answer, list):
            raise ValueError("an mcq answer is a single index")
        if self.task == "cloze" and not isinstance(self.answer, list):
            raise ValueError("a cloze answer is a list of indices, one per mask")
        for a in answers:
            if not 0 <= a < len(self.candidates):
                raise ValueError(f"answer {a} outside 0..{len(self.candidates) - 1}")
        return self


class TokenStats(_Record):
    n: int = 0
    mean: float = 0.0
    p50: float = 0.0
    p90: float = 0.0
    max: int = 0
    min: int = 0


class ReleaseManifest(_Record):
    schema_version: int = SCHEMA_VERSION
    release_id: str
    venue: str
    build_date: date
    generator_version: str
    seed: int
    source_cutoff: dict[str, date | None] = Field(default_factory=dict)  # earliest/latest first_public
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)  # difficulty -> task -> n
    n_questions: int = 0
    n_papers: int = 0
    token_stats: TokenStats = Field(default_factory=TokenStats)
    context_budgets: list[int] = Field(default_factory=list)
    skipped: dict[str, int] = Field(default_factory=dict)  # reason -> papers skipped
    rejected: dict[str, int] = Field(default_factory=dict)  # reason -> questions rejected
    questions_sha256: str
    notes: dict[str, str | int | float | None] = Field(default_factory=dict)


# --------------------------------------------------------------------------- runs


class Prediction(_Record):
    id: str
    model: str
    response: str | None = None
    prediction: int | list[int] | None = None
    correct: bool = False
    error: str | None = None
    parse_failure: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    truncated_tokens: int = 0
    cached: bool = False
    prompt_sha256: str | None = None  # SHA-256 of the UTF-8 prompt sent (the first one for logprob cloze)
    finish_reason: str | None = None  # the provider's: "stop", "length" (cut by --max-tokens), ...


class Score(_Record):
    """Accuracy with a 95% interval (bootstrap over citing papers)."""

    accuracy: float
    low: float
    high: float
    n: int
    n_papers: int = 0


class Selection(_Record):
    """Which questions of a release a run answers (``scalar eval --budget/--difficulty/--task/--after/
    --limit``). ``limit`` draws a sample stratified by difficulty and task with ``sample_seed``."""

    budgets: list[int] = Field(default_factory=list)  # empty: every budget
    difficulties: list[str] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list)
    after: date | None = None
    limit: int | None = None
    sample_seed: int = 0


class RunSpec(_Record):
    """What determines a run's answers, written as ``run.json`` (see scalar.run_folder) and
    embedded in summary.json: a run folder holds answers to one spec only."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())  # a field named model_args

    model: str
    release_id: str
    template: str  # template name@sha (or one per task)
    scoring: str  # "generate" | "logprob" (baselines: their backend's default)
    max_tokens: int
    seed: int  # the provider's sampling seed (and baseline/random's draws)
    model_args: dict = Field(default_factory=dict)
    # Recorded, not locked: a run folder may be resumed with a wider selection (see RunFolder.claim).
    selection: Selection | None = None

    def lock_key(self) -> dict:
        """The fields a run folder is bound to (everything but the selection)."""
        return self.model_dump(mode="json", exclude={"selection"})


class TaskScore(_Record):
    """One task's scores apart (multiple choice and cloze have very different chance levels)."""

    accuracy: Score
    chance: float  # expected accuracy of a uniformly random answer over these questions
    by_difficulty: dict[str, Score] = Field(default_factory=dict)
    by_budget: dict[str, Score] = Field(default_factory=dict)
    per_mask: Score | None = None  # cloze: share of masks right (n counts masks)
    per_mask_chance: float | None = None


class Provenance(_Record):
    """Which code produced a summary, and when."""

    tool_version: str
    git_commit: str | None = None  # of the installed package's checkout; None outside a git checkout
    git_dirty: bool | None = None
    python: str | None = None
    started: str  # ISO 8601 UTC
    finished: str
    duration_s: float


class RunSummary(_Record):
    schema_version: int = SCHEMA_VERSION
    model: str
    release_id: str
    data_dir: str | None = None
    n: int
    accuracy: Score
    by_difficulty: dict[str, Score] = Field(default_factory=dict)
    breakdowns: dict[str, dict[str, Score]] = Field(default_factory=dict)  # task, citation_type, ...
    parse_failures: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    after: date | None = None
    settings: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    run: RunSpec | None = None  # the run folder's run.json (None in summaries written before it)
    created: str | None = None
    chance: float | None = None  # expected accuracy of uniformly random answers on the scored questions
    by_task: dict[str, TaskScore] = Field(default_factory=dict)
    by_budget: dict[str, Score] = Field(default_factory=dict)  # Question.context_budget ("none": unset)
    length_cut: int = 0  # answers the provider stopped at --max-tokens (finish_reason "length")
    provenance: Provenance | None = None
