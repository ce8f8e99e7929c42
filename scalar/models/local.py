"""Local 1-bit models (``local/fbi-llm``, ``local/bi-mamba``) as an evaluation backend.

Base models do not follow instructions, so the natural scoring is by log-probabilities: the shared
prefix is run once and its KV cache (FBI-LLM) or SSM state (Bi-Mamba) is rewound for every option.
Model calls run on one dedicated worker thread: the numba kernels use both cores already, and one
thread keeps one unpack workspace.

model args: ``checkpoint=PATH`` (required; published or packed folder), ``tokenizer=PATH``
(default: the checkpoint's tokenizer.model), ``add_bos=true|false`` (default: as the model's
authors evaluated it, ``scalar.local.protocol``: no BOS for both), ``context_window=N`` (FBI-LLM:
at most its 2048 positions), ``max_context=N`` (Bi-Mamba: default unlimited), ``threads=N``,
``head=fp32|int8`` (output head precision, ``scalar.local.head``; default fp32, exact).

The window is in the model's SentencePiece tokens, so the harness fits prompts with this
tokenizer (``prompt_tokenizer``), keeping the instruction and every candidate. Should a prompt
still overflow (a caller that did not fit it), the middle of its context is cut here and the cut
is reported with the answer (``Completion.truncated_tokens``), so the
prediction's ``truncated_tokens`` counts it too.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from scalar.errors import ConfigError
from scalar.models.base import Backend, BackendError, Completion

KNOWN_ARGS = {"checkpoint", "tokenizer", "add_bos", "context_window", "max_context", "threads", "head"}


def create_from_name(model: str, api_base: str | None, model_args: dict) -> LocalBackend:
    """``local/<kind>`` through the model registry (no server: ``api_base`` is not used)."""
    return create_local_backend(model.split("/", 1)[1], model_args)


def create_local_backend(kind: str, model_args: dict) -> LocalBackend:
    """Load ``kind`` from ``model_args['checkpoint']``; bad folders raise ScalarError (exit 2)."""
    from scalar.local.models import KINDS

    if kind not in KINDS:
        raise ConfigError(f"unknown local model local/{kind} (known: {', '.join('local/' + k for k in KINDS)})")
    unknown = sorted(set(model_args) - KNOWN_ARGS - {"seed"})
    if unknown:
        raise ConfigError(f"unknown --model-arg for local/{kind}: {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(KNOWN_ARGS))})")
    if not model_args.get("checkpoint"):
        raise ConfigError(f"local/{kind} needs --model-arg checkpoint=PATH")
    return LocalBackend(kind, model_args)


def _positive_int(args: dict, key: str) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"--model-arg {key} must be a positive integer, got {value!r}") from None
    if number < 1:
        raise ConfigError(f"--model-arg {key} must be a positive integer, got {value!r}")
    return number


def _flag(args: dict, key: str, default: bool) -> bool:
    value = args.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise ConfigError(f"--model-arg {key} must be true or false, got {value!r}")


class _PromptTokenizer:
    """The model's SentencePiece vocabulary as the harness's truncation uses it (see
    scalar.evaluate.truncation): no BOS, named by the tokenizer file's content."""

    def __init__(self, tokenizer):
        self._tok = tokenizer
        digest = hashlib.sha256(Path(tokenizer.path).read_bytes()).hexdigest()[:12]
        self.name = f"sentencepiece@{digest}"

    def encode_ordinary(self, text: str) -> list[int]:
        return self._tok.encode(text, bos=False)

    def decode(self, ids: list[int]) -> str:
        return self._tok.decode(ids)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _log_softmax(row: np.ndarray) -> np.ndarray:
    z = row.astype(np.float64)
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


class LocalBackend(Backend):
    scoring_modes = ("logprob", "generate")
    default_scoring = "logprob"  # base models do not follow instructions

    def __init__(self, kind: str, model_args: dict):
        from scalar.local.models import load_model
        from scalar.local.protocol import authors_protocol

        self.kind = kind
        self.name = f"local/{kind}"
        self.model_args = dict(model_args)
        threads = _positive_int(model_args, "threads")
        set_threads = None
        if threads:
            import numba

            n_threads = min(threads, numba.config.NUMBA_NUM_THREADS)

            def set_threads() -> None:
                numba.set_num_threads(n_threads)

            set_threads()
        self.checkpoint = Path(str(model_args["checkpoint"])).expanduser()
        self.model = load_model(kind, self.checkpoint, tokenizer=model_args.get("tokenizer"),
                                require_tokenizer=True)
        self.tokenizer = self.model.tokenizer
        self.prompt_tokenizer = _PromptTokenizer(self.tokenizer)
        if model_args.get("head"):
            self.model.set_head_precision(str(model_args["head"]))
        self.add_bos = _flag(model_args, "add_bos", authors_protocol(kind).add_bos)
        positions = getattr(self.model, "max_positions", None)
        if kind == "fbi-llm":
            window = _positive_int(model_args, "context_window") or positions
            if window > positions:
                raise ConfigError(f"context_window {window} exceeds the {positions} positions of {self.name}")
            self.context_window = window
        else:
            self.context_window = _positive_int(model_args, "max_context") or _positive_int(model_args, "context_window")
        # numba's thread count is per calling thread: set it where the model runs, too
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scalar-local", initializer=set_threads)
        self._lock = threading.Lock()
        # Throughput counters (shown by `stats()`), and tokens cut here beyond the harness's cut.
        self.tokens_processed = 0
        self.seconds = 0.0
        self.extra_truncated_tokens = 0
        self._warned = False

    # ---------------------------------------------------------------- Backend API
    def cache_identity(self) -> dict:
        identity = {"name": self.name, "checkpoint": str(self.checkpoint.resolve()), "weights": self._fingerprint(),
                    "add_bos": self.add_bos, "context_window": self.context_window}
        if self.model.head.precision != "fp32":
            identity["head"] = self.model.head.precision
        return identity

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's own (SentencePiece) vocabulary."""
        return self.tokenizer.count(text)

    def stats(self) -> dict:
        rate = self.tokens_processed / self.seconds if self.seconds else 0.0
        return {"tokens": self.tokens_processed, "seconds": round(self.seconds, 3), "tokens_per_s": round(rate, 1),
                "extra_truncated_tokens": self.extra_truncated_tokens}

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.score_options_sync, prefix, options)

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.generate_sync, prompt, max_tokens or 256)

    async def aclose(self) -> None:
        self._pool.shutdown(wait=True)

    # ---------------------------------------------------------------- work
    def _encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, bos=self.add_bos)

    def _cut_middle(self, ids: list[int], excess: int, budget: int) -> list[int]:
        """Drop ``excess`` tokens from the middle of ``ids`` (after BOS); the caller reports the cut."""
        if excess <= 0:
            return ids
        keep = len(ids) - int(self.add_bos) - excess
        if keep < 2:
            raise BackendError(f"{self.name}: the answer part alone needs more than {budget} tokens",
                               retryable=False)
        start = int(self.add_bos) + keep // 2
        self.extra_truncated_tokens += excess
        if not self._warned:
            self._warned = True
            print(f"scalar: {self.name}: prompt longer than {budget} model tokens after the harness's cut; "
                  "cutting the middle of the context (counted in the predictions' truncated_tokens)",
                  file=sys.stderr)
        return ids[:start] + ids[start + excess:]

    def score_options_sync(self, prefix: str, options: list[str]) -> Completion:
        """Sum of log p(option tokens | prefix) per option; the prefix is computed once."""
        if not options:
            return Completion(scores=[])
        with self._lock:
            started = time.perf_counter()
            context = self._encode(prefix)
            wholes = [self._encode(prefix + option) for option in options]
            # Tokens shared by the context and every option's full encoding (lm-eval style split:
            # a token merged across the boundary is scored as part of the option).
            shared = min([len(context)] + [_common_prefix(context, w) for w in wholes])
            shared = min(shared, min(len(w) for w in wholes) - 1)
            if shared < 1:
                raise BackendError(f"{self.name}: cannot score options without a prefix token (set add_bos=true)",
                                   retryable=False)
            longest_tail = max(len(w) - shared for w in wholes)
            head = wholes[0][:shared]
            cut = 0
            if self.context_window is not None:
                # positions used: the head plus every option token but the last
                cut = max(0, len(head) + longest_tail - 1 - self.context_window)
                head = self._cut_middle(head, cut, self.context_window)
            cache = self._fresh_cache(len(head) + longest_tail)
            last = self.model.prefill(head, cache, logits="last")
            snapshot = cache.snapshot()
            scores = []
            processed = len(head)
            for whole in wholes:
                tail = whole[shared:]
                score = float(_log_softmax(last)[tail[0]])
                if len(tail) > 1:
                    logits = self.model.prefill(tail[:-1], cache, logits="all")
                    processed += len(tail) - 1
                    for row, token in zip(logits, tail[1:]):
                        score += float(_log_softmax(row)[token])
                cache.restore(snapshot)
                scores.append(score)
            self.tokens_processed += processed
            self.seconds += time.perf_counter() - started
            return Completion(scores=scores, prompt_tokens=len(head), completion_tokens=1, truncated_tokens=cut)

    def generate_sync(self, prompt: str, max_tokens: int) -> Completion:
        """Greedy decoding until EOS or ``max_tokens``."""
        with self._lock:
            started = time.perf_counter()
            ids = self._encode(prompt)
            budget = None if self.context_window is None else self.context_window - max_tokens
            if budget is not None and budget < 2:
                raise ConfigError(f"{self.name}: max_tokens {max_tokens} leaves no room in {self.context_window} tokens")
            cut = 0
            if budget is not None:
                cut = max(0, len(ids) - budget)
                ids = self._cut_middle(ids, cut, budget)
            cache = self._fresh_cache(len(ids) + max_tokens)
            logits = self.model.prefill(ids, cache, logits="last")
            out: list[int] = []
            reason = "length"  # unless the model ends its answer itself
            vocab = min(self.model.vocab_size, self.tokenizer.vocab_size)
            for _ in range(max_tokens):
                token = int(np.argmax(logits[:vocab]))
                if token == self.tokenizer.eos_id:
                    reason = "stop"
                    break
                out.append(token)
                if len(out) == max_tokens:
                    break
                logits = self.model.prefill([token], cache, logits="last")
            self.tokens_processed += len(ids) + len(out)
            self.seconds += time.perf_counter() - started
            return Completion(text=self.tokenizer.decode(out), prompt_tokens=len(ids), completion_tokens=len(out),
                              truncated_tokens=cut, finish_reason=reason, raw={"tokens": out})

    def _fresh_cache(self, needed: int):
        """An empty cache. FBI-LLM's KV cache (up to 0.8 GB at 1.3B) is reused across questions:
        rewinding it is free, while a new one page-faults its memory again."""
        if getattr(self.model, "max_positions", None) is None:
            return self.model.new_cache(needed)
        cache = getattr(self, "_kv_cache", None)
        if cache is None or cache.capacity < needed:
            cache = self._kv_cache = self.model.new_cache(max(needed, self.context_window or 0))
        cache.restore(0)
        return cache

    def _fingerprint(self) -> str:
        """Names, sizes and mtimes of the weight files: a changed checkpoint gets a new cache key."""
        from scalar.local.checkpoint import weight_files

        _, files = weight_files(self.checkpoint)
        h = hashlib.sha256()
        for f in files + [self.checkpoint / "config.json"]:
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
        return h.hexdigest()[:16]
