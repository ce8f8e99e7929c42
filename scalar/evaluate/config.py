"""``EvalConfig``: every ``scalar eval`` setting with its default, help text and validation, in one
place. The CLI builds its options from these fields; ``run_eval(config)`` takes one.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scalar.errors import ConfigError
from scalar.schema import Difficulty, RunSpec, Selection, Task

__all__ = ["EvalConfig", "parse_model_args", "split_model_arg"]

Scoring = Literal["generate", "logprob", "direct"]


_KEY = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_.\-]*\s*=")


def split_model_arg(item: str) -> list[str]:
    """lm-eval style ``a=1,b=2`` -> ``["a=1", "b=2"]``. The rule: split at a comma that is outside
    brackets, braces and quotes AND followed by ``name=``; so ``stop=["a,b"]``,
    ``logit_bias={"1":2,"3":4}`` and ``stop=a,b`` (no ``=`` after the comma) stay whole."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    i = 0
    while i < len(item):
        ch = item[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and _KEY.match(item, i + 1):
            parts.append(item[start:i])
            start = i + 1
        i += 1
    parts.append(item[start:])
    return parts


def parse_model_args(items: list[str] | str | dict | None) -> dict:
    """``["k=v", "a=1,b=2", ...]`` -> dict with ints, floats, booleans and JSON values decoded
    (see split_model_arg for the comma rule)."""
    if items is None:
        return {}
    if isinstance(items, dict):
        return dict(items)
    if isinstance(items, str):
        items = [items]
    out: dict = {}
    for item in (part for raw in items for part in split_model_arg(raw)):
        if "=" not in item:
            raise ConfigError(f"--model-arg expects key=value (or k1=v1,k2=v2), got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k:
            raise ConfigError(f"--model-arg expects key=value (or k1=v1,k2=v2), got {item!r}")
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = {"true": True, "false": False}.get(v.lower(), v)
    return out


class EvalConfig(BaseModel):
    """The settings of one ``scalar eval`` run. A field's ``description`` is its ``--option`` help."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=(), validate_assignment=True)

    model: str = Field(description="litellm model (openai/gpt-4o-mini, hosted_vllm/<hf-id> ...), local/fbi-llm, "
                       "local/bi-mamba, baseline/random, baseline/lexical.")
    data: Path = Field(description="Release folder.")
    out: Path = Field(description="Run folder; re-running the same command resumes.")
    api_base: str | None = Field(None, description="OpenAI-compatible server, e.g. http://host:8000/v1.")
    concurrency: int = Field(8, ge=1, description="Requests in flight.")
    limit: int | None = Field(None, ge=1, description="A sample of N questions (after the other filters), "
                              "stratified by difficulty and task, drawn with --sample-seed.")
    sample_seed: int = Field(0, description="Seed of the --limit sample (the same seed and release give the "
                             "same questions).")
    budget: list[int] = Field(default_factory=list, description="Only questions fitted to this context budget "
                              "in tokens (repeatable; the release's budgets are in its manifest).")
    difficulty: list[Difficulty] = Field(default_factory=list, description="Only this difficulty: easy, medium, "
                                         "hard (repeatable).")
    task: list[Task] = Field(default_factory=list, description="Only this task: mcq, cloze (repeatable).")
    model_args: dict = Field(default_factory=dict, description="k=v for the backend (repeatable): top_p, "
                             "reasoning_effort, context_window, input_cost_per_mtok, output_cost_per_mtok, "
                             "checkpoint ...")
    template: str | None = Field(None, description="Built-in template (mcq, cloze) or a .jinja file; default: "
                                 "mcq/cloze by task.")
    scoring: Scoring | None = Field(None, description="generate (answer in <answer> tags) or logprob "
                                    "(log-probability of each candidate index after the prompt); default: the "
                                    "model's own (logprob for local/* base models, direct for baselines, "
                                    "generate otherwise).")
    seed: int = Field(0, description="Sampling seed: sent to the model (providers without seeds drop it) and "
                      "seeding baseline/random's draws. Not the bootstrap's seed (fixed).")
    max_tokens: int = Field(2048, ge=1, description="Output tokens per answer; reserved from the context window.")
    max_cost: float | None = Field(None, gt=0, description="Stop before spending more than this many USD.")
    dry_run: bool = Field(False, description="Print the token and cost estimate; call nothing.")
    after: date | None = Field(None, description="Only questions first public after YYYY-MM-DD.")
    cache: Path | None = Field(None, description="Response cache file (default RUN/cache.sqlite).")
    use_cache: bool = Field(True, description="Read and write the response cache (--no-cache: neither).")
    max_retries: int = Field(6, ge=0, description="Retries on rate limits and server errors.")
    retry_wait: float = Field(1.0, ge=0, description="First backoff in seconds (doubles per retry, capped at 60).")
    progress: bool = Field(True, description="Show a progress bar on stderr when it is a terminal.")
    ray: str | None = Field(None, description="local/* models: spread the questions over Ray actors, one model "
                            "load each. --ray alone starts Ray on this machine; --ray auto joins this node's "
                            "cluster; --ray HOST:PORT or ray://HOST:10001 a remote one.")
    ray_workers: int | None = Field(None, ge=1, description="Ray actors to start (default: the cluster's CPUs / "
                                    "--model-arg threads, which defaults to 1 under --ray).")

    @field_validator("model_args", mode="before")
    @classmethod
    def _parse_model_args(cls, v):
        return parse_model_args(v)

    @model_validator(mode="after")
    def _ray_workers_need_ray(self) -> EvalConfig:
        if self.ray_workers is not None and self.ray is None:
            raise ValueError("--ray-workers needs --ray")
        return self

    @field_validator("data", "out", "cache")
    @classmethod
    def _utf8_path(cls, v: Path | None) -> Path | None:
        # summary.json and run.json record paths as JSON text: a name that is not UTF-8 would fail
        # there, after every question was paid for
        if v is not None:
            try:
                os.path.abspath(v).encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("the path is not valid UTF-8 (rename the folder)") from None
        return v

    @classmethod
    def build(cls, **values) -> EvalConfig:
        """Validate ``values``; a bad one is a ConfigError naming its ``--option``."""
        try:
            return cls(**values)
        except ValidationError as e:
            raise ConfigError(_message(e)) from None

    @classmethod
    def option(cls, field: str) -> str:
        return "--" + field.replace("_", "-")

    @classmethod
    def help(cls, field: str) -> str:
        return cls.model_fields[field].description or ""

    def spec(self, release_id: str, template: str, scoring: str) -> RunSpec:
        """What determines the answers (run.json): a run folder holds one spec only."""
        return RunSpec(model=self.model, release_id=release_id, template=template, scoring=scoring,
                       max_tokens=self.max_tokens, seed=self.seed,
                       model_args={k: self.model_args[k] for k in sorted(self.model_args)},
                       selection=self.selection())

    def selection(self) -> Selection:
        return Selection(budgets=sorted(set(self.budget)), difficulties=sorted(set(self.difficulty)),
                         tasks=sorted(set(self.task)), after=self.after, limit=self.limit,
                         sample_seed=self.sample_seed)


def _message(e: ValidationError) -> str:
    err = e.errors()[0]
    field = str(err["loc"][0]) if err.get("loc") else ""
    if not field:  # a rule across fields (model validator): its own message names the options
        return str((err.get("ctx") or {}).get("error") or err.get("msg", "invalid settings"))
    option = EvalConfig.option(field)
    if field == "after":
        return f"--after expects a date YYYY-MM-DD, got {err.get('input')!r}"
    if field in ("difficulty", "task"):
        allowed = "easy, medium, hard" if field == "difficulty" else "mcq, cloze"
        return f"{option} must be one of {allowed} (got {err.get('input')!r})"
    if field == "scoring":
        return f"--scoring must be one of generate, logprob, direct (got {err.get('input')!r})"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{option}: {msg[:1].lower() + msg[1:]} (got {err.get('input')!r})"
