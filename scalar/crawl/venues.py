"""Venue registry: a short name (``iclr2025``) -> where its accepted papers are listed.

A new venue is one entry in ``_VENUES``. ``source="openreview"`` venues are crawled live (through the
HTTP cache); ``source="sample"`` is the bundled synthetic venue whose recorded responses ship as
package data (``scalar/data/sample/cache.jsonl``) and which is built offline by default. Both go through the same pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from scalar.errors import ConfigError

OPENREVIEW_API = "https://api2.openreview.net"


class Venue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str  # registry key, e.g. "iclr2025"
    venue_id: str  # OpenReview content.venueid of accepted main-track papers
    year: int
    source: Literal["openreview", "sample"] = "openreview"
    baseurl: str = OPENREVIEW_API  # always passed to openreview-py (its default is localhost)
    title: str = ""  # human-readable, e.g. "ICLR 2025"

    @property
    def default_cache(self) -> Path | None:
        """The bundled replay cache for the sample venue (ConfigError if the installation lacks
        it); None for live venues."""
        if self.source == "sample":
            from scalar.data import SAMPLE_CACHE, bundled_file

            return bundled_file(SAMPLE_CACHE)
        return None


_VENUES: tuple[Venue, ...] = (
    Venue(name="iclr2024", venue_id="ICLR.cc/2024/Conference", year=2024, title="ICLR 2024"),
    Venue(name="iclr2025", venue_id="ICLR.cc/2025/Conference", year=2025, title="ICLR 2025"),
    Venue(name="iclr2026", venue_id="ICLR.cc/2026/Conference", year=2026, title="ICLR 2026"),
    Venue(name="neurips2024", venue_id="NeurIPS.cc/2024/Conference", year=2024, title="NeurIPS 2024"),
    Venue(name="neurips2025", venue_id="NeurIPS.cc/2025/Conference", year=2025, title="NeurIPS 2025"),
    Venue(name="icml2024", venue_id="ICML.cc/2024/Conference", year=2024, title="ICML 2024"),
    Venue(name="icml2025", venue_id="ICML.cc/2025/Conference", year=2025, title="ICML 2025"),
    # Synthetic venue: a dozen short papers written for SCALAR, whose responses ship in scalar/data/sample/.
    Venue(name="sample", venue_id="SCALAR.cc/2025/Sample_Venue", year=2025, source="sample",
          title="Synthetic sample"),
)


def all_venues() -> list[Venue]:
    return sorted(_VENUES, key=lambda v: (v.source != "openreview", v.name))


def get_venue(name: str) -> Venue:
    key = name.strip().lower()
    for v in _VENUES:
        if v.name == key:
            return v
    known = ", ".join(v.name for v in all_venues())
    raise ConfigError(f"unknown venue {name!r}; known venues: {known}")
