"""The longest ``Retry-After`` SCALAR sleeps, for the build's HTTP layer and every model call alike:
a server asking for longer (a 429 with ``Retry-After: 86400``) gets no sleep; the call fails at
once with a message saying so, and is recorded as failed (retried on the next run)."""

from __future__ import annotations

import email.utils
import os
from datetime import datetime, timezone

from scalar.errors import ConfigError

__all__ = ["ENV", "MAX_RETRY_AFTER", "max_retry_after", "parse_retry_after"]

#: seconds; the ``SCALAR_MAX_RETRY_AFTER`` environment variable overrides it
MAX_RETRY_AFTER = 120.0
ENV = "SCALAR_MAX_RETRY_AFTER"


def max_retry_after() -> float:
    """The cap in force: ``SCALAR_MAX_RETRY_AFTER`` when set (a ConfigError when not a number >= 0)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return MAX_RETRY_AFTER
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise ConfigError(f"{ENV} must be a number of seconds >= 0, got {raw!r}")
    return value


def parse_retry_after(value: str | None, now: datetime | None = None) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); 0 if absent."""
    if not value:
        return 0.0
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
