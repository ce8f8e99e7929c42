"""Model registry: ``load_model(kind, path)`` for the published and packed checkpoint layouts."""

from __future__ import annotations

from pathlib import Path

from scalar.errors import ConfigError
from scalar.local.checkpoint import load_weights, read_config

KINDS = ("fbi-llm", "bi-mamba")


def _module(kind: str):
    if kind == "fbi-llm":
        from scalar.local import fbi_llm as module
    elif kind == "bi-mamba":
        from scalar.local import bi_mamba as module
    else:
        raise ConfigError(f"unknown local model {kind!r} (expected one of: {', '.join(KINDS)})")
    return module


def model_config(kind: str, config: dict):
    """The typed config of ``kind`` (validates the architecture)."""
    module = _module(kind)
    cls = module.FBIConfig if kind == "fbi-llm" else module.MambaConfig
    return cls.from_dict(config)


def load_model(kind: str, path, *, tokenizer: str | Path | None = None, require_tokenizer: bool = False,
               progress=None):
    """Load a model; the tokenizer is attached when ``tokenizer.model`` exists (or is given)."""
    from scalar.local.tokenizer import find_tokenizer, load_tokenizer

    module = _module(kind)
    folder = Path(path).expanduser()
    config = read_config(folder)
    typed = model_config(kind, config)
    tok = None
    if tokenizer is not None or require_tokenizer or find_tokenizer(folder).is_file():
        tok = load_tokenizer(folder, tokenizer)
    weights = load_weights(folder, typed.spec(), kind=kind, progress=progress)
    return module.build(config, weights, tok, folder)
