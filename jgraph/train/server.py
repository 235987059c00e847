"""``tf.train.ClusterSpec`` and ``tf.train.Server``: tasks that serve, as in TF1.

Where it sits: before everything else in a multi-process program. ``Server.start()``
binds the task's address (``runtime/cluster.py``'s doorway: the port check), joins
the cluster through JAX's coordination service (task 0 starts it in a process of
its own), hands that to JAX for its collectives, and serves: sessions anywhere
ship computations to the task (``runtime/serving.py``) and the task runs them on
its variables. ``join()`` serves until the process is stopped.

Two ways to use a cluster:

- TF1's: a client ``Session(server.target)`` (in a task, or in a process outside
  the cluster with ``Session("grpc://host:port")``) places ops with
  ``tf.device("/job:J/task:K")``; each runs in its task's process, and variables
  live where they are placed, across sessions.
- Data parallel (``jgraph.distribute.DataParallel``): every task runs the same
  program (SPMD), each feeding its part of the batch; see ``jgraph.distribute``.

``Server`` must be created before anything runs JAX computations (including
creating a ``Session``) when the cluster has several tasks: joining the cluster
comes first in the process.
"""

from __future__ import annotations

import functools
import math
import signal
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import jax

from jgraph.config import heartbeat_timeout_ms, operation_timeout_ms
from jgraph.runtime import cluster as _cluster, serving as _serving, tasks as _tasks


class ClusterSpec:
    """The jobs of a cluster and their tasks' ``host:port`` addresses.

    Args:
      cluster: ``{"job": ["host:port", ...]}`` (task ``i`` is the ``i``-th address)
        or ``{"job": {task_index: "host:port"}}``, or another ``ClusterSpec``.

    >>> ClusterSpec({"worker": ["localhost:2222", "localhost:2223"]}).num_tasks("worker")
    2
    """

    def __init__(self, cluster: Any) -> None:
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        if not isinstance(cluster, Mapping):
            raise TypeError(
                "ClusterSpec expects a dict mapping job names to lists (or dicts) of"
                f" 'host:port' addresses, or a ClusterSpec; got {type(cluster).__name__}."
            )
        self._spec: dict[str, dict[int, str]] = {}
        for job, tasks in cluster.items():
            if not isinstance(job, str) or not job:
                raise TypeError(f"ClusterSpec job names must be strings, got {job!r}.")
            if isinstance(tasks, Mapping):
                entries = {int(i): address for i, address in tasks.items()}
            elif isinstance(tasks, Sequence) and not isinstance(tasks, str):
                entries = dict(enumerate(tasks))
            else:
                raise TypeError(
                    f"The tasks of job '{job}' must be a list or a dict of"
                    f" 'host:port' addresses, got {tasks!r}."
                )
            for index, address in entries.items():
                _check_address(job, index, address)
            self._spec[job] = dict(sorted(entries.items()))

    def as_dict(self) -> dict[str, list[str] | dict[int, str]]:
        """Each job's addresses: a list when its task indices are 0..n-1."""
        result: dict[str, list[str] | dict[int, str]] = {}
        for job, tasks in self._spec.items():
            dense = list(tasks) == list(range(len(tasks)))
            result[job] = list(tasks.values()) if dense else dict(tasks)
        return result

    @property
    def jobs(self) -> list[str]:
        return list(self._spec)

    def num_tasks(self, job_name: str) -> int:
        return len(self._tasks(job_name))

    def task_indices(self, job_name: str) -> list[int]:
        return list(self._tasks(job_name))

    def task_address(self, job_name: str, task_index: int) -> str:
        tasks = self._tasks(job_name)
        if task_index not in tasks:
            raise ValueError(f"No task with index {task_index!r} in job {job_name!r}")
        return tasks[task_index]

    def job_tasks(self, job_name: str) -> list[str | None]:
        """The addresses by task index, ``None`` where an index has no task."""
        tasks = self._tasks(job_name)
        if not tasks:
            return []
        return [tasks.get(i) for i in range(max(tasks) + 1)]

    def process_order(self) -> list[tuple[str, int]]:
        """The JAX process of each task: jobs in name order, tasks in index order."""
        return [(job, i) for job in sorted(self._spec) for i in self._spec[job]]

    def _tasks(self, job_name: str) -> dict[int, str]:
        try:
            return self._spec[job_name]
        except KeyError:
            raise ValueError(f"No such job in cluster: {job_name!r}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClusterSpec) and self._spec == other._spec

    def __hash__(self) -> int:
        return hash(tuple((j, tuple(t.items())) for j, t in self._spec.items()))

    def __bool__(self) -> bool:
        return bool(self._spec)

    def __repr__(self) -> str:
        return f"ClusterSpec({self.as_dict()!r})"


def _check_address(job: str, index: int, address: Any) -> None:
    host, _, port = str(address).rpartition(":")
    if not isinstance(address, str) or not host or not port.isdigit():
        raise ValueError(
            f"Task {index} of job '{job}' has address {address!r}; expected"
            " 'host:port'."
        )


class Server:
    """One task of a cluster: starts JAX's multi-process runtime for this process.

    Args:
      server_or_cluster_def: a ``ClusterSpec`` or the dict for one.
      job_name: this task's job (optional when the cluster has one job).
      task_index: this task's index in the job (optional when the job has one task).
      protocol: ``"grpc"`` or ``None`` (JAX's coordination service speaks gRPC).
      config: a ``ConfigProto``: ``operation_timeout_in_ms`` bounds the wait for the
        other tasks to connect, ``heartbeat_timeout_in_ms`` how long a silent task
        is taken for alive.
      start: start now (else call :meth:`start`).

    >>> server = Server.create_local_server(start=False)
    >>> server.target.startswith("grpc://localhost:")
    True
    """

    def __init__(
        self,
        server_or_cluster_def: Any,
        job_name: str | None = None,
        task_index: int | None = None,
        protocol: str | None = None,
        config: Any = None,
        start: bool = True,
    ) -> None:
        cluster = ClusterSpec(server_or_cluster_def)
        if not cluster:
            raise ValueError("The cluster of a Server must have at least one job.")
        if job_name is None:
            if len(cluster.jobs) != 1:
                raise ValueError(
                    f"job_name must be given: the cluster has jobs {cluster.jobs}."
                )
            job_name = cluster.jobs[0]
        if task_index is None:
            if cluster.num_tasks(job_name) != 1:
                raise ValueError(
                    f"task_index must be given: job '{job_name}' has"
                    f" {cluster.num_tasks(job_name)} tasks."
                )
            task_index = cluster.task_indices(job_name)[0]
        self._address = cluster.task_address(job_name, task_index)
        if protocol not in (None, "grpc"):
            raise ValueError(
                f"Server protocol {protocol!r} is not supported; jgraph tasks talk"
                " through JAX's coordination service (grpc)."
            )
        self._cluster = cluster
        self._job_name = job_name
        self._task_index = task_index
        self._config = config
        self._order = cluster.process_order()
        self._process_id = self._order.index((job_name, task_index))
        self._started = False
        self._member: _cluster.Member | None = None
        if start:
            self.start()

    @property
    def target(self) -> str:
        """``grpc://host:port``: pass it to ``Session(target)``."""
        return f"grpc://{self._address}"

    @property
    def cluster_spec(self) -> ClusterSpec:
        return self._cluster

    @property
    def job_name(self) -> str:
        return self._job_name

    @property
    def task_index(self) -> int:
        return self._task_index

    @property
    def process_index(self) -> int:
        """This task's JAX process index (``jax.process_index()`` once started)."""
        return self._process_id

    def start(self) -> None:
        """Joins the cluster (once; idempotent) and starts serving.

        First binds this task's address (the port check: a port held by another
        process is an ``UnavailableError`` naming it, and nothing else is done);
        then, in a cluster of several tasks, waits until every task has started (at
        most ``config.operation_timeout_in_ms``, saying what it waits for every few
        seconds). From then on the task serves the computations that sessions ship
        to it (``runtime/serving.py``), as TF1's servers did.

        Raises:
          RuntimeError: JAX already ran something in this process, or another
            ``Server`` already started here.
          UnavailableError: the port is in use, or the other tasks did not come.
          InvalidArgumentError: the tasks were given different ClusterSpecs.
          AlreadyExistsError: another process is this task already.
        """
        if self._started:
            return
        current = _tasks.started_cluster()
        if current is not None:
            raise RuntimeError(
                "A tf.train.Server already started in this process (as"
                f" {current.task_name(current.process_index)}); a process is one task."
            )
        several = len(self._order) > 1
        if several:
            from jax._src import xla_bridge

            if xla_bridge.backends_are_initialized():
                raise RuntimeError(
                    "tf.train.Server must be created before anything runs JAX (a"
                    " Session, jax.devices(), an array...): joining the cluster has"
                    " to come first in the process."
                )
        jobs = {
            job: {
                i: self._cluster.task_address(job, i)
                for i in self._cluster.task_indices(job)
            }
            for job in self._cluster.jobs
        }
        member = _cluster.Member(
            jobs,
            (self._job_name, self._task_index),
            operation_timeout_ms(self._config) / 1000,
        )
        if several:
            member.join_cluster(math.ceil(heartbeat_timeout_ms(self._config) / 1000))
            _bind_cpu_collectives(self._address.rpartition(":")[0])
            # Starting the backends is itself a meeting of all tasks (they exchange
            # their device lists): do it now, while every task is starting.
            jax.devices()
        self._member = member
        _cluster.set_member(member)
        _serving.serve(member)
        addresses = tuple(self._cluster.task_address(j, t) for j, t in self._order)
        _tasks.set_cluster(
            _tasks.ClusterLayout(tuple(self._order), addresses, self._process_id)
        )
        self._started = True

    def join(self) -> None:
        """Serves until this process is stopped (SIGTERM or SIGINT end ``join``
        cleanly), or until every other task of the cluster has finished its
        program (a TF1 ``ps`` returns when its workers are done; a task that was
        killed has not finished: the others keep serving)."""
        if not self._started:
            raise RuntimeError("Server.join() before Server.start().")
        member = self._member
        assert member is not None
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        several = len(self._order) > 1
        while not stop.wait(0.5):
            if several and member.others_done():
                break
        member.leave()

    @staticmethod
    def create_local_server(config: Any = None, start: bool = True) -> Server:
        """A one-task server on a free localhost port (no other process involved)."""
        with socket.socket() as probe:
            probe.bind(("localhost", 0))
            port = probe.getsockname()[1]
        return Server(
            {"localhost": [f"localhost:{port}"]},
            protocol="grpc",
            config=config,
            start=start,
        )


def _bind_cpu_collectives(host: str) -> None:
    """Binds the gloo (CPU collectives) endpoint to this task's host, not to
    whatever ``gethostname()`` resolves to."""
    # NOTE: private JAX API (the CPU backend factory); if it changes, JAX's default
    # gloo endpoint (the host name's address) is used instead.
    try:
        from jax._src import distributed, xla_bridge
        from jax._src.lib import _jax  # pyright: ignore[reportPrivateImportUsage]

        collectives = _jax.make_gloo_tcp_collectives(
            distributed.global_state.client, hostname=host
        )
        factory = functools.partial(xla_bridge.make_cpu_client, collectives=collectives)
        xla_bridge.register_backend_factory(
            "cpu", factory, priority=0, fail_quietly=False
        )
    except (AttributeError, ImportError, TypeError):
        return
