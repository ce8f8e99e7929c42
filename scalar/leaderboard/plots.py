"""SVG plots of a snapshot (matplotlib, no display), one set per task (mcq and cloze are never
mixed: their chance levels differ, 25% against near 0): accuracy by difficulty, by context budget,
by context-length bucket and by publication month, one series per ranked row with 95% intervals as
error bars, and the chance level drawn as a dashed line on every plot.

Figures are built with the object API (no pyplot state) and written with a fixed SVG hash salt and
no date, so the same snapshot gives the same bytes.
"""

from __future__ import annotations

import io

from scalar.leaderboard.schema import LeaderboardRow, ReleaseInfo
from scalar.schema import Score

AXES = {  # axis -> (title, x label)
    "difficulty": ("Accuracy by difficulty", "difficulty"),
    "budget": ("Accuracy by context budget (--context-tokens)", "context budget (tokens; full = whole paper)"),
    "context_length": ("Accuracy by measured context length", "context tokens"),
    "month": ("Accuracy by publication month of the citing paper", "first public"),
}
TASK_NAMES = {"mcq": "multiple choice", "cloze": "cloze"}


def plot_file(task: str, axis: str) -> str:
    return f"accuracy_by_{axis}_{task}.svg"


def render_plots(rows: list[LeaderboardRow], releases: list[ReleaseInfo]) -> dict[str, tuple[str, bytes]]:
    """Plot name ("mcq/budget", ...) -> (file name, SVG bytes), for every task present."""
    multi = len(releases) > 1
    ranked = [r for r in rows if r.complete]
    tasks = [t for t in TASK_NAMES if any(t in rel.chance_by for rel in releases)]
    out = {}
    for task in tasks:
        series = [r for r in ranked if task in r.breakdowns]
        labels = [_label(r, multi) for r in series]
        for axis, (title, xlabel) in AXES.items():
            keys = _ordered_keys([r.breakdowns[task][axis] for r in series]
                                 + [rel.chance_by.get(task, {}).get(axis, {}) for rel in releases], axis)
            chance = [(rel.release_id if multi else "", rel.chance_by.get(task, {}).get(axis, {})) for rel in releases]
            data = [r.breakdowns[task][axis] for r in series]
            full_title = f"{title} — {TASK_NAMES[task]}"
            draw = _bars if axis == "difficulty" else _lines
            out[f"{task}/{axis}"] = (plot_file(task, axis), draw(data, labels, keys, chance, full_title, xlabel))
    return out


def _label(r: LeaderboardRow, multi_release: bool) -> str:
    name = r.model + (" (computed)" if r.computed else "")
    return f"{name} [{r.release_id}]" if multi_release else name


def _ordered_keys(dicts: list[dict], axis: str) -> list[str]:
    from scalar.leaderboard.aggregate import ordered

    keys: dict[str, None] = {}
    for d in dicts:
        for k in d:
            keys.setdefault(k, None)
    return list(ordered(axis, keys))


def _chance_line(ax, x, keys: list[str], chance: list[tuple[str, dict[str, float]]], half: float) -> None:
    """A dashed black segment at the chance level over each category."""
    for rid, levels in chance:
        label = "chance" + (f" [{rid}]" if rid else "")
        first = True
        for xi, k in zip(x, keys):
            if k in levels:
                ax.hlines(levels[k], xi - half, xi + half, colors="black", linestyles="dashed",
                          linewidth=1.2, label=label if first else None, zorder=5)
                first = False


def _figure(n_series: int):
    from matplotlib.figure import Figure

    height = 4.2 + 0.22 * max(0, n_series - 6)
    fig = Figure(figsize=(8.5, height), layout="constrained")
    return fig, fig.add_subplot()


def _finish(fig, ax, title: str, xlabel: str, n_series: int) -> bytes:
    import matplotlib

    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy (95% interval)")
    ax.set_ylim(0, 1.02)
    ax.grid(axis="y", alpha=0.3)
    if n_series or ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "scalar-leaderboard", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _err(scores: list[Score | None]) -> tuple[list[float], list[list[float]]]:
    ys, lo, hi = [], [], []
    for s in scores:
        if s is None or s.n == 0:
            ys.append(float("nan"))
            lo.append(0.0)
            hi.append(0.0)
        else:
            ys.append(s.accuracy)
            lo.append(max(0.0, s.accuracy - s.low))
            hi.append(max(0.0, s.high - s.accuracy))
    return ys, [lo, hi]


def _bars(series: list[dict[str, Score]], labels: list[str], keys: list[str],
          chance: list[tuple[str, dict[str, float]]], title: str, xlabel: str) -> bytes:
    import numpy as np

    fig, ax = _figure(len(series))
    x = np.arange(len(keys))
    width = 0.8 / max(1, len(series))
    for i, (s, label) in enumerate(zip(series, labels)):
        ys, yerr = _err([s.get(k) for k in keys])
        ax.bar(x - 0.4 + width * (i + 0.5), ys, width, yerr=yerr, capsize=2, label=label)
    _chance_line(ax, x, keys, chance, 0.42)
    ax.set_xticks(x, keys)
    return _finish(fig, ax, title, xlabel, len(series))


def _lines(series: list[dict[str, Score]], labels: list[str], keys: list[str],
           chance: list[tuple[str, dict[str, float]]], title: str, xlabel: str) -> bytes:
    import numpy as np

    fig, ax = _figure(len(series))
    x = np.arange(len(keys))
    for i, (s, label) in enumerate(zip(series, labels)):
        ys, yerr = _err([s.get(k) for k in keys])
        # Small horizontal offsets keep overlapping error bars readable.
        dx = (i - (len(series) - 1) / 2) * 0.04
        ax.errorbar(x + dx, ys, yerr=yerr, marker="o", markersize=4, capsize=2, linewidth=1.2,
                    label=label)
    _chance_line(ax, x, keys, chance, 0.3)
    ax.set_xticks(x, keys, rotation=30 if len(keys) > 6 else 0)
    ax.set_xlim(-0.5, len(keys) - 0.5)  # one category must not be stretched by the small offsets
    return _finish(fig, ax, title, xlabel, len(series))
