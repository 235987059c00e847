"""Input conversion and the builder: raw Python values and tensors -> graph ops.

``build(impl, *inputs, name=None, **attrs)`` adds one op of ``impl``'s registered
type to the graph (see ``registry.py``): it converts the inputs (Python values
become ``Const`` ops, lists holding tensors are packed, as TF1), checks their
dtypes, infers the outputs (``inference.py``) and creates the ``Operation``.
``convert_to_tensor``, ``constant`` and ``as_numpy`` are TF1's conversions.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, Operation, get_default_graph
from jgraph.graph.tensor import Tensor, as_tensor_or_none, contains_tensor
from jgraph.ops.folding import fold_static
from jgraph.ops.inference import display_name, infer_outputs
from jgraph.ops.registry import REGISTRY, Fold, OpDef, Strings, op, opdef_of


def build(
    impl: Callable[..., Any], *args: Any, name: str | None = None, **kwargs: Any
) -> Any:
    """Adds one op of ``impl``'s registered type to the graph, as its TF1 builder.

    ``args`` (and ``kwargs`` naming inputs) are the op's inputs: tensors, Python
    values or lists of them; the other ``kwargs`` are its static attributes.

    Returns its single output tensor, a tuple of outputs, or the Operation when it
    has no outputs.
    """
    opdef = opdef_of(impl)
    bound = dict(zip(opdef.input_names, args, strict=False))
    if len(args) > len(opdef.input_names):
        raise TypeError(f"{opdef.type}: too many positional arguments")
    for key in list(kwargs):
        if key in opdef.input_names:
            bound[key] = kwargs.pop(key)
    missing = [n for n in opdef.input_names if n not in bound]
    if missing:
        raise TypeError(f"{opdef.type}: missing input(s) {missing}")
    return add_op(opdef, [bound[n] for n in opdef.input_names], kwargs, name)


def builder_of(impl: Callable[..., Any]) -> Callable[..., Any]:
    """The TF1 builder of ``impl``'s op when it needs no more than :func:`build`:
    ``f(*inputs, name=None, **attrs)``, documented by ``impl``'s docstring."""

    @functools.wraps(impl)
    def build_op(*args: Any, name: str | None = None, **kwargs: Any) -> Any:
        return build(impl, *args, name=name, **kwargs)

    return build_op


def add_op(
    opdef: OpDef,
    raw_inputs: Sequence[Any],
    attrs: dict[str, Any],
    name: str | None,
    *,
    graph: Graph | None = None,
    control_inputs: Sequence[Operation] = (),
) -> Any:
    """Builds one op: converts inputs, infers outputs, adds it to the graph.

    Returns its single output tensor, a tuple of outputs, or the Operation when it
    has no outputs.
    """
    graph = graph or _graph_of(raw_inputs) or get_default_graph()
    attrs = {**opdef.attr_defaults, **attrs}
    # Underscored attrs are the op's own build-time data (a shape_fn's, the list
    # length), never impl arguments; ``var_names`` and the declared attrs are read
    # through the OpDef.
    unknown = (
        {a for a in attrs if not a.startswith("_")}
        - set(opdef.attr_names)
        - {"var_names"}
        - opdef.declared_attrs
    )
    if unknown:
        raise TypeError(f"{opdef.type} got unexpected argument(s) {sorted(unknown)}")
    if opdef.random:
        # TF1 fixes an op's seeds when it is built (``OpDef.rng``).
        seed = attrs.get("seed")
        attrs["_rng"] = graph.random_op(None if seed is None else int(seed))
    tensors: list[Tensor] = []
    hint = _dtype_hint(opdef, raw_inputs)
    static_values = {
        input_name: fold_static(raw)
        for input_name, raw in zip(opdef.input_names, raw_inputs, strict=True)
        if input_name in opdef.static_inputs
    }
    # As TF1: Python values become constants inside the op's own name scope, named
    # after the input (``tf.add(x, 2)`` makes ``Add/y``); the op takes the scope's name.
    scope = contextlib.nullcontext(name)
    if (name is None or not name.endswith("/")) and any(
        static_values.get(n) is None and _holds_python_value(raw)
        for n, raw in zip(opdef.input_names, raw_inputs, strict=True)
    ):
        scope = graph.name_scope(name or opdef.type)
    with scope as name:
        for input_name, raw in zip(opdef.input_names, raw_inputs, strict=True):
            if static_values.get(input_name) is not None:
                attrs[input_name] = static_values[input_name]
                continue
            wants_hint = opdef.same_dtype is True or (
                isinstance(opdef.same_dtype, tuple) and input_name in opdef.same_dtype
            )
            target = hint if wants_hint else None
            if input_name == opdef.list_input:
                items = [convert_input(v, target, graph, input_name) for v in raw]
                attrs["_list_len"] = len(items)
                tensors.extend(items)
            else:
                tensors.append(convert_input(raw, target, graph, input_name))
    if opdef.dtypes is not None:
        for input_name, tensor in zip(
            opdef.input_positions(attrs), tensors, strict=True
        ):
            check_dtype(tensor, opdef.dtypes, opdef.type, input_name)
    _check_same_dtype(opdef, tensors, attrs, graph, name)
    output_specs = infer_outputs(opdef, tensors, attrs, graph, name)
    op_ = graph.create_op(
        opdef.type,
        tensors,
        output_specs,
        name=name,
        default_name=opdef.type,
        attrs=attrs,
    )
    for control in control_inputs:
        op_.add_control_input(control)
    if not op_.outputs:
        return op_
    if (
        len(op_.outputs) == 1
        and opdef.num_outputs in (None, 1)
        and not _returns_tuple(opdef)
    ):
        return op_.outputs[0]
    return op_.outputs


def convert_input(
    raw: Any, hint: _dtypes.DType | None, graph: Graph, input_name: str
) -> Tensor:
    """One op input as a Tensor: Python values adopt ``hint``; tensors keep their
    dtype, so a mismatch reaches ``_check_same_dtype`` (TypeError, as TF1)."""
    if as_tensor_or_none(raw) is not None:
        return convert_to_tensor(raw, graph=graph)
    return convert_to_tensor(raw, hint, name=input_name, graph=graph)


def convert_inputs(values: Sequence[Any], graph: Graph | None = None) -> list[Tensor]:
    """Converts several inputs of one op as ``add_op`` does: Python values adopt the
    dtype of the first tensor among them (as TF1)."""
    graph = graph or _graph_of(values) or get_default_graph()
    hint = next(
        (t.dtype for t in map(as_tensor_or_none, values) if t is not None), None
    )
    return [convert_input(v, hint, graph, "x") for v in values]


def check_dtype(
    tensor: Tensor, allowed: Collection[_dtypes.DType], op_type: str, param: str
) -> None:
    """Raises TF1's ``TypeError`` when ``tensor``'s dtype is not ``allowed`` for the op."""
    if tensor.dtype not in allowed:
        order = {d: i for i, d in enumerate(_dtypes.ALL)}
        names = ", ".join(d.name for d in sorted(allowed, key=order.__getitem__))
        raise TypeError(
            f"Value passed to parameter '{param}' of '{op_type}' ({tensor.name}) has"
            f" DataType {tensor.dtype.name} not in list of allowed values: {names}"
        )


def _holds_python_value(raw: Any) -> bool:
    """Whether building an input from ``raw`` creates a constant (not just a tensor)."""
    if isinstance(raw, list | tuple):
        return any(_holds_python_value(v) for v in raw)
    return raw is not None and as_tensor_or_none(raw) is None


def _returns_tuple(opdef: OpDef) -> bool:
    return opdef.num_outputs is not None and opdef.num_outputs != 1


def _graph_of(values: Sequence[Any]) -> Graph | None:
    for value in values:
        if isinstance(value, list | tuple):
            found = _graph_of(value)
            if found is not None:
                return found
            continue
        tensor = as_tensor_or_none(value)
        if tensor is not None:
            return tensor.graph
    return None


def _dtype_hint(opdef: OpDef, raw_inputs: Sequence[Any]) -> _dtypes.DType | None:
    names = opdef.input_names
    for input_name, raw in zip(names, raw_inputs, strict=True):
        if opdef.same_dtype is not True and input_name not in (opdef.same_dtype or ()):
            continue
        candidates = raw if input_name == opdef.list_input else [raw]
        for candidate in candidates:
            tensor = as_tensor_or_none(candidate)
            if tensor is not None:
                return tensor.dtype
    return None


def _check_same_dtype(
    opdef: OpDef,
    tensors: list[Tensor],
    attrs: dict[str, Any],
    graph: Graph,
    name: str | None,
) -> None:
    if opdef.same_dtype is False or len(tensors) < 2:
        return
    if opdef.same_dtype is True:
        checked = tensors
    else:
        positions = opdef.input_positions(attrs)
        checked = [
            t for n, t in zip(positions, tensors, strict=True) if n in opdef.same_dtype
        ]
    dtypes = {t.dtype for t in checked}
    if len(dtypes) > 1:
        op_name = display_name(graph, opdef, name)
        listing = ", ".join(f"{t.name}: {t.dtype.name}" for t in checked)
        raise TypeError(
            f"Input dtypes of '{op_name}' (op: '{opdef.type}') must all match, got"
            f" {listing}. Use jg.cast to convert one of them."
        )


# -- conversion ----------------------------------------------------------------------


def convert_to_tensor(
    value: Any,
    dtype: Any = None,
    name: str | None = None,
    preferred_dtype: Any = None,
    *,
    graph: Graph | None = None,
) -> Tensor:
    """Converts a Tensor, Variable, numpy array or Python value to a Tensor.

    Python values become ``Const`` ops (TF1 dtypes: int -> int32, float -> float32)
    unless ``dtype`` says otherwise; lists holding tensors are stacked, as TF1.
    """
    tensor = as_tensor_or_none(value)
    if tensor is not None:
        if dtype is not None and tensor.dtype != _dtypes.as_dtype(dtype):
            raise ValueError(
                f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for"
                f" Tensor with dtype {tensor.dtype.name}: {tensor}"
            )
        return tensor
    if isinstance(value, Operation):
        raise TypeError(
            f"Can't convert Operation '{value.name}' to Tensor (did you mean"
            f" {value.name}:0 or to run it for its effect?)"
        )
    if isinstance(value, list | tuple) and contains_tensor(value):
        # Auto-packing, as TF1: Python items become constants named by position
        # inside the pack's scope ('packed/1').
        scope_graph = graph or _graph_of(value) or get_default_graph()
        with scope_graph.name_scope(name or "packed") as scope:
            tensors = [
                convert_to_tensor(v, dtype, name=str(i), graph=graph)
                for i, v in enumerate(value)
            ]
            return pack_tensors(tensors, 0, scope)
    target = dtype if dtype is not None else preferred_dtype
    return constant(value, dtype=target, name=name, graph=graph)


def as_numpy(value: Any, dtype: Any = None) -> np.ndarray:
    """``value`` as a numpy array of ``dtype`` (TF1 defaults when ``None``), checked.

    Raises ``TypeError`` like TF1 when a value would change in the conversion (a
    float to an int dtype, a number to bool).
    """
    target = _dtypes.as_dtype(dtype) if dtype is not None else None
    if target is _dtypes.string or (target is None and _is_text(value)):
        # TF1 strings are bytes; str values are UTF-8 encoded, as TF1 does.
        array = np.asarray(value, dtype=object)
        return np.vectorize(_as_bytes, otypes=[object])(array) if array.size else array
    array = np.asarray(value)
    if target is None:
        target = _dtypes.dtype_of_python_value(value)
        if array.dtype.kind == "i" and array.size and target is _dtypes.int32:
            if (
                array.max() > np.iinfo(np.int32).max
                or array.min() < np.iinfo(np.int32).min
            ):
                target = _dtypes.int64
    if array.dtype.kind in "fc" and (target.is_integer or target.is_bool):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise TypeError(
                f"Expected {target.name}, got {value!r} of type"
                f" '{type(value).__name__}' instead."
            )
    if target.is_bool and array.dtype.kind != "b":
        raise TypeError(
            f"Expected bool, got {value!r} of type '{type(value).__name__}' instead."
        )
    return array.astype(target.np, copy=False)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return bytes(value)
    # Not bytes(value): an int would make that many zero bytes.
    raise TypeError(
        f"Expected string, but got {value!r} of type '{type(value).__name__}'."
    )


def _is_text(value: Any) -> bool:
    if isinstance(value, str | bytes):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "SUO"
    if isinstance(value, list | tuple) and value:
        return _is_text(value[0])
    return False


@op("Pack", list_input="values", strings=Strings.BY_POSITION)
def _pack_impl(values: Sequence[Any], *, axis: int = 0) -> Any:
    return jnp.stack(values, axis)


def pack_tensors(values: Sequence[Any], axis: int, name: str | None) -> Tensor:
    """Stacks same-shaped tensors along a new ``axis`` (one ``Pack`` op): what
    ``tf.stack`` builds, and what conversion makes of a list holding tensors."""
    return build(_pack_impl, list(values), axis=axis, name=name)


def _const_value(op_: Operation, variables: Mapping[str, Any]) -> np.ndarray:
    """A constant's fetched value: its own, no run needed."""
    del variables
    return op_.attrs["value"]


@op(
    "Const",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [
        (_dtypes.as_dtype(attrs["value"].dtype), attrs["value"].shape)
    ],
    host_value=_const_value,
    fold=Fold.VALUES,
)
def _const_impl(*, value: np.ndarray, dtype: Any = None) -> np.ndarray:
    """A constant; lowering hands its numpy value to JAX as it is."""
    return value


def constant(
    value: Any,
    dtype: Any = None,
    shape: Sequence[int] | None = None,
    name: str | None = "Const",
    verify_shape: bool = False,
    *,
    graph: Graph | None = None,
) -> Tensor:
    """A constant tensor, as TF1 ``tf.constant``.

    Args:
      value: a Python value or numpy array.
      dtype: element type; default from ``value`` (int -> int32, float -> float32).
      shape: if given, a scalar ``value`` is broadcast to it (TF1 behaviour), and
        a value of the same size is reshaped to it.
      name: op name.
      verify_shape: require ``value`` to have exactly ``shape``.

    >>> print(constant([1, 2, 3], name="b"))  # doctest: +SKIP
    Tensor("b:0", shape=(3,), dtype=int32)
    """
    array = as_numpy(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if verify_shape and array.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, got {array.shape}.")
        if array.size == 1:
            array = np.broadcast_to(array.reshape(()), shape)
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        else:
            raise ValueError(
                f"Too many elements provided. Needed at most {int(np.prod(shape))},"
                f" but received {array.size}"
            )
    array = np.array(array)  # own, writable-free copy the user cannot mutate later
    array.setflags(write=False)
    return add_op(
        REGISTRY["Const"], [], {"value": array, "dtype": None}, name, graph=graph
    )
