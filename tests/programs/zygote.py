"""A warm launcher for the test programs: one interpreter imports jgraph once, then
forks a child per program that runs it exactly as ``python -m jgraph.run prog.py
args`` does (``jgraph.run.main``), stdout and stderr to files.

Why: importing JAX and jgraph is most of a small program's cost (seconds each);
forking after it keeps the whole programs test short. Forking is safe here because
the launcher itself never starts a JAX backend or a thread (each child starts its
own). ``test_alias.py`` and ``test_alias_package_on_pythonpath`` still start fresh
interpreters, as a user does.

Protocol: one JSON job per stdin line, ``{"argv", "cwd", "env", "stdout",
"stderr", "timeout"}``; one JSON reply per line, ``{"rc"}`` (124 on timeout).
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import time
import traceback

import jgraph.run


def _child(job: dict) -> None:
    os.chdir(job["cwd"])
    os.environ.update(job["env"])
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    code = 1
    try:
        code = jgraph.run.main(job["argv"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _run(job: dict) -> int:
    pid = os.fork()
    if pid == 0:
        _child(job)
    deadline = time.monotonic() + job["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 124
        time.sleep(0.05)


if __name__ == "__main__":
    for line in sys.stdin:
        reply = {"rc": _run(json.loads(line))}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
