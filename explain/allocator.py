"""Keep freed tensor memory for reuse instead of handing it back to the OS after every query chunk.

Every MLP layer of a LIIF query chunk (8,192 queries × 4 codes × 256 channels, 32 MiB) and most activations of a
gradient pass are large enough that glibc's malloc serves them with a fresh ``mmap`` and unmaps them when freed, so
the next chunk pays the page faults again: profiled here, writing a fresh 32 MiB output cost as long as the GEMM
that filled it (``aten::copy_`` / ``clamp_min`` on new tensors ≈ 40 % of an upscale's CPU time). PyTorch's own CPU
tuning guide points to jemalloc / tcmalloc for this; :func:`keep_freed_memory` gets the same effect from glibc with
``mallopt`` (no LD_PRELOAD): allocations below 1 GiB come from the heap and freed memory is kept up to 512 MiB.

It runs once, when :mod:`explain` is imported, on Linux with glibc only; set ``LIIF_EXPLAIN_MALLOC=default`` to
leave malloc as it is. It changes no number, only where memory comes from (``benchmarks/upscale.py`` prints both).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameter numbers (malloc.h)
MMAP_THRESHOLD = 1 << 30  # bytes: allocations below this come from the heap
TRIM_THRESHOLD = 512 << 20  # bytes of free memory at the top of the heap kept before trimming
_state = {"tuned": None}


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once per process (see the module docstring); True when tuned now or
    before, False where it does not apply (not Linux/glibc, or ``LIIF_EXPLAIN_MALLOC=default``)."""
    if _state["tuned"] is not None:
        return _state["tuned"]
    tuned = False
    if sys.platform.startswith("linux") and os.environ.get("LIIF_EXPLAIN_MALLOC", "").lower() != "default":
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
            mallopt = None
        if mallopt is not None:
            tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    _state["tuned"] = tuned
    return tuned
