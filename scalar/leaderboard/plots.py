"""SVG plots of a snapshot (matplotlib, no display): accuracy by difficulty, by context-length
bucket and by publication month, one series per row, with 95% intervals as error bars.

Figures are built with the object API (no pyplot state) and written with a fixed SVG hash salt and
no date, so the same snapshot gives the same bytes.
"""

from __future__ import annotations

import io

from scalar.leaderboard.schema import LeaderboardRow
from scalar.schema import DIFFICULTIES, Score

PLOTS = {
    "difficulty": "accuracy_by_difficulty.svg",
    "context_length": "accuracy_by_context_length.svg",
    "month": "accuracy_by_month.svg",
}


def render_plots(rows: list[LeaderboardRow], multi_release: bool) -> dict[str, bytes]:
    """Plot name -> SVG bytes."""
    labels = [_label(r, multi_release) for r in rows]
    return {
        "difficulty": _bars([{d: r.by_difficulty.get(d) for d in DIFFICULTIES} for r in rows], labels,
                            list(DIFFICULTIES), "Accuracy by difficulty", "difficulty"),
        "context_length": _lines([r.by_context_length for r in rows], labels,
                                 _ordered_keys(rows, "by_context_length"),
                                 "Accuracy by context length", "context tokens"),
        "month": _lines([r.by_month for r in rows], labels, _ordered_keys(rows, "by_month"),
                        "Accuracy by publication month of the citing paper", "first public"),
    }


def _label(r: LeaderboardRow, multi_release: bool) -> str:
    name = r.model + (" (computed)" if r.computed else "")
    return f"{name} [{r.release_id}]" if multi_release else name


def _ordered_keys(rows: list[LeaderboardRow], attr: str) -> list[str]:
    # Each row's dict is already in order (buckets by length, months by date); merge keeping order.
    seen: dict[str, int] = {}
    for r in rows:
        for i, k in enumerate(getattr(r, attr)):
            seen.setdefault(k, i)
    keys = list(seen)
    if attr == "by_month":
        return sorted(keys, key=lambda k: (k == "unknown", k))
    from scalar.leaderboard.aggregate import sorted_buckets

    return list(sorted_buckets(dict.fromkeys(keys)))  # type: ignore[arg-type]


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
    if n_series:
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


def _bars(series: list[dict[str, Score | None]], labels: list[str], keys: list[str], title: str,
          xlabel: str) -> bytes:
    import numpy as np

    fig, ax = _figure(len(series))
    x = np.arange(len(keys))
    width = 0.8 / max(1, len(series))
    for i, (s, label) in enumerate(zip(series, labels)):
        ys, yerr = _err([s.get(k) for k in keys])
        ax.bar(x - 0.4 + width * (i + 0.5), ys, width, yerr=yerr, capsize=2, label=label)
    ax.set_xticks(x, keys)
    return _finish(fig, ax, title, xlabel, len(series))


def _lines(series: list[dict[str, Score]], labels: list[str], keys: list[str], title: str,
           xlabel: str) -> bytes:
    import numpy as np

    fig, ax = _figure(len(series))
    x = np.arange(len(keys))
    for i, (s, label) in enumerate(zip(series, labels)):
        ys, yerr = _err([s.get(k) for k in keys])
        # Small horizontal offsets keep overlapping error bars readable.
        dx = (i - (len(series) - 1) / 2) * 0.04
        ax.errorbar(x + dx, ys, yerr=yerr, marker="o", markersize=4, capsize=2, linewidth=1.2,
                    label=label)
    ax.set_xticks(x, keys, rotation=30 if len(keys) > 6 else 0)
    ax.set_xlim(-0.5, len(keys) - 0.5)  # one category must not be stretched by the small offsets
    return _finish(fig, ax, title, xlabel, len(series))
