"""Every API provider through litellm: OpenAI, Anthropic, Gemini, ... and any OpenAI-compatible
server (vLLM, SGLang, llama.cpp) with ``--api-base``.

Temperature 0 and a recorded seed by default; context window and price come from litellm's
bundled model map (not fetched: ``LITELLM_LOCAL_MODEL_COST_MAP=True``, unless
``SCALAR_LITELLM_REMOTE_COST_MAP=1``) and can be overridden
with ``--model-arg context_window=N input_cost_per_mtok=X output_cost_per_mtok=Y``. API keys are
read by litellm from the environment only.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
import socket
import warnings
from urllib.parse import urlparse

from scalar._util.redact import RedactingFilter, redact_text
from scalar._util.retry_after import parse_retry_after
from scalar.errors import ConfigError, NetworkError
from scalar.models.base import Backend, BackendError, Completion

# Arguments the backend consumes itself; everything else is passed to litellm.acompletion.
_OWN_ARGS = {"context_window", "input_cost_per_mtok", "output_cost_per_mtok", "timeout", "tokenizer"}
_FORBIDDEN_ARGS = {"api_key", "api_base", "model", "messages"}
_CL100K = re.compile(r"(^|/)(gpt-3\.5|gpt-4(-\d|-turbo|-32k|$))")


# Set to 1 to let litellm fetch its remote model cost map at import (fresher prices for new models;
# costs start-up seconds and fails slowly on offline clusters).
REMOTE_COST_MAP_ENV = "SCALAR_LITELLM_REMOTE_COST_MAP"


def litellm_module():
    """Import litellm lazily (it takes seconds) and offline: the bundled model/price map unless
    SCALAR_LITELLM_REMOTE_COST_MAP=1 (or the user set LITELLM_LOCAL_MODEL_COST_MAP), no telemetry.
    The variable must be set before litellm's first import, which is here."""
    if os.environ.get(REMOTE_COST_MAP_ENV, "").strip().lower() in ("1", "true", "yes"):
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "False")
    else:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # providers that reject e.g. `seed` get it dropped, not an error
    litellm.telemetry = False
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        logger = logging.getLogger(name)
        if name == "LiteLLM":
            logger.setLevel(logging.ERROR)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())  # its error logs may quote a request's headers
    # litellm re-serialises a server's malformed `usage` through pydantic, which warns on stderr;
    # the call's error says what was wrong instead
    warnings.filterwarnings("ignore", message="Pydantic serializer warnings", category=UserWarning)
    return litellm


def encoding_for(model: str) -> str:
    """tiktoken encoding for counting: cl100k for the gpt-3.5 / gpt-4 era, o200k otherwise."""
    return "cl100k_base" if _CL100K.search(model) else "o200k_base"


class LiteLLMBackend(Backend):
    scoring_modes = ("generate", "logprob")  # logprob if the server returns logprobs (OpenAI, vLLM); checked per call

    def __init__(self, model: str, *, api_base: str | None = None, model_args: dict | None = None):
        args = dict(model_args or {})
        bad = _FORBIDDEN_ARGS & set(args)
        if bad:
            raise ConfigError(f"--model-arg {sorted(bad)[0]} is not allowed (API keys come from the environment, "
                              "the server from --api-base)")
        litellm = litellm_module()
        self.name = model
        self.api_base = api_base
        try:
            _, self.provider, _, _ = litellm.get_llm_provider(model, api_base=api_base)
        except Exception:
            raise ConfigError(f"unknown model or provider {model!r} (use a litellm name such as "
                              "openai/gpt-4o-mini, hosted_vllm/<hf-id> with --api-base, local/<kind>, baseline/random)") from None
        if self.provider == "hosted_vllm" and not api_base:
            raise ConfigError(f"{model} needs --api-base (the server's URL, e.g. http://gpu-node:8000/v1)")

        info = {}
        try:
            info = litellm.get_model_info(model) or {}
        except Exception:
            info = {}
        self.known_model = bool(info)
        window = _number(args, "context_window", int, minimum=1) or info.get("max_input_tokens") \
            or info.get("max_tokens")
        self.context_window = int(window) if window else None
        self.max_output_tokens = info.get("max_output_tokens")
        in_price = _number(args, "input_cost_per_mtok", float, minimum=0)
        out_price = _number(args, "output_cost_per_mtok", float, minimum=0)
        self._price = (
            in_price / 1e6 if in_price is not None else info.get("input_cost_per_token"),
            out_price / 1e6 if out_price is not None else info.get("output_cost_per_token"),
        )
        # seconds for one call as a whole, connect to last byte (a server trickling a byte at a
        # time never ends otherwise: the HTTP client's own timeout is per read)
        self.timeout = _number(args, "timeout", float, minimum=0.001) or 600.0
        self.tokenizer_encoding = args.pop("tokenizer", None) or encoding_for(model)
        args.setdefault("temperature", 0)
        self.params = args  # temperature, seed, top_p, reasoning_effort, ... passed through

    # ------------------------------------------------------------------ description
    def price_per_token(self) -> tuple[float, float] | None:
        if self._price[0] is None or self._price[1] is None:
            return None
        return float(self._price[0]), float(self._price[1])

    def cache_identity(self) -> dict:
        return {"name": self.name, "api_base": self.api_base,
                "params": {k: self.params[k] for k in sorted(self.params)}}

    def preflight(self) -> None:
        """The API key is in the environment and the server answers the phone (not needed for a
        --dry-run, which calls nothing)."""
        env = litellm_module().validate_environment(model=self.name, api_base=self.api_base)
        if not env.get("keys_in_environment", True) and env.get("missing_keys"):
            keys = ", ".join(env["missing_keys"])
            raise ConfigError(f"missing API key for {self.name}: set {keys} in the environment")
        if not self.api_base:
            return
        url = urlparse(self.api_base)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"--api-base must be an http(s) URL, got {self.api_base!r}")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            socket.create_connection((url.hostname, port), timeout=5).close()
        except OSError as e:
            raise NetworkError(f"cannot reach --api-base {self.api_base}: {e.strerror or e}") from None

    # ------------------------------------------------------------------ calls
    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        price = self.price_per_token()
        return 0.0 if price is None else prompt_tokens * price[0] + completion_tokens * price[1]

    async def _call(self, prompt: str, **kwargs):
        litellm = litellm_module()
        params = dict(self.params)
        params.update(kwargs)
        try:
            return await asyncio.wait_for(litellm.acompletion(
                model=self.name, messages=[{"role": "user", "content": prompt}], api_base=self.api_base,
                num_retries=0, timeout=self.timeout, **params), self.timeout)
        except asyncio.TimeoutError:
            raise BackendError(f"Timeout: no complete answer within {self.timeout:g} s (--model-arg timeout)",
                               retryable=True) from None
        except Exception as e:  # classify for the runner's retry loop
            raise _classify(e, self.name) from None

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        kwargs = {"max_tokens": max_tokens} if max_tokens else {}
        resp = await self._call(prompt, **kwargs)
        try:
            choice = resp.choices[0]
            text = choice.message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise BackendError("response has no choices[0].message", retryable=True) from None
        if not text.strip():
            # content null: a content filter, a refusal field, or a reasoning model out of tokens.
            # Not an answer: recorded as an error (retried when the command is re-run), never scored.
            reason = getattr(choice, "finish_reason", None) or "unknown"
            hint = {"length": "; the output ran out of tokens (raise --max-tokens)",
                    "content_filter": "; the provider's content filter withheld it"}.get(reason, "")
            raise BackendError(f"EmptyCompletion: the model returned no text (finish_reason={reason}){hint}",
                               retryable=False)
        pt, ct = _usage(resp)
        reason = getattr(choice, "finish_reason", None)
        return Completion(text=text, prompt_tokens=pt, completion_tokens=ct, cost_usd=self._cost(pt, ct),
                          finish_reason=str(reason) if reason else None)

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        """Log-probability of each option as the first generated token, from the server's
        top_logprobs (options missing from the top list get -inf)."""
        resp = await self._call(prefix, max_tokens=1, logprobs=True, top_logprobs=20)
        try:
            content = resp.choices[0].logprobs
            content = content["content"] if isinstance(content, dict) else content.content
            top = content[0]["top_logprobs"] if isinstance(content[0], dict) else content[0].top_logprobs
        except (AttributeError, IndexError, KeyError, TypeError):
            raise BackendError(f"{self.name} returned no logprobs; use --scoring generate", retryable=False) from None
        best: dict[str, float] = {}
        for entry in top:
            token = (entry["token"] if isinstance(entry, dict) else entry.token).strip()
            lp = float(entry["logprob"] if isinstance(entry, dict) else entry.logprob)
            best[token] = max(lp, best.get(token, -math.inf))
        pt, ct = _usage(resp)
        return Completion(scores=[best.get(o.strip(), -math.inf) for o in options], prompt_tokens=pt,
                          completion_tokens=ct, cost_usd=self._cost(pt, ct))


def _number(args: dict, key: str, kind: type, *, minimum: float) -> float | int | None:
    """Pop a typed ``--model-arg``; a value of the wrong type is a ConfigError naming it."""
    value = args.pop(key, None)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = kind(value)
        if not math.isfinite(number) or number < minimum:
            raise ValueError
    except (TypeError, ValueError):
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"--model-arg {key} must be {what} >= {minimum:g}, got {value!r}") from None
    return number


def _usage(resp) -> tuple[int, int]:
    """(prompt, completion) tokens from the response's usage; 0 for what a server left out or
    malformed (usage counts cost, never the answer)."""
    usage = getattr(resp, "usage", None)
    out = []
    for name in ("prompt_tokens", "completion_tokens"):
        value = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
        try:
            out.append(max(0, int(value or 0)))
        except (TypeError, ValueError):
            out.append(0)
    return out[0], out[1]


def _retry_after(e: Exception) -> float | None:
    headers = getattr(e, "litellm_response_headers", None) or getattr(e, "headers", None) \
        or getattr(getattr(e, "response", None), "headers", None)
    if not headers or not hasattr(headers, "get"):
        return None
    try:
        value = headers.get("retry-after")
    except (TypeError, ValueError):
        return None
    # seconds or an HTTP date (a day-long wait then meets the same cap)
    return parse_retry_after(str(value)) if value is not None else None


_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*: \S")


def _without_traceback(text: str) -> str:
    """litellm quotes a whole traceback (and the response object) in some messages: keep the
    words before it and the exception's own line."""
    head, sep, tail = text.partition("Traceback (most recent call last):")
    if not sep:
        return text
    tail = tail.split("received_args=", 1)[0]
    last = [ln.strip() for ln in tail.splitlines() if _EXC_LINE.match(ln.strip()) and not ln.startswith(" ")]
    return f"{head.strip()} ({last[-1]})" if last else head.strip()


def _classify(e: Exception, model: str) -> Exception:
    litellm = litellm_module()
    msg = redact_text(" ".join(_without_traceback(str(e)).split()))[:300]  # masked before the cut
    if isinstance(e, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
        return ConfigError(f"{model}: the provider rejected the API key ({type(e).__name__})")
    if isinstance(e, litellm.NotFoundError):
        return ConfigError(f"{model}: model not found on the provider or server ({msg[:160]})")
    if isinstance(e, (litellm.ContextWindowExceededError, litellm.ContentPolicyViolationError)):
        return BackendError(f"{type(e).__name__}: {msg}", retryable=False)
    retryable_types = (litellm.RateLimitError, litellm.InternalServerError, litellm.ServiceUnavailableError,
                       litellm.BadGatewayError, litellm.APIConnectionError, litellm.Timeout)
    if isinstance(e, retryable_types):
        return BackendError(f"{type(e).__name__}: {msg}", retryable=True, retry_after=_retry_after(e))
    if isinstance(e, litellm.BadRequestError):
        return BackendError(f"{type(e).__name__}: {msg}", retryable=False)
    status = getattr(e, "status_code", None)
    # Other API errors (malformed bodies, 5xx without a dedicated class) are usually transient.
    retryable = status is None or (isinstance(status, int) and (status >= 500 or status == 429))
    return BackendError(f"{type(e).__name__}: {msg}", retryable=retryable, retry_after=_retry_after(e))

