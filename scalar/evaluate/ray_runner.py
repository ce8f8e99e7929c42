"""`scalar eval --model local/... --ray [ADDRESS]`: a local model's calls spread over Ray actors.

Each actor loads the model once and answers one call at a time; the driver keeps everything else
of the async runner (runner.py): it renders and fits the prompts with the model's tokenizer (sent
over by the first actor, so the driver needs no checkpoint), owns the response cache and is the only
writer of ``predictions.jsonl`` and ``summary.json``, so resume, no-duplicate and summary
guarantees are the runner's own. Calls go to whichever actor is free. A worker that dies (node
lost, out of memory) is dropped and its call retried on another one under the retry policy; when
none is left the run stops with what it has saved.

API models stay on the async runner: their limit is the provider, not the CPU.
"""

from __future__ import annotations

import asyncio
import atexit
import sys

from scalar.errors import ConfigError, NetworkError, ScalarError
from scalar.models import Backend, BackendError, Completion

__all__ = ["LOCAL_CLUSTER", "RayBackend", "ray_backend"]

LOCAL_CLUSTER = "local"  # `--ray` without an address: start a Ray instance on this machine


# --------------------------------------------------------------------------- worker (actor) side


class _Worker:
    """The actor body: one backend, loaded once. Results travel as tagged tuples, so the driver
    rebuilds the right error type (Ray's wrapped exceptions lose BackendError's fields)."""

    def __init__(self, model: str, model_args: dict):
        from scalar.models import get_backend

        self.backend: Backend | None = None
        self.error: tuple[str, str, bool] | None = None
        try:
            self.backend = get_backend(model, model_args=model_args)
        except ScalarError as e:
            self.error = ("config", str(e), False)
        except Exception as e:  # noqa: BLE001 - reported to the driver as one line
            self.error = ("other", f"{type(e).__name__}: {e}", False)
        self.loop = asyncio.new_event_loop()

    def describe(self) -> dict:
        """What the driver needs to prepare prompts and key the cache (or the load error)."""
        if self.backend is None:
            return {"error": self.error}
        b = self.backend
        return {"name": b.name, "context_window": b.context_window, "tokenizer_encoding": b.tokenizer_encoding,
                "prompt_tokenizer": b.prompt_tokenizer, "scoring_modes": tuple(b.scoring_modes),
                "default_scoring": b.default_scoring, "cache_identity": b.cache_identity(),
                "cacheable": b.cacheable}

    def call(self, method: str, *args) -> tuple:
        assert self.backend is not None
        try:
            if method == "score_options":
                result = self.loop.run_until_complete(self.backend.score_options(*args))
            else:
                result = self.loop.run_until_complete(self.backend.generate(args[0], max_tokens=args[1]))
            return ("ok", result, self.backend.stats())
        except BackendError as e:
            return ("error", ("backend", str(e), e.retryable), self.backend.stats())
        except ScalarError as e:
            return ("error", ("config", str(e), False), self.backend.stats())
        except Exception as e:  # noqa: BLE001
            return ("error", ("other", f"{type(e).__name__}: {e}", False), self.backend.stats())

    def close(self) -> None:
        if self.backend is not None:
            self.loop.run_until_complete(self.backend.aclose())


# --------------------------------------------------------------------------- driver side


class RayBackend(Backend):
    """The driver's view of the actors: a Backend whose calls run on whichever actor is free."""

    def __init__(self, actors: list, info: dict, *, address: str, connected_here: bool):
        self.name = info["name"]
        self.context_window = info["context_window"]
        self.tokenizer_encoding = info["tokenizer_encoding"]
        self.prompt_tokenizer = info["prompt_tokenizer"]
        self.scoring_modes = tuple(info["scoring_modes"])
        self.default_scoring = info["default_scoring"]
        self.cacheable = info["cacheable"]
        self._identity = info["cache_identity"]
        self.address = address
        self._connected_here = connected_here
        self._actors = list(actors)
        self._live = list(actors)
        self._free: asyncio.Queue | None = None  # idle live actors (None: all dead), for one event loop
        self._free_loop: asyncio.AbstractEventLoop | None = None
        self._stats: dict[int, dict] = {}
        self._closed = False

    @property
    def workers(self) -> int:
        return len(self._actors)

    def cache_identity(self) -> dict:
        return dict(self._identity)  # the same key as the model run in-process: caches are shared

    def stats(self) -> dict:
        """Summed over the actors: tokens, model seconds, and the rate they reach together."""
        tokens = sum(s.get("tokens", 0) for s in self._stats.values())
        seconds = sum(s.get("seconds", 0.0) for s in self._stats.values())
        rate = sum(s.get("tokens_per_s", 0.0) for s in self._stats.values())
        return {"tokens": tokens, "seconds": round(seconds, 3), "tokens_per_s": round(rate, 1),
                "extra_truncated_tokens": sum(s.get("extra_truncated_tokens", 0) for s in self._stats.values()),
                "workers": self.workers}

    async def score_options(self, prefix: str, options: list[str]) -> Completion:
        return await self._call("score_options", prefix, options)

    async def generate(self, prompt: str, *, max_tokens: int | None = None) -> Completion:
        return await self._call("generate", prompt, max_tokens)

    def _queue(self) -> asyncio.Queue:
        """The idle actors, as a queue of the running event loop (each asyncio.run gets its own)."""
        loop = asyncio.get_running_loop()
        if self._free is None or self._free_loop is not loop:
            self._free, self._free_loop = asyncio.Queue(), loop
            for actor in self._live or [None]:
                self._free.put_nowait(actor)
        return self._free

    async def _call(self, method: str, *args) -> Completion:
        from ray.exceptions import RayActorError

        free = self._queue()
        actor = await free.get()
        if actor is None:  # every worker is gone; pass the news on to the next waiting call
            free.put_nowait(None)
            raise NetworkError("every Ray worker has died; answers so far are saved, re-run the same command "
                               "to resume")
        try:
            status, payload, stats = await actor.call.remote(method, *args)
        except RayActorError as e:  # the worker is gone: never hand it out again
            self._live.remove(actor)
            why = " ".join(str(e).split())[:200]
            if not self._live:
                free.put_nowait(None)  # wakes the calls waiting for a worker
                raise NetworkError(f"every Ray worker has died (last: {why}); answers so far are saved, "
                                   "re-run the same command to resume") from None
            raise BackendError(f"a Ray worker died: {why}", retryable=True) from None
        free.put_nowait(actor)
        self._stats[self._actors.index(actor)] = stats
        if status == "ok":
            return payload
        kind, message, retryable = payload
        if kind == "config":
            raise ConfigError(message)
        raise BackendError(message, retryable=retryable)

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        """Stop the actors and disconnect (a Ray instance started here stops with it); idempotent."""
        if self._closed:
            return
        self._closed = True
        import ray

        if ray.is_initialized():
            for actor in self._actors:
                try:
                    ray.kill(actor)
                except Exception:  # noqa: BLE001 - already gone
                    pass
            if self._connected_here:
                ray.shutdown()


def _connect(address: str) -> bool:
    """Connect to (or start) Ray; True when this call connected (False: a caller's own Ray session
    is reused and left open)."""
    import logging

    import ray

    kwargs = {"include_dashboard": False, "logging_level": logging.ERROR, "configure_logging": True}
    if ray.is_initialized():
        return False
    try:
        # "local" is Ray's own word for a new instance, even when one is running on this machine
        ray.init(address=address, **kwargs)
        return True
    except (ConnectionError, ValueError, RuntimeError, TimeoutError) as e:
        raise ConfigError(f"--ray {address}: cannot connect to a Ray cluster ({' '.join(str(e).split())[:200]})") from None


def ray_backend(model: str, model_args: dict, *, address: str | None, workers: int | None,
                concurrency: int) -> RayBackend:
    """Start ``workers`` actors of ``model`` on the Ray cluster at ``address`` (``local``: a new
    instance on this machine; ``auto``: the cluster this node belongs to; ``HOST:PORT`` or
    ``ray://HOST:10001``); each reserves ``threads`` CPUs (model arg, default 1)."""
    if not model.startswith("local/"):
        raise ConfigError(f"--ray runs local/* models; {model} stays on the async runner "
                          "(raise --concurrency; open models at scale: vLLM or SGLang behind --api-base)")
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray needs Ray: pip install 'scalar-bench[ray]'") from None
    args = dict(model_args)
    try:
        threads = int(args.setdefault("threads", 1))
    except (TypeError, ValueError):
        raise ConfigError(f"--model-arg threads must be a positive integer, got {args['threads']!r}") from None
    if threads < 1:
        raise ConfigError(f"--model-arg threads must be a positive integer, got {threads}")
    address = address or LOCAL_CLUSTER
    connected_here = _connect(address)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        n = workers or max(1, cpus // threads)
        if n * threads > cpus:
            _stderr(f"warning: {n} Ray workers x {threads} threads need {n * threads} CPUs; the cluster has {cpus} "
                    "(workers wait for a free CPU)")
        if concurrency < n:
            _stderr(f"warning: --concurrency {concurrency} keeps at most {concurrency} of {n} Ray workers busy")
        actor_cls = ray.remote(num_cpus=threads, max_restarts=0)(_Worker)
        actors = [actor_cls.remote(model, args) for _ in range(n)]
        infos = ray.get([a.describe.remote() for a in actors])
        errors = [i["error"] for i in infos if "error" in i]
        if errors:
            for a in actors:
                ray.kill(a)
            kind, message, _ = errors[0]
            raise ConfigError(message if kind == "config" else f"a Ray worker could not load {model}: {message}")
    except BaseException:
        if connected_here:
            ray.shutdown()
        raise
    backend = RayBackend(actors, infos[0], address=address, connected_here=connected_here)
    atexit.register(backend.close)  # a run stopped before the runner closes it still frees the cluster
    return backend


def _stderr(msg: str) -> None:
    print(f"scalar: {msg}", file=sys.stderr)
