"""The one atomic-folder helper: all or nothing, the user's files kept, nothing lost even when
putting things back fails."""

from __future__ import annotations

import json
import os

import pytest

from scalar._util import atomic_folder
from scalar._util.atomic_folder import OWNERSHIP_RECORD, owned_entries, write_folder
from scalar.errors import InputError


def _fill(files):
    def fill(tmp):
        for rel, text in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text)
        return len(files)
    return fill


def _write(out, files, **kw):
    return write_folder(out, _fill(files), kind="thing", marker="thing.json", **kw)


def test_returns_what_fill_returns_and_records_what_it_wrote(tmp_path):
    assert _write(tmp_path / "o", {"thing.json": "{}", "sub/a.txt": "a"}) == 2
    assert owned_entries(tmp_path / "o") == {"thing.json", "sub", "sub/a.txt"}


def test_a_failing_fill_leaves_no_trace(tmp_path):
    def fill(tmp):
        (tmp / "half.txt").write_text("half")
        raise KeyboardInterrupt  # also on Ctrl-C

    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path / "o", fill, kind="thing", marker="thing.json")
    assert list(tmp_path.iterdir()) == []


def test_foreign_symlinks_and_nested_folders_are_carried_over(tmp_path):
    out = tmp_path / "o"
    _write(out, {"thing.json": "1", "data/x.txt": "x"})
    (out / "data" / "deep" / "er").mkdir(parents=True)
    (out / "data" / "deep" / "er" / "mine.txt").write_text("m")
    (out / "link").symlink_to(tmp_path)  # carried over as a link, never followed
    _write(out, {"thing.json": "2"})
    assert (out / "data" / "deep" / "er" / "mine.txt").read_text() == "m"
    assert (out / "link").is_symlink() and os.readlink(out / "link") == str(tmp_path)
    assert not (out / "data" / "x.txt").exists() and (out / "thing.json").read_text() == "2"


def test_a_record_cannot_claim_paths_outside_the_folder(tmp_path):
    out = tmp_path / "o"
    _write(out, {"thing.json": "1"})
    (out / "notes.txt").write_text("mine")
    (out / OWNERSHIP_RECORD).write_text(json.dumps({"format": "scalar-owned/1",
                                                     "entries": ["thing.json", "../o/notes.txt", "/etc"]}))
    _write(out, {"thing.json": "2"})
    assert (out / "notes.txt").read_text() == "mine"


def test_a_damaged_record_falls_back_to_the_declared_names(tmp_path):
    out = tmp_path / "o"
    _write(out, {"thing.json": "1", "old.txt": "ours"})
    (out / "notes.txt").write_text("mine")
    (out / OWNERSHIP_RECORD).write_text("{damaged")
    _write(out, {"thing.json": "2"}, owned=("thing.json", "old.txt"))
    assert (out / "notes.txt").read_text() == "mine" and not (out / "old.txt").exists()


def test_when_restoring_fails_too_nothing_is_deleted_and_the_message_says_where(tmp_path, monkeypatch):
    out = tmp_path / "o"
    _write(out, {"thing.json": "1"})
    (out / "notes.txt").write_text("mine")
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append((str(src), str(dst)))
        if str(dst) == str(out):  # both the swap and putting the old folder back fail
            raise OSError(5, "Input/output error")
        return real_rename(src, dst)

    monkeypatch.setattr(atomic_folder.os, "rename", rename)
    with pytest.raises(InputError, match="restoring it failed too") as e:
        _write(out, {"thing.json": "2"})
    monkeypatch.undo()
    found = list(tmp_path.rglob("notes.txt"))
    assert [p.read_text() for p in found] == ["mine"] and str(found[0].parent) in str(e.value)
    old = [p for p in tmp_path.rglob("thing.json") if p.read_text() == "1"]
    assert len(old) == 1 and str(old[0].parent) in str(e.value)
