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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scalar._util.progress import progress_bar
from scalar._util.provenance import git_state, now_utc, python_version, tool_version
from scalar._util.redact import redact, redact_text, redact_url
from scalar.errors import ConfigError, InputError, NetworkError, StorageError
from scalar.evaluate.answers import extract_answer, is_correct
from scalar.evaluate.config import EvalConfig
from scalar.evaluate.prompting import TemplateChoice, choose_templates, logprob_prefixes
from scalar.evaluate.selection import select
from scalar.evaluate.sizing import PromptSizer, Size
from scalar.evaluate.summary import summarize
from scalar.evaluate.truncation import COUNTS, encoding_name, fit
from scalar.models import Backend, BackendError, CachedBackend, ResponseCache, RetryingBackend, RetryPolicy, get_backend
from scalar.release import iter_questions, validate_release
from scalar.run_folder import RunFolder, RunLock
from scalar.schema import Prediction, Provenance, Question, ReleaseManifest, RunSpec, RunSummary

__all__ = ["EvalConfig", "Estimate", "Runner", "estimate", "prompt_sha256", "run_eval", "run_eval_async", "scan_release"]


@dataclass
class Prepared:
    prompt: str
    prompt_tokens: int  # exact tiktoken count of the whole prompt; 0 = not counted (server reports usage)
    truncated_tokens: int


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
    """Validate the whole release (scalar.release.validate_release); keep slim questions in release order."""
    return validate_release(data, keep=_slim)


# --------------------------------------------------------------------------- runner


def prompt_sha256(prompt: str) -> str:
    """The SHA-256 recorded with each prediction: of the rendered (and possibly cut) prompt, UTF-8;
    logprob scoring appends its answer openings to this prompt."""
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()



class Runner:
    """Answers questions with one backend in one scoring mode and records each prediction."""

    def __init__(self, cfg: EvalConfig, backend: Backend, templates: TemplateChoice, *,
                 scoring: str | None = None):
        self.cfg = cfg
        self.backend = backend
        self.templates = templates
        # --scoring, else the backend's preference (local base models: logprob, baselines: direct)
        self.scoring = scoring or cfg.scoring or backend.default_scoring
        self._answerers = {"generate": self._generate, "logprob": self._logprob, "direct": self._direct}
        self.prompted = self.scoring != "direct"  # direct answers need no prompt, cost nothing
        # The window is in the model's own tokens: a backend with its own tokenizer (local models,
        # SentencePiece) gets its prompts counted and cut with it; API models with tiktoken.
        self.encoding = backend.counting_tokenizer
        # Exact prompt token counts are needed for a budget or an estimate; otherwise prompts that
        # provably fit the window are not tokenised (the server reports usage).
        self.exact_counts = cfg.max_cost is not None or self.scoring == "logprob"
        self.sizer = PromptSizer(self.encoding)
        window = backend.context_window
        # 16: chat framing / BOS tokens; logprob scoring also reserves its answer opening and the
        # longest option, per question (see prepare)
        reserve = (0 if self.scoring == "logprob" else cfg.max_tokens) + 16
        self.prompt_limit = window - reserve if window and self.prompted else None
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
        # One thread owns predictions.jsonl: writes stay in order and their fsyncs never stall the
        # event loop.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scalar-io")
        self._appender = None
        self._predictions: dict[str, Prediction] = {}

    # ------------------------------------------------------------------ prompts
    def prepare(self, q: Question) -> Prepared:
        """Render the prompt; when its exact count passes the model's window minus the output
        reserve, cut it (see truncation.py) until its exact count fits. sizing.py counts a prompt
        exactly without tokenising its paper and candidates whole."""
        tpl = self.templates.for_task(q.task)
        prompt = tpl.render(q)
        limit = self.prompt_limit
        if limit is not None and self.scoring == "logprob":
            limit -= self._answer_tokens(q)
        size = self.sizer.size(tpl, q, prompt, limit, need_count=self.exact_counts)
        truncated = 0
        if not size.fits:
            assert limit is not None
            prompt, tokens, truncated = self._cut(tpl, q, limit)
            size = Size(True, tokens)
        return Prepared(prompt, size.tokens, truncated)

    def _answer_tokens(self, q: Question) -> int:
        """Tokens logprob scoring appends to the prompt: the longest answer opening plus the
        longest option (a candidate index)."""
        option = self.sizer.count(str(len(q.candidates) - 1))
        return max(COUNTS.count(s, self.encoding) for s in logprob_prefixes("", q)) + option + 1

    def _cut(self, tpl, q: Question, limit: int) -> tuple[str, int, int]:
        """The truncated prompt, its exact tokens and the tokens cut from its parts."""
        overhead = self.sizer.overhead(tpl, q)
        slack = 32 + 4 * (len(q.candidates) + len(q.masks) + 2)  # cut markers, joins
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

    def calls(self, q: Question) -> int:
        """Model calls one question takes in this scoring mode."""
        return {"generate": 1, "logprob": len(q.masks), "direct": 0}[self.scoring]

    def estimate_cost(self, prepared: Prepared, q: Question) -> float:
        out_tokens = 1 if self.scoring == "logprob" else self.cfg.max_tokens
        return self.calls(q) * (prepared.prompt_tokens * self.price[0] + out_tokens * self.price[1])

    # ------------------------------------------------------------------ answers, one per scoring mode
    async def _direct(self, q: Question, pool: ThreadPoolExecutor | None) -> Prediction:
        answer = self.backend.answer_question(q)
        return Prediction(id=q.id, model=self.cfg.model, response=self.backend.explain(q),
                          prediction=answer, correct=is_correct(answer, q.answer))

    async def _generate(self, q: Question, prepared: Prepared) -> Prediction:
        c = await self.backend.generate(prepared.prompt, max_tokens=self.cfg.max_tokens)
        cost = 0.0 if c.cached else round(c.cost_usd, 10)
        answer = extract_answer(c.text, task=q.task, n_candidates=len(q.candidates), n_masks=len(q.masks))
        # An answer the provider cut at --max-tokens is not a parse failure: it is counted wrong and
        # reported as length_cut (a reasoning model needs a larger --max-tokens).
        cut = c.finish_reason == "length"
        return Prediction(id=q.id, model=self.cfg.model, response=c.text, prediction=answer,
                          correct=is_correct(answer, q.answer), parse_failure=answer is None and not cut,
                          prompt_tokens=c.prompt_tokens or prepared.prompt_tokens,
                          completion_tokens=c.completion_tokens, cost_usd=cost,
                          truncated_tokens=prepared.truncated_tokens + c.truncated_tokens, cached=c.cached,
                          prompt_sha256=prompt_sha256(prepared.prompt), finish_reason=c.finish_reason)

    async def _logprob(self, q: Question, prepared: Prepared) -> Prediction:
        options = [str(i) for i in range(len(q.candidates))]
        picks: list[int | None] = []
        all_scores = []
        cached_all = True
        extra = 0  # prompt tokens the backend cut beyond ours (the most over this question's calls)
        for prefix in logprob_prefixes(prepared.prompt, q):
            c = await self.backend.score_options(prefix, options)
            cached_all = cached_all and c.cached
            extra = max(extra, c.truncated_tokens)
            scores = [float(x) for x in (c.scores or [])]
            all_scores.append(scores)
            finite = [x for x in scores if math.isfinite(x)]
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
                          cost_usd=cost, truncated_tokens=prepared.truncated_tokens + extra, cached=cached_all,
                          prompt_sha256=prompt_sha256(prepared.prompt))

    async def _prompted(self, q: Question, pool: ThreadPoolExecutor | None) -> Prediction | None:
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(pool, self.prepare, q)
        estimate = self.estimate_cost(prepared, q)
        if self.cfg.max_cost is not None and self.spent + self.reserved + estimate > self.cfg.max_cost:
            self.stopped = (f"the next question could pass --max-cost ${self.cfg.max_cost:g} "
                            f"(spent ${self.spent:.4f} in this run folder, in flight ${self.reserved:.4f}, next up to ${estimate:.4f})")
            return None
        self.reserved += estimate
        try:
            return await self._answerers[self.scoring](q, prepared)
        except BackendError as e:
            # redacted before the cut, so no secret is half-kept
            return Prediction(id=q.id, model=self.cfg.model, error=redact_text(" ".join(str(e).split()))[:500],
                              prompt_tokens=0, truncated_tokens=prepared.truncated_tokens)
        finally:
            self.reserved -= estimate

    async def answer(self, q: Question, pool: ThreadPoolExecutor | None) -> Prediction | None:
        """One question -> its prediction; None when the budget stops the run before it."""
        if self.prompted:
            return await self._prompted(q, pool)
        return await self._direct(q, pool)

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

    def status(self) -> str:
        """Accuracy so far, errors and (backends that measure it: local models) throughput."""
        scored = self.done - self.errors
        parts = [f"acc {self.correct / scored:.3f}"] if scored else []
        if self.errors:
            parts.append(f"errors {self.errors}")
        stats = self.backend.stats()
        if stats.get("seconds"):
            parts.append(f"{stats['tokens_per_s']:,.0f} tok/s")
        return "  ".join(parts)

    async def run(self, pending: Iterator[Question], on_answer: Callable[[str], None] | None = None) -> None:
        """Answer ``pending`` with ``concurrency`` workers; ``on_answer(status)`` after each one."""
        # tiktoken releases the GIL; more threads than cores hide the wait to take it back while
        # the event loop thread is busy (each prompt makes a few short tiktoken calls)
        pool = ThreadPoolExecutor(max_workers=min(4, self.cfg.concurrency), thread_name_prefix="scalar-prompt")

        async def worker() -> None:
            while self.stopped is None and self.fatal is None:
                q = next(pending, None)
                if q is None:
                    return
                try:
                    p = await self.answer(q, pool)
                    if p is not None:
                        await self.record(p)
                except Exception as e:  # a ScalarError (bad key, window too small, disk full) ends the run
                    self.fatal = self.fatal or e
                    return
                if p is None:
                    return
                if on_answer is not None:
                    on_answer(self.status())

        try:
            await asyncio.gather(*[worker() for _ in range(max(1, self.cfg.concurrency))])
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            self._io.shutdown(wait=True)
            await self.backend.aclose()
        if self.fatal is not None:
            raise self.fatal


# --------------------------------------------------------------------------- entry point


_MODE_MISSING = {"generate": "does not generate text", "logprob": "cannot score by log-probabilities",
                 "direct": "does not answer questions without a prompt"}


def _backend_for(cfg: EvalConfig) -> Backend:
    args = dict(cfg.model_args)
    args.setdefault("seed", cfg.seed)  # recorded and sent (dropped by providers without seeds)
    if cfg.ray is not None:  # the same runner; the model's calls run on Ray actors (ray_runner.py)
        from scalar.evaluate.ray_runner import ray_backend

        backend = ray_backend(cfg.model, args, address=cfg.ray, workers=cfg.ray_workers, concurrency=cfg.concurrency)
    else:
        backend = get_backend(cfg.model, api_base=cfg.api_base, model_args=args)
    scoring = cfg.scoring or backend.default_scoring
    if scoring not in backend.scoring_modes:
        raise ConfigError(f"{cfg.model} {_MODE_MISSING[scoring]}; use --scoring {backend.default_scoring}")
    if scoring == "direct":  # no prompt, no cost: say so rather than ignore the option
        given = [o for o, v in (("--template", cfg.template), ("--max-cost", cfg.max_cost)) if v is not None]
        if given:
            raise ConfigError(f"{given[0]} does not apply to {cfg.model}: it answers without a prompt and costs nothing")
    return backend


def _describe(cfg: EvalConfig) -> str:
    """The filters in force, as options (for the "no questions" message)."""
    parts = [f"--budget {b}" for b in cfg.budget] + [f"--difficulty {d}" for d in cfg.difficulty]
    parts += [f"--task {t}" for t in cfg.task] + ([f"--after {cfg.after}"] if cfg.after else [])
    return " ".join(parts) or "no filter"


def _stderr(msg: str) -> None:
    print(f"scalar: {redact_text(msg)}", file=sys.stderr)


def _settings(cfg: EvalConfig, runner: Runner, selected: int, pending: int, policy: RetryPolicy | None) -> dict:
    backend = runner.backend
    s = {"template": runner.templates.label, "scoring": runner.scoring,
         "scoring_source": "--scoring" if cfg.scoring else "backend default",
         "seed": cfg.seed, "max_tokens": cfg.max_tokens, "context_window": backend.context_window,
         "tokenizer": encoding_name(backend.counting_tokenizer),
         "api_base": redact_url(cfg.api_base), "concurrency": cfg.concurrency,
         "limit": cfg.limit, "max_cost": cfg.max_cost, "n_selected": selected, "n_pending": pending,
         "model_args": json.dumps(redact(cfg.model_args), sort_keys=True), "stopped": runner.stopped}
    if policy is not None:
        s["requests_sent"] = policy.attempts
    if isinstance(backend, CachedBackend):
        s["cache_hits"] = backend.hits
    stats = backend.stats()
    if cfg.ray is not None:
        s["ray"] = cfg.ray
        s["ray_workers"] = stats.get("workers")
    if stats:  # local models: tokens through the model this session and their rate
        s["model_tokens"] = stats.get("tokens")
        s["model_seconds"] = stats.get("seconds")
        s["tokens_per_s"] = stats.get("tokens_per_s")
    return s


def estimate(cfg: EvalConfig, backend: Backend, templates: TemplateChoice, todo: list[Question],
             selected: int) -> Estimate:
    """Token and cost estimate of the questions still to run (``--dry-run``); calls nothing."""
    runner = Runner(cfg, backend, templates)
    runner.exact_counts = True
    total = biggest = truncated_q = truncated_t = 0
    cost_in = 0.0
    by_id = {q.id for q in todo}
    if runner.prompted:
        for q in iter_questions(cfg.data):
            if q.id not in by_id:
                continue
            p = runner.prepare(q)
            total += p.prompt_tokens * runner.calls(q)
            biggest = max(biggest, p.prompt_tokens)
            truncated_q += p.truncated_tokens > 0
            truncated_t += p.truncated_tokens
    price = backend.price_per_token()
    out_tokens = 1 if runner.scoring == "logprob" else cfg.max_tokens
    if price is not None:
        cost_in = total * price[0]
    n_calls = len(todo) if runner.prompted else 0
    return Estimate(questions=selected, to_run=len(todo), prompt_tokens=total, max_prompt_tokens=biggest,
                    truncated_questions=truncated_q, truncated_tokens=truncated_t,
                    input_cost_usd=cost_in if price is not None else None,
                    max_output_cost_usd=(n_calls * out_tokens * price[1]) if price is not None else None,
                    context_window=backend.context_window)


def _config(config: EvalConfig | str, data, out, settings: dict) -> EvalConfig:
    if isinstance(config, EvalConfig):
        if not settings:
            return config
        try:
            return EvalConfig.build(**{**config.model_dump(), **settings})
        except TypeError as e:
            raise ConfigError(str(e)) from None
    return EvalConfig.build(model=config, data=data, out=out, **settings)


@dataclass
class _Started:
    """A run ready to answer: everything ``run_eval`` sets up before the first call."""

    cfg: EvalConfig
    manifest: ReleaseManifest
    selected: list[Question]
    todo: list[Question]
    folder: RunFolder
    runner: Runner
    policy: RetryPolicy
    spec: RunSpec
    started: datetime
    lock: RunLock


def _start(cfg: EvalConfig, sleep: Callable[[float], Awaitable[None]], started: datetime) -> _Started | Estimate:
    """Validate the release and the settings, pick the questions, build the backend, then take the
    run folder (blocking work: reads the release, imports the model's libraries). Nothing is written
    before every setting is checked; the folder lock is held until ``_answer_all`` ends."""
    manifest, slim = scan_release(cfg.data)
    templates = choose_templates(cfg.template)
    raw = _backend_for(cfg)
    selected = select(slim, cfg.selection())
    if not selected:
        raise InputError(f"no questions to evaluate in {cfg.data} with {_describe(cfg)}"
                         + (f" (the release's budgets: {', '.join(map(str, manifest.context_budgets))})"
                            if cfg.budget and manifest.context_budgets else ""))
    templates.check({q.task for q in selected})

    folder = RunFolder(cfg.out)
    folder.check_out()
    if cfg.dry_run:
        existing = folder.latest_predictions(keep_response=False)
        todo = [q for q in selected if q.id not in existing or existing[q.id].error is not None]
        try:
            return estimate(cfg, raw, templates, todo, len(selected))
        finally:
            asyncio.run(raw.aclose())

    redact(cfg.model_args)  # credential-named args are remembered: never written, even if echoed
    if cfg.max_cost is not None and raw.price_per_token() is None:
        raise ConfigError(f"no price known for {cfg.model}: --max-cost needs --model-arg "
                          "input_cost_per_mtok=... output_cost_per_mtok=...")
    raw.preflight()
    scoring = cfg.scoring or raw.default_scoring
    spec = cfg.spec(manifest.release_id, templates.label, scoring)
    folder.check_spec(spec)
    if not raw.known_model and not raw.context_window:
        _stderr(f"warning: {cfg.model} is not in litellm's model map: no context window (no truncation) "
                "and no price (cost 0); set --model-arg context_window=N input_cost_per_mtok=X output_cost_per_mtok=Y")

    policy = RetryPolicy(max_retries=cfg.max_retries, first_wait=cfg.retry_wait, sleep=sleep)
    runner = Runner(cfg, RetryingBackend(raw, policy), templates, scoring=scoring)  # checks the window
    if runner.prompted:  # a window too small for any prompt is a settings error: found before the folder is bound
        runner.prepare(next(q for q in iter_questions(cfg.data) if q.id == selected[0].id))
    # Settings are checked: from here on the run folder is taken (one process at a time).
    lock = folder.lock()
    try:
        if cfg.use_cache and raw.cacheable:
            runner.backend = CachedBackend(runner.backend, ResponseCache(cfg.cache or folder.cache))
        existing = folder.latest_predictions(keep_response=False)
        todo = [q for q in selected if q.id not in existing or existing[q.id].error is not None]
        runner._predictions = dict(existing)
        runner.spent = folder.spent_usd()  # --max-cost counts what earlier runs in this folder spent
    except BaseException:
        lock.release()
        raise
    return _Started(cfg, manifest, selected, todo, folder, runner, policy, spec, started, lock)


def _provenance(started: datetime) -> Provenance:
    finished = now_utc()
    commit, dirty = git_state()
    return Provenance(tool_version=tool_version(), git_commit=commit, git_dirty=dirty, python=python_version(),
                      started=started.isoformat(timespec="seconds"), finished=finished.isoformat(timespec="seconds"),
                      duration_s=round((finished - started).total_seconds(), 3))


async def _answer_all(run: _Started) -> RunSummary:
    """The run proper, in a folder this process holds (the lock is released at the end)."""
    try:
        return await _answer(run)
    finally:
        run.lock.release()


async def _answer(run: _Started) -> RunSummary:
    cfg, runner, folder = run.cfg, run.runner, run.folder
    todo_ids = {q.id for q in run.todo}
    pending = (q for q in iter_questions(cfg.data) if q.id in todo_ids)
    folder.claim(run.spec)  # run.json: written only now that the run starts

    def finish() -> RunSummary:
        remaining = sum(1 for q in run.selected if q.id not in runner._predictions
                        or runner._predictions[q.id].error is not None)
        summary = summarize(model=cfg.model, release_id=run.manifest.release_id, data_dir=str(cfg.data.resolve()),
                            questions=run.selected, predictions=runner._predictions, after=cfg.after,
                            settings=_settings(cfg, runner, len(run.selected), remaining, run.policy), run=run.spec,
                            provenance=_provenance(run.started))
        return folder.write_summary(summary)  # as written: secrets masked

    runner._appender = folder.appender()
    try:
        with progress_bar(cfg.progress, cfg.model, len(run.todo)) as advance:
            await runner.run(pending, lambda status: advance(status=status))
    except BaseException:
        runner._appender.close()
        try:
            finish()
        except StorageError:
            pass  # the first failure is the one to report (a full disk fails both)
        raise
    runner._appender.close()
    summary = finish()
    if runner.stopped:
        _stderr(f"stopped: {runner.stopped}; {summary.settings['n_pending']} questions remain "
                "(raise --max-cost and re-run the same command to continue)")
    return summary


async def run_eval_async(config: EvalConfig | str, data: str | Path | None = None, out: str | Path | None = None,
                         *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                         **settings) -> RunSummary | Estimate:
    """``run_eval`` for a running event loop (Jupyter, an async application):
    ``summary = await run_eval_async(config)``. The blocking set-up (reading the release, importing
    the model's libraries) runs in a worker thread, so the loop stays responsive."""
    started = now_utc()
    cfg = _config(config, data, out, settings)
    run = await asyncio.to_thread(_start, cfg, sleep, started)
    if isinstance(run, Estimate):
        return run
    return await _answer_all(run)


def run_eval(config: EvalConfig | str, data: str | Path | None = None, out: str | Path | None = None, *,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, **settings) -> RunSummary | Estimate:
    """Evaluate ``config.model`` on the release ``config.data`` into the run folder ``config.out``
    (resumes). Also callable as ``run_eval(model, data, out, **settings)`` with EvalConfig's field
    names. ``sleep`` is the retry policy's sleep (tests pass a recorder).

    Safe where an event loop is already running (a Jupyter cell): the run then gets its own loop in
    a worker thread and this call blocks until it ends. Async code can ``await run_eval_async``."""
    coro = run_eval_async(config, data, out, sleep=sleep, **settings)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scalar-eval") as pool:
        return pool.submit(asyncio.run, coro).result()
