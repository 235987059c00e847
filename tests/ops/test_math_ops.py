"""jgraph.ops.math_ops against numpy: one table, one checker; then TF1 details and
bad inputs. Also the coverage test: every registered op type, whichever module
registers it, has a row in a table of tests/ops (or a named test that checks it)."""

from __future__ import annotations

import ast
import importlib
import math
from functools import partial
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import jgraph as tf
from jgraph.ops import math_ops, registry

from ._check import (
    ALL_FLOATS,
    BOOL,
    FLOATS,
    INTS,
    NUMBERS,
    STRING,
    Case,
    check_op,
    distinct,
    halves,
    indices,
    nonzero,
    normal,
    params,
    positive,
    small,
    unit,
    wide,
    with_specials,
)

BCAST = ((2, 3, 4), (3, 1))  # -> (2, 3, 4)
OUTER = ((4, 1), (3,))  # -> (4, 3)


def few(rng, shape, dtype):
    """Values in {0, 1, 2} (strings: {a, b, c}): comparisons see equal elements
    too."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype == tf.string:
        return np.array([b"a", b"b", b"c"], object)[rng.integers(0, 3, shape)]
    return rng.integers(0, 3, shape).astype(dtype.np)


def some_zeros(rng, shape, dtype):
    """Nonzero values with about a third replaced by zeros."""
    values = nonzero(rng, shape, dtype)
    return np.where(rng.random(shape) < 0.35, 0, values).astype(values.dtype)


def _true_div_type(dtype):
    dtype = tf.as_dtype(dtype)
    if dtype in (tf.int8, tf.int16, tf.uint8):
        return tf.float32
    return tf.float64 if dtype.is_integer else dtype


def _true_div_ref(x, y):
    target = _true_div_type(x.dtype).np
    return x.astype(target) / y.astype(target)


def _floor_div_ref(x, y):
    if x.dtype.kind == "f":
        return np.floor(x / y)  # TF1: floor(x / y), not numpy's divmod-based result
    return np.floor_divide(x, y)


def _real_div_ref(x, y):
    if x.dtype.kind in "iu":
        return np.trunc(x / y).astype(x.dtype)  # truncating integer division
    return x / y


def _mean_ref(x, axis=None):
    if x.dtype.kind in "iu":
        total = np.sum(x.astype(np.int64), axis=axis)
        count = x.size // np.size(total)
        return np.trunc(total / count).astype(x.dtype)  # toward zero, as TF1
    return np.mean(x, axis=axis)


def _logsumexp(x, axis=None, keepdims=False):
    top = np.max(x, axis=axis, keepdims=True)
    result = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return result if keepdims else np.squeeze(result, axis=axis)


def _exclusive(scan, identity):
    def ref(x, axis=0, reverse=False):
        if reverse:
            x = np.flip(x, axis)
        shifted = np.concatenate(
            [np.full_like(np.take(x, [0], axis), identity), np.delete(x, -1, axis)],
            axis,
        )
        result = scan(shifted, axis=axis)
        return np.flip(result, axis) if reverse else result

    return ref


# Sorted segment ids of 6 rows (segments 1 and 4 are empty) for the Segment* ops.
SEGMENTS = np.array([0, 0, 2, 3, 3, 5])


def _lowest(dtype):
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max


def _segment_ref(ufunc, initial, num_segments=None, empty_zero=False):
    """numpy's ``ufunc.at`` per segment from ``initial(dtype)``; negative ids dropped."""

    def ref(data, ids=SEGMENTS):
        count = int(ids.max()) + 1 if num_segments is None else num_segments
        out = np.full((count, *data.shape[ids.ndim :]), initial(data.dtype), data.dtype)
        keep = ids >= 0
        ufunc.at(out, ids[keep], data[keep])
        if empty_zero:
            rows = np.bincount(ids[keep], minlength=count)
            out[rows == 0] = 0
        return out

    return ref


def _segment_mean_ref(data, ids=SEGMENTS):
    total = _segment_ref(np.add, lambda d: 0)(data, ids)
    rows = np.maximum(np.bincount(ids, minlength=len(total)), 1)
    rows = rows.reshape(-1, *[1] * (data.ndim - 1))
    if data.dtype.kind in "iu":
        return (np.trunc(total / rows)).astype(data.dtype)  # toward zero, as TF1
    return (total / rows).astype(data.dtype)


def _unsorted_mean_ref(data, ids, num_segments=5):
    total = _segment_ref(np.add, lambda d: 0, num_segments)(data, ids)
    keep = ids >= 0
    rows = np.maximum(np.bincount(ids[keep], minlength=num_segments), 1)
    target = _true_div_type(data.dtype).np
    return total.astype(target) / rows.reshape(-1, 1).astype(target)


_erf = np.vectorize(math.erf)
_lgamma = np.vectorize(math.lgamma)
_sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731

MATH_CASES = [
    # -- binary elementwise, with broadcasting -------------------------------------------
    Case("Add", tf.add, np.add, BCAST, NUMBERS),
    Case("Add", lambda x, y: x + y, np.add, OUTER, (tf.float16, tf.int64), id="op"),
    Case("Add", lambda x: 2 + x, lambda x: 2 + x, ((3,),), NUMBERS, id="radd"),
    # Strings concatenate (TF1), on the host.
    Case("Add", tf.add, np.add, BCAST, STRING, id="strings"),
    Case("Add", lambda x: "<" + x, lambda x: b"<" + x, ((3,),), STRING, id="str-radd"),
    Case("Sub", tf.subtract, np.subtract, ((3, 4), (4,)), NUMBERS),
    Case("Sub", lambda x, y: x - y, np.subtract, OUTER, INTS, id="op"),
    Case("Sub", lambda x: 1 - x, lambda x: 1 - x, ((3,),), FLOATS, id="rsub"),
    Case("Mul", tf.multiply, np.multiply, OUTER, NUMBERS),
    Case("Mul", lambda x: x * 2, lambda x: x * 2, ((3,),), NUMBERS, id="op-scalar"),
    Case("Mul", lambda x, y: x * y, np.multiply, ((), (2, 3)), FLOATS, id="op-rank0"),
    Case("Maximum", tf.maximum, np.maximum, BCAST, NUMBERS),
    Case("Minimum", tf.minimum, np.minimum, OUTER, NUMBERS),
    Case(
        "SquaredDifference",
        tf.squared_difference,
        lambda x, y: np.square(x - y),
        BCAST,
        NUMBERS,
    ),
    Case("Pow", tf.pow, np.power, OUTER, FLOATS, (positive, small)),
    Case("Pow", tf.pow, np.power, OUTER, INTS, small, id="int"),
    Case("Pow", lambda x: x**2, np.square, ((3, 2),), NUMBERS, id="op"),
    Case("Pow", lambda x: 2.0**x, lambda x: 2.0**x, ((3,),), FLOATS, small, id="rpow"),
    Case("FloorDiv", tf.floordiv, _floor_div_ref, BCAST, NUMBERS, (wide, nonzero)),
    Case(
        "FloorDiv",
        lambda x, y: x // y,
        _floor_div_ref,
        OUTER,
        NUMBERS,
        (wide, nonzero),
        id="op",
    ),
    Case(
        "FloorDiv",
        lambda x: x // 0.1,
        lambda x: np.floor(x / x.dtype.type(0.1)),
        ((6,),),
        FLOATS,
        id="tenth",
    ),
    Case("FloorMod", tf.mod, np.mod, BCAST, NUMBERS, (wide, nonzero)),
    Case(
        "FloorMod", lambda x, y: x % y, np.mod, OUTER, NUMBERS, (wide, nonzero), id="op"
    ),
    Case(
        "TrueDiv",
        tf.truediv,
        _true_div_ref,
        BCAST,
        (*ALL_FLOATS, tf.int8, tf.int16, tf.uint8, *INTS),
        (normal, nonzero),
        out_dtype=_true_div_type,
    ),
    Case(
        "TrueDiv",
        tf.divide,
        _true_div_ref,
        OUTER,
        NUMBERS,
        (normal, nonzero),
        out_dtype=_true_div_type,
        id="divide",
    ),
    Case(
        "TrueDiv",
        lambda x, y: x / y,
        _true_div_ref,
        OUTER,
        NUMBERS,
        (normal, nonzero),
        out_dtype=_true_div_type,
        id="op",
    ),
    Case(
        "TrueDiv", lambda x: 1 / x, lambda x: 1 / x, ((3,),), FLOATS, nonzero, id="rop"
    ),
    Case("RealDiv", tf.realdiv, _real_div_ref, OUTER, NUMBERS, (wide, nonzero)),
    Case(
        "RealDiv", tf.div, _real_div_ref, OUTER, FLOATS, (wide, nonzero), id="div-float"
    ),
    Case(
        "FloorDiv", tf.div, np.floor_divide, OUTER, INTS, (wide, nonzero), id="div-int"
    ),
    Case(
        "DivNoNan",
        tf.div_no_nan,
        lambda x, y: np.where(y == 0, 0, x / np.where(y == 0, 1, y)),
        BCAST,
        FLOATS,
        (normal, some_zeros),
    ),
    Case(
        "Xlogy",
        tf.math.xlogy,
        lambda x, y: np.where(x == 0, 0, x * np.log(np.where(x == 0, 1, y))),
        BCAST,
        ALL_FLOATS,
        (some_zeros, positive),
    ),
    Case("Atan2", tf.atan2, np.arctan2, BCAST, FLOATS),
    # -- comparisons and logic -------------------------------------------------------------
    Case(
        "Equal",
        tf.equal,
        np.equal,
        OUTER,
        (*NUMBERS, tf.bool, tf.string),
        few,
        out_dtype=tf.bool,
    ),
    Case(
        "NotEqual",
        tf.not_equal,
        np.not_equal,
        OUTER,
        (*NUMBERS, tf.bool, tf.string),
        few,
        out_dtype=tf.bool,
    ),
    Case("Less", tf.less, np.less, BCAST, NUMBERS, few, out_dtype=tf.bool),
    Case(
        "Less",
        lambda x, y: x < y,
        np.less,
        OUTER,
        INTS,
        few,
        out_dtype=tf.bool,
        id="op",
    ),
    Case(
        "LessEqual",
        tf.less_equal,
        np.less_equal,
        BCAST,
        NUMBERS,
        few,
        out_dtype=tf.bool,
    ),
    Case(
        "LessEqual",
        lambda x: x <= 1,
        lambda x: x <= 1,
        ((5,),),
        INTS,
        few,
        out_dtype=tf.bool,
        id="op",
    ),
    Case("Greater", tf.greater, np.greater, BCAST, NUMBERS, few, out_dtype=tf.bool),
    Case(
        "Greater",
        lambda x: x > 1.0,
        lambda x: x > 1,
        ((5,),),
        FLOATS,
        few,
        out_dtype=tf.bool,
        id="op",
    ),
    Case(
        "GreaterEqual",
        tf.greater_equal,
        np.greater_equal,
        BCAST,
        NUMBERS,
        few,
        out_dtype=tf.bool,
    ),
    Case(
        "GreaterEqual",
        lambda x, y: x >= y,
        np.greater_equal,
        OUTER,
        FLOATS,
        few,
        out_dtype=tf.bool,
        id="op",
    ),
    Case("LogicalAnd", tf.logical_and, np.logical_and, BCAST, BOOL),
    Case("LogicalAnd", lambda x, y: x & y, np.logical_and, OUTER, BOOL, id="op"),
    Case("LogicalOr", tf.logical_or, np.logical_or, BCAST, BOOL),
    Case("LogicalOr", lambda x, y: x | y, np.logical_or, OUTER, BOOL, id="op"),
    Case("LogicalXor", tf.logical_xor, np.logical_xor, BCAST, BOOL),
    Case("LogicalXor", lambda x, y: x ^ y, np.logical_xor, OUTER, BOOL, id="op"),
    Case("LogicalNot", tf.logical_not, np.logical_not, dtypes=BOOL),
    Case("LogicalNot", lambda x: ~x, np.logical_not, dtypes=BOOL, id="op"),
    Case("BitwiseAnd", math_ops.bitwise_and, np.bitwise_and, OUTER, INTS),
    Case("BitwiseOr", math_ops.bitwise_or, np.bitwise_or, OUTER, INTS),
    Case("BitwiseXor", math_ops.bitwise_xor, np.bitwise_xor, OUTER, INTS),
    Case("Invert", tf.math.invert, np.invert, dtypes=INTS),
    # -- unary elementwise ------------------------------------------------------------------
    Case("Neg", tf.negative, np.negative, dtypes=NUMBERS),
    Case("Neg", lambda x: -x, np.negative, dtypes=NUMBERS, id="op"),
    Case("Abs", tf.abs, np.abs, dtypes=NUMBERS),
    Case("Abs", abs, np.abs, dtypes=(tf.float16, tf.int32), id="op"),
    Case("Square", tf.square, np.square, dtypes=NUMBERS),
    Case("Sign", tf.sign, np.sign, dtypes=NUMBERS, inputs=few),
    Case("Round", tf.round, np.round, dtypes=(*ALL_FLOATS, tf.int32), inputs=halves),
    Case("Sqrt", tf.sqrt, np.sqrt, dtypes=ALL_FLOATS, inputs=positive),
    Case("Rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), dtypes=FLOATS, inputs=positive),
    Case("Exp", tf.exp, np.exp, dtypes=ALL_FLOATS, inputs=small),
    Case("Expm1", tf.math.expm1, np.expm1, dtypes=FLOATS, inputs=small),
    Case("Log", tf.log, np.log, dtypes=ALL_FLOATS, inputs=positive),
    Case("Log1p", tf.log1p, np.log1p, dtypes=FLOATS, inputs=positive),
    Case("Sin", tf.sin, np.sin),
    Case("Cos", tf.cos, np.cos),
    Case("Tan", tf.tan, np.tan, inputs=unit),
    Case("Asin", tf.math.asin, np.arcsin, inputs=unit),
    Case("Acos", tf.math.acos, np.arccos, inputs=unit),
    Case("Atan", tf.math.atan, np.arctan),
    Case("Sinh", tf.math.sinh, np.sinh, inputs=small),
    Case("Cosh", tf.math.cosh, np.cosh, inputs=small),
    Case("Tanh", tf.tanh, np.tanh, dtypes=ALL_FLOATS),
    Case("Sigmoid", tf.sigmoid, _sigmoid, dtypes=ALL_FLOATS),
    Case("Floor", tf.floor, np.floor, inputs=wide),
    Case("Ceil", tf.ceil, np.ceil, inputs=wide),
    Case("Reciprocal", tf.reciprocal, np.reciprocal, inputs=nonzero),
    Case("Erf", tf.math.erf, _erf),
    Case("Lgamma", tf.math.lgamma, _lgamma, inputs=positive, tol=10),
    Case("IsNan", tf.is_nan, np.isnan, inputs=with_specials, out_dtype=tf.bool),
    Case("IsInf", tf.is_inf, np.isinf, inputs=with_specials, out_dtype=tf.bool),
    Case(
        "IsFinite", tf.is_finite, np.isfinite, inputs=with_specials, out_dtype=tf.bool
    ),
    Case(
        "LogSigmoid", tf.math.log_sigmoid, lambda x: -np.logaddexp(0, -x), inputs=wide
    ),
    # -- cast: float -> int truncates toward zero, as TF1 -----------------------------------
    Case(
        "Cast",
        partial(tf.cast, dtype=tf.int32),
        lambda x: np.trunc(x).astype(np.int32),
        dtypes=FLOATS,
        inputs=wide,
        out_dtype=tf.int32,
    ),
    Case(
        "Cast",
        partial(tf.cast, dtype=tf.int64),
        lambda x: x.astype(np.int64),
        dtypes=(tf.float32, tf.int32, tf.bool),
        out_dtype=tf.int64,
        id="int64",
    ),
    Case(
        "Cast",
        tf.to_float,
        lambda x: x.astype(np.float32),
        dtypes=(tf.int32, tf.float64, tf.bool),
        out_dtype=tf.float32,
        id="float",
    ),
    Case(
        "Cast",
        partial(tf.cast, dtype=tf.bool),
        lambda x: x != 0,
        dtypes=(tf.float32, tf.int32),
        inputs=few,
        out_dtype=tf.bool,
        id="bool",
    ),
    Case(
        "Cast",
        partial(tf.cast, dtype=tf.float16),
        lambda x: x.astype(np.float16),
        dtypes=(tf.float32, tf.int64),
        out_dtype=tf.float16,
        id="half",
    ),
    # -- matrix products ---------------------------------------------------------------------
    Case("MatMul", tf.matmul, np.matmul, ((2, 3), (3, 4)), NUMBERS),
    Case(
        "MatMul",
        partial(tf.matmul, transpose_a=True),
        lambda a, b: a.T @ b,
        ((3, 2), (3, 4)),
        FLOATS,
        id="ta",
    ),
    Case(
        "MatMul",
        partial(tf.matmul, transpose_b=True),
        lambda a, b: a @ b.T,
        ((2, 3), (4, 3)),
        FLOATS,
        id="tb",
    ),
    Case(
        "MatMul",
        partial(tf.matmul, transpose_a=True, transpose_b=True),
        lambda a, b: a.T @ b.T,
        ((3, 2), (4, 3)),
        INTS,
        id="tab",
    ),
    Case("MatMul", tf.matmul, np.matmul, ((2, 2, 3), (2, 3, 4)), FLOATS, id="batch"),
    Case("MatMul", tf.matmul, np.matmul, ((2, 2, 3), (3, 4)), FLOATS, id="batch-bcast"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, ((2, 3), (3, 4)), FLOATS, id="op"),
    Case(
        "Tensordot",
        partial(tf.tensordot, axes=1),
        partial(np.tensordot, axes=1),
        ((2, 3), (3, 4)),
        NUMBERS,
    ),
    Case(
        "Tensordot",
        partial(tf.tensordot, axes=[[0, 2], [2, 0]]),
        partial(np.tensordot, axes=([0, 2], [2, 0])),
        ((2, 3, 4), (4, 5, 2)),
        FLOATS,
        id="lists",
    ),
    Case(
        "Tensordot",
        partial(tf.tensordot, axes=0),
        partial(np.tensordot, axes=0),
        ((2,), (3,)),
        FLOATS,
        id="outer",
    ),
    Case(
        "Einsum",
        partial(tf.einsum, "ij,jk->ik"),
        partial(np.einsum, "ij,jk->ik"),
        ((2, 3), (3, 4)),
        NUMBERS,
    ),
    Case(
        "Einsum",
        partial(tf.einsum, "bij,bjk->bik"),
        partial(np.einsum, "bij,bjk->bik"),
        ((2, 2, 3), (2, 3, 4)),
        FLOATS,
        id="batch",
    ),
    Case(
        "Einsum",
        partial(tf.einsum, "...i,i->..."),
        partial(np.einsum, "...i,i->..."),
        ((2, 3, 4), (4,)),
        FLOATS,
        id="ellipsis",
    ),
    Case(
        "Einsum",
        partial(tf.einsum, "ii->i"),
        partial(np.einsum, "ii->i"),
        ((3, 3),),
        FLOATS,
        id="diag",
    ),
    Case(
        "AddN",
        lambda *xs: tf.add_n(list(xs)),
        lambda *xs: sum(xs),
        ((2, 3),) * 3,
        NUMBERS,
    ),
    # -- reductions (TF1's aliases too) ---------------------------------------------------------
    Case("Sum", tf.reduce_sum, np.sum, ((3, 4),), NUMBERS),
    Case(
        "Sum",
        partial(tf.reduce_sum, axis=1),
        partial(np.sum, axis=1),
        ((3, 4),),
        NUMBERS,
        id="axis",
    ),
    Case(
        "Sum",
        partial(tf.reduce_sum, axis=[0, 2], keepdims=True),
        partial(np.sum, axis=(0, 2), keepdims=True),
        ((2, 3, 4),),
        FLOATS,
        id="keepdims",
    ),
    Case(
        "Sum",
        partial(tf.reduce_sum, reduction_indices=[1], keep_dims=True),
        partial(np.sum, axis=1, keepdims=True),
        ((2, 3),),
        INTS,
        id="aliases",
    ),
    Case(
        "Sum",
        partial(tf.reduce_sum, axis=-1),
        partial(np.sum, axis=-1),
        ((2, 3),),
        FLOATS,
        id="neg-axis",
    ),
    Case(
        "Sum",
        lambda x: tf.reduce_sum(x, axis=tf.constant(1)),
        partial(np.sum, axis=1),
        ((2, 3),),
        FLOATS,
        id="tensor-axis",
    ),
    Case("Mean", tf.reduce_mean, _mean_ref, ((3, 4),), NUMBERS, wide),
    Case(
        "Mean",
        partial(tf.reduce_mean, axis=0),
        partial(_mean_ref, axis=0),
        ((3, 4),),
        (*ALL_FLOATS, *INTS),
        wide,
        id="axis",
    ),
    Case(
        "Max",
        partial(tf.reduce_max, axis=1),
        partial(np.max, axis=1),
        ((3, 4),),
        NUMBERS,
    ),
    Case("Max", tf.reduce_max, np.max, ((3, 4),), FLOATS, id="all"),
    Case(
        "Min",
        partial(tf.reduce_min, axis=0, keepdims=True),
        partial(np.min, axis=0, keepdims=True),
        ((3, 4),),
        NUMBERS,
    ),
    Case(
        "Prod",
        partial(tf.reduce_prod, axis=1),
        partial(np.prod, axis=1),
        ((3, 4),),
        NUMBERS,
        small,
    ),
    Case(
        "Any", partial(tf.reduce_any, axis=1), partial(np.any, axis=1), ((3, 4),), BOOL
    ),
    Case("Any", tf.reduce_any, np.any, ((3, 4),), BOOL, id="all"),
    Case(
        "All", partial(tf.reduce_all, axis=0), partial(np.all, axis=0), ((3, 2),), BOOL
    ),
    Case(
        "ReduceLogSumExp",
        partial(tf.reduce_logsumexp, axis=1),
        partial(_logsumexp, axis=1),
        ((3, 4),),
        FLOATS,
        wide,
    ),
    Case(
        "ReduceLogSumExp",
        tf.reduce_logsumexp,
        _logsumexp,
        ((3, 4),),
        FLOATS,
        wide,
        id="all",
    ),
    Case(
        "Sqrt",
        partial(tf.math.reduce_euclidean_norm, axis=1),
        lambda x: np.sqrt(np.sum(x * x, axis=1)),
        ((3, 4),),
        FLOATS,
        id="euclidean-norm",
    ),
    Case(
        "Sum",
        tf.count_nonzero,
        np.count_nonzero,
        ((3, 4),),
        NUMBERS,
        few,
        out_dtype=tf.int64,
        id="count-nonzero",
    ),
    Case(
        "ArgMax",
        tf.argmax,
        partial(np.argmax, axis=0),
        ((3, 4),),
        NUMBERS,
        distinct,
        out_dtype=tf.int64,
    ),
    Case(
        "ArgMax",
        partial(tf.argmax, axis=1),
        partial(np.argmax, axis=1),
        ((3, 4),),
        FLOATS,
        distinct,
        out_dtype=tf.int64,
        id="axis",
    ),
    Case(
        "ArgMax",
        partial(tf.argmax, axis=-1, output_type=tf.int32),
        partial(np.argmax, axis=-1),
        ((3, 4),),
        FLOATS,
        distinct,
        out_dtype=tf.int32,
        id="int32",
    ),
    Case(
        "ArgMin",
        partial(tf.argmin, axis=1),
        partial(np.argmin, axis=1),
        ((3, 4),),
        NUMBERS,
        distinct,
        out_dtype=tf.int64,
    ),
    Case(
        "Cumsum",
        partial(tf.cumsum, axis=1),
        partial(np.cumsum, axis=1),
        ((3, 4),),
        NUMBERS,
    ),
    Case(
        "Cumsum",
        partial(tf.cumsum, axis=1, exclusive=True, reverse=True),
        partial(_exclusive(np.cumsum, 0), axis=1, reverse=True),
        ((3, 4),),
        FLOATS,
        id="exclusive-reverse",
        unknown_dims=False,
    ),
    Case(
        "Cumsum",
        partial(tf.cumsum, exclusive=True),
        _exclusive(np.cumsum, 0),
        ((4, 2),),
        INTS,
        id="exclusive",
        unknown_dims=False,
    ),
    Case(
        "Cumprod",
        partial(tf.math.cumprod, axis=0),
        partial(np.cumprod, axis=0),
        ((3, 4),),
        NUMBERS,
        small,
    ),
    Case(
        "Cumprod",
        partial(tf.math.cumprod, exclusive=True, reverse=True),
        partial(_exclusive(np.cumprod, 1), reverse=True),
        ((4, 2),),
        FLOATS,
        small,
        id="exclusive-reverse",
        unknown_dims=False,
    ),
    # -- selection -----------------------------------------------------------------------------
    # -- segment reductions ---------------------------------------------------------------
    Case(
        "SegmentSum",
        lambda x: tf.segment_sum(x, SEGMENTS),
        _segment_ref(np.add, lambda d: 0),
        ((6, 3),),
        NUMBERS,
    ),
    Case(
        "SegmentSum",
        lambda x: tf.math.segment_sum(x, tf.constant([0, 1, 1, 3], tf.int64)),
        lambda x: _segment_ref(np.add, lambda d: 0)(x, np.array([0, 1, 1, 3])),
        ((4,),),
        FLOATS,
        id="vector-int64-ids",
    ),
    Case(
        "SegmentProd",
        lambda x: tf.segment_prod(x, SEGMENTS),
        _segment_ref(np.multiply, lambda d: 1),
        ((6, 2),),
        NUMBERS,
    ),
    Case(
        "SegmentMax",
        lambda x: tf.segment_max(x, SEGMENTS),
        _segment_ref(np.maximum, _lowest, empty_zero=True),
        ((6, 2),),
        NUMBERS,
    ),
    Case(
        "SegmentMin",
        lambda x: tf.segment_min(x, SEGMENTS),
        _segment_ref(np.minimum, _highest, empty_zero=True),
        ((6, 2),),
        NUMBERS,
    ),
    Case(
        "SegmentMean",
        lambda x: tf.segment_mean(x, SEGMENTS),
        _segment_mean_ref,
        ((6, 2),),
        NUMBERS,
    ),
    Case(
        "UnsortedSegmentSum",
        lambda x, ids: tf.unsorted_segment_sum(x, ids, 6),
        _segment_ref(np.add, lambda d: 0, 6),
        ((7, 3), (7,)),
        NUMBERS,
        (normal, indices(4, low=-1)),
        (None, tf.int32),
    ),
    Case(
        "UnsortedSegmentSum",
        lambda x, ids: tf.math.unsorted_segment_sum(x, ids, tf.constant(4)),
        _segment_ref(np.add, lambda d: 0, 4),
        ((3, 2, 5), (3, 2)),
        FLOATS,
        (normal, indices(4)),
        (None, tf.int64),
        id="ids-2d",
    ),
    Case(
        "UnsortedSegmentProd",
        lambda x, ids: tf.unsorted_segment_prod(x, ids, 5),
        _segment_ref(np.multiply, lambda d: 1, 5),
        ((6, 2), (6,)),
        NUMBERS,
        (normal, indices(4, low=-1)),
        (None, tf.int32),
    ),
    Case(
        "UnsortedSegmentMax",
        lambda x, ids: tf.unsorted_segment_max(x, ids, 5),
        _segment_ref(np.maximum, _lowest, 5),
        ((6, 2), (6,)),
        NUMBERS,
        (normal, indices(4, low=-1)),
        (None, tf.int32),
    ),
    Case(
        "UnsortedSegmentMin",
        lambda x, ids: tf.unsorted_segment_min(x, ids, 5),
        _segment_ref(np.minimum, _highest, 5),
        ((6, 2), (6,)),
        NUMBERS,
        (normal, indices(4, low=-1)),
        (None, tf.int32),
    ),
    Case(
        "TrueDiv",
        lambda x, ids: tf.unsorted_segment_mean(x, ids, 5),
        _unsorted_mean_ref,
        ((6, 2), (6,)),
        NUMBERS,
        (normal, indices(4, low=-1)),
        (None, tf.int32),
        out_dtype=_true_div_type,
        id="unsorted-segment-mean",
    ),
    Case(
        "ClipByValue",
        lambda t: tf.clip_by_value(t, -0.5, 0.5),
        lambda t: np.clip(t, -0.5, 0.5),
        ((3, 4),),
        FLOATS,
    ),
    Case(
        "ClipByValue",
        tf.clip_by_value,
        np.clip,
        ((3, 4), (4,), ()),
        NUMBERS,
        (normal, small, positive),
        id="tensors",
    ),
    Case(
        "Select",
        tf.where,
        np.where,
        ((3, 4),) * 3,
        NUMBERS,
        input_dtypes=(tf.bool, None, None),
    ),
    Case(
        "Select",
        tf.where,
        lambda c, x, y: np.where(c[:, None], x, y),
        ((3,), (3, 4), (3, 4)),
        FLOATS,
        input_dtypes=(tf.bool, None, None),
        id="rows",
    ),
    Case(
        "SelectV2",
        tf.where_v2,
        np.where,
        ((4,), (3, 1), ()),
        (*NUMBERS, tf.string),
        input_dtypes=(tf.bool, None, None),
    ),
    Case(
        "Select",
        tf.where,
        np.where,
        ((3, 4),) * 3,
        STRING,
        input_dtypes=(tf.bool, None, None),
        id="strings",
    ),
]


@pytest.mark.parametrize("case", params(MATH_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


# -- coverage of the op modules ---------------------------------------------------------------

TESTS = Path(__file__).resolve().parent.parent

# Op types checked by a dedicated test instead of a numpy table row (their values
# come from session state, a Python print or a graph function): op type -> the
# test that checks them (``file::function``, checked to exist).
TESTED_ELSEWHERE: dict[str, str] = {
    "PyFunc": "test_host_steps.py::test_py_func_runs_numpy_between_compiled_segments",
    "PyFuncStateless": "test_host_steps.py::test_py_func_outputs_tout_lists_and_no_outputs_as_tf1",
    "EagerPyFunc": "test_host_steps.py::test_py_function_passes_arrays_with_numpy_and_converts_results",
    "QueueEnqueueV2": "test_queues.py::test_fifo_order_dequeue_many_and_closing_as_tf1",
    "QueueDequeueV2": "test_queues.py::test_fifo_order_dequeue_many_and_closing_as_tf1",
    "QueueSizeV2": "test_queues.py::test_fifo_order_dequeue_many_and_closing_as_tf1",
    "QueueIsClosedV2": "test_queues.py::test_fifo_order_dequeue_many_and_closing_as_tf1",
    "QueueCloseV2": "test_queues.py::test_fifo_order_dequeue_many_and_closing_as_tf1",
    "ReaderReadV2": "test_queues.py::test_text_line_reader_over_files",
    "ReadFile": "test_queues.py::test_whole_file_reader_and_read_file",
    "DecodeCSV": "test_queues.py::test_decode_csv_values_and_errors_as_tf1",
    "LimitEpochs": "test_queues.py::test_input_producer_epochs_need_local_init_as_tf1",
    "HostRandomShuffle": "test_queues.py::test_shuffle_batch_gives_every_element_once_per_epoch",
    "IteratorToStringHandle": "test_data_iterators.py::test_feedable_iterator_switches_between_iterators_that_keep_their_place",
    "IteratorGetNextSwitch": "test_data_iterators.py::test_feedable_iterator_switches_between_iterators_that_keep_their_place",
    "IteratorSetActive": "test_data_iterators.py::test_reinitializable_iterator_restarts_and_switches_datasets",
    "HostIteratorInit": "test_data_host.py::test_initializable_host_iterator_with_fed_file_names",
    "HostIteratorGetNext": "test_data_host.py::test_from_generator_with_padded_batch",
    "PrintV2": "ops/test_logging_ops.py::test_tf_print_formats_strings_values_and_structures",
    "CandidateSampler": "ops/test_nn_impl.py::test_log_uniform_sampler_unique_classes_and_tf1_expected_counts",
    "VariableV2": "test_session.py::test_assign_returns_new_value_and_a_fetched_variable_its_end_value",
    "ReadVariable": "test_session.py::test_read_value_under_control_dependencies_sees_update",
    "Assign": "test_session.py::test_assign_returns_new_value_and_a_fetched_variable_its_end_value",
    "AssignAdd": "test_session.py::test_repeated_assign_add_accumulates",
    "AssignSub": "test_moving_averages.py::test_num_updates_caps_the_decay_early_in_training",
    "ScatterUpdate": "ops/test_state_ops.py::test_scatter_matches_numpy_and_writes_the_variable",
    "ScatterAdd": "ops/test_state_ops.py::test_scatter_matches_numpy_and_writes_the_variable",
    "ScatterSub": "ops/test_state_ops.py::test_scatter_matches_numpy_and_writes_the_variable",
    "IsVariableInitialized": "test_session.py::test_initialized_value_and_reporting",
    "InitializedValue": "test_session.py::test_initialized_value_and_reporting",
    "ReportUninitializedVariables": "test_session.py::test_initialized_value_and_reporting",
    "NoOp": "test_graph.py::test_control_dependencies_and_group",
    "If": "test_control_flow.py::test_cond_takes_the_branch_pred_selects",
    "While": "test_control_flow.py::test_while_loop_sums_like_python",
    "Scan": "test_control_flow.py::test_scan_matches_numpy_with_and_without_initializer",
    "SymbolicGradient": "test_gradients.py::test_matches_finite_differences",
    "ApplyOptax": "test_optimizers.py::test_updates_match_tf1_formula",
    "IteratorGetNext": "test_data.py::test_slices_batches_and_end_of_sequence",
    "ExponentialDecay": "test_train.py::test_schedules_match_tf1_formulas",
    "InverseTimeDecay": "test_train.py::test_schedules_match_tf1_formulas",
    "NaturalExpDecay": "test_train.py::test_schedules_match_tf1_formulas",
    "PolynomialDecay": "test_train.py::test_schedules_match_tf1_formulas",
    "CosineDecay": "test_train.py::test_schedules_match_tf1_formulas",
    "PiecewiseConstant": "test_train.py::test_schedules_match_tf1_formulas",
    "ScalarSummary": "test_summary.py::test_scalar_series_reads_back_with_steps_and_values",
    "HistogramSummary": "test_summary.py::test_histogram_matches_tf1_buckets_and_reads_back",
    "ImageSummary": "test_summary.py::test_image_float_normalisation_like_tf1",
    "AudioSummaryV2": "test_summary.py::test_audio_is_16_bit_wav_clipped_like_tf1",
    "TensorSummaryV2": "test_summary.py::test_tensor_summary_of_a_computed_tensor",
    "MergeSummary": "test_summary.py::test_merge_all_returns_every_value_in_one_summary",
}


def _table_rows() -> list[Any]:
    """Every row of every op table in tests/ops (module-level lists of rows)."""
    rows = []
    for path in sorted((TESTS / "ops").glob("test_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for value in vars(module).values():
            if (
                isinstance(value, list)
                and value
                and all(isinstance(getattr(r, "type", None), str) for r in value)
            ):
                rows.extend(value)
    return rows


def _test_exists(reference: str) -> bool:
    file, _, function = reference.partition("::")
    tree = ast.parse((TESTS / file).read_text())
    return any(
        isinstance(node, ast.FunctionDef) and node.name == function
        for node in tree.body
    )


def test_every_registered_op_has_a_case() -> None:
    covered = {row.type for row in _table_rows()}
    registered = set(registry.REGISTRY)
    op_modules = {d.impl.__module__ for d in registry.REGISTRY.values()}
    assert {f"jgraph.ops.{m}" for m in ("math_ops", "state_ops", "conversion")} <= (
        op_modules
    ), "the op modules should register their ops on import"
    missing = sorted(registered - covered - set(TESTED_ELSEWHERE))
    assert not missing, f"op types without a numpy test case: {missing}"
    unknown = sorted((covered | set(TESTED_ELSEWHERE)) - registered)
    assert not unknown, f"cases for op types that are not registered: {unknown}"
    stale = sorted(t for t, ref in TESTED_ELSEWHERE.items() if not _test_exists(ref))
    assert not stale, f"TESTED_ELSEWHERE names tests that do not exist: {stale}"
    tabled = sorted(set(TESTED_ELSEWHERE) & covered)
    assert not tabled, f"op types with a table row need no exception: {tabled}"


# -- TF1 details --------------------------------------------------------------------------------


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def test_xlogy_at_zero_and_its_gradient_are_tf1s() -> None:
    # Values and gradients from tf.compat.v1 (TF 2.21): x == 0 gives 0 whatever y
    # (NaN included), and a zero gradient with respect to both inputs.
    x = tf.constant([0.0, 0.0, 1.0, 2.0, -1.0, 0.0, 3.0])
    y = tf.constant([0.0, -1.0, 0.0, 3.0, 2.0, np.nan, -1.0])
    z = tf.math.xlogy(x, y)
    dx, dy = tf.gradients(z, [x, y])
    value, grad_x, grad_y = _run([z, dx, dy])
    np.testing.assert_allclose(
        value, [0, 0, -np.inf, 2.1972246, -0.6931472, 0, np.nan], rtol=1e-6
    )
    np.testing.assert_allclose(
        grad_x, [0, 0, -np.inf, 1.0986123, 0.6931472, 0, np.nan], rtol=1e-6
    )
    np.testing.assert_allclose(
        grad_y, [0, 0, np.inf, 0.6666667, -0.5, 0, -3], rtol=1e-6
    )
    assert z.op.type == "Xlogy" and z.op.name == "Xlogy"
    with pytest.raises(TypeError, match="int32 not in list of allowed values"):
        tf.math.xlogy(tf.constant([1, 2]), tf.constant([1, 2]))


def test_true_division_dtypes_follow_tf1() -> None:
    for dtype, want in [
        (tf.int32, tf.float64),
        (tf.int64, tf.float64),
        (tf.int16, tf.float32),
        (tf.int8, tf.float32),
        (tf.float16, tf.float16),
    ]:
        x = tf.constant([7, -7], dtype=dtype)
        assert (x / tf.constant(2, dtype=dtype)).dtype == want
    assert _run(tf.constant(1) / tf.constant(3)) == pytest.approx(1 / 3, abs=1e-15)


def test_floor_division_and_mod_floor_for_negative_numbers() -> None:
    a, b = tf.constant([-7, 7, -7]), tf.constant([2, -2, -2])
    fa, fb = tf.constant([-7.5, 7.5]), tf.constant([2.0, -2.0])
    quotient, remainder, fq, fr = _run([a // b, a % b, fa // fb, fa % fb])
    np.testing.assert_array_equal(quotient, [-4, -4, 3])
    np.testing.assert_array_equal(remainder, [1, -1, -1])
    np.testing.assert_array_equal(fq, [-4.0, -4.0])
    np.testing.assert_array_equal(fr, [0.5, -0.5])


def test_reduce_mean_of_ints_stays_int_and_truncates() -> None:
    mean = tf.reduce_mean(tf.constant([-3, -2, 0]))  # -5 / 3 = -1.67 -> -1
    assert mean.dtype == tf.int32
    assert _run(mean) == -1


def test_round_is_half_to_even_and_casts_truncate() -> None:
    x = tf.constant([0.5, 1.5, 2.5, -0.5, -1.5, -2.7])
    rounded, truncated = _run([tf.round(x), tf.cast(x, tf.int32)])
    np.testing.assert_array_equal(rounded, [0.0, 2.0, 2.0, -0.0, -2.0, -3.0])
    np.testing.assert_array_equal(truncated, [0, 1, 2, 0, -1, -2])


def test_argmax_and_argmin_give_int64() -> None:
    x = tf.constant([[1.0, 3.0, 2.0]])
    assert tf.argmax(x, 1).dtype == tf.int64 and tf.argmin(x, 1).dtype == tf.int64
    assert _run(tf.argmax(x, 1)).dtype == np.int64


def test_python_scalars_adopt_the_tensor_dtype() -> None:
    x = tf.placeholder(tf.float32, [2])
    assert (x * 2).dtype == tf.float32
    assert (2 * x).dtype == tf.float32
    assert tf.add(x, 1).dtype == tf.float32
    n = tf.constant([1, 2], dtype=tf.int64)
    assert (n + 2**40).dtype == tf.int64
    with pytest.raises(TypeError, match=r"Expected int32, got 2\.5"):
        _ = tf.constant([1, 2]) * 2.5


def test_mixed_dtypes_raise_type_error_when_building() -> None:
    i, f = tf.constant([1, 2]), tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match=r"'Add'.*int32.*float32"):
        tf.add(i, f)
    with pytest.raises(TypeError, match="must all match"):
        _ = i * f
    with pytest.raises(TypeError, match="must all match"):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64))


def test_op_names_dedupe_case_insensitively_as_tf1() -> None:
    a, b = tf.constant(2), tf.constant(3)
    assert tf.multiply(a, b).name == "Mul:0"
    assert (a * b).name == "mul_1:0"
    assert tf.multiply(a, b).name == "Mul_2:0"
    c = a * 2
    assert c.op.inputs[1].name == "mul_3/y:0"
    assert (a < 2).op.inputs[1].name == "Less/y:0"
    assert (3 - a).op.inputs[0].name == "sub/x:0"
    assert tf.divide(a, b).name == "truediv:0"


def test_scalar_operand_is_named_like_tf1() -> None:
    a = tf.constant(2)
    c = a * 2
    assert c.name == "mul:0"
    assert c.op.inputs[1].name == "mul/y:0"
    assert c.op.inputs[1].op.type == "Const"


def test_matmul_shape_mismatch_names_op_and_shapes() -> None:
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.placeholder(tf.float32, [4, 5])
    message = (
        r"Dimensions must be equal, but are 3 and 4 for 'MatMul' \(op: 'MatMul'\)"
        r" with input shapes: \[\?,3\], \[4,5\]\."
    )
    with pytest.raises(ValueError, match=message):
        tf.matmul(x, w)


def test_independent_unknown_dims_build_and_run() -> None:
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [None, 3])
    c = tf.placeholder(tf.float32, [4, 3])
    total, with_known = a + b, a + c
    assert total.shape.as_list() == [None, 3]
    assert with_known.shape.as_list() == [4, 3]
    product = tf.matmul(a, tf.placeholder(tf.float32, [None, 5], name="w"))
    assert product.shape.as_list() == [None, 5]
    ones = np.ones((4, 3), np.float32)
    got_total, got_known = _run([total, with_known], {a: ones, b: 2 * ones, c: ones})
    np.testing.assert_array_equal(got_total, 3 * ones)
    np.testing.assert_array_equal(got_known, 2 * ones)


def test_64bit_dtypes_are_64bit_without_global_x64() -> None:
    big = tf.constant(2**40, dtype=tf.int64)
    third = tf.constant(1.0, dtype=tf.float64) / 3
    ints = tf.placeholder(tf.int64, [2])
    got_big, got_third, got_sum = _run(
        [big + 1, third, tf.reduce_sum(ints)], {ints: [2**33, 2**34]}
    )
    assert got_big == 2**40 + 1 and got_big.dtype == np.int64
    assert got_third == 1 / 3 and got_third.dtype == np.float64
    assert got_sum == 2**33 + 2**34
    assert not jax.config.jax_enable_x64
    assert jax.numpy.zeros(()).dtype == np.float32  # the user's JAX is untouched


def test_segment_ops_name_and_shape_like_tf1() -> None:
    data = tf.placeholder(tf.float32, [None, 3])
    summed = tf.segment_sum(data, [0, 0, 2])
    assert summed.name == "SegmentSum:0" and summed.shape.as_list() == [3, 3]
    ids = tf.placeholder(tf.int32, [None])
    top = tf.unsorted_segment_max(data, ids, 4)
    assert top.op.type == "UnsortedSegmentMax" and top.shape.as_list() == [4, 3]
    assert tf.unsorted_segment_mean(data, ids, 2).shape.as_list() == [2, 3]
    assert (
        tf.unsorted_segment_sum(tf.placeholder(tf.float32), ids, 2).shape.ndims is None
    )


def test_unsorted_segment_ids_out_of_range_at_run_time_are_dropped() -> None:
    # TF1 difference (documented on unsorted_segment_sum): XLA cannot raise in a
    # run, so an id >= num_segments known only at run time is dropped (TF1 raises).
    ids = tf.placeholder(tf.int32, [3])
    total = tf.unsorted_segment_sum(tf.constant([1.0, 2.0, 4.0]), ids, 2)
    np.testing.assert_array_equal(_run(total, {ids: [1, 2, -1]}), [0.0, 1.0])


# -- bad inputs -------------------------------------------------------------------------------------

BAD_INPUTS = [
    pytest.param(
        lambda: tf.sqrt(tf.constant([4, 9])),
        TypeError,
        r"'Sqrt'.*int32 not in list",
        id="sqrt-int",
    ),
    pytest.param(
        lambda: tf.sigmoid(tf.constant(1)),
        TypeError,
        r"'Sigmoid'.*int32",
        id="sigmoid-int",
    ),
    pytest.param(
        lambda: tf.logical_and(tf.constant(1.0), tf.constant(0.0)),
        TypeError,
        r"'LogicalAnd'.*float32.*bool",
        id="logical-float",
    ),
    pytest.param(
        lambda: ~tf.constant(3), TypeError, r"'LogicalNot'.*int32", id="invert-int"
    ),
    pytest.param(
        lambda: tf.reduce_any(tf.constant([1, 0])),
        TypeError,
        r"'Any'.*int32",
        id="any-int",
    ),
    pytest.param(
        lambda: tf.reduce_sum(tf.constant([True])),
        TypeError,
        r"'Sum'.*bool",
        id="sum-bool",
    ),
    pytest.param(
        lambda: tf.where(tf.constant([1, 0]), tf.constant([1, 2]), tf.constant([3, 4])),
        TypeError,
        r"condition.*int32",
        id="where-int-condition",
    ),
    pytest.param(
        lambda: tf.where(tf.constant([True]), tf.constant([1]), tf.constant([1.0])),
        TypeError,
        "must all match",
        id="where-mixed",
    ),
    pytest.param(
        lambda: tf.add(tf.ones([2, 3]), tf.ones([2, 4])),
        ValueError,
        r"Dimensions must be equal, but are 3 and 4 for 'Add'.*\[2,3\], \[2,4\]",
        id="add-shapes",
    ),
    pytest.param(
        lambda: tf.ones([2, 3]) * tf.ones([3, 2]),
        ValueError,
        r"but are 3 and 2 for 'mul'",
        id="mul-shapes",
    ),
    pytest.param(
        lambda: tf.matmul(tf.ones([2]), tf.ones([2, 2])),
        ValueError,
        "Shape must be rank 2 but is rank 1",
        id="matmul-rank",
    ),
    pytest.param(
        lambda: tf.matmul(tf.ones([2, 3]), tf.ones([3, 2]), transpose_a=True),
        ValueError,
        "but are 2 and 3",
        id="matmul-transposed",
    ),
    pytest.param(
        lambda: tf.tensordot(tf.ones([2, 3]), tf.ones([4, 3]), 1),
        ValueError,
        "Tensordot",
        id="tensordot-shapes",
    ),
    pytest.param(
        lambda: tf.add_n([tf.ones([2]), tf.ones([3])]),
        ValueError,
        "Shapes must be equal",
        id="add-n-shapes",
    ),
    pytest.param(
        lambda: tf.reduce_sum(tf.ones([2, 3]), axis=2),
        ValueError,
        "'Sum'",
        id="axis-out-of-range",
    ),
    pytest.param(
        lambda: tf.reduce_sum(tf.ones([2]), axis=tf.placeholder(tf.int32, [])),
        ValueError,
        "must be known when the graph is built",
        id="axis-fed",
    ),
    pytest.param(
        lambda: tf.reduce_sum(tf.ones([2]), axis=0, reduction_indices=0),
        ValueError,
        "both",
        id="axis-twice",
    ),
    pytest.param(
        lambda: tf.argmax(tf.ones([2]), output_type=tf.float32),
        TypeError,
        "output_type",
        id="argmax-output-type",
    ),
    pytest.param(
        lambda: tf.where(tf.constant([True, False]), tf.ones([3, 2]), tf.ones([3, 2])),
        ValueError,
        "but are 2 and 3",
        id="where-rows",
    ),
    pytest.param(
        lambda: tf.where(tf.ones([2, 2], tf.bool), tf.ones([2, 2]), tf.ones([2])),
        ValueError,
        "Shapes must be equal",
        id="where-v1-no-broadcast",
    ),
    pytest.param(
        lambda: tf.clip_by_value(tf.ones([2, 3]), tf.zeros([4]), 1.0),
        ValueError,
        "but are 3 and 4",
        id="clip-shapes",
    ),
    pytest.param(
        lambda: tf.segment_sum(tf.ones([3]), tf.placeholder(tf.int32, [3])),
        NotImplementedError,
        r"SegmentSum: the number of segments .* known only at run time",
        id="segment-fed-ids",
    ),
    pytest.param(
        lambda: tf.segment_max(tf.ones([3]), [0, 2, 1]),
        ValueError,
        r"SegmentMax: segment ids must be >= 0 and sorted, got \[0, 2, 1\]",
        id="segment-unsorted-ids",
    ),
    pytest.param(
        lambda: tf.segment_sum(tf.ones([2]), [-1, 0]),
        ValueError,
        "must be >= 0",
        id="segment-negative-id",
    ),
    pytest.param(
        lambda: tf.segment_mean(tf.ones([3, 2]), [0, 1]),
        ValueError,
        r"SegmentMean: the shape of segment_ids .* must be a prefix",
        id="segment-ids-length",
    ),
    pytest.param(
        lambda: tf.segment_sum(tf.ones([2, 2]), [[0, 0], [1, 1]]),
        ValueError,
        "must be a vector",
        id="segment-ids-matrix",
    ),
    pytest.param(
        lambda: tf.segment_sum(tf.ones([2]), tf.constant([0.0, 1.0])),
        TypeError,
        r"'segment_ids' of 'SegmentSum'.*float32",
        id="segment-float-ids",
    ),
    pytest.param(
        lambda: tf.segment_prod(tf.constant([True, False]), [0, 0]),
        TypeError,
        r"'data' of 'SegmentProd'.*bool",
        id="segment-bool-data",
    ),
    pytest.param(
        lambda: tf.unsorted_segment_sum(
            tf.ones([2]), [0, 1], tf.placeholder(tf.int32, [])
        ),
        ValueError,
        "UnsortedSegmentSum num_segments must be known when the graph is built",
        id="unsorted-fed-num-segments",
    ),
    pytest.param(
        lambda: tf.unsorted_segment_min(tf.ones([2]), [0, 3], 3),
        ValueError,
        r"UnsortedSegmentMin: segment id 3 is out of range \[0, 3\)",
        id="unsorted-id-out-of-range",
    ),
    pytest.param(
        lambda: tf.unsorted_segment_prod(tf.ones([2]), [0, 1], -1),
        ValueError,
        "num_segments must be >= 0",
        id="unsorted-negative-count",
    ),
    pytest.param(
        lambda: tf.unsorted_segment_max(tf.ones([2, 3]), tf.zeros([3], tf.int32), 2),
        ValueError,
        "must be a prefix",
        id="unsorted-ids-shape",
    ),
    pytest.param(
        lambda: tf.cast(tf.constant("a"), tf.int32),
        TypeError,
        "string",
        id="cast-string",
    ),
]


@pytest.mark.parametrize(("build", "error", "match"), BAD_INPUTS)
def test_bad_inputs_raise_when_building(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()
