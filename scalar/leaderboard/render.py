"""A Snapshot -> the files people read: leaderboard.json, .csv, .md and the static index.html,
plus the top-level page of a `leaderboards/` folder that links every snapshot in it."""

from __future__ import annotations

import json
from pathlib import Path

from scalar.leaderboard.aggregate import all_views, view_score
from scalar.leaderboard.schema import LeaderboardRow, Snapshot
from scalar.schema import DIFFICULTIES, Score

TEMPLATES = Path(__file__).with_name("templates")


def _env():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["pct"] = pct
    env.filters["ci"] = ci
    return env


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}"


def ci(s: Score | None) -> str:
    return "—" if s is None or s.n == 0 else f"[{100 * s.low:.1f}, {100 * s.high:.1f}]"


def cell(s: Score | None) -> str:
    """"52.3 [48.0, 56.9]" — accuracy in percent with its interval."""
    return "—" if s is None or s.n == 0 else f"{pct(s.accuracy)} {ci(s)}"


def model_label(r: LeaderboardRow) -> str:
    if r.kind == "baseline":
        return f"{r.model} (baseline{', computed' if r.computed else ''})"
    return r.model


# --------------------------------------------------------------------------- json / csv / md


def to_json(snapshot: Snapshot) -> str:
    return snapshot.model_dump_json(indent=2) + "\n"


def flat_table(snapshot: Snapshot):
    """One flat record per row (pandas DataFrame): the CSV's columns."""
    import pandas as pd

    records = []
    for r in snapshot.rows:
        rec = {"rank": r.rank, "model": r.model, "kind": r.kind, "computed": r.computed,
               "release_id": r.release_id}
        for name, s in [("overall", r.accuracy), *[(d, r.by_difficulty.get(d)) for d in DIFFICULTIES],
                        ("clean", r.clean)]:
            rec[f"{name}_accuracy"] = None if s is None or s.n == 0 else round(s.accuracy, 6)
            rec[f"{name}_low"] = None if s is None or s.n == 0 else round(s.low, 6)
            rec[f"{name}_high"] = None if s is None or s.n == 0 else round(s.high, 6)
            rec[f"{name}_n"] = 0 if s is None else s.n
        rec.update(cutoff=r.cutoff.date.isoformat() if r.cutoff.date else r.cutoff.status,
                   n_questions=r.n_questions, coverage=r.coverage, parse_failures=r.parse_failures,
                   errors=r.errors, truncated=r.truncated, prompt_tokens=r.prompt_tokens,
                   completion_tokens=r.completion_tokens, cost_usd=round(r.cost_usd, 6),
                   mean_context_tokens=round(r.mean_context_tokens, 1), run=r.run or "")
        records.append(rec)
    return pd.DataFrame.from_records(records)


def to_csv(snapshot: Snapshot) -> str:
    return flat_table(snapshot).to_csv(index=False, lineterminator="\n")


def to_markdown(snapshot: Snapshot) -> str:
    """A GitHub-flavoured table, one per release, ready to paste into a README."""
    multi = len(snapshot.releases) > 1
    out: list[str] = []
    for rel in snapshot.releases:
        rows = [r for r in snapshot.rows if r.release_id == rel.release_id]
        if multi:
            out.append(f"### {rel.venue} — release `{rel.release_id}`\n")
        after = f", questions first public after {snapshot.after}" if snapshot.after else ""
        out.append(f"Release `{rel.release_id}` ({rel.venue}, built {rel.build_date}{after}). "
                   "Accuracy in % with 95% intervals clustered by citing paper; tied ranks overlap.\n")
        out.append("| Rank | Model | Overall | Easy | Medium | Hard | Clean (n) | Cutoff | n | Parse fail | Errors | Cost ($) |")
        out.append("|---:|---|---|---|---|---|---|---|---:|---:|---:|---:|")
        for r in rows:
            clean = "—" if r.clean is None or r.clean.n == 0 else f"{cell(r.clean)} ({r.clean.n})"
            cutoff = r.cutoff.date.isoformat() if r.cutoff.date else r.cutoff.status
            out.append("| " + " | ".join([
                str(r.rank), _md(model_label(r)), cell(r.accuracy),
                *[cell(r.by_difficulty.get(d)) for d in DIFFICULTIES],
                clean, cutoff, str(r.n), str(r.parse_failures), str(r.errors), f"{r.cost_usd:.2f}",
            ]) + " |")
        out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


# --------------------------------------------------------------------------- html


def _views(r: LeaderboardRow) -> dict:
    out = {}
    for v in all_views():
        s = view_score(r, v)
        out[v] = None if s is None else {"acc": s.accuracy, "low": s.low, "high": s.high, "n": s.n,
                                         "rank": r.ranks.get(v)}
    return out


def to_html(snapshot: Snapshot) -> str:
    rows = [{"row": r, "label": model_label(r), "views": json.dumps(_views(r), separators=(",", ":"))}
            for r in snapshot.rows]
    return _env().get_template("index.html.jinja").render(
        s=snapshot, rows=rows, difficulties=DIFFICULTIES, multi=len(snapshot.releases) > 1,
        cell=cell)


def render_index(leaderboards_dir: Path) -> str:
    """The top-level page: every snapshot (a folder with leaderboard.json) under the folder, newest
    first."""
    entries = []
    for path in sorted(leaderboards_dir.rglob("leaderboard.json")):
        folder = path.parent
        if any(p.startswith(".") for p in folder.relative_to(leaderboards_dir).parts):
            continue  # a snapshot being written (temp folder)
        try:
            snap = Snapshot.model_validate_json(path.read_bytes())
        except Exception:  # an unreadable older snapshot is listed, not fatal
            entries.append({"href": folder.relative_to(leaderboards_dir).as_posix() + "/index.html",
                            "title": folder.name, "created": "", "venues": "?", "releases": "",
                            "top": "(unreadable leaderboard.json)", "n_rows": 0})
            continue
        top = [r for r in snap.rows if r.kind == "model"]
        entries.append({
            "href": folder.relative_to(leaderboards_dir).as_posix() + "/index.html",
            "title": snap.title, "created": snap.created,
            "venues": ", ".join(sorted({r.venue for r in snap.releases})),
            "releases": ", ".join(r.release_id for r in snap.releases),
            "top": (f"{top[0].model} ({pct(top[0].accuracy.accuracy)}%)" if top else "baselines only"),
            "n_rows": len(snap.rows),
        })
    entries.sort(key=lambda e: (e["created"], e["href"]), reverse=True)
    return _env().get_template("leaderboards_index.html.jinja").render(entries=entries)
