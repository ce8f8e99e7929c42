"""Exports of a release for other tools: a Hugging Face ``datasets`` folder with a dataset card
(``export_hf``, optional ``push_to_hub``). The lm-evaluation-harness tasks written on top of it
live in ``scalar.integrations.lm_eval_tasks`` (a later layer: they call SCALAR's prompts).
Heavy dependencies (datasets, huggingface_hub) are imported when a function runs."""

from __future__ import annotations


def export_hf(*args, **kwargs):
    from scalar.export.hf import export_hf as _export

    return _export(*args, **kwargs)


def push_to_hub(*args, **kwargs):
    from scalar.export.hub import push_to_hub as _push

    return _push(*args, **kwargs)


FORMATS = ("hf", "lm-eval")

__all__ = ["FORMATS", "export_hf", "push_to_hub"]
