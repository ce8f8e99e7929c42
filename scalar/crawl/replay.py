"""Replay caches as reviewable text: the HTTP cache (SQLite) <-> one JSON object per line.

The sample venue ships its cache as ``scalar/data/sample/cache.jsonl``: every line is one stored
response (cache key, method, URL, status, kept headers, body), sorted by URL, so a change to the
synthetic sources shows up as a readable diff. Calls recorded as failed (``failures`` table of the
HTTP cache) follow as lines with a ``failure`` object instead of a response, so a replay of the
export skips what the recorded build skipped. A build loads it into a temporary SQLite file
(:func:`import_jsonl`) and replays it through the same adapter a live build uses.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

from scalar.errors import InputError


def export_jsonl(db_path: str | Path, jsonl_path: str | Path) -> int:
    """Write every response (then every recorded failure) of the SQLite cache to ``jsonl_path``
    (sorted); returns the number of lines."""
    from scalar._util.io import atomic_write_text

    con = sqlite3.connect(str(db_path))
    try:
        rows = con.execute(
            "SELECT key, method, url, status, headers, body FROM responses ORDER BY url, method, key"
        ).fetchall()
        has_failures = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'failures'").fetchone()
        failures = con.execute(
            "SELECT key, method, url, status, kind, message, failed_at FROM failures ORDER BY url, method, key"
        ).fetchall() if has_failures else []
    finally:
        con.close()
    lines = []
    for key, method, url, status, headers, body in rows:
        rec = {"url": url, "method": method, "status": int(status), "key": key, "headers": json.loads(headers)}
        body = bytes(body)
        try:
            rec["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            rec["body_base64"] = base64.b64encode(body).decode("ascii")
        lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    for key, method, url, status, kind, message, failed_at in failures:
        rec = {"url": url, "method": method, "key": key,
               "failure": {"status": status, "kind": kind, "message": message, "failed_at": failed_at}}
        lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    atomic_write_text(jsonl_path, "".join(lines))
    return len(lines)


def import_jsonl(jsonl_path: str | Path, db_path: str | Path) -> int:
    """Load an exported cache into the SQLite cache at ``db_path``; returns the number of lines read."""
    from scalar.sources.http import HttpCache

    cache = HttpCache(db_path)
    n = 0
    try:
        with open(jsonl_path, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    if "failure" in rec:
                        f_ = rec["failure"]
                        cache.restore_failure(rec["key"], rec["method"], rec["url"], f_.get("status"),
                                              str(f_["kind"]), str(f_["message"]), str(f_["failed_at"]))
                        n += 1
                        continue
                    body = (base64.b64decode(rec["body_base64"]) if "body_base64" in rec
                            else rec["body"].encode("utf-8"))
                    cache.put(rec["key"], rec["method"], rec["url"], int(rec["status"]), rec["headers"], body)
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                    raise InputError(f"{jsonl_path}: line {i} is not a cached response ({type(e).__name__}: {e})") from None
                n += 1
    finally:
        cache.close()
    return n
