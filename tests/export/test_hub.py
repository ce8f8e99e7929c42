"""`--push REPO`: the token only from HF_TOKEN, checked before anything is written; the Hub calls
are valid for the installed huggingface_hub; failures are one line without the token."""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys

import pytest

from scalar.errors import NetworkError
from scalar.export.hub import push_to_hub

hub = pytest.importorskip("huggingface_hub")
TOKEN = "hf_secretTOKEN1234567890"


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "scalar", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    env.update(extra)
    return env


def test_push_without_a_token_fails_before_writing(tmp_path, sample_release):
    r = _cli("export", "--data", sample_release, "--format", "hf", "--out", tmp_path / "hf", "--push", "me/scalar",
             env=_env())
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "HF_TOKEN" in r.stderr and not (tmp_path / "hf").exists()


class RecordingApi:
    """Records the calls and checks each against the real HfApi method's signature."""

    def __init__(self, fail: Exception | None = None):
        self.calls: list[tuple[str, dict]] = []
        self.fail = fail

    def _record(self, name, kwargs):
        inspect.signature(getattr(hub.HfApi, name)).bind(None, **kwargs)  # TypeError if not valid
        self.calls.append((name, kwargs))
        if self.fail is not None:
            raise self.fail

    def create_repo(self, **kwargs):
        self._record("create_repo", kwargs)

    def upload_folder(self, **kwargs):
        self._record("upload_folder", kwargs)
        return hub.CommitInfo(commit_url="https://huggingface.co/datasets/me/scalar/commit/abc", commit_message="m",
                              commit_description="", oid="abc")


def test_push_call_construction(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    api = RecordingApi()
    url = push_to_hub(folder, "me/scalar", token=TOKEN, private=True, api=api)
    assert url.endswith("/commit/abc")
    (create, kw1), (upload, kw2) = api.calls
    assert create == "create_repo" and kw1 == {"repo_id": "me/scalar", "repo_type": "dataset", "private": True,
                                               "exist_ok": True}
    assert upload == "upload_folder" and kw2["folder_path"] == str(folder) and kw2["repo_type"] == "dataset"
    assert kw2["repo_id"] == "me/scalar"


def test_a_failed_push_is_one_line_without_the_token(tmp_path):
    api = RecordingApi(fail=RuntimeError(f"401 Unauthorized for token {TOKEN}"))
    with pytest.raises(NetworkError) as e:
        push_to_hub(tmp_path, "me/scalar", token=TOKEN, api=api)
    assert TOKEN not in str(e.value) and "***" in str(e.value)


def test_cli_push_to_an_unreachable_hub(tmp_path, sample_release):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = _cli("export", "--data", sample_release, "--format", "hf", "--out", tmp_path / "hf", "--no-audit",
             "--push", "me/scalar", env=_env(HF_TOKEN=TOKEN, HF_ENDPOINT=f"http://127.0.0.1:{port}",
                                             HF_HUB_DISABLE_TELEMETRY="1"))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "push to me/scalar failed" in r.stderr
    assert TOKEN not in r.stderr + r.stdout
    assert (tmp_path / "hf" / "README.md").is_file()  # the export itself is kept
