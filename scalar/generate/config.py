"""``GenerationConfig``: every question-generation setting, its default and its validation.

The only validator of generation settings: ``scalar build``, ``scalar import-reference --regenerate``
and the Python API all construct one, so a value refused by one is refused by all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scalar.errors import ConfigError
from scalar.schema import DIFFICULTIES, TASKS

MIN_CONTEXT_BUDGET = 1000  # tokens: below this no paper text is left beside instruction and candidates


# ``--distractors robust`` (the default): balanced, and rank 1 also checked under 9 variants of the
# dense scorer (query windows of 25/50/100 words either side x the best of a candidate's first 1, 2
# or 8 100-word chunks) and guarded under a 3-word BM25 window too; settings given explicitly win.
# Robust rather than plain balanced by default because a release balanced on one dense scorer lets
# another shape of the same encoder find the gold in up to half the questions
# (docs/question-generation.md "Why robust is the default")
Distractors = Literal["balanced", "robust", "original"]
DEFAULT_DISTRACTORS: Distractors = "robust"
ROBUST_DEFAULTS = {"shortcut_dense_family_windows": [25, 50, 100], "shortcut_dense_family_views": [1, 2, 8],
                   "shortcut_guard_windows": [3, 5, 15, 35, 100]}
_ROBUST_DENSE_KEYS = ("shortcut_dense_family_windows", "shortcut_dense_family_views")


def dense_family_pairs(windows: list[int], views: list[int]) -> list[tuple[int, int]]:
    """(query window, chunks) of every variant in a dense family: each window with each view."""
    return [(w, k) for w in windows for k in views]


def robust_dense_family() -> list[tuple[int, int]]:
    """The dense variants ``--distractors robust`` balances (and ``scalar audit --dense-variants`` reports)."""
    return dense_family_pairs(ROBUST_DEFAULTS["shortcut_dense_family_windows"], ROBUST_DEFAULTS["shortcut_dense_family_views"])


def _resolve_shortcut_model(value: str | None, distractors: str | None) -> str | None:
    """The dense scorer a generation setting names: None (BM25 and length only), or a
    sentence-transformers id or folder; ``auto`` is the bundled model when ``[dense]`` is installed."""
    v = (value or "").strip()
    if not v or v.lower() == "none" or distractors == "original":
        return None  # the original rules never score candidates
    if v.lower() == "auto":
        from scalar.generate.dense import DEFAULT_MODEL, dense_available

        return DEFAULT_MODEL if dense_available() else None
    return v


class GenerationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    difficulties: list[str] = Field(default_factory=lambda: ["easy", "medium", "hard"])
    tasks: list[str] = Field(default_factory=lambda: ["mcq", "cloze"])
    context_budgets: list[int] = Field(default_factory=list)  # --context-tokens; empty = no trimming
    encoding: str = "o200k_base"
    n_candidates: int = 4
    max_candidate_tokens: int = 40_000  # references longer than this are not usable
    max_gold_per_paper: int | None = None  # per difficulty; None = every eligible reference
    # citation typing: "heuristic" (offline) or "llm:<litellm model>"
    citation_typer: str = "heuristic"
    typer_cache: str | None = None
    typer_api_base: str | None = None
    # length control
    instruction_tokens: int = 300  # estimate of the prompt's instruction and answer format
    candidate_overhead_tokens: int = 12  # per-candidate wrapper in the prompt
    min_candidate_tokens: int = 64
    # leak control
    leak_window_words: int = 3  # words each side of a mask checked against candidate titles (audit: 3)
    reject_surface_matches: bool = True
    # cloze
    cloze_max_masks: int = 4
    cloze_distractors: int = 2
    max_cloze_per_paper: int | None = None
    include_appendix: bool = False
    # shortcut control (docs/question-generation.md): "balanced" chooses distractors so the gold
    # ranks first under every shortcut scorer in one question in four per difficulty; "robust" (the
    # default) is balanced and near chance under variants of the scorers too (ROBUST_DEFAULTS), at
    # the cost of questions; "original" keeps the original SCALAR rules (random / nearest-cited), so
    # published numbers stay comparable
    distractors: Distractors = DEFAULT_DISTRACTORS
    shortcut_windows: list[int] = Field(default_factory=lambda: [10, 25, 50])  # BM25 windows, words
    # more BM25 windows balanced distractors must not contradict (may tie, never flip), so that
    # a window the release was not balanced on does not find what the recorded ones hide
    # (5 to 100 words, around and between the balanced ones; robust, the default, adds the 3-word
    # window through ROBUST_DEFAULTS: it costs balanced ~5% of its questions)
    shortcut_guard_windows: list[int] = Field(default_factory=lambda: [5, 15, 35, 100])
    # windows that only order the choice: distractors that stay on their side of the gold under
    # these too are tried first (no question is lost to them; variants of the scorers agree more)
    shortcut_prefer_windows: list[int] = Field(default_factory=list)
    # query windows (words either side) under which the dense scorer guards like the BM25 guard
    # windows; only the query is encoded again. Off (robust's family covers it); under balanced,
    # [25] keeps 62% of the 128 real papers' mcq instead of 70%
    shortcut_dense_guard_windows: list[int] = Field(default_factory=list)
    # chunk counts (best of the first k chunks) under which the dense scorer guards the same way
    # (off; under balanced, [1] keeps 66.8% of the 128 real papers' mcq instead of 70.4%)
    shortcut_dense_guard_chunks: list[int] = Field(default_factory=list)
    # the dense scorer balanced too (sentence-transformers id/folder); "auto": the bundled
    # all-MiniLM-L6-v2 when the [dense] extra is installed, else none; "none": BM25 and length only.
    # Resolved on construction, so a config (and the manifest's config_id) names what was used.
    shortcut_model: str | None = Field(default="auto", validate_default=True)
    # rank-1 checks under a family of dense variants, every query window here x the best of the
    # first k chunks for every k in views: a question with the gold on top keeps it strictly on top
    # under each, any other has a distractor strictly above the gold under each, so a dense scorer
    # shaped unlike the balanced one still finds the gold about one time in n (robust, the default,
    # sets them when a dense scorer is in use)
    shortcut_dense_family_windows: list[int] = Field(default_factory=list)
    shortcut_dense_family_views: list[int] = Field(default_factory=list)
    hard_pool: int = 30  # balanced hard: distractors among the works cited nearest to the mask
    # "opaque": every visible citation marker becomes "[REF-n]"; default: opaque when balanced
    citation_markers: Literal["opaque", "visible"] | None = None

    def __init__(self, **data):
        # Options come from the command line: a bad one is the user's to fix (ConfigError -> one
        # line on stderr, exit 2), not a pydantic traceback.
        try:
            super().__init__(**data)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err.get("loc", ()))
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            raise ConfigError(f"generation option {where}: {msg}" if where else f"generation options: {msg}") from None

    @model_validator(mode="before")
    @classmethod
    def _robust_defaults(cls, data):
        if isinstance(data, dict) and data.get("distractors", DEFAULT_DISTRACTORS) == "robust":
            extra = dict(ROBUST_DEFAULTS)
            if _resolve_shortcut_model(data.get("shortcut_model", "auto"), "robust") is None:
                # no encoder to be robust against: BM25 (with the 3-word guard) and length only, as
                # balanced does without [dense]; family lists given explicitly still need one
                extra = {k: v for k, v in extra.items() if k not in _ROBUST_DENSE_KEYS}
            data = {**extra, **data}
        return data

    @model_validator(mode="after")
    def _family_needs_dense(self):
        if self.balanced and self.dense_family and not self.shortcut_model:
            raise ValueError("a dense variant family needs the dense scorer: install the [dense] extra "
                             "(pip install 'scalar-bench[dense]') or pass --shortcut-model")
        return self

    @property
    def balanced(self) -> bool:
        """Distractors chosen against the shortcut scorers (balanced and robust)."""
        return self.distractors != "original"

    @property
    def scored_windows(self) -> list[int]:
        """Every BM25 window balanced generation scores: balanced, guard and preference ones."""
        return sorted(set(self.shortcut_windows) | set(self.shortcut_guard_windows) | set(self.shortcut_prefer_windows))

    @property
    def dense_family(self) -> list[tuple[int, int]]:
        """The (query window, chunks) variants of the dense scorer rank 1 is checked under (none
        when neither list is set; one list alone pairs with the balanced scorer's other setting)."""
        if not (self.shortcut_dense_family_windows or self.shortcut_dense_family_views):
            return []
        from scalar.generate.dense import MAX_CHUNKS
        from scalar.generate.shortcuts import DENSE_WINDOW

        return dense_family_pairs(self.shortcut_dense_family_windows or [DENSE_WINDOW],
                                  self.shortcut_dense_family_views or [MAX_CHUNKS])

    @property
    def opaque_markers(self) -> bool:
        if self.citation_markers is None:
            return self.balanced
        return self.citation_markers == "opaque"

    @field_validator("shortcut_windows", "shortcut_guard_windows", "shortcut_prefer_windows",
                     "shortcut_dense_guard_windows", "shortcut_dense_guard_chunks",
                     "shortcut_dense_family_windows", "shortcut_dense_family_views")
    @classmethod
    def _windows(cls, v: list[int]) -> list[int]:
        if any(w < 1 for w in v):
            raise ValueError("shortcut windows must be positive word counts")
        return sorted(set(v))

    @field_validator("shortcut_model")
    @classmethod
    def _shortcut_model(cls, v: str | None, info) -> str | None:
        return _resolve_shortcut_model(v, info.data.get("distractors"))

    @field_validator("hard_pool")
    @classmethod
    def _pool(cls, v: int) -> int:
        if v < 1:
            raise ValueError("hard_pool must be at least 1")
        return v

    @field_validator("difficulties")
    @classmethod
    def _known_difficulties(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d not in DIFFICULTIES]
        if bad:
            raise ValueError(f"unknown difficulty {bad[0]!r}: use easy, medium or hard")
        return [d for d in DIFFICULTIES if d in v] or list(DIFFICULTIES)  # none given = all

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, v: list[str]) -> list[str]:
        bad = [t for t in v if t not in TASKS]
        if bad:
            raise ValueError(f"unknown task {bad[0]!r}: use mcq or cloze")
        return [t for t in TASKS if t in v] or list(TASKS)  # none given = all

    @field_validator("context_budgets")
    @classmethod
    def _positive_budgets(cls, v: list[int]) -> list[int]:
        if any(b <= 0 for b in v):
            raise ValueError("context budgets must be positive token counts")
        small = [b for b in v if b < MIN_CONTEXT_BUDGET]
        if small:
            raise ValueError(f"--context-tokens {min(small)} is too small (at least {MIN_CONTEXT_BUDGET})")
        return sorted(set(v))

    @field_validator("n_candidates")
    @classmethod
    def _enough_candidates(cls, v: int) -> int:
        if v < 2:
            raise ValueError("n_candidates must be at least 2")
        return v
