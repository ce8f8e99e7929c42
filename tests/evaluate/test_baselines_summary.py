from datetime import date

import pytest
from eval_fixtures import make_question, write_release

from scalar._util.io import read_jsonl
from scalar.evaluate import get_backend
from scalar.evaluate.runner import run_eval
from scalar.evaluate.summary import summarize, summary_table
from scalar.release import iter_questions
from scalar.schema import Candidate, Prediction, Question


def test_random_baseline_is_seeded_per_question_and_near_chance(tmp_path):
    qs = [make_question(i, paper=f"p{i}") for i in range(400)] + [make_question(400 + i, task="cloze") for i in range(4)]
    rel = write_release(tmp_path / "rel", qs)
    a = run_eval("baseline/random", rel, tmp_path / "a", progress=False)
    run_eval("baseline/random", rel, tmp_path / "b", progress=False)
    run_eval("baseline/random", rel, tmp_path / "c", seed=1, progress=False)
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
    if importlib.util.find_spec("scalar.models.local") is not None:
        with pytest.raises(ConfigError, match="checkpoint"):
            get_backend("local/fbi-llm")


# ---------------------------------------------------------------- cloze: one candidate per mask


def test_random_cloze_answers_are_seeded_one_to_one_assignments():
    random_ = get_backend("baseline/random")
    other_seed = get_backend("baseline/random", model_args={"seed": 7})
    qs = [make_question(i, task="cloze", n_cand=3) for i in range(200)]
    answers = [random_.answer_question(q) for q in qs]
    assert all(len(a) == 2 and len(set(a)) == 2 and all(0 <= x < 3 for x in a) for a in answers)
    assert answers == [random_.answer_question(q) for q in qs]
    assert answers != [other_seed.answer_question(q) for q in qs]
    # uniform over the 6 ordered pairs of distinct candidates
    from collections import Counter

    counts = Counter(tuple(a) for a in answers)
    assert len(counts) == 6 and min(counts.values()) > 15


def _cloze(context, texts, answer):
    return Question(id="c1", task="cloze", difficulty="easy", paper="p", context=context, answer=answer,
                    candidates=[Candidate(key=f"k{j}", text=t) for j, t in enumerate(texts)])


def test_lexical_cloze_solves_the_assignment_instead_of_reusing_the_best_candidate():
    """Both masks' words match the Adam paper best; one-to-one, the second mask's words (adaptive
    momentum, but also graph molecules) make the graph paper its better remaining match."""
    lexical = get_backend("baseline/lexical", model_args={"words": 8})
    q = _cloze("We optimise with adaptive momentum estimates [MASK_1] throughout. " + "filler " * 30 +
               "Molecules as graphs with adaptive momentum [MASK_2] follow.",
               ["Adam: adaptive momentum estimates for stochastic optimization.",
                "Graph networks for molecules.", "Speech recognition with recurrent nets."], [0, 1])
    scores = lexical._scores(q)
    assert scores[0].index(max(scores[0])) == 0 and scores[1].index(max(scores[1])) == 0  # greedy reuses 0
    assert lexical.answer_question(q) == [0, 1]


def test_assignment_maximises_the_total_and_breaks_ties_by_the_random_draw():
    from scalar.evaluate.baselines import assign

    assert assign([[10, 9, 0], [5, 1, 0]], [2, 0]) == [1, 0]  # 9 + 5 beats 10 + 1
    assert assign([[0.0] * 4] * 3, [3, 1, 0]) == [3, 1, 0]  # nothing scored: the random draw
    assert assign([[2, 0, 0, 0], [0, 0, 0, 0]], [1, 3]) == [0, 3]  # the unscored mask keeps its draw
    assert assign([[2, 0, 0, 0], [0, 0, 0, 0]], [1, 0]) == [0, 1]  # its draw was taken: another tied one
    lexical = get_backend("baseline/lexical")
    tie = _cloze("Nothing [MASK_1] in common [MASK_2] here.", ["alpha", "beta", "gamma", "delta"], [0, 1])
    assert lexical.answer_question(tie) == get_backend("baseline/random").answer_question(tie)


def test_summary_reports_the_share_of_cloze_masks_right(tmp_path):
    qs = [make_question(i, task="cloze", n_cand=4, paper=f"p{i}") for i in range(4)]  # answers [i%4, (i+1)%4]
    wrong = lambda a: (a + 2) % 4  # noqa: E731
    preds = {
        qs[0].id: Prediction(id=qs[0].id, model="m", prediction=qs[0].answer, correct=True),
        qs[1].id: Prediction(id=qs[1].id, model="m", prediction=[qs[1].answer[0], wrong(qs[1].answer[1])]),
        qs[2].id: Prediction(id=qs[2].id, model="m", prediction=[wrong(a) for a in qs[2].answer]),
        qs[3].id: Prediction(id=qs[3].id, model="m", prediction=None, parse_failure=True),
    }
    s = summarize(model="m", release_id="r", data_dir="d", questions=qs, predictions=preds)
    assert s.accuracy.accuracy == 0.25
    per_mask = s.breakdowns["cloze_masks"]["per_mask"]
    assert per_mask.accuracy == pytest.approx(3 / 8) and per_mask.n == 8 and per_mask.n_papers == 4
    from rich.console import Console

    console = Console(width=120, record=True)
    console.print(summary_table(s))
    text = console.export_text()
    assert "cloze, per mask (n = masks) │ 0.375" in text
    mcq_only = summarize(model="m", release_id="r", data_dir="d", questions=[make_question(9)], predictions={
        make_question(9).id: Prediction(id=make_question(9).id, model="m", prediction=1, correct=True)})
    assert "cloze_masks" not in mcq_only.breakdowns


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory):
    """The sample release under the original distractor rules (30 cloze questions; balanced cloze
    sets keep fewer of the synthetic papers' small pools, and this tests the baselines, not them)."""
    from scalar.generate.venue_release import run_build

    out = tmp_path_factory.mktemp("sample") / "rel"
    run_build(venue="sample", out=out, offline=True, progress=False, generation={"distractors": "original"})
    return out


def test_baselines_on_the_sample_release_give_each_mask_its_own_candidate(sample_release, tmp_path):
    cloze = [q for q in iter_questions(sample_release) if q.task == "cloze"]
    assert len(cloze) >= 20
    for model in ("baseline/random", "baseline/lexical"):
        s = run_eval(model, sample_release, tmp_path / model.split("/")[1], progress=False)
        rows = {r["id"]: r for r in read_jsonl(tmp_path / model.split("/")[1] / "predictions.jsonl")}
        for q in cloze:
            p = rows[q.id]["prediction"]
            assert len(p) == len(q.answer) and len(set(p)) == len(p), (model, q.id, p)
        per_mask = s.breakdowns["cloze_masks"]["per_mask"]
        assert per_mask.n == sum(len(q.answer) for q in cloze)
        # chance per mask is about 1 / candidates; all-or-nothing would sit near zero
        assert per_mask.accuracy > 0.12, (model, per_mask)
