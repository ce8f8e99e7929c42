"""The interface every model backend implements (API models, local 1-bit models, baselines)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scalar.schema import Question


class BackendError(Exception):
    """A call that failed. ``retryable`` (rate limit, server error, timeout, connection) tells the
    runner to back off and retry; otherwise the question is recorded as an error at once.
    ``retry_after`` is the server's Retry-After hint in seconds, when it sent one."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    raw: dict = field(default_factory=dict)


class Backend:
    """A model as the runner sees it.

    ``generate`` answers a rendered prompt; ``score_options`` returns the log-probability of each
    option continuing a shared prefix (for base models that do not follow instructions);
    ``answer_question`` lets baselines answer from the Question itself without a prompt.
    A backend implements at least one of them.
    """

    name: str = ""
    context_window: int | None = None  # tokens; None = unlimited / unknown
    tokenizer_encoding: str = "o200k_base"
    supports_generate: bool = False
    supports_logprobs: bool = False
    direct: bool = False  # answers from the Question (baselines): no prompt, no cost

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        raise NotImplementedError

    async def score_options(self, prefix: str, options: list[str]) -> list[float]:
        raise NotImplementedError

    def answer_question(self, question: Question) -> int | list[int]:
        raise NotImplementedError

    def cache_identity(self) -> dict:
        """What, beyond the prompt, determines the answer (model, parameters): the response-cache key."""
        return {"name": self.name}

    def price_per_token(self) -> tuple[float, float] | None:
        """(input, output) USD per token, or None when unknown (cost then counts as 0)."""
        return None

    def preflight(self) -> None:
        """Cheap checks before any file is written (server reachable, credentials present);
        raise a ScalarError. Never calls the model."""
        return None

    async def aclose(self) -> None:
        return None
