"""``scalar convert``: published fp32 checkpoint -> SCALAR packed checkpoint.

Shards are streamed one at a time (torch ``mmap=True, weights_only=True``); each binarized linear
is packed as soon as its weight/wscale/wbias have been read, so a 7B fp32 checkpoint (27 GB)
converts within 24 GiB of RAM. The output folder gets ``model.packed.safetensors`` plus the
config and tokenizer files, each written atomically.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from scalar.errors import InputError
from scalar.local.checkpoint import (
    PACKED_FILE,
    PACKED_FORMAT,
    PACKED_VERSION,
    CheckpointError,
    load_weights,
    read_config,
)
from scalar.local.models import model_config
from scalar.local.tokenizer import TOKENIZER_FILE, load_tokenizer

SIDE_FILES = ("config.json", "generation_config.json", TOKENIZER_FILE, "tokenizer_config.json",
              "special_tokens_map.json", "tokenizer.json")


def convert_checkpoint(kind: str, src, out, *, progress=None) -> dict:
    """Convert ``src`` (published layout) into a packed folder ``out``; returns a summary."""
    started = time.perf_counter()
    src = Path(src).expanduser()
    out = Path(out).expanduser()
    config = read_config(src)
    typed = model_config(kind, config)  # unknown kind / architecture fail here, before any reading
    load_tokenizer(src)  # a packed folder without its tokenizer could not be evaluated
    if out.resolve() == src.resolve():
        raise InputError("--out must be a different folder than the source checkpoint")
    weights = load_weights(src, typed.spec(), kind=kind, progress=progress)
    if weights.source == "packed":
        raise CheckpointError(f"{src} is already a packed checkpoint")
    tensors: dict[str, np.ndarray] = {}
    zeros = 0
    for prefix, layer in sorted(weights.linears.items()):
        tensors[f"{prefix}.signs"] = layer.packed
        tensors[f"{prefix}.wscale"] = layer.alpha
        tensors[f"{prefix}.wbias"] = layer.beta
        tensors[f"{prefix}.zeros"] = layer.zeros
        zeros += len(layer.zeros)
    for name, array in sorted(weights.dense.items()):
        tensors[name] = np.ascontiguousarray(array, dtype=np.float32)
    if progress:
        progress(f"writing {out / PACKED_FILE}")
    out.mkdir(parents=True, exist_ok=True)
    _save_atomic(out / PACKED_FILE, tensors, {"format": PACKED_FORMAT, "version": PACKED_VERSION, "kind": kind,
                                              "source_format": weights.source})
    for name in SIDE_FILES:
        if (src / name).is_file():
            _copy_atomic(src / name, out / name)
    packed_bytes = sum(layer.nbytes for layer in weights.linears.values())
    return {"kind": kind, "out": str(out), "linears": len(weights.linears), "dense_tensors": len(weights.dense),
            "binarized_params": int(sum(l.out_features * l.in_features for l in weights.linears.values())),
            "packed_linear_bytes": int(packed_bytes), "file_bytes": (out / PACKED_FILE).stat().st_size,
            "exact_zero_weights": zeros, "seconds": round(time.perf_counter() - started, 2)}


def _save_atomic(path: Path, tensors: dict, metadata: dict) -> None:
    from safetensors.numpy import save_file

    tmp = path.with_name(f".{path.name}.tmp")
    try:
        save_file(tensors, str(tmp), metadata=metadata)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _copy_atomic(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)
