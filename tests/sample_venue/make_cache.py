"""Regenerate the sample venue's bundled cache (``scalar/data/sample/cache.jsonl``, package data)
from the readable sources in ``sources/``.

    python tests/sample_venue/make_cache.py            # rewrite the bundled cache.jsonl
    python tests/sample_venue/make_cache.py --check    # exit 1 if it is out of date

How: the synthetic papers are rendered into the responses the live services give
(``sample_services.py``), served through the ``responses`` library, and the real pipeline runs
``scalar build --venue sample`` in record mode against them. The cache therefore holds exactly the
URLs the live clients request, and ``scalar build --venue sample --offline`` replays them through
the same code path. Needs the test dependencies (``pip install -e ".[test]"``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The checkout's copy (not an installed one): this script edits the source tree.
CACHE = HERE.parents[1] / "scalar" / "data" / "sample" / "cache.jsonl"


def record(cache_jsonl: Path, *, out: Path | None = None, services=None) -> int:
    """Run the pipeline in record mode against the sample services; export the cache."""
    import responses

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parents[1]))  # this checkout's scalar package
    from sample_services import SampleServices

    from scalar.crawl.replay import export_jsonl
    from scalar.generate.venue_release import run_build
    from scalar.sources.http import FakeClock, RateLimits

    services = services or SampleServices()
    with tempfile.TemporaryDirectory(prefix="scalar-sample-") as tmp:
        db = Path(tmp) / "cache.sqlite"
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            services.register(rsps)
            run_build("sample", out or Path(tmp) / "release", offline=False, cache=db, progress=False,
                      limits=RateLimits(clock=FakeClock()))  # mocked services: no pacing needed
        return export_jsonl(db, cache_jsonl)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that cache.jsonl is up to date")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "cache.jsonl"
            record(fresh)
            same = CACHE.is_file() and fresh.read_bytes() == CACHE.read_bytes()
        print("cache.jsonl is up to date" if same else "cache.jsonl is OUT OF DATE: run tests/sample_venue/make_cache.py")
        return 0 if same else 1
    n = record(CACHE)
    print(f"wrote {n} responses to {CACHE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
