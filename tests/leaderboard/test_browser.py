"""The snapshot page in real headless Chromium (Debian's `chromium`): rows, sorting by clicking a
header, the difficulty and clean-only filters, no network resources, and a screenshot."""

from __future__ import annotations

import asyncio
import json

import pytest
from cdp import Browser, chromium_binary
from lb_factory import PAPERS, make_run

from scalar.leaderboard.snapshot import build_snapshot

pytestmark = pytest.mark.browser

LATE = {p for p, d in PAPERS.items() if d.year == 2025}
ROWS = "Array.from(document.querySelectorAll('#leaderboard tbody tr')).filter(tr => !tr.hidden)"


@pytest.fixture
def chromium():
    path = chromium_binary()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def test_page_in_headless_chromium(tmp_path, release, chromium):
    runs = tmp_path / "runs"
    make_run(runs, "a", "openai/gpt-4o", release, lambda q: q.difficulty != "hard")
    make_run(runs, "b", "anthropic/claude-3-5-haiku-20241022", release, lambda q: q.difficulty == "hard")
    make_run(runs, "c", "acme/zeta", release, lambda q: q.paper in LATE)  # cutoff unknown
    out = tmp_path / "leaderboards" / "sample" / "2026-11-22"
    snap = build_snapshot(runs, out, title="Browser test board")
    expected = [r.model for r in snap.rows]
    assert expected[0] == "openai/gpt-4o"

    async def drive():
        async with Browser(chromium) as browser:
            page = await browser.page()
            await page.goto(out.joinpath("index.html").as_uri())
            result = {"title": await page.eval("document.title"),
                      "initial": await page.eval(f"{ROWS}.map(tr => tr.dataset.model)"),
                      "cells": await page.eval(f"{ROWS}.map(tr => tr.querySelector('td[data-col=accuracy]').textContent)"),
                      "plots": await page.eval("Array.from(document.images).map(i => [i.naturalWidth, i.complete])"),
                      "manifest": await page.eval("document.querySelector('table.manifest').innerText")}
            await page.click('th[data-col="model"]')
            result["by_model"] = await page.eval(f"{ROWS}.map(tr => tr.dataset.model)")
            result["aria"] = await page.eval("document.querySelector('th[data-col=model]').getAttribute('aria-sort')")
            await page.click('th[data-col="model"]')
            result["by_model_desc"] = await page.eval(f"{ROWS}.map(tr => tr.dataset.model)")
            await page.click('th[data-col="accuracy"]')  # a numeric column sorts best-first
            result["by_acc"] = await page.eval(f"{ROWS}.map(tr => tr.dataset.model)")
            await page.eval("(() => { const s = document.getElementById('difficulty'); s.value = 'hard';"
                            " s.dispatchEvent(new Event('change')); })()")
            result["hard"] = await page.eval(f"{ROWS}.map(tr => [tr.dataset.model, tr.querySelector('td[data-col=accuracy]').textContent])")
            await page.click("#clean")
            result["clean_hard"] = await page.eval(f"{ROWS}.map(tr => tr.dataset.model)")
            result["note"] = await page.eval("document.getElementById('hidden-note').textContent")
            await page.screenshot(tmp_path / "leaderboard.png")
            result["urls"] = page.requested_urls()
            page_index = await browser.page()
            await page_index.goto((tmp_path / "leaderboards" / "index.html").as_uri())
            result["index_links"] = await page_index.eval(
                "Array.from(document.querySelectorAll('#snapshots a')).map(a => a.getAttribute('href'))")
            return result

    r = asyncio.run(drive())
    assert r["title"] == "Browser test board"
    assert r["initial"] == expected  # ordered by accuracy, baselines included
    assert r["cells"][0] == "66.7"
    assert len(r["plots"]) == 3 and all(w > 0 and ok for w, ok in r["plots"])
    assert snap.releases[0].questions_sha256 in r["manifest"] and "sample" in r["manifest"]
    assert r["by_model"] == sorted(expected) and r["aria"] == "ascending"
    assert r["by_model_desc"] == sorted(expected, reverse=True)
    assert r["by_acc"] == expected
    # Hard questions only: claude is right on all of them, gpt-4o on none.
    assert r["hard"][0] == ["anthropic/claude-3-5-haiku-20241022", "100.0"]
    assert r["hard"][-1] == ["openai/gpt-4o", "0.0"]
    # Clean only hides the model whose cutoff is unknown.
    assert "acme/zeta" not in r["clean_hard"] and len(r["clean_hard"]) == len(expected) - 1
    assert r["note"].startswith("1 row(s) hidden")
    assert all(u.startswith(("file:", "data:", "about:")) for u in r["urls"]), r["urls"]
    assert (tmp_path / "leaderboard.png").stat().st_size > 10_000
    assert r["index_links"] == ["sample/2026-11-22/index.html"]
    json.loads((out / "leaderboard.json").read_text())
