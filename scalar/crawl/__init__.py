"""The crawl: a venue's accepted papers -> citing papers with the parsed texts of their cited works,
through the HTTP cache (``scalar.sources``) and the parsers (``scalar.parse``).

Venues are data (``venues.toml``, or a user file named by ``SCALAR_VENUES``); ``get_venue`` and
``all_venues`` read the registry. ``Crawl`` runs the stages; ``scalar.generate.run_build`` turns its
result into a release.
"""

from scalar._util.lazy import lazy_exports

_EXPORTS = {
    "Venue": "scalar.crawl.venues",
    "get_venue": "scalar.crawl.venues",
    "all_venues": "scalar.crawl.venues",
    "Crawl": "scalar.crawl.pipeline",
    "CrawlRecord": "scalar.crawl.pipeline",
    "default_cache_path": "scalar.crawl.pipeline",
    "open_cache": "scalar.crawl.pipeline",
    "export_jsonl": "scalar.crawl.replay",
    "import_jsonl": "scalar.crawl.replay",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
