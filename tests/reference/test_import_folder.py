"""Re-importing into an existing release folder replaces the release and keeps the user's files."""

from __future__ import annotations

import subprocess
import sys

from _original_release_fixture import make_original_release

from scalar.reference.importer import import_reference
from scalar.release import load_release


def test_reimport_keeps_the_users_files(tmp_path):
    src = make_original_release(tmp_path / "orig")
    out = tmp_path / "rel"
    import_reference(src, out, progress=False)
    (out / "notes.md").write_text("compare with the paper's table 2")
    (out / "runs" / "gpt").mkdir(parents=True)
    (out / "runs" / "gpt" / "summary.json").write_text("{}")
    import_reference(src, out, regenerate=True, progress=False)
    assert load_release(out)[0].notes["mode"] == "regenerate"
    assert (out / "notes.md").read_text() == "compare with the paper's table 2"
    assert (out / "runs" / "gpt" / "summary.json").read_text() == "{}"
    import_reference(src, out, progress=False)
    assert load_release(out)[0].notes["mode"] == "as-is" and (out / "notes.md").exists()


def test_import_into_the_working_folder_is_one_line_exit_2(tmp_path):
    src = make_original_release(tmp_path / "orig")
    (tmp_path / "work").mkdir()
    r = subprocess.run([sys.executable, "-m", "scalar", "import-reference", str(src), "--out", "."],
                       capture_output=True, text=True, cwd=tmp_path / "work", timeout=300)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "current folder" in lines[0], r.stderr
    assert list((tmp_path / "work").iterdir()) == []
