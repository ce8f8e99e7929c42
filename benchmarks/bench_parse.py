"""Parse time of a ~3 MB LaTeXML page against the 0.5 s target, side by side with baselines.

    python benchmarks/bench_parse.py [--mb 3] [--runs 7]

The page is built at run time: the body sections of the real ar5iv page in
../shared/reference/ar5iv/ (when present) or of the authored test page are repeated until the
page reaches the requested size. Printed: the median of several runs of
``scalar.parse.latexml.parse_html`` (bytes in, Paper out, validation included), the median of
a bare lxml tree build of the same bytes (the floor any lxml-based parser pays), BeautifulSoup
with html.parser when it is installed, and the ratios.

Then the real documents of ../shared/reference/real-services (when present), each side by side
with its floor: the raw arxiv.org/html page (parse_html vs a bare lxml build) and the arXiv PDF
1706.03762v7 (parse_pdf, tables included, vs PyMuPDF's bare rawdict text extraction of every
page).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "reference" / "ar5iv" / "2101.10318.html"
SERVICES = ROOT.parent / "shared" / "reference" / "real-services"
REAL_PAGE = SERVICES / "arxiv-html" / "2501.11120v1.html"
REAL_PDF = SERVICES / "pdf" / "1706.03762v7.pdf"
AUTHORED = ROOT / "tests" / "parse" / "data" / "numeric.html"


def build_page(target_bytes: int) -> tuple[bytes, str]:
    src_path = REAL if REAL.is_file() else AUTHORED
    src = src_path.read_text(encoding="utf-8")
    i = src.index('<section id="S1"')
    j = src.index('<section id="bib"')
    body = src[i:j]
    copies = max(1, (target_bytes - len(src.encode())) // len(body.encode()) + 1)
    page = src[:j] + body * copies + src[j:]
    return page.encode("utf-8"), f"{src_path.name} with its body repeated {copies}x"


from _timing import median_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)

    import lxml.etree

    from scalar.parse.latexml import parse_html

    data, how = build_page(int(args.mb * 1_000_000))
    paper = parse_html(data)  # warm-up, and the numbers below
    n_par = sum(len(s.paragraphs) for s in paper.sections)
    n_cit = sum(len(p.citations) for s in paper.sections for p in s.paragraphs)
    print(f"page: {len(data) / 1e6:.2f} MB ({how}); {len(paper.sections)} sections, "
          f"{n_par} paragraphs, {n_cit} citation spans, {len(paper.references)} references")

    def lxml_build():
        lxml.etree.fromstring(data, parser=lxml.etree.HTMLParser(encoding="utf-8"))

    # Interleaved, so both see the same machine load (the build machine is shared).
    parse_times, lxml_times = [], []
    for _ in range(args.runs):
        lxml_times.append(median_time(lxml_build, 1))
        parse_times.append(median_time(lambda: parse_html(data), 1))
    t_parse = statistics.median(parse_times)
    t_lxml = statistics.median(lxml_times)
    ratio = statistics.median(p / b for p, b in zip(parse_times, lxml_times))
    rows = [("scalar parse_html (lxml)", t_parse), ("bare lxml tree build", t_lxml)]
    try:
        import bs4  # noqa: F401

        t_bs4 = median_time(lambda: bs4.BeautifulSoup(data, "html.parser"), max(3, args.runs // 2))
        rows.append(("BeautifulSoup html.parser (tree only)", t_bs4))
    except ImportError:
        t_bs4 = None
    print(f"median of {args.runs} interleaved runs:")
    for name, t in rows:
        print(f"  {name:<40} {t * 1000:8.1f} ms")
    print(f"parse_html / bare lxml build: {ratio:.2f}x (median of per-run ratios)")
    if t_bs4:
        print(f"BeautifulSoup tree alone / parse_html: {t_bs4 / t_parse:.2f}x")
    ok = t_parse < 0.5
    print(f"target < 0.5 s for a 3 MB page: {'met' if ok else 'NOT met'} "
          f"({t_parse:.3f} s, {0.5 / t_parse:.2f}x headroom)")
    _real_documents(args.runs)
    return 0 if ok else 1


def _interleaved(fn, floor, runs: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(runs):
        b.append(median_time(floor, 1))
        a.append(median_time(fn, 1))
    return statistics.median(a), statistics.median(b)


def _real_documents(runs: int) -> None:
    import lxml.etree

    from scalar.parse.latexml import parse_html
    from scalar.parse.pdf import parse_pdf

    runs = max(3, runs // 2)
    if REAL_PAGE.is_file():
        page = REAL_PAGE.read_bytes()
        t, floor = _interleaved(lambda: parse_html(page),
                                lambda: lxml.etree.fromstring(page, lxml.etree.HTMLParser(encoding="utf-8")), runs)
        print(f"real page {REAL_PAGE.name} ({len(page) / 1e6:.2f} MB): parse_html {t * 1000:.1f} ms, "
              f"bare lxml build {floor * 1000:.1f} ms ({t / floor:.2f}x)")
    if REAL_PDF.is_file():
        import pymupdf

        pdf = REAL_PDF.read_bytes()

        def rawdict():
            with pymupdf.open(stream=pdf, filetype="pdf") as doc:
                for pg in doc:
                    pg.get_text("rawdict", flags=0)

        t, floor = _interleaved(lambda: parse_pdf(pdf), rawdict, runs)
        print(f"real PDF {REAL_PDF.name} ({len(pdf) / 1e6:.2f} MB): parse_pdf {t * 1000:.1f} ms, "
              f"bare PyMuPDF rawdict of every page {floor * 1000:.1f} ms ({t / floor:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
