"""Leaderboard snapshots: runs scored against their releases -> a dated folder with index.html,
leaderboard.json/.csv/.md and SVG plots. Public entry point: ``build_snapshot``.

Modules: ``runs`` (reading run folders), ``aggregate`` (a row: every view and breakdown, the
completeness rule), ``chance`` (chance levels), ``paired`` (ranks from paired comparisons, the
pairwise table), ``question_view`` (per-question records for the page), ``plots``, ``render``
(json/csv/md/html, hostile-text escaping), ``schema`` (leaderboard.json), ``snapshot`` (the whole)."""

from __future__ import annotations


def build_snapshot(*args, **kwargs):
    from scalar.leaderboard.snapshot import build_snapshot as _build

    return _build(*args, **kwargs)


__all__ = ["build_snapshot"]
