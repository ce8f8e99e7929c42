"""``EvalConfig``: every ``scalar eval`` setting with its default, help text and validation, in one
place. The CLI builds its options from these fields; ``run_eval(config)`` takes one.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scalar.errors import ConfigError
from scalar.schema import RunSpec

__all__ = ["EvalConfig", "parse_model_args"]

Scoring = Literal["generate", "logprob", "direct"]


def parse_model_args(items: list[str] | dict | None) -> dict:
    """``["k=v", ...]`` -> dict with ints, floats, booleans and JSON values decoded."""
    if items is None:
        return {}
    if isinstance(items, dict):
        return dict(items)
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--model-arg expects key=value, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k:
            raise ConfigError(f"--model-arg expects key=value, got {item!r}")
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
    limit: int | None = Field(None, ge=1, description="Only the first N questions (after --after).")
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

    @field_validator("model_args", mode="before")
    @classmethod
    def _parse_model_args(cls, v):
        return parse_model_args(v)

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
    def build(cls, **values) -> "EvalConfig":
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
                       model_args={k: self.model_args[k] for k in sorted(self.model_args)})


def _message(e: ValidationError) -> str:
    err = e.errors()[0]
    field = str(err["loc"][0]) if err.get("loc") else ""
    option = EvalConfig.option(field) if field else "a setting"
    if field == "after":
        return f"--after expects a date YYYY-MM-DD, got {err.get('input')!r}"
    if field == "scoring":
        return f"--scoring must be one of generate, logprob, direct (got {err.get('input')!r})"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{option}: {msg[:1].lower() + msg[1:]} (got {err.get('input')!r})"
