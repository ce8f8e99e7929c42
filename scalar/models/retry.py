"""The one retry policy of every model call: exponential backoff with jitter, the server's
Retry-After honoured up to a cap (``scalar._util.retry_after``, shared with the build's HTTP layer),
only for errors a backend marks ``retryable``."""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from scalar._util.retry_after import ENV, max_retry_after
from scalar.models.base import BackendError

__all__ = ["MAX_WAIT", "RetryPolicy"]

T = TypeVar("T")
MAX_WAIT = 60.0  # seconds: the longest backoff between two attempts
JITTER = 0.25  # each backoff is stretched by up to 25% so concurrent callers do not retry in step


def _tell(message: str) -> None:
    print(f"scalar: warning: {message}", file=sys.stderr)


@dataclass
class RetryPolicy:
    max_retries: int = 6
    first_wait: float = 1.0  # seconds before the first retry; doubled per attempt, capped at MAX_WAIT
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    max_retry_after: float | None = None  # longest Retry-After slept; None: SCALAR_MAX_RETRY_AFTER or 120 s
    tell: Callable[[str], None] = _tell  # says, once, that a server asked for a longer wait
    attempts: int = field(default=0, init=False)  # calls made (first tries and retries)
    _told: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.first_wait < 0:
            raise ValueError("max_retries and first_wait must be >= 0")
        if self.max_retry_after is None:
            self.max_retry_after = max_retry_after()

    def delay(self, attempt: int, error: BackendError) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        if error.retry_after is not None:
            return max(0.0, error.retry_after)
        base = min(MAX_WAIT, self.first_wait * 2 ** attempt)
        return base * (1.0 + JITTER * random.random())

    def _too_long(self, e: BackendError) -> BackendError:
        """The error recorded when the server asks for a wait past the cap: not slept, not retried."""
        cap = self.max_retry_after
        if not self._told:
            self._told = True
            self.tell(f"the server asks to wait {e.retry_after:.0f} s (Retry-After); SCALAR waits at most "
                      f"{cap:.0f} s ({ENV}), so such questions are recorded as errors and asked again "
                      "when the same command is re-run")
        return BackendError(f"{e} [server asked to wait {e.retry_after:.0f} s (Retry-After), more than "
                            f"the {cap:.0f} s cap ({ENV}); not retried]", retryable=False)

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                self.attempts += 1
                return await call()
            except BackendError as e:
                if not e.retryable or attempt >= self.max_retries:
                    raise
                if e.retry_after is not None and e.retry_after > self.max_retry_after:
                    raise self._too_long(e) from None
                wait = self.delay(attempt, e)
                attempt += 1
                await self.sleep(wait)
