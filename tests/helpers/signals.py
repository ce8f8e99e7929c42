"""Ctrl-C tests start their child with SIGINT at its default.

A shell that runs the suite in the background (``.ci/run &``, nohup) hands every child SIGINT
ignored, and Python then never turns SIGINT into KeyboardInterrupt: the tests would measure the
shell, not SCALAR. ``preexec_fn=sigint_default`` restores what a terminal gives."""

from __future__ import annotations

import signal


def sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
