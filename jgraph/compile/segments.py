"""Cutting a run into segments: consecutive ops that run in one place.

Where it sits: after lowering. A placement (``runtime/placement.py``) says where
each op of a lowered run runs (a device); :func:`cut` groups consecutive ops of
one place into a :class:`Segment` and finds what each segment reads from earlier
segments or feeds, what later segments or the fetches need from it, and which
state entries it reads and writes. Every segment interprets the same op list with
the same key (:func:`segment_fn`), so values, random numbers and state rules are
those of one function. Running the segments (moving values between devices and
tasks) is the runtime's: ``runtime/placement.py``.

Ops that need their inputs' values on the host (``OpDef.host_step``: a
data-dependent output shape, the user's Python function) and ops taking or
making strings, which XLA has none of (``OpDef.runs_on_host``), get the place
:data:`HOST` whatever the placement says: the run is cut around them, the
segments before and after are compiled (per shape of their inputs), and the host
segment is interpreted in Python on numpy values. Such a run is first regrouped
(:func:`grouped`) so that its host steps gather into few segments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Final, NamedTuple

from jgraph.compile.lower import Interpreter, LoweredRun, has_host_steps
from jgraph.compile.shape_feeds import unwrap
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import HostContext, opdef_for


class _Host:
    """The place of ops that run in Python between compiled segments."""

    def __repr__(self) -> str:
        return "HOST"


HOST: Final = _Host()


def stays_on_host(lowered: LoweredRun) -> bool:
    """The run must be cut (run by segments, not one jit): it has host steps, or
    fed strings (XLA has none: they stay in Python, for host steps or fetched
    back as fed)."""
    return has_host_steps(lowered.run_ops) or any(
        t.dtype is _dtypes.string for t in lowered.feeds
    )


class Segment(NamedTuple):
    """Ops ``run_ops[start:stop]`` of a lowered run, all in one place (of the run's
    ops in the order :func:`cut` chose: :func:`grouped` when it has host steps)."""

    device: Any  # where it runs: what the placement gave its ops, or HOST
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

    def place(op: Operation) -> Hashable:
        if op.outputs and all(t in everywhere for t in op.outputs):
            return None  # a lifted constant: passed in, not computed
        return HOST if opdef_for(op).runs_on_host(op) else placed[op]

    run_ops = lowered.run_ops
    if has_host_steps(run_ops):
        run_ops = grouped(run_ops, place)
    spans: list[list[Any]] = []
    for position, op in enumerate(run_ops):
        device = place(op)
        if device is None:
            continue
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
        # A gradient op recomputes earlier ops: it needs everything they read,
        # but not what host ops read (their outputs are constants to it).
        recomputes = any(opdef_for(op).recomputes for op in ops)
        scope = (
            [
                op
                for op in run_ops[:stop]
                if op in ops or not opdef_for(op).runs_on_host(op)
            ]
            if recomputes
            else ops
        )
        inputs = tuple(
            dict.fromkeys(t for op in scope for t in op.inputs if t not in made)
        )
        # Its ops' variables, and those its ops read through a reference (``v``)
        # made in another segment: the read rule may need their start values.
        reads = tuple(
            dict.fromkeys(
                n
                for op in scope
                for source in (
                    op,
                    *(t.op for t in op.inputs if opdef_for(t.op).returns_ref),
                )
                for n in opdef_for(source).variables(source)
            )
        )
        writes = tuple(
            dict.fromkeys(n for op in ops for n in opdef_for(op).written(op))
        )
        plans.append((device, start, stop, ops, made, inputs, reads, writes))
    segments: list[Segment] = []
    needed_later = set(fetched)
    for device, start, stop, ops, made, inputs, reads, writes in reversed(plans):
        outputs = tuple(
            t for op in ops for t in op.outputs if t in made and t in needed_later
        )
        pure = segment_fn(
            lowered,
            run_ops,
            start,
            stop,
            inputs,
            outputs,
            writes,
            traced=device is not HOST,
        )
        segments.append(
            Segment(device, start, stop, inputs, outputs, reads, writes, pure)
        )
        needed_later.update(inputs)
    return tuple(reversed(segments))


def grouped(
    ops: tuple[Operation, ...], place: Callable[[Operation], Hashable]
) -> tuple[Operation, ...]:
    """``ops`` reordered so that the host steps gather into few segments: fewer
    compiled calls and host round trips per run.

    Every op gets a stage: compiled ops even stages, host steps odd ones, each op
    at or after the stages of the ops it depends on (data and control inputs),
    and ops that are not pure (``OpDef.pure``: state, randomness, context,
    Python) in their graph order, so state and Python side effects happen in the
    order of the graph. Each op starts at its earliest stage; then pure ops move
    as late as the ops using them allow (a constant joins the op that reads it
    rather than making a segment of its own). The result is sorted by stage,
    graph order within a stage. Ops of place ``None`` (lifted constants) come
    first.
    """
    position = {op: i for i, op in enumerate(ops)}
    stage: dict[Operation, int] = {}
    users: dict[Operation, list[Operation]] = {op: [] for op in ops}
    last_fixed = -1
    for op in ops:
        where = place(op)
        if where is None:
            stage[op] = -1
            continue
        before = [t.op for t in op.inputs if t.op in position]
        before += [c for c in op.control_inputs if c in position]
        for earlier in before:
            users[earlier].append(op)
        pure = opdef_for(op).pure
        earliest = max((stage[e] for e in before), default=0)
        if not pure:
            earliest = max(earliest, last_fixed)
        stage[op] = _at_or_after(earliest, where is HOST)
        if not pure:
            last_fixed = stage[op]
    final = max(stage.values(), default=0)
    for op in reversed(ops):
        where = place(op)
        if where is None or not opdef_for(op).pure:
            continue
        latest = min((stage[u] for u in users[op]), default=final)
        stage[op] = max(stage[op], _at_or_before(latest, where is HOST))
    return tuple(sorted(ops, key=lambda op: (stage[op], position[op])))


def _at_or_after(stage: int, host: bool) -> int:
    """The first stage >= ``stage`` of the right kind (host: odd)."""
    return stage if stage % 2 == int(host) else stage + 1


def _at_or_before(stage: int, host: bool) -> int:
    """The last stage <= ``stage`` of the right kind (host: odd)."""
    return stage if stage % 2 == int(host) else stage - 1


def segment_fn(
    lowered: LoweredRun,
    run_ops: tuple[Operation, ...],
    start: int,
    stop: int,
    inputs: tuple[Tensor, ...],
    outputs: tuple[Tensor, ...],
    writes: tuple[str, ...],
    *,
    traced: bool = True,
) -> Callable[..., Any]:
    """The pure function of one segment: ``(start_vals, cur_vals, in_values, key)
    -> (written, outputs)``, interpreting ``run_ops[start:stop]`` (the run's ops
    in the order :func:`cut` chose); a host segment also takes the session's
    ``host`` context (``OpDef.host_context``). A ``traced`` one counts its calls in
    ``lowered.trace_count`` (it is jitted: a call is a trace); a host segment runs
    on every call."""
    trace_count = lowered.trace_count
    feeds = frozenset(lowered.feeds)

    def pure(
        start_vals: dict,
        cur_vals: dict,
        in_values: tuple,
        key: Any,
        host: HostContext | None = None,
    ) -> tuple:
        if traced:
            trace_count[0] += 1
        run = Interpreter(
            run_ops,
            start_vals,
            {},
            inputs,
            unwrap(in_values),
            key,
            on_host=not traced,
            host=host,
        )
        # A reference from another segment is read here by the read rule (a host
        # segment holds no state: it takes the value its producer gave).
        if traced:
            run.fed = frozenset(
                t for t in inputs if t in feeds or not opdef_for(t.op).returns_ref
            )
        run.state.update(cur_vals)
        run.execute(start, stop)
        written = {n: run.state[n] for n in writes if n in run.state}
        return written, tuple(run.env[t] for t in outputs)

    return pure
