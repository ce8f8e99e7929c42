"""Model backends behind one registry: ``get_backend("openai/gpt-4o-mini")``.

A name is resolved by its prefix: ``baseline/<kind>`` and ``local/<kind>`` are ours, anything else
is a litellm model string. Factories import their heavy dependencies lazily.
"""

from __future__ import annotations

from collections.abc import Callable

from scalar.errors import ConfigError
from scalar.evaluate.backends.base import Backend, BackendError, Completion

__all__ = ["Backend", "BackendError", "Completion", "OptionScores", "get_backend", "register_backend", "registered"]


class OptionScores(list):
    """``score_options``'s list of log-probabilities, plus the prompt tokens the backend itself had
    to cut to fit its window (beyond the harness's cut). The runner adds them to the prediction's
    ``truncated_tokens``; a plain list means nothing was cut. (A generating backend reports the
    same in ``Completion.raw["truncated_tokens"]``.)"""

    def __init__(self, scores=(), *, truncated_tokens: int = 0):
        super().__init__(scores)
        self.truncated_tokens = truncated_tokens

Factory = Callable[[str, "str | None", dict], Backend]
_REGISTRY: dict[str, Factory] = {}


def register_backend(prefix: str) -> Callable[[Factory], Factory]:
    """Register ``factory(model, api_base, model_args)`` for model names starting with ``prefix/``."""

    def deco(factory: Factory) -> Factory:
        _REGISTRY[prefix] = factory
        return factory

    return deco


def registered() -> list[str]:
    return sorted(_REGISTRY)


@register_backend("baseline")
def _baseline(model: str, api_base: str | None, model_args: dict) -> Backend:
    from scalar.evaluate.backends.baselines import LexicalBaseline, RandomBaseline

    kinds = {"baseline/random": RandomBaseline, "baseline/lexical": LexicalBaseline}
    if model == "baseline/dense":  # its own module: needs the [dense] extra
        from scalar.evaluate.backends.dense import DenseBaseline

        return DenseBaseline(model_args)
    if model not in kinds:
        raise ConfigError(f"unknown baseline {model!r} (known: {', '.join(sorted([*kinds, 'baseline/dense']))})")
    return kinds[model](model_args)


@register_backend("local")
def _local(model: str, api_base: str | None, model_args: dict) -> Backend:
    kind = model.split("/", 1)[1]
    try:
        from scalar.evaluate.backends.local import create_local_backend
    except ImportError:
        raise ConfigError(f"local models are not available in this installation ({model})") from None
    return create_local_backend(kind, model_args)


def get_backend(model: str, *, api_base: str | None = None, model_args: dict | None = None) -> Backend:
    model_args = dict(model_args or {})
    prefix = model.split("/", 1)[0] if "/" in model else ""
    factory = _REGISTRY.get(prefix)
    if factory is not None:
        return factory(model, api_base, model_args)
    from scalar.evaluate.backends.litellm_backend import LiteLLMBackend

    return LiteLLMBackend(model, api_base=api_base, model_args=model_args)
