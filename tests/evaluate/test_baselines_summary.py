from datetime import date

import pytest

from eval_fixtures import make_question, write_release
from scalar._util.io import read_jsonl
from scalar.evaluate.backends import get_backend
from scalar.evaluate.runner import run_eval
from scalar.evaluate.summary import summarize, summary_table
from scalar.schema import Candidate, Prediction, Question


def test_random_baseline_is_seeded_per_question_and_near_chance(tmp_path):
    qs = [make_question(i, paper=f"p{i}") for i in range(400)] + [make_question(400 + i, task="cloze") for i in range(4)]
    rel = write_release(tmp_path / "rel", qs)
    a = run_eval("baseline/random", rel, tmp_path / "a", progress=False)
    b = run_eval("baseline/random", rel, tmp_path / "b", progress=False)
    c = run_eval("baseline/random", rel, tmp_path / "c", seed=1, progress=False)
    pa = [r["prediction"] for r in read_jsonl(tmp_path / "a" / "predictions.jsonl")]
    assert pa == [r["prediction"] for r in read_jsonl(tmp_path / "b" / "predictions.jsonl")]
    assert pa != [r["prediction"] for r in read_jsonl(tmp_path / "c" / "predictions.jsonl")]
    assert 0.18 < a.accuracy.accuracy < 0.32 and a.accuracy.low < 0.25 < a.accuracy.high
    assert all(isinstance(p, list) and len(p) == 2 for p in pa[-4:])
    assert a.cost_usd == 0 and a.prompt_tokens == 0


def _q(i, context, texts, answer):
    return Question(id=f"q{i}", task="mcq", difficulty="easy", paper="p", context=context, answer=answer,
                    candidates=[Candidate(key=f"k{j}", text=t) for j, t in enumerate(texts)])


def test_lexical_baseline_picks_the_shared_vocabulary_and_falls_back_to_random_on_ties():
    lexical = get_backend("baseline/lexical")
    random_ = get_backend("baseline/random")
    q = _q(1, "We train with the Adam optimizer using momentum estimates **[MASKED_CITATION]** as usual.",
           ["Graph neural networks for molecules.", "Convolutional image classifiers.",
            "Adam: a method for stochastic optimization with adaptive momentum estimates.", "Speech recognition."], 2)
    assert lexical.answer_question(q) == 2
    tie = _q(2, "Nothing in common here **[MASKED_CITATION]** whatsoever.", ["alpha", "beta", "gamma", "delta"], 0)
    assert lexical.answer_question(tie) == random_.answer_question(tie)
    assert "bm25" in lexical.explain(q)


def test_unknown_baseline_and_local_are_config_errors():
    from scalar.errors import ConfigError

    with pytest.raises(ConfigError):
        get_backend("baseline/oracle")


def _pred(q, correct=False, error=None, parse_failure=False):
    return Prediction(id=q.id, model="m", correct=correct, error=error, parse_failure=parse_failure,
                      prediction=None if (error or parse_failure) else q.answer if correct else (q.answer + 1) % 4)


def test_summary_excludes_errors_counts_parse_failures_and_filters_by_date():
    qs = [make_question(i) for i in range(9)]  # months 2024-10/11/12 by i % 3
    preds = {q.id: _pred(q, correct=True) for q in qs[:5]}
    preds[qs[5].id] = _pred(qs[5], error="RateLimitError")
    preds[qs[6].id] = _pred(qs[6], parse_failure=True)
    preds[qs[7].id] = _pred(qs[7])
    s = summarize(model="m", release_id="r", data_dir="/d", questions=qs, predictions=preds)
    assert s.n == 7 and s.errors == 1 and s.parse_failures == 1
    assert s.accuracy.accuracy == pytest.approx(5 / 7)
    assert sum(v.n for v in s.by_difficulty.values()) == 7
    assert set(s.breakdowns["citation_type"]) == {"attributional", "descriptive"}
    after = summarize(model="m", release_id="r", data_dir="/d", questions=qs, predictions=preds, after=date(2024, 11, 15))
    assert after.after == date(2024, 11, 15) and set(after.breakdowns["month"]) == {"2024-12"}
    assert after.n == sum(1 for q in qs if q.first_public_date.month == 12 and q.id in preds and preds[q.id].error is None)
    table = summary_table(s)
    assert table.row_count >= 4


def test_after_limits_which_questions_run(release, tmp_path):
    s = run_eval("baseline/random", release, tmp_path / "run", after=date(2024, 11, 15), progress=False)
    rows = list(read_jsonl(tmp_path / "run" / "predictions.jsonl"))
    assert len(rows) == 4 and s.n == 4 and str(s.after) == "2024-11-15"


def test_local_models_resolve_through_the_local_module_or_fail_cleanly():
    import importlib.util

    from scalar.errors import ConfigError

    with pytest.raises(ConfigError, match="local"):
        get_backend("local/no-such-kind", model_args={"checkpoint": "/nowhere"})
    if importlib.util.find_spec("scalar.evaluate.backends.local") is not None:
        with pytest.raises(ConfigError, match="checkpoint"):
            get_backend("local/fbi-llm")
