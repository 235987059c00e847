"""Stage 2: the op registry. ``@op`` is the only place an op type becomes known.

An op is a JAX implementation plus a decorator::

    @op("MatMul")
    def matmul(a, b, *, transpose_a=False, transpose_b=False):
        ...

Positional parameters are input tensors (a parameter named in ``list_inputs`` takes
a list of tensors); keyword-only parameters are static attributes. ``@op``
registers ``OpDef(type, impl)`` and returns the *builder* users call with TF1's
signature plus ``name=None``. The builder converts inputs, checks dtypes, infers
output shapes with ``jax.eval_shape`` (unknown dims become symbolic dims) and adds
the ``Operation`` to the default graph. Lowering (``_lower.py``) calls the same
``impl``, so shapes, values and gradients all come from one definition.

Op kinds, declared by decorator flags (the impl's leading parameters change):

- plain: ``impl(*inputs, **attrs)``.
- ``random=True``: ``impl(key, *inputs, **attrs)``, a fresh key per op and run.
- ``stateful=True``: ``impl(var_values, *inputs, **attrs) -> (new_values, outputs)``
  for the variables named by the op's ``var_names`` attr (``new_values`` may be
  ``None`` for a read).
- ``needs_context=True``: ``impl(ctx, *inputs, **attrs)`` where ``ctx`` is a
  :class:`LoweringContext`; such ops give ``shape_fn``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import jax
import numpy as np
from jax import export as jax_export

from jgraph import _dtypes
from jgraph._graph import Graph, Operation, Tensor, get_default_graph
from jgraph._shape import Shape, format_shape

KEY_SPEC = jax.ShapeDtypeStruct((2,), np.uint32)

OutputSpecs = list[tuple[_dtypes.DType, Shape | None]]  # None: unknown rank
ShapeFn = Callable[..., OutputSpecs]


class LoweringContext(Protocol):
    """What ``needs_context`` ops may ask of the lowering that runs them."""

    op: Operation

    def value(self, tensor: Tensor) -> Any:
        """The value computed for ``tensor`` earlier in this run."""
        ...

    def variable_value(self, name: str) -> Any:
        """The current (threaded) value of state entry ``name``."""
        ...

    def try_variable_value(self, name: str) -> Any:
        """Like :meth:`variable_value`, but ``None`` when it is not initialised."""
        ...

    def evaluate(
        self, targets: Sequence[Tensor], feeds: dict[Tensor, Any]
    ) -> list[Any]:
        """Evaluates ``targets`` from ``feeds`` alone (a function body in the graph)."""
        ...

    def call_function(
        self,
        targets: Sequence[Tensor],
        feeds: dict[Tensor, Any],
        state: dict[str, Any],
        iteration: Any = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        """Evaluates a graph function over the variable values ``state``; returns
        ``targets``' values and the new state (``iteration`` varies random ops)."""
        ...

    def write_state(self, name: str, value: Any) -> None:
        """Sets state entry ``name`` for the rest of the run and the next runs."""
        ...

    def recompute(
        self, targets: Sequence[Tensor], substitutions: dict[Any, Any]
    ) -> list[Any]:
        """Re-evaluates ``targets`` with some tensors or variables (by state name)
        replaced by other values; used to build functions to differentiate."""
        ...


@dataclass(frozen=True)
class OpDef:
    """One op type: its implementation and how the builder and lowering call it."""

    type: str
    impl: Callable[..., Any]
    input_names: tuple[str, ...]
    list_input: str | None = None
    static_inputs: frozenset[str] = frozenset()
    random: bool = False
    stateful: bool = False
    reads_state: bool = True
    needs_context: bool = False
    same_dtype: bool | tuple[str, ...] = True
    dtypes: frozenset[_dtypes.DType] | None = None
    shape_fn: ShapeFn | None = None
    num_outputs: int | None = None
    attr_names: tuple[str, ...] = ()
    attr_defaults: dict[str, Any] = field(default_factory=dict)
    fold: Callable[..., Any] | None = None

    @property
    def pure(self) -> bool:
        return not (self.random or self.stateful or self.needs_context)

    def call(
        self,
        leading: Any,
        inputs: Sequence[Any],
        attrs: dict[str, Any],
        impl: Callable[..., Any] | None = None,
    ) -> Any:
        """Calls ``impl`` (default: the op's) with the flat input values regrouped
        as the op declares."""
        impl = impl or self.impl
        args = self.group_inputs(inputs, attrs)
        impl_attrs = {k: attrs[k] for k in self.attr_names if k in attrs}
        if leading is None:
            return impl(*args, **impl_attrs)
        return impl(leading, *args, **impl_attrs)

    def group_inputs(self, inputs: Sequence[Any], attrs: dict[str, Any]) -> list[Any]:
        """Flat input values -> the impl's positional arguments (lists regrouped,
        static inputs folded at build time taken from ``attrs``)."""
        args: list[Any] = []
        position = 0
        for input_name in self.input_names:
            if input_name in self.static_inputs and input_name in attrs:
                args.append(attrs[input_name])
            elif input_name == self.list_input:
                count = attrs["_list_len"]
                args.append(list(inputs[position : position + count]))
                position += count
            else:
                args.append(inputs[position])
                position += 1
        return args


REGISTRY: dict[str, OpDef] = {}

# Op types whose fetched value the session computes on the host, from the op and the
# session's variables, instead of inside the jitted function (strings live here).
HOST_FETCHES: dict[str, Callable[[Operation, dict[str, Any]], Any]] = {
    "Const": lambda op, variables: op.attrs["value"],
}

# Op types whose fetched value is made on the host from what the jitted run computed
# for them (their *payload*: any pytree of arrays): ``fn(op, payload) -> value``.
# Such ops run inside the jitted function even when their output is a string tensor;
# only the final value (e.g. a serialized Summary protobuf) is built on the host.
HOST_FINALIZERS: dict[str, Callable[[Operation, Any], Any]] = {}


def _static_value(value: Any) -> Any:
    """A hashable form of a static value (lists become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_static_value(v) for v in value)
    if isinstance(value, np.ndarray):
        return _static_value(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def op(
    op_type: str,
    *,
    list_input: str | None = None,
    static_inputs: Sequence[str] = (),
    random: bool = False,
    stateful: bool = False,
    reads_state: bool = True,
    needs_context: bool = False,
    same_dtype: bool | tuple[str, ...] = True,
    dtypes: Collection[_dtypes.DType] | None = None,
    shape_fn: ShapeFn | None = None,
    num_outputs: int | None = None,
    fold: Callable[..., Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers ``impl`` under ``op_type`` and returns its graph builder.

    Args:
      op_type: the TF1 op-type string, e.g. ``"MatMul"``; also the default op name.
      list_input: name of the positional parameter that takes a list of tensors.
      static_inputs: positional parameters whose *values* must be known when the
        graph is built (a shape, an axis list); Python values and constant-foldable
        tensors are accepted and passed to ``impl`` as numpy values.
      random: the impl takes a PRNG key first.
      stateful: the impl takes the op's variables' values first and returns
        ``(new_values, outputs)``.
      reads_state: False for stateful ops that only write (``Assign``): they may
        run on uninitialised variables (getting ``None``), and so initialise them.
      needs_context: the impl takes a :class:`LoweringContext` first.
      same_dtype: all tensor inputs (or the named ones) must share one dtype;
        Python values are converted to it.
      dtypes: the element types the inputs may have (TF1's "allowed values"),
        checked when the graph is built; ``None`` allows any.
      shape_fn: ``(input_specs, attrs) -> [(dtype, dims), ...]`` for ops that
        ``jax.eval_shape`` cannot infer.
      num_outputs: fixed output count; default is whatever the impl returns.
      fold: the impl's numpy twin for ``constant_value`` (same arguments), for ops
        whose value can be given without materialising it (a broadcast view).
    """
    if op_type in REGISTRY:
        raise ValueError(f"Op type '{op_type}' is already registered.")

    def decorate(impl: Callable[..., Any]) -> Callable[..., Any]:
        params = list(inspect.signature(impl).parameters.values())
        skip = int(random or stateful or needs_context)
        positional = [
            p.name
            for p in params[skip:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        keyword_only = [p for p in params if p.kind == p.KEYWORD_ONLY]
        attr_defaults = {
            p.name: p.default for p in keyword_only if p.default is not p.empty
        }
        opdef = OpDef(
            type=op_type,
            impl=impl,
            input_names=tuple(positional),
            list_input=list_input,
            static_inputs=frozenset(static_inputs),
            random=random,
            stateful=stateful,
            reads_state=reads_state,
            needs_context=needs_context,
            same_dtype=same_dtype,
            dtypes=None if dtypes is None else frozenset(dtypes),
            shape_fn=shape_fn,
            num_outputs=num_outputs,
            attr_names=tuple(p.name for p in keyword_only),
            attr_defaults=attr_defaults,
            fold=fold,
        )
        REGISTRY[op_type] = opdef

        @functools.wraps(impl)
        def builder(*args: Any, name: str | None = None, **kwargs: Any) -> Any:
            bound = dict(zip(opdef.input_names, args, strict=False))
            if len(args) > len(opdef.input_names):
                raise TypeError(f"{op_type}: too many positional arguments")
            for key in list(kwargs):
                if key in opdef.input_names:
                    bound[key] = kwargs.pop(key)
            missing = [n for n in opdef.input_names if n not in bound]
            if missing:
                raise TypeError(f"{op_type}: missing input(s) {missing}")
            outputs = add_op(opdef, [bound[n] for n in opdef.input_names], kwargs, name)
            return outputs

        builder.op_type = op_type  # type: ignore[attr-defined]
        builder.opdef = opdef  # type: ignore[attr-defined]
        return builder

    return decorate


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
    # Underscored attrs are markers for pruning and lowering, never impl arguments.
    unknown = (
        {a for a in attrs if not a.startswith("_")}
        - set(opdef.attr_names)
        - {"var_names"}
    )
    if unknown:
        raise TypeError(f"{opdef.type} got unexpected argument(s) {sorted(unknown)}")
    tensors: list[Tensor] = []
    hint = _dtype_hint(opdef, raw_inputs)
    static_values = {
        input_name: _fold_static(raw)
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
                items = [_convert_input(v, target, graph, input_name) for v in raw]
                attrs["_list_len"] = len(items)
                tensors.extend(items)
            else:
                tensors.append(_convert_input(raw, target, graph, input_name))
    if opdef.dtypes is not None:
        for input_name, tensor in zip(
            _input_positions(opdef, attrs), tensors, strict=True
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
        op_._add_control_input(control)
    if not op_.outputs:
        return op_
    if (
        len(op_.outputs) == 1
        and opdef.num_outputs in (None, 1)
        and not _returns_tuple(opdef)
    ):
        return op_.outputs[0]
    return op_.outputs


def _convert_input(
    raw: Any, hint: _dtypes.DType | None, graph: Graph, input_name: str
) -> Tensor:
    """One op input as a Tensor: Python values adopt ``hint``; tensors keep their
    dtype, so a mismatch reaches ``_check_same_dtype`` (TypeError, as TF1)."""
    if _as_tensor_or_none(raw) is not None:
        return convert_to_tensor(raw, graph=graph)
    return convert_to_tensor(raw, hint, name=input_name, graph=graph)


def convert_inputs(values: Sequence[Any], graph: Graph | None = None) -> list[Tensor]:
    """Converts several inputs of one op as ``add_op`` does: Python values adopt the
    dtype of the first tensor among them (as TF1)."""
    graph = graph or _graph_of(values) or get_default_graph()
    hint = next(
        (t.dtype for t in map(_as_tensor_or_none, values) if t is not None), None
    )
    return [_convert_input(v, hint, graph, "x") for v in values]


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
    return raw is not None and _as_tensor_or_none(raw) is None


def _returns_tuple(opdef: OpDef) -> bool:
    return opdef.num_outputs is not None and opdef.num_outputs != 1


def _graph_of(values: Sequence[Any]) -> Graph | None:
    for value in values:
        if isinstance(value, list | tuple):
            found = _graph_of(value)
            if found is not None:
                return found
            continue
        tensor = _as_tensor_or_none(value)
        if tensor is not None:
            return tensor.graph
    return None


def _as_tensor_or_none(value: Any) -> Tensor | None:
    if isinstance(value, Tensor):
        return value
    as_tensor = getattr(value, "_as_tensor", None)
    return as_tensor() if as_tensor is not None else None


def _dtype_hint(opdef: OpDef, raw_inputs: Sequence[Any]) -> _dtypes.DType | None:
    names = opdef.input_names
    for input_name, raw in zip(names, raw_inputs, strict=True):
        if opdef.same_dtype is not True and input_name not in (opdef.same_dtype or ()):
            continue
        candidates = raw if input_name == opdef.list_input else [raw]
        for candidate in candidates:
            tensor = _as_tensor_or_none(candidate)
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
        positions = _input_positions(opdef, attrs)
        checked = [
            t for n, t in zip(positions, tensors, strict=True) if n in opdef.same_dtype
        ]
    dtypes = {t.dtype for t in checked}
    if len(dtypes) > 1:
        op_name = _display_name(graph, opdef, name)
        listing = ", ".join(f"{t.name}: {t.dtype.name}" for t in checked)
        raise TypeError(
            f"Input dtypes of '{op_name}' (op: '{opdef.type}') must all match, got"
            f" {listing}. Use jg.cast to convert one of them."
        )


def _input_positions(opdef: OpDef, attrs: dict[str, Any]) -> list[str]:
    """The input name of each flat input slot (after static inputs were folded)."""
    names = []
    for input_name in opdef.input_names:
        if input_name in attrs and input_name in opdef.static_inputs:
            continue
        if input_name == opdef.list_input:
            names.extend([input_name] * attrs["_list_len"])
        else:
            names.append(input_name)
    return names


# -- shape inference ---------------------------------------------------------------


def spec_of(tensor: Tensor) -> jax.ShapeDtypeStruct | None:
    """The tensor's abstract value; ``None`` when its rank is unknown."""
    if tensor._dims is None:
        return None
    return jax.ShapeDtypeStruct(tensor._dims, tensor.dtype.np)


def _symbolic_scope(graph: Graph) -> Any:
    if graph._symbolic_scope is None:
        graph._symbolic_scope = jax_export.SymbolicScope()
    return graph._symbolic_scope


_symbol_counter = itertools.count()


def fresh_dim(graph: Graph) -> Any:
    """A new symbolic dimension standing for one unknown (``None``) size."""
    (dim,) = jax_export.symbolic_shape(
        f"d{next(_symbol_counter)}", scope=_symbolic_scope(graph)
    )
    return dim


def is_known(dim: Any) -> bool:
    return isinstance(dim, int | np.integer)


def infer_outputs(
    opdef: OpDef,
    tensors: list[Tensor],
    attrs: dict[str, Any],
    graph: Graph,
    name: str | None,
) -> OutputSpecs:
    """Output (dtype, dims) pairs of ``opdef`` applied to ``tensors``, via eval_shape."""
    specs = [spec_of(t) for t in tensors]
    if opdef.shape_fn is not None:
        return opdef.shape_fn(specs, attrs)
    dynamic = [n for n in opdef.static_inputs if n not in attrs]
    if dynamic:
        return _infer_with_dynamic_shape(opdef, tensors, attrs, graph, dynamic[0])
    known_specs = [s for s in specs if s is not None]
    if len(known_specs) < len(specs):
        return _infer_with_unknown_rank(opdef, tensors, attrs, graph, name)
    specs = known_specs
    try:
        return _eval_outputs(opdef, specs, attrs, graph)
    except Exception as err:
        first_error = err
    # Independent unknown dims do not unify in JAX ((b1,3) + (b2,3) fails), nor may an
    # unknown dim stand for a known one ((b,3) + (4,3), (b1,3) @ (b2,4)); TF1 accepts
    # such graphs, so retry (see _retry_unknown_dims).
    if any(not is_known(d) for s in specs for d in s.shape):
        outputs = _retry_unknown_dims(opdef, specs, attrs, graph)
        if outputs is not None:
            return outputs
    op_name = _display_name(graph, opdef, name)
    shapes = ", ".join(format_shape(s.shape) for s in specs)
    message = str(first_error).split("\n")[0]
    raise ValueError(
        f"{message} for '{op_name}' (op: '{opdef.type}') with input shapes: {shapes}."
    ) from first_error


def _display_name(graph: Graph, opdef: OpDef, name: str | None) -> str:
    """The name the op being built would get, for error messages."""
    if name is not None and name.endswith("/"):
        return name[:-1]  # a scope name, taken verbatim
    return graph.unique_name(name or opdef.type, mark_as_used=False)


_MAX_SHAPE_RETRIES = 48


def _retry_unknown_dims(
    opdef: OpDef,
    specs: list[jax.ShapeDtypeStruct],
    attrs: dict[str, Any],
    graph: Graph,
) -> OutputSpecs | None:
    """Outputs of an op whose inference failed on inputs with unknown dims, or None.

    Tries the unknown dims as one shared dim, then one or two of them set to a known
    dim of the inputs (the first that works wins). A substituted dim may only show
    in the outputs where it was forced: output dims that change when the substituted
    dims change (tried with +1 and with 1) become unknown again.
    """
    shared = fresh_dim(graph)
    positions = [
        (i, j)
        for i, s in enumerate(specs)
        for j, d in enumerate(s.shape)
        if not is_known(d)
    ]
    candidates = sorted(
        {int(d) for s in specs for d in s.shape if is_known(d) and d > 1}
    )

    def attempt(assigned: dict[tuple[int, int], int]) -> OutputSpecs | None:
        retry = [
            jax.ShapeDtypeStruct(
                tuple(
                    d if is_known(d) else assigned.get((i, j), shared)
                    for j, d in enumerate(s.shape)
                ),
                s.dtype,
            )
            for i, s in enumerate(specs)
        ]
        try:
            return _eval_outputs(opdef, retry, attrs, graph)
        except Exception:
            return None

    def forget_unknown(outputs: OutputSpecs) -> OutputSpecs:
        return [
            (dtype, None if dims is None else _fresh_unknown(dims, graph))
            for dtype, dims in outputs
        ]

    outputs = attempt({})
    if outputs is not None:
        return forget_unknown(outputs)
    tries = 1
    for count in (1, 2):
        for chosen in itertools.combinations(positions, count):
            for values in itertools.product(candidates, repeat=count):
                if tries >= _MAX_SHAPE_RETRIES:
                    return None
                tries += 1
                assigned = dict(zip(chosen, values, strict=True))
                outputs = attempt(assigned)
                if outputs is None:
                    continue
                for shift in (lambda v: v + 1, lambda v: 1):
                    other = attempt({p: shift(v) for p, v in assigned.items()})
                    if other is not None:
                        outputs = _unknown_where_different(outputs, other)
                return forget_unknown(outputs)
    return None


def _fresh_unknown(dims: Shape, graph: Graph) -> tuple[Any, ...]:
    return tuple(d if is_known(d) else fresh_dim(graph) for d in dims)


def _unknown_where_different(a: OutputSpecs, b: OutputSpecs) -> OutputSpecs:
    """``a`` with the dims that differ from ``b`` made unknown (``None`` ranks too)."""
    result: OutputSpecs = []
    for (dtype, dims), (_, other) in zip(a, b, strict=True):
        if dims is None or other is None or len(dims) != len(other):
            result.append((dtype, None))
            continue
        result.append(
            (
                dtype,
                tuple(
                    d if is_known(d) and is_known(o) and d == o else _UNKNOWN
                    for d, o in zip(dims, other, strict=True)
                ),
            )
        )
    return result


# Marks a dim for ``_fresh_unknown`` to replace by a fresh symbolic dim.
_UNKNOWN = object()


def _infer_with_dynamic_shape(
    opdef: OpDef,
    tensors: list[Tensor],
    attrs: dict[str, Any],
    graph: Graph,
    input_name: str,
) -> OutputSpecs:
    """Outputs when a static (shape) input is only known at run time, e.g.
    ``reshape(x, tf.shape(y))``: the dims the shape tensor will hold, as far as the
    graph shows them (as TF1's ``constant_value_as_shape``): ``tf.shape(y)`` gives
    ``y``'s dims, a stack of scalars the ones that fold; other sizes are unknown."""
    positions = _input_positions(opdef, attrs)
    shape_input = tensors[positions.index(input_name)]
    data = next(t for n, t in zip(positions, tensors, strict=True) if n != input_name)
    source = shape_input.op
    if source.type == "Shape":
        return [(data.dtype, source.inputs[0]._dims)]
    if (
        shape_input._dims is None
        or len(shape_input._dims) != 1
        or not is_known(shape_input._dims[0])
    ):
        raise ValueError(
            f"{opdef.type}: the length of '{input_name}' ({shape_input.name}) must be known"
            " when the graph is built."
        )
    if source.type == "Pack" and all(t._dims == () for t in source.inputs):
        folded = [constant_value(t) for t in source.inputs]
        return [
            (
                data.dtype,
                tuple(fresh_dim(graph) if v is None else int(v) for v in folded),
            )
        ]
    return [
        (data.dtype, tuple(fresh_dim(graph) for _ in range(int(shape_input._dims[0]))))
    ]


def _infer_with_unknown_rank(
    opdef: OpDef,
    tensors: list[Tensor],
    attrs: dict[str, Any],
    graph: Graph,
    name: str | None,
) -> OutputSpecs:
    """Outputs of an op on an input of unknown rank, found by trying ranks 0..4 for it.

    When every rank that works gives the same output shapes (reshaping to ``[]``, a
    scalar ``keep_prob`` broadcast against a known tensor), those shapes are used;
    otherwise the outputs have unknown rank, as TF1 would often say.
    """
    results = []
    for rank in range(5):
        specs = [
            jax.ShapeDtypeStruct(
                tuple(fresh_dim(graph) for _ in range(rank))
                if t._dims is None
                else t._dims,
                t.dtype.np,
            )
            for t in tensors
        ]
        try:
            outputs = _eval_outputs(opdef, specs, attrs, graph)
        except Exception:
            continue
        results.append(
            [
                (dtype, tuple(d if is_known(d) else None for d in dims or ()))
                for dtype, dims in outputs
            ]
        )
    if not results:
        op_name = _display_name(graph, opdef, name)
        raise ValueError(
            f"Cannot infer the outputs of '{op_name}' (op: '{opdef.type}') from inputs of"
            " unknown rank; give the placeholder a shape."
        )
    if all(r == results[0] for r in results):
        return [(dtype, with_unknown_dims(graph, dims)) for dtype, dims in results[0]]
    return [(dtype, None) for dtype, _ in results[0]]


def _eval_outputs(
    opdef: OpDef, specs: list[jax.ShapeDtypeStruct], attrs: dict[str, Any], graph: Graph
) -> OutputSpecs:
    if opdef.stateful:
        var_specs = tuple(graph._variables[n].spec for n in attrs["var_names"])
        args: list[Any] = [var_specs, *specs]

        def fn(leading: Any, *xs: Any) -> Any:
            return opdef.call(leading, xs, attrs)[1]

    else:
        args = [KEY_SPEC, *specs] if opdef.random else [None, *specs]

        def fn(leading: Any, *xs: Any) -> Any:
            return opdef.call(leading, xs, attrs)

    with jax.enable_x64(True):
        result = jax.eval_shape(fn, *args)
    flat = (
        result
        if isinstance(result, tuple | list)
        else ([] if result is None else [result])
    )
    return [(_dtypes.as_dtype(s.dtype), tuple(s.shape)) for s in flat]


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
    tensor = _as_tensor_or_none(value)
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
    if isinstance(value, list | tuple) and _contains_tensor(value):
        from jgraph.ops.array_ops import stack  # auto-packing, as TF1

        # As TF1: Python items become constants named by position ('packed/1').
        scope_graph = graph or _graph_of(value) or get_default_graph()
        with scope_graph.name_scope(name or "packed") as scope:
            items = [
                convert_to_tensor(v, dtype, name=str(i), graph=graph)
                for i, v in enumerate(value)
            ]
            return stack(items, name=scope)
    target = dtype if dtype is not None else preferred_dtype
    return constant(value, dtype=target, name=name, graph=graph)


def _contains_tensor(values: Any) -> bool:
    return any(
        _as_tensor_or_none(v) is not None
        or (isinstance(v, list | tuple) and _contains_tensor(v))
        for v in values
    )


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
    return value.encode() if isinstance(value, str) else bytes(value)


def _is_text(value: Any) -> bool:
    if isinstance(value, str | bytes):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "SUO"
    if isinstance(value, list | tuple) and value:
        return _is_text(value[0])
    return False


@op(
    "Const",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [
        (_dtypes.as_dtype(attrs["value"].dtype), attrs["value"].shape)
    ],
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


def constant_value(tensor: Any) -> np.ndarray | None:
    """The value of ``tensor`` if it can be computed when the graph is built, else None.

    Folds constants and pure ops on them (and ``Shape`` of fully known shapes).
    Fills (``tf.zeros`` of a big shape, ...) fold to read-only broadcast views, so
    folding them takes no memory.
    """
    tensor = _as_tensor_or_none(tensor)
    if tensor is None:
        return None
    op_ = tensor.op
    if op_.type == "Const":
        return op_.attrs["value"]
    opdef = REGISTRY.get(op_.type)
    if (
        opdef is None
        or not opdef.pure
        or op_.type in ("Placeholder", "PlaceholderWithDefault")
        or op_.control_inputs
    ):
        return None
    if opdef.shape_fn is not None and op_.type not in _FOLDABLE_WITH_SHAPE_FN:
        return None
    if op_.type in _SHAPE_OPS:
        dims = op_.inputs[0]._dims
        if dims is None or not all(is_known(d) for d in dims):
            return None
        # A stand-in of the right shape that takes no memory (zero strides).
        values = [np.broadcast_to(np.zeros((), op_.inputs[0].dtype.np), dims)]
    else:
        values = [constant_value(t) for t in op_.inputs]
        if any(v is None for v in values):
            return None
    with jax.enable_x64(True), jax.ensure_compile_time_eval():
        result = opdef.call(None, values, op_.attrs, opdef.fold)
    result = result[tensor.value_index] if isinstance(result, tuple | list) else result
    return np.asarray(result)


_SHAPE_OPS = frozenset({"Shape", "Size", "Rank"})
# Pure ops with a shape_fn that fold like the others (shape arithmetic uses them).
_FOLDABLE_WITH_SHAPE_FN = _SHAPE_OPS | {"Slice", "Squeeze", "BroadcastTo"}


def _fold_static(value: Any) -> Any:
    """A static input's value as a hashable Python value, or None if only known at run time."""
    tensor = _as_tensor_or_none(value)
    if tensor is None:
        if isinstance(value, list | tuple) and _contains_tensor(value):
            folded = [_fold_static(v) for v in value]
            return None if any(f is None for f in folded) else tuple(folded)
        return _static_value(value) if value is not None else None
    folded = constant_value(tensor)
    return None if folded is None else _static_value(folded)


def with_unknown_dims(graph: Graph, dims: Sequence[int | None]) -> tuple[Any, ...]:
    """Replaces ``None`` entries by fresh symbolic dims."""
    return tuple(fresh_dim(graph) if d is None else int(d) for d in dims)


__all__ = [
    "REGISTRY",
    "LoweringContext",
    "OpDef",
    "add_op",
    "constant",
    "constant_value",
    "convert_to_tensor",
    "op",
]
