"""The interface every model implements (API models, local 1-bit models, baselines).

Every optional capability is declared here with its default, so callers never probe with
getattr/hasattr: a backend overrides what it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scalar.schema import Question

SCORING_MODES = ("generate", "logprob", "direct")


class BackendError(Exception):
    """A call that failed. ``retryable`` (rate limit, server error, timeout, connection) tells the
    retry policy to back off and try again; otherwise the question is recorded as an error at once.
    ``retry_after`` is the server's Retry-After hint in seconds, when it sent one."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class Completion:
    """The one result type of a model call: generated ``text`` (``generate``) or one
    log-probability per option (``score_options``: ``scores``). ``truncated_tokens`` counts prompt
    tokens the backend itself had to cut to fit its window (beyond the caller's cut);
    ``cached`` marks an answer served by a CachedBackend (it cost nothing); ``finish_reason`` is the
    provider's reason generation stopped ("stop", "length" = cut at max_tokens, ...), when given."""

    text: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    truncated_tokens: int = 0
    scores: list[float] | None = None
    cached: bool = False
    finish_reason: str | None = None
    raw: dict = field(default_factory=dict)


class Backend:
    """A model as the evaluation sees it.

    Scoring modes (``scoring_modes``, preferred first in ``default_scoring``):
    ``generate`` answers a rendered prompt; ``logprob`` (``score_options``) returns the
    log-probability of each option continuing a shared prefix (base models that do not follow
    instructions); ``direct`` (``answer_question``) answers from the Question itself, without a
    prompt (baselines).
    """

    name: str = ""
    context_window: int | None = None  # tokens; None = unlimited / unknown
    tokenizer_encoding: str = "o200k_base"  # tiktoken encoding that counts this model's prompts
    prompt_tokenizer: object | None = None  # a model's own tokenizer (encode_ordinary/decode), if any
    scoring_modes: tuple[str, ...] = ()
    default_scoring: str = "generate"
    known_model: bool = True  # False: an API model missing from the model map (no window, no price)
    cacheable: bool = True  # answers worth keeping in the response cache

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        raise NotImplementedError(f"{self.name} does not generate text")

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        raise NotImplementedError(f"{self.name} cannot score options")

    def answer_question(self, question: Question) -> int | list[int]:
        raise NotImplementedError(f"{self.name} does not answer questions directly")

    def explain(self, question: Question) -> str | None:
        """A short note recorded as the response of a direct answer (why this answer)."""
        return None

    @property
    def counting_tokenizer(self):
        """What prompts are counted and cut with: the model's own tokenizer, else tiktoken's."""
        return self.prompt_tokenizer or self.tokenizer_encoding

    def cache_identity(self) -> dict:
        """What, beyond the prompt, determines the answer (model, parameters): the response-cache key."""
        return {"name": self.name}

    def price_per_token(self) -> tuple[float, float] | None:
        """(input, output) USD per token, or None when unknown (cost then counts as 0)."""
        return None

    def stats(self) -> dict:
        """Throughput this session, from backends that measure it (local models): ``tokens``,
        ``seconds``, ``tokens_per_s``. Empty when not measured."""
        return {}

    def preflight(self) -> None:
        """Cheap checks before any file is written (server reachable, credentials present);
        raise a ScalarError. Never calls the model."""
        return None

    async def aclose(self) -> None:
        return None
