"""Math ops, as TF1's ``math_ops``: elementwise, matmul, reductions, comparisons, cast.

Stage 2 of the pipeline (ops): each ``@op`` here is one op type; the public
functions are TF1's, thin wrappers around the builders. This module also binds the
Python operators (``+ - * / // % ** @ < <= > >= & | ^ ~ - abs []``) on ``Tensor``.

TF1 result dtypes are kept: int / int true division gives float64 (float32 for
8- and 16-bit ints), ``argmax`` gives int64, ``reduce_mean`` of ints stays an int
(truncating), ``//`` and ``%`` floor, ``round`` is half-to-even, float -> int casts
truncate. Inputs must have one dtype (Python values adopt it) and one of the
dtypes TF1 allows for the op; otherwise building raises ``TypeError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import is_known
from jgraph.graph.tensor import Tensor, bind_operators
from jgraph.ops.array_ops import (
    dtype_of,
    expand_dims,
    ones_like,
    range as array_range,
    reshape,
    static_int,
    static_ints,
    static_value,
    strided_slice_index,
    where_indices,
)
from jgraph.ops.conversion import (
    build,
    builder_of,
    check_dtype,
    convert_inputs,
    convert_to_tensor,
)
from jgraph.ops.folding import constant_value
from jgraph.ops.registry import Strings, op, opdef_of

# -- dtype constraints ---------------------------------------------------------------

FLOATS = frozenset(
    {_dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64}
)
INTEGERS = frozenset(
    {
        _dtypes.int8,
        _dtypes.int16,
        _dtypes.int32,
        _dtypes.int64,
        _dtypes.uint8,
        _dtypes.uint16,
        _dtypes.uint32,
        _dtypes.uint64,
    }
)
NUMBERS = FLOATS | INTEGERS
BOOLS = frozenset({_dtypes.bool_})
NUMBERS_AND_BOOLS = NUMBERS | BOOLS
STRINGS = frozenset({_dtypes.string})


def check_broadcast(*arrays: Any) -> None:
    """TF1's message for shapes that do not broadcast (known dims only)."""
    shapes = [np.shape(a) for a in arrays]
    for offset in range(1, max(len(s) for s in shapes) + 1):
        dims = [
            int(s[-offset])
            for s in shapes
            if len(s) >= offset and is_known(s[-offset]) and s[-offset] != 1
        ]
        if len(set(dims)) > 1:
            raise ValueError(
                f"Dimensions must be equal, but are {dims[0]} and"
                f" {next(d for d in dims if d != dims[0])}"
            )


# -- TF1's registered gradients -----------------------------------------------------------
# Where JAX's derivative convention (at a kink, a tie, a clip bound, or at inf/NaN)
# differs from the gradient TF1 registers for an op, the op's function carries TF1's:
# a ``jax.custom_jvp`` whose tangent rule is TF1's gradient formula written linearly
# in the tangent, so JAX's transpose of it is exactly TF1's backward formula.


def tf1_gradient(
    fn: Callable[..., Any], rule: Callable[[tuple[Any, ...], tuple[Any, ...], Any], Any]
) -> Callable[..., Any]:
    """``fn`` whose derivative is ``rule(tangents, primals, output)``: the output's
    tangent, linear in ``tangents`` (broadcast to the output's shape here)."""
    wrapped = jax.custom_jvp(fn)

    def jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        out = wrapped(*primals)
        tangent = rule(tangents, primals, out)
        return out, jnp.broadcast_to(tangent, jnp.shape(out)).astype(out.dtype)

    wrapped.defjvp(jvp)
    return wrapped


def unary_gradient(
    fn: Callable[[Any], Any], rule: Callable[[Any, Any, Any], Any]
) -> Callable[[Any], Any]:
    """``tf1_gradient`` for a one-input op: ``rule(tangent, x, y)``."""
    return tf1_gradient(fn, lambda ts, xs, y: rule(ts[0], xs[0], y))


def _select_gradient(mask: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """TF1's gradient of Maximum/Minimum: all of it to x where ``mask(x, y)`` (ties
    included), else to y; never split between them as JAX does at ties."""

    def rule(ts: tuple[Any, Any], xs: tuple[Any, Any], out: Any) -> Any:
        (tx, ty), (x, y) = ts, xs
        chosen = mask(x, y)
        zero = jnp.zeros_like(out)
        return jnp.where(chosen, tx, zero) + jnp.where(chosen, zero, ty)

    return rule


def _pow_rule(ts: tuple[Any, Any], xs: tuple[Any, Any], z: Any) -> Any:
    # TF1: d/dy is z * log(x) where x > 0 and 0 elsewhere (no false NaN at x == 0).
    (tx, ty), (x, y) = ts, xs
    positive = x > 0
    log_x = jnp.where(positive, jnp.log(jnp.where(positive, x, 1)), 0)
    return tx * (y * jnp.power(x, y - 1)) + ty * (z * log_x)


def _floor_mod_rule(ts: tuple[Any, Any], xs: tuple[Any, Any], out: Any) -> Any:
    (tx, ty), (x, y) = ts, xs
    return tx - ty * _floor_div(x, y)


# -- elementwise -----------------------------------------------------------------------


def _binary(
    op_type: str,
    fn: Callable[[Any, Any], Any],
    doc: str,
    allowed: Collection[_dtypes.DType] = NUMBERS,
    differentiable: bool = True,
    on_strings: Callable[[Any, Any], Any] | None = None,
) -> Callable[..., Tensor]:
    """A broadcasting binary op; ``on_strings``: its numpy function on strings
    (object arrays of bytes), where TF1 allows them."""

    def impl(x: Any, y: Any) -> Any:
        check_broadcast(x, y)
        return fn(x, y)

    strings: Callable[[Any, Any], Any] | None = None
    if on_strings is not None:
        allowed = frozenset(allowed) | STRINGS

        def on_host(x: Any, y: Any) -> Any:
            check_broadcast(x, y)
            return on_strings(x, y)

        strings = on_host

    impl.__doc__ = doc
    impl.__name__ = impl.__qualname__ = op_type
    return builder_of(
        op(op_type, dtypes=allowed, differentiable=differentiable, strings=strings)(
            impl
        )
    )


def _unary(
    op_type: str,
    fn: Callable[[Any], Any],
    doc: str,
    allowed: Collection[_dtypes.DType] = NUMBERS,
    differentiable: bool = True,
) -> Callable[..., Tensor]:
    def impl(x: Any) -> Any:
        return fn(x)

    impl.__doc__ = doc
    impl.__name__ = impl.__qualname__ = op_type
    return builder_of(op(op_type, dtypes=allowed, differentiable=differentiable)(impl))


def _floor_div(x: Any, y: Any) -> Any:
    # TF1's FloorDiv on floats is floor(x / y) (1.0 // 0.1 == 10), not numpy's
    # divmod-based result (9.0).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return jnp.floor(x / y)
    return jnp.floor_divide(x, y)


def _real_div(x: Any, y: Any) -> Any:
    if jnp.issubdtype(x.dtype, jnp.integer):
        x, y = jnp.broadcast_arrays(x, y)
        return jax.lax.div(x, y)  # C's truncating division, as TF1's integer kernels
    return jnp.divide(x, y)


def _true_div_type(dtype: np.dtype) -> np.dtype:
    if dtype.kind in "iu":
        return np.dtype(np.float32) if dtype.itemsize <= 2 else np.dtype(np.float64)
    return dtype


def _true_div(x: Any, y: Any) -> Any:
    target = _true_div_type(np.dtype(x.dtype))
    return jnp.divide(x.astype(target), y.astype(target))


def _div_no_nan_fn(x: Any, y: Any) -> Any:
    safe = jnp.where(y == 0, jnp.ones_like(y), y)
    return jnp.where(y == 0, jnp.zeros_like(x * y), x / safe)


add = _binary(
    "Add",
    jnp.add,
    "x + y, elementwise with broadcasting (strings: concatenated).",
    on_strings=np.add,
)
subtract = _binary("Sub", jnp.subtract, "x - y, elementwise with broadcasting.")
multiply = _binary("Mul", jnp.multiply, "x * y, elementwise with broadcasting.")
maximum = _binary(
    "Maximum",
    tf1_gradient(jnp.maximum, _select_gradient(jnp.greater_equal)),
    "max(x, y), elementwise; at a tie the gradient goes to x (TF1).",
)
minimum = _binary(
    "Minimum",
    tf1_gradient(jnp.minimum, _select_gradient(jnp.less_equal)),
    "min(x, y), elementwise; at a tie the gradient goes to x (TF1).",
)
squared_difference = _binary(
    "SquaredDifference", lambda x, y: jnp.square(x - y), "(x - y)**2, elementwise."
)
pow = _binary("Pow", tf1_gradient(jnp.power, _pow_rule), "x ** y, elementwise.")
floor_div = _binary(
    "FloorDiv",
    _floor_div,
    "x // y, rounding toward -inf, as TF1.",
    differentiable=False,
)
floormod = _binary(
    "FloorMod",
    tf1_gradient(jnp.mod, _floor_mod_rule),
    "x mod y with the sign of y (Python %).",
)
mod = floormod
_truediv = _binary(
    "TrueDiv",
    _true_div,
    "x / y; integers are cast to float first (int32/int64 -> float64), as TF1.",
)
realdiv = _binary(
    "RealDiv", _real_div, "x / y in x's dtype (integers truncate toward zero)."
)
_div_no_nan = _binary("DivNoNan", _div_no_nan_fn, "x / y, and 0 where y == 0.", FLOATS)
atan2 = _binary("Atan2", jnp.arctan2, "atan(y / x) with quadrant, elementwise.", FLOATS)
equal = _binary(
    "Equal",
    jnp.equal,
    "x == y, elementwise (bool).",
    NUMBERS_AND_BOOLS,
    on_strings=lambda x, y: np.equal(x, y).astype(bool),
)
not_equal = _binary(
    "NotEqual",
    jnp.not_equal,
    "x != y, elementwise (bool).",
    NUMBERS_AND_BOOLS,
    on_strings=lambda x, y: np.not_equal(x, y).astype(bool),
)
less = _binary("Less", jnp.less, "x < y, elementwise (bool).")
less_equal = _binary("LessEqual", jnp.less_equal, "x <= y, elementwise (bool).")
greater = _binary("Greater", jnp.greater, "x > y, elementwise (bool).")
greater_equal = _binary(
    "GreaterEqual", jnp.greater_equal, "x >= y, elementwise (bool)."
)
logical_and = _binary("LogicalAnd", jnp.logical_and, "x and y, elementwise.", BOOLS)
logical_or = _binary("LogicalOr", jnp.logical_or, "x or y, elementwise.", BOOLS)
logical_xor = _binary("LogicalXor", jnp.logical_xor, "x xor y, elementwise.", BOOLS)
bitwise_and = _binary("BitwiseAnd", jnp.bitwise_and, "x & y on integers.", INTEGERS)
bitwise_or = _binary("BitwiseOr", jnp.bitwise_or, "x | y on integers.", INTEGERS)
bitwise_xor = _binary("BitwiseXor", jnp.bitwise_xor, "x ^ y on integers.", INTEGERS)

negative = _unary("Neg", jnp.negative, "-x, elementwise.")
abs = _unary(
    "Abs",
    unary_gradient(jnp.abs, lambda t, x, y: t * jnp.sign(x)),
    "|x|, elementwise; its gradient at 0 is 0 (TF1: sign(x)).",
)
square = _unary("Square", jnp.square, "x * x, elementwise.")
sign = _unary("Sign", jnp.sign, "-1, 0 or 1 by the sign of x.")
_round = _unary(
    "Round", jnp.round, "Round half to even, elementwise.", differentiable=False
)
sqrt = _unary("Sqrt", jnp.sqrt, "Square root, elementwise.", FLOATS)
rsqrt = _unary(
    "Rsqrt",
    unary_gradient(jax.lax.rsqrt, lambda t, x, y: t * (-0.5 * y * y * y)),
    "1 / sqrt(x), elementwise.",
    FLOATS,
)
exp = _unary("Exp", jnp.exp, "e ** x, elementwise.", FLOATS)
expm1 = _unary("Expm1", jnp.expm1, "e ** x - 1, elementwise.", FLOATS)
log = _unary("Log", jnp.log, "Natural logarithm, elementwise.", FLOATS)
log1p = _unary("Log1p", jnp.log1p, "log(1 + x), elementwise.", FLOATS)
sin = _unary("Sin", jnp.sin, "Sine, elementwise.", FLOATS)
cos = _unary("Cos", jnp.cos, "Cosine, elementwise.", FLOATS)
tan = _unary("Tan", jnp.tan, "Tangent, elementwise.", FLOATS)
asin = _unary("Asin", jnp.arcsin, "Arcsine, elementwise.", FLOATS)
acos = _unary("Acos", jnp.arccos, "Arccosine, elementwise.", FLOATS)
atan = _unary("Atan", jnp.arctan, "Arctangent, elementwise.", FLOATS)
sinh = _unary("Sinh", jnp.sinh, "Hyperbolic sine, elementwise.", FLOATS)
cosh = _unary("Cosh", jnp.cosh, "Hyperbolic cosine, elementwise.", FLOATS)
tanh = _unary("Tanh", jnp.tanh, "Hyperbolic tangent, elementwise.", FLOATS)
sigmoid = _unary("Sigmoid", jax.nn.sigmoid, "1 / (1 + exp(-x)), elementwise.", FLOATS)
floor = _unary(
    "Floor",
    jnp.floor,
    "Largest integer <= x, elementwise.",
    FLOATS,
    differentiable=False,
)
ceil = _unary(
    "Ceil",
    jnp.ceil,
    "Smallest integer >= x, elementwise.",
    FLOATS,
    differentiable=False,
)
reciprocal = _unary("Reciprocal", jnp.reciprocal, "1 / x, elementwise.", FLOATS)
erf = _unary("Erf", jax.scipy.special.erf, "Error function, elementwise.", FLOATS)
lgamma = _unary(
    "Lgamma", jax.scipy.special.gammaln, "log |Gamma(x)|, elementwise.", FLOATS
)
is_nan = _unary("IsNan", jnp.isnan, "x is NaN (bool).", FLOATS)
is_inf = _unary("IsInf", jnp.isinf, "x is +-inf (bool).", FLOATS)
is_finite = _unary("IsFinite", jnp.isfinite, "x is finite (bool).", FLOATS)
logical_not = _unary("LogicalNot", jnp.logical_not, "not x, elementwise.", BOOLS)
invert = _unary("Invert", jnp.invert, "~x on integers (bitwise).", INTEGERS)
log_sigmoid = _unary("LogSigmoid", jax.nn.log_sigmoid, "log(sigmoid(x)).", FLOATS)


def truediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y; integers are cast to float first (int32/int64 -> float64), as TF1."""
    return _truediv(x, y, name=name or "truediv")


def floordiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x // y, rounding toward -inf, as TF1 ``tf.floordiv`` (op ``floordiv``)."""
    return floor_div(x, y, name=name or "floordiv")


def div_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y, and 0 where y == 0 (op ``div_no_nan``, as TF1)."""
    return _div_no_nan(x, y, name=name or "div_no_nan")


def round(x: Any, name: str | None = None) -> Tensor:
    """Round half to even, elementwise; an integer ``x`` is returned as it is (TF1)."""
    tensor = convert_to_tensor(x)
    if tensor.dtype.is_integer:
        return tensor
    return _round(tensor, name=name)


rint = round


@op("Xlogy", dtypes=FLOATS)
def _xlogy_impl(x: Any, y: Any) -> Any:
    """``x * log(y)``, and 0 where ``x == 0`` (whatever ``y``, NaN included)."""
    check_broadcast(x, y)
    zero = x == 0
    safe_y = jnp.where(zero, jnp.ones_like(y), y)
    # The where also gives TF1's registered gradient: 0 for both where x == 0.
    return jnp.where(zero, jnp.zeros_like(x * y), x * jnp.log(safe_y))


def xlogy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * log(y)``, and 0 where ``x`` is 0, as TF1 ``tf.math.xlogy``; where
    ``x`` is 0 the gradient is 0 with respect to both inputs, as TF1's.

    >>> import jgraph as jg
    >>> jg.Session().run(xlogy(jg.constant([0.0, 2.0]), jg.constant([0.0, 1.0])))
    array([0., 0.], dtype=float32)
    """
    return build(_xlogy_impl, x, y, name=name)


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` with Python 3 semantics (``truediv``).

    >>> divide(3, 4)  # doctest: +SKIP
    <jgraph.Tensor 'truediv:0' shape=() dtype=float64>
    """
    return truediv(x, y, name=name or "truediv")


def div(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` with Python 2 semantics, as TF1 ``tf.div``: floats divide, integers
    floor-divide."""
    x, y = convert_inputs([x, y])
    if x.dtype.is_floating:
        return realdiv(x, y, name=name or "div")
    return floordiv(x, y, name=name or "div")


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """``scalar * x`` for a scalar ``scalar``."""
    return multiply(scalar, x, name=name)


# -- cast ------------------------------------------------------------------------------


@op("Cast", same_dtype=False)
def _cast_impl(x: Any, *, DstT: Any) -> Any:
    target = _dtypes.as_dtype(DstT).np
    if target == np.bool_:
        return x != 0
    return x.astype(target)  # XLA's convert truncates floats toward zero, as TF1


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Converts ``x`` to ``dtype``; float -> int truncates toward zero, as TF1.

    Returns ``x`` itself when it already has ``dtype`` (as TF1).
    """
    dtype = _dtypes.as_dtype(dtype)
    tensor = convert_to_tensor(x)
    if tensor.dtype == dtype:
        return tensor
    check_dtype(tensor, NUMBERS_AND_BOOLS, "Cast", "x")
    if dtype not in NUMBERS_AND_BOOLS:
        raise TypeError(f"Cast: cannot cast {tensor.name} to {dtype.name}.")
    return build(_cast_impl, tensor, DstT=dtype, name=name or "Cast")


def to_float(x: Any, name: str = "ToFloat") -> Tensor:
    """``cast(x, float32)``."""
    return cast(x, _dtypes.float32, name=name)


def to_double(x: Any, name: str = "ToDouble") -> Tensor:
    """``cast(x, float64)``."""
    return cast(x, _dtypes.float64, name=name)


def to_int32(x: Any, name: str = "ToInt32") -> Tensor:
    """``cast(x, int32)``."""
    return cast(x, _dtypes.int32, name=name)


def to_int64(x: Any, name: str = "ToInt64") -> Tensor:
    """``cast(x, int64)``."""
    return cast(x, _dtypes.int64, name=name)


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Cast that clips to the target range first."""
    dtype = _dtypes.as_dtype(dtype)
    value = convert_to_tensor(value)
    if value.dtype.is_floating and not dtype.is_floating:
        value = clip_by_value(value, float(dtype.min), float(dtype.max))
    return cast(value, dtype, name=name)


# -- matrix products -----------------------------------------------------------------


@op("MatMul", dtypes=NUMBERS)
def _matmul_impl(
    a: Any, b: Any, *, transpose_a: bool = False, transpose_b: bool = False
) -> Any:
    for array in (a, b):
        if array.ndim < 2:
            raise ValueError(f"Shape must be rank 2 but is rank {array.ndim}")
    a = jnp.swapaxes(a, -1, -2) if transpose_a else a
    b = jnp.swapaxes(b, -1, -2) if transpose_b else b
    inner_a, inner_b = a.shape[-1], b.shape[-2]
    if is_known(inner_a) and is_known(inner_b) and inner_a != inner_b:
        raise ValueError(f"Dimensions must be equal, but are {inner_a} and {inner_b}")
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
    """Matrix product (batched, with broadcasting, for rank > 2), as TF1 ``tf.matmul``.

    ``adjoint_*`` equal ``transpose_*`` (real dtypes); the sparsity hints are ignored.
    """
    return build(
        _matmul_impl,
        a,
        b,
        transpose_a=transpose_a or adjoint_a,
        transpose_b=transpose_b or adjoint_b,
        name=name,
    )


@op("Tensordot", dtypes=NUMBERS)
def _tensordot_impl(a: Any, b: Any, *, axes: Any) -> Any:
    return jnp.tensordot(a, b, axes=axes)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Sum over ``axes`` of ``a`` and ``b``: an int ``n`` (last ``n`` of ``a``, first
    ``n`` of ``b``), or a pair of axis lists."""
    if isinstance(axes, int | np.integer):
        static_axes: Any = int(axes)
    else:
        a_axes, b_axes = axes
        static_axes = (
            static_ints(a_axes, "tensordot axes"),
            static_ints(b_axes, "tensordot axes"),
        )
    return build(_tensordot_impl, a, b, axes=static_axes, name=name)


@op("Einsum", list_input="inputs", dtypes=NUMBERS)
def _einsum_impl(inputs: Sequence[Any], *, equation: str) -> Any:
    return jnp.einsum(equation, *inputs)


def einsum(equation: str, *inputs: Any, name: str | None = None) -> Tensor:
    """Einstein summation, as TF1 ``tf.einsum`` (``...`` broadcasting included)."""
    return build(
        _einsum_impl, list(inputs), equation=equation.replace(" ", ""), name=name
    )


@op("AddN", list_input="inputs", dtypes=NUMBERS)
def _add_n_impl(inputs: Sequence[Any]) -> Any:
    first = inputs[0]
    for x in inputs[1:]:
        if x.shape != first.shape and all(
            is_known(d) for d in (*x.shape, *first.shape)
        ):
            raise ValueError(
                f"Shapes must be equal, but are {list(first.shape)} and {list(x.shape)}"
            )
    total = first
    for x in inputs[1:]:
        total = total + x
    return total


def add_n(inputs: Sequence[Any], name: str | None = None) -> Tensor:
    """Sum of a list of tensors of one shape and dtype (no broadcasting, as TF1)."""
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors.")
    return build(_add_n_impl, list(inputs), name=name)


# -- reductions -------------------------------------------------------------------------


def _axis(axis: Any) -> int | tuple[int, ...] | None:
    if axis is None:
        return None
    value = static_value(axis, "reduction axis")
    if value.ndim == 0:
        return int(value)
    return tuple(int(a) for a in value.reshape(-1))


def _reduction(
    op_type: str,
    fn: Callable[..., Any],
    doc: str,
    allowed: Collection[_dtypes.DType] = NUMBERS,
) -> Callable[..., Tensor]:
    def impl(input_tensor: Any, *, axis: Any = None, keepdims: bool = False) -> Any:
        return fn(input_tensor, axis=axis, keepdims=keepdims)

    impl.__name__ = impl.__qualname__ = op_type
    impl.__doc__ = doc
    op(op_type, dtypes=allowed)(impl)

    def reduce(
        input_tensor: Any,
        axis: Any = None,
        keepdims: bool | None = None,
        name: str | None = None,
        reduction_indices: Any = None,
        keep_dims: bool | None = None,
    ) -> Tensor:
        if axis is not None and reduction_indices is not None:
            raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
        if keepdims is not None and keep_dims is not None:
            raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'.")
        axis = reduction_indices if axis is None else axis
        keep = bool(keepdims if keepdims is not None else keep_dims)
        return build(impl, input_tensor, axis=_axis(axis), keepdims=keep, name=name)

    reduce.__doc__ = (
        f"{doc}\n\n    Args: ``input_tensor``, ``axis`` (int or list, all if None),"
        " ``keepdims``, ``name``; TF1's ``reduction_indices``/``keep_dims`` aliases."
    )
    reduce.__name__ = reduce.__qualname__ = op_type
    return reduce


def _mean(x: Any, axis: Any, keepdims: bool) -> Any:
    if jnp.issubdtype(x.dtype, jnp.integer):
        count = math.prod(x.shape[a] for a in _axes(x, axis))  # symbolic dims too
        n = jnp.asarray(count, x.dtype)
        if x.dtype.itemsize == 8:  # TF1 wraps 64-bit sums
            total = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
            return jax.lax.div(total, n)  # truncates, as TF1
        # TF1's narrower means do not wrap when the sum leaves the range: with
        # x = n * q + r (0 <= r < n), sum(x) / n = sum(q) + sum(r) / n, where sum(q)
        # is near the mean and sum(r) < n * n (exact up to 46340 elements in int32).
        q, r = jnp.floor_divide(x, n), jnp.remainder(x, n)
        whole = jnp.sum(q, axis=axis, keepdims=keepdims, dtype=x.dtype)
        rest = jnp.sum(r, axis=axis, keepdims=keepdims, dtype=x.dtype)
        floor = whole + jnp.floor_divide(rest, n)
        inexact = jnp.remainder(rest, n) != 0
        return jnp.where((floor < 0) & inexact, floor + 1, floor)  # toward zero
    return jnp.mean(x, axis=axis, keepdims=keepdims)


def _axes(x: Any, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,)))


def _typed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` accumulating in the input's dtype (``jnp.sum`` of int8 would widen)."""

    def reduce(x: Any, axis: Any, keepdims: bool) -> Any:
        return fn(x, axis=axis, keepdims=keepdims, dtype=x.dtype)

    return reduce


reduce_sum = _reduction("Sum", _typed(jnp.sum), "Sum over ``axis``.")
reduce_mean = _reduction(
    "Mean", _mean, "Mean over ``axis``; ints stay ints (truncated toward zero)."
)


def _chooser(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (max or min over ``axis``) with TF1's gradient: split equally between
    the elements equal to the result (NaN where the result is NaN, as TF1)."""

    def reduce(x: Any, axis: Any, keepdims: bool) -> Any:
        def rule(ts: tuple[Any], xs: tuple[Any], out: Any) -> Any:
            kept = fn(xs[0], axis=axis, keepdims=True)
            chosen = (xs[0] == kept).astype(out.dtype)
            count = jnp.sum(chosen, axis=axis, keepdims=True)
            # No element equals a NaN result: TF1's 0 / 0 gives NaN there. Spelled
            # out, since XLA simplifies a division of a converted bool to a select.
            share = jnp.where(count > 0, chosen / jnp.maximum(count, 1), jnp.nan)
            return jnp.sum(ts[0] * share, axis=axis, keepdims=keepdims)

        if not jnp.issubdtype(x.dtype, jnp.floating):
            return fn(x, axis=axis, keepdims=keepdims)
        return tf1_gradient(lambda v: fn(v, axis=axis, keepdims=keepdims), rule)(x)

    return reduce


reduce_max = _reduction("Max", _chooser(jnp.max), "Maximum over ``axis``.")
reduce_min = _reduction("Min", _chooser(jnp.min), "Minimum over ``axis``.")
reduce_prod = _reduction("Prod", _typed(jnp.prod), "Product over ``axis``.")
reduce_any = _reduction("Any", jnp.any, "Logical or over ``axis``.", BOOLS)
reduce_all = _reduction("All", jnp.all, "Logical and over ``axis``.", BOOLS)
reduce_logsumexp = _reduction(
    "ReduceLogSumExp",
    jax.scipy.special.logsumexp,
    "log(sum(exp(x))) over ``axis``, computed stably.",
    FLOATS,
)


def reduce_euclidean_norm(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None
) -> Tensor:
    """``sqrt(sum(x ** 2))`` over ``axis``."""
    return sqrt(reduce_sum(square(input_tensor), axis, keepdims), name=name)


def _arg_reduction(op_type: str, fn: Callable[..., Any]) -> Callable[..., Tensor]:
    def impl(input: Any, *, axis: int = 0, output_type: Any = _dtypes.int64) -> Any:
        return fn(input, axis=axis).astype(_dtypes.as_dtype(output_type).np)

    impl.__name__ = impl.__qualname__ = op_type
    return op(op_type, same_dtype=False, dtypes=NUMBERS)(impl)


_argmax_impl = _arg_reduction("ArgMax", jnp.argmax)
_argmin_impl = _arg_reduction("ArgMin", jnp.argmin)


def _arg_builder_args(axis: Any, dimension: Any, output_type: Any) -> dict[str, Any]:
    if axis is not None and dimension is not None:
        raise ValueError("Cannot specify both 'axis' and 'dimension'.")
    axis = dimension if axis is None else axis
    output_type = _dtypes.as_dtype(output_type)
    if output_type not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"output_type must be int32 or int64, got {output_type.name}.")
    return {
        "axis": 0 if axis is None else static_int(axis, "axis"),
        "output_type": output_type,
    }


def argmax(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = _dtypes.int64,
) -> Tensor:
    """Index of the largest value along ``axis`` (default 0); int64 as TF1."""
    return build(
        _argmax_impl,
        input,
        name=name,
        **_arg_builder_args(axis, dimension, output_type),
    )


def argmin(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = _dtypes.int64,
) -> Tensor:
    """Index of the smallest value along ``axis`` (default 0); int64 as TF1."""
    return build(
        _argmin_impl,
        input,
        name=name,
        **_arg_builder_args(axis, dimension, output_type),
    )


def arg_max(
    input: Any,
    dimension: Any,
    output_type: Any = _dtypes.int64,
    name: str | None = None,
) -> Tensor:
    """TF1's older ``tf.arg_max(input, dimension)``: :func:`argmax` along
    ``dimension``."""
    return argmax(input, dimension, name=name, output_type=output_type)


def arg_min(
    input: Any,
    dimension: Any,
    output_type: Any = _dtypes.int64,
    name: str | None = None,
) -> Tensor:
    """TF1's older ``tf.arg_min(input, dimension)``: :func:`argmin` along
    ``dimension``."""
    return argmin(input, dimension, name=name, output_type=output_type)


def _scan(op_type: str, fn: Callable[..., Any], identity: int) -> Callable[..., Any]:
    def impl(
        x: Any, *, axis: int = 0, exclusive: bool = False, reverse: bool = False
    ) -> Any:
        if reverse:
            x = jnp.flip(x, axis)
        if exclusive:  # shift by one, starting from the operation's identity
            pad = [(0, 0)] * x.ndim
            pad[axis % x.ndim] = (1, 0)
            x = jnp.pad(x, pad, constant_values=identity)
            x = jax.lax.slice_in_dim(x, 0, x.shape[axis] - 1, axis=axis)
        result = fn(x, axis=axis, dtype=x.dtype)
        return jnp.flip(result, axis) if reverse else result

    impl.__name__ = impl.__qualname__ = op_type
    return op(op_type, dtypes=NUMBERS)(impl)


_cumsum_impl = _scan("Cumsum", jnp.cumsum, 0)
_cumprod_impl = _scan("Cumprod", jnp.cumprod, 1)


def cumsum(
    x: Any,
    axis: Any = 0,
    exclusive: bool = False,
    reverse: bool = False,
    name: str | None = None,
) -> Tensor:
    """Running sum along ``axis`` (``exclusive``: shifted by one; ``reverse``: from
    the end)."""
    return build(
        _cumsum_impl,
        x,
        axis=static_int(axis, "axis"),
        exclusive=exclusive,
        reverse=reverse,
        name=name,
    )


def cumprod(
    x: Any,
    axis: Any = 0,
    exclusive: bool = False,
    reverse: bool = False,
    name: str | None = None,
) -> Tensor:
    """Running product along ``axis`` (see :func:`cumsum`)."""
    return build(
        _cumprod_impl,
        x,
        axis=static_int(axis, "axis"),
        exclusive=exclusive,
        reverse=reverse,
        name=name,
    )


def count_nonzero(
    input_tensor: Any,
    axis: Any = None,
    keepdims: bool | None = None,
    dtype: Any = _dtypes.int64,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
) -> Tensor:
    """The number of non-zero elements over ``axis`` (int64 by default)."""
    graph = get_default_graph()
    with graph.name_scope(name or "count_nonzero") as scope:
        tensor = convert_to_tensor(input_tensor)
        zero = convert_to_tensor(np.zeros((), tensor.dtype.np), name="zeros")
        nonzero = cast(not_equal(tensor, zero), dtype)
        return reduce_sum(
            nonzero,
            axis=axis,
            keepdims=keepdims,
            reduction_indices=reduction_indices,
            keep_dims=keep_dims,
            name=scope,
        )


# -- segment reductions --------------------------------------------------------------------

_SEGMENT_ID_DTYPES = frozenset({_dtypes.int32, _dtypes.int64})


def _segment_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    data, ids = specs
    dtype = attrs["_dtype"]
    if data is None or ids is None:
        return [(dtype, None)]
    return [(dtype, (attrs["num_segments"], *data.shape[len(ids.shape) :]))]


def _scatter_segments(
    data: Any, segment_ids: Any, num_segments: int, method: str, initial: Any
) -> Any:
    """``num_segments`` rows of ``initial`` into which the rows of ``data`` are
    combined by ``method`` (``add``, ``multiply``, ``max``, ``min``) at
    ``segment_ids``; ids outside ``[0, num_segments)`` are dropped."""
    rank = np.ndim(segment_ids)
    out = jnp.full((num_segments, *data.shape[rank:]), initial, data.dtype)
    ids = jnp.where(segment_ids < 0, num_segments, segment_ids)
    return getattr(out.at[ids], method)(data, mode="drop")


def _segment_counts(segment_ids: Any, num_segments: int, like: Any) -> Any:
    """Rows per segment, in ``like``'s dtype, shaped to broadcast against ``like``."""
    ones = jnp.ones(np.shape(segment_ids), like.dtype)
    counts = _scatter_segments(ones, segment_ids, num_segments, "add", 0)
    return counts.reshape((num_segments,) + (1,) * (like.ndim - 1))


def _segment_prod_rule(num_segments: int) -> Callable[..., Any]:
    """TF1's gradient of a segment product: ``out / x`` per element, the product of
    the other elements at a segment's only zero, 0 where a segment has two zeros."""

    def rule(ts: tuple[Any, Any], xs: tuple[Any, Any], out: Any) -> Any:
        (t, _), (data, ids) = ts, xs
        zero = data == 0
        zeros = _scatter_segments(zero.astype(data.dtype), ids, num_segments, "add", 0)
        others = _scatter_segments(
            jnp.where(zero, 1, data), ids, num_segments, "multiply", 1
        )
        where = jnp.clip(ids, 0, num_segments - 1)
        safe = jnp.where(zero, 1, data)
        partial = jnp.where(zero, others[where], out[where] / safe)
        partial = jnp.where(zeros[where] > 1, 0, partial)
        return _scatter_segments(t * partial, ids, num_segments, "add", 0)

    return rule


def _segment_op(
    op_type: str,
    method: str,
    initial: Callable[[_dtypes.DType], Any],
    doc: str,
    empty_is_zero: bool = False,
) -> Callable[..., Tensor]:
    """A segment reduction op: ``method`` over the rows of each segment, from
    ``initial(dtype)``; ``empty_is_zero`` makes empty segments 0 (TF1's sorted
    SegmentMax/Min)."""

    def impl(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
        def combine(data: Any, segment_ids: Any) -> Any:
            start = initial(_dtypes.as_dtype(data.dtype))
            out = _scatter_segments(data, segment_ids, num_segments, method, start)
            if empty_is_zero:
                counts = _segment_counts(segment_ids, num_segments, out)
                out = jnp.where(counts > 0, out, jnp.zeros_like(out))
            return out

        if method == "multiply" and jnp.issubdtype(data.dtype, jnp.floating):
            # JAX cannot differentiate a scatter-multiply with repeated indices.
            return tf1_gradient(combine, _segment_prod_rule(num_segments))(
                data, segment_ids
            )
        return combine(data, segment_ids)

    impl.__doc__ = doc
    impl.__name__ = impl.__qualname__ = op_type
    return op(op_type, same_dtype=False, shape_fn=_segment_spec)(impl)


@op("SegmentMean", same_dtype=False, shape_fn=_segment_spec)
def _segment_mean_impl(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    """Mean per segment (0 for empty ones; integers truncate toward zero, as TF1)."""
    total = _scatter_segments(data, segment_ids, num_segments, "add", 0)
    counts = jnp.maximum(_segment_counts(segment_ids, num_segments, total), 1)
    if jnp.issubdtype(total.dtype, jnp.integer):
        return jax.lax.div(total, jnp.broadcast_to(counts, total.shape))
    return total / counts


def _lowest(dtype: _dtypes.DType) -> Any:
    return dtype.min


def _highest(dtype: _dtypes.DType) -> Any:
    return dtype.max


_segment_sum_impl = _segment_op(
    "SegmentSum", "add", lambda d: 0, "Sum per sorted segment (0 when empty)."
)
_segment_prod_impl = _segment_op(
    "SegmentProd", "multiply", lambda d: 1, "Product per sorted segment (1 when empty)."
)
_segment_max_impl = _segment_op(
    "SegmentMax", "max", _lowest, "Maximum per sorted segment (0 when empty).", True
)
_segment_min_impl = _segment_op(
    "SegmentMin", "min", _highest, "Minimum per sorted segment (0 when empty).", True
)
_unsorted_segment_sum_impl = _segment_op(
    "UnsortedSegmentSum", "add", lambda d: 0, "Sum per segment (0 when empty)."
)
_unsorted_segment_prod_impl = _segment_op(
    "UnsortedSegmentProd",
    "multiply",
    lambda d: 1,
    "Product per segment (1 when empty).",
)
_unsorted_segment_max_impl = _segment_op(
    "UnsortedSegmentMax",
    "max",
    _lowest,
    "Maximum per segment (the dtype's lowest value when empty, as TF1).",
)
_unsorted_segment_min_impl = _segment_op(
    "UnsortedSegmentMin",
    "min",
    _highest,
    "Minimum per segment (the dtype's highest value when empty, as TF1).",
)


def _segment_inputs(op_type: str, data: Any, segment_ids: Any) -> tuple[Tensor, Tensor]:
    """``data`` and ``segment_ids`` as tensors, their dtypes and shapes checked:
    ``segment_ids``' shape must be a prefix of ``data``'s."""
    data_t = convert_to_tensor(data)
    check_dtype(data_t, NUMBERS, op_type, "data")
    ids = convert_to_tensor(segment_ids)
    check_dtype(ids, _SEGMENT_ID_DTYPES, op_type, "segment_ids")
    if data_t.dims is not None and ids.dims is not None:
        prefix = data_t.shape[: len(ids.dims)]
        if len(ids.dims) > len(data_t.dims) or not prefix.is_compatible_with(ids.shape):
            raise ValueError(
                f"{op_type}: the shape of segment_ids {ids.name} {ids.shape} must be a"
                f" prefix of the shape of data {data_t.name} {data_t.shape}."
            )
    return data_t, ids


def _sorted_segment(
    impl: Callable[..., Any], data: Any, segment_ids: Any, name: str | None
) -> Tensor:
    op_type = opdef_of(impl).type
    data_t, ids = _segment_inputs(op_type, data, segment_ids)
    if ids.dims is not None and len(ids.dims) != 1:
        raise ValueError(f"{op_type}: segment_ids {ids.name} must be a vector.")
    value = constant_value(ids)
    if value is None:
        raise NotImplementedError(
            f"{op_type}: the number of segments is segment_ids[-1] + 1, which for"
            f" {ids.name} is known only at run time; XLA compiles static shapes. Use"
            " a constant segment_ids, or the unsorted_segment_* op with num_segments."
        )
    if value.size and (value.min() < 0 or np.any(np.diff(value) < 0)):
        raise ValueError(
            f"{op_type}: segment ids must be >= 0 and sorted, got {value.tolist()}"
            f" ({ids.name})."
        )
    num_segments = int(value[-1]) + 1 if value.size else 0
    return build(
        impl, data_t, ids, num_segments=num_segments, _dtype=data_t.dtype, name=name
    )


def _unsorted_segment(
    impl: Callable[..., Any],
    data: Any,
    segment_ids: Any,
    num_segments: Any,
    name: str | None,
) -> Tensor:
    op_type = opdef_of(impl).type
    data_t, ids = _segment_inputs(op_type, data, segment_ids)
    count = static_int(num_segments, f"{op_type} num_segments")
    if count < 0:
        raise ValueError(f"{op_type}: num_segments must be >= 0, got {count}.")
    value = constant_value(ids)
    if value is not None and value.size and value.max() >= count:
        raise ValueError(
            f"{op_type}: segment id {int(value.max())} is out of range [0, {count})"
            f" ({ids.name})."
        )
    return build(impl, data_t, ids, num_segments=count, _dtype=data_t.dtype, name=name)


def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Sums the rows of ``data`` per segment, as TF1 ``tf.math.segment_sum``:
    ``output[i] = sum(data[j] for j where segment_ids[j] == i)``.

    ``segment_ids`` is a sorted vector of ints >= 0, one per row of ``data``; the
    result has ``segment_ids[-1] + 1`` rows (0 for ids that do not occur).

    TF1 difference: that row count must be known when XLA compiles, so
    ``segment_ids`` must be known when the graph is built; otherwise
    ``NotImplementedError`` (use :func:`unsorted_segment_sum` with
    ``num_segments``).
    """
    return _sorted_segment(_segment_sum_impl, data, segment_ids, name)


def segment_prod(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Product of the rows of ``data`` per segment (1 for empty ones); see
    :func:`segment_sum`."""
    return _sorted_segment(_segment_prod_impl, data, segment_ids, name)


def segment_max(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Maximum of the rows of ``data`` per segment (0 for empty ones); see
    :func:`segment_sum`."""
    return _sorted_segment(_segment_max_impl, data, segment_ids, name)


def segment_min(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Minimum of the rows of ``data`` per segment (0 for empty ones); see
    :func:`segment_sum`."""
    return _sorted_segment(_segment_min_impl, data, segment_ids, name)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Mean of the rows of ``data`` per segment (0 for empty ones; integers
    truncate); see :func:`segment_sum`."""
    return _sorted_segment(_segment_mean_impl, data, segment_ids, name)


def unsorted_segment_sum(
    data: Any, segment_ids: Any, num_segments: Any, name: str | None = None
) -> Tensor:
    """Sums the entries of ``data`` per segment into ``num_segments`` rows, as TF1
    ``tf.math.unsorted_segment_sum``.

    ``segment_ids`` (any order, shape a prefix of ``data``'s) gives each entry's
    segment; negative ids are dropped. The result has shape
    ``[num_segments] + data.shape[segment_ids.ndim:]``.

    TF1 difference: ``num_segments`` must be known when the graph is built (XLA
    compiles static shapes), and ids ``>= num_segments`` are dropped at run time
    (XLA cannot raise inside a run), where TF1 raises; constant ids are checked
    when the graph is built.
    """
    return _unsorted_segment(
        _unsorted_segment_sum_impl, data, segment_ids, num_segments, name
    )


def unsorted_segment_prod(
    data: Any, segment_ids: Any, num_segments: Any, name: str | None = None
) -> Tensor:
    """Product per segment (1 for empty ones); see :func:`unsorted_segment_sum`."""
    return _unsorted_segment(
        _unsorted_segment_prod_impl, data, segment_ids, num_segments, name
    )


def unsorted_segment_max(
    data: Any, segment_ids: Any, num_segments: Any, name: str | None = None
) -> Tensor:
    """Maximum per segment (the dtype's lowest finite value for empty ones, as
    TF1); see :func:`unsorted_segment_sum`."""
    return _unsorted_segment(
        _unsorted_segment_max_impl, data, segment_ids, num_segments, name
    )


def unsorted_segment_min(
    data: Any, segment_ids: Any, num_segments: Any, name: str | None = None
) -> Tensor:
    """Minimum per segment (the dtype's highest finite value for empty ones, as
    TF1); see :func:`unsorted_segment_sum`."""
    return _unsorted_segment(
        _unsorted_segment_min_impl, data, segment_ids, num_segments, name
    )


def unsorted_segment_mean(
    data: Any, segment_ids: Any, num_segments: Any, name: str | None = None
) -> Tensor:
    """Mean per segment (0 for empty ones), as TF1: ``unsorted_segment_sum`` of
    ``data`` divided by that of ones (at least 1), so integer data gives floats."""
    graph = get_default_graph()
    with graph.name_scope(name or "UnsortedSegmentMean"):
        data_t, ids = _segment_inputs("UnsortedSegmentMean", data, segment_ids)
        if data_t.dims is None or ids.dims is None:
            raise ValueError(
                f"unsorted_segment_mean: the ranks of {data_t.name} and {ids.name}"
                " must be known."
            )
        ones = ones_like(ids, dtype=data_t.dtype)
        counts = unsorted_segment_sum(ones, ids, num_segments)
        extra = len(data_t.dims) - len(ids.dims)
        counts = reshape(counts, [-1] + [1] * extra)
        total = unsorted_segment_sum(data_t, ids, num_segments)
        return truediv(total, maximum(counts, 1))


# -- selection --------------------------------------------------------------------------


def _clip_rule(ts: tuple[Any, Any, Any], xs: tuple[Any, Any, Any], out: Any) -> Any:
    # TF1's clip_by_value is maximum(minimum(x, hi), lo), differentiated as those two:
    # x keeps its gradient at the bounds; a NaN x sends it to lo.
    (tx, tlo, thi), (x, lo, hi) = ts, xs
    upper = jnp.where(x <= hi, tx, thi)
    return jnp.where(jnp.minimum(x, hi) >= lo, upper, tlo)


_clip = tf1_gradient(jnp.clip, _clip_rule)


@op("ClipByValue", dtypes=NUMBERS)
def _clip_impl(t: Any, clip_value_min: Any, clip_value_max: Any) -> Any:
    check_broadcast(t, clip_value_min, clip_value_max)
    return _clip(t, clip_value_min, clip_value_max)


def clip_by_value(
    t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None
) -> Tensor:
    """Clips ``t`` to ``[clip_value_min, clip_value_max]``, elementwise."""
    return build(
        _clip_impl, t, clip_value_min, clip_value_max, name=name or "clip_by_value"
    )


def _check_same_shape(a: Any, b: Any) -> None:
    if a.ndim != b.ndim or any(
        is_known(p) and is_known(q) and p != q
        for p, q in zip(a.shape, b.shape, strict=True)
    ):
        raise ValueError(
            f"Shapes must be equal, but are {list(a.shape)} and {list(b.shape)}"
        )


@op("Select", same_dtype=("x", "y"), strings=Strings.BY_POSITION)
def _select_impl(condition: Any, x: Any, y: Any) -> Any:
    _check_same_shape(x, y)
    if condition.ndim == 1 and x.ndim > 1:
        # TF1: a vector condition picks whole rows (along the first dimension).
        n, rows = condition.shape[0], x.shape[0]
        if is_known(n) and is_known(rows) and n != rows:
            raise ValueError(f"Dimensions must be equal, but are {n} and {rows}")
        condition = condition.reshape((-1,) + (1,) * (x.ndim - 1))
    else:
        _check_same_shape(x, condition)
    return jnp.where(condition, x, y)


@op("SelectV2", same_dtype=("x", "y"), strings=Strings.BY_POSITION)
def _select_v2_impl(condition: Any, x: Any, y: Any) -> Any:
    check_broadcast(condition, x, y)
    return jnp.where(condition, x, y)


def _where(
    impl: Callable[..., Any], condition: Any, x: Any, y: Any, name: str | None
) -> Tensor:
    if x is None and y is None:
        return where_indices(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    condition = convert_to_tensor(condition)
    op_type = opdef_of(impl).type
    check_dtype(condition, BOOLS, op_type, "condition")
    x, y = convert_inputs([x, y])
    check_dtype(x, NUMBERS_AND_BOOLS | STRINGS, op_type, "x")
    return build(impl, condition, x, y, name=name)


def where(
    condition: Any, x: Any = None, y: Any = None, name: str | None = None
) -> Tensor:
    """Elementwise ``x if condition else y``, as TF1 ``tf.where(condition, x, y)``.

    ``x`` and ``y`` have one shape; ``condition`` has that shape too, or is a vector
    that picks whole rows (first dimension) of ``x`` or ``y``.

    ``tf.where(condition)`` alone gives the coordinates of the true (non-zero)
    entries (see ``array_ops.where_indices``: a host step).
    """
    return _where(_select_impl, condition, x, y, name)


def where_v2(
    condition: Any, x: Any = None, y: Any = None, name: str | None = None
) -> Tensor:
    """Elementwise ``x if condition else y`` with numpy broadcasting of all three."""
    return _where(_select_v2_impl, condition, x, y, name)


# -- masks --------------------------------------------------------------------------------


def sequence_mask(
    lengths: Any,
    maxlen: Any = None,
    dtype: Any = _dtypes.bool_,
    name: str | None = None,
) -> Tensor:
    """``result[i..., j] = j < lengths[i...]`` for ``j`` in ``[0, maxlen)``, as TF1
    ``tf.sequence_mask`` (``range(maxlen) < lengths[..., None]``, cast to ``dtype``).

    TF1 difference: ``maxlen`` is the last dimension of the result, which XLA must
    know when it compiles: give it as a Python int (or a tensor that folds to a
    constant). Without ``maxlen`` it is ``max(lengths)``, so ``lengths`` must then
    be known when the graph is built; otherwise ``NotImplementedError``.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "SequenceMask"):
        lengths = convert_to_tensor(lengths)
        check_dtype(lengths, NUMBERS, "SequenceMask", "lengths")
        if maxlen is None:
            value = constant_value(lengths)
            if value is None:
                raise NotImplementedError(
                    f"sequence_mask: without maxlen the last dimension is"
                    f" max(lengths), which for {lengths.name} is known only at run"
                    " time; XLA compiles static shapes. Pass maxlen (a Python int)."
                )
            limit = max(0, int(value.max())) if value.size else 0
            limit_type = lengths.dtype
        else:
            limit = static_int(maxlen, "sequence_mask maxlen")
            limit_type = dtype_of(maxlen)
        row = array_range(0, limit, 1, dtype=limit_type)
        column = cast(expand_dims(lengths, -1), limit_type)
        result = less(row, column)
        dtype = _dtypes.as_dtype(dtype)
        return result if dtype == _dtypes.bool_ else cast(result, dtype)


# -- Python operators ------------------------------------------------------------------------


def _is_tensor_like(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _operator(builder: Any, scope: str, reverse: bool = False) -> Any:
    """A binary Python operator, named as TF1 does: a name scope (``mul``) for the
    op, with a Python operand converted inside it as ``mul/y`` (``mul/x`` when
    reflected) in the tensor's dtype."""

    def method(self: Any, other: Any) -> Any:
        x = convert_to_tensor(self)
        with x.graph.name_scope(scope) as name:
            if _is_tensor_like(other):
                y = convert_to_tensor(other)
            else:
                y = convert_to_tensor(other, x.dtype, name="x" if reverse else "y")
            if reverse:
                x, y = y, x
            return builder(x, y, name=name)

    method.__name__ = scope
    return method


def _unary_operator(builder: Any) -> Any:
    def method(self: Any) -> Any:
        return builder(convert_to_tensor(self))

    return method


def _getitem(self: Any, key: Any) -> Tensor:
    return strided_slice_index(convert_to_tensor(self), key)


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
    "__matmul__": _operator(matmul, "matmul"),
    "__rmatmul__": _operator(matmul, "matmul", reverse=True),
    "__and__": _operator(logical_and, "and"),
    "__rand__": _operator(logical_and, "and", reverse=True),
    "__or__": _operator(logical_or, "or"),
    "__ror__": _operator(logical_or, "or", reverse=True),
    "__xor__": _operator(logical_xor, "xor"),
    "__rxor__": _operator(logical_xor, "xor", reverse=True),
    "__neg__": _unary_operator(negative),
    "__abs__": _unary_operator(abs),
    "__invert__": _unary_operator(logical_not),
    # TF1 binds the comparison ops directly: ``x < 2`` is op "Less" with "Less/y".
    "__lt__": _operator(less, "Less"),
    "__le__": _operator(less_equal, "LessEqual"),
    "__gt__": _operator(greater, "Greater"),
    "__ge__": _operator(greater_equal, "GreaterEqual"),
    "__getitem__": _getitem,
}

bind_operators(Tensor, OPERATORS)
