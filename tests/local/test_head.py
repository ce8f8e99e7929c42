"""The output head in fp32 (exact) and int8 (one scale per vocabulary row): measured tolerance."""

import numpy as np
import pytest

from scalar.errors import ConfigError
from scalar.local.head import OutputHead, quantize_rows


def _head_and_states(seed=0, vocab=4000, hidden=512, tokens=64):
    rng = np.random.default_rng(seed)
    weight = (rng.standard_normal((vocab, hidden)) * 0.02).astype(np.float32)
    x = rng.standard_normal((tokens, hidden)).astype(np.float32)  # RMS-normed states have unit scale
    return weight, x


def test_fp32_head_is_the_plain_product():
    weight, x = _head_and_states()
    head = OutputHead(weight)
    np.testing.assert_allclose(head(x), x @ weight.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(head(x[3]), x[3] @ weight.T, rtol=1e-4, atol=1e-5)


def test_int8_head_tolerance_and_top1():
    weight, x = _head_and_states(1)
    exact = x.astype(np.float64) @ weight.T.astype(np.float64)
    head = OutputHead(weight, "int8")
    assert head.nbytes < weight.nbytes / 3.9
    for got in (head(x), np.stack([head(row, parallel=False) for row in x])):
        err = np.abs(got - exact)
        # measured on gaussian weights: max error 3.7% of the logits' spread (std), mean 0.6%
        assert err.max() <= 0.05 * exact.std()
        assert err.mean() <= 0.01 * exact.std()
        # the greedy token is the same wherever fp32's top-2 margin exceeds twice the error bound
        top2 = np.sort(exact, axis=1)[:, -2:]
        clear = (top2[:, 1] - top2[:, 0]) > 2 * err.max()
        assert clear.sum() > len(x) // 2
        assert (got.argmax(1) == exact.argmax(1))[clear].all()


def test_quantize_rows_round_trip_and_zero_rows():
    weight = np.array([[0.0, 0.0], [1.0, -0.5], [-2.54, 1.27]], np.float32)
    q, scale = quantize_rows(weight)
    assert q.dtype == np.int8 and q[0].tolist() == [0, 0] and scale[0] == 1.0
    assert q[1].tolist() == [127, -64] and q[2].tolist() == [-127, 64]
    np.testing.assert_allclose(q * scale[:, None], weight, atol=0.011)


def test_unknown_precision_is_a_config_error():
    with pytest.raises(ConfigError, match="fp16"):
        OutputHead(np.zeros((2, 2), np.float32), "fp16")
