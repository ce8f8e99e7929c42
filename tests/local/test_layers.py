"""The fused numba activation kernels against the plain numpy formulas."""

import numpy as np
import pytest

from scalar.local.layers import gated_rms_norm, rms_norm, rms_norm_rows, silu, silu_mul


@pytest.mark.parametrize("tokens", [1, 3, 70])  # serial (decode) and threaded paths
def test_fused_kernels_equal_numpy(tokens):
    rng = np.random.default_rng(tokens)
    x = rng.standard_normal((tokens, 96)).astype(np.float32) * 3
    w = rng.standard_normal(96).astype(np.float32)
    np.testing.assert_allclose(rms_norm_rows(x, w, 1e-5), rms_norm(x, w, 1e-5), rtol=1e-5, atol=1e-6)
    up = rng.standard_normal((tokens, 96)).astype(np.float32)
    gate = x.copy()
    gate[0, :3] = [-200.0, 200.0, 0.0]  # exp overflow must give silu(-200) = -0, not nan
    np.testing.assert_allclose(silu_mul(gate, up), silu(gate) * up, rtol=1e-5, atol=1e-6)
    wide = rng.standard_normal((tokens, 200)).astype(np.float32)
    z = wide  # the gate is the first 100 columns of a wider array, as in in_proj's output
    y = rng.standard_normal((tokens, 100)).astype(np.float32)
    gw = rng.standard_normal(100).astype(np.float32)
    expected = rms_norm((y * silu(z[:, :100])).reshape(tokens, 2, 50), gw.reshape(2, 50), 1e-5).reshape(tokens, 100)
    got = gated_rms_norm(y, z, gw, 2, 1e-5)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
