"""Stage 3 (compile): the interpreter that evaluates ordered ops over JAX values.

Where it sits: inside every lowered function (``lower.py``) and every segment
(``segments.py``): it runs the ops in order, each as ``OpDef.call`` on its input
values, threading the variables (the state) through them. It is also the context
that ``needs_context`` ops receive (``ctx: Interpreter``): they read and write
their declared variables through it, evaluate graph functions (control-flow
bodies, map functions) with :meth:`Interpreter.call_function`, and re-evaluate
earlier ops with substituted values (:meth:`Interpreter.recompute`, for
gradients). While recomputing, context ops get a *read-only* view: it reads the
recomputation's state and drops writes.

State rules (DESIGN.md): what an op reads is declared by its ``OpDef.effects``.

- **Reads.** A read of variable ``v`` by op ``X`` sees the value written by the
  last write to ``v`` among ``X``'s ancestors (data and control edges,
  transitively; "last" in the run's order); with no such write, the value at the
  start of the run. The readers are the ops consuming a reference to ``v`` (its
  own tensor, what ``assign`` returns: ``Effects.ref``) and the ops that read
  without writing (``v.read_value()``, gradients, ``initialized_value``). It is
  decided when the run is lowered: :class:`_Reads` finds each read's write.
- **Writes compose.** Ops that write (``assign_add``, optimizers, control flow)
  read the current value, threaded through the run in order, so two
  ``assign_add`` of one run both apply.
- **Initialisation.** A variable with no value at the start of the run reads
  what the last earlier op of the run wrote (so ``global_variables_initializer``
  initialises in dependency order), else raises ``FailedPreconditionError``.
- **Fetches.** Fetching a reference gives the value at the end of the run
  (``LoweredRun.final_reads``), as TF1 fetches its ref tensors.

A graph function (a branch, a loop body) runs inside the op running it, which
writes: its reads with no write before them in the function see the value the
function was called with.
"""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Collection, Sequence
from typing import Any

import jax
import numpy as np
from jax import core as jax_core

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.prune import prune
from jgraph.graph.graph import Operation
from jgraph.graph.shape import format_shape
from jgraph.graph.tensor import Tensor
from jgraph.graph.traversal import ancestors
from jgraph.ops.registry import HostContext, OpDef, Reads, opdef_for

# Host constants from this size on are passed to the compiled run as arguments
# (lifted), and ops making values this big are computed by it: neither is baked
# into a compiled program.
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


class Interpreter:
    """Evaluates ``ops`` in order over JAX values, from the variables ``ro_vars`` and
    ``rw_vars``, the values of the ``feeds`` and the session's random state
    ``key`` (an ``rng.RngState``; ``None`` when no op draws random numbers).

    After :meth:`execute`, ``env`` maps every computed tensor to its value and
    ``state`` holds the variables' new values. Context ops (``needs_context``)
    receive the interpreter running them.
    An ``on_host`` interpreter runs a host segment (``compile/segments.py``).
    """

    def __init__(
        self,
        ops: tuple[Operation, ...],
        ro_vars: dict,
        rw_vars: dict,
        feeds: tuple[Tensor, ...],
        feed_values: tuple,
        key: Any,
        *,
        on_host: bool = False,
        host: HostContext | None = None,
    ) -> None:
        self.ops = ops
        # A host segment's interpreter: ops that run on the host (``OpDef.host_step``)
        # get numpy values here; anywhere else (compiled) they are an error.
        self.on_host = on_host
        # The session's host context, for host steps that declare ``host_context``.
        self.host = host
        self.start_state = {**ro_vars, **rw_vars}
        self.state = dict(self.start_state)
        # Variables substituted by the recompute in progress (see ``recompute``):
        # graph functions evaluated meanwhile read them as start-of-run values too.
        self._substituted: dict[str, Any] = {}
        self.env: dict[Tensor, Any] = dict(zip(feeds, feed_values, strict=True))
        self.fed = frozenset(feeds)
        self.rng: _rng.RngState | None = key
        self._folds: tuple[Any, ...] = ()  # loop counters around a graph function
        self._op: Operation | None = None
        self.position = 0
        # A read-only view (see ``read_only_view``) reads ``state`` and writes
        # nothing; it leaves graph functions and recomputation to ``_run``.
        self.read_only = False
        self._run = self
        self._reads: _Reads | None = None  # made on the first read (see ``reads``)
        # The ops of the runs this one (a graph function) runs inside.
        self._outer: frozenset[Operation] = frozenset()
        # Position of a writing op -> the values of its variables after it ran.
        self._versions: dict[int, dict[str, Any]] = {}

    @property
    def op(self) -> Operation:
        """The op being run (the one a context op's impl is called for)."""
        assert self._op is not None, "no op is running"
        return self._op

    def read_only_view(self, state: dict, op: Operation) -> Interpreter:
        """The context of ``op`` while recomputing: it reads ``state`` (the values
        being recomputed with) and its writes are dropped."""
        view = copy.copy(self)
        view.read_only = True
        view.state = state
        view._op = op
        return view

    def execute(self, start: int = 0, stop: int | None = None) -> None:
        """Runs ``ops[start:stop]`` (all by default); a device placement runs one
        segment at a time, with earlier segments' values in ``env``."""
        if start:
            # A later segment: the values earlier segments wrote came in as state.
            for name, value in self.state.items():
                last = self.reads.last_write(name, start)
                if last is not None:
                    self._versions.setdefault(last, {})[name] = value
        for position in range(start, len(self.ops) if stop is None else stop):
            op = self.ops[position]
            if op.outputs and all(t in self.fed for t in op.outputs):
                continue  # a lifted constant: its value came in as an argument
            self._op = op
            self.position = position
            outputs = self._run_op(op, self.state, self.env, write=True)
            for tensor, value in zip(op.outputs, outputs, strict=True):
                if tensor not in self.fed:
                    self.env[tensor] = value
            written = opdef_for(op).written(op)
            if written:
                self._versions[position] = {
                    n: self.state[n] for n in written if n in self.state
                }

    @property
    def reads(self) -> _Reads:
        """Which write each read of this run sees (made once, when first needed)."""
        if self._reads is None:
            self._reads = _Reads(self.ops, self.fed, self.start_state)
        return self._reads

    # -- one op ---------------------------------------------------------------
    def _run_op(
        self, op: Operation, state: dict, env: dict, *, write: bool
    ) -> Sequence[Any]:
        opdef = opdef_for(op)
        inputs = [env[t] for t in op.inputs]
        for index, tensor in enumerate(op.inputs):
            if tensor not in self.fed and opdef_for(tensor.op).returns_ref:
                inputs[index] = self._read_ref(op, tensor)
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
        if not self.on_host and opdef.host_value is None and opdef.runs_on_host(op):
            raise _traced_host_step(op)
        if opdef.host_context:
            if self.host is None:
                raise _no_session(op)
            result = opdef.call(self.host, inputs, op.attrs)
        elif opdef.random:
            result = opdef.call(self._op_key(opdef, op), inputs, op.attrs)
        elif opdef.stateful:
            result = self._call_stateful(opdef, op, inputs, state, write)
        elif opdef.needs_context:
            context = self if write else self.read_only_view(state, op)
            result = opdef.call(context, inputs, op.attrs)
        elif opdef.strings is not None and opdef.touches_strings(op):
            result = opdef.call_on_strings(op, inputs)
        elif self.on_host:  # numpy values in Python: nothing is traced here
            result = opdef.call(None, inputs, op.attrs)
        elif (
            opdef.pure
            and all(not isinstance(v, jax_core.Tracer) for v in inputs)
            and not _makes_large_values(opdef, op, inputs)
        ):
            # Values known at trace time (constants, shapes) stay concrete, so ops that
            # need static values (reshape to tf.shape(x), ...) work at run time.
            with jax.ensure_compile_time_eval():
                result = opdef.call(None, inputs, op.attrs)
        else:
            result = opdef.call(None, inputs, op.attrs)
        if result is None:
            return ()
        return tuple(result) if isinstance(result, tuple | list) else (result,)

    def _call_stateful(
        self, opdef: OpDef, op: Operation, inputs: list[Any], state: dict, write: bool
    ) -> Any:
        effects = opdef.effects
        assert effects is not None
        names = opdef.variables(op)
        if effects.reads is not Reads.REQUIRED:
            values = tuple(state.get(n) for n in names)
        elif effects.writes:
            values = tuple(self._read_variable(op, n, state) for n in names)
        else:
            values = tuple(self._read(op, n) for n in names)
        new_values, result = opdef.call(values, inputs, op.attrs)
        if write and effects.writes and new_values is not None:
            for name, value in zip(names, new_values, strict=True):
                state[name] = _match_variable(op, name, value)
        return result

    def _read_variable(self, op: Operation, name: str, state: dict) -> Any:
        """The current (threaded) value: what an op that writes ``name`` reads."""
        if name in self._substituted:  # recomputing with this variable replaced
            return self._substituted[name]
        try:
            return state[name]
        except KeyError:
            raise uninitialized_error(name, op) from None

    def _read(
        self,
        op: Operation,
        name: str,
        *,
        required: bool = True,
        substitute: bool = True,
    ) -> Any:
        """What ``op``, which reads ``name`` without writing it, sees (the read
        rule); ``None`` for no value when not ``required``. While recomputing with
        ``name`` substituted, a read of the variable itself (``substitute``) sees
        the substitute."""
        if substitute and name in self._substituted:
            return self._substituted[name]
        write = self.reads.source(name, op)
        if write is None:
            return self.start_state[name]
        if isinstance(write, _Missing):
            if not required:
                return None
            raise uninitialized_error(name, op)
        try:
            return self._versions[write][name]
        except KeyError:
            raise errors.UnimplementedError(
                None,
                op,
                f"{op.describe()} reads variable '{name}' as written by"
                f" {self.ops[write].name}, which ran in an earlier part of this run"
                " (another device or a host step) and was overwritten since; place"
                " them together.",
            ) from None

    def _read_ref(self, op: Operation, tensor: Tensor) -> Any:
        """The value of ``tensor``, a reference to a variable, as ``op`` reads it."""
        opdef = opdef_for(tensor.op)
        (name,) = opdef.variables(tensor.op)
        # A gradient differentiates by the variable's own tensor, not by what an
        # assignment returns.
        assert opdef.effects is not None
        return self._read(op, name, substitute=opdef.effects.is_read)

    def _op_key(self, opdef: OpDef, op: Operation) -> Any:
        assert self.rng is not None, "random ops make the run take a key"
        slot, seeds = opdef.rng(op)
        return _rng.op_key(self.rng, slot, seeds, self._folds)

    # -- what context ops may ask -------------------------------------------------
    def variable_value(self, name: str) -> Any:
        """The value of state entry ``name`` the op reads (``FailedPreconditionError``
        when it has none): the current one for an op that writes, else the read
        rule's."""
        if _writes(self.op):
            return self._run._read_variable(self.op, name, self.state)
        return self._run._read(self.op, name)

    def try_variable_value(self, name: str) -> Any:
        """As :meth:`variable_value`, or ``None`` when the variable has no value."""
        if _writes(self.op):
            return self.state.get(name)
        return self._run._read(self.op, name, required=False)

    def write_state(self, name: str, value: Any) -> None:
        """Sets state entry ``name`` (one the op declares) for the rest of the run
        and the next runs; dropped in a read-only view."""
        if self.read_only:
            return
        if name not in opdef_for(self.op).variables(self.op):
            raise RuntimeError(
                f"op {self.op.name} writes '{name}' without declaring it"
            )
        self.state[name] = _match_variable(self.op, name, value)

    def evaluate(
        self, targets: Sequence[Tensor], feeds: dict[Tensor, Any]
    ) -> list[Any]:
        """Evaluates ``targets`` from ``feeds`` alone (a function body built in the
        graph, such as a ``Dataset.map`` function), reading but not writing state."""
        return self._run.call_function(targets, feeds, self.state)[0]

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
        run = self._run
        # Outer ops the function's ops wait for (control inputs) ran already.
        outer = run._outer | frozenset(run.ops)
        # (A variable's own op is the exception: reading it has no effect, and a
        # body that uses a variable it did not capture reads it here.)
        ops = tuple(
            op
            for op in prune(targets, [], feeds)
            if op not in outer or (opdef_for(op).returns_ref and not _writes(op))
        )
        sub = Interpreter(ops, {}, {}, tuple(feeds), tuple(feeds.values()), None)
        sub._outer = outer
        # A captured reference to a variable is read inside, where the function's
        # own writes may come first; else it is the value the caller read.
        refs = {t: v for t, v in feeds.items() if opdef_for(t.op).returns_ref}
        sub.fed = frozenset(t for t in feeds if t not in refs)
        read = {opdef_for(t.op).variables(t.op)[0]: v for t, v in refs.items()}
        sub.start_state = {**read, **state, **run._substituted}
        sub.state = dict(state)
        sub.rng = run.rng
        sub._folds = run._folds if iteration is None else (*run._folds, iteration)
        sub.execute()
        return [sub.env[t] for t in targets], sub.state

    def recompute(
        self, targets: Sequence[Tensor], substitutions: dict[Any, Any]
    ) -> list[Any]:
        """Re-evaluates ``targets`` from this run's earlier ops with substituted inputs.

        Keys of ``substitutions`` are tensors or variable (state) names. Ops not
        downstream of a substitution keep their already computed values; ops with
        effects are evaluated as reads, so nothing is written.
        """
        run = self._run
        tensor_subs = {k: v for k, v in substitutions.items() if isinstance(k, Tensor)}
        var_subs = {k: v for k, v in substitutions.items() if isinstance(k, str)}
        outer, run._substituted = run._substituted, {**run._substituted, **var_subs}
        try:
            return run._recompute(targets, tensor_subs, var_subs)
        finally:
            run._substituted = outer

    def _recompute(
        self,
        targets: Sequence[Tensor],
        tensor_subs: dict[Tensor, Any],
        var_subs: dict[str, Any],
    ) -> list[Any]:
        earlier = self.ops[: self.position]
        needed = ancestors([t.op for t in targets], within=set(earlier))
        local: dict[Tensor, Any] = dict(tensor_subs)
        state = {**self.state, **var_subs}
        for op in earlier:
            if op not in needed:
                continue
            opdef = opdef_for(op)
            touched = any(t in local for t in op.inputs) or any(
                n in var_subs for n in opdef.variables(op)
            )
            if not touched or all(t in tensor_subs for t in op.outputs):
                continue
            if opdef.runs_on_host(op):
                continue  # computed in numpy or Python: a constant to the gradient
            env = _Overlay(local, self.env)
            outputs = self._run_op(op, state, env, write=False)
            for tensor, value in zip(op.outputs, outputs, strict=True):
                if tensor not in tensor_subs:
                    local[tensor] = value
        return [local[t] if t in local else self.env[t] for t in targets]


class _Missing:
    """A read of a variable that has no value at that point of the run."""


_MISSING = _Missing()


class _Reads:
    """For one op list: which write each read sees (the read rule, see the module
    docstring), from the ops' order and edges and the variables that hold a value
    at the start (``present``)."""

    def __init__(
        self,
        ops: Sequence[Operation],
        fed: Collection[Tensor],
        present: Collection[str],
    ) -> None:
        self._position = {op: i for i, op in enumerate(ops)}
        self._present = frozenset(present)
        # Positions of the ops writing each variable, in run order.
        self._writers: dict[str, list[int]] = {}
        own: list[dict[str, int]] = []
        for position, op in enumerate(ops):
            written = opdef_for(op).written(op)
            own.append(dict.fromkeys(written, position))
            for name in written:
                self._writers.setdefault(name, []).append(position)
        # ``_last[i][v]``: the latest write to v among ops[i]'s ancestors, found in
        # one pass in run order; ops with the same writes upstream share one dict.
        self._last: list[dict[str, int]] = []
        empty: dict[str, int] = {}
        for op in ops if self._writers else ():
            parts = []
            for pred in _predecessors(op, fed):
                p = self._position.get(pred)
                if p is not None:
                    parts.extend(d for d in (self._last[p], own[p]) if d)
            if not parts:
                self._last.append(empty)
            elif len(parts) == 1:
                self._last.append(parts[0])
            else:
                merged = dict(parts[0])
                for part in parts[1:]:
                    for name, p in part.items():
                        if merged.get(name, -1) < p:
                            merged[name] = p
                self._last.append(merged)

    def source(self, name: str, op: Operation) -> int | _Missing | None:
        """The position of the write that ``op``'s read of ``name`` sees; ``None``
        for the value at the start; ``_MISSING`` when there is none."""
        position = self._position[op]
        if self._writers:
            write = self._last[position].get(name)
            if write is not None:
                return write
        if name in self._present:
            return None
        # No value at the start: the initialisation earlier in this run.
        write = self.last_write(name, position)
        return _MISSING if write is None else write

    def last_write(self, name: str, before: int) -> int | None:
        """The position of the last write to ``name`` before position ``before``."""
        writers = self._writers.get(name, ())
        index = bisect.bisect_left(writers, before)
        return writers[index - 1] if index else None


def _predecessors(op: Operation, fed: Collection[Tensor]) -> list[Operation]:
    """The ops ``op`` depends on directly (data edges through fed tensors aside)."""
    return [*(t.op for t in op.inputs if t not in fed), *op.control_inputs]


def _writes(op: Operation) -> bool:
    effects = opdef_for(op).effects
    return effects is not None and effects.writes


def _traced_host_step(op: Operation) -> errors.OpError:
    return errors.UnimplementedError(
        None,
        op,
        f"{op.type} '{op.name}' needs the values of its inputs on the host"
        " (strings, a data-dependent output shape or a Python function): a run"
        " computes it"
        " between compiled segments, but here it sits inside a compiled function"
        " (a tf.while_loop or tf.cond body, a Dataset.map function, run_steps,"
        f" as_function). Move it out of that function. ({op.describe()})",
    )


def _no_session(op: Operation) -> errors.OpError:
    return errors.UnimplementedError(
        None,
        op,
        f"{op.type} '{op.name}' uses the host objects of the session running it"
        " (queues, readers, host iterators), but this run has no session; run it"
        f" with Session.run. ({op.describe()})",
    )


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


def _match_variable(op: Operation, name: str, value: Any) -> Any:
    """``value`` as variable ``name`` holds it: every value entering the state goes
    through here, so a value whose shape (a fed value of another shape: TF1's
    ``Assign requires shapes of both tensors to match``) or kind of dtype differs
    from the variable's is refused while the run is traced, before any state was
    handed over. Same-kind dtypes are cast (int32 values of an int64 variable when
    x64 is off)."""
    variable = op.graph.variables[name]
    shape = np.shape(value)
    if not variable.shape.is_compatible_with(shape):
        raise errors.InvalidArgumentError(
            None,
            op,
            f"{op.type} requires shapes of both tensors to match: variable '{name}'"
            f" has shape {format_shape(variable.dims)}, the value written by"
            f" {op.name} has shape {format_shape(shape)}.\n  ({op.describe()})",
        )
    dtype = variable.dtype.np
    if not np.can_cast(jax.numpy.result_type(value), dtype, "same_kind"):
        raise errors.InvalidArgumentError(
            None,
            op,
            f"{op.type} cannot write a value of dtype {jax.numpy.result_type(value)}"
            f" to variable '{name}' of dtype {variable.dtype.name}.\n"
            f"  ({op.describe()})",
        )
    return jax.numpy.asarray(value, dtype)
