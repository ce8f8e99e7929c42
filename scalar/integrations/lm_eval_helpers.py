"""Functions called by the lm-evaluation-harness task YAML that ``scalar export --format lm-eval``
writes (through its generated ``utils.py``). A ``doc`` is a row of the exported dataset
(``scalar.export.records``); prompts are SCALAR's built-in templates and answers are parsed with
``scalar eval``'s parser, so lm-eval and ``scalar eval`` ask and score the same way.

* ``scalar_mcq`` (loglikelihood): the prompt followed by ``\\n<answer>``; the choices are the
  candidate indices, as ``scalar eval --scoring logprob`` does.
* ``scalar_mcq_gen`` and ``scalar_cloze`` (generation): the prompt; the reply is parsed like
  ``scalar eval``'s (``<answer>2</answer>``, ``[MASK_1]: 0`` ...), a parse failure counts wrong.
"""

from __future__ import annotations

import functools

from scalar.evaluate.answers import extract_choice, extract_cloze
from scalar.evaluate.prompting import choose_templates, logprob_prefixes
from scalar.export.records import to_question


@functools.lru_cache(maxsize=1)
def _templates():
    return choose_templates(None)


def prompt(doc: dict) -> str:
    q = to_question(doc)
    return _templates().for_task(q.task).render(q)


def mcq_doc_to_text(doc: dict) -> str:
    q = to_question(doc)
    return logprob_prefixes(_templates().for_task("mcq").render(q), q)[0]


def mcq_doc_to_choice(doc: dict) -> list[str]:
    return [str(i) for i in range(len(doc["candidates"]))]


def gen_doc_to_text(doc: dict) -> str:
    return prompt(doc)


def _close(text: str) -> str:
    # generation stops at "</answer>", which lm-eval cuts off: put it back for the parser
    return text + "</answer>" if "<answer>" in text and "</answer>" not in text else text


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    """acc = 1 when the parsed answer equals the gold (every mask, for cloze); unparsed = wrong."""
    reply = _close(results[0] if results else "")
    n = len(doc["candidates"])
    if doc["task"] == "cloze":
        got = extract_cloze(reply, len(doc["answer"]), n)
        ok = got is not None and list(got) == list(doc["answer"])
    else:
        ok = extract_choice(reply, n) == doc["answer_index"]
    return {"acc": 1.0 if ok else 0.0}


__all__ = ["gen_doc_to_text", "mcq_doc_to_choice", "mcq_doc_to_text", "process_results", "prompt"]
