"""BinaryLinear and its kernels against the dense FBI-Linear formula."""

import numpy as np
import pytest

from scalar.local import kernels
from scalar.local.binary import LUT_MAX_TOKENS, BinaryLinear
from scalar.local.pack import pack_signs, padded_width, unpack_signs_reference


@pytest.fixture(params=["auto", "portable"])
def kernel_set(request, monkeypatch):
    """Both kernel sets: "auto" (AVX-512 lookup tables where the CPU has them) and "portable"."""
    from scalar.local import binary

    monkeypatch.setattr(binary, "KERNELS", request.param)
    return request.param


def _layer(rng, out_f, in_f, zeros=()):
    w = rng.standard_normal((out_f, in_f)).astype(np.float32)
    for r, c in zeros:
        w[r, c] = 0.0
    beta = w.mean(axis=0, keepdims=True)
    alpha = np.abs(w - beta).mean(axis=0, keepdims=True) * rng.uniform(0.5, 1.5, (1, in_f)).astype(np.float32)
    return w, alpha.astype(np.float32), beta.astype(np.float32)


def _dense(w, alpha, beta):
    # The original layer, written independently: torch.sign semantics (sign(0) = 0).
    return (alpha * np.sign(w) + beta).astype(np.float32)


@pytest.mark.parametrize("out_f,in_f", [(64, 128), (37, 100), (5, 8), (130, 2048), (3, 1)])
@pytest.mark.parametrize("tokens", [None, 1, 2, LUT_MAX_TOKENS + 1, 33, 70])
def test_equals_dense_formula(out_f, in_f, tokens, kernel_set):
    rng = np.random.default_rng(out_f * 1000 + in_f)
    w, alpha, beta = _layer(rng, out_f, in_f)
    layer = BinaryLinear.from_latent(w, alpha, beta)
    shape = (in_f,) if tokens is None else (tokens, in_f)
    x = rng.standard_normal(shape).astype(np.float32)
    y = layer(x)
    ref = x.astype(np.float64) @ _dense(w, alpha, beta).T.astype(np.float64)
    assert y.shape == ref.shape and y.dtype == np.float32
    # fp32 rounding only: far below the size of one weight's contribution
    assert np.abs(y - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1.0)


def test_exact_zero_weights_follow_sign_zero(kernel_set):
    rng = np.random.default_rng(7)
    zeros = [(0, 0), (3, 17), (3, 18), (9, 63), (9, 64)]
    w, alpha, beta = _layer(rng, 10, 70, zeros)
    layer = BinaryLinear.from_latent(w, alpha, beta.reshape(-1))  # (in,) scales accepted too
    assert len(layer.zeros) == len(zeros)
    for tokens in (1, 12):
        x = rng.standard_normal((tokens, 70)).astype(np.float32)
        np.testing.assert_allclose(layer(x), x @ _dense(w, alpha, beta).T, rtol=1e-5, atol=1e-5)
    # Treating the zeros as -1 (what the bits alone say) gives a visibly different answer.
    x = np.ones(70, np.float32)
    wrong = x @ (alpha * np.where(w > 0, 1.0, -1.0) + beta).T
    assert np.abs(layer(x) - wrong).max() > 1e-3
    np.testing.assert_allclose(layer.dequantize(), _dense(w, alpha, beta), rtol=0, atol=1e-6)


def test_packing_round_trip_and_memory(kernel_set):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((1024, 2048)).astype(np.float32)
    packed, zeros = pack_signs(w)
    assert packed.dtype == np.uint8 and packed.shape == (1024, 2048 // 8) and zeros.shape == (0, 2)
    np.testing.assert_array_equal(unpack_signs_reference(packed, 2048), np.where(w > 0, 1.0, -1.0))
    layer = BinaryLinear.from_latent(w, np.ones((1, 2048), np.float32), np.zeros((1, 2048), np.float32))
    assert layer.nbytes <= w.nbytes / 28


@pytest.mark.parametrize("rows,in_f", [(9, 100), (9, 300), (9, 2048), (530, 300)])
def test_unpack_kernel_matches_reference_with_padding(rows, in_f):
    # 100: a tail only; 300: one full column tile + a tail; 2048: full tiles only; 530 rows: 3 blocks
    from scalar.local.binary import _items

    rng = np.random.default_rng(2)
    w = rng.standard_normal((rows, in_f)).astype(np.float32)
    packed, _ = pack_signs(w)
    assert packed.shape[1] == padded_width(in_f) // 8
    nwords = packed.shape[1] // 8
    blocks = kernels.block_words(packed.view(np.uint64))
    out = np.empty((rows, in_f), np.float32)
    kernels.unpack_signs(blocks, nwords, _items(rows), in_f, out)
    np.testing.assert_array_equal(out, unpack_signs_reference(packed, in_f))
    np.testing.assert_array_equal(kernels.unblock_words(blocks, rows, nwords).view(np.uint8), packed)


def test_layer_gives_back_its_file_bytes(kernel_set):
    # convert writes layer.packed: the tiled in-memory layout must round-trip to pack_signs' bytes
    rng = np.random.default_rng(3)
    w = rng.standard_normal((600, 700)).astype(np.float32)
    layer = BinaryLinear.from_latent(w, np.ones(700, np.float32), np.zeros(700, np.float32))
    np.testing.assert_array_equal(layer.packed, pack_signs(w)[0])


@pytest.mark.parametrize("mode", ["shared", "omp", "auto"])
@pytest.mark.parametrize("out_f", [4, 7, 1030, 2050])
def test_multithreaded_gemv_equals_serial(monkeypatch, mode, out_f, kernel_set):
    # every work item is computed exactly once whichever thread claims it: bit-identical results
    from scalar.local import binary

    rng = np.random.default_rng(out_f)
    w, alpha, beta = _layer(rng, out_f, 320)
    layer = BinaryLinear.from_latent(w, alpha, beta)
    x = rng.standard_normal(320).astype(np.float32)
    monkeypatch.setattr(binary, "GEMV_MODE", "serial")
    serial = layer(x)
    monkeypatch.setattr(binary, "GEMV_MODE", mode)
    for _ in range(20):
        np.testing.assert_array_equal(layer(x), serial)
    np.testing.assert_allclose(serial, x @ _dense(w, alpha, beta).T, rtol=1e-5, atol=1e-5)


def test_auto_mode_leaves_the_cores_to_other_processes(monkeypatch):
    from scalar.local import binary

    clock, machine, own = [100.0], [0.0], [0.0]
    watch = binary._CoreWatch()
    monkeypatch.setattr(binary, "GEMV_MODE", "auto")
    monkeypatch.setattr(binary, "_cores", watch)
    monkeypatch.setattr(binary.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(binary.time, "process_time", lambda: own[0])
    monkeypatch.setattr(watch, "_machine_busy", lambda: machine[0])
    modes = []
    # cores used by other processes during each second; we use one core throughout
    for others in [0.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 1.0, 0.0]:
        modes.append(binary._gemv_mode(2, 8))
        clock[0] += 1.0
        own[0] += 1.0
        machine[0] += 1.0 + others
    modes.append(binary._gemv_mode(2, 8))
    # threads only after 3 s of idle cores (QUIET_SECONDS), back to one thread at once when busy
    assert modes == ["serial"] * 6 + ["omp", "omp", "serial", "serial"]
    assert binary._gemv_mode(1, 8) == "serial" and binary._gemv_mode(2, 1) == "serial"
    # the real watcher reads a number of cores from this machine
    assert binary._CoreWatch().others_busy() >= 0.0


def test_lut_table_entries_are_signed_sums():
    x = np.arange(1, 9, dtype=np.float32)
    table = kernels.build_lut(x)
    for pattern in (0, 1, 0b10110001, 255):
        signs = np.array([1.0 if pattern >> j & 1 else -1.0 for j in range(8)], np.float32)
        assert table[pattern] == pytest.approx(float(signs @ x))


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError):
        BinaryLinear.from_latent(np.ones((4, 8), np.float32), np.ones((1, 7), np.float32), np.ones((1, 8), np.float32))
    layer = BinaryLinear.from_latent(np.ones((4, 8), np.float32), np.ones(8, np.float32), np.zeros(8, np.float32))
    with pytest.raises(ValueError):
        layer(np.ones(9, np.float32))


@pytest.mark.parametrize("mode", ["omp", "shared", "serial"])
def test_linear_group_equals_its_members(monkeypatch, mode):
    from scalar.local import binary
    from scalar.local.binary import LinearGroup

    monkeypatch.setattr(binary, "GEMV_MODE", mode)
    monkeypatch.setattr(binary, "KERNELS", "portable")  # fusion is a portable-kernel feature
    rng = np.random.default_rng(5)
    shapes = [(300, 96), (30, 96), (7, 96)]  # the first one spans two row blocks
    parts = [_layer(rng, o, k, zeros=[(1, 2)]) for o, k in shapes]
    dense = [_dense(*p) for p in parts]
    group = LinearGroup([BinaryLinear.from_latent(*p) for p in parts])
    assert group.fused
    for tokens in (1, 3, LUT_MAX_TOKENS + 2):
        x = rng.standard_normal((tokens, 96)).astype(np.float32)
        for y, w in zip(group(x), dense):
            np.testing.assert_allclose(y, x @ w.T, rtol=1e-5, atol=1e-5)
    # members keep working alone on views of the shared packed array
    x = rng.standard_normal(96).astype(np.float32)
    np.testing.assert_allclose(group.members[1](x), x @ dense[1].T, rtol=1e-5, atol=1e-5)
    assert group.members[1].blocks.base is not None


def test_avx512_kernels_are_used_where_available():
    from scalar.local import permute

    if not permute.available():
        pytest.skip("this CPU has no AVX-512F: the portable kernels are the only ones")
    rng = np.random.default_rng(11)
    w, alpha, beta = _layer(rng, 40, 72)
    layer = BinaryLinear.from_latent(w, alpha, beta)
    assert layer.nib is not None and layer.blocks is None
    # 1 bit per weight in memory, like the file format (rows padded to 16, columns to 64)
    assert layer.nib.nbytes == 48 * 128 // 8


def test_permute_tables_are_signed_sums_of_four_columns():
    from scalar.local import permute

    x = np.array([[1.0, 2.0, 4.0, 8.0, 16.0]], np.float32)
    alpha = np.array([1.0, 1.0, 1.0, 1.0, 0.5], np.float32)
    tables = permute.build_tables(x, alpha, 64, 1)[0, :, 0]
    assert tables.shape == (16, 16)
    for pattern in range(16):
        signs = np.array([1.0 if pattern >> j & 1 else -1.0 for j in range(4)], np.float32)
        assert tables[0, pattern] == float(signs @ x[0, :4])
    # the fifth column (alpha 0.5) and then zero padding
    assert tables[1, 1] == 8.0 and tables[1, 0] == -8.0 and not tables[2:].any()
    # a tile of 8 tokens: token t at [t // 8, :, t % 8], padding tokens zero
    many = permute.build_tables(np.tile(x, (10, 1)) * np.arange(1, 11, dtype=np.float32)[:, None], alpha, 64, 8)
    assert many.shape == (2, 16, 8, 16)
    assert many[1, 0, 1, 15] == 10 * 15.0 and many[0, 0, 2, 15] == 3 * 15.0 and not many[1, :, 2:].any()


@pytest.mark.parametrize("rows", [1, 16, 17, 600])
def test_nibble_blocks_round_trip(rows):
    from scalar.local import permute

    rng = np.random.default_rng(rows)
    packed = rng.integers(0, 256, (rows, 24), dtype=np.uint8)
    nib = permute.nibble_blocks(packed)
    assert nib.shape == (-(-rows // 16), 48, 8)
    np.testing.assert_array_equal(permute.packed_from_nibbles(nib, rows), packed)
