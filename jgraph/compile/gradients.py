"""``tf.gradients``: one graph op whose lowering is ``jax.vjp`` of a re-lowering.

Where it sits: a client of the op registry (build time) and of the
:class:`~jgraph.compile.interpreter.Interpreter` (run time). ``gradients(ys, xs)`` adds a
single ``SymbolicGradient`` op with one output per connected ``x``. When a run
reaches it, its lowering asks the interpreter to re-evaluate ``ys`` with the
``xs`` replaced by JAX tracers (``ctx.recompute``) and differentiates that with
``jax.vjp``; the cotangents are ``grad_ys`` (ones by default, so a non-scalar
``y`` is summed, as in TF1). There are no per-op gradient functions: JAX
differentiates each op's own implementation (or the TF1 gradient an ``OpDef``
declares as its ``jvp``).

Which ``xs`` are connected is decided when the graph is built, as TF1 does: walk
back from ``ys`` through data inputs of floating-point tensors, not into ops
declared not differentiable (``StopGradient``) nor into ``stop_gradients``; a
walk that must cross an op TF1 has no gradient for (``OpDef.no_gradient``)
raises ``LookupError``, as TF1. An unconnected ``x`` gets
``None`` (or zeros with ``unconnected_gradients="zero"``). A ``Variable`` ``x``
is substituted by its state name, so every read of it (``v``, ``v.value()``,
``v.read_value()``) is differentiated.

TF1 difference: ``gate_gradients``, ``aggregation_method`` and
``colocate_gradients_with_ops`` are accepted and ignored (XLA schedules the
whole run), and the gradient is one op named ``gradients`` rather than a
``gradients/...`` subgraph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jgraph import errors
from jgraph.compile.interpreter import Interpreter
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.graph.traversal import reach
from jgraph.ops import array_ops
from jgraph.ops.conversion import add_op, convert_to_tensor
from jgraph.ops.registry import Effects, Reads, op, opdef_for, opdef_of
from jgraph.ops.variables import Variable


def differentiable(tensor: Tensor) -> bool:
    """Whether gradients flow through ``tensor`` (floating-point dtypes only)."""
    return tensor.dtype.is_floating


def reached_tensors(
    ys: Iterable[Tensor], stop_tensors: Iterable[Tensor] = ()
) -> set[Tensor]:
    """The tensors a gradient of ``ys`` flows back to (``ys`` included).

    Follows data inputs of floating tensors, and into the graph functions an op
    runs (``OpDef.functions``: control-flow bodies); does not go through ops
    declared not differentiable, nor into ``stop_tensors`` (which are reached, but
    constants beyond).
    """
    stop = set(stop_tensors)

    def back(tensor: Tensor) -> list[Tensor]:
        opdef = opdef_for(tensor.op)
        if tensor in stop or not opdef.differentiable:
            return []
        inner = [t for f in opdef.functions(tensor.op) for t in f.outputs]
        return [t for t in (*tensor.op.inputs, *inner) if differentiable(t)]

    return reach([y for y in ys if differentiable(y)], back)


def variables_read(tensors: Iterable[Tensor]) -> set[str]:
    """State names of the variables whose reads (``v``, ``v.read_value()``) are
    among ``tensors``."""
    names = set()
    for tensor in tensors:
        opdef = opdef_for(tensor.op)
        if opdef.effects is not None and opdef.effects.is_read:
            names.update(opdef.variables(tensor.op))
    return names


def _gradients_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return list(attrs["_out_specs"])


@op(
    "SymbolicGradient",
    needs_context=True,
    effects=Effects(reads=Reads.OPTIONAL),
    recomputes=True,
    list_input="tensors",
    same_dtype=False,
    num_outputs=-1,
    shape_fn=_gradients_spec,
)
def _gradients_impl(
    ctx: Interpreter,
    tensors: Sequence[Any],
    *,
    n_ys: int,
    grad_ys_given: tuple[bool, ...],
    n_xs: int,
    var_names: tuple[str, ...] = (),
) -> tuple[Any, ...]:
    """Gradients of ``sum(grad_ys * ys)`` with respect to tensor xs then variables.

    ``tensors`` is ``[ys, given grad_ys, tensor xs, stop tensors]``; their values
    come positionally (not from the run's values) so that nested differentiation
    (a gradient of a gradient) sees the recomputed values.
    """
    graph_inputs = ctx.op.inputs
    y_tensors = graph_inputs[:n_ys]
    y_values = tensors[:n_ys]
    position = n_ys
    cotangents = []
    for y, given in zip(y_values, grad_ys_given, strict=True):
        if given:
            cotangents.append(tensors[position])
            position += 1
        else:
            cotangents.append(jnp.ones_like(y))
    x_tensors = graph_inputs[position : position + n_xs]
    x_values = tuple(tensors[position : position + n_xs])
    position += n_xs
    # Stop tensors are replaced by their (non-differentiated) values: constants.
    fixed = {
        t: jax.lax.stop_gradient(v)
        for t, v in zip(graph_inputs[position:], tensors[position:], strict=True)
        if t not in x_tensors
    }
    var_values = tuple(ctx.variable_value(n) for n in var_names)

    def ys_fn(xs: tuple[Any, ...], variables: tuple[Any, ...]) -> list[Any]:
        substitutions: dict[Any, Any] = dict(fixed)
        substitutions.update(zip(x_tensors, xs, strict=True))
        substitutions.update(zip(var_names, variables, strict=True))
        return ctx.recompute(y_tensors, substitutions)

    try:
        _, vjp_fn = jax.vjp(ys_fn, x_values, var_values)
        x_grads, var_grads = vjp_fn(cotangents)
    except ValueError as err:
        if "while_loop" not in str(err):
            raise
        raise errors.InvalidArgumentError(
            None,
            ctx.op,
            "tf.gradients cannot go back through a tf.while_loop without a bound:"
            " pass maximum_iterations=<a Python int> to tf.while_loop (it then"
            f" compiles to a differentiable scan). ({str(err).splitlines()[0]})",
        ) from err
    return (*x_grads, *var_grads)


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, list | tuple):
        return list(values)
    return [values]


def gradients(
    ys: Any,
    xs: Any,
    grad_ys: Any = None,
    name: str = "gradients",
    colocate_gradients_with_ops: bool = False,
    gate_gradients: bool = False,
    aggregation_method: Any = None,
    stop_gradients: Any = None,
    unconnected_gradients: str = "none",
) -> list[Tensor | None]:
    """Symbolic derivatives of ``sum(ys)`` with respect to each of ``xs``, as TF1.

    Args:
      ys: a tensor or list of tensors to differentiate.
      xs: a tensor, ``Variable``, or a list of them.
      grad_ys: optional list (one per ``y``, ``None`` for ones) of cotangents;
        the result is then the gradient of ``sum(grad_ys[i] * ys[i])``.
      name: name of the gradient op.
      stop_gradients: tensors held constant while differentiating.
      unconnected_gradients: ``"none"`` (TF1 default: ``None`` for an ``x`` that
        ``ys`` do not depend on) or ``"zero"`` (zeros of ``x``'s shape).

    Returns:
      One tensor (``x``'s dtype and shape) or ``None`` per ``x``.

    Raises:
      ValueError: ``grad_ys`` has the wrong length or a mismatched shape.
      TypeError: a ``grad_ys`` entry's dtype differs from its ``y``.

    >>> import jgraph as tf
    >>> x = tf.constant(3.0)
    >>> (dx,) = gradients(x * x, x)
    >>> float(tf.Session().run(dx))
    6.0
    """
    del colocate_gradients_with_ops, gate_gradients, aggregation_method
    mode = getattr(unconnected_gradients, "value", unconnected_gradients)
    if mode not in ("none", "zero"):
        raise ValueError(
            f"Unknown value for unconnected_gradients: {unconnected_gradients!r};"
            " expected 'none' or 'zero'."
        )
    graph = get_default_graph()
    y_list = [convert_to_tensor(y) for y in _as_list(ys)]
    x_list = _as_list(xs)
    grad_list = [None] * len(y_list) if grad_ys is None else _as_list(grad_ys)
    if len(grad_list) != len(y_list):
        raise ValueError(
            f"Passed {len(grad_list)} grad_ys for {len(y_list)} ys; give one (or"
            " None) per y."
        )
    stops = [convert_to_tensor(s) for s in _as_list(stop_gradients or [])]
    reached = reached_tensors(y_list, stops)
    reached_vars = variables_read(reached)
    _check_gradients_defined(reached, x_list, stops)

    connected_tensors: list[Tensor] = []
    connected_vars: list[Variable] = []
    for x in x_list:
        if isinstance(x, Variable):
            if x.dtype.is_floating and x.op.name in reached_vars:
                if x not in connected_vars:
                    connected_vars.append(x)
            continue
        x = convert_to_tensor(x)
        if x in reached and differentiable(x) and x not in connected_tensors:
            connected_tensors.append(x)

    outputs: dict[Any, Tensor] = {}
    if connected_tensors or connected_vars:
        used = [(y, g) for y, g in zip(y_list, grad_list, strict=True) if y in reached]
        inputs = [y for y, _ in used]
        given = []
        for y, g in used:
            given.append(g is not None)
            if g is not None:
                inputs.append(_check_grad_y(y, g))
        inputs += connected_tensors + stops
        out_specs = tuple((t.dtype, t.dims) for t in connected_tensors) + tuple(
            (v.dtype, v.dims) for v in connected_vars
        )
        result = add_op(
            opdef_of(_gradients_impl),
            [inputs],
            {
                "n_ys": len(used),
                "grad_ys_given": tuple(given),
                "n_xs": len(connected_tensors),
                "var_names": tuple(v.op.name for v in connected_vars),
                "_out_specs": out_specs,
            },
            name,
            graph=graph,
        )
        outputs = dict(zip([*connected_tensors, *connected_vars], result, strict=True))

    grads: list[Tensor | None] = []
    for x in x_list:
        key = x if isinstance(x, Variable) else convert_to_tensor(x)
        grad = outputs.get(key)
        if grad is None and mode == "zero":
            grad = array_ops.zeros_like(key)
        grads.append(grad)
    return grads


def _check_gradients_defined(
    reached: set[Tensor], xs: Sequence[Any], stops: Sequence[Tensor]
) -> None:
    """TF1's ``LookupError`` when the gradient must go back through an op that has
    none (``OpDef.no_gradient``) to reach one of ``xs``."""
    for op_ in {t.op for t in reached}:
        reason = opdef_for(op_).no_gradient
        if reason is None:
            continue
        behind = reached_tensors([t for t in op_.inputs if differentiable(t)], stops)
        names = variables_read(behind)
        for x in xs:
            if isinstance(x, Variable):
                hit = x.op.name in names
            else:
                hit = convert_to_tensor(x) in behind
            if hit:
                raise LookupError(
                    f"No gradient defined for operation '{op_.name}' (op type:"
                    f" {op_.type}), on the way from ys back to {x.name}. {reason}"
                )


def _check_grad_y(y: Tensor, grad_y: Any) -> Tensor:
    grad_y = convert_to_tensor(grad_y, None if isinstance(grad_y, Tensor) else y.dtype)
    if grad_y.dtype != y.dtype:
        raise TypeError(
            f"Gradient type {grad_y.dtype.name} generated for op {y.op.name} does not"
            f" match input type {y.dtype.name} (grad_ys entry {grad_y.name} for"
            f" {y.name})."
        )
    if not y.shape.is_compatible_with(grad_y.shape):
        raise ValueError(
            f"Incompatible shapes between op input and calculated input gradient."
            f" Forward operation: {y.op.name}. Input index: 0. Original input shape:"
            f" {y.shape}. Calculated input gradient shape: {grad_y.shape}"
        )
    return grad_y


__all__ = ["gradients"]
