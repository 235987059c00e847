"""Math ops, as TF1's ``math_ops``: elementwise, matmul, reductions, comparisons, cast.

TF1 result dtypes are kept: int / int true division gives float64 (float32 for
8- and 16-bit ints), ``argmax`` gives int64, ``reduce_mean`` of ints stays an int
(truncating), ``//`` and ``%`` floor, ``round`` is half-to-even.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph import _dtypes
from jgraph._graph import Tensor, bind_operators, get_default_graph
from jgraph._registry import convert_to_tensor, op


def _binary(op_type: str, fn: Any, doc: str) -> Any:
    def impl(x: Any, y: Any) -> Any:
        return fn(x, y)

    impl.__doc__ = doc
    impl.__name__ = op_type
    return op(op_type)(impl)


add = _binary("Add", jnp.add, "x + y, elementwise with broadcasting.")
subtract = _binary("Sub", jnp.subtract, "x - y, elementwise with broadcasting.")
multiply = _binary("Mul", jnp.multiply, "x * y, elementwise with broadcasting.")
maximum = _binary("Maximum", jnp.maximum, "max(x, y), elementwise.")
minimum = _binary("Minimum", jnp.minimum, "min(x, y), elementwise.")
squared_difference = _binary(
    "SquaredDifference", lambda x, y: jnp.square(x - y), "(x - y)**2, elementwise."
)
pow = _binary("Pow", jnp.power, "x ** y, elementwise.")
floormod = _binary("FloorMod", jnp.mod, "x mod y with the sign of y (Python %).")
mod = floormod
atan2 = _binary("Atan2", jnp.arctan2, "atan(y / x) with quadrant, elementwise.")
equal = _binary("Equal", jnp.equal, "x == y, elementwise (bool).")
not_equal = _binary("NotEqual", jnp.not_equal, "x != y, elementwise (bool).")
less = _binary("Less", jnp.less, "x < y, elementwise (bool).")
less_equal = _binary("LessEqual", jnp.less_equal, "x <= y, elementwise (bool).")
greater = _binary("Greater", jnp.greater, "x > y, elementwise (bool).")
greater_equal = _binary(
    "GreaterEqual", jnp.greater_equal, "x >= y, elementwise (bool)."
)
logical_and = _binary("LogicalAnd", jnp.logical_and, "x and y, elementwise on bools.")
logical_or = _binary("LogicalOr", jnp.logical_or, "x or y, elementwise on bools.")
logical_xor = _binary("LogicalXor", jnp.logical_xor, "x xor y, elementwise on bools.")
bitwise_and = _binary("BitwiseAnd", jnp.bitwise_and, "x & y on integers.")
bitwise_or = _binary("BitwiseOr", jnp.bitwise_or, "x | y on integers.")
bitwise_xor = _binary("BitwiseXor", jnp.bitwise_xor, "x ^ y on integers.")


@op("FloorDiv")
def floordiv(x: Any, y: Any) -> Any:
    """x // y, rounding toward minus infinity (floats too), as TF1."""
    return jnp.floor_divide(x, y)


@op("RealDiv")
def realdiv(x: Any, y: Any) -> Any:
    """x / y for floats (integers divide truncating toward zero, as TF1's Div)."""
    if jnp.issubdtype(x.dtype, jnp.integer):
        return jax.lax.div(x, y)
    return jnp.divide(x, y)


div = realdiv


def _true_div_type(dtype: np.dtype) -> np.dtype:
    if dtype.kind in "iu":
        return np.dtype(np.float32) if dtype.itemsize <= 2 else np.dtype(np.float64)
    return dtype


@op("TrueDiv")
def truediv(x: Any, y: Any) -> Any:
    """x / y; integers are first cast to float (int32/int64 -> float64), as TF1."""
    target = _true_div_type(np.dtype(x.dtype))
    return jnp.divide(x.astype(target), y.astype(target))


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` with Python 3 semantics (``truediv``)."""
    return truediv(x, y, name=name or "truediv")


def div_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y, and 0 where y == 0."""
    return _div_no_nan(x, y, name=name)


@op("DivNoNan")
def _div_no_nan(x: Any, y: Any) -> Any:
    safe = jnp.where(y == 0, jnp.ones_like(y), y)
    return jnp.where(y == 0, jnp.zeros_like(x), x / safe)


def _unary(op_type: str, fn: Any, doc: str) -> Any:
    def impl(x: Any) -> Any:
        return fn(x)

    impl.__doc__ = doc
    impl.__name__ = op_type
    return op(op_type)(impl)


negative = _unary("Neg", jnp.negative, "-x, elementwise.")
abs = _unary("Abs", jnp.abs, "|x|, elementwise.")
square = _unary("Square", jnp.square, "x * x, elementwise.")
sqrt = _unary("Sqrt", jnp.sqrt, "Square root, elementwise.")
rsqrt = _unary("Rsqrt", jax.lax.rsqrt, "1 / sqrt(x), elementwise.")
exp = _unary("Exp", jnp.exp, "e ** x, elementwise.")
expm1 = _unary("Expm1", jnp.expm1, "e ** x - 1, elementwise.")
log = _unary("Log", jnp.log, "Natural logarithm, elementwise.")
log1p = _unary("Log1p", jnp.log1p, "log(1 + x), elementwise.")
sign = _unary("Sign", jnp.sign, "-1, 0 or 1 by the sign of x.")
sin = _unary("Sin", jnp.sin, "Sine, elementwise.")
cos = _unary("Cos", jnp.cos, "Cosine, elementwise.")
tan = _unary("Tan", jnp.tan, "Tangent, elementwise.")
asin = _unary("Asin", jnp.arcsin, "Arcsine, elementwise.")
acos = _unary("Acos", jnp.arccos, "Arccosine, elementwise.")
atan = _unary("Atan", jnp.arctan, "Arctangent, elementwise.")
sinh = _unary("Sinh", jnp.sinh, "Hyperbolic sine, elementwise.")
cosh = _unary("Cosh", jnp.cosh, "Hyperbolic cosine, elementwise.")
tanh = _unary("Tanh", jnp.tanh, "Hyperbolic tangent, elementwise.")
sigmoid = _unary("Sigmoid", jax.nn.sigmoid, "1 / (1 + exp(-x)), elementwise.")
floor = _unary("Floor", jnp.floor, "Largest integer <= x, elementwise.")
ceil = _unary("Ceil", jnp.ceil, "Smallest integer >= x, elementwise.")
round = _unary("Round", jnp.round, "Round half to even, elementwise.")
rint = round
reciprocal = _unary("Reciprocal", jnp.reciprocal, "1 / x, elementwise.")
erf = _unary("Erf", jax.scipy.special.erf, "Error function, elementwise.")
lgamma = _unary("Lgamma", jax.scipy.special.gammaln, "log |Gamma(x)|, elementwise.")
is_nan = _unary("IsNan", jnp.isnan, "x is NaN (bool).")
is_inf = _unary("IsInf", jnp.isinf, "x is +-inf (bool).")
is_finite = _unary("IsFinite", jnp.isfinite, "x is finite (bool).")
logical_not = _unary("LogicalNot", jnp.logical_not, "not x, elementwise on bools.")
invert = _unary("Invert", jnp.invert, "~x on integers.")
softplus = _unary("Softplus", jax.nn.softplus, "log(exp(x) + 1), elementwise.")
softsign = _unary("Softsign", jax.nn.soft_sign, "x / (|x| + 1), elementwise.")
relu = _unary("Relu", jax.nn.relu, "max(x, 0), elementwise.")
relu6 = _unary("Relu6", jax.nn.relu6, "min(max(x, 0), 6), elementwise.")
elu = _unary("Elu", jax.nn.elu, "x if x > 0 else exp(x) - 1.")
selu = _unary("Selu", jax.nn.selu, "Scaled ELU.")
log_sigmoid = _unary("LogSigmoid", jax.nn.log_sigmoid, "log(sigmoid(x)).")


@op("Cast", same_dtype=False)
def _cast_impl(x: Any, *, DstT: Any) -> Any:
    target = _dtypes.as_dtype(DstT).np
    if target == np.bool_:
        return x != 0
    return x.astype(target)


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Converts ``x`` to ``dtype``; float -> int truncates toward zero, as TF1."""
    dtype = _dtypes.as_dtype(dtype)
    tensor = convert_to_tensor(x)
    if tensor.dtype == dtype:
        return tensor
    return _cast_impl(tensor, DstT=dtype, name=name)


def to_float(x: Any, name: str = "ToFloat") -> Tensor:
    return cast(x, _dtypes.float32, name=name)


def to_int32(x: Any, name: str = "ToInt32") -> Tensor:
    return cast(x, _dtypes.int32, name=name)


def to_int64(x: Any, name: str = "ToInt64") -> Tensor:
    return cast(x, _dtypes.int64, name=name)


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Cast that clips to the target range first."""
    dtype = _dtypes.as_dtype(dtype)
    value = convert_to_tensor(value)
    if value.dtype.is_floating and not dtype.is_floating:
        value = clip_by_value(value, float(dtype.min), float(dtype.max))
    return cast(value, dtype, name=name)


# -- matrix products -----------------------------------------------------------------


@op("MatMul")
def _matmul_impl(
    a: Any, b: Any, *, transpose_a: bool = False, transpose_b: bool = False
) -> Any:
    a = jnp.swapaxes(a, -1, -2) if transpose_a else a
    b = jnp.swapaxes(b, -1, -2) if transpose_b else b
    return jnp.matmul(a, b)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: str | None = None,
) -> Tensor:
    """Matrix product (batched for rank > 2), as TF1 ``tf.matmul``."""
    return _matmul_impl(
        a,
        b,
        transpose_a=transpose_a or adjoint_a,
        transpose_b=transpose_b or adjoint_b,
        name=name,
    )


@op("Tensordot")
def _tensordot_impl(a: Any, b: Any, *, axes: Any) -> Any:
    return jnp.tensordot(a, b, axes=axes)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Sum over ``axes`` of ``a`` and ``b`` (an int, or two lists of axes)."""
    if not isinstance(axes, int):
        axes = tuple(
            tuple(int(i) for i in ax) if isinstance(ax, list | tuple) else int(ax)
            for ax in axes
        )
    return _tensordot_impl(a, b, axes=axes, name=name)


@op("Einsum", list_input="inputs")
def _einsum_impl(inputs: Sequence[Any], *, equation: str) -> Any:
    return jnp.einsum(equation, *inputs)


def einsum(
    equation: str, *inputs: Any, name: str | None = None, **kwargs: Any
) -> Tensor:
    """Einstein summation, as TF1 ``tf.einsum``."""
    return _einsum_impl(list(inputs), equation=equation, name=name)


@op("AddN", list_input="inputs")
def add_n(inputs: Sequence[Any]) -> Any:
    """Sum of a list of same-shaped tensors."""
    total = inputs[0]
    for x in inputs[1:]:
        total = total + x
    return total


# -- reductions -------------------------------------------------------------------------


def _axis(axis: Any) -> Any:
    if axis is None:
        return None
    if isinstance(axis, list | tuple | np.ndarray):
        return tuple(int(a) for a in np.asarray(axis).reshape(-1))
    return int(axis)


def _reduction(op_type: str, fn: Any, doc: str) -> Any:
    def impl(input_tensor: Any, *, axis: Any = None, keepdims: bool = False) -> Any:
        return fn(input_tensor, axis=axis, keepdims=keepdims)

    impl.__name__ = op_type
    builder = op(op_type)(impl)

    def reduce(
        input_tensor: Any,
        axis: Any = None,
        keepdims: bool | None = None,
        name: str | None = None,
        reduction_indices: Any = None,
        keep_dims: bool | None = None,
    ) -> Tensor:
        if axis is None:
            axis = reduction_indices
        if isinstance(axis, Tensor):
            from jgraph._registry import constant_value

            folded = constant_value(axis)
            if folded is None:
                raise ValueError(
                    f"{op_type}: axis must be known when the graph is built."
                )
            axis = folded
        keep = bool(keepdims if keepdims is not None else keep_dims)
        return builder(input_tensor, axis=_axis(axis), keepdims=keep, name=name)

    reduce.__doc__ = doc
    reduce.__name__ = op_type
    return reduce


def _mean(x: Any, axis: Any, keepdims: bool) -> Any:
    if jnp.issubdtype(x.dtype, jnp.integer):
        total = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        count = np.prod([x.shape[a] for a in _axes(x, axis)], dtype=np.int64)
        return jax.lax.div(total, jnp.asarray(count, x.dtype))
    return jnp.mean(x, axis=axis, keepdims=keepdims)


def _axes(x: Any, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,)))


def _typed(fn: Any) -> Any:
    def reduce(x: Any, axis: Any, keepdims: bool) -> Any:
        return fn(x, axis=axis, keepdims=keepdims, dtype=x.dtype)

    return reduce


reduce_sum = _reduction("Sum", _typed(jnp.sum), "Sum over ``axis`` (all if None).")
reduce_mean = _reduction(
    "Mean", _mean, "Mean over ``axis``; ints stay ints (truncated)."
)
reduce_max = _reduction("Max", jnp.max, "Maximum over ``axis``.")
reduce_min = _reduction("Min", jnp.min, "Minimum over ``axis``.")
reduce_prod = _reduction("Prod", _typed(jnp.prod), "Product over ``axis``.")
reduce_any = _reduction("Any", jnp.any, "Logical or over ``axis``.")
reduce_all = _reduction("All", jnp.all, "Logical and over ``axis``.")
reduce_logsumexp = _reduction(
    "ReduceLogSumExp",
    jax.scipy.special.logsumexp,
    "log(sum(exp(x))) over ``axis``, stably.",
)


def reduce_euclidean_norm(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    return sqrt(reduce_sum(square(input_tensor), axis, keepdims), name=name)


@op("ArgMax", same_dtype=False)
def _argmax_impl(input: Any, *, axis: int = 0, output_type: Any = _dtypes.int64) -> Any:
    return jnp.argmax(input, axis=axis).astype(_dtypes.as_dtype(output_type).np)


@op("ArgMin", same_dtype=False)
def _argmin_impl(input: Any, *, axis: int = 0, output_type: Any = _dtypes.int64) -> Any:
    return jnp.argmin(input, axis=axis).astype(_dtypes.as_dtype(output_type).np)


def argmax(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = _dtypes.int64,
) -> Tensor:
    """Index of the largest value along ``axis`` (default 0); int64 as TF1."""
    axis = dimension if axis is None else axis
    return _argmax_impl(
        input,
        axis=int(0 if axis is None else axis),
        output_type=_dtypes.as_dtype(output_type),
        name=name,
    )


def argmin(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = _dtypes.int64,
) -> Tensor:
    """Index of the smallest value along ``axis`` (default 0); int64 as TF1."""
    axis = dimension if axis is None else axis
    return _argmin_impl(
        input,
        axis=int(0 if axis is None else axis),
        output_type=_dtypes.as_dtype(output_type),
        name=name,
    )


@op("Cumsum")
def _cumsum_impl(
    x: Any, *, axis: int = 0, exclusive: bool = False, reverse: bool = False
) -> Any:
    if reverse:
        x = jnp.flip(x, axis)
    result = jnp.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        result = result - x
    return jnp.flip(result, axis) if reverse else result


def cumsum(
    x: Any,
    axis: int = 0,
    exclusive: bool = False,
    reverse: bool = False,
    name: str | None = None,
) -> Tensor:
    return _cumsum_impl(
        x, axis=int(axis), exclusive=exclusive, reverse=reverse, name=name
    )


@op("ClipByValue")
def _clip_impl(t: Any, clip_value_min: Any, clip_value_max: Any) -> Any:
    return jnp.clip(t, clip_value_min, clip_value_max)


def clip_by_value(
    t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None
) -> Tensor:
    """Clips ``t`` to ``[clip_value_min, clip_value_max]``, elementwise."""
    return _clip_impl(t, clip_value_min, clip_value_max, name=name)


@op("Select", same_dtype=("x", "y"))
def _select_impl(condition: Any, x: Any, y: Any) -> Any:
    return jnp.where(condition, x, y)


def where(
    condition: Any, x: Any = None, y: Any = None, name: str | None = None
) -> Tensor:
    """Elementwise ``x if condition else y`` (TF1 ``tf.where`` with x and y).

    TF1 difference: ``tf.where(condition)`` alone (coordinates of true elements)
    has a data-dependent shape, which XLA cannot compile; it raises.
    """
    if x is None and y is None:
        raise NotImplementedError(
            "tf.where(condition) without x and y returns a data-dependent number of"
            " indices, which jgraph (XLA) cannot compile. Use tf.where(cond, x, y) or"
            " compute the indices in numpy after the run."
        )
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return _select_impl(condition, x, y, name=name)


where_v2 = where


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    return multiply(scalar, x, name=name)


def count_nonzero(
    input_tensor: Any,
    axis: Any = None,
    keepdims: bool = False,
    dtype: Any = _dtypes.int64,
    name: str | None = None,
) -> Tensor:
    nonzero = cast(not_equal(input_tensor, zeros_like_value(input_tensor)), dtype)
    return reduce_sum(nonzero, axis=axis, keepdims=keepdims, name=name)


def zeros_like_value(x: Any) -> Any:
    tensor = convert_to_tensor(x)
    return np.zeros((), tensor.dtype.np)


# -- Python operators ------------------------------------------------------------------------


def _operator(builder: Any, scope: str, reverse: bool = False) -> Any:
    """A Python operator: TF1 opens a name scope (``mul``) and names the op after it."""

    def method(self: Any, other: Any) -> Any:
        graph = _graph_of(self)
        with graph.name_scope(scope) as name:
            x = convert_to_tensor(self)
            y = (
                convert_to_tensor(other, x.dtype, name="y")
                if not _is_tensor_like(other)
                else convert_to_tensor(other)
            )
            if reverse:
                x, y = y, x
            return builder(x, y, name=name)

    return method


def _is_tensor_like(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _graph_of(value: Any) -> Any:
    tensor = convert_to_tensor(value) if _is_tensor_like(value) else None
    return tensor.graph if tensor is not None else get_default_graph()


def _matmul_builder(x: Any, y: Any, name: str | None = None) -> Tensor:
    return matmul(x, y, name=name)


def _unary_operator(builder: Any) -> Any:
    def method(self: Any) -> Any:
        return builder(convert_to_tensor(self))

    return method


def _getitem(self: Any, key: Any) -> Tensor:
    from jgraph.ops.array_ops import strided_slice_index

    return strided_slice_index(convert_to_tensor(self), key)


def _compare(builder: Any) -> Any:
    def method(self: Any, other: Any) -> Any:
        x = convert_to_tensor(self)
        y = convert_to_tensor(other, x.dtype) if not _is_tensor_like(other) else other
        return builder(x, y)

    return method


OPERATORS = {
    "__add__": _operator(add, "add"),
    "__radd__": _operator(add, "add", reverse=True),
    "__sub__": _operator(subtract, "sub"),
    "__rsub__": _operator(subtract, "sub", reverse=True),
    "__mul__": _operator(multiply, "mul"),
    "__rmul__": _operator(multiply, "mul", reverse=True),
    "__truediv__": _operator(truediv, "truediv"),
    "__rtruediv__": _operator(truediv, "truediv", reverse=True),
    "__floordiv__": _operator(floordiv, "floordiv"),
    "__rfloordiv__": _operator(floordiv, "floordiv", reverse=True),
    "__mod__": _operator(floormod, "mod"),
    "__rmod__": _operator(floormod, "mod", reverse=True),
    "__pow__": _operator(pow, "pow"),
    "__rpow__": _operator(pow, "pow", reverse=True),
    "__matmul__": _operator(_matmul_builder, "matmul"),
    "__rmatmul__": _operator(_matmul_builder, "matmul", reverse=True),
    "__and__": _operator(logical_and, "and"),
    "__rand__": _operator(logical_and, "and", reverse=True),
    "__or__": _operator(logical_or, "or"),
    "__ror__": _operator(logical_or, "or", reverse=True),
    "__xor__": _operator(logical_xor, "xor"),
    "__rxor__": _operator(logical_xor, "xor", reverse=True),
    "__neg__": _unary_operator(negative),
    "__abs__": _unary_operator(abs),
    "__invert__": _unary_operator(logical_not),
    "__lt__": _compare(less),
    "__le__": _compare(less_equal),
    "__gt__": _compare(greater),
    "__ge__": _compare(greater_equal),
    "__getitem__": _getitem,
}

bind_operators(Tensor, OPERATORS)
