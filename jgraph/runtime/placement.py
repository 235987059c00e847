"""Where the session's state and feeds live, and how its functions are compiled.

Where it sits: between lowering and the session. The session asks its
:class:`Placement` four things: to lower a pruned fetch set (``lower``), how to jit
a pure function (``jit``), where to put a state array (``put_state``) and how to
hand feeds to the compiled function (``put_feeds``). The device table is
``devices.py``, the cutting of a run into segments ``compile/segments.py`` (their
running is :class:`SegmentedRun`, here), and the cluster's tasks and what they do
together (copies, run checks) ``tasks.py``.

The default, :class:`DevicePlacement`, honours ``tf.device``: every op's device
string (``/gpu:1``, ``/job:worker/task:1/device:CPU:0``) names a JAX device, a
variable lives on its op's device, and

- a fetch set whose ops and variables all sit on the default device is one
  ``jax.jit`` (the common case: nothing else happens);
- otherwise the ordered ops are cut into *segments*, consecutive runs of ops on one
  device; each segment is jitted for its device, and the values it needs are moved
  there first (``jax.device_put`` inside a process; a two-device collective between
  processes, see ``tasks.copy_across_tasks``). Written variables go back to their
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

import contextlib
import dataclasses
import functools
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.lower import LoweredRun, lower
from jgraph.compile.segments import (
    HOST,
    Segment,
    cut,
    has_host_steps,
    stays_on_host,
)
from jgraph.config import DEFAULT_MAX_COMPILED_SHAPES, operation_timeout_ms
from jgraph.graph.device_spec import DeviceSpec
from jgraph.graph.dtypes import string
from jgraph.graph.graph import Graph, Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import as_numpy
from jgraph.ops.registry import HostContext, opdef_for
from jgraph.runtime.devices import (
    DEVICE_HELP,
    DeviceMap,
    SoftPlacementWarning,
    device_type,
)
from jgraph.runtime.executables import Executables
from jgraph.runtime.tasks import (
    RemoteValue,
    aval_of,
    collective_error,
    copy_across_tasks,
    describe_run,
    is_local,
    is_runtime_failure,
    location,
    sync_tasks,
)

if TYPE_CHECKING:
    from jaxlib._jax import Device


class Placement:
    """Single-device placement: JAX's default device, ``jax.jit`` with at most
    ``max_compiled_shapes`` executables per function (see ``executables.py``)."""

    max_compiled_shapes: int = DEFAULT_MAX_COMPILED_SHAPES

    def lower(
        self,
        ops: tuple[Operation, ...],
        fetches: Sequence[Tensor],
        feeds: Sequence[Tensor],
    ) -> LoweredRun:
        """The compiled run of the pruned, ordered ``ops`` (see ``compile.lower``);
        a run with host steps (``OpDef.host_step``) or fed strings is cut into
        segments."""
        lowered = lower(ops, fetches, feeds, jit=self.jit)
        if not stays_on_host(lowered):
            return lowered
        devices = DeviceMap()
        placed = dict.fromkeys(lowered.ops, devices.default)
        return dataclasses.replace(
            lowered, fn=SegmentedRun(lowered, placed, {}, devices)
        )

    def jit(
        self,
        fn: Callable[..., Any],
        donate_argnums: Sequence[int],
        compiler_options: Mapping[str, str] | None = None,
    ) -> Callable[..., Any]:
        """Compiles a lowered ``(ro_vars, rw_vars, feeds, key, consts)`` function
        (with XLA ``compiler_options``), one executable per feed shapes (the least
        recently used are dropped)."""
        return Executables(
            fn, donate_argnums, self.max_compiled_shapes, compiler_options
        )

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
        self.max_compiled_shapes = int(
            getattr(config, "max_compiled_shapes", DEFAULT_MAX_COMPILED_SHAPES)
        )
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
        variable = self._graph.variables.get(name)
        if variable is None:
            return self.devices.default
        return self._resolve(variable.op.device, variable.op)

    def device_of(self, op: Operation) -> Device:
        """Where ``op`` runs."""
        if not op.device:
            # TF1 colocates an op that reads or writes one variable with it.
            opdef = opdef_for(op)
            names = opdef.variables(op)
            if opdef.stateful and len(names) == 1:
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
            for name in opdef_for(op).variables(op)
        }
        used = {placed[op] for op in lowered.run_ops} | set(homes.values())
        several_tasks = jax.process_count() > 1
        host_steps = stays_on_host(lowered)
        if several_tasks and has_host_steps(lowered.run_ops):
            raise host_steps_unsupported(lowered, "a session of several tasks")
        if several_tasks:
            details = "\n".join(
                f"{op.name} {op.type} {placed[op].id}" for op in lowered.ops
            )
            sync_tasks(
                describe_run(lowered), details, operation_timeout_ms(self._config)
            )
        if not several_tasks and not host_steps and used <= {self.devices.default}:
            return lowered
        if not several_tasks and not host_steps and len(used) == 1:
            (device,) = used
            return dataclasses.replace(lowered, fn=OneDeviceRun(lowered, device))
        segmented = SegmentedRun(lowered, placed, homes, self.devices)
        return dataclasses.replace(lowered, fn=segmented)

    def put_state(self, name: str, value: Any) -> Any:
        if name not in self._graph.variables:  # a big constant every task holds
            return jax.device_put(value, self.devices.local_default)
        home = self.home(name)
        if not is_local(home):
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


# -- a run wholly on one non-default device -----------------------------------------


class OneDeviceRun:
    """A ``LoweredRun.fn`` whose ops and variables all sit on one non-default device.

    One ``jax.jit`` pinned to that device, as the default device's run: no
    segments, no per-step copies. The state lives there (``put_state``) and feeds
    follow it; only the session's key (and lifted constants, once) move, because
    they are kept on the default device for every other fetch set.
    """

    def __init__(self, lowered: LoweredRun, device: Device) -> None:
        self.device = device
        self._jitted = jax.jit(
            lowered.pure_fn,
            donate_argnums=(1,),
            out_shardings=jax.sharding.SingleDeviceSharding(device),
            compiler_options=dict(lowered.compiler_options) or None,
        )
        self._consts: tuple[tuple, tuple] = ((), ())  # (given, moved), by identity

    def __call__(
        self, ro: dict, rw: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple[dict, tuple, Any]:
        given, moved = self._consts
        if len(given) != len(consts) or any(
            a is not b for a, b in zip(given, consts, strict=True)
        ):
            moved = jax.device_put(consts, self.device)
            self._consts = (consts, moved)
        if key is not None:
            key = jax.device_put(key, self.device)
        new_rw, outputs, next_key = self._jitted(ro, rw, feed_values, key, moved)
        if next_key is not None:
            # Back where the session keeps its key (uncommitted, as one-jit runs
            # leave it), so that default-device fetch sets do not recompile.
            next_key = jax.tree.map(
                lambda a: jax.numpy.asarray(jax.device_get(a)), next_key
            )
        return new_rw, outputs, next_key


# -- running a segmented run ---------------------------------------------------------


class SegmentedRun:
    """A ``LoweredRun.fn`` whose ops sit on several devices (or another task's), or
    that has host steps.

    The run is cut into segments (``compile/segments.py``); each segment on a
    device of this process is jitted for it (compiled once per shape of what it
    takes), and the values it needs are moved there first (``jax.device_put``
    inside a process, ``tasks.copy_across_tasks`` between processes). A host
    segment runs in Python on the numpy values of its inputs. Written variables
    go back to their device at the end; an error in any segment leaves the
    session's state as it was before the run (nothing is donated).

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
        self._written = tuple(sorted(lowered.written_vars))
        self._string_feeds = tuple(t for t in lowered.feeds if t.dtype is string)
        self._shapes: dict[Any, Any] = {}
        self.segments = cut(lowered, placed)
        # One device for every compiled segment and variable (a run cut only for
        # its host steps): nothing to move, arrays stay uncommitted like one-jit
        # runs' (a committed one would make other fetch sets recompile).
        used = {s.device for s in self.segments if s.device is not HOST}
        self._one_device = jax.process_count() == 1 and (
            used | set(homes.values()) <= {devices.default}
        )
        options = dict(lowered.compiler_options) or None
        self._jitted = [
            None
            if s.device is HOST or not is_local(s.device)
            else jax.jit(s.pure, compiler_options=options)
            if self._one_device
            else jax.jit(
                s.pure,
                out_shardings=jax.sharding.SingleDeviceSharding(s.device),
                compiler_options=options,
            )
            for s in self.segments
        ]

    # -- running --------------------------------------------------------------------
    def __call__(
        self, ro: dict, rw: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple[dict, tuple, Any]:
        start_state = {**ro, **rw}

        def fixed() -> contextlib.AbstractContextManager[dict]:
            return contextlib.nullcontext(start_state)

        if jax.process_count() == 1:
            run = self._run(fixed, feed_values, key, consts, None)
        else:
            try:
                run = jax.block_until_ready(
                    self._run(fixed, feed_values, key, consts, None)
                )
            except (RuntimeError, ValueError) as err:
                if isinstance(err, errors.OpError) or not is_runtime_failure(err):
                    raise
                raise collective_error(err) from err
        new_rw, outputs = run
        next_key = None if key is None else advanced_key(key, self._lowered.rng_slots)
        return new_rw, outputs, next_key

    def run_with_host(
        self,
        held: Callable[[], contextlib.AbstractContextManager[dict]],
        feed_values: tuple,
        key: Any,
        consts: tuple,
        host: HostContext,
    ) -> tuple[dict, tuple]:
        """A session's run with host steps, in this process: ``(new_rw,
        outputs)``, the variables it wrote (for the caller to store) and its
        fetches.

        ``held()`` is entered around each compiled segment: it holds the
        session's state lock (and defers interrupts) and gives the session's
        variables as they are then. Host segments run outside it, with the
        session's ``host`` context, so a host step may wait (a dequeue on an
        empty queue, an enqueue on a full one) while other threads run. A
        compiled segment reads the variables this run has not written as the
        session holds them when it runs (the start-of-run value, unless another
        thread's run changed them meanwhile: TF1 races there too), and those it
        wrote as it left them; nothing is stored before the run ends.
        """
        return self._run(held, feed_values, key, consts, host)

    def _run(
        self,
        held: Callable[[], contextlib.AbstractContextManager[dict]],
        feed_values: tuple,
        key: Any,
        consts: tuple,
        host: HostContext | None,
    ) -> tuple[dict, tuple]:
        """The segments in order: ``(new_rw, outputs)`` (see ``run_with_host``)."""
        lowered = self._lowered
        written: dict[str, Any] = {}
        # Feeds and constants: every task holds its own copy.
        shared = dict(zip(lowered.feeds, feed_values, strict=True))
        # A fetched feed is the value as fed (TF1 keeps a fed str a str, see
        # ``Plan.results``); the ops take fed strings as bytes, as TF1 encodes
        # them entering the run.
        fed = shared
        if self._string_feeds:
            fed = dict(shared)
            shared.update((t, as_numpy(fed[t], string)) for t in self._string_feeds)
        shared.update(zip(self._lifted, consts, strict=True))
        env: dict[Tensor, Any] = {}  # what the segments made
        for segment, jitted in zip(self.segments, self._jitted, strict=True):
            if segment.device is HOST:
                in_values = _on_host(_inputs(segment, env, shared))
                _, outs = segment.pure({}, {}, in_values, None, host)
            else:
                with held() as current:
                    start_vals, cur_vals = _segment_state(segment, current, written)
                    if self._one_device and jitted is not None:  # nothing to move
                        in_values = _inputs(segment, env, shared)
                        new, outs = jitted(start_vals, cur_vals, in_values, key)
                    else:
                        new, outs = self._run_compiled(
                            segment, jitted, start_vals, cur_vals, env, shared, key
                        )
                written.update(new)
            env.update(zip(segment.outputs, outs, strict=True))
        if self._one_device:  # nothing to move: arrays stay uncommitted
            new_rw = {n: written[n] for n in self._written if n in written}
        else:
            new_rw = self._send_home(written)
        with held() as current:
            outputs = self._fetched(env, fed, {**current, **written})
        return new_rw, outputs

    def _run_compiled(
        self,
        segment: Segment,
        jitted: Any,
        start_vals: dict,
        cur_vals: dict,
        env: dict,
        shared: dict,
        key: Any,
    ) -> tuple[dict, tuple]:
        """One compiled segment (or another task's: its shapes), its values moved
        to its device first."""
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
        if jitted is not None:
            in_values = jax.device_put(in_values, segment.device)
            run_key = None if key is None else jax.device_put(key, segment.device)
            return jitted(start_vals, cur_vals, in_values, run_key)
        return self._shapes_of(segment, start_vals, cur_vals, in_values, key)

    def _move(self, values: list[Any], target: Device) -> list[Any]:
        """``values`` (each on one device) on ``target``: copies, or shapes."""
        moved: list[Any] = [None] * len(values)
        across: dict[Device, list[int]] = {}
        for i, value in enumerate(values):
            source = location(value)
            if source is None or source.process_index == target.process_index:
                if is_local(target):
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
        segment: Segment,
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

    def _fetched(self, env: dict, fed: dict, state: dict) -> tuple:
        lowered = self._lowered
        outputs: list[Any] = []
        across: dict[Device, list[int]] = {}
        for i, tensor in enumerate(lowered.fetches):
            if i in lowered.host_outputs:
                outputs.append(None)
            elif tensor in fed:
                outputs.append(fed[tensor])
            else:
                final = lowered.final_reads.get(i)  # a variable: its end-of-run value
                value = env[tensor] if final is None else state[final]
                outputs.append(value)
                if jax.process_count() > 1 and (source := location(value)) is not None:
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
            if not is_local(source):
                for i, copy in zip(indices, copies, strict=True):
                    outputs[i] = copy
        return tuple(outputs)


def _segment_state(segment: Segment, current: dict, written: dict) -> tuple:
    """What a compiled segment gets of the state: ``(start_vals, cur_vals)``,
    from the values held now (``current``) and those this run wrote."""
    start_vals = {n: current[n] for n in segment.reads if n in current}
    cur_vals = {
        n: written[n] if n in written else current[n]
        for n in segment.reads
        if n in written or n in current
    }
    return start_vals, cur_vals


def _inputs(segment: Segment, env: dict, shared: dict) -> tuple:
    """A segment's input values: made by earlier segments (``env``), else fed or
    lifted (``shared``)."""
    return tuple(env[t] if t in env else shared[t] for t in segment.inputs)


def _on_host(values: tuple) -> tuple:
    """Numpy copies of a host segment's inputs (one transfer each; cheaper than
    ``jax.device_get`` for a few arrays)."""
    return tuple(np.asarray(v) for v in values)


def host_steps_unsupported(lowered: LoweredRun, where: str) -> errors.OpError:
    """``UnimplementedError``: a run with host steps under ``where``."""
    op = next(op for op in lowered.run_ops if opdef_for(op).host_step)
    return errors.UnimplementedError(
        None,
        op,
        f"{op.type} '{op.name}' needs the values of its inputs on the host (a"
        " data-dependent output shape or a Python function), which jgraph runs"
        f" between compiled segments; not supported in {where}. Compute it in"
        f" numpy before or after the run. ({op.describe()})",
    )


@functools.partial(jax.jit, static_argnums=1)
def advanced_key(key: Any, slots: tuple[int, ...]) -> Any:
    """The key after a run of the random ops in ``slots`` (the same advance the
    one-jit run makes, ``lower``)."""
    return _rng.advance(key, slots)
