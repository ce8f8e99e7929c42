"""Attributional vs descriptive citation occurrences.

*Attributional*: the citation names the thing the cited work introduced — a method, model, dataset
or tool ("YOLOv3 [33]", "we optimise with Adam (Kingma & Ba, 2015)"). *Descriptive*: it supports a
claim ("recurrent networks forget long-range context [12]").

Two typers share one interface (``type(before, cited_text, after) -> CitationType``):

* ``HeuristicTyper`` (default, offline, deterministic): looks at the words right before the
  citation for a proper-name token — CamelCase, ALLCAPS, letters+digits, or a capitalised word that
  does not start a sentence — optionally followed by a generic noun ("the Transformer architecture
  [cite]").
* ``LLMTyper``: asks a model through litellm (temperature 0) and caches every answer in SQLite, so
  a rebuild never asks twice. litellm is imported lazily (it is slow to import).

An occurrence whose ``CitationSpan.citation_type`` is already set (an imported annotation) keeps it.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from scalar.errors import ConfigError, NetworkError
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
    def type(self, before: str, cited: str, after: str) -> CitationType: ...


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


_PROMPT = """You label citations in scientific papers.

A citation is ATTRIBUTIONAL when it is attached to the name of a specific method, model, dataset,
benchmark, tool or product introduced by the cited work (a proper noun such as Llama, Flan-T5,
InstructGPT, LoRA, MS MARCO, ToolLLM, YOLOv3). It is DESCRIPTIVE when it supports a claim, a
finding, a general idea or names the authors ("a recent study [CITATION] shows ...",
"the approach proposed by Smith et al. [CITATION]").

Context: {before} [CITATION] {after}

Is the citation [CITATION] attributional? Answer with one word: Yes or No.
Answer:"""


class LLMTyper:
    """Types occurrences with a model through litellm; answers cached in SQLite by prompt hash."""

    def __init__(self, model: str, cache_path: str | os.PathLike | None = None, *,
                 api_base: str | None = None, context_words: int = 40):
        self.model = model
        self.name = f"llm:{model}"
        self.api_base = api_base
        self.context_words = context_words
        self._lock = threading.Lock()
        path = Path(cache_path) if cache_path else Path(".scalar-cache") / "citation_types.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, model TEXT, "
                         "prompt TEXT, answer TEXT)")
        self._db.commit()

    def prompt(self, before: str, cited: str, after: str) -> str:
        # Words joined with spaces (the original glued the pieces together without any).
        b = " ".join(before.split()[-self.context_words:])
        a = " ".join(after.split()[: self.context_words])
        return _PROMPT.format(before=b, after=a)

    def type(self, before: str, cited: str, after: str) -> CitationType:
        prompt = self.prompt(before, cited, after)
        key = hashlib.sha256(f"{self.model}\x1f{prompt}".encode()).hexdigest()
        with self._lock:
            row = self._db.execute("SELECT answer FROM answers WHERE key=?", (key,)).fetchone()
        if row is None:
            answer = self._ask(prompt)
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO answers VALUES (?,?,?,?)",
                                 (key, self.model, prompt, answer))
                self._db.commit()
        else:
            answer = row[0]
        return "attributional" if answer.strip().lower().startswith("yes") else "descriptive"

    def type_many(self, items: list[tuple[str, str, str]], workers: int = 8) -> list[CitationType]:
        """Type many occurrences: cached answers first, the rest asked ``workers`` at a time."""
        from concurrent.futures import ThreadPoolExecutor

        if len(items) <= 1:
            return [self.type(*it) for it in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda it: self.type(*it), items))

    def _ask(self, prompt: str) -> str:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network fetch at import
        import litellm

        try:
            response = litellm.completion(model=self.model, messages=[{"role": "user", "content": prompt}],
                                          temperature=0, max_tokens=3, api_base=self.api_base)
        except Exception as e:  # litellm raises many provider-specific types
            raise NetworkError(f"citation typer {self.model}: {type(e).__name__}: {e}".splitlines()[0]) from None
        return response.choices[0].message.content or ""

    def close(self) -> None:
        self._db.close()


def make_typer(spec: str = "heuristic", cache_path: str | os.PathLike | None = None,
               api_base: str | None = None) -> Typer:
    """``"heuristic"`` or ``"llm:<litellm model>"`` (e.g. ``llm:openai/gpt-4o-mini``)."""
    if spec == "heuristic":
        return HeuristicTyper()
    if spec.startswith("llm:") and len(spec) > 4:
        return LLMTyper(spec[4:], cache_path, api_base=api_base)
    raise ConfigError(f"unknown citation typer {spec!r}: use 'heuristic' or 'llm:<model>'")
