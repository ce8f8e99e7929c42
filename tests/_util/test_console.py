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
    out = tmp_path / ("a-folder-name-long-enough-to-pass-eighty-columns-" * 2 + "[dense]")
    r = subprocess.run([sys.executable, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", str(out),
                        "--shortcut-model", "none"], capture_output=True, text=True, timeout=300,
                       env={"PATH": "", "HOME": str(tmp_path)})  # a pipe: rich would wrap at 80 columns
    assert r.returncode == 0, r.stderr
    assert (out / "questions.jsonl").is_file()
    assert f"to {out} (release" in r.stdout
