"""The cluster this process belongs to, and the steps its tasks take together.

Where it sits: below the session's placement (``placement.py``) and its segmented
runs (``compile/segments.py``). ``tf.train.Server`` records here which TF1 task each JAX
process is (:func:`set_cluster`); the placement checks a session's target against
it (:func:`check_target`) and, before a run, that every task is about to run the
same fetch set (:func:`sync_tasks`). Segmented runs move values between tasks with
:func:`copy_across_tasks` and stand for values another task holds with
:class:`RemoteValue`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import numpy as np

from jgraph import errors

if TYPE_CHECKING:
    from jaxlib._jax import Device

    from jgraph.compile.lower import LoweredRun


# -- the cluster this process belongs to (set by tf.train.Server) -------------------


class ClusterLayout(NamedTuple):
    """Which TF1 task each JAX process is: process ``i`` is ``tasks[i]``."""

    tasks: tuple[tuple[str, int], ...]  # (job, task index), in process order
    addresses: tuple[str, ...]  # "host:port" of each process
    process_index: int  # this process

    def process_of(self, job: str, task: int) -> int | None:
        try:
            return self.tasks.index((job, task))
        except ValueError:
            return None

    def task_name(self, process: int) -> str:
        job, task = self.tasks[process]
        return f"/job:{job}/task:{task}"


_cluster: ClusterLayout | None = None


def set_cluster(layout: ClusterLayout | None) -> None:
    """Called by ``tf.train.Server.start()``: names this process's tasks."""
    global _cluster
    _cluster = layout


def started_cluster() -> ClusterLayout | None:
    """The layout a started ``tf.train.Server`` set in this process, else ``None``."""
    return _cluster


def current_cluster() -> ClusterLayout | None:
    """The layout set by a started ``Server``; a bare ``jax.distributed`` run gets
    job ``localhost`` with one task per process."""
    if _cluster is not None:
        return _cluster
    if not _distributed_client():
        return None
    count = jax.process_count()
    return ClusterLayout(
        tuple(("localhost", i) for i in range(count)),
        ("",) * count,
        jax.process_index(),
    )


def _distributed_client() -> Any:
    # NOTE: jax has no public handle on the coordination client; the runs of a
    # cluster use it to check that every task runs the same fetch set.
    from jax._src import distributed

    return distributed.global_state.client


# -- values held by other tasks, and moving values between tasks -------------------


@dataclasses.dataclass(frozen=True)
class RemoteValue:
    """A value that lives on another task's device: this task knows only its shape.

    In a multi-task session, ``get_state()`` shows these for variables placed on
    other tasks; ``copy()`` keeps the session's ``get_state`` contract. (Not a
    pytree: ``jax.tree_util`` sees one leaf.)
    """

    aval: jax.ShapeDtypeStruct
    device: Device

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.aval.shape)

    @property
    def dtype(self) -> Any:
        return self.aval.dtype

    def copy(self) -> RemoteValue:
        return self


def aval_of(value: Any) -> jax.ShapeDtypeStruct:
    if isinstance(value, RemoteValue):
        return value.aval
    if isinstance(value, jax.ShapeDtypeStruct):
        return value
    return jax.ShapeDtypeStruct(np.shape(value), _dtype_of(value))


def _dtype_of(value: Any) -> Any:
    dtype = getattr(value, "dtype", None)
    return dtype if dtype is not None else np.asarray(value).dtype


def location(value: Any) -> Device | None:
    """The one device holding ``value``; ``None`` for host values."""
    if isinstance(value, RemoteValue):
        return value.device
    if isinstance(value, jax.Array):
        devices = value.devices()
        if len(devices) == 1:
            return next(iter(devices))
    return None


def is_local(device: Device) -> bool:
    return device.process_index == jax.process_index()


_PICK_FIRST: dict[tuple[int, ...], Any] = {}


def copy_across_tasks(
    values: Sequence[Any], source: Device, targets: Sequence[Device]
) -> list[Any]:
    """Copies ``values`` from ``source`` to ``targets`` (devices of other tasks).

    Every task owning ``source`` or a target must call this with the same
    arguments at the same point of its program (the other tasks need not): the
    owner of ``source`` passes the arrays, the others anything with the right shape
    (``RemoteValue``). It is one XLA all-gather over a mesh of ``[source, *targets]``
    -- gloo on CPU, NCCL on GPU -- so jgraph has no transport of its own.

    Returns the values on this task's target device, or ``RemoteValue`` s at
    ``targets[0]`` on a task that owns no target (the source included: its copy
    stays where it was).
    """
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    devices = [source, *targets]
    mesh = Mesh(np.array(devices), ("tasks",))
    stacked = NamedSharding(mesh, PartitionSpec("tasks"))
    mine = [d for d in devices if is_local(d)]
    avals = [aval_of(v) for v in values]
    if not mine:
        return [RemoteValue(a, targets[0]) for a in avals]
    (here,) = mine
    arrays = []
    for value, aval in zip(values, avals, strict=True):
        local = value if here == source else np.zeros(aval.shape, aval.dtype)
        shard = jax.device_put(jax.numpy.asarray(local)[None], here)
        arrays.append(
            jax.make_array_from_single_device_arrays(
                (len(devices), *aval.shape), stacked, [shard]
            )
        )
    key = tuple(d.id for d in devices)
    pick = _PICK_FIRST.get(key)
    if pick is None:
        pick = _PICK_FIRST[key] = jax.jit(
            lambda *xs: tuple(x[0] for x in xs),
            out_shardings=NamedSharding(mesh, PartitionSpec()),
        )
    gathered = pick(*arrays)
    if here == source:
        return [RemoteValue(a, targets[0]) for a in avals]
    return [g.addressable_data(0) for g in gathered]


_STATUS = re.compile(r"^[A-Z_]+: ")


def is_runtime_failure(err: Exception) -> bool:
    """Whether ``err`` is an XLA run-time status (``UNKNOWN: Gloo all-reduce failed``),
    which JAX raises as ``JaxRuntimeError`` or, from some paths, ``ValueError``."""
    return isinstance(err, jax.errors.JaxRuntimeError) or bool(_STATUS.match(str(err)))


def collective_error(err: Exception) -> errors.OpError:
    """A failed cross-task step as TF1's ``UnavailableError`` (a task died...)."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return errors.UnavailableError(
        None,
        None,
        f"A step shared with another task failed: {text}\n  Another task of the"
        " cluster has probably died or stopped running this program; every task"
        " must run the same Session.run calls (see jgraph.distribute).",
    )


_sync_counter = itertools.count()


def sync_tasks(description: str, details: str, timeout_ms: int) -> None:
    """Checks that every task is about to run the same fetch set.

    Each task posts a fingerprint of ``details`` (the ops it is about to run, and
    where) to the coordination service and reads the others' (up to
    ``timeout_ms``), so a task running another program, or none (a TF1 parameter
    server blocked in ``server.join()``), is an error here rather than a hang in a
    collective. ``description`` names the fetch set in the error messages.
    """
    client = _distributed_client()
    if client is None or jax.process_count() == 1:
        return
    layout = current_cluster()
    assert layout is not None
    number = next(_sync_counter)
    digest = hashlib.sha1(details.encode()).hexdigest()[:16]
    summary = description if len(description) < 300 else description[:297] + "..."
    mine = f"{digest} {summary}"
    me = jax.process_index()
    client.key_value_set(f"jgraph/run/{number}/{me}", mine)
    for process in range(jax.process_count()):
        if process == me:
            continue
        task = layout.task_name(process)
        theirs = wait_for_task(
            client,
            f"jgraph/run/{number}/{process}",
            process,
            timeout_ms / 1000,
            f"Task {task} finished its program while this task"
            f" ({layout.task_name(me)}) still runs Session.run calls that need it:"
            " every task runs the same Session.run calls (SPMD, see"
            " jgraph.distribute).",
        )
        if theirs is None:
            raise errors.DeadlineExceededError(
                None,
                None,
                f"Task {task} did not reach this Session.run (fetch set #{number}:"
                f" {summary}) within {timeout_ms / 1000:g} s. In jgraph every task"
                " runs the same program (SPMD): a task that runs other fetches, or"
                " waits in server.join() as a TF1 parameter server, never gets"
                " here. See jgraph.distribute. (ConfigProto.operation_timeout_in_ms"
                " sets this wait.)",
            )
        if theirs.split(" ", 1)[0] != digest:
            raise errors.FailedPreconditionError(
                None,
                None,
                f"Task {layout.task_name(process)} runs another fetch set than this task"
                f" ({layout.task_name(me)}) at Session.run #{number}:\n  this task:"
                f" {summary}\n  {layout.task_name(process)}: {theirs.split(' ', 1)[1]}\n"
                "  In jgraph every task runs the same program (SPMD), with the same"
                " Session.run calls in the same order.",
            )


# Where a task that finishes its program says so as it leaves (``cluster.Member.leave``).
DONE_PREFIX = "jgraph/done/"


def finished_tasks(client: Any) -> set[int]:
    """The process indices of the tasks that finished their program and left the
    cluster cleanly (a task that was killed has not)."""
    return {
        int(key.rsplit("/", 1)[-1]) for key, _ in client.key_value_dir_get(DONE_PREFIX)
    }


_WAIT_SLICE_MS = 500  # how often a wait looks whether the task it waits for left


def wait_for_task(
    client: Any,
    key: str,
    process: int,
    timeout_s: float,
    left: str,
    note: Callable[[float], None] | None = None,
    note_every_s: float = 5.0,
) -> str | None:
    """``key``'s value in the coordination service, posted by task ``process``;
    ``None`` after ``timeout_s`` (the caller names what did not come).

    Waits in short slices, so that it sees at once when that task finished its
    program meanwhile (it says so as it leaves: ``cluster.Member.leave``), and
    calls ``note(seconds waited)`` every ``note_every_s`` (a progress line).

    Raises:
      UnavailableError: task ``process`` left (the message is ``left``), or the
        coordination service failed.
    """
    start = time.monotonic()
    deadline = start + timeout_s
    next_note = start + note_every_s
    while True:
        slice_ms = min(_WAIT_SLICE_MS, int((deadline - time.monotonic()) * 1000))
        try:
            return client.blocking_key_value_get(key, max(slice_ms, 0))
        except Exception as err:
            if "DEADLINE_EXCEEDED" not in str(err) and "imed out" not in str(err):
                raise collective_error(err) from err
        if process in finished_tasks(client):
            raise errors.UnavailableError(None, None, left)
        now = time.monotonic()
        if now >= deadline:
            return None
        if note is not None and now >= next_note:
            note(now - start)
            next_note = now + note_every_s


def describe_run(lowered: LoweredRun) -> str:
    """A fetch set as text, for :func:`sync_tasks`'s messages."""
    fetches = ", ".join(t.name for t in lowered.fetches)
    targets = ", ".join(op.name for op in lowered.ops if not op.outputs)
    feeds = ", ".join(t.name for t in lowered.feeds)
    return f"fetches [{fetches}] targets [{targets}] feeds [{feeds}]"


# -- session targets -------------------------------------------------------------


def check_target(target: str) -> None:
    if not target:
        return
    layout = _cluster
    address = target.split("://", 1)[-1]
    if layout is None or address not in layout.addresses:
        known = (
            ", ".join(f"grpc://{a}" for a in layout.addresses)
            if layout is not None
            else "none: no tf.train.Server was started in this process"
        )
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Session target {target!r} is not a task of this process's cluster"
            f" (known targets: {known}). Start a jg.train.Server first and pass its"
            " .target, or use '' for this process.",
        )
