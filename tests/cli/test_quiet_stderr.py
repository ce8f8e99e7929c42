"""Commands run with stderr not on a terminal (a pipe, a log file) print nothing there on success:
no blank line, no progress residue (issue 12, item 11)."""

import subprocess
import sys


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scalar", *map(str, args)], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def test_import_reference_and_audit_keep_a_piped_stderr_empty(tmp_path, reference_dir):
    release = tmp_path / "release"
    r = _run("import-reference", reference_dir / "scalar-release", "--out", release)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = _run("audit", "--data", release)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.strip()
