"""Writing a release folder: all or nothing, and the user's other files in it are never deleted."""

from __future__ import annotations

import json
import os
import stat

import pytest
from _release_records import paper

from scalar._util import atomic_folder
from scalar.errors import InputError
from scalar.release import load_release, write_release_folder
from scalar.release import write as release_write


def _write(out, questions, papers, info, **kw):
    return write_release_folder(out, questions=questions, papers=papers, info=info, **kw)


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_writes_a_release_that_loads(tmp_path, questions, papers, info):
    m = _write(tmp_path / "r", questions, papers, info, crawl_log=[{"b": 1, "a": "é"}, {"a": 2}])
    assert load_release(tmp_path / "r") == (m, questions)
    assert (tmp_path / "r" / "crawl.jsonl").read_text(encoding="utf-8") == '{"a": "é", "b": 1}\n{"a": 2}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary folder left


def test_no_papers_and_no_crawl_log(tmp_path, questions, info):
    _write(tmp_path / "r", questions, [], info)
    assert (tmp_path / "r" / "papers").is_dir() and not any((tmp_path / "r" / "papers").iterdir())
    assert not (tmp_path / "r" / "crawl.jsonl").exists()


def test_two_papers_with_one_file_name_are_refused_and_nothing_is_written(tmp_path, questions, info):
    with pytest.raises(ValueError, match="two papers would be stored as 2410.00001.json"):
        _write(tmp_path / "r", questions, [("2410.00001", paper("2410.00001"))] * 2, info)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_previous_release_intact(tmp_path, questions, papers, info, monkeypatch):
    out = tmp_path / "r"
    _write(out, questions, papers, info)
    (out / "notes.txt").write_text("mine")
    before = _tree(out)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(release_write, "write_manifest", full_disk)
    with pytest.raises(OSError, match="No space left"):
        _write(out, questions[:2], papers[:2], info)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize("how", ["exchange fails", "no exchange, rename fails"])
def test_a_failed_swap_puts_everything_back(tmp_path, questions, papers, info, monkeypatch, how):
    out = tmp_path / "r"
    _write(out, questions, papers, info)
    (out / "runs").mkdir()
    (out / "runs" / "predictions.jsonl").write_text("{}\n")
    (out / "papers" / "my-notes.md").write_text("notes")
    before = _tree(out)
    real_rename = os.rename

    def exchange(a, b):
        if how == "exchange fails":
            raise OSError(5, "Input/output error")
        return False  # a system without renameat2: two renames

    def rename(src, dst):
        if str(src).endswith(".tmp") and str(dst) == str(out):
            raise OSError(5, "Input/output error")
        return real_rename(src, dst)

    monkeypatch.setattr(atomic_folder, "_exchange", exchange)
    monkeypatch.setattr(atomic_folder.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"):
        _write(out, questions[:1], papers[:1], info)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_rebuilding_keeps_the_users_files_and_replaces_ours(tmp_path, questions, papers, info):
    out = tmp_path / "r"
    _write(out, questions, papers, info, crawl_log=[{"a": 1}])
    (out / "notes.txt").write_text("my notes")
    (out / "runs" / "gpt").mkdir(parents=True)
    (out / "runs" / "gpt" / "predictions.jsonl").write_text('{"id": "q0001"}\n')
    (out / "papers" / "annotations.md").write_text("mine too")
    m = _write(out, questions[:2], papers[:2], info)  # fewer papers, no crawl log this time
    assert load_release(out) == (m, questions[:2])
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "runs" / "gpt" / "predictions.jsonl").read_text() == '{"id": "q0001"}\n'
    assert (out / "papers" / "annotations.md").read_text() == "mine too"
    # what the previous release wrote and this one did not is gone
    assert sorted(p.name for p in (out / "papers").iterdir()) == sorted(
        [f"{n}.json" for n, _ in papers[:2]] + ["annotations.md"])
    assert not (out / "crawl.jsonl").exists()
    # and the user's files stay the user's: a third build keeps them again
    _write(out, questions, papers, info)
    assert (out / "notes.txt").read_text() == "my notes" and (out / "papers" / "annotations.md").exists()


def test_a_user_file_where_the_release_needs_one_is_refused(tmp_path, questions, papers, info):
    out = tmp_path / "r"
    _write(out, questions, papers, info)  # no crawl log: crawl.jsonl is not ours
    (out / "crawl.jsonl").write_text("my own log\n")
    before = _tree(out)
    with pytest.raises(InputError, match=r"crawl.jsonl was not written by scalar .*nothing was changed"):
        _write(out, questions, papers, info, crawl_log=[{"a": 1}])
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_release_written_before_ownership_records_counts_its_declared_entries(tmp_path, questions, papers,
                                                                                 info):
    out = tmp_path / "r"
    _write(out, questions, papers, info, crawl_log=[])
    (out / atomic_folder.OWNERSHIP_RECORD).unlink()
    (out / "README.txt").write_text("mine")
    _write(out, questions[:1], papers[:1], info)
    assert (out / "README.txt").read_text() == "mine"
    assert sorted(p.name for p in (out / "papers").iterdir()) == [f"{papers[0][0]}.json"]
    assert not (out / "crawl.jsonl").exists()


def test_folders_that_are_not_a_release_are_refused(tmp_path, questions, papers, info, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="is not a release: it holds other files"):
        _write(mine, questions, papers, info)
    with pytest.raises(InputError, match="exists and is not a folder"):
        _write(mine / "notes.txt", questions, papers, info)
    assert _tree(mine) == {"notes.txt": b"mine"}
    monkeypatch.chdir(mine)
    for out in (".", mine, tmp_path):
        with pytest.raises(InputError, match="is the current folder or contains it"):
            _write(out, questions, papers, info)
    assert _tree(mine) == {"notes.txt": b"mine"}


def test_an_empty_folder_is_written_and_permissions_are_an_ordinary_folders(tmp_path, questions, papers, info):
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "empty", questions, papers, info)
    umask = os.umask(0)
    os.umask(umask)
    _write(tmp_path / "new", questions, papers, info)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((tmp_path / "new" / "questions.jsonl").stat().st_mode) == 0o666 & ~umask
    os.chmod(tmp_path / "new", 0o750)  # the user's choice survives a rebuild
    _write(tmp_path / "new", questions, papers, info)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o750


def test_a_symlinked_release_folder_is_rewritten_where_it_points(tmp_path, questions, papers, info):
    _write(tmp_path / "disk" / "rel", questions, papers, info)
    (tmp_path / "link").symlink_to(tmp_path / "disk" / "rel")
    _write(tmp_path / "link", questions[:1], papers[:1], info)
    assert (tmp_path / "link").is_symlink()
    assert load_release(tmp_path / "disk" / "rel")[0].n_questions == 1


def test_the_ownership_record_lists_what_was_written(tmp_path, questions, papers, info):
    _write(tmp_path / "r", questions, papers, info)
    record = json.loads((tmp_path / "r" / atomic_folder.OWNERSHIP_RECORD).read_text())
    assert set(record["entries"]) == {"manifest.json", "questions.jsonl", "papers"} | {
        f"papers/{n}.json" for n, _ in papers}
