"""Where the session's state and feeds live, and how its functions are compiled.

Where it sits: between lowering and the session. The session asks its
:class:`Placement` four things: to lower a pruned fetch set (``lower``), how to jit
a pure function (``jit``), where to put a state array (``put_state``) and how to
hand feeds to the compiled function (``put_feeds``). The device table is
``_devices.py``, segmented runs ``_segments.py``, and the cluster's tasks and what
they do together (copies, run checks) ``_tasks.py``.

The default, :class:`DevicePlacement`, honours ``tf.device``: every op's device
string (``/gpu:1``, ``/job:worker/task:1/device:CPU:0``) names a JAX device, a
variable lives on its op's device, and

- a fetch set whose ops and variables all sit on the default device is one
  ``jax.jit`` (the common case: nothing else happens);
- otherwise the ordered ops are cut into *segments*, consecutive runs of ops on one
  device; each segment is jitted for its device, and the values it needs are moved
  there first (``jax.device_put`` inside a process; a two-device collective between
  processes, see ``_tasks.copy_across_tasks``). Written variables go back to their
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
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax

from jgraph import errors
from jgraph._device_spec import DeviceSpec
from jgraph._devices import DEVICE_HELP, DeviceMap, SoftPlacementWarning
from jgraph._graph import Graph, Operation, Tensor
from jgraph._lower import LoweredRun, lower
from jgraph._prune import variables_touched
from jgraph._registry import REGISTRY
from jgraph._segments import _SegmentedRun
from jgraph._tasks import (
    RemoteValue,
    aval_of,
    check_target,
    describe_run,
    is_local,
    sync_tasks,
)
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
