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

State rules (DESIGN.md): what an op reads is declared by its ``OpDef.effects``. A
variable's own tensor (``VariableV2``, ``snapshot``) reads its value at the start
of the run, or -- if the variable was not initialised before the run -- the value
an earlier op of this run assigned (this lets ``global_variables_initializer``
initialise in dependency order). ``ReadVariable`` (``v.read_value()``) and ops
that update variables see the current, threaded value.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
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
from jgraph.ops.registry import OpDef, Reads, opdef_for

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
    ``rw_vars``, the values of the ``feeds`` and the run's ``key``.

    After :meth:`execute`, ``env`` maps every computed tensor to its value,
    ``state`` holds the variables' new values and ``next_key`` the session's next
    key. Context ops (``needs_context``) receive the interpreter running them.
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
    ) -> None:
        self.ops = ops
        # A host segment's interpreter: ops that run on the host (``OpDef.host_step``)
        # get numpy values here; anywhere else (compiled) they are an error.
        self.on_host = on_host
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
        self._op: Operation | None = None
        self.position = 0
        # A read-only view (see ``read_only_view``) reads ``state`` and writes
        # nothing; it leaves graph functions and recomputation to ``_run``.
        self.read_only = False
        self._run = self

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

    # -- one op ---------------------------------------------------------------
    def _run_op(
        self, op: Operation, state: dict, env: dict, *, write: bool
    ) -> Sequence[Any]:
        opdef = opdef_for(op)
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
        if opdef.host_step and not self.on_host:
            raise _traced_host_step(op)
        if opdef.random:
            result = opdef.call(self._op_key(opdef, op), inputs, op.attrs)
        elif opdef.stateful:
            result = self._call_stateful(opdef, op, inputs, state, write)
        elif opdef.needs_context:
            context = self if write else self.read_only_view(state, op)
            result = opdef.call(context, inputs, op.attrs)
        elif opdef.pure and all(not isinstance(v, jax_core.Tracer) for v in inputs):
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
        if effects.reads is Reads.REQUIRED:
            values = tuple(
                self._read_variable(op, n, state, snapshot=effects.snapshot)
                for n in names
            )
        else:
            values = tuple(state.get(n) for n in names)
        new_values, result = opdef.call(values, inputs, op.attrs)
        if write and effects.writes and new_values is not None:
            for name, value in zip(names, new_values, strict=True):
                state[name] = _match_variable(op, name, value)
        return result

    def _read_variable(
        self, op: Operation, name: str, state: dict, *, snapshot: bool
    ) -> Any:
        if name in self._substituted:  # recomputing with this variable replaced
            return self._substituted[name]
        source = self.start_state if snapshot and name in self.start_state else state
        try:
            return source[name]
        except KeyError:
            raise uninitialized_error(name, op) from None

    def _op_key(self, opdef: OpDef, op: Operation) -> Any:
        assert self.run_key is not None, "random ops make the run take a key"
        return _rng.op_key(self.run_key, op.index, opdef.seed(op))

    # -- what context ops may ask -------------------------------------------------
    def variable_value(self, name: str) -> Any:
        """The current value of state entry ``name`` (``FailedPreconditionError``
        when it has none)."""
        return self._run._read_variable(self.op, name, self.state, snapshot=False)

    def try_variable_value(self, name: str) -> Any:
        """The variable's current value, or ``None`` when it is not initialised."""
        return self.state.get(name)

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
        ops = prune(targets, [], feeds)
        sub = Interpreter(ops, {}, {}, tuple(feeds), tuple(feeds.values()), None)
        sub.start_state = {**run.start_state, **run._substituted}
        sub.state = dict(state)
        sub.run_key = run.run_key
        if iteration is not None and run.run_key is not None:
            sub.run_key = _rng.fold(run.run_key, iteration)
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
            if opdef.host_step:
                continue  # computed in numpy or Python: a constant to the gradient
            env = _Overlay(local, self.env)
            outputs = self._run_op(op, state, env, write=False)
            for tensor, value in zip(op.outputs, outputs, strict=True):
                if tensor not in tensor_subs:
                    local[tensor] = value
        return [local[t] if t in local else self.env[t] for t in targets]


def _traced_host_step(op: Operation) -> errors.OpError:
    return errors.UnimplementedError(
        None,
        op,
        f"{op.type} '{op.name}' needs the values of its inputs on the host (a"
        " data-dependent output shape or a Python function): a run computes it"
        " between compiled segments, but here it sits inside a compiled function"
        " (a tf.while_loop or tf.cond body, a Dataset.map function, run_steps,"
        f" as_function). Move it out of that function. ({op.describe()})",
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


def _match_variable(op: Operation, name: str, value: Any) -> Any:
    """``value`` in variable ``name``'s dtype (shapes were checked when building)."""
    return jax.numpy.asarray(value, op.graph.variables[name].dtype.np)
