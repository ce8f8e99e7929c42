"""Crawl memory: peak RSS of `scalar build`'s crawl at 32 / 64 / 128 citing papers, parsed papers
kept on disk (PaperStore, what the build does) vs kept in memory (the previous behaviour), side by
side in one run.

Data: the 128 real parsed citing papers of ../shared/reference/scalar-release-128 with the full
texts of their cited works (about 100 MB of JSON). The crawl (scalar.crawl.pipeline.Crawl) runs for
real; only the services are replaced: the listing, arXiv metadata and reference resolution answer
from the release, and each "fetched page" is the paper's JSON, "parsed" into a fresh Paper (as the
parser would). Each size and mode runs in a fresh interpreter; after the crawl the citing papers
are read back once, one at a time (as generation consumes them). Peak RSS is ru_maxrss.

    python benchmarks/bench_crawl_memory.py [--sizes 32 64 128] [--src DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "reference" / "scalar-release-128"


# ----------------------------------------------------------------------------- corpus


def prepare(src: Path, out: Path) -> int:
    """The release's papers as "pages": citing/<id>.json and cited/<id>.json (Paper JSON), and
    index.json (listing order, titles). Returns the number of citing papers."""
    from scalar.reference._original_format import load_json, paper_files
    from scalar.reference._original_papers import original_paper_to_citing

    (out / "citing").mkdir(parents=True)
    (out / "cited").mkdir()
    listing, titles = [], {}
    for i, path in enumerate(paper_files(src / "data")):
        cp = original_paper_to_citing(load_json(path))
        ids = {}
        for key, cited in cp.cited.items():
            # a cited work keeps its arXiv id; works without one get a stable stand-in
            ids[key] = cited.arxiv_id or f"x{i:03d}.{len(ids):05d}"
            target = out / "cited" / f"{ids[key]}.json"
            if not target.exists():
                target.write_text(cited.model_dump_json())
                titles[ids[key]] = cited.title
        refs = [r.model_copy(update={"arxiv_id": ids.get(r.key)}) for r in cp.paper.references]
        paper = cp.paper.model_copy(update={"references": refs})
        (out / "citing" / f"{paper.arxiv_id}.json").write_text(paper.model_dump_json())
        listing.append({"arxiv_id": paper.arxiv_id, "title": paper.title})
        titles[paper.arxiv_id] = paper.title
    (out / "index.json").write_text(json.dumps({"listing": listing, "titles": titles}))
    return len(listing)


# ----------------------------------------------------------------------------- one measured crawl


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(corpus: Path, n: int, mode: str) -> None:
    import resource
    from datetime import date, datetime, timezone

    import scalar.crawl.pipeline as pipeline
    import scalar.sources.arxiv as arxiv_src
    import scalar.sources.fulltext as fulltext
    import scalar.sources.openreview as openreview
    import scalar.sources.references as references
    from scalar._util.progress import StageProgress
    from scalar.crawl.store import MemoryPaperStore, PaperStore
    from scalar.crawl.venues import get_venue
    from scalar.schema import Paper
    from scalar.sources.http import make_session

    index = json.loads((corpus / "index.json").read_text())
    titles = index["titles"]
    when = datetime(2024, 10, 1, tzinfo=timezone.utc)

    def listing(venue_id, session, *, baseurl=None, presentations=None):
        return [openreview.VenuePaper(forum_id=f"forum{i:04d}", title=p["title"], arxiv_id=p["arxiv_id"],
                                      presentation="poster", public_date=date(2024, 10, 1), venue_id=venue_id)
                for i, p in enumerate(index["listing"][:n])]

    def metadata(ids, client, **kw):
        return {i: arxiv_src.ArxivMeta(arxiv_id=i, version="v1", title=titles.get(i, ""), published=when,
                                       updated=when) for i in ids}

    def resolve(paper, session, client, **kw):
        return {r.key: references.Resolution(key=r.key, arxiv_id=r.arxiv_id, how="entry")
                for r in paper.references if r.arxiv_id}

    def fetch(arxiv_id, version, session, **kw):
        where = corpus / ("citing" if (corpus / "citing" / f"{arxiv_id}.json").exists() else "cited")
        return fulltext.FullText(source="arxiv-html", url=f"https://arxiv.org/html/{arxiv_id}",
                                 content=(where / f"{arxiv_id}.json").read_bytes(), arxiv_id=arxiv_id, version=version)

    openreview.list_accepted_papers = listing
    arxiv_src.fetch_metadata = metadata
    references.resolve_references = resolve
    fulltext.fetch_fulltext = fetch
    pipeline._parse = lambda ft, require_bibliography: Paper.model_validate_json(ft.content)

    session = make_session(None, "record")
    baseline = _rss_mb()
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = PaperStore(dir=tmp) if mode == "disk" else MemoryPaperStore()
        with StageProgress(enabled=False) as bars:
            crawl = pipeline.Crawl(get_venue("iclr2025"), session, bars, since=None, limit=None, store=store)
            citing = crawl.run()
        after_crawl = _rss_mb()
        words = 0
        for cp in citing:  # generation's view: one citing paper at a time
            words += sum(len(p.text.split()) for s in cp.paper.sections for p in s.paragraphs)
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "mode": mode, "used": len(citing), "baseline_mb": baseline, "after_crawl_mb": after_crawl,
                      "peak_mb": peak, "seconds": time.perf_counter() - t, "words": words}))


# ----------------------------------------------------------------------------- driver


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--child", nargs=3, metavar=("CORPUS", "N", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]), args.child[2])
        return
    if not (args.src / "data" / "paper_obj_anno").is_dir():
        sys.exit(f"bench_crawl_memory: {args.src} has no data/paper_obj_anno (the scalar-release-128 reference)")
    with tempfile.TemporaryDirectory(prefix="scalar-bench-crawl-") as tmp:
        t = time.perf_counter()
        total = prepare(args.src, Path(tmp))
        print(f"corpus: {total} citing papers from {args.src} ({time.perf_counter() - t:.0f} s to prepare)")
        rows = []
        for n in args.sizes:
            for mode in ("disk", "memory"):
                r = subprocess.run([sys.executable, __file__, "--child", tmp, str(min(n, total)), mode],
                                   capture_output=True, text=True, check=True)
                rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(f"{'papers':>6} {'used':>5} | {'disk: peak MB':>13} {'(+crawl)':>9} | {'memory: peak MB':>15} {'(+crawl)':>9} | ratio")
    for n in args.sizes:
        d = next(r for r in rows if r["n"] == min(n, total) and r["mode"] == "disk")
        m = next(r for r in rows if r["n"] == min(n, total) and r["mode"] == "memory")
        print(f"{n:>6} {d['used']:>5} | {d['peak_mb']:>13.0f} {d['peak_mb'] - d['baseline_mb']:>+9.0f} | "
              f"{m['peak_mb']:>15.0f} {m['peak_mb'] - m['baseline_mb']:>+9.0f} | "
              f"{(m['peak_mb'] - m['baseline_mb']) / max(1.0, d['peak_mb'] - d['baseline_mb']):.1f}x")


if __name__ == "__main__":
    main()
