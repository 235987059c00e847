"""Every registered op type against TF1, forward and gradient, on edge values.

One row per op type with a TF1 counterpart (``OP_TABLE``); ``NOT_COMPARED`` lists
the others, each with its reason, and ``test_every_registered_op_type_is_covered``
fails when an op type is in neither. Adding an op: add a row.
"""

from __future__ import annotations

import numpy as np
import pytest

from jgraph._registry import REGISTRY

from ._harness import assert_same, both
from ._rows import (
    F32,
    F64,
    I32,
    I64,
    Row,
    edges,
    empty,
    flat_pairs,
    grid,
    pairs,
)

FLOATS = (F32, F64)
NUMBERS = (F32, F64, I32, I64)


def unary(op_type, fn, dtypes=FLOATS, **kwargs):
    """A row for an elementwise op: every edge value of each dtype, a 2-D block, an
    empty tensor."""
    cases = [(edges(d),) for d in dtypes]
    cases += [(grid(dtypes[0], (3, 4), seed=1),), (empty((0, 2), dtypes[0]),)]
    return Row(op_type, fn, cases, **kwargs)


def binary(op_type, fn, dtypes=FLOATS, x=None, y=None, **kwargs):
    """A row for an elementwise binary op: all pairs of edge values (ties included)
    by broadcasting per dtype, the same pairs without broadcasting, and empties."""
    cases = []
    for d in dtypes:
        xs = edges(d) if x is None else x(d)
        ys = edges(d) if y is None else y(d)
        cases.append(pairs(xs, ys))
    d = dtypes[0]
    xs = edges(d) if x is None else x(d)
    ys = edges(d) if y is None else y(d)
    cases.append(flat_pairs(xs, ys))
    cases.append((empty((0, 1), d), empty((3,), d)))
    return Row(op_type, fn, cases, **kwargs)


def _nonzero_divisors(dtype):
    values = edges(dtype)
    if np.dtype(dtype).kind in "iu":
        return values[(values != 0) & (values != -1)]
    return values


def _no_int_min(dtype):
    values = edges(dtype)
    if np.dtype(dtype).kind == "i":
        return values[values != np.iinfo(dtype).min]
    return values


MATH_ROWS = [
    binary("Add", lambda tf, x, y: tf.add(x, y), NUMBERS),
    binary("Sub", lambda tf, x, y: tf.subtract(x, y), NUMBERS),
    binary("Mul", lambda tf, x, y: tf.multiply(x, y), NUMBERS),
    binary("Maximum", lambda tf, x, y: tf.maximum(x, y), NUMBERS),
    binary("Minimum", lambda tf, x, y: tf.minimum(x, y), NUMBERS),
    binary("SquaredDifference", lambda tf, x, y: tf.squared_difference(x, y)),
    binary("Pow", lambda tf, x, y: tf.pow(x, y)),
    binary(
        "FloorDiv",
        lambda tf, x, y: tf.floordiv(x, y),
        NUMBERS,
        x=_no_int_min,
        y=_nonzero_divisors,
    ),
    binary(
        "FloorMod",
        lambda tf, x, y: tf.floormod(x, y),
        NUMBERS,
        x=_no_int_min,
        y=_nonzero_divisors,
    ),
    binary("TrueDiv", lambda tf, x, y: tf.truediv(x, y), NUMBERS),
    binary("RealDiv", lambda tf, x, y: tf.realdiv(x, y)),
    binary("DivNoNan", lambda tf, x, y: tf.div_no_nan(x, y)),
    binary("Atan2", lambda tf, x, y: tf.atan2(x, y)),
    binary("Equal", lambda tf, x, y: tf.equal(x, y), NUMBERS),
    binary("NotEqual", lambda tf, x, y: tf.not_equal(x, y), NUMBERS),
    binary("Less", lambda tf, x, y: tf.less(x, y), NUMBERS),
    binary("LessEqual", lambda tf, x, y: tf.less_equal(x, y), NUMBERS),
    binary("Greater", lambda tf, x, y: tf.greater(x, y), NUMBERS),
    binary("GreaterEqual", lambda tf, x, y: tf.greater_equal(x, y), NUMBERS),
    binary("LogicalAnd", lambda tf, x, y: tf.logical_and(x, y), (np.bool_,)),
    binary("LogicalOr", lambda tf, x, y: tf.logical_or(x, y), (np.bool_,)),
    binary("LogicalXor", lambda tf, x, y: tf.logical_xor(x, y), (np.bool_,)),
    binary("BitwiseAnd", lambda tf, x, y: tf.bitwise.bitwise_and(x, y), (I32, I64)),
    binary("BitwiseOr", lambda tf, x, y: tf.bitwise.bitwise_or(x, y), (I32, I64)),
    binary("BitwiseXor", lambda tf, x, y: tf.bitwise.bitwise_xor(x, y), (I32, I64)),
    unary("Neg", lambda tf, x: tf.negative(x), NUMBERS),
    unary("Abs", lambda tf, x: tf.abs(x), NUMBERS),
    unary("Square", lambda tf, x: tf.square(x), NUMBERS),
    unary("Sign", lambda tf, x: tf.sign(x), NUMBERS),
    unary("Round", lambda tf, x: tf.round(x), NUMBERS),
    unary("Sqrt", lambda tf, x: tf.sqrt(x)),
    unary("Rsqrt", lambda tf, x: tf.rsqrt(x)),
    unary("Exp", lambda tf, x: tf.exp(x)),
    unary("Expm1", lambda tf, x: tf.expm1(x)),
    unary("Log", lambda tf, x: tf.log(x)),
    unary("Log1p", lambda tf, x: tf.log1p(x)),
    unary("Sin", lambda tf, x: tf.sin(x)),
    unary("Cos", lambda tf, x: tf.cos(x)),
    unary("Tan", lambda tf, x: tf.tan(x)),
    unary("Asin", lambda tf, x: tf.asin(x)),
    unary("Acos", lambda tf, x: tf.acos(x)),
    unary("Atan", lambda tf, x: tf.atan(x)),
    unary("Sinh", lambda tf, x: tf.sinh(x)),
    unary("Cosh", lambda tf, x: tf.cosh(x)),
    unary("Tanh", lambda tf, x: tf.tanh(x)),
    unary("Sigmoid", lambda tf, x: tf.sigmoid(x)),
    unary("Floor", lambda tf, x: tf.floor(x)),
    unary("Ceil", lambda tf, x: tf.ceil(x)),
    unary("Reciprocal", lambda tf, x: tf.reciprocal(x)),
    unary("Erf", lambda tf, x: tf.erf(x)),
    unary("Lgamma", lambda tf, x: tf.lgamma(x)),
    unary("IsNan", lambda tf, x: tf.is_nan(x)),
    unary("IsInf", lambda tf, x: tf.is_inf(x)),
    unary("IsFinite", lambda tf, x: tf.is_finite(x)),
    unary("LogicalNot", lambda tf, x: tf.logical_not(x), (np.bool_,)),
    unary("Invert", lambda tf, x: tf.bitwise.invert(x), (I32, I64)),
    unary("Softplus", lambda tf, x: tf.nn.softplus(x)),
    unary("Softsign", lambda tf, x: tf.nn.softsign(x)),
    unary("Relu", lambda tf, x: tf.nn.relu(x), NUMBERS),
    unary("Relu6", lambda tf, x: tf.nn.relu6(x), NUMBERS),
    unary("Elu", lambda tf, x: tf.nn.elu(x)),
    unary("Selu", lambda tf, x: tf.nn.selu(x)),
    unary("LogSigmoid", lambda tf, x: tf.log_sigmoid(x)),
]

OP_TABLE = MATH_ROWS

# Registered op types without a row, each with its reason.
NOT_COMPARED: dict[str, str] = {}


def _params(rows):
    return [pytest.param(r, id=r.name, marks=r.marks) for r in rows]


@pytest.mark.parametrize("row", _params(OP_TABLE))
def test_op_matches_tf1(row: Row) -> None:
    from ._rows import row_program

    want, got = both(row_program(row))
    assert not hasattr(got, "error"), f"jgraph raised {got}"
    assert not hasattr(want, "error"), f"TF1 raised {want}"
    (want_result, _), (got_result, got_types) = want, got
    assert row.type in got_types, f"the row does not build a {row.type} op in jgraph"
    assert_same(want_result["static"], got_result["static"], "static")
    assert_same(want_result["values"], got_result["values"], "values", row.tol)
    if row.grad:
        assert_same(
            want_result["gradients"], got_result["gradients"], "gradients", row.grad_tol
        )


def test_every_registered_op_type_is_covered() -> None:
    compared = {row.type for row in OP_TABLE}
    unknown = sorted((compared | set(NOT_COMPARED)) - set(REGISTRY))
    assert not unknown, (
        f"rows or entries for op types that are not registered: {unknown}"
    )
    both_ways = sorted(compared & set(NOT_COMPARED))
    assert not both_ways, f"op types both compared and listed as not: {both_ways}"
    missing = sorted(set(REGISTRY) - compared - set(NOT_COMPARED))
    assert not missing, (
        f"registered op types neither compared with TF1 nor listed: {missing}"
    )
