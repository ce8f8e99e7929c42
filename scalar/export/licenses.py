"""Licences of the citing papers, as their sources state them (kept by the crawler on
``Paper.license``), and the Hub's licence identifier for the whole dataset."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

# OpenReview's wording -> the Hub's identifier (https://huggingface.co/docs/hub/repositories-licenses).
HUB_IDS = {
    "cc by 4.0": "cc-by-4.0", "cc by-sa 4.0": "cc-by-sa-4.0", "cc by-nc 4.0": "cc-by-nc-4.0",
    "cc by-nc-sa 4.0": "cc-by-nc-sa-4.0", "cc by-nd 4.0": "cc-by-nd-4.0", "cc by-nc-nd 4.0": "cc-by-nc-nd-4.0",
    "cc0 1.0": "cc0-1.0", "cc zero": "cc0-1.0",
}
_URL = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.I)


def hub_id(text: str | None) -> str | None:
    """"CC BY 4.0" or "http://creativecommons.org/licenses/by/4.0/" -> "cc-by-4.0"; None if unknown."""
    if not text:
        return None
    m = _URL.search(text)
    if m:
        kind = m.group(2).lower()
        return "cc0-1.0" if kind == "zero" else f"cc-{kind}-{m.group(3)}"
    return HUB_IDS.get(" ".join(text.lower().replace("-", "-").split()))


def paper_licenses(release_dir: Path) -> dict[str, str | None]:
    """arXiv id (no version) -> the licence its Paper records, for every paper in papers/."""
    out: dict[str, str | None] = {}
    folder = release_dir / "papers"
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        key = str(doc.get("arxiv_id") or path.stem)
        out[key] = doc.get("license")
    return out


def license_of(paper: str, licenses: dict[str, str | None]) -> str | None:
    base = re.sub(r"v\d+$", "", paper)
    return licenses.get(base, licenses.get(paper))


def dataset_license(per_paper: list[str | None]) -> str:
    """One Hub id when every citing paper states the same known licence, else "other"."""
    ids = Counter(hub_id(x) for x in per_paper)
    if len(ids) == 1:
        (only,) = ids
        if only:
            return only
    return "other"


__all__ = ["dataset_license", "hub_id", "license_of", "paper_licenses"]
