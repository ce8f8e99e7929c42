"""The one retry policy of every model call: exponential backoff with jitter, the server's
Retry-After honoured, only for errors a backend marks ``retryable``."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from scalar.models.base import BackendError

__all__ = ["MAX_WAIT", "RetryPolicy"]

T = TypeVar("T")
MAX_WAIT = 60.0  # seconds: the longest backoff between two attempts
JITTER = 0.25  # each backoff is stretched by up to 25% so concurrent callers do not retry in step


@dataclass
class RetryPolicy:
    max_retries: int = 6
    first_wait: float = 1.0  # seconds before the first retry; doubled per attempt, capped at MAX_WAIT
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    attempts: int = field(default=0, init=False)  # calls made (first tries and retries)

    def delay(self, attempt: int, error: BackendError) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        if error.retry_after is not None:
            return error.retry_after
        base = min(MAX_WAIT, self.first_wait * 2 ** attempt)
        return base * (1.0 + JITTER * random.random())

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                self.attempts += 1
                return await call()
            except BackendError as e:
                if not e.retryable or attempt >= self.max_retries:
                    raise
                wait = self.delay(attempt, e)
                attempt += 1
                await self.sleep(wait)
