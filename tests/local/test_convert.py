"""`scalar convert`: published checkpoints -> packed safetensors that load without torch."""

import json
import subprocess
import sys

import numpy as np
import pytest
from local_fixtures import fbi_config, fbi_state, mamba_config, mamba_state, write_checkpoint

from scalar.local import load_model
from scalar.local.checkpoint import PACKED_FILE, CheckpointError
from scalar.local.convert import convert_checkpoint


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "scalar", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("kind", ["fbi-llm", "bi-mamba"])
def test_packed_round_trip_gives_identical_logits(tmp_path, sp_model, kind):
    if kind == "fbi-llm":
        config = fbi_config()
        state = fbi_state(config, seed=9, zeros=True)
    else:
        config = mamba_config()
        state = mamba_state(config, seed=9)
    src = write_checkpoint(tmp_path / "src", config, state, "bin-sharded", sp_model)
    summary = convert_checkpoint(kind, src, tmp_path / "packed")
    assert summary["exact_zero_weights"] == (6 if kind == "fbi-llm" else 0)
    packed_dir = tmp_path / "packed"
    assert sorted(p.name for p in packed_dir.iterdir()) == sorted(["config.json", "generation_config.json",
                                                                   PACKED_FILE, "tokenizer.model"])
    tokens = [1, 17, 99, 250, 3, 42]
    original = load_model(kind, src)
    packed = load_model(kind, packed_dir)
    np.testing.assert_array_equal(packed.forward(tokens), original.forward(tokens))
    # the packed file holds 1 bit per binarized weight, far below the fp32 latent size
    latent = sum(v.nbytes for k, v in state.items() if k.endswith(".weight") and k.replace(".weight", ".wscale") in state)
    assert summary["packed_linear_bytes"] < latent / 16


def test_packed_checkpoint_loads_without_torch(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    src = write_checkpoint(tmp_path / "src", config, fbi_state(config), "bin", sp_model)
    convert_checkpoint("fbi-llm", src, tmp_path / "packed")
    expected = load_model("fbi-llm", src).forward([1, 5, 9]).tolist()
    code = (
        "import sys, json; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
        "from scalar.local import load_model\n"
        f"m = load_model('fbi-llm', {str(tmp_path / 'packed')!r})\n"
        "print(json.dumps(m.forward([1, 5, 9]).tolist()))\n"
        "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.array(json.loads(r.stdout)), np.array(expected, np.float32))


def test_cli_convert_and_its_errors(tmp_path, sp_model):
    config = fbi_config(num_hidden_layers=1)
    src = write_checkpoint(tmp_path / "src", config, fbi_state(config), "bin-sharded", sp_model)
    r = _cli("convert", "fbi-llm", str(src), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "binarized linears" in r.stdout and (tmp_path / "out" / PACKED_FILE).is_file()

    def one_line_exit_2(result, needle):
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert needle in result.stderr

    one_line_exit_2(_cli("convert", "gpt-9", str(src), "--out", str(tmp_path / "x")), "unknown local model")
    one_line_exit_2(_cli("convert", "bi-mamba", str(src), "--out", str(tmp_path / "x")), "unknown architecture")
    (src / "pytorch_model-00001-of-00002.bin").unlink()
    one_line_exit_2(_cli("convert", "fbi-llm", str(src), "--out", str(tmp_path / "x")), "missing shard")
    notok = write_checkpoint(tmp_path / "notok", config, fbi_state(config), "bin", None)
    one_line_exit_2(_cli("convert", "fbi-llm", str(notok), "--out", str(tmp_path / "y")), "no tokenizer")
    bad = fbi_state(config)
    bad["model.layers.0.mlp.down_proj.weight"] = np.ones((64, 95), np.float32)
    wrong = write_checkpoint(tmp_path / "wrong", config, bad, "bin", sp_model)
    one_line_exit_2(_cli("convert", "fbi-llm", str(wrong), "--out", str(tmp_path / "z")), "down_proj.weight has shape")
    assert not (tmp_path / "z" / PACKED_FILE).exists()


def test_packed_kind_mismatch_is_refused(tmp_path, sp_model):
    config = mamba_config(n_layer=1)
    src = write_checkpoint(tmp_path / "src", config, mamba_state(config), "bin", sp_model)
    convert_checkpoint("bi-mamba", src, tmp_path / "packed")
    (tmp_path / "packed" / "config.json").write_text(json.dumps(fbi_config(num_hidden_layers=1)))
    with pytest.raises(CheckpointError, match="packed 'bi-mamba' model"):
        load_model("fbi-llm", tmp_path / "packed")
