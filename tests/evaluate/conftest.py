"""Fixtures for evaluation tests: small releases (eval_fixtures.py) and the real
OpenAI-compatible server in openai_server.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from eval_fixtures import make_question, write_release  # noqa: E402


@pytest.fixture
def release(tmp_path) -> Path:
    return write_release(tmp_path / "release", [make_question(i) for i in range(12)])


@pytest.fixture
def api_env(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the test server is never behind a proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
