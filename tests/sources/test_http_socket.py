"""The HTTP layer against a real server on 127.0.0.1: faults that only exist on a socket
(a body cut short of its Content-Length, a stalled read, a dropped connection) are retried
through urllib3's own exceptions, and the cache holds only complete bodies."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scalar.sources.http import FakeClock, HostPolicy, HttpCache, RateLimits, Unavailable, adapter_of, make_session

BODY = json.dumps({"data": [{"title": f"Paper {i}"} for i in range(200)]}).encode()


class Handler(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    failures = 1  # bad answers per path before a good one

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0]
        Handler.hits[path] += 1
        bad = Handler.hits[path] <= Handler.failures
        if bad and path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[: len(BODY) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if bad and path == "/stall":
            time.sleep(0.6)
        if bad and path == "/drop":
            self.close_connection = True
            return  # no status line at all
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on a stalled answer, as it should


@pytest.fixture
def server():
    Handler.hits = Counter()
    Handler.failures = 1
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def local_session(path, **kw):
    limits = RateLimits({"127.0.0.1": HostPolicy("local", interval=0.0, concurrency=4)}, clock=FakeClock())
    return make_session(path, limits=limits, timeout=(2.0, 0.3), **kw)


@pytest.mark.parametrize("path", ["/truncated", "/stall", "/drop"])
def test_socket_faults_are_retried_to_the_full_body(server, tmp_path, path):
    s = local_session(tmp_path / "c.sqlite")
    r = s.get(server + path)
    assert r.content == BODY and Handler.hits[path] == 2
    assert adapter_of(s).stats.retries == 1
    stored = HttpCache(tmp_path / "c.sqlite").urls()
    assert len(stored) == 1 and stored[0].endswith(path)


def test_a_server_that_keeps_stalling_is_unavailable(server, tmp_path):
    Handler.failures = 99
    s = local_session(tmp_path / "c.sqlite", max_attempts=3)
    with pytest.raises(Unavailable, match="ReadTimeout") as err:
        s.get(server + "/stall")
    assert Handler.hits["/stall"] == 3 and "\n" not in str(err.value)
    assert len(HttpCache(tmp_path / "c.sqlite")) == 0


def test_no_network_fails_fast_with_one_clear_line(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = local_session(tmp_path / "c.sqlite")
    clock = adapter_of(s).clock
    with pytest.raises(Unavailable, match="cannot reach 127.0.0.1") as err:
        s.get(f"http://127.0.0.1:{port}/x")
    assert "--offline" in str(err.value) and "\n" not in str(err.value)
    assert adapter_of(s).stats.network_attempts == 2 and sum(clock.sleeps) < 10


def test_an_unresolvable_host_is_no_network(tmp_path):
    s = local_session(tmp_path / "c.sqlite")
    with pytest.raises(Unavailable, match="no network or DNS"):
        s.get("http://scalar-test-host.invalid/x")  # .invalid never resolves (RFC 2606)
    assert adapter_of(s).stats.network_attempts == 2
