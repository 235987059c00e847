"""Ops that read or write session state, feed points, and grouping ops.

Every op here that touches a variable declares it: its ``var_names`` attr names the
variable and its ``OpDef.effects`` say how (see ``registry.Effects``). Its impl gets
the variable's value and returns ``(new_values, outputs)``: ``VariableV2`` (the
variable's own tensor, TF1's reference: each op consuming it reads the variable) and
``ReadVariable`` return the value; ``Assign*`` and ``Scatter*`` the new value, which
is also the op's output (a reference too, as in TF1). The interpreter
(``compile/interpreter.py``) reads and writes the state for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jax.numpy as jnp
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, Operation, get_default_graph
from jgraph.graph.shape import TensorShape, as_shape, format_shape
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import (
    add_op,
    as_numpy,
    build,
    check_dtype,
    convert_input,
    convert_to_tensor,
)
from jgraph.ops.folding import constant_value
from jgraph.ops.inference import fresh_dim, with_unknown_dims
from jgraph.ops.registry import REGISTRY, Effects, Reads, Strings, op

if TYPE_CHECKING:
    from jgraph.compile.interpreter import Interpreter


def _attr_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(attrs["dtype"], attrs["_dims"])]


@op("Placeholder", shape_fn=_attr_spec, must_feed=True)
def _placeholder_impl(*, dtype: Any, shape: Any = None) -> Any:
    raise AssertionError("a Placeholder is always fed; the session checks this first")


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Tensor:
    """A tensor whose value must be fed, as TF1 ``tf.placeholder``.

    Args:
      dtype: element type.
      shape: the shape; ``None`` for any shape; ``None`` or ``-1`` dims are unknown.
      name: op name.

    TF1 difference: a placeholder of unknown rank (``shape=None``) gets its rank
    from the first feed, so it compiles per fed shape like any unknown dim.
    """
    dtype = _dtypes.as_dtype(dtype)
    graph = get_default_graph()
    dims = (
        None if shape is None else with_unknown_dims(graph, as_shape(shape).as_list())
    )
    return add_op(
        REGISTRY["Placeholder"],
        [],
        {"dtype": dtype, "shape": shape, "_dims": dims},
        name,
        graph=graph,
    )


def _with_default_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(_dtypes.as_dtype(specs[0].dtype), attrs["_dims"])]


@op(
    "PlaceholderWithDefault",
    same_dtype=False,
    shape_fn=_with_default_spec,
    strings=Strings.BY_POSITION,
)
def _placeholder_with_default_impl(input: Any, *, shape: Any = None) -> Any:
    return input


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """``input`` unless this tensor is fed; ``shape`` (``None`` dims allowed) is the
    static shape a feed must match, as TF1 ``tf.placeholder_with_default``."""
    graph = get_default_graph()
    value = convert_to_tensor(input)
    dims = with_unknown_dims(graph, as_shape(shape).as_list())
    if not as_shape(shape).is_compatible_with(value.shape):
        raise ValueError(
            f"placeholder_with_default: the default's shape {value.shape} does not fit"
            f" the shape {as_shape(shape)}."
        )
    return add_op(
        REGISTRY["PlaceholderWithDefault"],
        [value],
        {"shape": as_shape(shape), "_dims": dims},
        name,
        graph=graph,
    )


@op(
    "VariableV2",
    shape_fn=_attr_spec,
    effects=Effects(ref=True, is_read=True),
)
def _variable_impl(
    current: tuple,
    *,
    dtype: Any,
    shape: Any,
    container: str = "",
    shared_name: str = "",
) -> Any:
    """The variable's value, as the op consuming it reads it (see the interpreter)."""
    return None, current[0]


@op("ReadVariable", shape_fn=_attr_spec, effects=Effects(is_read=True))
def _read_variable_impl(current: tuple, *, dtype: Any) -> Any:
    """The variable's current value (``v.read_value()``)."""
    return None, current[0]


def _assign_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    variable = get_default_graph().variables.get(attrs["var_names"][0])
    return [(variable.dtype, variable.dims)] if variable is not None else []


@op(
    "Assign",
    shape_fn=_assign_spec,
    effects=Effects(reads=Reads.NONE, writes=True, ref=True),
    declared_attrs=("initializer",),
    # TF1 gives no gradient through an assignment's value.
    differentiable=False,
)
def _assign_impl(
    current: tuple, value: Any, *, validate_shape: bool = True, use_locking: bool = True
) -> Any:
    del current
    return (value,), value


@op(
    "AssignAdd",
    shape_fn=_assign_spec,
    effects=Effects(writes=True, ref=True),
    differentiable=False,
)
def _assign_add_impl(current: tuple, delta: Any, *, use_locking: bool = False) -> Any:
    new = current[0] + delta
    return (new,), new


@op(
    "AssignSub",
    shape_fn=_assign_spec,
    effects=Effects(writes=True, ref=True),
    differentiable=False,
)
def _assign_sub_impl(current: tuple, delta: Any, *, use_locking: bool = False) -> Any:
    new = current[0] - delta
    return (new,), new


def _write_variable(
    op_type: str, ref: Any, value: Any, name: str | None, **attrs: Any
) -> Tensor:
    variable = _as_variable(ref, op_type)
    graph = variable.graph
    if isinstance(value, Tensor) and value.dtype != variable.dtype:
        raise TypeError(
            f"Input 'value' of '{op_type}' Op has type {value.dtype.name} that does not"
            f" match type {variable.dtype.name} of variable '{variable.op.name}'."
        )
    value_t = convert_to_tensor(value, variable.dtype, graph=graph)
    if op_type == "Assign" and attrs.get("validate_shape", True):
        if not variable.shape.is_compatible_with(value_t.shape):
            raise ValueError(
                f"Shapes must be equal rank, but are {format_shape(variable.dims)} and"
                f" {format_shape(value_t.dims)} for '{op_type}' of variable"
                f" '{variable.op.name}'."
            )
    elif not value_t.shape.is_compatible_with(variable.shape) and value_t.shape.ndims:
        raise ValueError(
            f"Cannot {op_type} a value of shape {format_shape(value_t.dims)} to variable"
            f" '{variable.op.name}' of shape {format_shape(variable.dims)}."
        )
    return add_op(
        REGISTRY[op_type],
        [value_t],
        {"var_names": (variable.op.name,), **attrs},
        name,
        graph=graph,
    )


def _as_variable(ref: Any, what: str) -> Any:
    """``ref`` if it is a Variable (its graph knows it by its state name)."""
    graph, op_ = getattr(ref, "graph", None), getattr(ref, "op", None)
    if graph is not None and op_ is not None and graph.variables.get(op_.name) is ref:
        return ref
    raise TypeError(
        f"{what} needs a jgraph Variable as its first argument, got {ref!r}."
    )


def assign(
    ref: Any,
    value: Any,
    validate_shape: bool | None = None,
    use_locking: bool | None = None,
    name: str | None = None,
) -> Tensor:
    """Sets ``ref`` to ``value``; the result is the new value, as TF1 ``tf.assign``."""
    return _write_variable(
        "Assign", ref, value, name, validate_shape=validate_shape is not False
    )


def assign_add(
    ref: Any, value: Any, use_locking: bool | None = None, name: str | None = None
) -> Tensor:
    """Adds ``value`` to ``ref``; the result is the new value."""
    return _write_variable("AssignAdd", ref, value, name)


def assign_sub(
    ref: Any, value: Any, use_locking: bool | None = None, name: str | None = None
) -> Tensor:
    """Subtracts ``value`` from ``ref``; the result is the new value."""
    return _write_variable("AssignSub", ref, value, name)


# -- scatter ---------------------------------------------------------------------------

_SCATTER_INDEX_DTYPES = frozenset({_dtypes.int32, _dtypes.int64})


def _scatter_rows(current: Any, indices: Any, updates: Any, method: str) -> Any:
    """``current`` with the rows at ``indices`` combined with ``updates`` by
    ``method`` (``set``, ``add``); rows out of range, negative ones too, are left
    alone (XLA cannot raise inside a run)."""
    rows = current.shape[0]
    safe = jnp.where(indices < 0, rows, indices)
    return getattr(current.at[safe], method)(updates, mode="drop")


@op(
    "ScatterUpdate",
    same_dtype=False,
    shape_fn=_assign_spec,
    effects=Effects(writes=True, ref=True),
    differentiable=False,
)
def _scatter_update_impl(
    current: tuple, indices: Any, updates: Any, *, use_locking: bool = True
) -> Any:
    new = _scatter_rows(current[0], indices, updates, "set")
    return (new,), new


@op(
    "ScatterAdd",
    same_dtype=False,
    shape_fn=_assign_spec,
    effects=Effects(writes=True, ref=True),
    differentiable=False,
)
def _scatter_add_impl(
    current: tuple, indices: Any, updates: Any, *, use_locking: bool = False
) -> Any:
    new = _scatter_rows(current[0], indices, updates, "add")
    return (new,), new


@op(
    "ScatterSub",
    same_dtype=False,
    shape_fn=_assign_spec,
    effects=Effects(writes=True, ref=True),
    differentiable=False,
)
def _scatter_sub_impl(
    current: tuple, indices: Any, updates: Any, *, use_locking: bool = False
) -> Any:
    new = _scatter_rows(current[0], indices, -updates, "add")
    return (new,), new


def _scatter(
    op_type: str,
    ref: Any,
    indices: Any,
    updates: Any,
    use_locking: bool,
    name: str | None,
) -> Tensor:
    """Builds one scatter op on variable ``ref``, checking its inputs as TF1 does."""
    variable = _as_variable(ref, op_type)
    graph = variable.graph
    if op_type != "ScatterUpdate" and not (
        variable.dtype.is_floating or variable.dtype.is_integer
    ):
        raise TypeError(
            f"{op_type}: variable '{variable.op.name}' has DataType"
            f" {variable.dtype.name}; it needs a number type."
        )
    if variable.dims is not None and not variable.dims:
        raise ValueError(
            f"{op_type}: variable '{variable.op.name}' is a scalar; scatter ops need"
            " at least rank 1 (indices pick rows)."
        )
    with graph.name_scope(name or op_type) as scope:
        indices_t = convert_input(indices, None, graph, "indices")
        check_dtype(indices_t, _SCATTER_INDEX_DTYPES, op_type, "indices")
        updates_t = convert_input(updates, variable.dtype, graph, "updates")
        if updates_t.dtype != variable.dtype:
            raise TypeError(
                f"Input 'updates' of '{op_type}' Op ({updates_t.name}) has type"
                f" {updates_t.dtype.name} that does not match type"
                f" {variable.dtype.name} of variable '{variable.op.name}'."
            )
        if (
            updates_t.shape.ndims != 0
            and indices_t.dims is not None
            and variable.dims is not None
        ):
            wanted = TensorShape([*indices_t.dims, *variable.dims[1:]])
            if not updates_t.shape.is_compatible_with(wanted):
                raise ValueError(
                    f"{op_type}: updates {updates_t.name} of shape {updates_t.shape}"
                    f" must be a scalar or have shape indices.shape + ref.shape[1:]"
                    f" = {wanted} (variable '{variable.op.name}')."
                )
        index_values = constant_value(indices_t)
        rows = variable.shape.as_list()[0] if variable.dims is not None else None
        if index_values is not None and index_values.size and rows is not None:
            bad = index_values[(index_values < 0) | (index_values >= rows)]
            if bad.size:
                raise ValueError(
                    f"{op_type}: index {int(bad[0])} is not in [0, {rows}) for"
                    f" variable '{variable.op.name}' ({indices_t.name})."
                )
        return add_op(
            REGISTRY[op_type],
            [indices_t, updates_t],
            {"var_names": (variable.op.name,), "use_locking": bool(use_locking)},
            scope,
            graph=graph,
        )


def scatter_update(
    ref: Any,
    indices: Any,
    updates: Any,
    use_locking: bool = True,
    name: str | None = None,
) -> Tensor:
    """Sets rows ``ref[indices[...]] = updates[...]``, as TF1 ``tf.scatter_update``;
    the result is the variable's new value.

    ``updates`` is a scalar or has shape ``indices.shape + ref.shape[1:]``. With
    duplicate indices, which update wins is unspecified (as TF1).

    TF1 difference: an index out of range known only at run time is skipped
    (XLA cannot raise inside a run), where TF1 raises; constant indices are
    checked when the graph is built.
    """
    return _scatter("ScatterUpdate", ref, indices, updates, use_locking, name)


def scatter_add(
    ref: Any,
    indices: Any,
    updates: Any,
    use_locking: bool = False,
    name: str | None = None,
) -> Tensor:
    """Adds ``updates`` to the rows ``ref[indices[...]]`` (duplicate indices add
    up), as TF1 ``tf.scatter_add``; the result is the new value. See
    :func:`scatter_update` for shapes and out-of-range indices."""
    return _scatter("ScatterAdd", ref, indices, updates, use_locking, name)


def scatter_sub(
    ref: Any,
    indices: Any,
    updates: Any,
    use_locking: bool = False,
    name: str | None = None,
) -> Tensor:
    """Subtracts ``updates`` from the rows ``ref[indices[...]]`` (duplicate
    indices add up), as TF1 ``tf.scatter_sub``; the result is the new value. See
    :func:`scatter_update` for shapes and out-of-range indices."""
    return _scatter("ScatterSub", ref, indices, updates, use_locking, name)


@op("Identity", same_dtype=False, strings=Strings.BY_POSITION)
def _identity_impl(input: Any) -> Any:
    return input


def identity(input: Any, name: str | None = None) -> Tensor:
    """Returns ``input`` unchanged (a new node, useful with control dependencies)."""
    return build(_identity_impl, input, name=name)


@op("NoOp", shape_fn=lambda specs, attrs: [])
def _no_op_impl() -> None:
    return None


def no_op(name: str | None = None) -> Operation:
    """An op that does nothing; run it for its control inputs."""
    return add_op(REGISTRY["NoOp"], [], {}, name)


def group(*inputs: Any, name: str | None = None) -> Operation:
    """An op that runs all ``inputs`` (ops or tensors), as TF1 ``tf.group``."""
    graph = get_default_graph()
    flat = _flatten(inputs)
    controls = [_as_op(graph, x) for x in flat]
    with graph.control_dependencies(controls):
        return no_op(name=name)


def tuple_(
    tensors: Sequence[Any],
    name: str | None = None,
    control_inputs: Sequence[Any] | None = None,
) -> list[Tensor]:
    """Identity of every tensor, each gated on all of them, as TF1 ``tf.tuple``."""
    graph = get_default_graph()
    gate = group(*tensors, *(control_inputs or ()), name=name)
    with graph.control_dependencies([gate]):
        return [identity(t) for t in tensors]


def _flatten(values: Any) -> list[Any]:
    result = []
    for value in values:
        if isinstance(value, list | tuple):
            result.extend(_flatten(value))
        elif value is not None:
            result.append(value)
    return result


def _as_op(graph: Any, value: Any) -> Operation:
    if isinstance(value, Operation):
        return value
    element = graph.as_graph_element(value)
    return element.op if isinstance(element, Tensor) else element


@op(
    "IsVariableInitialized",
    needs_context=True,
    effects=Effects(reads=Reads.OPTIONAL),
    shape_fn=lambda specs, attrs: [(_dtypes.bool_, ())],
)
def _is_initialized_impl(ctx: Interpreter, *, var_names: tuple[str, ...]) -> Any:
    return jnp.asarray(ctx.try_variable_value(var_names[0]) is not None)


def is_variable_initialized(variable: Any) -> Tensor:
    """A bool tensor: whether ``variable`` holds a value in the session."""
    variable = _as_variable(variable, "is_variable_initialized")
    return add_op(
        REGISTRY["IsVariableInitialized"],
        [],
        {"var_names": (variable.op.name,)},
        None,
        graph=variable.graph,
    )


def _initialized_value_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(_dtypes.as_dtype(specs[0].dtype), tuple(specs[0].shape))]


@op(
    "InitializedValue",
    needs_context=True,
    effects=Effects(reads=Reads.OPTIONAL),
    shape_fn=_initialized_value_spec,
    same_dtype=False,
)
def _initialized_value_impl(
    ctx: Interpreter, initial_value: Any, *, var_names: tuple[str, ...]
) -> Any:
    current = ctx.try_variable_value(var_names[0])
    return initial_value if current is None else current


def _uninitialized_names(op_: Operation, variables: Mapping[str, Any]) -> np.ndarray:
    """The names of ``op_``'s variables that hold no value in the session."""
    return np.array(
        [n.encode() for n in op_.attrs["names"] if n not in variables], dtype=object
    )


@op(
    "ReportUninitializedVariables",
    shape_fn=lambda specs, attrs: [(_dtypes.string, (fresh_dim(get_default_graph()),))],
    host_value=_uninitialized_names,
    host_only=True,
)
def _report_uninitialized_impl(*, names: tuple[str, ...]) -> Any:
    raise AssertionError("computed on the host (its OpDef's host_value)")


def report_uninitialized_variables(
    var_list: Sequence[Any] | None = None, name: str = "report_uninitialized_variables"
) -> Tensor:
    """A 1-D string tensor of the names of uninitialised variables (fetch it)."""
    names = tuple(
        v.op.name
        for v in (
            var_list
            if var_list is not None
            else get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
        )
    )
    return add_op(REGISTRY["ReportUninitializedVariables"], [], {"names": names}, name)


def feed_value_for(tensor: Tensor, value: Any) -> np.ndarray:
    """Checks and converts one fed value for ``tensor`` (used by the session)."""
    return as_numpy(value, tensor.dtype)
