"""Files shipped inside the package (declared as package data in pyproject.toml).

The one place that knows where bundled data lives: callers ask for a file by its name under
``scalar/data/`` and get a filesystem path, found through ``importlib.resources`` so that it works
the same from a source checkout, an editable install and an installed wheel. A missing file is a
broken installation and raises a ConfigError naming it; callers never fall back to empty data.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from scalar.errors import ConfigError

__all__ = ["MODEL_CUTOFFS", "SAMPLE_CACHE", "bundled_file"]

MODEL_CUTOFFS = "model_cutoffs.json"  # knowledge-cutoff registry (leaderboard/cutoffs.py)
SAMPLE_CACHE = "sample/cache.jsonl"  # the sample venue's recorded HTTP responses (crawl/venues.py)


def bundled_file(name: str) -> Path:
    """Path of the bundled file ``scalar/data/<name>``; ConfigError when the installation lacks it."""
    resource = files(__name__).joinpath(*name.split("/"))
    # Wheels and source trees install package data as plain files, so the resource is a real path;
    # a zipped install (zipimport) has none and is not supported.
    path = Path(str(resource))
    if not resource.is_file() or not path.is_file():
        raise ConfigError(f"bundled data file scalar/data/{name} is missing from this installation "
                          f"({path}); reinstall scalar-bench")
    return path
