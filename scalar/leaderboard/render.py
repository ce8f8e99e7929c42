"""A Snapshot -> the files people read: leaderboard.json, .csv, .md and the static index.html,
plus the top-level page of a `leaderboards/` folder that links every snapshot in it.

Everything taken from a run or a folder name is untrusted text: the HTML is autoescaped (and the
embedded JSON cannot close its script element), the index links are relative and URL-encoded per
path segment, CSV cells that a spreadsheet would read as a formula are neutralised, and Markdown
cells have HTML and pipes escaped.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from scalar.leaderboard.aggregate import all_views, view_score
from scalar.leaderboard.schema import LeaderboardRow, ReleaseInfo, Snapshot, view_key
from scalar.schema import DIFFICULTIES, Score

TEMPLATES = Path(__file__).with_name("templates")
TASK_NAMES = {"mcq": "Multiple choice (mcq)", "cloze": "Cloze", "all": "All tasks (mixed chance levels)"}


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


def release_tasks(rel: ReleaseInfo) -> list[str]:
    """The tasks a release has questions of, mcq first (each reported on its own)."""
    return [t for t in ("mcq", "cloze") if t in rel.chance_by]


# --------------------------------------------------------------------------- json / csv / md


def to_json(snapshot: Snapshot) -> str:
    return snapshot.model_dump_json(indent=2) + "\n"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP's rule);
    numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def flat_table(snapshot: Snapshot):
    """One flat record per row (pandas DataFrame): the CSV's columns."""
    import pandas as pd

    chance = {rel.release_id: rel.chance for rel in snapshot.releases}
    records = []
    for r in snapshot.rows:
        rec = {"rank": r.rank, "complete": r.complete, "model": r.model, "kind": r.kind,
               "computed": r.computed, "release_id": r.release_id}
        columns = [("overall", r.accuracy), *[(d, r.by_difficulty.get(d)) for d in DIFFICULTIES], ("clean", r.clean)]
        columns += [(f"{t}{'' if d == 'all' else '_' + d}", r.scores.get(view_key(t, d)))
                    for t in ("mcq", "cloze") for d in ("all", *DIFFICULTIES)]
        for name, s in columns:
            rec[f"{name}_accuracy"] = None if s is None or s.n == 0 else round(s.accuracy, 6)
            rec[f"{name}_low"] = None if s is None or s.n == 0 else round(s.low, 6)
            rec[f"{name}_high"] = None if s is None or s.n == 0 else round(s.high, 6)
            rec[f"{name}_n"] = 0 if s is None else s.n
        for t in ("mcq", "cloze"):
            rec[f"{t}_rank"] = r.ranks.get(t)
            rec[f"{t}_chance"] = chance.get(r.release_id, {}).get(t)
        rec.update(cutoff=r.cutoff.date.isoformat() if r.cutoff.date else r.cutoff.status,
                   n_questions=r.n_questions, coverage=r.coverage, parse_failures=r.parse_failures,
                   errors=r.errors, truncated=r.truncated, prompt_tokens=r.prompt_tokens,
                   completion_tokens=r.completion_tokens, cost_usd=round(r.cost_usd, 6),
                   mean_context_tokens=round(r.mean_context_tokens, 1), run=r.run or "")
        records.append({k: csv_safe(v) for k, v in rec.items()})
    return pd.DataFrame.from_records(records)


def to_csv(snapshot: Snapshot) -> str:
    return flat_table(snapshot).to_csv(index=False, lineterminator="\n")


def md_escape(text: object) -> str:
    """A Markdown table cell: HTML escaped (no raw tags or entities), pipes escaped, one line."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def to_markdown(snapshot: Snapshot) -> str:
    """GitHub-flavoured tables, one per release and task (chance in the last row), ready to paste
    into a README; partial runs listed apart, unranked."""
    multi = len(snapshot.releases) > 1
    out: list[str] = []
    for rel in snapshot.releases:
        rows = [r for r in snapshot.rows if r.release_id == rel.release_id]
        if multi:
            out.append(f"### {md_escape(rel.venue)} — release {md_escape(rel.release_id)}\n")
        after = f", questions first public after {snapshot.after}" if snapshot.after else ""
        out.append(f"Release {md_escape(rel.release_id)} ({md_escape(rel.venue)}, built {rel.build_date}{after}). "
                   "Accuracy in % with 95% intervals clustered by citing paper. Only complete runs are "
                   "ranked; ranks come from paired comparisons (shared ranks: no significant difference).\n")
        for task in release_tasks(rel):
            out.append(f"**{TASK_NAMES[task]}** — chance {pct(rel.chance.get(task))}%\n")
            out.append("| Rank | Model | Accuracy | Easy | Medium | Hard | Clean (n) | Cutoff | n | Parse fail | Errors | Cost ($) |")
            out.append("|---:|---|---|---|---|---|---|---|---:|---:|---:|---:|")
            ranked = [r for r in rows if r.complete and view_score(r, task) is not None]
            for r in sorted(ranked, key=lambda r: (-r.scores[task].accuracy, r.model)):
                clean = r.scores.get(view_key(task, clean=True))
                clean_cell = "—" if clean is None or clean.n == 0 else f"{cell(clean)} ({clean.n})"
                cutoff = r.cutoff.date.isoformat() if r.cutoff.date else r.cutoff.status
                out.append("| " + " | ".join([
                    str(r.ranks.get(task) or "—"), md_escape(model_label(r)), cell(r.scores.get(task)),
                    *[cell(r.scores.get(view_key(task, d))) for d in DIFFICULTIES],
                    clean_cell, md_escape(cutoff), str(r.scores[task].n), str(r.parse_failures), str(r.errors),
                    f"{r.cost_usd:.2f}",
                ]) + " |")
            out.append("| | *chance* | " + " | ".join(
                [pct(rel.chance.get(task)), *[pct(rel.chance.get(view_key(task, d))) for d in DIFFICULTIES]])
                + " | | | | | | |")
            out.append("")
        partial = [r for r in rows if not r.complete]
        if partial:
            out.append("**Partial runs** (not ranked: they did not answer every question)\n")
            out.append("| Model | Answered | Errors | Accuracy on answered | Note |")
            out.append("|---|---:|---:|---|---|")
            for r in partial:
                out.append(f"| {md_escape(model_label(r))} | {round(r.coverage * r.n_questions)} of {r.n_questions} "
                           f"| {r.errors} | {cell(r.accuracy)} | {md_escape('; '.join(r.warnings))} |")
            out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- html


def _views(r: LeaderboardRow, tasks: list[str]) -> dict:
    out = {}
    for v in all_views(tasks):
        s = view_score(r, v)
        out[v] = None if s is None else {"acc": s.accuracy, "low": s.low, "high": s.high, "n": s.n,
                                         "rank": r.ranks.get(v)}
    return out


def script_json(data) -> str:
    """JSON safe inside <script>: no "<", ">" or "&" that could close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_html(snapshot: Snapshot, questions: list[dict] | None = None) -> str:
    from markupsafe import Markup

    tasks = sorted({t for rel in snapshot.releases for t in release_tasks(rel)}, key=["mcq", "cloze"].index)
    all_tasks = ["all", *tasks] if tasks else ["all"]
    rows = [{"row": r, "label": model_label(r), "views": json.dumps(_views(r, all_tasks), separators=(",", ":"))}
            for r in snapshot.rows]
    chance = {rel.release_id: rel.chance for rel in snapshot.releases}
    return _env().get_template("index.html.jinja").render(
        s=snapshot, rows=rows, difficulties=DIFFICULTIES, multi=len(snapshot.releases) > 1,
        tasks=tasks, task_names=TASK_NAMES, default_task=tasks[0] if tasks else "all",
        cell=cell, view_key=view_key, release_tasks=release_tasks, model_label=model_label,
        chance_json=Markup(script_json(chance)),
        questions_json=Markup(script_json(questions or [])),
        models=[r.model for r in snapshot.rows])


def index_href(relative: Path) -> str:
    """A relative link to a snapshot's page: "./" + URL-encoded path segments, so no folder name
    (``javascript:alert(1)``, ``?x``, ``#y``) can become a scheme, a query or a fragment."""
    return "./" + "/".join(quote(part, safe="") for part in relative.parts) + "/index.html"


def render_index(leaderboards_dir: Path) -> str:
    """The top-level page: every snapshot (a folder with leaderboard.json) under the folder, newest
    first."""
    entries = []
    for path in sorted(leaderboards_dir.rglob("leaderboard.json")):
        folder = path.parent
        rel = folder.relative_to(leaderboards_dir)
        if any(p.startswith(".") for p in rel.parts):
            continue  # a snapshot being written (temp folder)
        try:
            snap = Snapshot.model_validate_json(path.read_bytes())
        except Exception:  # an unreadable (or older-version) snapshot is listed, not fatal
            entries.append({"href": index_href(rel), "title": folder.name, "created": "", "venues": "?",
                            "releases": "", "top": "(unreadable leaderboard.json)", "n_rows": 0})
            continue
        top = [r for r in snap.rows if r.kind == "model" and r.complete]
        first_task = next((t for rel_info in snap.releases for t in release_tasks(rel_info)), "all")
        top.sort(key=lambda r: -(view_score(r, first_task) or r.accuracy).accuracy)
        entries.append({
            "href": index_href(rel),
            "title": snap.title, "created": snap.created,
            "venues": ", ".join(sorted({r.venue for r in snap.releases})),
            "releases": ", ".join(r.release_id for r in snap.releases),
            "top": (f"{top[0].model} ({pct((view_score(top[0], first_task) or top[0].accuracy).accuracy)}% {first_task})"
                    if top else "no complete model run"),
            "n_rows": len(snap.rows),
        })
    entries.sort(key=lambda e: (e["created"], e["href"]), reverse=True)
    return _env().get_template("leaderboards_index.html.jinja").render(entries=entries)
