from __future__ import annotations

import pytest
from sample_release import build_sample_release


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory):
    return build_sample_release(tmp_path_factory.mktemp("export-release"))
