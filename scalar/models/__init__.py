"""The model layer: every model (API, local 1-bit, baseline) as a ``Backend``, looked up by name.

``get_backend("openai/gpt-4o-mini")`` resolves a name by its family prefix in ``MODELS``:
``local/<kind>`` is registered here, ``baseline/<kind>`` by ``scalar.evaluate`` (the baselines use
generation's lexical scoring), and any other name is a litellm model string. Factories import
their heavy dependencies lazily. Wrappers add the response cache (``CachedBackend``) and the one
retry policy (``RetryingBackend`` over ``RetryPolicy``).
"""

from __future__ import annotations

from collections.abc import Callable

from scalar.models.base import SCORING_MODES, Backend, BackendError, Completion
from scalar.models.cache import CachedBackend, ResponseCache, cache_key
from scalar.models.retry import RetryPolicy
from scalar.models.retrying import RetryingBackend
from scalar.registry import Registry

__all__ = ["MODELS", "SCORING_MODES", "Backend", "BackendError", "CachedBackend", "Completion", "ResponseCache",
           "RetryPolicy", "RetryingBackend", "cache_key", "get_backend", "litellm_module"]

Factory = Callable[[str, "str | None", dict], Backend]
MODELS: Registry[Factory] = Registry("model family")
MODELS.register("local", "scalar.models.local:create_from_name")


def get_backend(model: str, *, api_base: str | None = None, model_args: dict | None = None) -> Backend:
    """The backend for ``model`` (``family/...``) with ``model_args`` (``--model-arg`` values)."""
    prefix = model.split("/", 1)[0] if "/" in model else ""
    if prefix in MODELS:
        return MODELS.get(prefix)(model, api_base, dict(model_args or {}))
    from scalar.models.litellm_backend import LiteLLMBackend  # every name without a registered family

    return LiteLLMBackend(model, api_base=api_base, model_args=dict(model_args or {}))


def litellm_module():
    """litellm, imported lazily and set up once (offline model map, no telemetry)."""
    from scalar.models.litellm_backend import litellm_module as setup

    return setup()
