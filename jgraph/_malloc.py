"""Keeps freed memory in the process (Linux, glibc), so XLA:CPU's runs stop
page-faulting their working set back in.

Where it sits: applied once, when ``jgraph`` is imported, before JAX starts its CPU
client (whose worker threads allocate each run's buffers). Every run of an XLA:CPU
executable allocates its temporary buffer afresh, and glibc serves blocks above
32 MiB with ``mmap`` and gives them back with ``munmap`` at every free: the next
run faults every page in again, zero-filled by the kernel. For the TF1 tutorial CNN
at batch 128 that was 15,000 page faults and about a fifth of the step's CPU time
(measured on a 2-core machine); TF1's own allocator keeps its memory. With every
thread on the main arena, no ``mmap`` for blocks and no trimming, freed memory is
reused and a run faults nothing.

TF1 difference (none in results): the process keeps the memory it has used, as
TF1's allocators do. ``JGRAPH_MALLOC=system`` in the environment leaves glibc's
defaults alone.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

_ENV = "JGRAPH_MALLOC"
# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8


def keep_freed_memory() -> bool:
    """Sets glibc's malloc to keep and reuse freed memory; returns whether it did
    (not on other platforms or C libraries, nor with ``JGRAPH_MALLOC=system``)."""
    if os.environ.get(_ENV, "").lower() == "system":
        return False
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    settings = ((_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2**31 - 1))
    return all(libc.mallopt(param, value) == 1 for param, value in settings)


# On import: ``jgraph/__init__.py`` imports this module before anything starts JAX.
KEPT = keep_freed_memory()
