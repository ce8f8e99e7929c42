"""Reading checkpoints: the published layouts (torch ``.bin`` pickles, single or sharded with an
index json, or safetensors) and SCALAR's packed format.

Published files hold fp32 *latent* weights of every binarized linear (``X.weight``, ``X.wscale``,
``X.wbias``). They are read one shard at a time (torch ``mmap=True, weights_only=True``) and each
linear is packed to sign bits as soon as its three tensors have been seen, so the dense latent
matrices are never all in memory at once.

Packed format (``model.packed.safetensors``, readable with safetensors+numpy, no torch):
``X.signs`` uint8 (out, padded_in/8), ``X.wscale`` / ``X.wbias`` float32 (in,),
``X.zeros`` int64 (n, 2) exact-zero latent weights; every other tensor as float32 under its
published name. Metadata: ``format = scalar-packed-1bit``, ``kind``, ``version``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scalar.errors import ConfigError, InputError
from scalar.local.binary import BinaryLinear
from scalar.local.pack import padded_width

PACKED_FILE = "model.packed.safetensors"
PACKED_FORMAT = "scalar-packed-1bit"
PACKED_VERSION = "1"
LINEAR_PARTS = ("weight", "wscale", "wbias")
# Wrappers that training code (Lightning Fabric, FSDP, DDP) may leave in front of key names.
WRAPPER_PREFIXES = ("_forward_module.", "module.", "_fsdp_wrapped_module.", "_checkpoint_wrapped_module.")


class CheckpointError(InputError):
    """A checkpoint folder is incomplete or does not match the model it claims to be."""


@dataclass
class ModelSpec:
    """What a model's state dict must contain."""

    dense: dict[str, tuple[int, ...]]  # full-precision tensors and their shapes
    binary: dict[str, tuple[int, int]]  # binarized linear prefix -> (out, in)
    optional: set[str] = field(default_factory=set)  # dense keys that may be absent
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings -> canonical name
    ignore: Callable[[str], bool] = lambda name: False


@dataclass
class Weights:
    dense: dict[str, np.ndarray]
    linears: dict[str, BinaryLinear]
    source: str  # "packed", "bin" or "safetensors"


def read_config(folder: Path) -> dict:
    path = folder / "config.json"
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint folder {folder} does not exist")
    if not path.is_file():
        raise CheckpointError(f"{folder} has no config.json")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path} must hold a JSON object")
    return config


def weight_files(folder: Path) -> tuple[str, list[Path]]:
    """(format, files) of a checkpoint folder; missing shards are an error."""
    if (folder / PACKED_FILE).is_file():
        return "packed", [folder / PACKED_FILE]
    for index_name, fmt in (("model.safetensors.index.json", "safetensors"),
                            ("pytorch_model.bin.index.json", "bin")):
        index = folder / index_name
        if index.is_file():
            try:
                weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise CheckpointError(f"{index} is not a valid shard index: {e}") from None
            shards = sorted(set(weight_map.values()))
            missing = [s for s in shards if not (folder / s).is_file()]
            if missing:
                raise CheckpointError(f"{folder} is missing shard(s) listed in {index_name}: {', '.join(missing)}")
            return fmt, [folder / s for s in shards]
    for name, fmt in (("model.safetensors", "safetensors"), ("pytorch_model.bin", "bin")):
        if (folder / name).is_file():
            return fmt, [folder / name]
    raise CheckpointError(f"{folder} has no weights (expected {PACKED_FILE}, model.safetensors, "
                          "pytorch_model.bin or a shard index json)")


def _torch():
    try:
        import torch
    except ImportError:
        raise ConfigError("reading pytorch_model*.bin needs torch: pip install -e '.[convert]' "
                          "(or convert once elsewhere with `scalar convert`)") from None
    return torch


def iter_tensors(fmt: str, files: list[Path]) -> Iterator[tuple[str, np.ndarray]]:
    """(name, array) for every tensor, one file at a time."""
    for path in files:
        if fmt == "bin":
            torch = _torch()
            try:
                state = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
            except Exception as e:  # torch raises many types for a bad pickle
                raise CheckpointError(f"cannot read {path.name}: {' '.join(str(e).split())[:200]}") from None
            if not isinstance(state, dict):
                raise CheckpointError(f"{path.name} does not hold a state dict")
            for name in list(state):
                tensor = state.pop(name)
                if not hasattr(tensor, "numpy"):
                    raise CheckpointError(f"{path.name}: entry {name!r} is not a tensor")
                if tensor.dtype != torch.float32 and tensor.is_floating_point():
                    tensor = tensor.float()
                yield name, tensor.numpy()
            del state
        else:
            from safetensors import safe_open

            try:
                with safe_open(str(path), framework="numpy") as f:
                    for name in f.keys():
                        yield name, f.get_tensor(name)
            except (OSError, ValueError, TypeError) as e:
                raise CheckpointError(f"cannot read {path.name}: {' '.join(str(e).split())[:200]}") from None
            except Exception as e:  # safetensors' own SafetensorError (e.g. bf16 in numpy)
                if type(e).__name__ == "SafetensorError":
                    raise CheckpointError(f"cannot read {path.name}: {e}") from None
                raise


def packed_metadata(folder: Path) -> dict:
    from safetensors import safe_open

    path = folder / PACKED_FILE
    try:
        with safe_open(str(path), framework="numpy") as f:
            return dict(f.metadata() or {})
    except Exception as e:  # a truncated or foreign file: safetensors' own SafetensorError, OSError ...
        if isinstance(e, (OSError, ValueError, TypeError)) or type(e).__name__ == "SafetensorError":
            raise CheckpointError(f"cannot read {path} (truncated or not a packed checkpoint: "
                                  f"{' '.join(str(e).split())[:160]}); convert it again with `scalar convert`") from None
        raise


def _canonical(name: str, spec: ModelSpec) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in WRAPPER_PREFIXES:
            if name.startswith(prefix):
                name, changed = name[len(prefix):], True
    return spec.aliases.get(name, name)


def _split_linear(name: str, spec: ModelSpec, parts: tuple[str, ...]) -> tuple[str, str] | None:
    prefix, _, part = name.rpartition(".")
    if prefix in spec.binary and part in parts:
        return prefix, part
    return None


def _check_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    if tuple(array.shape) != tuple(shape):
        raise CheckpointError(f"tensor {name} has shape {list(array.shape)}, expected {list(shape)}")


def _check_linear_part(prefix: str, part: str, array: np.ndarray, shape: tuple[int, int]) -> None:
    out_f, in_f = shape
    if part == "weight":
        _check_shape(f"{prefix}.weight", array, (out_f, in_f))
    elif part in ("wscale", "wbias"):
        if tuple(array.shape) not in ((1, in_f), (in_f,)):
            raise CheckpointError(f"tensor {prefix}.{part} has shape {list(array.shape)}, expected [1, {in_f}]")
    elif part == "signs":
        _check_shape(f"{prefix}.signs", array, (out_f, padded_width(in_f) // 8))
    elif part == "zeros":
        if array.ndim != 2 or array.shape[1] != 2:
            raise CheckpointError(f"tensor {prefix}.zeros has shape {list(array.shape)}, expected [n, 2]")


def load_weights(folder: Path, spec: ModelSpec, *, kind: str,
                 progress: Callable[[str], None] | None = None) -> Weights:
    """Read, validate and pack a checkpoint folder against ``spec``."""
    fmt, files = weight_files(folder)
    if fmt == "packed":
        meta = packed_metadata(folder)
        if meta.get("format") != PACKED_FORMAT:
            raise CheckpointError(f"{folder / PACKED_FILE} is not a SCALAR packed checkpoint")
        if meta.get("kind") != kind:
            raise CheckpointError(f"{folder} holds a packed {meta.get('kind')!r} model, not {kind!r}")
        parts = ("signs", "wscale", "wbias", "zeros")
    else:
        parts = LINEAR_PARTS
    dense: dict[str, np.ndarray] = {}
    linears: dict[str, BinaryLinear] = {}
    pending: dict[str, dict[str, np.ndarray]] = {}
    unknown: list[str] = []
    needed = parts[:3]
    for file_index, path in enumerate(files):
        if progress:
            progress(f"reading {path.name} ({file_index + 1}/{len(files)})")
        for raw_name, array in iter_tensors("safetensors" if fmt == "packed" else fmt, [path]):
            name = _canonical(raw_name, spec)
            if spec.ignore(name):
                continue
            linear = _split_linear(name, spec, parts)
            if linear is not None:
                prefix, part = linear
                if prefix in linears:
                    raise CheckpointError(f"tensor {name} appears twice")
                _check_linear_part(prefix, part, array, spec.binary[prefix])
                held = pending.setdefault(prefix, {})
                held[part] = array
                if all(p in held for p in needed) and (fmt != "packed" or "zeros" in held):
                    linears[prefix] = _make_linear(pending.pop(prefix), fmt)
            elif name in spec.dense:
                _check_shape(name, array, spec.dense[name])
                dense[name] = np.array(array, dtype=np.float32)  # own copy: the shard is released
            else:
                unknown.append(raw_name)
    if unknown:
        shown = ", ".join(sorted(unknown)[:3]) + (f" (+{len(unknown) - 3} more)" if len(unknown) > 3 else "")
        raise CheckpointError(f"{folder}: unexpected tensor(s) for {kind}: {shown}")
    missing = [k for k in spec.dense if k not in dense and k not in spec.optional]
    for prefix in spec.binary:
        if prefix not in linears:
            have = pending.get(prefix, {})
            missing += [f"{prefix}.{p}" for p in (parts if fmt == "packed" else needed) if p not in have]
    if missing:
        shown = ", ".join(missing[:3]) + (f" (+{len(missing) - 3} more)" if len(missing) > 3 else "")
        raise CheckpointError(f"{folder}: missing tensor(s) for {kind}: {shown}")
    return Weights(dense=dense, linears=linears, source=fmt)


def _make_linear(parts: dict[str, np.ndarray], fmt: str) -> BinaryLinear:
    if fmt == "packed":
        return BinaryLinear(np.array(parts["signs"]), parts["wscale"], parts["wbias"], np.array(parts["zeros"]))
    return BinaryLinear.from_latent(parts["weight"], parts["wscale"], parts["wbias"])


def config_int(config: dict, key: str, default=None, *, source: str = "config.json") -> int:
    """An integer field of a config (integral floats such as 2048.0 accepted)."""
    value = config.get(key, default)
    if value is None:
        raise CheckpointError(f"{source} lacks {key!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise CheckpointError(f"{source}: {key!r} must be an integer, got {value!r}")
    return int(value)
