"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It serves ``POST /v1/chat/completions`` from a thread (``ThreadingHTTPServer``). What it answers
is decided by ``script(request_json, n)`` -> a ``Reply``; every request is logged so tests can
count what the harness really sent. Failures are injected by the script: HTTP status codes
(429, 500), a delay, or a body that is not JSON.

Run standalone for the benchmark: ``python openai_server.py PORT_FILE`` answers ``<answer>0</answer>``
instantly until killed.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    text: str = "<answer>0</answer>"
    status: int = 200
    delay: float = 0.0
    raw_body: bytes | None = None  # sent verbatim instead of a completion (malformed JSON tests)
    headers: dict = field(default_factory=dict)
    logprobs: dict[str, float] | None = None  # token -> logprob for the first output token
    stall: threading.Event | None = None  # block until set (kill-mid-run tests)
    echo_headers: bool = False  # an error body quoting the request's headers (as some proxies do)
    trickle: float = 0.0  # send the body one byte every `trickle` seconds (a server that never ends)
    message: dict | None = None  # choices[0].message verbatim (content null, refusals ...)
    finish_reason: str = "stop"
    usage: object = ...  # the usage object verbatim (malformed usage tests); ... = computed


def completion_body(text: str, model: str, prompt_chars: int, logprobs: dict[str, float] | None = None,
                    finish_reason: str = "stop") -> dict:
    choice = {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": text}}
    if logprobs is not None:
        top = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in logprobs.items()]
        best = max(top, key=lambda x: x["logprob"]) if top else {"token": text, "logprob": 0.0, "bytes": []}
        choice["logprobs"] = {"content": [dict(best, top_logprobs=top)]}
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": max(1, prompt_chars // 4), "completion_tokens": max(1, len(text) // 4),
                  "total_tokens": max(1, prompt_chars // 4) + max(1, len(text) // 4)},
    }


class OpenAIServer:
    """``with OpenAIServer(script) as srv: srv.url`` -> ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, script: Callable[[dict, int], Reply] | None = None):
        self.script = script or (lambda req, n: Reply())
        self.requests: list[dict] = []
        self.headers: list[dict] = []  # request headers, in arrival order
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    server.headers.append(dict(self.headers.items()))
                    n = len(server.requests)
                reply = server.script(body, n)
                if reply.stall is not None:
                    reply.stall.wait()
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.raw_body is not None:
                    payload = reply.raw_body
                elif reply.status != 200:
                    message = f"injected {reply.status}"
                    if reply.echo_headers:
                        message += " request headers: " + json.dumps(dict(self.headers.items()))
                    payload = json.dumps({"error": {"message": message, "type": "test",
                                                    "code": reply.status}}).encode()
                else:
                    prompt = "".join(m.get("content") or "" for m in body.get("messages", []))
                    out = completion_body(reply.text, body.get("model", "test"), len(prompt), reply.logprobs)
                    if reply.message is not None:
                        out["choices"][0]["message"] = reply.message
                    out["choices"][0]["finish_reason"] = reply.finish_reason
                    if reply.usage is not ...:
                        out["usage"] = reply.usage
                    payload = json.dumps(out).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if reply.trickle:
                        for i in range(len(payload)):
                            self.wfile.write(payload[i:i + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        ThreadingHTTPServer.request_queue_size = 256
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


QID = re.compile(r"QID-([0-9a-f]+)")


def prompt_of(request: dict) -> str:
    return "".join(m.get("content") or "" for m in request.get("messages", []))


def qid_of(request: dict) -> str | None:
    """Test releases put ``QID-<id>`` in each context so the server knows which question it serves."""
    m = QID.search(prompt_of(request))
    return m.group(1) if m else None


if __name__ == "__main__":
    srv = OpenAIServer().start()
    with open(sys.argv[1], "w") as f:
        f.write(str(srv.port))
    threading.Event().wait()
