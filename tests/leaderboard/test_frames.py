"""scalar.load_runs / scalar.load_release: pandas DataFrames of real run folders and releases."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "evaluate"))

from eval_fixtures import make_question, write_release  # noqa: E402

import scalar  # noqa: E402
from scalar.errors import InputError  # noqa: E402

pd = pytest.importorskip("pandas")


@pytest.fixture
def release(tmp_path):
    qs = [make_question(i, task="mcq" if i < 8 else "cloze") for i in range(12)]
    return write_release(tmp_path / "release", [q.model_copy(update={"context_budget": 1000 + 500 * (i % 2)})
                                                for i, q in enumerate(qs)])


def test_load_release_gives_one_row_per_question(release):
    df = scalar.load_release(release)
    assert len(df) == 12 and set(df.task) == {"mcq", "cloze"} and sorted(set(df.context_budget)) == [1000, 1500]
    assert df.loc[df.task == "mcq", "chance"].eq(0.25).all() and "context" not in df
    full = scalar.load_release(release, text=True)
    assert full.context.str.contains("QID-").all() and full.candidates.map(len).eq(4).all()
    assert df.attrs["release_id"] == "test-release"


def test_load_runs_summarises_and_joins_predictions(release, tmp_path):
    runs = tmp_path / "runs"
    scalar.run_eval("baseline/random", release, runs / "random", progress=False)
    scalar.run_eval("baseline/lexical", release, runs / "lexical", progress=False, limit=6)
    df = scalar.load_runs(runs)
    assert sorted(df.run) == ["lexical", "random"]
    row = df.set_index("run").loc["random"]
    assert row.n == 12 and row.mcq_chance == 0.25 and row.mcq_n == 8 and row.pending == 0
    assert row.tool_version == scalar.__version__ and df.set_index("run").loc["lexical", "limit"] == 6
    preds = scalar.load_runs(runs, predictions=True)
    assert len(preds) == 18 and {"difficulty", "context_budget", "correct", "prompt_sha256"} <= set(preds.columns)
    by_run = preds.groupby("run").correct.mean()
    assert by_run["random"] == pytest.approx(row.accuracy)


def test_load_runs_on_a_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        scalar.load_runs(tmp_path / "nope")
