"""A truncated or foreign packed checkpoint is a CheckpointError (one line, exit 2), not a crash."""

import numpy as np
import pytest

from scalar.errors import ScalarError
from scalar.local.checkpoint import PACKED_FILE, packed_metadata


def test_a_truncated_packed_checkpoint_is_a_clean_error(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / PACKED_FILE
    save_file({"w": np.ones((64, 64), np.float32)}, str(path), metadata={"format": "x"})
    assert packed_metadata(tmp_path) == {"format": "x"}
    path.write_bytes(path.read_bytes()[:40])  # cut inside the header
    with pytest.raises(ScalarError, match="truncated or not a packed checkpoint"):
        packed_metadata(tmp_path)
    path.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ScalarError, match="scalar convert"):
        packed_metadata(tmp_path)
