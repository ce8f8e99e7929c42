"""Bundled package data: found through importlib.resources, and a missing file is one clear error."""

from __future__ import annotations

import subprocess
import sys

import pytest

import scalar
from scalar.data import MODEL_CUTOFFS, SAMPLE_CACHE, bundled_file
from scalar.errors import ConfigError


def test_bundled_files_live_inside_the_package():
    for name in (MODEL_CUTOFFS, SAMPLE_CACHE):
        path = bundled_file(name)
        assert path.is_file() and path.stat().st_size > 0
        assert path.resolve().is_relative_to(__import__("pathlib").Path(scalar.__file__).resolve().parent)


def test_missing_bundled_file_is_a_config_error():
    with pytest.raises(ConfigError, match=r"scalar/data/sample/nope\.jsonl is missing"):
        bundled_file("sample/nope.jsonl")


def test_sample_build_without_its_cache_is_one_line_exit_2(tmp_path):
    # The real CLI in a child process with the cache name pointing at a file that does not exist.
    code = ("import sys, scalar.data; scalar.data.SAMPLE_CACHE = 'sample/gone.jsonl'; "
            "from scalar.cli import main; main(sys.argv[1:])")
    r = subprocess.run([sys.executable, "-c", code, "build", "--venue", "sample", "--out", str(tmp_path / "x")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "gone.jsonl is missing" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()
