import subprocess
import sys


def _run(*args):
    return subprocess.run([sys.executable, "-m", "scalar", *args], capture_output=True, text=True)


def test_bad_flag_exits_2_without_traceback():
    r = _run("parse", "--no-such-flag")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_missing_file_is_one_line_exit_2(tmp_path):
    r = _run("parse", str(tmp_path / "missing.html"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "missing.html" in r.stderr
