"""Where the session's state and feeds live, and how its functions are compiled.

Where it sits: between lowering and the session. The session asks its
:class:`Placement` four things: to lower a pruned fetch set (``lower``), how to jit
a pure function (``jit``), where to put a state array (``put_state``) and how to
hand feeds to the compiled function (``put_feeds``).

The default, :class:`DevicePlacement`, honours ``tf.device``: every op's device
string (``/gpu:1``, ``/job:worker/task:1/device:CPU:0``) names a JAX device, a
variable lives on its op's device, and

- a fetch set whose ops and variables all sit on the default device is one
  ``jax.jit`` (the common case: nothing else happens);
- otherwise the ordered ops are cut into *segments*, consecutive runs of ops on one
  device; each segment is jitted for its device, and the values it needs are moved
  there first (``jax.device_put`` inside a process; a two-device collective between
  processes, see :func:`copy_across_tasks`). Written variables go back to their
  device at the end of the run. Every segment interprets the same op list with the
  same key, so values, random numbers and state rules are those of one function.

Several tasks (``tf.train.Server``): every task runs the same program (SPMD). A task
runs the segments on its own devices, learns the shapes of the others' with
``jax.eval_shape``, and takes part in the transfers to or from its devices; fetched
values are broadcast so that every task's ``run`` returns them.

TF1 difference: an op without a device runs on the default device (GPU:0 when there
is a GPU, else CPU:0) -- of task 0 when there are several tasks, whichever task the
session's target names -- except that an op writing one variable (``assign``,
``v.read_value()``) runs where that variable lives, as TF1 colocates them. The
gradient of a loss computed on other devices is computed on the device of the
op that asks for it (``minimize``): it recomputes the forward ops there.
Segmented runs copy the written state instead of updating it in place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import numpy as np

from jgraph import errors
from jgraph._device_spec import DeviceSpec
from jgraph._graph import Graph, Operation, Tensor
from jgraph._lower import LoweredRun, _Interpreter, lower
from jgraph._prune import variables_touched
from jgraph._registry import REGISTRY
from jgraph.config import operation_timeout_ms

if TYPE_CHECKING:
    from jaxlib._jax import Device


class Placement:
    """Single-device placement: JAX's default device, plain ``jax.jit``."""

    def lower(
        self,
        ops: tuple[Operation, ...],
        fetches: Sequence[Tensor],
        feeds: Sequence[Tensor],
    ) -> LoweredRun:
        """The compiled run of the pruned, ordered ``ops`` (see ``_lower.lower``)."""
        return lower(ops, fetches, feeds, jit=self.jit)

    def jit(
        self, fn: Callable[..., Any], donate_argnums: Sequence[int]
    ) -> Callable[..., Any]:
        """Compiles a lowered ``(ro_vars, rw_vars, feeds, key, consts)`` function."""
        return jax.jit(fn, donate_argnums=tuple(donate_argnums))

    def put_state(self, name: str, value: Any) -> Any:
        """The array that holds state entry ``name`` (a variable) in the session."""
        del name
        # Uncommitted, like the arrays runs produce: a committed one would make the
        # next run recompile for a different placement signature.
        return jax.numpy.asarray(value)

    def put_feeds(self, feeds: Sequence[Any], values: tuple) -> tuple:
        """Feed values as the compiled function takes them (here: as given)."""
        del feeds
        return values


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


# -- TF1 device names -> JAX devices -----------------------------------------------

_TYPE_OF_PLATFORM = {
    "cpu": "CPU",
    "gpu": "GPU",
    "cuda": "GPU",
    "rocm": "GPU",
    "tpu": "TPU",
}
_TYPE_ALIASES = {"XLA_CPU": "CPU", "XLA_GPU": "GPU", "XLA_TPU": "TPU"}
DEVICE_HELP = (
    "Make sure the device specification refers to a valid device, or create the"
    " session with jg.ConfigProto(allow_soft_placement=True) to run such ops on the"
    " default device."
)


class SoftPlacementWarning(UserWarning):
    """An op's device does not exist; it runs on the default device instead."""


def device_type(device: Device) -> str:
    """TF1's device type of a JAX device: ``CPU``, ``GPU`` or ``TPU``."""
    platform = str(device.platform)
    return _TYPE_OF_PLATFORM.get(platform, platform.upper())


class DeviceMap:
    """The devices a session may use, and TF1 device strings resolved to them.

    Devices are grouped by (process, type) in JAX's order; ``device_count`` and
    ``gpu_options.visible_device_list`` of ``config`` hide and renumber them as TF1.
    """

    def __init__(self, config: Any = None) -> None:
        self._config = config
        self._table: dict[tuple[int, str], list[Device]] | None = None
        self._resolved: dict[str, Device | None] = {}

    @property
    def table(self) -> dict[tuple[int, str], list[Device]]:
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> dict[tuple[int, str], list[Device]]:
        table: dict[tuple[int, str], list[Device]] = {}
        for platform in ("cpu", "gpu", "tpu"):
            try:
                devices = jax.devices(platform)
            except RuntimeError:  # no such backend here
                continue
            for device in devices:
                kind = device_type(device)
                table.setdefault((device.process_index, kind), []).append(device)
        gpu_options = getattr(self._config, "gpu_options", None)
        visible = gpu_options.visible_indices() if gpu_options is not None else None
        for (process, kind), devices in list(table.items()):
            if kind == "GPU" and visible is not None:
                devices = [devices[i] for i in visible if i < len(devices)]
            limit = _device_limit(self._config, kind)
            if limit is not None:
                devices = devices[:limit]
            table[(process, kind)] = devices
        return table

    def default_type(self, process: int) -> str:
        """GPU (or TPU) when the process has one, as TF1; else CPU."""
        preferred = _TYPE_OF_PLATFORM.get(jax.default_backend(), "CPU")
        return preferred if self.table.get((process, preferred)) else "CPU"

    @property
    def default(self) -> Device:
        """Where ops without a device run: the default device of task 0."""
        layout = current_cluster()
        process = 0 if layout is not None else jax.process_index()
        return self.table[(process, self.default_type(process))][0]

    @property
    def local_default(self) -> Device:
        """This process's default device (for values every task holds)."""
        process = jax.process_index()
        return self.table[(process, self.default_type(process))][0]

    def resolve(self, spec: str) -> Device | None:
        """The device ``spec`` names, or ``None`` when there is no such device."""
        if spec in self._resolved:
            return self._resolved[spec]
        parsed = DeviceSpec.from_string(spec)
        layout = current_cluster()
        process: int | None
        if parsed.replica not in (None, 0):
            process = None
        elif layout is None:
            local = parsed.job in (None, "localhost") and parsed.task in (None, 0)
            process = jax.process_index() if local else None
        else:
            job = parsed.job if parsed.job is not None else layout.tasks[0][0]
            process = layout.process_of(job, parsed.task or 0)
        device = None
        if process is not None:
            kind = parsed.device_type or self.default_type(process)
            kind = _TYPE_ALIASES.get(kind, kind)
            devices = self.table.get((process, kind), [])
            index = parsed.device_index or 0
            device = devices[index] if index < len(devices) else None
        self._resolved[spec] = device
        return device

    def name(self, device: Device) -> str:
        """TF1's full name: ``/job:localhost/replica:0/task:0/device:CPU:0``."""
        layout = current_cluster()
        if layout is None:
            job, task = "localhost", 0
        else:
            job, task = layout.tasks[device.process_index]
        kind = device_type(device)
        index = self.table[(device.process_index, kind)].index(device)
        return f"/job:{job}/replica:0/task:{task}/device:{kind}:{index}"

    def names(self) -> list[str]:
        return [self.name(d) for devices in self.table.values() for d in devices]


def _device_limit(config: Any, kind: str) -> int | None:
    for name, count in (getattr(config, "device_count", None) or {}).items():
        if name.upper() == kind:
            return int(count)
    return None


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


def _is_local(device: Device) -> bool:
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
    mine = [d for d in devices if _is_local(d)]
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
        try:
            theirs = client.blocking_key_value_get(
                f"jgraph/run/{number}/{process}", timeout_ms
            )
        except Exception as err:
            task = layout.task_name(process)
            if "DEADLINE_EXCEEDED" in str(err) or "imed out" in str(err):
                raise errors.DeadlineExceededError(
                    None,
                    None,
                    f"Task {task} did not reach this Session.run (fetch set #{number}:"
                    f" {summary}) within {timeout_ms / 1000:g} s. In jgraph every task"
                    " runs the same program (SPMD): a task that runs other fetches, or"
                    " waits in server.join() as a TF1 parameter server, never gets"
                    " here. See jgraph.distribute. (ConfigProto.operation_timeout_in_ms"
                    " sets this wait.)",
                ) from err
            raise collective_error(err) from err
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


def describe_run(lowered: LoweredRun) -> str:
    """A fetch set as text, for :func:`sync_tasks`'s messages."""
    fetches = ", ".join(t.name for t in lowered.fetches)
    targets = ", ".join(op.name for op in lowered.ops if not op.outputs)
    feeds = ", ".join(t.name for t in lowered.feeds)
    return f"fetches [{fetches}] targets [{targets}] feeds [{feeds}]"


# -- the default placement: tf.device honoured ------------------------------------


class DevicePlacement(Placement):
    """Runs each op on the device its ``tf.device`` names (see the module docstring).

    Args:
      graph: the session's graph (variables' devices are read from it).
      config: the session's ``ConfigProto`` (``log_device_placement``,
        ``allow_soft_placement``, ``device_count``, ``gpu_options``,
        ``operation_timeout_in_ms``), or ``None``.
    """

    def __init__(self, graph: Graph, config: Any = None) -> None:
        self._graph = graph
        self._config = config
        self.devices = DeviceMap(config)
        self._soft = bool(getattr(config, "allow_soft_placement", False))
        self._log = bool(getattr(config, "log_device_placement", False))
        self._warned: set[str] = set()

    # -- devices of ops and variables ---------------------------------------------
    def _resolve(self, spec: str, op: Operation | None) -> Device:
        if not spec:
            return self.devices.default
        device = self.devices.resolve(spec)
        if device is not None:
            return device
        full = DeviceSpec.from_string(spec).to_string()
        if self._soft:
            if spec not in self._warned:
                self._warned.add(spec)
                warnings.warn(
                    f"Device '{full}' does not exist (available:"
                    f" {', '.join(self.devices.names())}); ops placed on it run on"
                    f" {self.devices.name(self.devices.default)} (allow_soft_placement).",
                    SoftPlacementWarning,
                    stacklevel=6,
                )
            return self.devices.default
        what = f"operation '{op.name}'" if op is not None else "a state entry"
        where = f"\n  ({op.describe()})" if op is not None else ""
        raise errors.InvalidArgumentError(
            None,
            op,
            f"Cannot assign a device for {what}: Operation was explicitly assigned to"
            f" {full} but available devices are [ {', '.join(self.devices.names())} ]."
            f" {DEVICE_HELP}{where}",
        )

    def home(self, name: str) -> Device:
        """The device that holds state entry ``name`` between runs."""
        variable = self._graph._variables.get(name)
        if variable is None:
            return self.devices.default
        return self._resolve(variable.op.device, variable.op)

    def device_of(self, op: Operation) -> Device:
        """Where ``op`` runs."""
        if not op.device:
            # TF1 colocates an op that reads or writes one variable with it.
            reads = op.attrs.get("_reads_variable")
            if reads is not None:
                return self.home(reads)
            names = op.attrs.get("var_names", ())
            if REGISTRY[op.type].stateful and len(names) == 1:
                return self.home(names[0])
        return self._resolve(op.device, op)

    # -- the Placement interface ----------------------------------------------------
    def lower(
        self,
        ops: tuple[Operation, ...],
        fetches: Sequence[Tensor],
        feeds: Sequence[Tensor],
    ) -> LoweredRun:
        lowered = lower(ops, fetches, feeds, jit=self.jit)
        placed = {op: self.device_of(op) for op in lowered.ops}
        if self._log:
            self._log_placement(lowered.ops, placed)
        homes = {
            name: self.home(name)
            for op in lowered.run_ops
            for name in variables_touched(op)
        }
        used = {placed[op] for op in lowered.run_ops} | set(homes.values())
        several_tasks = jax.process_count() > 1
        if several_tasks:
            details = "\n".join(
                f"{op.name} {op.type} {placed[op].id}" for op in lowered.ops
            )
            sync_tasks(
                describe_run(lowered), details, operation_timeout_ms(self._config)
            )
        if not several_tasks and used <= {self.devices.default}:
            return lowered
        segmented = _SegmentedRun(lowered, placed, homes, self.devices)
        return dataclasses.replace(lowered, fn=segmented)

    def put_state(self, name: str, value: Any) -> Any:
        if name not in self._graph._variables:  # a big constant every task holds
            return jax.device_put(value, self.devices.local_default)
        home = self.home(name)
        if not _is_local(home):
            return RemoteValue(aval_of(value), home)
        if home == jax.devices()[0]:
            # Uncommitted, like the arrays single-device runs produce: a committed
            # one would make the next run recompile for another signature.
            return jax.numpy.asarray(value)
        return jax.device_put(value, home)

    def _log_placement(
        self, ops: Sequence[Operation], placed: dict[Operation, Device]
    ) -> None:
        lines = [
            f"{op.name}: ({op.type}): {self.devices.name(placed[op])}" for op in ops
        ]
        print("\n".join(lines), file=sys.stderr, flush=True)


# -- segmented runs ---------------------------------------------------------------


class _Segment(NamedTuple):
    device: Device
    start: int  # run_ops[start:stop] run here (lifted constants excepted)
    stop: int
    inputs: tuple[Tensor, ...]  # values it reads that other segments or feeds made
    outputs: tuple[Tensor, ...]  # values later segments or the fetches need
    reads: tuple[str, ...]  # state entries it reads or writes
    writes: tuple[str, ...]  # state entries it may write
    fn: Any  # jitted for ``device``
    pure: Any  # not jitted (for eval_shape on tasks that do not run it)


class _SegmentedRun:
    """A ``LoweredRun.fn`` whose ops sit on several devices (or another task's).

    Called like the one-jit function: ``(ro, rw, feeds, key, consts) -> (new_rw,
    outputs, next_key)``.
    """

    def __init__(
        self,
        lowered: LoweredRun,
        placed: dict[Operation, Device],
        homes: dict[str, Device],
        devices: DeviceMap,
    ) -> None:
        self._lowered = lowered
        self._homes = homes
        self._devices = devices
        self._lifted = tuple(op.outputs[0] for op in lowered.lifted_constants)
        self._everywhere = frozenset((*lowered.feeds, *self._lifted))
        self._written = tuple(sorted(lowered.written_vars))
        self._shapes: dict[Any, Any] = {}
        self.segments = self._cut(lowered, placed)

    def _cut(
        self, lowered: LoweredRun, placed: dict[Operation, Device]
    ) -> tuple[_Segment, ...]:
        run_ops = lowered.run_ops
        spans: list[list[Any]] = []
        for position, op in enumerate(run_ops):
            if op.outputs and all(t in self._everywhere for t in op.outputs):
                continue  # a lifted constant: passed in, not computed
            device = placed[op]
            if spans and spans[-1][0] == device:
                spans[-1][2] = position + 1
            else:
                spans.append([device, position, position + 1])
        fetched = {
            t
            for i, t in enumerate(lowered.fetches)
            if i not in lowered.host_outputs and t not in self._everywhere
        }
        plans = []
        for device, start, stop in spans:
            ops = [
                op
                for op in run_ops[start:stop]
                if not (op.outputs and all(t in self._everywhere for t in op.outputs))
            ]
            made = {t for op in ops for t in op.outputs} - self._everywhere
            # A gradient op recomputes earlier ops: it needs everything they read.
            context = any(REGISTRY[op.type].needs_context for op in ops)
            scope = run_ops[:stop] if context else ops
            inputs = tuple(
                dict.fromkeys(t for op in scope for t in op.inputs if t not in made)
            )
            reads = tuple(
                dict.fromkeys(n for op in scope for n in variables_touched(op))
            )
            writes = tuple(
                dict.fromkeys(
                    n
                    for op in ops
                    if (REGISTRY[op.type].stateful or REGISTRY[op.type].needs_context)
                    and not op.attrs.get("_read_only")
                    for n in variables_touched(op)
                )
            )
            plans.append((device, start, stop, ops, made, inputs, reads, writes))
        segments: list[_Segment] = []
        needed_later = set(fetched)
        for device, start, stop, ops, made, inputs, reads, writes in reversed(plans):
            outputs = tuple(
                t for op in ops for t in op.outputs if t in made and t in needed_later
            )
            pure = self._segment_fn(lowered, start, stop, inputs, outputs, writes)
            sharding = jax.sharding.SingleDeviceSharding(device)
            fn = jax.jit(pure, out_shardings=sharding) if _is_local(device) else None
            segments.append(
                _Segment(device, start, stop, inputs, outputs, reads, writes, fn, pure)
            )
            needed_later.update(inputs)
        return tuple(reversed(segments))

    @staticmethod
    def _segment_fn(
        lowered: LoweredRun,
        start: int,
        stop: int,
        inputs: tuple[Tensor, ...],
        outputs: tuple[Tensor, ...],
        writes: tuple[str, ...],
    ) -> Callable[..., Any]:
        run_ops, trace_count = lowered.run_ops, lowered.trace_count

        def segment_fn(start_vals: dict, cur_vals: dict, in_values: tuple, key: Any):
            trace_count[0] += 1
            run = _Interpreter(run_ops, start_vals, {}, inputs, in_values, key)
            run.state.update(cur_vals)
            run.execute(start, stop)
            written = {n: run.state[n] for n in writes if n in run.state}
            return written, tuple(run.env[t] for t in outputs)

        return segment_fn

    # -- running --------------------------------------------------------------------
    def __call__(
        self, ro: dict, rw: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple[dict, tuple, Any]:
        if jax.process_count() == 1:
            return self._run(ro, rw, feed_values, key, consts)
        try:
            return jax.block_until_ready(self._run(ro, rw, feed_values, key, consts))
        except (RuntimeError, ValueError) as err:
            if isinstance(err, errors.OpError) or not is_runtime_failure(err):
                raise
            raise collective_error(err) from err

    def _run(
        self, ro: dict, rw: dict, feed_values: tuple, key: Any, consts: tuple
    ) -> tuple[dict, tuple, Any]:
        lowered = self._lowered
        start_state = {**ro, **rw}
        state = dict(start_state)
        # Feeds, constants and the key: every task holds its own copy.
        shared = dict(zip(lowered.feeds, feed_values, strict=True))
        shared.update(zip(self._lifted, consts, strict=True))
        env: dict[Tensor, Any] = {}
        for segment in self.segments:
            start_vals = {n: start_state[n] for n in segment.reads if n in start_state}
            cur_vals = {n: state[n] for n in segment.reads if n in state}
            in_located = [t for t in segment.inputs if t not in shared]
            moved = self._move(
                [
                    *start_vals.values(),
                    *cur_vals.values(),
                    *(env[t] for t in in_located),
                ],
                segment.device,
            )
            start_vals = dict(zip(start_vals, moved[: len(start_vals)], strict=True))
            moved = moved[len(start_vals) :]
            cur_vals = dict(zip(cur_vals, moved[: len(cur_vals)], strict=True))
            by_tensor = dict(zip(in_located, moved[len(cur_vals) :], strict=True))
            in_values = tuple(
                by_tensor[t] if t in by_tensor else shared[t] for t in segment.inputs
            )
            if _is_local(segment.device):
                in_values = jax.device_put(in_values, segment.device)
                run_key = None if key is None else jax.device_put(key, segment.device)
                written, outs = segment.fn(start_vals, cur_vals, in_values, run_key)
            else:
                written, outs = self._shapes_of(
                    segment, start_vals, cur_vals, in_values, key
                )
            state.update(written)
            env.update(zip(segment.outputs, outs, strict=True))
        new_rw = self._send_home(state)
        outputs = self._fetched(env, shared)
        next_key = None if key is None else _next_key(key)
        return new_rw, outputs, next_key

    def _move(self, values: list[Any], target: Device) -> list[Any]:
        """``values`` (each on one device) on ``target``: copies, or shapes."""
        moved: list[Any] = [None] * len(values)
        across: dict[Device, list[int]] = {}
        for i, value in enumerate(values):
            source = location(value)
            if source is None or source.process_index == target.process_index:
                if _is_local(target):
                    moved[i] = jax.device_put(value, target)
                else:
                    moved[i] = RemoteValue(aval_of(value), target)
            else:
                across.setdefault(source, []).append(i)
        for source, indices in across.items():
            copies = copy_across_tasks([values[i] for i in indices], source, [target])
            for i, copy in zip(indices, copies, strict=True):
                moved[i] = copy
        return moved

    def _shapes_of(
        self,
        segment: _Segment,
        start_vals: dict,
        cur_vals: dict,
        in_values: tuple,
        key: Any,
    ) -> tuple[dict, tuple]:
        """What another task's segment returns, as ``RemoteValue`` s."""
        args = jax.tree_util.tree_map(
            aval_of,
            (start_vals, cur_vals, in_values, key),
            is_leaf=lambda x: isinstance(x, RemoteValue),
        )
        signature = (
            segment.start,
            jax.tree_util.tree_structure(args),
            tuple(jax.tree_util.tree_leaves(args)),
        )
        shapes = self._shapes.get(signature)
        if shapes is None:
            shapes = self._shapes[signature] = jax.eval_shape(segment.pure, *args)
        written, outs = shapes
        device = segment.device
        return (
            {n: RemoteValue(a, device) for n, a in written.items()},
            tuple(RemoteValue(a, device) for a in outs),
        )

    def _send_home(self, state: dict) -> dict:
        names = [n for n in self._written if n in state]
        new_rw: dict[str, Any] = {}
        for name in names:
            home = self._homes.get(name, self._devices.default)
            (new_rw[name],) = self._move([state[name]], home)
        return new_rw

    def _fetched(self, env: dict, shared: dict) -> tuple:
        lowered = self._lowered
        outputs: list[Any] = []
        across: dict[Device, list[int]] = {}
        for i, tensor in enumerate(lowered.fetches):
            if i in lowered.host_outputs:
                outputs.append(None)
            elif tensor in shared:
                outputs.append(shared[tensor])
            else:
                value = env[tensor]
                outputs.append(value)
                source = location(value)
                if source is not None and jax.process_count() > 1:
                    across.setdefault(source, []).append(i)
        # Every task's run returns every fetch: the owner broadcasts it.
        for source, indices in across.items():
            table, kind = self._devices.table, device_type(source)
            others = [
                (table.get((p, kind)) or table[(p, "CPU")])[0]
                for p in range(jax.process_count())
                if p != source.process_index
            ]
            copies = copy_across_tasks([outputs[i] for i in indices], source, others)
            if not _is_local(source):
                for i, copy in zip(indices, copies, strict=True):
                    outputs[i] = copy
        return tuple(outputs)


@jax.jit
def _next_key(key: Any) -> Any:
    # The same split the one-jit run makes (``_Interpreter``): its second half.
    return jax.random.split(key)[1]


# -- choosing a session's placement -----------------------------------------------


def session_placement(
    graph: Graph, target: str, config: Any, placement: Placement | None
) -> Placement:
    """The placement of ``Session(target, graph, config, placement)``.

    ``placement`` wins, then ``config.placement``; else a :class:`DevicePlacement`.
    A non-empty ``target`` must name a task of the ``tf.train.Server`` started in
    this process.
    """
    check_target(target)
    if placement is None:
        placement = getattr(config, "placement", None)
    return placement if placement is not None else DevicePlacement(graph, config)


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
