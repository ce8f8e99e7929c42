"""A backend whose calls go through the retry policy."""

from __future__ import annotations

from scalar.models.base import Backend, Completion
from scalar.models.retry import RetryPolicy
from scalar.models.wrapper import WrappedBackend


class RetryingBackend(WrappedBackend):
    def __init__(self, inner: Backend, policy: RetryPolicy):
        super().__init__(inner)
        self.policy = policy

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        return await self.policy.run(lambda: self.inner.generate(prompt, max_tokens=max_tokens))

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        return await self.policy.run(lambda: self.inner.score_options(prefix, options))
