"""The package as a user installs it: a wheel built from the sources, installed into a fresh virtual
environment outside the checkout, runs the sample build, an evaluation and a leaderboard with its
bundled data (the sample venue's cache, the knowledge-cutoff registry) found as package data."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SHA256 = "12b6bd5000fb4c0575d76be96d11a856dce5eac77006be49d605ec8895114981"  # pinned sample release (balanced)

sys.path.insert(0, str(Path(__file__).resolve().parent / "evaluate"))

pytestmark = pytest.mark.slow


def _run(cmd, *, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> tuple[Path, dict, Path]:
    """(the venv's python, an environment without this checkout on PYTHONPATH, a work folder)."""
    tmp = tmp_path_factory.mktemp("packaging")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore", PYTHONNOUSERSITE="1")
    # Build from a copy holding only what a source distribution holds, so the wheel cannot lean on
    # tests/ or on files lying around the checkout (and the build leaves nothing in it).
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "scalar", src / "scalar", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp / "dist",
              src], cwd=tmp, env=env)
    assert r.returncode == 0, r.stderr
    (wheel,) = (tmp / "dist").glob("scalar_bench-*.whl")
    # The dependencies come from this interpreter's site-packages; scalar itself from the wheel.
    r = _run([sys.executable, "-m", "venv", "--system-site-packages", tmp / "venv"], cwd=tmp, env=env)
    assert r.returncode == 0, r.stderr
    python = tmp / "venv" / "bin" / "python"
    r = _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed", wheel],
             cwd=tmp, env=env)
    assert r.returncode == 0, r.stderr
    work = tmp / "work"
    work.mkdir()
    return python, env, work


def test_wheel_installs_outside_the_checkout_with_its_version(venv):
    python, env, work = venv
    code = "import scalar, importlib.metadata as m; print(scalar.__file__); print(scalar.__version__, m.version('scalar-bench'))"
    r = _run([python, "-c", code], cwd=work, env=env)
    assert r.returncode == 0, r.stderr
    location, versions = r.stdout.splitlines()
    assert Path(location).resolve().is_relative_to((work.parent / "venv").resolve()), location
    assert not Path(location).resolve().is_relative_to(ROOT)
    installed, metadata = versions.split()
    assert installed == metadata != "0+unknown"
    r = _run([python, "-m", "scalar", "--version"], cwd=work, env=env)
    assert r.returncode == 0 and r.stdout.strip() == f"scalar {installed}"


def test_sample_build_eval_and_leaderboard_from_the_wheel(venv):
    from openai_server import OpenAIServer, Reply

    python, env, work = venv
    r = _run([python, "-m", "scalar", "build", "--venue", "sample", "--offline", "--out", "releases/sample"],
             cwd=work, env=env)
    assert r.returncode == 0, r.stderr
    release = work / "releases" / "sample"
    assert hashlib.sha256((release / "questions.jsonl").read_bytes()).hexdigest() == SAMPLE_SHA256

    r = _run([python, "-m", "scalar", "eval", "--model", "baseline/lexical", "--data", release,
              "--out", "runs/lexical"], cwd=work, env=env)
    assert r.returncode == 0, r.stderr
    # A model with a registered cutoff, answered by a real OpenAI-compatible server on 127.0.0.1.
    api_env = dict(env, OPENAI_API_KEY="sk-test-dummy", LITELLM_LOCAL_MODEL_COST_MAP="True",
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    with OpenAIServer(lambda req, n: Reply(text="<answer>0</answer>")) as srv:
        r = _run([python, "-m", "scalar", "eval", "--model", "openai/gpt-4o-mini", "--api-base", srv.url,
                  "--data", release, "--out", "runs/gpt-4o-mini", "--model-arg", "context_window=128000"],
                 cwd=work, env=api_env)
    assert r.returncode == 0, r.stderr

    r = _run([python, "-m", "scalar", "leaderboard", "--runs", "runs", "--out", "board"], cwd=work, env=env)
    assert r.returncode == 0, r.stderr
    board = json.loads((work / "board" / "leaderboard.json").read_text())
    cutoffs = {row["model"]: row["cutoff"] for row in board["rows"]}
    assert cutoffs["openai/gpt-4o-mini"]["status"] == "registry"
    assert cutoffs["openai/gpt-4o-mini"]["date"] == "2023-10-31"


def test_a_wheel_missing_its_bundled_data_fails_with_one_line(venv, tmp_path):
    python, env, work = venv
    r = _run([python, "-c", "import scalar.data as d; print(d.bundled_file(d.MODEL_CUTOFFS).parent)"],
             cwd=work, env=env)
    assert r.returncode == 0, r.stderr
    data = Path(r.stdout.strip())
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(data / "sample" / "cache.jsonl", moved / "cache.jsonl")
    try:
        r = _run([python, "-m", "scalar", "build", "--venue", "sample", "--out", tmp_path / "rel"], cwd=work, env=env)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "scalar/data/sample/cache.jsonl is missing" in r.stderr and "Traceback" not in r.stderr
    finally:
        shutil.move(moved / "cache.jsonl", data / "sample" / "cache.jsonl")
