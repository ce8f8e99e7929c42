"""The snapshot page in real headless Chromium (Debian's `chromium`): rows, sorting by clicking a
header, the task / difficulty / clean-only filters with their chance level, search, partial runs
apart, the pairwise and budget tables, the question browser, safe index links, no network
resources, no script errors, and a screenshot."""

from __future__ import annotations

import asyncio
import json

import pytest
from cdp import Browser, chromium_binary
from lb_factory import PAPERS, make_mixed_questions, make_release, make_run

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
    assert len(r["plots"]) == 4 and all(w > 0 and ok for w, ok in r["plots"])
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
    assert r["index_links"] == ["./sample/2026-11-22/index.html"]
    json.loads((out / "leaderboard.json").read_text())


JS_ERRORS = "Runtime.exceptionThrown"


def _set(selector: str, value) -> str:
    """JS that sets a control's value (or checked state) and fires the event the page listens to."""
    prop, event = ("checked", "change") if isinstance(value, bool) else ("value", "input" if "search" in selector else "change")
    return (f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.{prop} = {json.dumps(value)};"
            f" e.dispatchEvent(new Event('{event}')); }})()")


def test_tasks_partial_runs_questions_and_safe_links(tmp_path, chromium):
    release = make_release(tmp_path / "release", questions=make_mixed_questions())
    runs = tmp_path / "runs"
    make_run(runs, "a", "openai/gpt-4o", release, lambda q: q.task == "mcq" or q.difficulty == "easy")
    make_run(runs, "b", "acme/constant", release, lambda q: q.answer == 0 if q.task == "mcq" else False)
    make_run(runs, "p", "acme/partial", release, lambda q: True, only=lambda q: q.task == "cloze")
    root = tmp_path / "leaderboards"
    out = root / "javascript:alert(1)" / "2026-11-22"
    build_snapshot(runs, out, title="Tasks board", audit=False)
    rows_mcq = f"{ROWS}.map(tr => [tr.dataset.model, tr.querySelector('td[data-col=rank]').textContent, tr.querySelector('td[data-col=accuracy]').textContent])"

    async def drive():
        async with Browser(chromium) as browser:
            page = await browser.page()
            await page.send("Runtime.enable")
            await page.goto(out.joinpath("index.html").as_uri())
            r = {"task": await page.eval("document.getElementById('task').value"),
                 "mcq": await page.eval(rows_mcq),
                 "badge": await page.eval("document.getElementById('chance-badge').textContent"),
                 "foot": await page.eval("document.querySelector('#leaderboard tfoot td[data-col=accuracy]').textContent"),
                 "partial": await page.eval("Array.from(document.querySelectorAll('#partial-runs tbody tr')).map(tr => tr.dataset.model)"),
                 "visible_plots": await page.eval("Array.from(document.querySelectorAll('.plots figure')).filter(f => !f.hidden).map(f => f.querySelector('img').getAttribute('src'))"),
                 "pairwise": await page.eval("Array.from(document.querySelectorAll('.pairwise')).filter(d => !d.hidden).map(d => d.innerText)")}
            await page.eval(_set("#task", "cloze"))
            r["cloze"] = await page.eval(rows_mcq)
            r["cloze_badge"] = await page.eval("document.getElementById('chance-badge').textContent")
            r["budget_cloze"] = await page.eval("Array.from(document.querySelectorAll('.budget')).filter(d => !d.hidden).map(d => d.dataset.task)")
            await page.eval(_set("#search", "CONST"))
            r["search"] = await page.eval(f"{ROWS}.map(tr => tr.dataset.model)")
            await page.eval(_set("#search", ""))
            # The question browser: filter to cloze, open the first one.
            await page.eval(_set("#q-task", "cloze"))
            r["q_count"] = await page.eval("document.getElementById('q-count').textContent")
            await page.click("#q-table tbody tr")
            r["q_detail"] = await page.eval("[document.getElementById('q-detail').hidden, document.getElementById('q-context').textContent, document.querySelectorAll('#q-candidates li').length, document.querySelectorAll('#q-candidates li.gold').length, document.getElementById('q-answers').innerText]")
            await page.eval(_set("#q-search", "2501.00003v1-cloze1"))
            r["q_search"] = await page.eval("Array.from(document.querySelectorAll('#q-table tbody tr')).map(tr => tr.dataset.id)")
            r["errors"] = [e for e in page.events if e.get("method") == JS_ERRORS]
            await page.screenshot(tmp_path / "tasks.png")
            index = await browser.page()
            await index.goto((root / "index.html").as_uri())
            r["links"] = await index.eval("Array.from(document.querySelectorAll('#snapshots a')).map(a => [a.protocol, a.getAttribute('href')])")
            await index.click("#snapshots a")
            await asyncio.sleep(1.0)
            r["after_click"] = await index.eval("[location.protocol, document.title]")
            return r

    r = asyncio.run(drive())
    assert r["errors"] == []
    assert r["task"] == "mcq"  # tasks apart; multiple choice first
    ranked = {m: (rank, acc) for m, rank, acc in r["mcq"]}
    assert "acme/partial" not in ranked and r["partial"] == ["acme/partial"]
    assert ranked["openai/gpt-4o"] == ("1", "100.0") and ranked["acme/constant"][1] == "25.0"
    assert r["badge"] == "chance: 25.0%" and r["foot"] == "25.0"
    assert r["visible_plots"] and all(src.endswith("_mcq.svg") for src in r["visible_plots"])
    assert len(r["pairwise"]) == 1 and "openai/gpt-4o" in r["pairwise"][0]
    cloze = {m: acc for m, _, acc in r["cloze"]}
    assert cloze["acme/constant"] == "0.0" and cloze["openai/gpt-4o"] == "50.0"
    assert r["cloze_badge"] == "chance: 8.3%" and r["budget_cloze"] == ["cloze"]
    assert r["search"] == ["acme/constant"]
    assert r["q_count"].startswith("8 question(s)")
    hidden, context, n_cands, n_gold, answers = r["q_detail"]
    assert not hidden and "[MASK_1]" in context and n_cands == 4 and n_gold == 2
    assert "acme/partial" in answers and "openai/gpt-4o" in answers and "right" in answers
    assert r["q_search"] == ["2501.00003v1-cloze1"]
    # A folder named like a script URL stays a relative file link, and clicking it runs nothing.
    assert r["links"] == [["file:", "./javascript%3Aalert%281%29/2026-11-22/index.html"]]
    assert r["after_click"][0] == "file:"
    assert (tmp_path / "tasks.png").stat().st_size > 10_000
