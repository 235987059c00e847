"""The coordinator process of a cluster: hosts JAX's coordination service.

Where it sits: started by task 0's ``tf.train.Server`` (``cluster.py``) as
``python coordinator.py HOST TASKS HEARTBEAT_S ADDRESS...`` in a session of its own; it prints
the ``HOST:PORT`` its service listens on as its one line of output. It imports
only the standard library and ``jaxlib`` (not jgraph, not jax: under a second), so
the cluster assembles fast.

Why it picks its own port, just before binding it: the service's gRPC server binds
with ``SO_REUSEPORT``, so two services given the same port both start and share
its connections (tasks of one cluster would register with the other's service).
A port probed free here and bound a moment later leaves no room for another
cluster's probe in between, unlike a port chosen seconds earlier by task 0.

Why a process of its own: a task's agent whose service disappears aborts its
process (in C++). With the service inside task 0, killing task 0 would abort every
other task; here it outlives any task. It is ``recoverable`` (a task that leaves
or dies does not take the others down) and leaves once no task of the cluster
listens on its address any more (every task exited) for ``QUIET_S``.
"""

from __future__ import annotations

import os
import socket
import sys
import time

QUIET_S = 3.0
POLL_S = 0.5


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=POLL_S):
            return True
    except OSError:
        return False


def main(host: str, tasks: int, heartbeat_s: int, task_addresses: list[str]) -> None:
    """Hosts the service until no task listens for ``QUIET_S``. A task it has not
    heard from for ``heartbeat_s`` is failed (the tasks' own heartbeat timeout,
    ``ConfigProto.heartbeat_timeout_in_ms``: a shorter one here fails tasks that
    a loaded machine merely delays)."""
    import jaxlib._jax as xj  # pyright: ignore[reportMissingModuleSource]

    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    address = f"{host}:{port}"
    service = xj.get_distributed_runtime_service(
        address,
        tasks,
        heartbeat_timeout=heartbeat_s,
        shutdown_timeout=5,
        recoverable=True,
        # The tasks bound their own wait (ConfigProto.operation_timeout_in_ms);
        # the service must never time the start-up out itself (a C++ abort).
        cluster_register_timeout=24 * 3600,
    )
    print(address, flush=True)
    quiet_since = time.monotonic()
    while True:
        time.sleep(POLL_S)
        if any(_listening(a) for a in task_addresses):
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > QUIET_S:
            break
    del service
    os._exit(0)  # no task is left to need the service


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
