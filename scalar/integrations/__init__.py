"""Tasks for other evaluation harnesses, built on SCALAR's own prompts and answer parsing:
``inspect_task.py`` (inspect_ai: ``inspect eval scalar/integrations/inspect_task.py -T data=REL``)
and ``lm_eval_helpers`` (the functions the YAML written by ``scalar export --format lm-eval``
calls). Heavy dependencies (inspect_ai, lm_eval) are imported only by the module that needs them."""

from __future__ import annotations

__all__: list[str] = []
