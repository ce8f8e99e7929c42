"""The interface every model backend implements (API models, local 1-bit models, baselines)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scalar.schema import Question


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

    async def aclose(self) -> None:
        return None
