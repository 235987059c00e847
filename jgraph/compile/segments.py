"""Cutting a run into segments: consecutive ops that run in one place.

Where it sits: after lowering. A placement (``runtime/placement.py``) says where
each op of a lowered run runs (a device); :func:`cut` groups consecutive ops of
one place into a :class:`Segment` and finds what each segment reads from earlier
segments or feeds, what later segments or the fetches need from it, and which
state entries it reads and writes. Every segment interprets the same op list with
the same key (:func:`segment_fn`), so values, random numbers and state rules are
those of one function. Running the segments (moving values between devices and
tasks) is the runtime's: ``runtime/placement.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from jgraph.compile.lower import Interpreter, LoweredRun
from jgraph.graph.graph import Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import opdef_for


class Segment(NamedTuple):
    """Ops ``run_ops[start:stop]`` of a lowered run, all in one place."""

    device: Any  # where it runs: what the placement gave its ops
    start: int  # run_ops[start:stop] run here (lifted constants excepted)
    stop: int
    inputs: tuple[Tensor, ...]  # values it reads that other segments or feeds made
    outputs: tuple[Tensor, ...]  # values later segments or the fetches need
    reads: tuple[str, ...]  # state entries it reads or writes
    writes: tuple[str, ...]  # state entries it may write
    # ``(start_vals, cur_vals, in_values, key) -> (written, outputs)``, not jitted.
    pure: Callable[..., Any]


def cut(lowered: LoweredRun, placed: dict[Operation, Hashable]) -> tuple[Segment, ...]:
    """The segments of ``lowered``'s run, given the place of each of its ops."""
    everywhere = frozenset(
        (*lowered.feeds, *(op.outputs[0] for op in lowered.lifted_constants))
    )
    run_ops = lowered.run_ops
    spans: list[list[Any]] = []
    for position, op in enumerate(run_ops):
        if op.outputs and all(t in everywhere for t in op.outputs):
            continue  # a lifted constant: passed in, not computed
        device = placed[op]
        if spans and spans[-1][0] == device:
            spans[-1][2] = position + 1
        else:
            spans.append([device, position, position + 1])
    fetched = {
        t
        for i, t in enumerate(lowered.fetches)
        if i not in lowered.host_outputs and t not in everywhere
    }
    plans = []
    for device, start, stop in spans:
        ops = [
            op
            for op in run_ops[start:stop]
            if not (op.outputs and all(t in everywhere for t in op.outputs))
        ]
        made = {t for op in ops for t in op.outputs} - everywhere
        # A gradient op recomputes earlier ops: it needs everything they read.
        recomputes = any(opdef_for(op).recomputes for op in ops)
        scope = run_ops[:stop] if recomputes else ops
        inputs = tuple(
            dict.fromkeys(t for op in scope for t in op.inputs if t not in made)
        )
        # Its ops' variables, and those its ops read through a reference (``v``)
        # made in another segment: the read rule may need their start values.
        reads = tuple(
            dict.fromkeys(
                n
                for op in scope
                for source in (op, *(t.op for t in op.inputs if _is_ref(t)))
                for n in opdef_for(source).variables(source)
            )
        )
        writes = tuple(dict.fromkeys(n for op in ops for n in _written(op)))
        plans.append((device, start, stop, ops, made, inputs, reads, writes))
    segments: list[Segment] = []
    needed_later = set(fetched)
    for device, start, stop, ops, made, inputs, reads, writes in reversed(plans):
        outputs = tuple(
            t for op in ops for t in op.outputs if t in made and t in needed_later
        )
        pure = segment_fn(lowered, start, stop, inputs, outputs, writes)
        segments.append(
            Segment(device, start, stop, inputs, outputs, reads, writes, pure)
        )
        needed_later.update(inputs)
    return tuple(reversed(segments))


def _is_ref(tensor: Tensor) -> bool:
    """``tensor`` is a reference to a variable (``Effects.ref``)."""
    effects = opdef_for(tensor.op).effects
    return effects is not None and effects.ref


def _written(op: Operation) -> tuple[str, ...]:
    """The variables ``op`` may write."""
    opdef = opdef_for(op)
    writes = opdef.effects is not None and opdef.effects.writes
    return opdef.variables(op) if writes else ()


def segment_fn(
    lowered: LoweredRun,
    start: int,
    stop: int,
    inputs: tuple[Tensor, ...],
    outputs: tuple[Tensor, ...],
    writes: tuple[str, ...],
) -> Callable[..., Any]:
    """The pure function of one segment: ``(start_vals, cur_vals, in_values, key)
    -> (written, outputs)``, interpreting ``run_ops[start:stop]``."""
    run_ops, trace_count = lowered.run_ops, lowered.trace_count
    feeds = frozenset(lowered.feeds)

    def pure(start_vals: dict, cur_vals: dict, in_values: tuple, key: Any) -> tuple:
        trace_count[0] += 1
        run = Interpreter(run_ops, start_vals, {}, inputs, in_values, key)
        # A reference from another segment is read here by the read rule.
        run.fed = frozenset(t for t in inputs if t in feeds or not _is_ref(t))
        run.state.update(cur_vals)
        run.execute(start, stop)
        written = {n: run.state[n] for n in writes if n in run.state}
        return written, tuple(run.env[t] for t in outputs)

    return pure
