"""Secrets never reach a file or a log line: the one redaction rule of SCALAR.

What is redacted (replaced by ``[REDACTED]``):

- the value of every setting whose *name* looks like a credential (``api_key``, ``azure_ad_token``,
  ``aws_secret_access_key``, ``vertex_credentials``, ``password``, an ``Authorization`` header ...),
  at any depth of a dict or list (``extra_headers={"Authorization": ...}``);
- in any text: ``Bearer ...``/``Basic ...`` credentials, ``sk-...``-style provider keys and other
  well-known key shapes, ``key=value`` pairs whose key looks like a credential, user:password in URLs;
- the actual values of credential-like environment variables (``OPENAI_API_KEY``, ``HF_TOKEN``,
  ``AWS_SECRET_ACCESS_KEY`` ...) and of every value redacted by name above (``remember``), wherever
  they appear: a server that echoes the key in an error body is caught too.

Callers redact *before* cutting a text short, so a secret is never half-kept by a cut.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "RedactingFilter", "is_secret_name", "redact", "redact_text", "redact_url", "remember"]

MASK = "[REDACTED]"

# A name is credential-like when one of its words (split on _ - . and camelCase) is one of these:
# "max_tokens" (word "tokens") and "tokenizer" stay visible, "azure_ad_token" does not.
_SECRET_WORDS = {"key", "apikey", "token", "secret", "password", "passwd", "pwd", "passphrase", "credential",
                 "credentials", "auth", "authorization", "cookie", "signature", "bearer", "session"}
_WORD_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z])(?=[A-Z])")
_MIN_SECRET = 8  # shorter values ("1", "true") are not worth hunting in free text

_PATTERNS = [
    # Authorization header values
    # (a credential has a digit or a sign in it: "Bearer tokens are ..." is prose)
    (re.compile(r"\b([Bb]earer|BEARER|Basic|Token)\s+(?=[\w.~+/=:-]*[\d.~+/=:-])[\w.~+/=:-]{8,}"), r"\1 " + MASK),
    # provider key shapes: OpenAI/Anthropic sk-..., Hugging Face, GitHub, Google, AWS key ids, Slack
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"), MASK),
    (re.compile(r"\bhf_[A-Za-z0-9]{16,}"), MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), MASK),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"), MASK),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), MASK),
    # key=value / "key": "value" where the key looks like a credential
    # ("key=..." too, but not "monkey=...": a prefix must end in _ or -; a value has a digit or
    # 16+ characters, so prose such as "key=value" stays)
    (re.compile(r"""(?i)(["']?\b(?:[\w-]*[_-])?(?:api[_-]?key|apikey|key|token|secret|password|passwd|credentials?|"""
                r"""authorization|signature)["']?\s*[:=]\s*["']?)(?!\[REDACTED\]|(?:Bearer|Basic|Token)\s)"""
                r"""(?=[^\s"'&,;}]*\d|[^\s"'&,;}]{16})([^\s"'&,;}]{4,})"""), r"\1" + MASK),
    # user:password@ in URLs
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.I), r"\1" + MASK + "@"),
]

_remembered: set[str] = set()
_lock = threading.Lock()


def is_secret_name(name: object) -> bool:
    """True for a setting, header or environment variable name that holds a credential."""
    words = {w.lower() for w in _WORD_SPLIT.split(str(name)) if w}
    return bool(words & _SECRET_WORDS)


def remember(value: object) -> None:
    """Redact this value (and every string inside it) wherever it later appears in a text."""
    if isinstance(value, dict):
        for v in value.values():
            remember(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            remember(v)
    elif value is not None and not isinstance(value, bool):
        s = str(value)
        if len(s) >= _MIN_SECRET:
            with _lock:
                _remembered.add(s)


def _env_secrets() -> list[str]:
    return [v for k, v in os.environ.items() if is_secret_name(k) and len(v) >= _MIN_SECRET]


def redact_text(text: str) -> str:
    """``text`` with every known secret value and credential-shaped string masked."""
    if not text:
        return text
    with _lock:
        known = list(_remembered)
    # longest first: a secret containing another is masked whole
    for secret in sorted(set(known + _env_secrets()), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact(value):
    """A copy of a JSON-like value with credential-named entries masked (and remembered) and every
    string passed through ``redact_text``."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if is_secret_name(k) and v not in (None, "", {}, []):
                remember(v)
                out[k] = MASK
            else:
                out[k] = redact(v)
        return out
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact(v) for v in value)
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_url(url: str | None) -> str | None:
    """A server URL without user:password@, query string or fragment (they may carry a token)."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class RedactingFilter(logging.Filter):
    """Masks secrets in a logger's records (attach to third-party loggers such as litellm's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error path
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
