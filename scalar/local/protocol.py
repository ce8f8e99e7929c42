"""How each model's authors ran their zero-shot evaluations, so our scores can sit beside theirs.

Both FBI-LLM (``eval.py``) and Bi-Mamba (``eval_bimamba.py``) wrap the model in lm-evaluation-
harness 0.4.x's ``HFLM`` with its defaults: ``add_bos_token=False``, so a request is encoded
without BOS (``tok_encode`` passes ``add_special_tokens=False`` for causal LMs), the context and
continuation are split on the tokens of the whole string, and the score of an option is the sum
of its tokens' log-probabilities. Inputs are cut at 2048 tokens (``max_length=2048``) by both.
This module is the one place that records it; the evaluation backend reads its defaults here.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalar.errors import ConfigError


@dataclass(frozen=True)
class Protocol:
    add_bos: bool
    max_length: int
    source: str


AUTHORS = {
    "fbi-llm": Protocol(add_bos=False, max_length=2048,
                        source="LiqunMa/FBI-LLM eval.py: HFLM(model, tokenizer, batch_size, max_length=2048), lm-eval 0.4.2"),
    "bi-mamba": Protocol(add_bos=False, max_length=2048,
                         source="Tangshengku/Bi-Mamba eval_bimamba.py: HFLM subclass, add_bos_token=False, max_length=2048"),
}


def authors_protocol(kind: str) -> Protocol:
    try:
        return AUTHORS[kind]
    except KeyError:
        raise ConfigError(f"no evaluation protocol recorded for local model {kind!r}") from None


__all__ = ["AUTHORS", "Protocol", "authors_protocol"]
