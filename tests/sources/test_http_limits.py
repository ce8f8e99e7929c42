"""Time bounds and the "service down" rule of the HTTP layer, against a real server on 127.0.0.1:
a server trickling one byte every 0.5 s is cut off by the per-call timeout (not only per read), a
``Retry-After: 86400`` is not slept but reported once and recorded, and a host that fails call
after call stops with ServiceDown while one failing URL among good ones does not."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scalar.errors import ConfigError
from scalar.sources.http import (
    CacheMiss,
    FakeClock,
    HostPolicy,
    HttpCache,
    RateLimited,
    RateLimits,
    ServiceDown,
    Unavailable,
    adapter_of,
    make_session,
)

BODY = json.dumps({"data": list(range(50))}).encode()


class Handler(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    stop = threading.Event()

    def log_message(self, *args):
        pass

    def _trickle(self, data: bytes) -> None:
        for i in range(len(data)):
            if Handler.stop.is_set():
                return
            try:
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return  # the client hung up, as it should
            time.sleep(0.5)

    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0]
        Handler.hits[path] += 1
        if path == "/trickle-body":  # headers at once, then one byte every 0.5 s
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self._trickle(BODY)
            return
        if path == "/trickle-unsized":  # no Content-Length: only the end of the connection ends it
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self._trickle(b"x" * 200)
            return
        if path == "/trickle-headers":  # even the status line arrives a byte at a time
            self._trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            self.close_connection = True
            return
        if path.startswith("/wait-a-day"):
            self.send_response(429)
            self.send_header("Retry-After", "86400")
            self.send_header("Content-Type", "application/json")
            body = b'{"message": "Too Many Requests"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path.startswith("/down"):  # arXiv's answer for a paper it cannot serve
            body = b"<html><body>unavailable</body></html>"
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture
def server():
    Handler.hits = Counter()
    Handler.stop = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.stop.set()
    httpd.shutdown()
    httpd.server_close()


def local_session(path, **kw):
    limits = RateLimits({"127.0.0.1": HostPolicy("local", interval=0.0, concurrency=4)}, clock=FakeClock())
    kw.setdefault("timeout", (2.0, 5.0))  # per read: longer than the trickle's 0.5 s
    return make_session(path, limits=limits, **kw)


# ----------------------------------------------------------------------------- call timeout


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-unsized", "/trickle-headers"])
def test_a_trickling_server_is_cut_off_by_the_call_timeout(server, tmp_path, path):
    s = local_session(tmp_path / "c.sqlite", call_timeout=1.5, max_attempts=2)
    t0 = time.monotonic()
    with pytest.raises(Unavailable, match="within 1.5 s") as err:
        s.get(server + path)
    took = time.monotonic() - t0
    # two attempts of 1.5 s each (the fake clock skips the backoff): never the trickle's ~100 s
    assert took < 8, took
    assert "call timeout" in str(err.value) and "\n" not in str(err.value)
    assert Handler.hits[path] == 2
    assert len(HttpCache(tmp_path / "c.sqlite")) == 0  # a cut body is never an answer


def test_a_fast_answer_is_not_affected_by_the_call_timeout(server, tmp_path):
    s = local_session(tmp_path / "c.sqlite", call_timeout=1.5)
    for _ in range(3):  # kept-alive connections are watched too, and released after each call
        assert s.get(server + f"/ok{_}").json() == {"data": list(range(50))}


# ----------------------------------------------------------------------------- Retry-After cap


def test_retry_after_of_a_day_is_not_slept_said_once_and_recorded(server, tmp_path, capsys):
    db = tmp_path / "c.sqlite"
    s = local_session(db, down_after=0)
    clock = adapter_of(s).clock
    for i in range(3):
        with pytest.raises(RateLimited, match="86400 s") as err:
            s.get(server + f"/wait-a-day/{i}")
        assert "120 s cap" in str(err.value)
    assert sum(clock.sleeps) == 0  # not a second slept, let alone a day
    assert sum(Handler.hits.values()) == 3  # one attempt each
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "86400" in lines[0] and "SCALAR_MAX_RETRY_AFTER" in lines[0]
    recorded = HttpCache(db).failures()
    assert [u.rsplit("/", 1)[-1] for u, _ in recorded] == ["0", "1", "2"]
    assert all("Retry-After" in m for _, m in recorded)


def test_retry_after_cap_is_configurable(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SCALAR_MAX_RETRY_AFTER", "100000")
    s = local_session(tmp_path / "c.sqlite", max_attempts=2, deadline=10**6)
    clock = adapter_of(s).clock
    with pytest.raises(RateLimited):
        s.get(server + "/wait-a-day/x")
    assert clock.sleeps and max(clock.sleeps) >= 86400  # allowed: it waited as asked (on the fake clock)
    monkeypatch.setenv("SCALAR_MAX_RETRY_AFTER", "soon")
    with pytest.raises(ConfigError, match="SCALAR_MAX_RETRY_AFTER"):
        local_session(tmp_path / "d.sqlite")


# ----------------------------------------------------------------------------- service down


def test_one_failing_url_among_good_ones_is_not_an_outage(server, tmp_path):
    s = local_session(tmp_path / "c.sqlite", max_attempts=2)
    for i in range(12):
        with pytest.raises(Unavailable) as err:
            s.get(server + f"/down/{i}")
        assert not isinstance(err.value, ServiceDown)
        assert s.get(server + f"/ok/{i}").status_code == 200
    assert len(HttpCache(tmp_path / "c.sqlite").failures()) == 12


def test_a_host_failing_call_after_call_is_down(server, tmp_path):
    db = tmp_path / "c.sqlite"
    s = local_session(db, max_attempts=8, down_after=4)
    for i in range(3):
        with pytest.raises(Unavailable) as err:
            s.get(server + f"/down/{i}")
        assert not isinstance(err.value, ServiceDown)
    with pytest.raises(ServiceDown, match="127.0.0.1 looks down: 4 requests in a row") as err:
        s.get(server + "/down/3")
    assert "HTTP 500" in str(err.value) and "\n" not in str(err.value)
    # the first failure got its 8 attempts; once the host was failing, calls were probed 3 times
    assert [Handler.hits[f"/down/{i}"] for i in range(4)] == [8, 3, 3, 3]
    assert len(HttpCache(db).failures()) == 4  # all recorded, none stored as an answer
    assert len(HttpCache(db)) == 0


def test_recorded_failures_replay_as_failures_and_are_asked_again_in_record_mode(server, tmp_path):
    db = tmp_path / "c.sqlite"
    s = local_session(db, max_attempts=1)
    with pytest.raises(Unavailable):
        s.get(server + "/down/a")
    replay = local_session(db, mode="replay")
    with pytest.raises(Unavailable, match="recorded") as err:
        replay.get(server + "/down/a")
    assert not isinstance(err.value, (CacheMiss, ServiceDown))
    with pytest.raises(CacheMiss):
        replay.get(server + "/down/never-asked")
    again = local_session(db, max_attempts=1)
    with pytest.raises(Unavailable):
        again.get(server + "/down/a")
    assert Handler.hits["/down/a"] == 2  # the record run asked again


def test_no_network_is_service_down_at_once(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = local_session(tmp_path / "c.sqlite")
    with pytest.raises(ServiceDown, match="cannot reach 127.0.0.1"):
        s.get(f"http://127.0.0.1:{port}/x")
    assert adapter_of(s).stats.network_attempts == 2
