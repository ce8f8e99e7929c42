"""Cost of the HTTP cache on a replay, side by side with baselines.

    python benchmarks/bench_http_cache.py [--n 300] [--kb 600] [--runs 5]

``n`` LaTeXML-sized bodies (``kb`` each, the size of a typical arxiv.org/html page) are recorded
through ``make_session`` against the ``responses`` library, then read back. Printed (medians of
``runs``): a replay through ``make_session(..., "replay")`` (SQLite lookup + Response build +
requests' session machinery), the same GETs through a plain ``requests.Session`` served by
``responses`` (no cache: the floor of requests' own machinery), reading the same bytes from one
file each on disk, and the ratios. A live arXiv fetch costs >= 3 s by policy, so any of these is
noise next to it; the point is that an offline rebuild is bounded by parsing, not by the cache.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from _timing import median_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--kb", type=int, default=600)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    import requests
    import responses

    from scalar.sources.http import FakeClock, RateLimits, make_session

    chunk = b'<div class="ltx_para"><p class="ltx_p">' + b"x" * 200 + b"</p></div>\n"
    body = b"<!DOCTYPE html><html><body class='ltx_document'>" + chunk * (args.kb * 1024 // len(chunk)) + b"</body></html>"
    urls = [f"https://arxiv.org/html/2401.{i:05d}v1" for i in range(args.n)]

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "http.sqlite"
        limits = RateLimits(clock=FakeClock())  # recording paces on a fake clock: no 3 s sleeps
        t = time.perf_counter()
        with responses.RequestsMock() as rs:
            for u in urls:
                rs.get(u, body=body, content_type="text/html")
            rec = make_session(db, limits=limits)
            for u in urls:
                rec.get(u)
        record_s = time.perf_counter() - t
        files = Path(tmp) / "files"
        files.mkdir()
        for i in range(args.n):
            (files / f"{i}.html").write_bytes(body)

        replay = make_session(db, "replay")

        def via_cache():
            for u in urls:
                assert len(replay.get(u).content) == len(body)

        def via_requests():
            with responses.RequestsMock() as rs:  # one regex route: no per-URL matching cost
                rs.add_callback("GET", re.compile(r"https://arxiv\.org/html/.*"),
                                callback=lambda r: (200, {"Content-Type": "text/html"}, body))
                plain = requests.Session()
                for u in urls:
                    assert len(plain.get(u).content) == len(body)

        def via_files():
            for i in range(args.n):
                assert len((files / f"{i}.html").read_bytes()) == len(body)

        cache_s = median_time(via_cache, args.runs)
        requests_s = median_time(via_requests, args.runs)
        files_s = median_time(via_files, args.runs)
        size_mb = os.path.getsize(db) / 2**20

    per = lambda s: 1000 * s / args.n  # noqa: E731
    print(f"{args.n} responses of {len(body) / 1024:.0f} KB; cache file {size_mb:.0f} MB; medians of {args.runs} runs")
    print(f"  record (fetch via responses + store)  {per(record_s):7.3f} ms/request (one run)")
    print(f"  replay through make_session           {per(cache_s):7.3f} ms/request")
    print(f"  plain requests.Session + responses    {per(requests_s):7.3f} ms/request   cache/plain = {cache_s / requests_s:.2f}x")
    print(f"  read_bytes of one file each           {per(files_s):7.3f} ms/request   cache/files = {cache_s / files_s:.2f}x")
    print(f"  a live arXiv request is paced at 3000 ms: replay is {3000 / per(cache_s):.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
