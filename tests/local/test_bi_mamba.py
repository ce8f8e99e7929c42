"""Bi-Mamba through packed kernels against a plain step-by-step numpy recurrence and
transformers' Mamba2ForCausalLM (dequantized weights)."""

import numpy as np
import pytest
from local_fixtures import dequantized, mamba_config, mamba_state, write_checkpoint

from scalar.local import load_model
from scalar.local.checkpoint import CheckpointError


def _reference(config: dict, state: dict, tokens: list[int]) -> np.ndarray:
    """The Mamba-2 recurrence written plainly, one token at a time, in float64."""
    w = {k: v.astype(np.float64) for k, v in dequantized(state).items()}
    ssm = config["ssm_cfg"]
    d, n, p = config["d_model"], ssm["d_state"], ssm["headdim"]
    di = 2 * d
    heads = di // p
    eps = 1e-5

    def rms(x, weight):
        return x / np.sqrt(np.mean(x * x) + eps) * weight

    def silu(x):
        return x / (1 + np.exp(-x))

    layers = range(config["n_layer"])
    conv_hist = {i: [np.zeros(di + 2 * n) for _ in range(3)] for i in layers}
    ssm_state = {i: np.zeros((heads, p, n)) for i in layers}
    out = []
    for token in tokens:
        h = w["backbone.embedding.weight"][token]
        for i in layers:
            pre = f"backbone.layers.{i}.mixer"
            proj = w[f"{pre}.in_proj.weight"] @ rms(h, w[f"backbone.layers.{i}.norm.weight"])
            z, xbc, dt = proj[:di], proj[di:2 * di + 2 * n], proj[2 * di + 2 * n:]
            window = conv_hist[i] + [xbc]  # oldest first, 4 taps
            conv_hist[i] = window[1:]
            kernel = w[f"{pre}.conv1d.weight"][:, 0, :]
            xbc = silu(sum(kernel[:, k] * window[k] for k in range(4)) + w[f"{pre}.conv1d.bias"])
            x, B, C = xbc[:di].reshape(heads, p), xbc[di:di + n], xbc[di + n:]
            dt = np.log1p(np.exp(dt + w[f"{pre}.dt_bias"]))
            A = -np.exp(w[f"{pre}.A_log"])
            y = np.empty((heads, p))
            for hh in range(heads):
                ssm_state[i][hh] = np.exp(dt[hh] * A[hh]) * ssm_state[i][hh] + dt[hh] * np.outer(x[hh], B)
                y[hh] = ssm_state[i][hh] @ C + w[f"{pre}.D"][hh] * x[hh]
            y = rms(y.reshape(-1) * silu(z), w[f"{pre}.norm.weight"])
            h = h + w[f"{pre}.out_proj.weight"] @ y
        out.append(w["backbone.embedding.weight"] @ rms(h, w["backbone.norm_f.weight"]))
    return np.array(out)[:, : config["vocab_size"]]


def _max_rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("fmt,with_lm_head", [("bin", True), ("bin", False), ("safetensors", True)])
def test_logits_match_the_plain_recurrence(tmp_path, sp_model, fmt, with_lm_head):
    config = mamba_config(vocab_size=390)  # not a multiple of 16: the embedding is padded to 400
    state = mamba_state(config, seed=1, with_lm_head=with_lm_head)
    model = load_model("bi-mamba", write_checkpoint(tmp_path / "m", config, state, fmt, sp_model))
    tokens = [1] + list(np.random.default_rng(0).integers(3, 390, 30))
    ours = model.forward(tokens)
    assert ours.shape == (31, 390) and ours.dtype == np.float32
    assert _max_rel(ours, _reference(config, state, tokens)) < 1e-4


def test_default_state_sizes_and_chunked_prefill(tmp_path, sp_model):
    # the published defaults N = 128, P = 64 with a small d_model
    config = mamba_config(d_model=64, n_layer=1, d_state=128, headdim=64)
    state = mamba_state(config, seed=4)
    model = load_model("bi-mamba", write_checkpoint(tmp_path / "m", config, state, "bin", sp_model))
    tokens = [1] + list(np.random.default_rng(2).integers(3, 400, 40))
    full = model.forward(tokens)
    assert _max_rel(full, _reference(config, state, tokens)) < 1e-4
    st = model.new_cache()
    size = st.nbytes
    parts = [model.prefill(tokens[:2], st, logits="all", chunk=1),  # chunks shorter than the conv window
             model.prefill(tokens[2:30], st, logits="all", chunk=7)]
    parts += [model.prefill([t], st, logits="all") for t in tokens[30:]]
    assert st.nbytes == size and st.length == len(tokens)
    assert _max_rel(np.concatenate(parts), full) < 1e-4
    snap = model.new_cache()
    model.prefill(tokens[:10], snap, logits="none")
    saved = snap.snapshot()
    first = model.prefill([5, 6], snap, logits="last")
    snap.restore(saved)
    assert np.array_equal(model.prefill([5, 6], snap, logits="last"), first)


def test_matches_transformers_mamba2(tmp_path, sp_model):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = mamba_config(vocab_size=400)
    state = mamba_state(config, seed=6)
    model = load_model("bi-mamba", write_checkpoint(tmp_path / "m", config, state, "bin", sp_model))
    hf_config = transformers.Mamba2Config(
        vocab_size=400, hidden_size=64, num_hidden_layers=2, state_size=16, head_dim=16, num_heads=8,
        n_groups=1, expand=2, conv_kernel=4, use_conv_bias=True, use_bias=False, rms_norm=True,
        norm_before_gate=False, layer_norm_epsilon=1e-5, residual_in_fp32=True, tie_word_embeddings=True,
        time_step_limit=(0.0, float("inf")), chunk_size=8)
    hf = transformers.Mamba2ForCausalLM(hf_config).eval()
    weights = {k.replace("backbone.embedding.", "backbone.embeddings."): torch.from_numpy(v)
               for k, v in dequantized(state).items()}
    missing, unexpected = hf.load_state_dict(weights, strict=False)
    assert not unexpected and not [k for k in missing if k != "lm_head.weight"], (missing, unexpected)
    tokens = [1] + list(np.random.default_rng(3).integers(3, 400, 20))
    with torch.no_grad():
        ref = hf(torch.tensor([tokens])).logits[0].float().numpy()
    assert _max_rel(model.forward(tokens), ref) < 1e-4


def test_bad_bi_mamba_checkpoints(tmp_path, sp_model):
    config = mamba_config(n_layer=1)
    state = mamba_state(config)
    del state["backbone.layers.0.mixer.A_log"]
    with pytest.raises(CheckpointError, match="missing tensor.*A_log"):
        load_model("bi-mamba", write_checkpoint(tmp_path / "a", config, state, "bin", sp_model))
    bad = dict(config, ssm_cfg={"layer": "Mamba1"})
    with pytest.raises(CheckpointError, match="unknown architecture"):
        load_model("bi-mamba", write_checkpoint(tmp_path / "b", bad, mamba_state(config), "bin", sp_model))
    with pytest.raises(CheckpointError, match="unknown architecture"):
        load_model("bi-mamba", write_checkpoint(tmp_path / "c", {"architectures": ["LlamaForCausalLM"]},
                                                mamba_state(config), "bin", sp_model))
