"""Stage 3 (compile): an ordered tuple of operations -> one pure, jitted JAX function.

:func:`lower` returns a :class:`LoweredRun` whose ``fn`` has the signature::

    fn(read_only_vars, read_write_vars, feeds, key, consts)
        -> (new_rw_vars, outputs, next_key)

``read_write_vars`` is donated, so variables are updated in place. The function
interprets the ops in order, threading the variables (the state) through them;
there is no per-op code here: every op is ``OpDef.call`` on its input values.

State rules (DESIGN.md): a variable's own tensor (``VariableV2``) reads its value
at the start of the run, or -- if the variable was not initialised before the run
-- the value an earlier op of this run assigned (this is what lets
``global_variables_initializer`` initialise in dependency order). ``ReadVariable``
(``v.read_value()``) and stateful ops see the current, threaded value.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np
from jax import core as jax_core

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.prune import prune
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation
from jgraph.graph.shape import format_shape
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import (
    HOST_FETCHES,
    HOST_FINALIZERS,
    REGISTRY,
    OpDef,
    variables_touched,
)

LIFT_CONSTANT_BYTES = 1 << 16

UNINITIALIZED_HELP = (
    "Run jg.global_variables_initializer() (or the variable's initializer) first."
)


def uninitialized_error(name: str, reader: Operation | None) -> errors.OpError:
    """``FailedPreconditionError`` for reading variable ``name`` before it has a value."""
    where = f"\n  (read by {reader.describe()})" if reader is not None else ""
    return errors.FailedPreconditionError(
        None,
        reader,
        f"Attempting to use uninitialized value '{name}'. {UNINITIALIZED_HELP}{where}",
    )


@dataclass(frozen=True)
class LoweredRun:
    """One fetch set's compiled run, plus what the session must pass and check."""

    fn: Any  # the jitted function (see module docstring)
    pure_fn: Any  # the same function, not jitted
    lifted_constants: tuple[Operation, ...]  # Const ops passed in as ``consts``
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
    # (fetch index, fn(payload) -> fetched value): see HOST_FINALIZERS.
    host_finalizers: tuple[tuple[int, Any], ...] = ()
    # The ops ``pure_fn`` interprets, in order (``ops`` less host-only ones).
    run_ops: tuple[Operation, ...] = ()

    @property
    def first_reader(self) -> dict[str, Operation]:
        """For error messages: the first op of the run reading each required variable."""
        readers: dict[str, Operation] = {}
        for op in self.ops:
            for name in variables_touched(op):
                readers.setdefault(name, op)
        return readers


def lower(
    ops: tuple[Operation, ...],
    fetches: Sequence[Tensor],
    feeds: Sequence[Tensor],
    *,
    jit: Callable[..., Any] = jax.jit,
) -> LoweredRun:
    """Builds the pure function for running ``ops`` and returning ``fetches``.

    ``jit`` compiles it: ``jit(pure_fn, donate_argnums=(1,))``; a placement (see
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
        opdef = REGISTRY[op.type]
        uses_rng = uses_rng or opdef.random or bool(op.attrs.get("_uses_rng"))
        needs_x64 = needs_x64 or any(
            t.dtype.is_64bit for t in (*op.outputs, *op.inputs)
        )
        var_names = variables_touched(op)
        graph_vars = op.graph.variables
        needs_x64 = needs_x64 or any(graph_vars[n].dtype.is_64bit for n in var_names)
        is_write = opdef.stateful or opdef.needs_context
        for name in var_names:
            seen = name in required or name in optional
            if not seen:
                # Write-only ops (Assign) and presence checks (IsVariableInitialized)
                # work on uninitialised variables: they get them only if they exist.
                write_only = (opdef.stateful and not opdef.reads_state) or op.attrs.get(
                    "_write_only", False
                )
                optional_read = op.attrs.get("_read_only", False)
                (optional if write_only or optional_read else required).append(name)
        if is_write and not op.attrs.get("_read_only"):
            written.update(var_names)
    host_outputs = {}
    host_finalizers = []
    for i, t in enumerate(fetches):
        if t in feeds:
            continue
        host_fn = HOST_FETCHES.get(t.op.type)
        finalize = HOST_FINALIZERS.get(t.op.type)
        if host_fn is not None:
            host_outputs[i] = functools.partial(host_fn, t.op)
        elif finalize is not None:
            host_finalizers.append((i, functools.partial(finalize, t.op)))
        elif t.dtype is _dtypes.string:
            raise errors.UnimplementedError(
                None,
                t.op,
                f"String tensor {t.name} can be fed, or fetched from a constant, but"
                f" jgraph cannot compute strings inside a run ({t.op.describe()}).",
            )
    trace_count = [0]
    device_ops = tuple(
        op
        for op in ops
        if op.type in HOST_FINALIZERS
        or not any(t.dtype is _dtypes.string for t in op.outputs)
    )

    # Big constants (a dataset, test images) are passed in as arguments the session
    # keeps on the device, rather than baked into every compiled program.
    lifted = tuple(
        op
        for op in device_ops
        if op.type == "Const" and op.attrs["value"].nbytes >= LIFT_CONSTANT_BYTES
    )
    lifted_outputs = tuple(op.outputs[0] for op in lifted)

    def pure_fn(
        ro_vars: dict, rw_vars: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple:
        trace_count[0] += 1
        run = Interpreter(
            device_ops,
            ro_vars,
            rw_vars,
            (*feeds, *lifted_outputs),
            (*feed_values, *consts),
            key,
        )
        run.execute()
        outputs = tuple(
            None if i in host_outputs else run.env[t] for i, t in enumerate(fetches)
        )
        new_rw = {name: run.state[name] for name in sorted(written)}
        return new_rw, outputs, run.next_key

    jitted = jit(pure_fn, donate_argnums=(1,))
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
    )


def _makes_large_values(opdef: OpDef, op: Operation, inputs: list[Any]) -> bool:
    """Whether ``op`` (on values known at trace time) makes outputs as big as a
    lifted constant: those are computed by the compiled program (a ``Fill`` is an
    XLA broadcast), never on the host while tracing (where they would become a
    constant baked into each compiled program)."""
    sizes: list[tuple[tuple[int, ...], Any]] = []
    for tensor in op.outputs:
        dims = tensor.dims
        if dims is None or not all(isinstance(d, int | np.integer) for d in dims):
            # e.g. a Fill of tf.shape(x): its size is known now, not at build time
            specs = jax.eval_shape(lambda: opdef.call(None, inputs, op.attrs))
            sizes = [(s.shape, s.dtype) for s in jax.tree_util.tree_leaves(specs)]
            break
        sizes.append((tuple(int(d) for d in dims), tensor.dtype.np))
    return any(
        math.prod(dims) * np.dtype(dtype).itemsize >= LIFT_CONSTANT_BYTES
        for dims, dtype in sizes
    )


class Interpreter:
    """Evaluates ops in order over JAX values; implements :class:`LoweringContext`."""

    def __init__(
        self,
        ops: tuple[Operation, ...],
        ro_vars: dict,
        rw_vars: dict,
        feeds: tuple[Tensor, ...],
        feed_values: tuple,
        key: Any,
    ) -> None:
        self.ops = ops
        self.start_state = {**ro_vars, **rw_vars}
        self.state = dict(self.start_state)
        # Variables substituted by the recompute in progress (see ``recompute``):
        # graph functions evaluated meanwhile read them as start-of-run values too.
        self._substituted: dict[str, Any] = {}
        self.env: dict[Tensor, Any] = dict(zip(feeds, feed_values, strict=True))
        self.fed = frozenset(feeds)
        if key is not None:
            self.run_key, self.next_key = _rng.split(key)
        else:
            self.run_key = self.next_key = None
        self.op: Operation | None = None
        self.position = 0

    def execute(self, start: int = 0, stop: int | None = None) -> None:
        """Runs ``ops[start:stop]`` (all by default); a device placement runs one
        segment at a time, with earlier segments' values in ``env``."""
        for position in range(start, len(self.ops) if stop is None else stop):
            op = self.ops[position]
            if op.outputs and all(t in self.fed for t in op.outputs):
                continue  # a lifted constant: its value came in as an argument
            self.op = op
            self.position = position
            outputs = self._run_op(op, self.state, self.env, write=True)
            for tensor, value in zip(op.outputs, outputs, strict=True):
                if tensor not in self.fed:
                    self.env[tensor] = value

    # -- one op ---------------------------------------------------------------
    def _run_op(
        self, op: Operation, state: dict, env: dict, *, write: bool
    ) -> Sequence[Any]:
        opdef = REGISTRY[op.type]
        inputs = [env[t] for t in op.inputs]
        try:
            return self._call(opdef, op, inputs, state, write)
        except errors.OpError:
            raise
        except Exception as err:
            shapes = ", ".join(format_shape(np.shape(v)) for v in inputs)
            raise errors.InvalidArgumentError(
                None,
                op,
                f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}\n"
                f"  while running {op.describe()}, with input shapes: [{shapes}]",
            ) from err

    def _call(
        self, opdef: OpDef, op: Operation, inputs: list[Any], state: dict, write: bool
    ) -> Sequence[Any]:
        reads = op.attrs.get("_reads_variable")
        if reads is not None:
            return (
                self._read_variable(op, reads, state, snapshot=op.type == "VariableV2"),
            )
        if opdef.random:
            result = opdef.call(self._op_key(op), inputs, op.attrs)
        elif opdef.stateful:
            names = op.attrs["var_names"]
            if opdef.reads_state:
                values = tuple(
                    self._read_variable(op, n, state, snapshot=False) for n in names
                )
            else:
                values = tuple(state.get(n) for n in names)
            new_values, result = opdef.call(values, inputs, op.attrs)
            if write and new_values is not None:
                for name, value in zip(names, new_values, strict=True):
                    state[name] = _match_variable(op, name, value)
        elif opdef.needs_context:
            result = opdef.call(
                self if write else _ReadOnly(self, state, op), inputs, op.attrs
            )
        elif all(
            not isinstance(v, jax_core.Tracer) for v in inputs
        ) and not _makes_large_values(opdef, op, inputs):
            # Values known at trace time (constants, shapes) stay concrete, so ops that
            # need static values (reshape to tf.shape(x), ...) work at run time.
            with jax.ensure_compile_time_eval():
                result = opdef.call(None, inputs, op.attrs)
        else:
            result = opdef.call(None, inputs, op.attrs)
        if result is None:
            return ()
        return tuple(result) if isinstance(result, tuple | list) else (result,)

    def _read_variable(
        self, op: Operation, name: str, state: dict, *, snapshot: bool
    ) -> Any:
        source = self.start_state if snapshot and name in self.start_state else state
        try:
            return source[name]
        except KeyError:
            raise uninitialized_error(name, op) from None

    def _op_key(self, op: Operation) -> Any:
        assert self.run_key is not None, "random ops make the run take a key"
        return _rng.op_key(self.run_key, op.index, op.attrs.get("seed"))

    # -- LoweringContext ---------------------------------------------------------
    def value(self, tensor: Tensor) -> Any:
        return self.env[tensor]

    def variable_value(self, name: str) -> Any:
        assert self.op is not None
        return self._read_variable(self.op, name, self.state, snapshot=False)

    def try_variable_value(self, name: str) -> Any:
        """The variable's current value, or ``None`` when it is not initialised."""
        return self.state.get(name)

    def write_state(self, name: str, value: Any) -> None:
        assert self.op is not None
        if name not in self.op.attrs.get("var_names", ()):
            raise RuntimeError(
                f"op {self.op.name} writes '{name}' without declaring it"
            )
        self.state[name] = _match_variable(self.op, name, value)

    def evaluate(
        self, targets: Sequence[Tensor], feeds: dict[Tensor, Any]
    ) -> list[Any]:
        """Evaluates ``targets`` from ``feeds`` alone (a function body built in the
        graph, such as a ``Dataset.map`` function), reading but not writing state."""
        return self.call_function(targets, feeds, self.state)[0]

    def call_function(
        self,
        targets: Sequence[Tensor],
        feeds: dict[Tensor, Any],
        state: dict[str, Any],
        iteration: Any = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        """Evaluates ``targets`` from ``feeds`` (a graph function: a branch, a loop
        body) over the variable values ``state``; returns them and the new state.
        ``iteration`` (a loop counter) is folded into the random ops' keys."""
        ops = prune(targets, [], feeds)
        sub = Interpreter(ops, {}, {}, tuple(feeds), tuple(feeds.values()), None)
        sub.start_state = {**self.start_state, **self._substituted}
        sub.state = dict(state)
        sub.run_key = self.run_key
        if iteration is not None and self.run_key is not None:
            sub.run_key = _rng.fold(self.run_key, iteration)
        sub.execute()
        return [sub.env[t] for t in targets], sub.state

    def recompute(
        self, targets: Sequence[Tensor], substitutions: dict[Any, Any]
    ) -> list[Any]:
        """Re-evaluates ``targets`` from this run's earlier ops with substituted inputs.

        Keys of ``substitutions`` are tensors or variable (state) names. Ops not
        downstream of a substitution keep their already computed values; stateful
        ops are evaluated as reads, so nothing is written.
        """
        tensor_subs = {k: v for k, v in substitutions.items() if isinstance(k, Tensor)}
        var_subs = {k: v for k, v in substitutions.items() if isinstance(k, str)}
        outer, self._substituted = self._substituted, {**self._substituted, **var_subs}
        try:
            return self._recompute(targets, tensor_subs, var_subs)
        finally:
            self._substituted = outer

    def _recompute(
        self,
        targets: Sequence[Tensor],
        tensor_subs: dict[Tensor, Any],
        var_subs: dict[str, Any],
    ) -> list[Any]:
        needed = _ancestors(targets, self.ops[: self.position])
        local: dict[Tensor, Any] = dict(tensor_subs)
        state = {**self.state, **var_subs}
        for op in self.ops[: self.position]:
            if op not in needed:
                continue
            reads = op.attrs.get("_reads_variable")
            if reads in var_subs:
                local[op.outputs[0]] = var_subs[reads]
                continue
            opdef = REGISTRY[op.type]
            touched = any(t in local for t in op.inputs) or (
                (opdef.stateful or opdef.needs_context)
                and any(n in var_subs for n in op.attrs.get("var_names", ()))
            )
            if not touched or all(t in tensor_subs for t in op.outputs):
                continue
            env = _Overlay(local, self.env)
            outputs = self._run_op(op, state, env, write=False)
            for tensor, value in zip(op.outputs, outputs, strict=True):
                if tensor not in tensor_subs:
                    local[tensor] = value
        return [local[t] if t in local else self.env[t] for t in targets]


class _ReadOnly:
    """The context handed to context ops while recomputing: reads only."""

    def __init__(self, run: Interpreter, state: dict, op: Operation) -> None:
        self._run = run
        self._state = state
        self.op = op

    def value(self, tensor: Tensor) -> Any:
        return self._run.env[tensor]

    def variable_value(self, name: str) -> Any:
        return self._run._read_variable(self.op, name, self._state, snapshot=False)

    def try_variable_value(self, name: str) -> Any:
        return self._state.get(name)

    def write_state(self, name: str, value: Any) -> None:
        del name, value  # recomputation never writes state

    def evaluate(
        self, targets: Sequence[Tensor], feeds: dict[Tensor, Any]
    ) -> list[Any]:
        return self._run.call_function(targets, feeds, self._state)[0]

    def call_function(
        self,
        targets: Sequence[Tensor],
        feeds: dict[Tensor, Any],
        state: dict[str, Any],
        iteration: Any = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        return self._run.call_function(targets, feeds, state, iteration)

    def recompute(
        self, targets: Sequence[Tensor], substitutions: dict[Any, Any]
    ) -> list[Any]:
        return self._run.recompute(targets, substitutions)


class _Overlay(dict):
    """A read-only view: local values first, then the run's environment."""

    def __init__(self, local: dict, base: dict) -> None:
        super().__init__()
        self._local = local
        self._base = base

    def __getitem__(self, key: Any) -> Any:
        if key in self._local:
            return self._local[key]
        return self._base[key]


def _ancestors(targets: Sequence[Tensor], ops: Sequence[Operation]) -> set[Operation]:
    candidates = set(ops)
    found: set[Operation] = set()
    stack = [t.op for t in targets]
    while stack:
        op = stack.pop()
        if op in found or op not in candidates:
            continue
        found.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return found


def _match_variable(op: Operation, name: str, value: Any) -> Any:
    """``value`` in variable ``name``'s dtype (shapes were checked when building)."""
    return jax.numpy.asarray(value, op.graph.variables[name].dtype.np)
