"""`scalar eval`: run a model on a release, resumably.

One pass validates the whole release (nothing is sent for a broken one) and keeps a slim copy of
each question for scoring; a second pass streams the questions still to answer to ``concurrency``
workers, so memory stays flat in the number of questions. Each answer is appended (flushed) to
``predictions.jsonl`` as it arrives; ``summary.json`` is rewritten atomically at the end, also after
a budget stop or a fatal error. Re-running the same command skips answered questions and retries
errors; the SQLite response cache makes an unchanged prompt free.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import sys
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scalar._util.io import JsonlAppender, atomic_write_json, read_jsonl
from scalar.errors import ConfigError, InputError, NetworkError, ReleaseError
from scalar.evaluate.answers import extract_answer, is_correct
from scalar.evaluate.backends import Backend, BackendError, get_backend
from scalar.evaluate.cache import CachedResponse, ResponseCache, cache_key
from scalar.evaluate.prompting import TemplateChoice, choose_templates, logprob_prefixes, masks_of
from scalar.evaluate.sizing import PromptSizer, Size
from scalar.evaluate.summary import summarize
from scalar.evaluate.truncation import COUNTS, encoding_name, fit
from scalar.release import QUESTIONS, iter_questions, read_manifest
from scalar.schema import Prediction, Question, ReleaseManifest, RunSummary

PREDICTIONS = "predictions.jsonl"
SUMMARY = "summary.json"
RUN_CONFIG = "run.json"
CACHE_FILE = "cache.sqlite"
SCORING_MODES = ("generate", "logprob")


@dataclass
class EvalConfig:
    model: str
    data: Path
    out: Path
    api_base: str | None = None
    concurrency: int = 8
    limit: int | None = None
    model_args: dict = field(default_factory=dict)
    template: str | None = None
    scoring: str | None = None  # None: the backend's preference (local base models: logprob)
    seed: int = 0
    max_tokens: int = 2048
    max_cost: float | None = None
    after: date | None = None
    cache: Path | None = None  # default: RUN/cache.sqlite
    use_cache: bool = True
    max_retries: int = 6
    retry_wait: float = 1.0  # first backoff in seconds, doubled per attempt (capped at 60)
    progress: bool = True
    scoring_flag: bool = False  # the user chose --scoring (else the backend's default)

    def fingerprint(self, release_id: str, templates: TemplateChoice) -> dict:
        """What determines the answers; a run folder holds one fingerprint only."""
        return {"model": self.model, "release_id": release_id, "template": templates.label,
                "scoring": self.scoring, "max_tokens": self.max_tokens, "seed": self.seed,
                "model_args": {k: self.model_args[k] for k in sorted(self.model_args)}}


@dataclass
class Prepared:
    prompt: str
    prompt_tokens: int  # exact tiktoken count of the whole prompt; 0 = not counted (server reports usage)
    truncated_tokens: int
    cache_key: str | None = None  # generate mode; hashed off the event loop


@dataclass
class Estimate:
    questions: int
    to_run: int
    prompt_tokens: int
    max_prompt_tokens: int
    truncated_questions: int
    truncated_tokens: int
    input_cost_usd: float | None
    max_output_cost_usd: float | None
    context_window: int | None


# --------------------------------------------------------------------------- release


def _slim(q: Question) -> Question:
    """The question without its texts: all scoring needs, a few hundred bytes."""
    return q.model_copy(update={"context": "", "candidates": [c.model_copy(update={"text": ""}) for c in q.candidates]})


def scan_release(data: Path) -> tuple[ReleaseManifest, list[Question]]:
    """Validate the whole release (manifest, SHA-256, every question, unique ids) in one streaming
    pass; return the manifest and slim questions in release order."""
    manifest = read_manifest(data)
    path = Path(data) / QUESTIONS
    if not path.is_file():
        raise ReleaseError(f"not a release: {path} is missing")
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != manifest.questions_sha256:
        raise ReleaseError(f"{path} does not match the SHA-256 in its manifest (corrupt or edited)")
    slim: list[Question] = []
    seen: set[str] = set()
    for q in iter_questions(data):
        if q.id in seen:
            raise ReleaseError(f"{path}: duplicate question id {q.id}")
        seen.add(q.id)
        slim.append(_slim(q))
    return manifest, slim


def read_predictions(path: Path) -> dict[str, Prediction]:
    """Latest prediction per question id (later lines supersede earlier ones: retried errors)."""
    out: dict[str, Prediction] = {}
    if not path.is_file():
        return out
    try:
        for row in read_jsonl(path):
            p = Prediction.model_validate(row)
            out[p.id] = p.model_copy(update={"response": None})  # keep memory small
    except ValueError as e:
        raise InputError(f"{path} is damaged: {str(e).splitlines()[0]}") from None
    return out


# --------------------------------------------------------------------------- runner


class Runner:
    def __init__(self, cfg: EvalConfig, backend: Backend, templates: TemplateChoice, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        _resolve_scoring(cfg, backend)
        self.cfg = cfg
        self.backend = backend
        self.templates = templates
        self.sleep = sleep
        # The window is in the model's own tokens: a backend with its own tokenizer (local models,
        # SentencePiece) gets its prompts counted and cut with it; API models with tiktoken.
        self.encoding = getattr(backend, "prompt_tokenizer", None) or backend.tokenizer_encoding
        # Exact prompt token counts are needed for a budget or an estimate; otherwise prompts that
        # provably fit the window are not tokenised (the server reports usage).
        self.exact_counts = cfg.max_cost is not None or cfg.scoring == "logprob"
        self.sizer = PromptSizer(self.encoding)
        window = backend.context_window
        # 16: chat framing / BOS tokens; logprob scoring also reserves its answer opening and the
        # longest option, per question (see prepare)
        reserve = (0 if cfg.scoring == "logprob" else cfg.max_tokens) + 16
        self.prompt_limit = window - reserve if window else None
        if self.prompt_limit is not None and self.prompt_limit <= 0:
            raise ConfigError(f"context window {window} of {backend.name} leaves no room for the prompt "
                              f"after the output reserve ({reserve} tokens); lower --max-tokens")
        price = backend.price_per_token()
        self.price = price if price is not None else (0.0, 0.0)
        self.spent = 0.0
        self.reserved = 0.0
        self.stopped: str | None = None
        self.fatal: BaseException | None = None
        self.done = 0
        self.correct = 0
        self.errors = 0
        self.failing_streak = 0
        self.sent = 0
        self.cache: ResponseCache | None = None
        # One thread owns the SQLite connection and predictions.jsonl: writes stay in order and
        # their fsyncs never stall the event loop.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scalar-io")
        self._appender: JsonlAppender | None = None
        self._predictions: dict[str, Prediction] = {}

    # ------------------------------------------------------------------ prompts
    def prepare(self, q: Question) -> Prepared:
        """Render the prompt; when its exact count passes the model's window minus the output
        reserve, cut it (see truncation.py) until its exact count fits. sizing.py counts a prompt
        exactly without tokenising its paper and candidates whole."""
        tpl = self.templates.for_task(q.task)
        prompt = tpl.render(q)
        limit = self.prompt_limit
        if limit is not None and self.cfg.scoring == "logprob":
            limit -= self._answer_tokens(q)
        size = self.sizer.size(tpl, q, prompt, limit, need_count=self.exact_counts)
        truncated = 0
        if not size.fits:
            assert limit is not None
            prompt, tokens, truncated = self._cut(tpl, q, limit)
            size = Size(True, tokens)
        key = None
        if self.cfg.scoring == "generate":
            key = cache_key(self.backend.cache_identity(), "generate", prompt, {"max_tokens": self.cfg.max_tokens})
        return Prepared(prompt, size.tokens, truncated, key)

    def _answer_tokens(self, q: Question) -> int:
        """Tokens logprob scoring appends to the prompt: the longest answer opening plus the
        longest option (a candidate index)."""
        option = self.sizer.count(str(len(q.candidates) - 1))
        return max(COUNTS.count(s, self.encoding) for s in logprob_prefixes("", q)) + option + 1

    def _cut(self, tpl, q: Question, limit: int) -> tuple[str, int, int]:
        """The truncated prompt, its exact tokens and the tokens cut from its parts."""
        overhead = self.sizer.overhead(tpl, q)
        slack = 32 + 4 * (len(q.candidates) + len(masks_of(q)) + 2)  # cut markers, joins
        budget = limit - overhead - slack
        for _ in range(4):
            if budget <= 0:
                break
            fitted = fit(q.context, [c.text for c in q.candidates], budget, self.encoding)
            prompt = tpl.render(q, fitted.context, fitted.candidate_texts)
            tokens = self.sizer.count(prompt)
            if tokens <= limit:
                return prompt, tokens, fitted.truncated_tokens
            budget -= tokens - limit + 8  # markers or joins took more than the slack: cut a little more
        raise ConfigError(f"context window {self.backend.context_window} of {self.backend.name} is too small for "
                          f"the prompt's fixed part ({overhead} tokens) plus the output reserve")

    def estimate_cost(self, prepared: Prepared, q: Question) -> float:
        calls = len(masks_of(q)) if self.cfg.scoring == "logprob" else 1
        out_tokens = 1 if self.cfg.scoring == "logprob" else self.cfg.max_tokens
        return calls * (prepared.prompt_tokens * self.price[0] + out_tokens * self.price[1])

    # ------------------------------------------------------------------ calls
    async def _with_retries(self, call: Callable[[], Awaitable]):
        attempt = 0
        while True:
            try:
                self.sent += 1
                return await call()
            except BackendError as e:
                if not e.retryable or attempt >= self.cfg.max_retries:
                    raise
                delay = e.retry_after if e.retry_after is not None else min(60.0, self.cfg.retry_wait * 2 ** attempt)
                attempt += 1
                await self.sleep(delay)

    async def _cache_get(self, key: str) -> CachedResponse | None:
        if self.cache is None:
            return None
        return await asyncio.get_running_loop().run_in_executor(self._io, self.cache.get, key)

    async def _cache_put(self, key: str, response: CachedResponse) -> None:
        if self.cache is not None:
            await asyncio.get_running_loop().run_in_executor(self._io, self.cache.put, key, self.backend.name, response)

    async def _generate(self, q: Question, prepared: Prepared) -> Prediction:
        key = prepared.cache_key or cache_key(self.backend.cache_identity(), "generate", prepared.prompt,
                                              {"max_tokens": self.cfg.max_tokens})
        hit = await self._cache_get(key)
        extra = 0  # prompt tokens the backend cut beyond ours (its own window check)
        if hit is not None:
            text, pt, ct, cost, cached = hit.text, hit.prompt_tokens, hit.completion_tokens, 0.0, True
        else:
            c = await self._with_retries(lambda: self.backend.generate(prepared.prompt, max_tokens=self.cfg.max_tokens))
            text, pt, ct, cost, cached = c.text, c.prompt_tokens or prepared.prompt_tokens, c.completion_tokens, round(c.cost_usd, 10), False
            extra = int(c.raw.get("truncated_tokens") or 0)
            if not extra:  # the cache keeps no cut count: an answer to a cut prompt is recomputed
                await self._cache_put(key, CachedResponse(text, pt, ct, cost))
        answer = extract_answer(text, task=q.task, n_candidates=len(q.candidates), n_masks=len(masks_of(q)))
        return Prediction(id=q.id, model=self.cfg.model, response=text, prediction=answer,
                          correct=is_correct(answer, q.answer), parse_failure=answer is None,
                          prompt_tokens=pt, completion_tokens=ct, cost_usd=cost,
                          truncated_tokens=prepared.truncated_tokens + extra, cached=cached)

    async def _logprob(self, q: Question, prepared: Prepared) -> Prediction:
        options = [str(i) for i in range(len(q.candidates))]
        picks: list[int | None] = []
        all_scores = []
        cached_all = True
        extra = 0  # prompt tokens the backend cut beyond ours (the most over this question's calls)
        for prefix in logprob_prefixes(prepared.prompt, q):
            key = cache_key(self.backend.cache_identity(), "logprob", prefix, options)
            hit = await self._cache_get(key)
            if hit is not None:
                scores = json.loads(hit.text)
            else:
                cached_all = False
                scores = await self._with_retries(lambda p=prefix: self.backend.score_options(p, options))
                cut = int(getattr(scores, "truncated_tokens", 0) or 0)
                extra = max(extra, cut)
                scores = [float(s) for s in scores]
                if not cut:  # the cache keeps no cut count: scores of a cut prompt are recomputed
                    await self._cache_put(key, CachedResponse(
                        json.dumps(scores), prepared.prompt_tokens, 1, self.estimate_cost(prepared, q) / len(masks_of(q))))
            all_scores.append(scores)
            finite = [s for s in scores if math.isfinite(s)]
            picks.append(scores.index(max(finite)) if finite else None)
        answer: int | list[int] | None
        if any(p is None for p in picks):
            answer = None
        else:
            answer = [int(p) for p in picks] if q.task == "cloze" else int(picks[0])
        n_calls = len(picks)
        cost = 0.0 if cached_all else self.estimate_cost(prepared, q)
        return Prediction(id=q.id, model=self.cfg.model, response="logprobs " + json.dumps(all_scores),
                          prediction=answer, correct=is_correct(answer, q.answer), parse_failure=answer is None,
                          prompt_tokens=prepared.prompt_tokens * n_calls, completion_tokens=n_calls,
                          cost_usd=cost, truncated_tokens=prepared.truncated_tokens + extra, cached=cached_all)

    async def answer(self, q: Question, pool: ThreadPoolExecutor | None) -> Prediction | None:
        """One question -> its prediction; None when the budget stops the run before it."""
        if self.backend.direct:
            answer = self.backend.answer_question(q)
            explain = getattr(self.backend, "explain", None)
            return Prediction(id=q.id, model=self.cfg.model, response=explain(q) if explain else None,
                              prediction=answer, correct=is_correct(answer, q.answer))
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(pool, self.prepare, q)
        estimate = self.estimate_cost(prepared, q)
        if self.cfg.max_cost is not None and self.spent + self.reserved + estimate > self.cfg.max_cost:
            self.stopped = (f"the next question could pass --max-cost ${self.cfg.max_cost:g} "
                            f"(spent ${self.spent:.4f}, in flight ${self.reserved:.4f}, next up to ${estimate:.4f})")
            return None
        self.reserved += estimate
        try:
            if self.cfg.scoring == "logprob":
                return await self._logprob(q, prepared)
            return await self._generate(q, prepared)
        except BackendError as e:
            return Prediction(id=q.id, model=self.cfg.model, error=" ".join(str(e).split())[:500],
                              prompt_tokens=0, truncated_tokens=prepared.truncated_tokens)
        finally:
            self.reserved -= estimate

    def _keep(self, p: Prediction) -> None:
        assert self._appender is not None
        self._appender.write(p)
        self._predictions[p.id] = p.model_copy(update={"response": None})

    async def record(self, p: Prediction) -> None:
        assert self._appender is not None
        # flushed + fsynced before it counts: a crash loses nothing already answered. The line and
        # the summary's copy are kept together on the I/O thread, which Ctrl-C does not interrupt,
        # so the summary written after an interrupt counts every line in the file.
        await asyncio.get_running_loop().run_in_executor(self._io, self._keep, p)
        self.spent += p.cost_usd
        self.done += 1
        if p.error is not None:
            self.errors += 1
            self.failing_streak += 1
            # A server that fails every question after all retries is down, not flaky: stop rather
            # than spend minutes of backoff per remaining question (errors are retried on resume).
            if self.failing_streak >= max(3, self.cfg.concurrency) and self.fatal is None:
                self.fatal = NetworkError(f"{self.failing_streak} questions in a row failed after "
                                          f"{self.cfg.max_retries} retries (last: {p.error[:160]}); "
                                          "answers so far are saved, re-run the same command to resume")
        else:
            self.failing_streak = 0
            if p.correct:
                self.correct += 1

    def speed(self) -> str:
        """Model throughput for the progress bar, from backends that measure it (local models)."""
        stats = self.backend.stats() if hasattr(self.backend, "stats") else None
        if not stats or not stats.get("seconds"):
            return ""
        return f"{stats['tokens_per_s']:,.0f} tok/s"

    async def run(self, pending: Iterator[Question], total: int, progress) -> None:
        # tiktoken releases the GIL; more threads than cores hide the wait to take it back while
        # the event loop thread is busy (each prompt makes a few short tiktoken calls)
        pool = ThreadPoolExecutor(max_workers=min(4, self.cfg.concurrency), thread_name_prefix="scalar-prompt")
        task = progress.add_task(self.cfg.model, total=total, acc="", speed="") if progress else None

        async def worker() -> None:
            while self.stopped is None and self.fatal is None:
                q = next(pending, None)
                if q is None:
                    return
                try:
                    p = await self.answer(q, pool)
                except Exception as e:  # a ScalarError (bad key, window too small) ends the run
                    self.fatal = self.fatal or e
                    return
                if p is None:
                    return
                await self.record(p)
                if progress is not None:
                    scored = self.done - self.errors
                    acc = f"acc {self.correct / scored:.3f}" if scored else ""
                    if self.errors:
                        acc += f" errors {self.errors}"
                    progress.update(task, advance=1, acc=acc, speed=self.speed())

        try:
            await asyncio.gather(*[worker() for _ in range(max(1, self.cfg.concurrency))])
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            self._io.shutdown(wait=True)
            await self.backend.aclose()
        if self.fatal is not None:
            raise self.fatal


# --------------------------------------------------------------------------- entry point


def parse_model_args(items: list[str] | dict | None) -> dict:
    """``["k=v", ...]`` -> dict with ints, floats, booleans and JSON values decoded."""
    if items is None:
        return {}
    if isinstance(items, dict):
        return dict(items)
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--model-arg expects key=value, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k:
            raise ConfigError(f"--model-arg expects key=value, got {item!r}")
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = {"true": True, "false": False}.get(v.lower(), v)
    return out


def _check_config(cfg: EvalConfig) -> None:
    if cfg.limit is not None and cfg.limit < 1:
        raise ConfigError(f"--limit must be at least 1 (got {cfg.limit})")
    if cfg.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if cfg.scoring is not None and cfg.scoring not in SCORING_MODES:
        raise ConfigError(f"--scoring must be one of {', '.join(SCORING_MODES)} (got {cfg.scoring!r})")
    if cfg.max_cost is not None and cfg.max_cost <= 0:
        raise ConfigError("--max-cost must be positive")
    if cfg.max_tokens < 1:
        raise ConfigError("--max-tokens must be at least 1")


def _select(slim: list[Question], cfg: EvalConfig) -> list[Question]:
    chosen = slim if cfg.after is None else [q for q in slim if q.first_public_date and q.first_public_date > cfg.after]
    return chosen[: cfg.limit] if cfg.limit else chosen


def _backend_for(cfg: EvalConfig) -> Backend:
    args = dict(cfg.model_args)
    if not cfg.model.startswith("local/"):
        args.setdefault("seed", cfg.seed)  # recorded and sent (dropped by providers without seeds)
    backend = get_backend(cfg.model, api_base=cfg.api_base, model_args=args)
    _resolve_scoring(cfg, backend)
    if not backend.direct:
        if cfg.scoring == "logprob" and not backend.supports_logprobs:
            raise ConfigError(f"{cfg.model} cannot score by log-probabilities; use --scoring generate")
        if cfg.scoring == "generate" and not backend.supports_generate:
            raise ConfigError(f"{cfg.model} does not generate text; use --scoring logprob")
    return backend


def _resolve_scoring(cfg: EvalConfig, backend: Backend) -> None:
    """No --scoring: the backend's preference. Base models (local/*) do not follow instructions,
    so they prefer log-probability scoring; everything else generates."""
    if cfg.scoring is None:
        cfg.scoring = getattr(backend, "default_scoring", None) or "generate"


def _stderr(msg: str) -> None:
    print(f"scalar: {msg}", file=sys.stderr)


def _settings(cfg: EvalConfig, backend: Backend, templates: TemplateChoice, selected: int, pending: int,
              runner: Runner | None) -> dict:
    s = {"template": templates.label, "scoring": cfg.scoring if not backend.direct else "direct",
         "scoring_source": None if backend.direct else ("--scoring" if cfg.scoring_flag else "backend default"),
         "seed": cfg.seed, "max_tokens": cfg.max_tokens, "context_window": backend.context_window,
         "tokenizer": encoding_name(getattr(backend, "prompt_tokenizer", None) or backend.tokenizer_encoding),
         "api_base": _redact(cfg.api_base), "concurrency": cfg.concurrency,
         "limit": cfg.limit, "max_cost": cfg.max_cost, "n_selected": selected, "n_pending": pending,
         "model_args": json.dumps(cfg.model_args, sort_keys=True)}
    if runner is not None:
        s["stopped"] = runner.stopped
        s["requests_sent"] = runner.sent
        if runner.cache is not None:
            s["cache_hits"] = runner.cache.hits
    stats = backend.stats() if hasattr(backend, "stats") else None
    if stats:  # local models: tokens through the model this session and their rate
        s["model_tokens"] = stats.get("tokens")
        s["model_seconds"] = stats.get("seconds")
        s["tokens_per_s"] = stats.get("tokens_per_s")
    return s


def _redact(url: str | None) -> str | None:
    """The server URL without user:password@ or a query string (they may carry a token)."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def estimate(cfg: EvalConfig, backend: Backend, templates: TemplateChoice, todo: list[Question],
             selected: int) -> Estimate:
    """Token and cost estimate of the questions still to run (``--dry-run``); calls nothing."""
    runner = Runner(cfg, backend, templates)
    runner.exact_counts = True
    total = biggest = truncated_q = truncated_t = 0
    cost_in = 0.0
    by_id = {q.id for q in todo}
    if not backend.direct:
        for q in iter_questions(cfg.data):
            if q.id not in by_id:
                continue
            p = runner.prepare(q)
            calls = len(masks_of(q)) if cfg.scoring == "logprob" else 1
            total += p.prompt_tokens * calls
            biggest = max(biggest, p.prompt_tokens)
            truncated_q += p.truncated_tokens > 0
            truncated_t += p.truncated_tokens
    price = backend.price_per_token()
    out_tokens = 1 if cfg.scoring == "logprob" else cfg.max_tokens
    if price is not None:
        cost_in = total * price[0]
    return Estimate(questions=selected, to_run=len(todo), prompt_tokens=total, max_prompt_tokens=biggest,
                    truncated_questions=truncated_q, truncated_tokens=truncated_t,
                    input_cost_usd=cost_in if price is not None else None,
                    max_output_cost_usd=(len(todo) * out_tokens * price[1]) if price is not None else None,
                    context_window=backend.context_window)


def run_eval(model: str, data: str | Path, out: str | Path, *, api_base: str | None = None, concurrency: int = 8,
             limit: int | None = None, model_args: list[str] | dict | None = None, template: str | None = None,
             scoring: str | None = None, seed: int = 0, max_tokens: int = 2048, max_cost: float | None = None,
             dry_run: bool = False, after: date | None = None, cache: str | Path | None = None,
             use_cache: bool = True, max_retries: int = 6, retry_wait: float = 1.0, progress: bool = True,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> RunSummary | Estimate:
    """Evaluate ``model`` on the release at ``data`` into the run folder ``out`` (resumes).
    ``scoring=None`` uses the backend's preference: logprob for local base models, else generate."""
    cfg = EvalConfig(model=model, data=Path(data), out=Path(out), api_base=api_base, concurrency=concurrency,
                     limit=limit, model_args=parse_model_args(model_args), template=template, scoring=scoring,
                     seed=seed, max_tokens=max_tokens, max_cost=max_cost, after=after,
                     cache=Path(cache) if cache else None, use_cache=use_cache, max_retries=max_retries,
                     retry_wait=retry_wait, progress=progress, scoring_flag=scoring is not None)
    _check_config(cfg)
    manifest, slim = scan_release(cfg.data)
    templates = choose_templates(cfg.template)
    backend = _backend_for(cfg)
    selected = _select(slim, cfg)
    if not selected:
        raise InputError(f"no questions to evaluate in {cfg.data}" + (f" after {cfg.after}" if cfg.after else ""))

    pred_path = cfg.out / PREDICTIONS
    existing = read_predictions(pred_path)
    todo = [q for q in selected if q.id not in existing or existing[q.id].error is not None]
    if dry_run:
        return estimate(cfg, backend, templates, todo, len(selected))

    if cfg.max_cost is not None and not backend.direct and backend.price_per_token() is None:
        raise ConfigError(f"no price known for {cfg.model}: --max-cost needs --model-arg "
                          "input_cost_per_mtok=... output_cost_per_mtok=...")
    backend.preflight()
    fingerprint = cfg.fingerprint(manifest.release_id, templates)
    _check_run_folder(cfg.out, fingerprint)
    if not backend.direct and getattr(backend, "known_model", True) is False and not backend.context_window:
        _stderr(f"warning: {cfg.model} is not in litellm's model map: no context window (no truncation) "
                "and no price (cost 0); set --model-arg context_window=N input_cost_per_mtok=X output_cost_per_mtok=Y")

    runner = Runner(cfg, backend, templates, sleep=sleep)
    runner._predictions = dict(existing)
    if cfg.use_cache and not backend.direct:
        runner.cache = ResponseCache(cfg.cache or cfg.out / CACHE_FILE)
    todo_ids = {q.id for q in todo}
    pending = (q for q in iter_questions(cfg.data) if q.id in todo_ids)

    def finish() -> RunSummary:
        remaining = sum(1 for q in selected if q.id not in runner._predictions
                        or runner._predictions[q.id].error is not None)
        summary = summarize(model=cfg.model, release_id=manifest.release_id, data_dir=str(cfg.data.resolve()),
                            questions=selected, predictions=runner._predictions, after=cfg.after,
                            settings=_settings(cfg, backend, templates, len(selected), remaining, runner),
                            seed=cfg.seed)
        atomic_write_json(cfg.out / SUMMARY, summary)
        return summary

    _drop_torn_tail(pred_path)
    runner._appender = JsonlAppender(pred_path)
    try:
        with _progress_display(cfg.progress) as progress:
            asyncio.run(runner.run(pending, len(todo), progress))
    finally:
        runner._appender.close()
        summary = finish()
        if runner.cache is not None:
            runner.cache.close()
    if runner.stopped:
        _stderr(f"stopped: {runner.stopped}; {summary.settings['n_pending']} questions remain "
                "(raise --max-cost and re-run the same command to continue)")
    return summary


def _drop_torn_tail(path: Path) -> None:
    """A process killed mid-write can leave a last line without its newline; appending after it
    would glue two records together. Cut the file back to its last complete line."""
    if not path.is_file():
        return
    with open(path, "rb+") as f:
        size = f.seek(0, 2)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        pos = size
        while pos > 0:  # scan back in blocks for the last newline
            step = min(65536, pos)
            f.seek(pos - step)
            block = f.read(step)
            i = block.rfind(b"\n")
            if i >= 0:
                f.truncate(pos - step + i + 1)
                return
            pos -= step
        f.truncate(0)


def _check_run_folder(out: Path, fingerprint: dict) -> None:
    """A run folder belongs to one model and one set of answer-determining settings."""
    path = out / RUN_CONFIG
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise InputError(f"{path} is damaged; use a new --out folder") from None
        diff = [k for k in sorted(set(old) | set(fingerprint)) if old.get(k) != fingerprint.get(k)]
        if diff:
            k = diff[0]
            raise ConfigError(f"{out} holds a run with {k}={old.get(k)!r}, not {fingerprint.get(k)!r}; "
                              "use a new --out folder (or the original settings to resume)")
        return
    if (out / PREDICTIONS).is_file():
        raise ConfigError(f"{out} has predictions but no {RUN_CONFIG}; use a new --out folder")
    atomic_write_json(path, fingerprint)


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _progress_display(enabled: bool):
    if not enabled:
        return _NoProgress()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        return _NoProgress()
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[acc]}"), TextColumn("{task.fields[speed]}"), TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    console=console)
