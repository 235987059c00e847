"""Data-parallel training on one or many processes, and what replaces TF1's
parameter servers.

Where it sits: a client of the session's placement hook (``runtime/placement.py``). A
:class:`DataParallel` placement gives the session's jitted function shardings:
state replicated on every device of every task, fed batches split along their first
dimension. XLA then computes each device's share and all-reduces the gradients,
so ``minimize`` on a mean loss takes exactly the step one process would take on
the whole batch.

One machine, several devices::

    sess = jg.Session(placement=jg.distribute.DataParallel())

Several processes (each its own ``python train.py --task_index=i``; every process
runs the *same* program and feeds *its own* part of each batch)::

    cluster = jg.train.ClusterSpec({"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]})
    server = jg.train.Server(cluster, job_name="worker", task_index=i)
    ...build the graph, loss, train_op as usual...
    with jg.Session(server.target, placement=jg.distribute.DataParallel()) as sess:
        sess.run(init)
        for step in range(n):
            sess.run(train_op, {x: my_rows, y: my_labels})

TF1 difference -- what TF1 programs did, and what to write instead:

- *Parameter servers* (a ``ps`` job holding variables, workers running the same
  script, ``replica_device_setter``, ``server.join()`` on the ps): see
  ``jgraph.distribute.replicas``, which maps them onto the synchronous steps of
  this module (the ps tasks hold nothing; every worker keeps a replica). Under
  :class:`DataParallel` every task of the cluster takes part in every run: a task
  that only calls ``server.join()`` while the others run makes their next new
  ``Session.run`` fail with ``DeadlineExceededError`` after
  ``ConfigProto.operation_timeout_in_ms`` instead of hanging.
- *In-graph replication* (one client builds a tower per GPU/task under
  ``tf.device`` and averages the gradients itself): it still runs -- each tower on
  its device, moved there by the session's segmented runs -- but it is slow and the
  gradient is computed where ``minimize`` was called. Write one tower and use
  :class:`DataParallel` instead.
- *Between-graph replication* (each worker builds its own graph): that is what
  every jgraph task does; with a ``ps`` job, see ``jgraph.distribute.replicas``.
- Every task makes the same ``Session.run`` calls in the same order: TF1's
  chief-only work (``if is_chief: saver.save(...)``) is done by every task
  (``Saver`` writes once, from task 0). A new fetch set is checked against the
  other tasks' first: a mismatch is ``FailedPreconditionError``, a task that does
  not come ``DeadlineExceededError``, a task that finished its program
  ``UnavailableError`` at once; a task that dies makes the others' runs fail with
  ``UnavailableError``. Every later run checks inside its compiled program that
  all tasks run the same fetch set with the same batch rows (:func:`checked_step`):
  otherwise nothing is updated and every task raises ``InvalidArgumentError``
  naming both sides.
- With explicit ``tf.device("/job:J/task:K")`` placement (no :class:`DataParallel`)
  a task holds only the variables placed on its devices; ``get_state()`` shows
  :class:`RemoteValue` (shape only) for the others, and ``Saver`` needs
  :class:`DataParallel` state.
- Fetched values are the global ones: a fetched per-example tensor has the rows of
  every task, in task order; a fetched loss is the loss of the global batch.
- Ops' ``tf.device`` strings are ignored under :class:`DataParallel`: every op runs
  on every device, on its share of the batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jgraph import errors
from jgraph.compile.lower import LoweredRun, lower
from jgraph.compile.segments import has_host_steps
from jgraph.config import DEFAULT_OPERATION_TIMEOUT_MS
from jgraph.graph.graph import Operation
from jgraph.graph.shape import is_known
from jgraph.graph.tensor import Tensor
from jgraph.runtime.placement import Placement, host_steps_unsupported
from jgraph.runtime.tasks import (
    RemoteValue as RemoteValue,
    collective_error,
    describe_run,
    is_runtime_failure,
    sync_tasks,
)

BATCH_AXIS = "batch"


if TYPE_CHECKING:
    from jaxlib._jax import Device


class DataParallel(Placement):
    """State replicated on every device of every task; fed batches split over them.

    A feed is a *batch* (split along its first dimension) when its static first
    dimension is unknown (``placeholder(tf.float32, [None, 784])``), or when it is
    in ``batch_feeds``; other feeds (a learning rate, ``keep_prob``) are replicated
    and every task must feed the same value. Each task feeds its own rows; the
    global batch is the tasks' rows in task order, and each task's row count must
    split evenly over its devices.

    Args:
      devices: the devices to use (default: ``jax.devices()``, all devices of all
        tasks).
      batch_feeds: the tensors to split (default: feeds with an unknown first
        dimension).
      operation_timeout_in_ms: how long a new fetch set waits for the other tasks
        (default 300 s), as ``ConfigProto.operation_timeout_in_ms``.

    >>> placement = DataParallel()
    """

    def __init__(
        self,
        devices: Sequence[Device] | None = None,
        batch_feeds: Iterable[Tensor] | None = None,
        operation_timeout_in_ms: int = 0,
    ) -> None:
        self._devices = tuple(devices) if devices is not None else None
        self._batch_feeds = frozenset(batch_feeds) if batch_feeds is not None else None
        self._timeout_ms = operation_timeout_in_ms or DEFAULT_OPERATION_TIMEOUT_MS
        self._mesh: Mesh | None = None
        self._naming: dict[str, Any] = {}
        self._rows = -1

    # -- the mesh (built on first use: after tf.train.Server has started JAX) ------
    @property
    def mesh(self) -> Mesh:
        """A one-axis (``"batch"``) mesh over the devices."""
        if self._mesh is None:
            devices = self._devices if self._devices is not None else jax.devices()
            self._mesh = Mesh(np.array(devices), (BATCH_AXIS,))
        return self._mesh

    @property
    def replicated(self) -> NamedSharding:
        return NamedSharding(self.mesh, PartitionSpec())

    @property
    def batched(self) -> NamedSharding:
        return NamedSharding(self.mesh, PartitionSpec(BATCH_AXIS))

    @property
    def local_device_count(self) -> int:
        me = jax.process_index()
        return sum(1 for d in self.mesh.devices.flat if d.process_index == me)

    # -- the Placement interface ----------------------------------------------------
    def lower(
        self,
        ops: tuple[Operation, ...],
        fetches: Sequence[Tensor],
        feeds: Sequence[Tensor],
    ) -> LoweredRun:
        self._naming: dict[str, Any] = {}
        lowered = lower(ops, fetches, feeds, jit=self.jit)
        if has_host_steps(lowered.run_ops):
            raise host_steps_unsupported(lowered, "a DataParallel placement")
        if jax.process_count() > 1:
            details = "\n".join(f"{op.name} {op.type}" for op in lowered.ops)
            sync_tasks(
                describe_run(lowered), f"data-parallel\n{details}", self._timeout_ms
            )
            # Every later run checks inside its program that all tasks run it.
            digest = hashlib.sha256(details.encode()).digest()
            self._naming.update(
                words=np.frombuffer(digest[:8], np.int32).copy(),
                text=describe_run(lowered),
            )
        return lowered

    def jit(
        self,
        fn: Callable[..., Any],
        donate_argnums: Sequence[int],
        compiler_options: Mapping[str, str] | None = None,
    ) -> Callable[..., Any]:
        """``fn`` jitted over the mesh (with XLA ``compiler_options``); every output
        replicated (fetches are global).

        Over several tasks the program first compares every task's run descriptor
        (see :func:`checked_step`) and runs the step only when they agree.
        """
        several_tasks = jax.process_count() > 1
        options = dict(compiler_options) if compiler_options else None
        if not several_tasks:
            jitted = jax.jit(
                fn,
                donate_argnums=tuple(donate_argnums),
                out_shardings=self.replicated,
                compiler_options=options,
            )

            def call(*args: Any) -> Any:
                return jitted(*jax.tree_util.tree_map(self._on_mesh, args))

            return call
        # Not donated: a refused step must leave the state as it was.
        checked = jax.jit(
            checked_step(fn, self.replicated),
            out_shardings=self.replicated,
            compiler_options=options,
        )
        naming = self._naming  # filled by lower() once the run is lowered
        runs = iter(range(1, 1 << 30))

        def call_checked(*args: Any) -> Any:
            args = jax.tree_util.tree_map(self._on_mesh, args)
            mine = np.array(
                [*naming.get("words", (0, 0)), self._rows, next(runs)], np.int32
            )
            descriptor = _global_array(
                self.batched, np.tile(mine, (self.local_device_count, 1))
            )
            try:
                ok, seen, out = jax.block_until_ready(checked(descriptor, *args))
            except (RuntimeError, ValueError) as err:
                if isinstance(err, errors.OpError) or not is_runtime_failure(err):
                    raise
                raise collective_error(err) from err
            if not bool(_host_value(ok)):
                raise _mismatch(naming, mine, _host_value(seen), self.mesh)
            return out

        return call_checked

    def put_state(self, name: str, value: Any) -> jax.Array:
        if _on(value, self.mesh):
            return value
        return _global_array(self.replicated, _host_value(value))

    def put_feeds(self, feeds: Sequence[Any], values: tuple) -> tuple:
        # This task's batch rows, for the run descriptor (uneven batches refused).
        self._rows = next(
            (
                int(np.shape(v)[0])
                for t, v in zip(feeds, values, strict=True)
                if self.is_batch(t) and np.ndim(v)
            ),
            -1,
        )
        return tuple(
            self._put_feed(tensor, value)
            for tensor, value in zip(feeds, values, strict=True)
        )

    # -- helpers ----------------------------------------------------------------------
    def is_batch(self, tensor: Tensor) -> bool:
        """Whether ``tensor``'s fed values are split along their first dimension."""
        if self._batch_feeds is not None:
            return tensor in self._batch_feeds
        dims = tensor.dims
        return bool(dims) and not is_known(dims[0])

    def _put_feed(self, tensor: Tensor, value: Any) -> jax.Array:
        host = _host_value(value)
        if not self.is_batch(tensor):
            return _global_array(self.replicated, host)
        count = self.local_device_count
        if host.ndim == 0 or host.shape[0] % count:
            rows = host.shape[0] if host.ndim else "no"
            raise errors.InvalidArgumentError(
                None,
                tensor.op,
                f"DataParallel: the value fed to '{tensor.name}' has {rows} rows, which"
                f" do not split evenly over this task's {count} devices. Feed a"
                f" multiple of {count} rows per task.",
            )
        return _global_array(self.batched, host)

    def _on_mesh(self, leaf: Any) -> Any:
        """A jit argument as a global array on the mesh (the session's key, mostly)."""
        if _on(leaf, self.mesh):
            return leaf
        if not isinstance(leaf, jax.Array) and jax.process_count() > 1:
            # Only Session.run_steps passes host feeds here: they are not split.
            raise errors.UnimplementedError(
                None,
                None,
                "DataParallel over several tasks does not split the feeds of"
                " Session.run_steps yet; call Session.run per step instead.",
            )
        host = _host_value(leaf)
        if jax.process_count() > 1:
            # Each task drew its own key when no graph seed was set: use task 0's.
            from jax.experimental import multihost_utils

            host = np.asarray(multihost_utils.broadcast_one_to_all(host))
        return _global_array(self.replicated, host)


def checked_step(
    fn: Callable[..., Any], replicated: NamedSharding
) -> Callable[..., Any]:
    """``fn`` behind an agreement check: ``(descriptor, *args) -> (ok, seen, out)``.

    ``descriptor`` holds one int32[4] row per device, its task's (fetch-set digest
    (2 words), batch rows, run number). The rows are compared inside the program
    (one small all-gather, the first collective of every checked program, so it
    always pairs); the step runs under ``lax.cond`` only when all agree, so
    differing programs never run differing collectives. Else ``out`` is ``fn``'s
    arguments' state unchanged and zeros, and the caller raises.
    """

    def checked(descriptor: Any, *args: Any) -> tuple:
        seen = jax.lax.with_sharding_constraint(descriptor, replicated)
        ok = jnp.all(seen == seen[0])
        shapes = jax.eval_shape(fn, *args)

        def refused(*args: Any) -> Any:
            out = jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), shapes)
            new_rw = {n: args[1].get(n, out[0][n]) for n in out[0]}
            return (new_rw, *out[1:])

        return ok, seen, jax.lax.cond(ok, fn, refused, *args)

    return checked


def _mismatch(
    naming: dict, mine: np.ndarray, seen: np.ndarray, mesh: Mesh
) -> errors.OpError:
    """The error every task raises when the tasks ran different steps together."""
    from jgraph.runtime.tasks import current_cluster

    layout = current_cluster()
    tasks = [d.process_index for d in mesh.devices.flat]
    sides = []
    for row, process in dict(
        zip(map(tuple, seen.tolist()), tasks, strict=False)
    ).items():
        name = layout.task_name(process) if layout is not None else f"task {process}"
        rows = "no batch" if row[2] < 0 else f"{row[2]} rows"
        same = row[:2] == tuple(mine[:2].tolist())
        what = naming.get("text", "?") if same else "another fetch set"
        sides.append(f"{name}: {what} with {rows} (run #{row[3]})")
    return errors.InvalidArgumentError(
        None,
        None,
        "The tasks ran different steps together; nothing was updated: "
        + "; ".join(sides)
        + ". Every task must make the same Session.run calls, in the same order,"
        " with the same batch rows (see jgraph.distribute).",
    )


def _on(value: Any, mesh: Mesh) -> bool:
    return (
        isinstance(value, jax.Array)
        and isinstance(value.sharding, NamedSharding)
        and value.sharding.mesh == mesh
    )


def _global_array(sharding: NamedSharding, local: np.ndarray) -> jax.Array:
    """The global array whose rows on this task are ``local`` (all of it when
    replicated)."""
    if jax.process_count() == 1:
        return jax.device_put(local, sharding)  # the same, about 4x faster
    return jax.make_array_from_process_local_data(sharding, local)


def _host_value(value: Any) -> np.ndarray:
    if isinstance(value, jax.Array) and not value.is_fully_addressable:
        value = value.addressable_data(0)  # replicated: any shard is the value
    return np.asarray(value)
