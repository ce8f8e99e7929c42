"""litellm starts offline: its bundled model map, no remote fetch (issue: ~8 s and retries on
offline clusters). A subprocess records every socket the whole eval opens (audit hooks)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("litellm")

EVAL_DIR = Path(__file__).parents[1] / "evaluate"

SCRIPT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
hosts = []

def hook(event, args):
    if event == "socket.getaddrinfo":
        hosts.append(str(args[0]))
    elif event == "socket.connect" and isinstance(args[1], tuple):
        hosts.append(str(args[1][0]))

sys.addaudithook(hook)
from eval_fixtures import make_question, write_release
from openai_server import OpenAIServer, Reply
from pathlib import Path
from scalar.evaluate.runner import run_eval

out = Path(sys.argv[2])
rel = write_release(out / "release", [make_question(i) for i in range(3)])
with OpenAIServer(lambda req, n: Reply()) as srv:
    started = time.perf_counter()
    s = run_eval("openai/gpt-4o-mini", rel, out / "run", api_base=srv.url, progress=False)
    took = time.perf_counter() - started
import litellm
window = litellm.get_model_info("openai/gpt-4o-mini")["max_input_tokens"]
print(json.dumps({"hosts": sorted(set(hosts)), "n": s.n, "window": window, "seconds": took,
                  "flag": __import__("os").environ.get("LITELLM_LOCAL_MODEL_COST_MAP")}))
"""


def _run(tmp_path, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}
    env.update(OPENAI_API_KEY="sk-test-dummy", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               **env_extra)
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(EVAL_DIR), str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_eval_opens_no_socket_but_the_server_and_uses_the_bundled_map(tmp_path):
    got = _run(tmp_path)
    assert got["n"] == 3 and got["window"] > 0 and got["flag"] == "True"
    assert set(got["hosts"]) <= {"127.0.0.1", "localhost"}, got["hosts"]


def test_the_remote_map_is_an_opt_in(tmp_path, monkeypatch):
    from scalar.models import litellm_backend

    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    monkeypatch.setenv(litellm_backend.REMOTE_COST_MAP_ENV, "1")
    # only the variable is checked here (the fetch itself needs the network the tests do not have)
    litellm_backend.litellm_module()
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "False"
