"""Attributional vs descriptive citation occurrences.

*Attributional*: the citation names the thing the cited work introduced — a method, model, dataset
or tool ("YOLOv3 [33]", "we optimise with Adam (Kingma & Ba, 2015)"). *Descriptive*: it supports a
claim ("recurrent networks forget long-range context [12]").

Two typers share one interface (``type(before, cited_text, after) -> CitationType``):

* ``HeuristicTyper`` (default, offline, deterministic): looks at the words right before the
  citation for a proper-name token — CamelCase, ALLCAPS, letters+digits, or a capitalised word that
  does not start a sentence — optionally followed by a generic noun ("the Transformer architecture
  [cite]").
* ``LLMTyper``: asks a model through the model layer (litellm backend, temperature 0, the shared
  retry policy) and caches every answer with a CachedBackend in the user cache folder, so a
  rebuild never asks twice. litellm is imported lazily (it is slow to import).

An occurrence whose ``CitationSpan.citation_type`` is already set (an imported annotation) keeps it.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from pathlib import Path
from typing import Protocol

from scalar.errors import ConfigError, NetworkError
from scalar.models.base import BackendError
from scalar.models.retry import RetryPolicy
from scalar.schema import CitationType

# Capitalised words that are not names of things (sentence glue, cross-references, generic acronyms).
_NOT_NAMES = frozenset("""
a an the in on at of for to by with from as and or but nor so yet this that these those it its we our
us they their he she his her one two three some many most several such other others both each all any
see e.g eg i.e ie cf etc following recently previously prior recent early earlier later similarly
however moreover furthermore also thus hence therefore while whereas although though since because
note unlike like including include includes especially notably namely
figure fig figs table tab section sec sect appendix app eq eqs equation equations algorithm alg
chapter theorem lemma corollary proposition definition remark assumption example step part
january february march april may june july august september october november december
ai ml nlp cv rl llm llms lm lms vlm vlms mllm mllms nn nns dnn dnns cnn cnns rnn rnns gnn gnns gan gans
vae vaes mlp mlps sota api apis gpu gpus tpu tpus qa vqa asr tts ocr rlhf sft icl cot kd nas moe
""".split())

# Generic nouns that may sit between a name and its citation: "the Transformer architecture [cite]".
_GENERIC_NOUNS = frozenset("""
model models method methods architecture architectures network networks dataset datasets benchmark
benchmarks algorithm algorithms framework frameworks optimizer optimiser library libraries toolkit
toolkits corpus corpora approach approaches loss objective metric score family series suite
system systems tool tools agent agents backbone encoder decoder tokenizer implementation codebase
package engine environment simulator platform variant variants version checkpoint checkpoints
unit units layer layers module modules mechanism cell cells block blocks head heads
""".split())

_WORD = re.compile(r"[^\s()\[\]{},;:]+")
_AUTHORISH = re.compile(r"(?:et\s+al\.?|and|&)\s*,?\s*$", re.IGNORECASE)


def is_name_token(word: str, sentence_start: bool) -> bool:
    core = word.strip("\"'“”‘’.!?*_~")
    if len(core) < 2 or not any(ch.isalpha() for ch in core):
        return False
    if core.lower().rstrip("s") in _NOT_NAMES or core.lower() in _NOT_NAMES:
        return False
    letters = [ch for ch in core if ch.isalpha()]
    has_digit = any(ch.isdigit() for ch in core)
    inner_upper = any(ch.isupper() for ch in core[1:] if ch.isalpha())
    if letters and has_digit and any(ch.isupper() for ch in letters):
        return True  # YOLOv3, GPT-4, T5, ResNet-50
    if inner_upper:
        return True  # CamelCase (LoRA, InstructGPT) and ALLCAPS (BERT, MS-COCO)
    if core[0].isupper() and not sentence_start:
        return True  # a capitalised word mid-sentence: Adam, Llama, Transformer
    return False


class Typer(Protocol):
    name: str

    def type(self, before: str, cited: str, after: str) -> CitationType: ...

    def close(self) -> None: ...


class HeuristicTyper:
    """Offline typer: a proper-name token right before the citation (optionally followed by up to
    two generic nouns) makes it attributional."""

    name = "heuristic"

    def type(self, before: str, cited: str, after: str) -> CitationType:
        text = before.rstrip()
        # Opening brackets / "e.g.," inside the citation's own parentheses are not the name.
        text = re.sub(r"[\s(\[~]+$", "", text)
        if _AUTHORISH.search(text):
            return "descriptive"  # "Smith et al. [cite]" names authors, not a thing
        words = list(_WORD.finditer(text))
        generic = 0
        for m in reversed(words):
            word = m.group(0)
            bare = word.strip("\"'“”‘’.!?").lower()
            if bare in _GENERIC_NOUNS and generic < 2:
                generic += 1
                continue
            prefix = text[: m.start()].rstrip()
            sentence_start = not prefix or prefix[-1] in ".!?:" or prefix.endswith("\n")
            return "attributional" if is_name_token(word, sentence_start) else "descriptive"
        return "descriptive"

    def close(self) -> None:
        return None


_PROMPT = """You label citations in scientific papers.

A citation is ATTRIBUTIONAL when it is attached to the name of a specific method, model, dataset,
benchmark, tool or product introduced by the cited work (a proper noun such as Llama, Flan-T5,
InstructGPT, LoRA, MS MARCO, ToolLLM, YOLOv3). It is DESCRIPTIVE when it supports a claim, a
finding, a general idea or names the authors ("a recent study [CITATION] shows ...",
"the approach proposed by Smith et al. [CITATION]").

Context: {before} [CITATION] {after}

Is the citation [CITATION] attributional? Answer with one word: Yes or No.
Answer:"""


def default_typer_cache() -> Path:
    """The LLM typer's answers live in the user's cache folder ($SCALAR_CACHE_DIR, else
    ~/.cache/scalar), never in the working directory."""
    root = os.environ.get("SCALAR_CACHE_DIR") or Path.home() / ".cache" / "scalar"
    return Path(root) / "citation_types.sqlite"


class LLMTyper:
    """Types occurrences with a model through the model layer (scalar.models): the litellm backend
    at temperature 0, the one retry policy, and a CachedBackend so a rebuild never asks twice.
    Calls run on one private event loop thread; ``type`` may be called from many threads."""

    def __init__(self, model: str, cache_path: str | os.PathLike | None = None, *,
                 api_base: str | None = None, context_words: int = 40, retry: RetryPolicy | None = None):
        from scalar.models import CachedBackend, ResponseCache, RetryingBackend, get_backend

        self.model = model
        self.name = f"llm:{model}"
        self.context_words = context_words
        backend = get_backend(model, api_base=api_base)
        self._backend = CachedBackend(RetryingBackend(backend, retry or RetryPolicy()),
                                      ResponseCache(Path(cache_path) if cache_path else default_typer_cache()))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="scalar-typer", daemon=True)
        self._thread.start()

    def prompt(self, before: str, cited: str, after: str) -> str:
        # Words joined with spaces (the original glued the pieces together without any).
        b = " ".join(before.split()[-self.context_words:])
        a = " ".join(after.split()[: self.context_words])
        return _PROMPT.format(before=b, after=a)

    async def _type(self, prompt: str) -> CitationType:
        try:
            c = await self._backend.generate(prompt, max_tokens=3)
        except BackendError as e:
            raise NetworkError(f"citation typer {self.model}: {e}".splitlines()[0]) from None
        return "attributional" if c.text.strip().lower().startswith("yes") else "descriptive"

    def type(self, before: str, cited: str, after: str) -> CitationType:
        prompt = self.prompt(before, cited, after)
        return asyncio.run_coroutine_threadsafe(self._type(prompt), self._loop).result()

    def type_many(self, items: list[tuple[str, str, str]], workers: int = 8) -> list[CitationType]:
        """Type many occurrences, ``workers`` requests in flight (cached answers cost nothing)."""
        async def all_of() -> list[CitationType]:
            gate = asyncio.Semaphore(workers)

            async def one(item: tuple[str, str, str]) -> CitationType:
                async with gate:
                    return await self._type(self.prompt(*item))

            return list(await asyncio.gather(*(one(it) for it in items)))

        return asyncio.run_coroutine_threadsafe(all_of(), self._loop).result()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        async def shutdown() -> None:
            await self._backend.aclose()
            # litellm leaves helper tasks (its logging worker) on the loop: end them with it
            rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in rest:
                t.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


def make_typer(spec: str = "heuristic", cache_path: str | os.PathLike | None = None,
               api_base: str | None = None) -> Typer:
    """``"heuristic"`` or ``"llm:<litellm model>"`` (e.g. ``llm:openai/gpt-4o-mini``)."""
    if spec == "heuristic":
        return HeuristicTyper()
    if spec.startswith("llm:") and len(spec) > 4:
        return LLMTyper(spec[4:], cache_path, api_base=api_base)
    raise ConfigError(f"unknown citation typer {spec!r}: use 'heuristic' or 'llm:<model>'")
