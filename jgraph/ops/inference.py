"""Shape inference: an op's output dtypes and static shapes, from its impl.

Where it sits: used by the builder (``conversion.add_op``) for every op it adds.
The outputs come from running the op's implementation abstractly
(``jax.eval_shape``). Unknown (``None``) dims are JAX symbolic dims; where JAX
cannot unify independent unknown dims, or an input's rank is unknown, the
inference retries with stand-ins (see :func:`infer_outputs`). What
``jax.eval_shape`` cannot see at all -- a shape given as a tensor known only when
the run is traced (``tf.ones([tf.shape(x)[0], 10])``) -- an op's ``shape_rule``
answers, TF1's shape function. Where nothing says more, the outputs have unknown
dims or an unknown rank, as TF1's do, and the run checks the fed shapes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax import export as jax_export

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph
from jgraph.graph.shape import Shape, format_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import KEY_SPEC, OpDef, OutputSpecs


def spec_of(tensor: Tensor) -> jax.ShapeDtypeStruct | None:
    """The tensor's abstract value; ``None`` when its rank is unknown."""
    if tensor.dims is None:
        return None
    return jax.ShapeDtypeStruct(tensor.dims, tensor.dtype.np)


def _symbolic_scope(graph: Graph) -> Any:
    if graph.symbolic_scope is None:
        graph.symbolic_scope = jax_export.SymbolicScope()
    return graph.symbolic_scope


_symbol_counter = itertools.count()


def fresh_dim(graph: Graph) -> Any:
    """A new symbolic dimension standing for one unknown (``None``) size."""
    (dim,) = jax_export.symbolic_shape(
        f"d{next(_symbol_counter)}", scope=_symbolic_scope(graph)
    )
    return dim


def infer_outputs(
    opdef: OpDef,
    tensors: list[Tensor],
    attrs: dict[str, Any],
    graph: Graph,
    name: str | None,
) -> OutputSpecs:
    """Output (dtype, dims) pairs of ``opdef`` applied to ``tensors``.

    Where a shape is not known when the graph is built (an unknown dim or rank, a
    static input such as ``tf.shape(x)`` known only when the run is traced), the
    op's ``shape_rule`` (TF1's shape function) answers first; then the generic
    inference below. The run checks everything again with the fed shapes.
    """
    specs = [spec_of(t) for t in tensors]
    late = [n for n in opdef.static_inputs if n not in attrs and n in opdef.input_names]
    # Late values (static inputs not folded, tensor slice bounds) and unknown sizes.
    partial = (
        bool(late)
        or bool(opdef.shape_inputs(attrs))
        or any(s is None or not all(is_known(d) for d in s.shape) for s in specs)
    )
    if partial and opdef.shape_rule is not None:
        outputs = opdef.shape_rule(opdef.group_inputs(tensors, attrs), attrs)
        if outputs is not None:
            return [
                (
                    _dtypes.as_dtype(dtype),
                    None if dims is None else with_unknown_dims(graph, dims),
                )
                for dtype, dims in outputs
            ]
    if opdef.shape_fn is not None:
        return opdef.shape_fn(specs, attrs)
    if late:
        return _infer_with_dynamic_shape(opdef, tensors, attrs, graph, late[0])
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
    op_name = display_name(graph, opdef, name)
    shapes = ", ".join(format_shape(s.shape) for s in specs)
    message = str(first_error).split("\n")[0]
    raise ValueError(
        f"{message} for '{op_name}' (op: '{opdef.type}') with input shapes: {shapes}."
    ) from first_error


def display_name(graph: Graph, opdef: OpDef, name: str | None) -> str:
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
        # One shared dim can fix an output dim that really depends on the unknown
        # ones ((s - s) // 2 + 1 = 1 for a VALID conv of an unknown kernel): a dim
        # that changes when one unknown dim takes another size is unknown.
        # Only a known output size that no input has can come from them.
        sizes = {int(d) for s in specs for d in s.shape if is_known(d)}
        if any(
            is_known(d) and int(d) not in sizes
            for _, dims in outputs
            for d in dims or ()
        ):
            for other in _perturbed(opdef, specs, attrs, graph, positions):
                outputs = _unknown_where_different(outputs, other)
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


# Concrete sizes for the unknown dims when checking which outputs depend on them:
# all take the first, then one at a time the second (not 1: broadcasting; apart
# enough that strided and halved sizes change).
_PROBE_BASE, _PROBE_OTHER = 16, 21


def _perturbed(
    opdef: OpDef,
    specs: list[jax.ShapeDtypeStruct],
    attrs: dict[str, Any],
    graph: Graph,
    positions: list[tuple[int, int]],
) -> list[OutputSpecs]:
    """The outputs with every unknown dim set to one size, then with each unknown
    dim in turn set to another (the evaluations that succeed)."""
    results = []
    for changed in [None, *positions[:_MAX_SHAPE_RETRIES]]:
        concrete = [
            jax.ShapeDtypeStruct(
                tuple(
                    d
                    if is_known(d)
                    else (_PROBE_OTHER if (i, j) == changed else _PROBE_BASE)
                    for j, d in enumerate(s.shape)
                ),
                s.dtype,
            )
            for i, s in enumerate(specs)
        ]
        try:
            results.append(_eval_outputs(opdef, concrete, attrs, graph))
        except Exception:
            continue
    return results


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
    """Outputs when a static (shape) input is only known at run time and the op
    gives no ``shape_rule``, e.g. ``reshape(x, tf.shape(y))``: that input's length
    is the output rank, sizes unknown (unknown rank when the length is unknown)."""
    positions = opdef.input_positions(attrs)
    shape_input = tensors[positions.index(input_name)]
    data = next(t for n, t in zip(positions, tensors, strict=True) if n != input_name)
    length = shape_input.dims
    if length is None or len(length) != 1 or not is_known(length[0]):
        return [(data.dtype, None)]
    return [(data.dtype, tuple(fresh_dim(graph) for _ in range(int(length[0]))))]


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
                if t.dims is None
                else t.dims,
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
    if results and all(r == results[0] for r in results):
        return [(dtype, with_unknown_dims(graph, dims)) for dtype, dims in results[0]]
    if results:
        return [(dtype, None) for dtype, _ in results[0]]
    # No rank works with unknown sizes (``matmul(x, w)`` needs x's last dim to be
    # w's first): the outputs have unknown rank, as TF1 says; the run checks them.
    return [
        (dtype, None) for dtype in _probe_dtypes(opdef, tensors, attrs, graph, name)
    ]


_PROBE_SIZE = 64


def _probe_dtypes(
    opdef: OpDef,
    tensors: list[Tensor],
    attrs: dict[str, Any],
    graph: Graph,
    name: str | None,
) -> list[_dtypes.DType]:
    """The output dtypes of an op with an input of unknown rank.

    Output dtypes (and their number) never depend on input shapes, so the impl is
    evaluated on inputs whose every size is one number (which meets the
    constraints unknown sizes cannot: ``matmul``, ``concat``, ``top_k``), the
    inputs of unknown rank tried at ranks 0..4; only the dtypes are kept.
    """
    first_error: Exception | None = None
    for rank in range(5):
        specs = [
            jax.ShapeDtypeStruct(
                (_PROBE_SIZE,) * (rank if t.dims is None else len(t.dims)),
                t.dtype.np,
            )
            for t in tensors
        ]
        try:
            return [dtype for dtype, _ in _eval_outputs(opdef, specs, attrs, graph)]
        except Exception as err:
            first_error = first_error or err
    op_name = display_name(graph, opdef, name)
    shapes = ", ".join(format_shape(t.dims) for t in tensors)
    raise ValueError(
        f"Cannot infer the outputs of '{op_name}' (op: '{opdef.type}') with input"
        f" shapes: {shapes}: {str(first_error).splitlines()[0]}"
    ) from first_error


def _eval_outputs(
    opdef: OpDef, specs: list[jax.ShapeDtypeStruct], attrs: dict[str, Any], graph: Graph
) -> OutputSpecs:
    if opdef.stateful:
        var_specs = tuple(graph.variables[n].spec for n in attrs["var_names"])
        args: list[Any] = [var_specs, *specs]

        def fn(leading: Any, *xs: Any) -> Any:
            return opdef.call(leading, xs, attrs)[1]

    else:
        args = [KEY_SPEC, *specs] if opdef.random else [None, *specs]

        def fn(leading: Any, *xs: Any) -> Any:
            return opdef.call(leading, xs, attrs)

    # JAX has no strings: an op computing on them (``OpDef.strings``) is inferred
    # with a numeric dtype standing for them, which its string outputs keep.
    strings = opdef.strings is not None and any(
        isinstance(a, jax.ShapeDtypeStruct) and a.dtype == object for a in args
    )
    if strings:
        args = [
            jax.ShapeDtypeStruct(a.shape, _STRING_STAND_IN)
            if isinstance(a, jax.ShapeDtypeStruct) and a.dtype == object
            else a
            for a in args
        ]
    with jax.enable_x64(True):
        result = jax.eval_shape(fn, *args)
    flat = (
        result
        if isinstance(result, tuple | list)
        else ([] if result is None else [result])
    )
    return [
        (
            _dtypes.string
            if strings and s.dtype == _STRING_STAND_IN
            else _dtypes.as_dtype(s.dtype),
            tuple(s.shape),
        )
        for s in flat
    ]


# What strings are while inferring an op's outputs (``_eval_outputs``): a dtype that
# the ops computing on strings make only from their string inputs.
_STRING_STAND_IN = np.dtype(np.uint32)


def with_unknown_dims(graph: Graph, dims: Sequence[int | None]) -> tuple[Any, ...]:
    """Replaces ``None`` entries by fresh symbolic dims."""
    return tuple(fresh_dim(graph) if d is None else int(d) for d in dims)
