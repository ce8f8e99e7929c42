"""Optional push of an exported dataset folder to the Hugging Face Hub (``--push REPO``).

The token comes only from the environment (``HF_TOKEN``, the Hub's own variable): never from a
flag, so it cannot land in shell history or a log of the command line.
"""

from __future__ import annotations

import os
from pathlib import Path

from scalar.errors import ConfigError, NetworkError

TOKEN_ENV = "HF_TOKEN"


def hub_token() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(f"--push needs a Hugging Face token in the {TOKEN_ENV} environment variable "
                          "(https://huggingface.co/settings/tokens); nothing was pushed")
    return token


def push_to_hub(folder: str | Path, repo_id: str, *, token: str, private: bool = False,
                endpoint: str | None = None, api=None) -> str:
    """Create the dataset repo if needed and upload the folder in one commit; returns the commit
    URL. ``api`` defaults to ``huggingface_hub.HfApi(endpoint=endpoint, token=token)``."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(endpoint=endpoint, token=token)
    folder = Path(folder)
    try:
        api.create_repo(repo_id=repo_id, repo_type="dataset", private=private, exist_ok=True)
        info = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset",
                                 commit_message=f"SCALAR export of {folder.name}")
    except Exception as e:  # huggingface_hub raises HfHubHTTPError / requests errors
        message = " ".join(str(e).replace(token, "***").split())
        raise NetworkError(f"push to {repo_id} failed: {type(e).__name__}: {message}") from None
    return str(getattr(info, "commit_url", info))


__all__ = ["TOKEN_ENV", "hub_token", "push_to_hub"]
