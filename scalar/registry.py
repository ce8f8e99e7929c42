"""One small registry mechanism: names -> lazily imported factories.

An entry is a ``"package.module:attr"`` string (imported on first use, so registering costs
nothing) or the object itself. Used for model families now (``scalar.models``); venues and tasks
can adopt it the same way. An unknown name is a ConfigError listing the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Generic, TypeVar

from scalar.errors import ConfigError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """``kind`` names what is registered ("model family", "venue") in error messages."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, str | T] = {}

    def register(self, name: str, target: str | T) -> None:
        """Add (or replace) ``name``; ``target`` is ``"module:attr"`` or the object itself."""
        if isinstance(target, str) and ":" not in target:
            raise ValueError(f"a lazy {self.kind} entry is 'module:attr', got {target!r}")
        self._entries[name] = target

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> T:
        """The registered object, importing it on first use."""
        if name not in self._entries:
            raise self.unknown(name)
        target = self._entries[name]
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module), attr)
            self._entries[name] = target
        return target  # type: ignore[return-value]

    def unknown(self, name: str) -> ConfigError:
        known = ", ".join(self.names()) or "none"
        return ConfigError(f"unknown {self.kind} {name!r}; known: {known}")
