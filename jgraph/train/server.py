"""``tf.train.ClusterSpec`` and ``tf.train.Server`` on JAX's multi-process runtime.

Where it sits: before everything else in a multi-process program. ``Server.start()``
calls ``jax.distributed.initialize`` -- task 0 of the cluster (jobs in name order,
tasks in index order) hosts the coordinator, bound to the address the cluster
gives it -- and tells the session's placement (``runtime.tasks.set_cluster``) which
JAX process each ``/job:NAME/task:K`` is, so device strings name the devices of
that process. On CPU the tasks exchange values with gloo collectives bound to each
task's host. There is no jgraph RPC layer.

TF1 difference: TF1 had one client driving remote workers over gRPC; jgraph runs
*the same program in every task* (SPMD, as JAX does). Each task builds the graph
and calls ``Session.run`` with the same fetches in the same order; ops run on the
task their device names, values move between tasks inside the runs, and every
task's ``run`` returns the fetched values. A task that stops running the program
(a TF1 parameter server in ``server.join()``) makes the others fail with
``DeadlineExceededError`` at their next new fetch set; see ``jgraph.distribute``.
``Server`` must be created before anything runs JAX computations (including
creating a ``Session``), because ``jax.distributed.initialize`` must come first.
"""

from __future__ import annotations

import functools
import math
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import jax

from jgraph.config import heartbeat_timeout_ms, operation_timeout_ms
from jgraph.runtime import tasks as _tasks


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
        """Joins the cluster: ``jax.distributed.initialize`` (once; idempotent).

        Blocks until every task has started (at most
        ``config.operation_timeout_in_ms``).

        Raises:
          RuntimeError: JAX already ran something in this process, or another
            ``Server`` already started here.
        """
        if self._started:
            return
        current = _tasks.started_cluster()
        if current is not None:
            raise RuntimeError(
                "A tf.train.Server already started in this process (as"
                f" {current.task_name(current.process_index)}); a process is one task."
            )
        addresses = tuple(self._cluster.task_address(j, t) for j, t in self._order)
        if len(self._order) > 1:
            self._initialize_jax(addresses[0])
        _tasks.set_cluster(
            _tasks.ClusterLayout(tuple(self._order), addresses, self._process_id)
        )
        self._started = True

    def _initialize_jax(self, coordinator: str) -> None:
        from jax._src import xla_bridge

        if xla_bridge.backends_are_initialized():
            raise RuntimeError(
                "tf.train.Server must be created before anything runs JAX (a"
                " Session, jax.devices(), an array...): jax.distributed.initialize"
                " has to come first in the process."
            )
        seconds = math.ceil(operation_timeout_ms(self._config) / 1000)
        heartbeat = math.ceil(heartbeat_timeout_ms(self._config) / 1000)
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=coordinator,
            num_processes=len(self._order),
            process_id=self._process_id,
            # The coordinator listens on the address the cluster gives task 0
            # (JAX's default would be every interface).
            coordinator_bind_address=coordinator,
            initialization_timeout=seconds,
            heartbeat_timeout_seconds=heartbeat,
            shutdown_timeout_seconds=seconds,
            cluster_detection_method="deactivate",
        )
        _bind_cpu_collectives(self._address.rpartition(":")[0])
        # Starting the backends is itself a meeting of all tasks (they exchange
        # their device lists): do it now, while every task is starting, so that a
        # task that then only joins (a TF1 'ps') does not stall the others.
        jax.devices()

    def join(self) -> None:
        """Blocks until every task of the cluster has finished, then leaves it.

        TF1's ``join`` served requests forever; a jgraph task serves nothing (every
        task runs the program), so ``join`` is where a finished task waits for the
        others (``jax.distributed.shutdown``). A one-task cluster has no one to wait
        for and blocks forever, as TF1.
        """
        if not self._started:
            raise RuntimeError("Server.join() before Server.start().")
        if len(self._order) == 1:
            threading.Event().wait()
        jax.distributed.shutdown()

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
