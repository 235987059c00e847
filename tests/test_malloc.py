"""``jgraph._malloc``: after ``import jgraph`` a freed large block is reused instead
of being returned to the OS and faulted back in (what XLA:CPU's per-run buffers
hit); ``JGRAPH_MALLOC=system`` leaves glibc's defaults."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc",
    reason="glibc's malloc only",
)

# Page faults while a worker thread (as XLA's) mallocs, fills and frees a 64 MiB
# block 10 times.
PROGRAM = """
import ctypes, resource, threading
import jgraph
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
def work():
    for _ in range(11):
        block = libc.malloc(1 << 26)
        libc.memset(block, 1, 1 << 26)
        libc.free(block)
        if _ == 0:  # the first time always faults
            counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)
counts = []
worker = threading.Thread(target=work)
worker.start()
worker.join()
print(jgraph._malloc.KEPT, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - counts[0])
"""


def _run(env_value: str | None) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "JGRAPH_MALLOC"}
    if env_value is not None:
        env["JGRAPH_MALLOC"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    return out[0], int(out[1])


def test_import_keeps_freed_memory_for_reuse():
    kept, faults = _run(None)
    assert kept == "True"
    assert faults < 1000  # 16,384 pages per block when each is faulted in afresh


def test_system_malloc_on_request():
    kept, faults = _run("system")
    assert kept == "False"
    assert faults > 10 * 10_000
