"""A command whose optional dependencies are missing names the extra that installs them: one line
on stderr, exit 2. The missing module is simulated with an import hook in a subprocess."""

import subprocess
import sys
from pathlib import Path

import pytest

BLOCK = r"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
"""


def _run(blocked: set[str], code: str, tmp_path: Path):
    script = BLOCK.format(BLOCKED=blocked) + code
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory):
    sys.path.insert(0, str(Path(__file__).parents[1] / "evaluate"))
    from eval_fixtures import make_question, write_release

    return write_release(tmp_path_factory.mktemp("rel") / "release", [make_question(i) for i in range(3)])


def test_lexical_baseline_without_the_build_extra(tiny_release, tmp_path):
    r = _run({"bm25s", "scipy"}, f"from scalar.cli import main; main(['eval', '--model', 'baseline/lexical', "
             f"'--data', {str(tiny_release)!r}, '--out', 'run'])", tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "pip install 'scalar-bench[build]'" in r.stderr
    assert "Traceback" not in r.stderr


def test_core_eval_needs_no_extra(tiny_release, tmp_path):
    """The core install's promise: scalar eval runs with the crawl stack, pandas, scipy and
    matplotlib all absent."""
    blocked = {"bm25s", "scipy", "pandas", "matplotlib", "lxml", "openreview", "arxiv", "fitz", "pymupdf",
               "numba", "torch", "transformers", "pylatexenc"}
    r = _run(blocked, f"from scalar.cli import main; main(['eval', '--model', 'baseline/random', "
             f"'--data', {str(tiny_release)!r}, '--out', 'run'])", tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "summary.json").is_file()


def test_load_runs_without_pandas_names_the_leaderboard_extra(tmp_path):
    r = _run({"pandas"}, "import scalar\ntry:\n    scalar.load_runs('.')\nexcept ImportError as e:\n"
             "    print(type(e).__name__, e)\n", tmp_path)
    assert "MissingExtra" in r.stdout and "scalar-bench[leaderboard]" in r.stdout, r.stderr
