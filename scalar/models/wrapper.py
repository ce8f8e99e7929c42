"""A backend wrapping another: everything is forwarded unless the wrapper overrides it."""

from __future__ import annotations

from scalar.models.base import Backend, Completion
from scalar.schema import Question


class WrappedBackend(Backend):
    def __init__(self, inner: Backend):
        self.inner = inner

    def __getattr__(self, name: str):  # declared capabilities of the inner backend (name, window, ...)
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    name = property(lambda self: self.inner.name)  # type: ignore[assignment]
    context_window = property(lambda self: self.inner.context_window)  # type: ignore[assignment]
    tokenizer_encoding = property(lambda self: self.inner.tokenizer_encoding)  # type: ignore[assignment]
    prompt_tokenizer = property(lambda self: self.inner.prompt_tokenizer)  # type: ignore[assignment]
    scoring_modes = property(lambda self: self.inner.scoring_modes)  # type: ignore[assignment]
    default_scoring = property(lambda self: self.inner.default_scoring)  # type: ignore[assignment]
    known_model = property(lambda self: self.inner.known_model)  # type: ignore[assignment]
    cacheable = property(lambda self: self.inner.cacheable)  # type: ignore[assignment]

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        return await self.inner.generate(prompt, max_tokens=max_tokens)

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        return await self.inner.score_options(prefix, options)

    def answer_question(self, question: Question) -> int | list[int]:
        return self.inner.answer_question(question)

    def explain(self, question: Question) -> str | None:
        return self.inner.explain(question)

    def cache_identity(self) -> dict:
        return self.inner.cache_identity()

    def price_per_token(self) -> tuple[float, float] | None:
        return self.inner.price_per_token()

    def stats(self) -> dict:
        return self.inner.stats()

    def preflight(self) -> None:
        self.inner.preflight()

    async def aclose(self) -> None:
        await self.inner.aclose()
