"""Re-snapshotting into an existing folder replaces the snapshot and keeps the user's other files
(the one atomic-folder rule, scalar._util.atomic_folder)."""

from __future__ import annotations

import pytest
from lb_factory import make_run

from scalar.errors import InputError
from scalar.leaderboard.snapshot import build_snapshot


def test_resnapshotting_keeps_the_users_files(tmp_path, release):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    out = tmp_path / "leaderboards" / "sample" / "2026-11-22"
    build_snapshot(tmp_path / "runs", out, title="First")
    (out / "NOTES.md").write_text("why this snapshot exists")
    (out / "extra" / "figures").mkdir(parents=True)
    (out / "extra" / "figures" / "mine.svg").write_text("<svg/>")
    (out / "plots" / "hand-made.svg").write_text("<svg/>")
    build_snapshot(tmp_path / "runs", out, title="Second")
    assert "Second" in (out / "index.html").read_text()
    assert (out / "NOTES.md").read_text() == "why this snapshot exists"
    assert (out / "extra" / "figures" / "mine.svg").exists() and (out / "plots" / "hand-made.svg").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["2026-11-22"]  # nothing left beside it


def test_a_snapshot_is_never_written_over_an_unrelated_folder(tmp_path, release, scalar_cli):
    make_run(tmp_path / "runs", "gpt", "openai/gpt-4o-mini", release, lambda q: True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "paper.tex").write_text("mine")
    with pytest.raises(InputError, match="is not a leaderboard snapshot"):
        build_snapshot(tmp_path / "runs", tmp_path / "docs")
    r = scalar_cli("leaderboard", "--runs", tmp_path / "runs", "--out", ".", cwd=tmp_path / "docs")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "choose another --out" in lines[0], r.stderr
    assert [p.name for p in (tmp_path / "docs").iterdir()] == ["paper.tex"]
