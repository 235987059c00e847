"""Test helper: make every file write of this process fail with ENOSPC, in the kernel.

A seccomp filter (Linux; no privileges needed) answers the write system calls
(``write``, ``pwrite64``, ``writev``, ``pwritev``, ``pwritev2``, ``fallocate``) on
any descriptor above stderr with ``ENOSPC``, in every thread. Python, orbax and
tensorstore then meet a full disk exactly where they would on a real one. It
cannot be undone: use it in a child process only.
"""

from __future__ import annotations

import ctypes
import errno
import platform

# Per architecture: (AUDIT_ARCH_*, the seccomp syscall, the write-like syscalls).
_ARCHES = {
    "x86_64": (0xC000003E, 317, (1, 18, 20, 296, 328, 285)),
    "aarch64": (0xC00000B7, 277, (64, 68, 66, 70, 287, 47)),
}
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1


class _Instruction(ctypes.Structure):
    _fields_ = (
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    )


class _Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Instruction)))


def fail_file_writes() -> None:
    """Installs the filter for all threads of this process; raises if it cannot."""
    machine = platform.machine()
    if machine not in _ARCHES:
        raise OSError(f"no seccomp syscall table for {machine}")
    arch, seccomp_nr, writes = _ARCHES[machine]
    n = len(writes)
    # Layout: 0 load arch; 1 arch check; 2 load nr; 3..3+n-1 nr checks;
    # 3+n allow; 4+n load fd; 5+n fd >= 3 ?; 6+n ENOSPC; 7+n allow.
    allow_end = 7 + n
    program = [
        (_LD_W_ABS, 0, 0, 4),
        (_JEQ_K, 0, allow_end - 2, arch),
        (_LD_W_ABS, 0, 0, 0),
    ]
    for i, nr in enumerate(writes):
        index = 3 + i
        program.append((_JEQ_K, (4 + n) - index - 1, 0, nr))
    program += [
        (_RET_K, 0, 0, _RET_ALLOW),
        (_LD_W_ABS, 0, 0, 16),  # args[0] (the descriptor), low 32 bits
        (_JGE_K, 0, 1, 3),
        (_RET_K, 0, 0, _RET_ERRNO | errno.ENOSPC),
        (_RET_K, 0, 0, _RET_ALLOW),
    ]
    instructions = (_Instruction * len(program))(*program)
    fprog = _Program(len(program), instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if (
        libc.syscall(
            seccomp_nr,
            _SECCOMP_SET_MODE_FILTER,
            _SECCOMP_FILTER_FLAG_TSYNC,
            ctypes.byref(fprog),
        )
        != 0
    ):
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")
