"""Venue registry: a short name (``iclr2025``) -> where its accepted papers are listed.

The registry is data, not code: ``venues.toml`` next to this module (read with
``importlib.resources``) holds one ``[venue.<name>]`` table per venue, and a user file named by the
``SCALAR_VENUES`` environment variable or passed as ``user_file`` (the CLI's ``--venues-file``; TOML,
or JSON of the same shape) adds venues or replaces bundled ones of the same name. Every entry is validated by :class:`Venue`; a bad file is one clear
line naming the file, the venue and the field. ``source="openreview"`` venues are crawled live
(through the HTTP cache); ``source="sample"`` is the bundled synthetic venue whose responses ship in
``scalar/data/sample/`` (package data) and which is built offline by default. Both go through the same pipeline.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scalar.errors import ConfigError
from scalar.registry import Registry

OPENREVIEW_API = "https://api2.openreview.net"
#: Environment variable naming a user registry file (added to the bundled venues).
USER_FILE_ENV = "SCALAR_VENUES"
BUNDLED_FILE = "venues.toml"
FORMAT = 1

Tier = Literal["oral", "spotlight", "poster"]


class Venue(BaseModel):
    """One registry entry (``name`` is the table's key in the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)  # registry key, e.g. "iclr2025"
    venue_id: str = Field(min_length=3)  # OpenReview content.venueid of accepted main-track papers
    year: int = Field(ge=1980, le=2100)
    source: Literal["openreview", "sample"] = "openreview"
    baseurl: str = OPENREVIEW_API  # always passed to openreview-py (its default is localhost)
    title: str = ""  # human-readable, e.g. "ICLR 2025"
    #: Extra presentation strings -> tier, for wording the built-in table
    #: (``scalar.sources.openreview.PRESENTATIONS``) does not know.
    presentations: dict[str, Tier] = Field(default_factory=dict)
    origin: str = Field(default="bundled", exclude=True)  # where the entry came from (for `scalar venues`)

    def __hash__(self) -> int:  # frozen, but ``presentations`` is a dict: hash what identifies the venue
        return hash((self.name, self.venue_id, self.year, self.source, self.baseurl))

    @field_validator("baseurl")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return v.rstrip("/")

    @property
    def default_cache(self) -> Path | None:
        """The bundled replay cache for the sample venue (ConfigError if the installation lacks
        it); None for live venues."""
        if self.source == "sample":
            from scalar.data import SAMPLE_CACHE, bundled_file

            return bundled_file(SAMPLE_CACHE)
        return None


# ----------------------------------------------------------------------------- loading


def parse_registry(data: Any, origin: str) -> dict[str, Venue]:
    """``{"format": 1, "venue": {name: {field: value}}}`` -> name -> Venue (raises ConfigError)."""
    if not isinstance(data, dict):
        raise ConfigError(f"venue registry {origin}: expected a table of venues")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise ConfigError(f"venue registry {origin}: format {fmt!r} is not supported (this SCALAR reads {FORMAT})")
    unknown = sorted(set(data) - {"format", "venue"})
    if unknown:
        raise ConfigError(f"venue registry {origin}: unknown top-level key {unknown[0]!r} (venues go under [venue.<name>])")
    entries = data.get("venue", {})
    if not isinstance(entries, dict):
        raise ConfigError(f"venue registry {origin}: 'venue' must be a table of [venue.<name>] tables")
    out: dict[str, Venue] = {}
    for raw_name, fields in entries.items():
        name = str(raw_name).strip().lower()
        if not isinstance(fields, dict):
            raise ConfigError(f"venue registry {origin}: venue {raw_name!r} must be a table of fields")
        if name in out:
            raise ConfigError(f"venue registry {origin}: venue {name!r} is defined twice")
        try:
            out[name] = Venue(name=name, origin=origin, **fields)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            raise ConfigError(f"venue registry {origin}: venue {raw_name!r}: {where}: {err['msg']}") from None
        except TypeError as e:  # a field name that is not a string
            raise ConfigError(f"venue registry {origin}: venue {raw_name!r}: {e}") from None
    return out


def _read(text: str, origin: str, *, json_format: bool = False) -> dict[str, Venue]:
    if json_format:
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ConfigError(f"venue registry {origin} is not valid JSON: {e}") from None
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"venue registry {origin} is not valid TOML: {e}") from None
    return parse_registry(data, origin)


@lru_cache(maxsize=1)
def bundled_venues() -> dict[str, Venue]:
    """The venues shipped with SCALAR (``scalar/crawl/venues.toml``)."""
    from importlib.resources import files

    text = files("scalar.crawl").joinpath(BUNDLED_FILE).read_text(encoding="utf-8")
    return _read(text, "bundled")


def user_venues(path: str | Path | None = None) -> dict[str, Venue]:
    """The venues of a user file (``path``, e.g. `scalar build --venues-file`, which takes the place
    of ``$SCALAR_VENUES``; else ``$SCALAR_VENUES``); empty when neither is set."""
    origin = ""
    if path is None:
        path = os.environ.get(USER_FILE_ENV, "").strip() or None
        origin = f" (from {USER_FILE_ENV})"
    if path is None:
        return {}
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"venue registry {p}{origin} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"venue registry {p}{origin} is a folder; name a .toml or .json file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the venue registry {p}: {e}") from None
    return _read(text, str(p), json_format=p.suffix.lower() == ".json")


def registry(user_file: str | Path | None = None) -> Registry[Venue]:
    """Every venue: the bundled ones, then the user file's (which win on a shared name)."""
    venues: Registry[Venue] = Registry("venue")
    for name, venue in {**bundled_venues(), **user_venues(user_file)}.items():
        venues.register(name, venue)
    return venues


def all_venues(user_file: str | Path | None = None) -> list[Venue]:
    venues = registry(user_file)
    return sorted((venues.get(n) for n in venues.names()), key=lambda v: (v.source != "openreview", v.name))


def get_venue(name: str, user_file: str | Path | None = None) -> Venue:
    venues = registry(user_file)
    key = name.strip().lower()
    if key not in venues:
        raise ConfigError(f"{venues.unknown(name)} (add one in a file named by {USER_FILE_ENV})")
    return venues.get(key)
