"""Runs whose ops sit on several devices, or on other tasks' devices.

Where it sits: used by the session's placement (``_placement.py``) when a fetch set
does not fit on the default device. A :class:`_SegmentedRun` cuts the ordered ops
into segments, consecutive runs of ops on one device; each segment is jitted for
its device, and the values it needs are moved there first (``jax.device_put``
inside a process, ``_tasks.copy_across_tasks`` between processes). Written
variables go back to their device at the end of the run. Every segment interprets
the same op list with the same key, so values, random numbers and state rules are
those of one function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import jax

from jgraph import _rng, errors
from jgraph._devices import DeviceMap, device_type
from jgraph._graph import Operation, Tensor
from jgraph._lower import LoweredRun, _Interpreter
from jgraph._prune import variables_touched
from jgraph._registry import REGISTRY
from jgraph._tasks import (
    RemoteValue,
    aval_of,
    collective_error,
    copy_across_tasks,
    is_local,
    is_runtime_failure,
    location,
)

if TYPE_CHECKING:
    from jaxlib._jax import Device


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
            fn = jax.jit(pure, out_shardings=sharding) if is_local(device) else None
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
            if is_local(segment.device):
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
            if not is_local(source):
                for i, copy in zip(indices, copies, strict=True):
                    outputs[i] = copy
        return tuple(outputs)


@jax.jit
def _next_key(key: Any) -> Any:
    # The same split the one-jit run makes (``_Interpreter``): its second half.
    return _rng.split(key)[1]
