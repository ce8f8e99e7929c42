"""Control numpy's OpenBLAS thread count from inside the process (no threadpoolctl needed).

Small GEMMs (attention heads: 512x64 @ 64x2048) are several times slower with OpenBLAS's two
threads than with one on a 2-core machine (thread hand-off and waiting for the second core);
the engine runs them single-threaded, two heads at a time on its own worker threads instead.
Other BLAS builds (MKL, Accelerate) are left alone: the context manager is then a no-op.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os
import threading

_CANDIDATES = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
               "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
            "openblas_get_num_threads")
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _openblas():
    import numpy as np

    base = os.path.dirname(os.path.dirname(np.__file__))
    for path in sorted(glob.glob(os.path.join(base, "numpy.libs", "*openblas*"))
                       + glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _CANDIDATES if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            return setter, getter
    return None


@contextlib.contextmanager
def blas_threads(n: int):
    """Run the block with numpy's OpenBLAS limited to ``n`` threads (restored afterwards)."""
    funcs = _openblas()
    if funcs is None:
        yield
        return
    setter, getter = funcs
    with _lock:
        previous = int(getter())
        setter(int(n))
    try:
        yield
    finally:
        with _lock:
            setter(previous)
