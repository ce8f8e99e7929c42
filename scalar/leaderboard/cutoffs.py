"""Knowledge-cutoff registry: model name -> the date after which its training data ends.

Two layers: the bundled `scalar/data/model_cutoffs.json` (package data) and an optional user file (`--cutoffs`) whose
entries win. Both have the same shape::

    {"schema_version": 1,
     "models": {"openai/gpt-4o-mini": {"cutoff": "2023-10", "source": "..."},
                "claude-3-5-haiku-*": {"cutoff": "2024-07-31"}}}

A cutoff is ``YYYY-MM-DD`` or ``YYYY-MM`` (read as the last day of that month). A question is "clean"
for a model when it was first public strictly after the cutoff. Lookup order for a model name:
the exact name, then the name without its provider prefixes (``openai/gpt-4o`` -> ``gpt-4o``), then
glob patterns (``*``), most specific (longest) pattern first.
"""

from __future__ import annotations

import calendar
import fnmatch
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scalar.errors import ConfigError

__all__ = ["Cutoff", "CutoffRegistry", "bundled_cutoffs", "parse_cutoff_date"]


def bundled_cutoffs() -> Path:
    """The cutoffs file shipped with the package; ConfigError when the installation lacks it (every
    model would otherwise silently get cutoff "unknown")."""
    from scalar.data import MODEL_CUTOFFS, bundled_file

    return bundled_file(MODEL_CUTOFFS)


@dataclass(frozen=True)
class Cutoff:
    date: date
    origin: str  # "registry" | "user"
    source: str | None = None


def parse_cutoff_date(text: str) -> date:
    """``YYYY-MM-DD`` -> that day; ``YYYY-MM`` -> the month's last day. ValueError otherwise."""
    text = str(text).strip()
    parts = text.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        y, m = int(parts[0]), int(parts[1])
        return date(y, m, calendar.monthrange(y, m)[1])
    return date.fromisoformat(text)


class CutoffRegistry:
    def __init__(self, entries: dict[str, Cutoff] | None = None):
        self.entries: dict[str, Cutoff] = dict(entries or {})

    @classmethod
    def load(cls, user_file: str | Path | None = None, *, bundled: bool = True) -> CutoffRegistry:
        """The bundled registry (unless ``bundled=False``) overlaid with ``user_file``. A missing
        bundled or user file is a ConfigError."""
        entries: dict[str, Cutoff] = {}
        if bundled:
            entries.update(_read(bundled_cutoffs(), "registry"))
        if user_file is not None:
            path = Path(user_file)
            if not path.is_file():
                raise ConfigError(f"cutoffs file not found: {path}")
            entries.update(_read(path, "user"))
        return cls(entries)

    def lookup(self, model: str) -> Cutoff | None:
        names = _suffixes(model)
        for name in names:
            if name in self.entries:
                return self.entries[name]
        patterns = sorted((k for k in self.entries if "*" in k or "?" in k), key=lambda k: (-len(k), k))
        for pat in patterns:
            if any(fnmatch.fnmatchcase(name, pat) for name in names):
                return self.entries[pat]
        return None


def _suffixes(model: str) -> list[str]:
    """``openrouter/openai/gpt-4o`` -> [itself, ``openai/gpt-4o``, ``gpt-4o``]: provider prefixes off."""
    parts = model.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


def _read(path: Path, origin: str) -> dict[str, Cutoff]:
    """Parse one cutoffs file; any defect is a ConfigError naming the file and the entry."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read cutoffs file {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"cutoffs file {path} is not valid JSON: {e.msg} at line {e.lineno}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise ConfigError(f"cutoffs file {path} must be an object with a \"models\" object")
    out: dict[str, Cutoff] = {}
    for name, entry in doc["models"].items():
        if isinstance(entry, str):  # shorthand: "model": "2024-06"
            entry = {"cutoff": entry}
        if not isinstance(entry, dict) or "cutoff" not in entry:
            raise ConfigError(f"cutoffs file {path}: entry {name!r} needs a \"cutoff\" date")
        try:
            when = parse_cutoff_date(entry["cutoff"])
        except (ValueError, TypeError):
            raise ConfigError(f"cutoffs file {path}: entry {name!r} has bad cutoff {entry['cutoff']!r} "
                              "(expected YYYY-MM-DD or YYYY-MM)") from None
        source = entry.get("source")
        out[str(name)] = Cutoff(date=when, origin=origin, source=str(source) if source else None)
    return out
