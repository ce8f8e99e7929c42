"""Leaderboard snapshots: runs scored against their releases -> a dated folder with index.html,
leaderboard.json/.csv/.md and SVG plots. Public entry point: ``build_snapshot``."""

from __future__ import annotations


def build_snapshot(*args, **kwargs):
    from scalar.leaderboard.snapshot import build_snapshot as _build

    return _build(*args, **kwargs)


__all__ = ["build_snapshot"]
