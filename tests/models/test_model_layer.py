"""The model layer: the registry, the one retry policy and the response cache wrapper."""

from __future__ import annotations

import asyncio

import pytest

from scalar.errors import ConfigError
from scalar.models import (
    MODELS,
    Backend,
    BackendError,
    CachedBackend,
    Completion,
    ResponseCache,
    RetryingBackend,
    RetryPolicy,
    get_backend,
)
from scalar.registry import Registry


class Echo(Backend):
    """A model that answers with its prompt's length; fails with the scripted errors first."""

    scoring_modes = ("generate", "logprob")

    def __init__(self, name: str = "echo/a", errors: list[BackendError] | None = None, cut: int = 0):
        self.name = name
        self.errors = list(errors or [])
        self.calls = 0
        self.cut = cut

    async def generate(self, prompt, *, max_tokens=None):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return Completion(text=str(len(prompt)), prompt_tokens=len(prompt), completion_tokens=1, cost_usd=0.5,
                          truncated_tokens=self.cut)

    async def score_options(self, prefix, options):
        self.calls += 1
        return Completion(scores=[-float(i) for i, _ in enumerate(options)], prompt_tokens=3)


def test_registry_imports_lazily_and_names_the_known_entries():
    reg: Registry = Registry("venue")
    reg.register("json", "json:dumps")
    reg.register("direct", len)
    assert reg.names() == ["direct", "json"] and "json" in reg
    import json

    assert reg.get("json") is json.dumps and reg.get("direct") is len
    with pytest.raises(ConfigError, match="unknown venue 'nope'; known: direct, json"):
        reg.get("nope")
    with pytest.raises(ValueError):
        reg.register("bad", "no_colon")


def test_model_families_resolve_through_the_registry():
    import scalar.evaluate  # noqa: F401  registers the baseline family

    assert {"baseline", "local"} <= set(MODELS.names())
    b = get_backend("baseline/random", model_args={"seed": 5})
    assert b.scoring_modes == ("direct",) and b.default_scoring == "direct" and not b.cacheable
    with pytest.raises(ConfigError, match="unknown baseline 'baseline/oracle'; known: baseline/dense, baseline/lexical, baseline/random"):
        get_backend("baseline/oracle")


def test_every_optional_capability_has_a_default():
    b = Backend()
    assert b.stats() == {} and b.explain(None) is None and b.known_model and b.cacheable
    assert b.counting_tokenizer == "o200k_base" and b.default_scoring == "generate"
    assert b.price_per_token() is None and b.preflight() is None


def test_retry_policy_backs_off_with_jitter_and_honours_retry_after():
    waits = []

    async def sleep(s):
        waits.append(s)

    flaky = Echo(errors=[BackendError("429", retryable=True, retry_after=7.0),
                         BackendError("500", retryable=True), BackendError("500", retryable=True)])
    policy = RetryPolicy(max_retries=3, first_wait=2.0, sleep=sleep)
    out = asyncio.run(RetryingBackend(flaky, policy).generate("abc"))
    assert out.text == "3" and policy.attempts == 4
    assert waits[0] == 7.0 and 4.0 <= waits[1] <= 5.0 and 8.0 <= waits[2] <= 10.0

    fatal = Echo(errors=[BackendError("400", retryable=False)])
    with pytest.raises(BackendError, match="400"):
        asyncio.run(RetryingBackend(fatal, RetryPolicy(sleep=sleep)).generate("x"))
    assert fatal.calls == 1
    exhausted = Echo(errors=[BackendError("500", retryable=True)] * 3)
    with pytest.raises(BackendError):
        asyncio.run(RetryingBackend(exhausted, RetryPolicy(max_retries=2, sleep=sleep)).generate("x"))
    assert exhausted.calls == 3


def test_cached_backend_keys_on_the_model_identity(tmp_path):
    path = tmp_path / "cache.sqlite"

    async def run(backend, prompt):
        wrapped = CachedBackend(backend, ResponseCache(path))
        try:
            return await wrapped.generate(prompt, max_tokens=5), await wrapped.score_options(prompt, ["0", "1"])
        finally:
            await wrapped.aclose()

    a = Echo("echo/a")
    first, scores = asyncio.run(run(a, "hello"))
    assert not first.cached and first.cost_usd == 0.5 and scores.scores == [0.0, -1.0]
    again, scores = asyncio.run(run(a, "hello"))
    assert again.cached and again.text == "5" and scores.cached and scores.scores == [0.0, -1.0]
    assert a.calls == 2  # the second run asked nothing
    other = Echo("echo/b")
    assert not asyncio.run(run(other, "hello"))[0].cached  # another model never gets a's answer
    cut = Echo("echo/c", cut=10)
    asyncio.run(run(cut, "hello"))
    assert not asyncio.run(run(cut, "hello"))[0].cached  # an answer to a cut prompt is not kept


def test_a_cache_file_from_before_finish_reasons_still_serves_and_learns_them(tmp_path):
    import sqlite3

    from scalar.models.cache import CachedResponse

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL, "
               "prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, "
               "created TEXT NOT NULL DEFAULT (datetime('now')))")
    db.execute("INSERT INTO responses (key, model, text, prompt_tokens, completion_tokens, cost_usd) "
               "VALUES ('k', 'm', '<answer>1</answer>', 10, 3, 0.0)")
    db.commit()
    db.close()
    cache = ResponseCache(path)
    old = cache.get("k")
    assert old.text == "<answer>1</answer>" and old.finish_reason is None
    cache.put("k2", "m", CachedResponse("thinking", 10, 64, 0.0, "length"))
    assert cache.get("k2").finish_reason == "length"
    cache.close()
