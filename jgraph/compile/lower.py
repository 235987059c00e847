"""Stage 3 (compile): an ordered tuple of operations -> one pure, jitted JAX function.

:func:`lower` returns a :class:`LoweredRun` whose ``fn`` has the signature::

    fn(read_only_vars, read_write_vars, feeds, key, consts)
        -> (new_rw_vars, outputs, next_key)

``read_write_vars`` is donated, so variables are updated in place. Feeds whose
values set shapes (``tf.ones([n, 10])`` with a fed ``n``) enter as static
arguments, so ``fn`` compiles once per value of them (``shape_feeds.py``). The function
runs an :class:`~jgraph.compile.interpreter.Interpreter` over the ops; there is no
per-op code here: what the run must pass in, keep and finish on the host comes
from each op's ``OpDef`` (its effects, randomness, host behaviour).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.interpreter import LIFT_CONSTANT_BYTES, Interpreter
from jgraph.compile.prune import prune
from jgraph.compile.shape_feeds import shape_feed_positions, static_feeds, unwrap
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import REGISTRY, Reads, opdef_for


@dataclass(frozen=True)
class LoweredRun:
    """One fetch set's compiled run, plus what the session must pass and check."""

    fn: Any  # the jitted function (see module docstring)
    pure_fn: Any  # the same function, not jitted
    lifted_constants: tuple[Operation, ...]  # host-valued ops passed in as ``consts``
    ops: tuple[Operation, ...]
    fetches: tuple[Tensor, ...]
    feeds: tuple[Tensor, ...]
    required_vars: tuple[str, ...]  # read before written: must be initialised
    optional_vars: tuple[str, ...]  # written first; passed in when they exist
    written_vars: frozenset[str]
    uses_rng: bool
    needs_x64: bool
    host_outputs: dict[
        int, Any
    ]  # fetch index -> fn(session variables) computed on the host
    trace_count: list[int]  # mutable counter: +1 per trace
    # (fetch index, fn(payload) -> fetched value): see ``OpDef.host_finalizer``.
    host_finalizers: tuple[tuple[int, Any], ...] = ()
    # The ops ``pure_fn`` interprets, in order (``ops`` less host-only ones).
    run_ops: tuple[Operation, ...] = ()
    # Fetch index -> variable: a fetched reference gives the end-of-run value.
    final_reads: dict[int, str] = field(default_factory=dict)
    # The slots of the random ops the run runs (graph functions' too): their
    # streams advance (``rng.advance``).
    rng_slots: tuple[int, ...] = ()
    # Positions in ``feeds`` of the feeds whose values set shapes (static in ``fn``).
    shape_feeds: tuple[int, ...] = ()
    # XLA compiler options the run's ops declare (``OpDef.compiler_options``).
    compiler_options: tuple[tuple[str, str], ...] = ()

    @property
    def first_reader(self) -> dict[str, Operation]:
        """For error messages: the first op of the run reading each required variable."""
        readers: dict[str, Operation] = {}
        for op in self.ops:
            for name in opdef_for(op).variables(op):
                readers.setdefault(name, op)
        return readers


def host_constant(op: Operation) -> Any:
    """The value of an op computed on the host alone (a lifted constant)."""
    host_value = opdef_for(op).host_value
    assert host_value is not None
    return host_value(op, {})


def lower(
    ops: tuple[Operation, ...],
    fetches: Sequence[Tensor],
    feeds: Sequence[Tensor],
    *,
    jit: Callable[..., Any] = jax.jit,
) -> LoweredRun:
    """Builds the pure function for running ``ops`` and returning ``fetches``.

    ``jit`` compiles it: ``jit(pure_fn, donate_argnums=(1,), compiler_options=...)``
    (what the ops declare, ``OpDef.compiler_options``); a placement (see
    ``runtime/placement.py``) passes one that adds devices and shardings.
    """
    fetches = tuple(fetches)
    feeds = tuple(feeds)
    required: list[str] = []
    optional: list[str] = []
    written: set[str] = set()
    uses_rng = False
    needs_x64 = any(t.dtype.is_64bit for t in (*fetches, *feeds))
    for op in ops:
        opdef = opdef_for(op)
        uses_rng = uses_rng or opdef.uses_rng(op)
        needs_x64 = needs_x64 or any(
            t.dtype.is_64bit for t in (*op.outputs, *op.inputs)
        )
        var_names = opdef.variables(op)
        graph_vars = op.graph.variables
        needs_x64 = needs_x64 or any(graph_vars[n].dtype.is_64bit for n in var_names)
        if opdef.effects is None:
            continue
        for name in var_names:
            if name not in required and name not in optional:
                # Write-only ops (Assign) and presence checks (IsVariableInitialized)
                # work on uninitialised variables: they get them only if they exist.
                reads = opdef.effects.reads
                (required if reads is Reads.REQUIRED else optional).append(name)
        if opdef.effects.writes:
            written.update(var_names)
    _check_strings(ops)
    # A run cut around host work also computes its strings on the host
    # (``compile/segments.py``).
    host_run = has_host_steps(ops)
    host_outputs = {}
    host_finalizers = []
    final_reads = {}
    for i, t in enumerate(fetches):
        if t in feeds:
            continue
        opdef = opdef_for(t.op)
        if opdef.effects is not None and opdef.effects.ref:
            (final_reads[i],) = opdef.variables(t.op)
        elif opdef.host_value is not None:
            host_outputs[i] = functools.partial(opdef.host_value, t.op)
        elif opdef.host_finalizer is not None:
            host_finalizers.append((i, functools.partial(opdef.host_finalizer, t.op)))
    trace_count = [0]
    device_ops = tuple(op for op in ops if _runs_on_device(op, host_run))
    rng_slots = random_slots(device_ops) if uses_rng else ()

    # Big constants (a dataset, test images) are passed in as arguments the session
    # keeps on the device, rather than baked into every compiled program.
    lifted = tuple(
        op
        for op in device_ops
        if opdef_for(op).host_value is not None
        and op.outputs[0].dtype is not _dtypes.string
        and host_constant(op).nbytes >= LIFT_CONSTANT_BYTES
    )
    lifted_outputs = tuple(op.outputs[0] for op in lifted)
    shape_feeds = shape_feed_positions(device_ops, feeds)

    def pure_fn(
        ro_vars: dict, rw_vars: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple:
        trace_count[0] += 1
        run = Interpreter(
            device_ops,
            ro_vars,
            rw_vars,
            (*feeds, *lifted_outputs),
            (*unwrap(feed_values), *consts),
            key,
        )
        run.execute()
        outputs = tuple(
            None
            if i in host_outputs
            else run.state[final_reads[i]]
            if i in final_reads
            else run.env[t]
            for i, t in enumerate(fetches)
        )
        new_rw = {name: run.state[name] for name in sorted(written)}
        next_key = None if key is None else _rng.advance(key, rng_slots)
        return new_rw, outputs, next_key

    options = compiler_options(device_ops)
    jitted = jit(pure_fn, donate_argnums=(1,), compiler_options=dict(options))
    if shape_feeds:
        compiled = jitted

        def jitted(
            ro_vars: dict, rw_vars: dict, feed_values: tuple, *rest: Any
        ) -> tuple:
            values = static_feeds(feeds, feed_values, shape_feeds)
            return compiled(ro_vars, rw_vars, values, *rest)

    return LoweredRun(
        fn=jitted,
        pure_fn=pure_fn,
        lifted_constants=lifted,
        ops=ops,
        fetches=fetches,
        feeds=feeds,
        required_vars=tuple(required),
        optional_vars=tuple(optional),
        written_vars=frozenset(written),
        uses_rng=uses_rng,
        needs_x64=needs_x64,
        host_outputs=host_outputs,
        trace_count=trace_count,
        host_finalizers=tuple(host_finalizers),
        run_ops=device_ops,
        final_reads=final_reads,
        rng_slots=rng_slots,
        shape_feeds=shape_feeds,
        compiler_options=options,
    )


def has_host_steps(ops: Iterable[Operation]) -> bool:
    """Whether some op of ``ops`` runs on the host (the run must be cut): a host
    step, or an op computing strings (``OpDef.runs_on_host``); a string constant
    alone is fetched from the host and cuts nothing."""
    for op in ops:
        opdef = opdef_for(op)
        if opdef.runs_on_host(op) and opdef.host_value is None:
            return True
    return False


def _check_strings(ops: Iterable[Operation]) -> None:
    """Raises ``UnimplementedError`` for an op of the run taking or making strings
    that has no way to compute them (``OpDef.computes_strings``)."""
    for op in ops:
        opdef = opdef_for(op)
        if opdef.touches_strings(op) and not opdef.computes_strings:
            raise errors.UnimplementedError(None, op, strings_unsupported(op))


def strings_unsupported(op: Operation) -> str:
    """Why ``op`` cannot run on strings, and what can."""
    able = sorted(t for t, d in REGISTRY.items() if d.strings is not None)
    return (
        f"{op.type} '{op.name}' takes or makes strings, which jgraph computes on the"
        f" host (XLA has none), and {op.type} has no string implementation"
        f" ({op.describe()}). Ops that compute on strings: {', '.join(able)}; the"
        " string ops (StringJoin, StringToNumber, AsString, DecodeCSV, ...); and"
        " tf.py_func for anything else."
    )


def random_slots(ops: Sequence[Operation]) -> tuple[int, ...]:
    """The slots (``OpDef.rng``) of the random ops among ``ops`` and in the graph
    functions they run, sorted."""
    return tuple(
        sorted(
            {
                opdef_for(op).rng(op)[0]
                for op in _with_functions(ops, lambda f: f.uses_rng)
                if opdef_for(op).random
            }
        )
    )


def compiler_options(ops: Sequence[Operation]) -> tuple[tuple[str, str], ...]:
    """The XLA compiler options the ops among ``ops`` and in the graph functions
    they run declare (``OpDef.compiler_options``), sorted; two ops asking
    different values of one option is an error naming both."""
    chosen: dict[str, tuple[str, Operation]] = {}
    for op in _with_functions(ops, lambda f: True):
        declare = opdef_for(op).compiler_options
        for key, value in (declare(op) if declare is not None else {}).items():
            first = chosen.setdefault(key, (value, op))
            if first[0] != value:
                raise ValueError(
                    f"Ops {first[1].name} and {op.name} ask different values of the"
                    f" XLA option {key} ({first[0]!r}, {value!r}): one run cannot"
                    " compile with both; run them in separate sess.run calls."
                )
    return tuple(sorted((key, value) for key, (value, _) in chosen.items()))


def _with_functions(
    ops: Sequence[Operation], descend: Callable[[Any], bool]
) -> Iterator[Operation]:
    """``ops`` and the ops of the graph functions they run (of those ``descend``
    accepts), each once."""
    pending = list(ops)
    seen: set[Operation] = set()
    while pending:
        op = pending.pop()
        if op in seen:
            continue
        seen.add(op)
        yield op
        for function in opdef_for(op).functions(op):
            if descend(function):
                fed = (*function.args, *function.captured)
                pending.extend(prune(function.outputs, [], fed))


def _runs_on_device(op: Operation, host_run: bool) -> bool:
    """Whether the run computes ``op``: not a host-only op, and no string outputs
    (XLA has no strings) unless a host finalizer makes them or the run has host
    steps (then its host segments compute the strings)."""
    opdef = opdef_for(op)
    if opdef.host_only:
        return False
    return (
        host_run
        or opdef.host_finalizer is not None
        or not any(t.dtype is _dtypes.string for t in op.outputs)
    )
