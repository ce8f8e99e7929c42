from __future__ import annotations

import pytest
from sample_release import build_sample_release


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory):
    return build_sample_release(tmp_path_factory.mktemp("integrations-release"))


# The loopback OpenAI-compatible server of the evaluate tests.
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluate"))
