"""Results are printed as given: square brackets and emoji codes in paths, model names and
warnings reach the user unchanged."""

import io
import subprocess
import sys

from scalar._util.console import plain_console


def test_plain_console_keeps_brackets_and_emoji_codes():
    buf = io.StringIO()
    plain_console(file=buf, width=200).print("runs/[dense] [bold]x[/bold] :smile:")
    assert buf.getvalue().strip() == "runs/[dense] [bold]x[/bold] :smile:"


def test_build_reports_an_output_folder_with_brackets_exactly_on_one_line(tmp_path):
    out = tmp_path / ("a-folder-name-longer-than-a-pipe-is-wide-" * 5 + "[dense]")
    r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", str(out),
                        "--shortcut-model", "none"], capture_output=True, text=True, timeout=300,
                       env={"PATH": "", "HOME": str(tmp_path)})  # a pipe: rich would wrap at 80 columns
    assert r.returncode == 0, r.stderr
    assert (out / "questions.jsonl").is_file()
    assert f"to {out} (release" in r.stdout


def test_audit_in_a_pipe_shows_whole_check_names(tmp_path):
    # rich gives a pipe 80 columns; the audit's seven columns then cut "shortcut bm25_10: ..." short
    out = tmp_path / "r"
    env = {"PATH": "", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", str(out),
                        "--shortcut-model", "none"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "scalar", "audit", "--data", str(out)], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert "shortcut bm25_10: accuracy [95% CI]" in r.stdout
    assert "gold ranks (chi-sq p)" in r.stdout
