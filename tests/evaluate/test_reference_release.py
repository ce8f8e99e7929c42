"""The 12 real questions of the original SCALAR release, imported and sent through the server."""

import pytest
from openai_server import OpenAIServer, Reply, prompt_of

from scalar._util.io import read_jsonl
from scalar.evaluate.runner import run_eval


@pytest.fixture
def imported(reference_dir, tmp_path):
    try:
        from scalar.reference.importer import import_reference
    except ImportError:
        pytest.skip("scalar.reference.importer has not landed")
    src = reference_dir / "scalar-release"
    if not src.is_dir():
        pytest.skip("scalar-release reference data absent")
    out = tmp_path / "original"
    import_reference(src, out, progress=False)
    return out


def _gold_by_prompt(release):
    """The server knows each question by a distinctive slice of its paper text."""
    rows = list(read_jsonl(release / "questions.jsonl"))
    keys = []
    for r in rows:
        ctx = r["context"]
        at = ctx.index("**[MASKED_CITATION]**")
        parts = [ctx[max(0, at - 300):at + 300]] + [f"Candidate [{i}]:\n{c['text'][:300]}"
                                                    for i, c in enumerate(r["candidates"])]
        keys.append((parts, r["answer"]))
    return rows, keys


def test_correct_server_scores_one_and_constant_2_scores_label_share(imported, tmp_path, api_env):
    rows, keys = _gold_by_prompt(imported)
    assert len(rows) == 12

    def correct(req, n):
        prompt = prompt_of(req)
        hits = [a for parts, a in keys if all(p in prompt for p in parts)]
        assert len(hits) == 1
        return Reply(text=f"<think>reading</think><answer>{hits[0]}</answer>")

    with OpenAIServer(correct) as srv:
        s = run_eval("openai/gpt-4o-mini", imported, tmp_path / "correct", api_base=srv.url, progress=False)
        assert len(srv.requests) == 12
    assert s.accuracy.accuracy == 1.0 and s.n == 12 and s.accuracy.n_papers == 3
    assert set(s.by_difficulty) == {"easy", "medium", "hard"}
    # the real prompts are long; gpt-4o-mini's 128k window holds them without a cut
    assert all(r["truncated_tokens"] == 0 and r["prompt_tokens"] > 10_000 for r in read_jsonl(tmp_path / "correct" / "predictions.jsonl"))

    with OpenAIServer(lambda req, n: Reply(text="<answer>2</answer>")) as srv:
        s = run_eval("openai/gpt-4o-mini", imported, tmp_path / "always2", api_base=srv.url, progress=False)
    share = sum(r["answer"] == 2 for r in rows) / len(rows)
    assert s.accuracy.accuracy == pytest.approx(share)
    for level in ("easy", "medium", "hard"):
        level_rows = [r for r in rows if r["difficulty"] == level]
        assert s.by_difficulty[level].accuracy == pytest.approx(sum(r["answer"] == 2 for r in level_rows) / len(level_rows))


def test_baselines_run_on_the_real_questions(imported, tmp_path):
    for model in ("baseline/random", "baseline/lexical"):
        s = run_eval(model, imported, tmp_path / model.split("/")[1], progress=False)
        assert s.n == 12 and s.errors == 0 and 0.0 <= s.accuracy.accuracy <= 1.0
