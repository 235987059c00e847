"""Every registered op type against TF1, forward and gradient, on edge values.

One row per op type with a TF1 counterpart (``OP_TABLE``); ``NOT_COMPARED`` lists
the others, each with its reason, and ``test_every_registered_op_type_is_covered``
fails when an op type is in neither. Adding an op: add a row.
"""

from __future__ import annotations

import numpy as np
import pytest

from jgraph.ops.registry import REGISTRY

from ._harness import Raised, assert_same, both, static
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
    randn,
    refined_as_unknown,
    row_program,
    uniform,
    unknown_as_known,
    without_names,
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
    binary("Xlogy", lambda tf, x, y: tf.math.xlogy(x, y)),
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
    unary("Erf", lambda tf, x: tf.erf(x), (F32,)),
    Row("Erf", lambda tf, x: tf.erf(x), [(edges(F64, specials=False),)], id="f64"),
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


def _ties(dtype, shape=(3, 4), seed=1):
    """A block of edge values with repeats (ties), no NaN/inf."""
    return grid(dtype, shape, seed=seed)


def _with_specials(shape=(3, 5), seed=2):
    values = grid(F32, shape, seed=seed)
    values.flat[[1, 7, 13]] = [np.nan, np.inf, -np.inf]
    return values


def reduction(op_type, fn, dtypes=NUMBERS, specials=True, **kwargs):
    cases = [(_ties(d),) for d in dtypes]
    if specials:
        cases.append((_with_specials(),))
    return Row(op_type, fn, cases, **kwargs)


def _both_axes(reduce):
    def build(tf, x):
        return (
            reduce(tf)(x),
            reduce(tf)(x, axis=1),
            reduce(tf)(x, axis=0, keepdims=True),
        )

    return build


BOOL_BLOCK = np.array([[True, False, True], [True, True, True]])
SEGMENT_IDS = [0, 0, 2, 2, 2, 3]  # segment 1 empty, ties within segments
MATRIX = np.array([[4.0, 1.0, -2.0], [1.0, 5.0, 0.5], [-2.0, 0.5, 6.0]])
LOWER = np.array([[2.0, 0.0, 0.0], [1.0, 3.0, 0.0], [-1.0, 0.5, 4.0]])
IMAGES = randn((2, 5, 6, 3), seed=4)
KERNEL = randn((3, 3, 3, 4), seed=5)

REDUCTION_ROWS = [
    reduction("Sum", _both_axes(lambda tf: tf.reduce_sum)),
    reduction("Mean", _both_axes(lambda tf: tf.reduce_mean)),
    reduction("Max", _both_axes(lambda tf: tf.reduce_max)),
    reduction("Min", _both_axes(lambda tf: tf.reduce_min)),
    reduction("Prod", _both_axes(lambda tf: tf.reduce_prod)),
    reduction("ReduceLogSumExp", _both_axes(lambda tf: tf.reduce_logsumexp), FLOATS),
    Row("Any", _both_axes(lambda tf: tf.reduce_any), [(BOOL_BLOCK,)], grad=False),
    Row("All", _both_axes(lambda tf: tf.reduce_all), [(BOOL_BLOCK,)], grad=False),
    reduction(
        "ArgMax",
        lambda tf, x: (tf.argmax(x, axis=1), tf.argmax(x, 0, output_type=tf.int32)),
        specials=False,
    ),
    reduction(
        "ArgMin",
        lambda tf, x: (tf.argmin(x, axis=1), tf.argmin(x, 0, output_type=tf.int32)),
        specials=False,
    ),
    reduction(
        "Cumsum",
        lambda tf, x: (
            tf.cumsum(x, axis=1),
            tf.cumsum(x, axis=0, exclusive=True, reverse=True),
        ),
    ),
    Row(
        "Cumprod",
        lambda tf, x: (tf.cumprod(x, axis=1), tf.cumprod(x, 0, exclusive=True)),
        [(_ties(d),) for d in NUMBERS if d in (I32, I64)]
        + [(uniform((3, 4), 0.5, 2.0, d),) for d in FLOATS]
        + [(grid(F32, (3, 4), 5) + 0.25,)],  # no zeros: see test_deliberate
    ),
    Row(
        "AddN",
        lambda tf, x, y: tf.add_n([x, y, x]),
        [(_ties(d), _ties(d, seed=3)) for d in NUMBERS],
    ),
    Row(
        "MatMul",
        lambda tf, a, b: (
            tf.matmul(a, b),
            tf.matmul(a, a, transpose_b=True),
            tf.matmul(b, b, transpose_a=True),
        ),
        [(_ties(F32), _ties(F32, (4, 2), 3)), (randn((2, 3), F64), randn((3, 5), F64))],
    ),
    Row(
        "Tensordot",
        lambda tf, a, b: (tf.tensordot(a, b, 1), tf.tensordot(a, b, [[1], [0]])),
        [(randn((2, 3)), randn((3, 4), seed=1))],
        names=False,
    ),
    Row(
        "Einsum",
        lambda tf, a, b: (tf.einsum("ij,jk->ik", a, b), tf.einsum("ij->j", a)),
        [(randn((2, 3)), randn((3, 4), seed=1))],
        names=False,
    ),
    Row(
        "Cast",
        lambda tf, x: (
            tf.cast(x, tf.int32),
            tf.cast(x, tf.float64),
            tf.cast(x, tf.bool),
            tf.cast(tf.cast(x, tf.bool), tf.float32),
        ),
        [(edges(F32, specials=False),), (np.array([0.5, -2.5, 3.75]),)],
    ),
    Row(
        "Cast",
        lambda tf, x: (
            tf.cast(x, tf.float32),
            tf.cast(x, tf.int64),
            tf.cast(x, tf.bool),
        ),
        [(edges(I32),)],
        id="ints",
    ),
    Row(
        "ClipByValue",
        lambda tf, x, lo, hi: (
            tf.clip_by_value(x, lo, hi),
            tf.clip_by_value(x, -1.0, 6.0),
        ),
        [(edges(F32), np.float32(-1.0), np.float32(2.0)), (edges(F64), 0.0, 0.0)],
    ),
    Row(
        "ClipByValue",
        lambda tf, x: tf.clip_by_value(x, -1, 2),
        [(edges(I32),)],
        id="ints",
    ),
    Row(
        "Select",
        lambda tf, c, x, y: (tf.where(c, x, y), tf.where(c[:, 0], x, y)),
        [(BOOL_BLOCK, _ties(F32, (2, 3)), _ties(F32, (2, 3), 4))],
    ),
    Row(
        "SelectV2",
        lambda tf, c, x, y: tf.where_v2(c, x, y),
        [(BOOL_BLOCK, _ties(F32, (2, 3)), _ties(F32, (3,), 4))],
    ),
]


def _segments(fn):
    def build(tf, x):
        return fn(tf)(x, tf.constant(SEGMENT_IDS))

    return build


def _unsorted(fn):
    def build(tf, x):
        ids = tf.constant([3, 0, 3, 0, 0, 1])
        return fn(tf)(x, ids, 5)

    return build


SEGMENT_CASES = [(_ties(F32, (6, 2)),), (_ties(I32, (6, 2)),)]

SEGMENT_ROWS = [
    Row(t, _segments(f), SEGMENT_CASES, known_dims=True)
    for t, f in [
        ("SegmentSum", lambda tf: tf.math.segment_sum),
        ("SegmentProd", lambda tf: tf.math.segment_prod),
        ("SegmentMax", lambda tf: tf.math.segment_max),
        ("SegmentMin", lambda tf: tf.math.segment_min),
        ("SegmentMean", lambda tf: tf.math.segment_mean),
    ]
] + [
    Row(t, _unsorted(f), SEGMENT_CASES)
    for t, f in [
        ("UnsortedSegmentSum", lambda tf: tf.math.unsorted_segment_sum),
        ("UnsortedSegmentProd", lambda tf: tf.math.unsorted_segment_prod),
        ("UnsortedSegmentMax", lambda tf: tf.math.unsorted_segment_max),
        ("UnsortedSegmentMin", lambda tf: tf.math.unsorted_segment_min),
    ]
]

BLOCK = randn((2, 3, 4), seed=7)

ARRAY_ROWS = [
    Row(
        "Const",
        lambda tf: (tf.constant([1.5, -0.0]), tf.constant(3), tf.constant([[True]])),
        [()],
        unknown_dims=False,
    ),
    Row("Placeholder", lambda tf, x: x, [(edges(F32),), (edges(I64),)]),
    Row("Identity", lambda tf, x: tf.identity(x), [(edges(F32),), (edges(I32),)]),
    Row(
        "PlaceholderWithDefault",
        lambda tf, x: tf.placeholder_with_default(x * 2.0, [None, 4]),
        [(_ties(F32),)],
    ),
    Row("StopGradient", lambda tf, x: tf.stop_gradient(x) * x, [(_ties(F32),)]),
    Row("BroadcastTo", lambda tf, x: tf.broadcast_to(x, [2, 3, 4]), [(randn((3, 1)),)]),
    Row(
        "ConcatV2",
        lambda tf, x, y: (tf.concat([x, y], 1), tf.concat([x, x], -3)),
        [(BLOCK, randn((2, 1, 4))), (np.ones((2, 0, 4), F32), BLOCK)],
    ),
    Row(
        "ExpandDims",
        lambda tf, x: (tf.expand_dims(x, 0), tf.expand_dims(x, -1)),
        [(BLOCK,)],
    ),
    Row(
        "Eye",
        lambda tf: (tf.eye(3), tf.eye(2, 4, dtype=tf.int32)),
        [()],
        unknown_dims=False,
        names=False,
    ),
    Row(
        "Fill", lambda tf, x: tf.fill([2, 3], x), [(np.float32(2.5),), (np.int32(-7),)]
    ),
    Row(
        "GatherNd",
        lambda tf, p: (
            tf.gather_nd(p, [[0, 1], [1, 2], [0, 1]]),
            tf.gather_nd(p, [[1]]),
        ),
        [(BLOCK,)],
    ),
    Row(
        "GatherV2",
        lambda tf, p, i: (tf.gather(p, i), tf.gather(p, i, axis=2)),
        [(BLOCK, np.array([1, 0, 1], I32)), (BLOCK, np.array([[0, 1]], I64))],
    ),
    Row(
        "LinSpace",
        lambda tf, a, b: tf.linspace(a, b, 5),
        [(np.float32(-1.0), np.float32(2.0)), (np.float64(3.0), np.float64(3.0))],
        names=False,
    ),
    Row(
        "OneHot",
        lambda tf, i: (
            tf.one_hot(i, 4),
            tf.one_hot(i, 3, on_value=5, off_value=-1, axis=0),
        ),
        [(np.array([0, 3, -1, 4, 2], I32),), (np.array([[1, 1], [0, 2]], I64),)],
    ),
    Row(
        "Fill",
        lambda tf, x: (tf.ones_like(x), tf.ones_like(x, dtype=tf.int32)),
        [(BLOCK,)],
        id="ones-like",
    ),
    Row(
        "ZerosLike",
        lambda tf, x: (tf.zeros_like(x), tf.zeros_like(x, dtype=tf.bool)),
        [(BLOCK,)],
    ),
    Row(
        "Pack",
        lambda tf, x, y: (tf.stack([x, y]), tf.stack([x, y], axis=-1)),
        [(randn((2, 3)), randn((2, 3), seed=1))],
    ),
    Row(
        "Unpack",
        lambda tf, x: (*tf.unstack(x), *tf.unstack(x, axis=2)),
        [(BLOCK,)],
        unknown_dims=False,  # both raise ValueError: the count must be known
    ),
    Row(
        "PadV2",
        lambda tf, x: (
            tf.pad(x, [[1, 0], [0, 2]], constant_values=1.5),
            tf.pad(x, [[1, 1], [2, 0]], mode="REFLECT"),
            tf.pad(x, [[1, 1], [2, 0]], mode="SYMMETRIC"),
            tf.pad(x, [[0, 1], [1, 1]]),
        ),
        [(_ties(F32),)],
    ),
    Row(
        "Range",
        lambda tf: (
            tf.range(5),
            tf.range(1, 10, 3),
            tf.range(0.5, 2.0, 0.25),
            tf.range(5, 0, -2),
        ),
        [()],
        unknown_dims=False,
    ),
    Row("Rank", lambda tf, x: tf.rank(x), [(BLOCK,)], grad=False),
    Row(
        "Shape", lambda tf, x: (tf.shape(x), tf.shape(x, out_type=tf.int64)), [(BLOCK,)]
    ),
    Row("Size", lambda tf, x: tf.size(x), [(BLOCK,)]),
    Row(
        "Reshape",
        lambda tf, x: (
            tf.reshape(x, [-1]),
            tf.reshape(x, [4, -1]),
            tf.reshape(x, [2, 12]),
        ),
        [(BLOCK,)],
        unknown_dims=False,  # test_core_unknown_dims
    ),
    Row(
        "ReverseSequence",
        lambda tf, x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
        [(randn((3, 4, 2)), np.array([1, 4, 2], I64))],
    ),
    Row(
        "ReverseV2",
        lambda tf, x: (tf.reverse(x, [1]), tf.reverse(x, [0, -1])),
        [(BLOCK,)],
    ),
    Row(
        "Slice",
        lambda tf, x: (
            tf.slice(x, [1, 0, 1], [1, -1, 2]),
            tf.slice(x, [0, 1, 0], [2, 2, 4]),
        ),
        [(BLOCK,)],
    ),
    Row(
        "SplitV",
        lambda tf, x: (*tf.split(x, [1, 3], axis=2), *tf.split(x, 2, axis=0)),
        [(BLOCK,)],
        unknown_dims=False,  # test_core_unknown_dims
    ),
    Row(
        "Squeeze",
        lambda tf, x: (tf.squeeze(x), tf.squeeze(x, [0])),
        [(randn((1, 3, 1)),)],
    ),
    Row(
        "StridedSlice",
        lambda tf, x: (
            x[1:, ::-1],
            x[..., 0],
            x[None, 1, :2],
            x[-1],
            x[:, 1:3:2, tf.newaxis],
        ),
        [(BLOCK,)],
    ),
    Row("Tile", lambda tf, x: tf.tile(x, [2, 1, 3]), [(BLOCK,)]),
    Row(
        "Transpose",
        lambda tf, x: (tf.transpose(x), tf.transpose(x, [1, 0, 2])),
        [(BLOCK,)],
    ),
]


LOGITS = np.array(
    [[0.0, 0.0, 0.0], [1.0, -1.0, 0.0], [2.0, 2.0, -3.0], [50.0, 0.0, -50.0]], F32
)
PROBS = np.array(
    [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], F32
)

NN_ROWS = [
    unary("LeakyRelu", lambda tf, x: tf.nn.leaky_relu(x, alpha=0.1)),
    Row(
        "BiasAdd",
        lambda tf, x, b: tf.nn.bias_add(x, b),
        [(BLOCK, randn((4,), seed=2)), (_ties(I32), _ties(I32, (4,), 3))],
    ),
    Row(
        "Softmax",
        lambda tf, x: (tf.nn.softmax(x), tf.nn.softmax(x, axis=0)),
        [(LOGITS,), (LOGITS.astype(F64),)],
        names=False,
    ),
    Row(
        "LogSoftmax",
        lambda tf, x: (tf.nn.log_softmax(x), tf.nn.log_softmax(x, axis=0)),
        [(LOGITS,), (LOGITS.astype(F64),)],
        names=False,
    ),
    Row(
        "SigmoidCrossEntropyWithLogits",
        lambda tf, z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        [
            (
                np.array([0.0, 0.5, 1.0, 0.0, 1.0, 0.3], F32),
                np.array([0.0, 0.0, 0.0, 30.0, -30.0, 2.0], F32),
            ),
            flat_pairs(np.array([0.0, 0.25, 1.0]), edges(F64, specials=False)),
        ],
        names=False,
    ),
    Row(
        "SoftmaxCrossEntropyWithLogits",
        lambda tf, z, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x),
        [
            (PROBS, LOGITS),
            (PROBS.astype(F64), LOGITS.astype(F64)),
            (PROBS * 0.5, LOGITS),
        ],
        names=False,
    ),
    Row(
        "SparseSoftmaxCrossEntropyWithLogits",
        lambda tf, z, x: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=z, logits=x
        ),
        [(np.array([0, 1, 2, 1], I32), LOGITS), (np.array([2, 0, 0, 1], I64), LOGITS)],
        names=False,
    ),
    Row(
        "L2Loss",
        lambda tf, x: tf.nn.l2_loss(x),
        [(_ties(F32),), (randn((2, 3), F64),), (empty((0,)),)],
    ),
    Row(
        "TopKV2",
        lambda tf, x: (*tf.nn.top_k(x, k=2), *tf.nn.top_k(x, k=1, sorted=True)),
        [(_ties(F32),), (_ties(I32),)],
    ),
    Row(
        "InTopKV2",
        lambda tf, p, t: (tf.nn.in_top_k(p, t, 1), tf.nn.in_top_k(p, t, 2)),
        [
            (
                np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0], [3.0, 1.0, 2.0]], F32),
                np.array([1, 2, 0], I32),
            )
        ],
        grad=False,
        names=False,
    ),
    Row(
        "LRN",
        lambda tf, x: tf.nn.lrn(x, depth_radius=2, bias=1.0, alpha=0.5, beta=0.75),
        [(randn((2, 3, 3, 5), seed=3),)],
        tol=3,
        grad_tol=10,
    ),
    Row(
        "FusedBatchNorm",
        lambda tf, x, scale, offset: tf.nn.fused_batch_norm(
            x, scale, offset, epsilon=0.01
        ),
        [(randn((2, 3, 3, 4), seed=3), uniform((4,), 0.5, 2.0), randn((4,), seed=4))],
        tol=5,
        grad_tol=20,
        names=False,
    ),
]

CONV_ROWS = [
    Row(
        "Conv2D",
        lambda tf, x, w: (
            tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"),
            tf.nn.conv2d(x, w, [1, 2, 2, 1], "VALID"),
        ),
        [(IMAGES, KERNEL)],
        tol=3,
        grad_tol=5,
        unknown_dims=False,  # test_core_conv_unknown_dims
    ),
    Row(
        "Conv2DBackpropInput",
        lambda tf, x, w: tf.nn.conv2d_transpose(
            x, w, [2, 10, 12, 3], [1, 2, 2, 1], "SAME"
        ),
        [(randn((2, 5, 6, 4), seed=6), KERNEL)],
        unknown_dims=False,
        tol=3,
        grad_tol=5,
    ),
    Row(
        "DepthwiseConv2dNative",
        lambda tf, x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
        [(IMAGES, randn((3, 3, 3, 2), seed=8))],
        tol=3,
        grad_tol=5,
    ),
    Row(
        "Conv3D",
        lambda tf, x, w: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME"),
        [(randn((1, 3, 4, 4, 2), seed=9), randn((2, 2, 2, 2, 3), seed=10))],
        tol=3,
        grad_tol=5,
    ),
    Row(
        "Conv3DBackpropInputV2",
        lambda tf, x, w: tf.nn.conv3d_transpose(
            x, w, [1, 6, 8, 8, 2], [1, 2, 2, 2, 1], "SAME"
        ),
        [(randn((1, 3, 4, 4, 3), seed=9), randn((2, 2, 2, 2, 3), seed=10))],
        unknown_dims=False,
        tol=3,
        grad_tol=5,
    ),
    Row(
        "MaxPool",
        lambda tf, x: (
            tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
            tf.nn.max_pool(x, [1, 3, 3, 1], [1, 1, 1, 1], "SAME"),
        ),
        [(grid(F32, (1, 4, 4, 2), seed=11),)],  # edge values with ties
    ),
    Row(
        "AvgPool",
        lambda tf, x: (
            tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
            tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
        ),
        [(IMAGES,)],
    ),
    Row(
        "MaxPool3D",
        lambda tf, x: tf.nn.max_pool3d(x, [1, 2, 2, 2, 1], [1, 1, 2, 2, 1], "SAME"),
        [(grid(F32, (1, 3, 4, 4, 2), seed=12),)],
        marks=[
            # Not strict: this row failed where it was recorded and passes on an
            # AMD EPYC with tensorflow-cpu 2.21, whose TF1 gives every tied
            # maximum of a window the gradient (a 2x2x2 window of equal values:
            # all eight), where its MaxPool gives the first only, as jgraph does
            # for both.
            pytest.mark.xfail(
                strict=False,
                reason="max_pool3d's gradient at ties: jgraph's goes to the first"
                " maximum (as MaxPool's); TF1's differs by machine",
            )
        ],
    ),
    Row(
        "AvgPool3D",
        lambda tf, x: tf.nn.avg_pool3d(x, [1, 2, 2, 2, 1], [1, 1, 2, 2, 1], "SAME"),
        [(randn((1, 3, 4, 4, 2), seed=13),)],
    ),
    Row(
        "ShardedGather",
        lambda tf, a, b, ids: tf.nn.embedding_lookup([a, b], ids),
        [
            (
                randn((3, 2), seed=1),
                randn((2, 2), seed=2),
                np.array([[0, 4], [1, 1]], I32),
            )
        ],
        names=False,
    ),
    Row(
        "ClipByNormRows",
        lambda tf, p, ids: tf.nn.embedding_lookup(p, ids, max_norm=1.0),
        [(randn((4, 3), seed=1) * 2, np.array([3, 0, 3], I64))],
        names=False,
    ),
]

SPD = MATRIX @ MATRIX.T + np.eye(3)

LINALG_ROWS = [
    Row(
        "Cholesky",
        lambda tf, a: tf.cholesky(a),
        [(SPD,), (SPD.astype(F32),)],
        tol=10,
        grad_tol=100,
    ),
    Row(
        "MatrixInverse",
        lambda tf, a: tf.matrix_inverse(a),
        [(MATRIX,), (MATRIX.astype(F32),)],
        tol=10,
        grad_tol=100,
    ),
    Row(
        "MatrixDeterminant",
        lambda tf, a: tf.matrix_determinant(a),
        [(MATRIX,), (MATRIX.astype(F32),)],
        tol=10,
        grad_tol=100,
    ),
    Row(
        "LogMatrixDeterminant",
        lambda tf, a: tf.linalg.slogdet(a),
        [(MATRIX,), (-MATRIX,)],
        tol=10,
        grad_tol=100,
    ),
    Row(
        "MatrixSolve",
        lambda tf, a, b: tf.matrix_solve(a, b),
        [(MATRIX, randn((3, 2), F64))],
        tol=10,
        grad_tol=100,
    ),
    Row(
        "MatrixTriangularSolve",
        lambda tf, a, b: (
            tf.matrix_triangular_solve(a, b),
            tf.matrix_triangular_solve(a, b, adjoint=True),
        ),
        [(LOWER, randn((3, 2), F64))],
        tol=10,
        grad_tol=100,
        names=False,
    ),
    Row("MatrixDiag", lambda tf, d: tf.matrix_diag(d), [(randn((2, 3)),)]),
    Row("MatrixDiagPart", lambda tf, a: tf.matrix_diag_part(a), [(BLOCK,)]),
    Row(
        "MatrixBandPart",
        lambda tf, a: (tf.matrix_band_part(a, 1, 0), tf.matrix_band_part(a, -1, 1)),
        [(BLOCK,)],
    ),
    Row(
        "Qr",
        lambda tf, a: tf.qr(a),
        [(MATRIX,), (randn((4, 3), F64),)],
        unknown_dims=False,  # TF1's QR gradient needs static shapes
        tol=10,
        grad_tol=1000,
    ),
    Row(
        "Svd",
        lambda tf, a: tf.svd(a, compute_uv=False),
        [(MATRIX,), (randn((4, 3), F64),)],
        tol=10,
        grad_tol=100,
    ),
    Row(
        "SelfAdjointEigV2",
        lambda tf, a: tf.self_adjoint_eigvals(a),
        [(SPD,), (MATRIX,)],
        tol=10,
        grad_tol=100,
    ),
]

IMAGE_ROWS = [
    Row(
        "ResizeBilinear",
        lambda tf, x: (
            tf.image.resize_bilinear(x, [7, 9]),
            tf.image.resize_bilinear(x, [3, 4], align_corners=True),
        ),
        [(IMAGES,)],
        tol=3,
        unknown_dims=False,  # test_unknown_image_size
    ),
    Row(
        "ResizeNearestNeighbor",
        lambda tf, x: (
            tf.image.resize_nearest_neighbor(x, [7, 9]),
            tf.image.resize_nearest_neighbor(x, [3, 4], align_corners=True),
        ),
        [(IMAGES,)],
        unknown_dims=False,  # test_unknown_image_size
    ),
    Row(
        "AdjustContrastv2",
        lambda tf, x: tf.image.adjust_contrast(x, 1.7),
        [(IMAGES,)],
        grad=False,  # TF1 has no gradient for it (LookupError); jgraph has one
        tol=3,
        names=False,
    ),
]

VALUES3 = np.array([1.0, -2.0, 0.5], F32)


def _variable_row(op_type, fn, cases=((VALUES3,),), **kwargs):
    """A row on a variable initialised to [1, 2, 3] (its ops run after init)."""

    def build(tf, x):
        v = tf.Variable(np.array([1.0, 2.0, 3.0], F32), name="v")
        return fn(tf, v, x)

    return Row(op_type, build, list(cases), unknown_dims=False, **kwargs)


STATE_ROWS = [
    _variable_row("VariableV2", lambda tf, v, x: v * x),
    _variable_row("Assign", lambda tf, v, x: tf.assign(v, x)),
    _variable_row("AssignAdd", lambda tf, v, x: tf.assign_add(v, x)),
    _variable_row("AssignSub", lambda tf, v, x: tf.assign_sub(v, x)),
    _variable_row(
        "ScatterUpdate",
        lambda tf, v, x: tf.scatter_update(v, [2, 0], x[:2]),
        grad=False,  # TF1 raises LookupError, jgraph gives None (test_deliberate)
    ),
    _variable_row("ScatterAdd", lambda tf, v, x: tf.scatter_add(v, [1, 1], x[:2])),
    _variable_row("ScatterSub", lambda tf, v, x: tf.scatter_sub(v, [0, 2], x[1:])),
    _variable_row("ReadVariable", lambda tf, v, x: v.read_value() + x),
    _variable_row("InitializedValue", lambda tf, v, x: v.initialized_value() * x),
    _variable_row(
        "IsVariableInitialized", lambda tf, v, x: tf.is_variable_initialized(v)
    ),
    _variable_row(
        "ReportUninitializedVariables",
        lambda tf, v, x: tf.report_uninitialized_variables(),
        names=False,
    ),
    Row("NoOp", lambda tf: tf.no_op(), [()], unknown_dims=False),
]

CLIP_ROWS = [
    Row(
        "ClipByNorm",
        lambda tf, x: (
            tf.clip_by_norm(x, 1.0),
            tf.clip_by_norm(x, 100.0),
            tf.clip_by_norm(x, 1.0, axes=[1]),
        ),
        [(randn((2, 3)),), (np.zeros((2, 3), F32),)],
    ),
    Row(
        "GlobalNorm",
        lambda tf, x, y: tf.global_norm([x, y]),
        [(randn((2, 3)), randn((4,), seed=1))],
        names=False,
    ),
    Row(
        "ClipByGlobalNorm",
        lambda tf, x, y: (lambda out: (*out[0], out[1]))(
            tf.clip_by_global_norm([x, y], 1.0)
        ),
        [
            (randn((2, 3)), randn((4,), seed=1)),
            (np.zeros((2,), F32), np.zeros((1,), F32)),
        ],
        names=False,
    ),
]

CONTROL_ROWS = [
    Row(
        "If",
        lambda tf, p, x: tf.cond(p, lambda: x * x, lambda: x - 1.0),
        [(np.bool_(True), VALUES3), (np.bool_(False), VALUES3)],
        names=False,
    ),
    Row(
        "While",
        lambda tf, x: tf.while_loop(
            lambda i, y: i < 3,
            lambda i, y: [i + 1, y * x],
            [0, x],
            maximum_iterations=5,
        )[1],
        [(VALUES3,)],
        names=False,
    ),
    Row(
        "Scan",
        lambda tf, x: tf.scan(lambda a, e: a * 0.5 + e, x),
        [(randn((4, 2)),)],
        names=False,
    ),
]

STEP = np.int64(7)

SCHEDULE_ROWS = [
    Row(t, fn, [(STEP,), (np.int64(0),), (np.int64(25),)], grad=False, names=False)
    for t, fn in [
        (
            "ExponentialDecay",
            lambda tf, s: (
                tf.train.exponential_decay(0.1, s, 5, 0.5),
                tf.train.exponential_decay(0.1, s, 5, 0.5, staircase=True),
            ),
        ),
        ("InverseTimeDecay", lambda tf, s: tf.train.inverse_time_decay(0.1, s, 5, 0.5)),
        ("NaturalExpDecay", lambda tf, s: tf.train.natural_exp_decay(0.1, s, 5, 0.5)),
        (
            "PolynomialDecay",
            lambda tf, s: (
                tf.train.polynomial_decay(0.1, s, 10, 0.01, power=2.0),
                tf.train.polynomial_decay(0.1, s, 10, cycle=True),
            ),
        ),
        ("CosineDecay", lambda tf, s: tf.train.cosine_decay(0.1, s, 10, alpha=0.1)),
        (
            "PiecewiseConstant",
            lambda tf, s: tf.train.piecewise_constant(
                s, [np.int64(5), np.int64(10)], [1.0, 0.5, 0.1]
            ),
        ),
    ]
]

LOGGING_ROWS = [
    Row("Print", lambda tf, x: tf.Print(x, [x], "x:"), [(VALUES3,)]),
    Row(
        "PrintV2",
        lambda tf, x: (lambda op: tf.identity(x) if False else _after(tf, op, x))(
            tf.print(x, output_stream="file:///dev/null")
        ),
        [(VALUES3,)],
    ),
]

# Strings: computed on the host (jgraph: ``OpDef.strings`` and the string host
# steps); no gradients. The fed words include an empty string, UTF-8 and blanks.
WORDS = np.array([b"", b"a", b"b", "h\u00e9".encode(), b"a b", b"a"], object)
NUMBER_TEXTS = np.array(
    [b"1.5", b" 2", b"-0", b"1e3", b"0x10", b"inf", b"-7", b"3.", b".25"], object
)
STRING_ROWS = [
    Row("Identity", lambda tf, x: tf.identity(x), [(WORDS,)], grad=False, id="strings"),
    Row(
        "ConcatV2",
        lambda tf, x, y: (tf.concat([x, y], 0), tf.concat([y, ["z"]], 0)),
        [(WORDS, WORDS[:2])],
        grad=False,
        id="strings",
    ),
    Row(
        "Reshape",
        lambda tf, x: (tf.reshape(x, [2, 3]), tf.reshape(x, [-1, 2])),
        [(WORDS,)],
        grad=False,
        id="strings",
    ),
    Row(
        "Transpose",
        lambda tf, x: tf.transpose(tf.reshape(x, [2, 3])),
        [(WORDS,)],
        grad=False,
        id="strings",
    ),
    Row(
        "ExpandDims",
        lambda tf, x: (tf.expand_dims(x, 0), tf.squeeze(tf.expand_dims(x, -1))),
        [(WORDS,)],
        grad=False,
        id="strings",
    ),
    Row(
        "Pack",
        lambda tf, x, y: (tf.stack([x, y]), *tf.unstack(tf.stack([x, y], axis=1))),
        [(WORDS[:3], WORDS[3:])],
        grad=False,
        unknown_dims=False,  # unstack needs the count
        id="strings",
    ),
    Row(
        "GatherV2",
        lambda tf, p, i: (tf.gather(p, i), tf.gather(tf.reshape(p, [3, 2]), i[:2])),
        [(WORDS, np.array([2, 0, 1], I32))],
        grad=False,
        id="strings",
    ),
    Row(
        "StridedSlice",
        lambda tf, x: (x[1:4], x[-1], x[::-2]),
        [(WORDS,)],
        grad=False,
        id="strings",
    ),
    Row(
        "Tile",
        lambda tf, x: (tf.tile(x, [2]), tf.reverse(x, [0])),
        [(WORDS,)],
        grad=False,
        id="strings",
    ),
    Row(
        "Size",
        lambda tf, x: (tf.size(x), tf.shape(x), tf.rank(x)),
        [(WORDS.reshape(2, 3),)],
        grad=False,
        id="strings",
    ),
    Row(
        "Select",
        lambda tf, c, x, y: tf.where(c, x, y),
        [(np.array([True, False, True, False, False, True]), WORDS, WORDS[::-1])],
        grad=False,
        id="strings",
    ),
    Row(
        "Equal",
        lambda tf, x, y: (tf.equal(x, y), tf.not_equal(x, y)),
        [pairs(WORDS), flat_pairs(WORDS), (WORDS[:0].reshape(0, 1), WORDS[:2])],
        grad=False,
        id="strings",
    ),
    Row(
        "Add",
        lambda tf, x, y: x + y,
        [pairs(WORDS, WORDS[:3]), flat_pairs(WORDS[:3])],
        grad=False,
        id="strings",
    ),
    Row(
        "StringToNumber",
        lambda tf, s: (
            tf.string_to_number(s),
            tf.strings.to_number(s, tf.float64),
            tf.string_to_number(s[1:3], tf.int32),
            tf.string_to_number(s[6:7], tf.int64),
        ),
        [(NUMBER_TEXTS,)],
        grad=False,
    ),
    Row(
        "StringJoin",
        lambda tf, x, y: (
            tf.string_join([x, y]),
            tf.strings.join([x, "-", y], separator="/"),
        ),
        [(WORDS, WORDS[::-1])],
        grad=False,
    ),
    Row(
        "StringLength",
        lambda tf, x: (
            tf.strings.length(x),
            tf.strings.length(x, unit="UTF8_CHAR"),
            tf.strings.strip(x),
            tf.string_strip(x),
        ),
        [(np.array([b" a ", b"\t\xc3\xa9\n", b"", b"x y"], object),)],
        grad=False,
    ),
    Row(
        "StringStrip",
        lambda tf, x: tf.strings.strip(x),
        [(WORDS,)],
        grad=False,
    ),
    Row(
        "ReduceJoin",
        lambda tf, x: (
            tf.reduce_join(x),
            tf.reduce_join(x, 0),
            tf.reduce_join(x, 1, separator="|"),
            tf.reduce_join(x, -1, keep_dims=True),
            tf.reduce_join(x, [0, 1]),
            tf.strings.reduce_join(x, axis=[1, 0], keepdims=True, separator=","),
        ),
        [(WORDS.reshape(2, 3),)],
        grad=False,
    ),
    Row(
        "AsString",
        lambda tf, x: (
            tf.as_string(x),
            tf.as_string(x, precision=3),
            tf.as_string(x, scientific=True),
            tf.as_string(x, shortest=True),
            tf.as_string(x, width=9, fill="0"),
        ),
        [(edges(F32),), (edges(F64),)],
        grad=False,
    ),
    Row(
        "AsString",
        lambda tf, x: (tf.as_string(x), tf.as_string(x, width=4, fill="0")),
        [(edges(I32),), (edges(I64),), (edges(np.bool_),)],
        grad=False,
        id="ints",
    ),
]


def _after(tf, op, x):
    with tf.control_dependencies([op]):
        return tf.identity(x)


OP_TABLE = (
    MATH_ROWS
    + REDUCTION_ROWS
    + SEGMENT_ROWS
    + ARRAY_ROWS
    + NN_ROWS
    + CONV_ROWS
    + LINALG_ROWS
    + IMAGE_ROWS
    + STATE_ROWS
    + CLIP_ROWS
    + CONTROL_ROWS
    + SCHEDULE_ROWS
    + LOGGING_ROWS
    + STRING_ROWS
)

# Registered op types without a row, each with its reason.
_RANDOM = (
    "random bits differ by design (jgraph draws from JAX's generator); the seeding"
    " rules are compared in test_semantics, the distribution in tests/ops"
)
NOT_COMPARED: dict[str, str] = {
    "RandomUniform": _RANDOM,
    "RandomStandardNormal": _RANDOM,
    "TruncatedNormal": _RANDOM,
    "Multinomial": _RANDOM,
    "RandomShuffle": _RANDOM,
    "RandomOrthogonal": _RANDOM,
    "Dropout": _RANDOM,
    "CandidateSampler": _RANDOM + " (tests/ops/test_nn_impl.py checks the samplers'"
    " distributions and TF1's expected counts)",
}
_HOST_STEPS = (
    "host steps: tests/programs (unique_where, py_func_numpy, masked_loss_partitions"
    " print what TF1 printed) and tests/test_host_steps.py (TF1's values, gradients"
    " and error classes)"
)
# Op types compared by a scenario outside the table (type -> where).
COMPARED_ELSEWHERE: dict[str, str] = {
    "SymbolicGradient": "every row's gradients (tf.gradients is this one op)",
    "ApplyOptax": "test_training.py: optimizers' loss curves",
    "ScalarSummary": "test_semantics.py::test_summary_tags",
    "HistogramSummary": "test_semantics.py::test_summary_tags",
    "ImageSummary": "test_semantics.py::test_summary_tags",
    "AudioSummaryV2": "test_semantics.py::test_summary_tags",
    "TensorSummaryV2": "test_semantics.py::test_summary_tags",
    "MergeSummary": "test_semantics.py::test_summary_tags",
    "IteratorGetNext": "test_semantics.py::test_dataset_iterator",
    "Where": _HOST_STEPS,
    "BooleanMaskIndices": _HOST_STEPS,
    "Unique": _HOST_STEPS,
    "UniqueWithCounts": _HOST_STEPS,
    "DynamicPartition": _HOST_STEPS,
    "PyFunc": _HOST_STEPS,
    "PyFuncStateless": _HOST_STEPS,
    "EagerPyFunc": _HOST_STEPS,
}
# Queues, readers and host datasets (host steps with the session's host context):
# their TF1 values and errors are pinned in tests/test_queues.py and
# tests/test_data_{host,iterators}.py (recorded from TF1), and the programs
# queue_fifo, queue_csv_reader and tfdata_reinitializable print what TF1 printed.
_QUEUES = "tests/test_queues.py, tests/test_data_*.py and tests/programs (TF1's values)"
COMPARED_ELSEWHERE.update(
    dict.fromkeys(
        (
            "QueueEnqueueV2",
            "QueueDequeueV2",
            "QueueSizeV2",
            "QueueIsClosedV2",
            "QueueCloseV2",
            "ReaderReadV2",
            "ReadFile",
            "DecodeCSV",
            "LimitEpochs",
            "HostRandomShuffle",
            "IteratorToStringHandle",
            "IteratorGetNextSwitch",
            "IteratorSetActive",
            "HostIteratorInit",
            "HostIteratorGetNext",
        ),
        _QUEUES,
    )
)


def _params(rows):
    return [pytest.param(r, id=r.name, marks=r.marks) for r in rows]


@pytest.mark.parametrize("row", _params(OP_TABLE))
def test_op_matches_tf1(row: Row) -> None:
    want, got = both(row_program(row))
    if isinstance(want, Raised) or isinstance(got, Raised):
        pytest.fail(f"the row raised: TF1 {want!r}, jgraph {got!r}")
    (want_result, _), (got_result, got_types) = want, got
    assert row.type in got_types, f"the row does not build a {row.type} op in jgraph"
    want_static, got_static = want_result["static"], got_result["static"]
    if row.known_dims:
        got_static = refined_as_unknown(want_static, got_static)
    if not row.names:
        want_static, got_static = without_names(want_static), without_names(got_static)
    assert_same(want_static, got_static, "static")
    assert_same(want_result["values"], got_result["values"], "values", row.tol)
    if row.grad:
        want_grads, got_grads = want_result["gradients"], got_result["gradients"]
        if not isinstance(got_grads, Raised) and not isinstance(want_grads, Raised):
            got_grads = dict(
                got_grads,
                static=unknown_as_known(want_grads["static"], got_grads["static"]),
            )
        assert_same(want_grads, got_grads, "gradients", row.grad_tol)


def test_every_registered_op_type_is_covered() -> None:
    compared = {row.type for row in OP_TABLE} | set(COMPARED_ELSEWHERE)
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


# -- deliberate differences: each pins TF1's behaviour and jgraph's -------------------


def _run_one(tf, build, *values):
    placeholders = [tf.placeholder(tf.as_dtype(np.asarray(v).dtype)) for v in values]
    out = build(tf, *placeholders)
    return tf.Session().run(out, dict(zip(placeholders, values, strict=True)))


def test_deliberate_erf_of_infinity_in_float64() -> None:
    """TF1's float64 erf kernel gives NaN at +-inf; jgraph gives erf's limits +-1."""
    x = np.array([np.inf, -np.inf, 1.0])
    want, got = both(lambda tf: _run_one(tf, lambda tf, x: tf.erf(x), x))
    np.testing.assert_array_equal(want[:2], [np.nan, np.nan])
    np.testing.assert_allclose(got, [1.0, -1.0, want[2]], rtol=1e-15)


def test_deliberate_argmax_over_nan() -> None:
    """jgraph (XLA) returns the index of a NaN, as numpy; TF1's kernel skips NaN
    unless it comes first (its answer depends on the reduction order)."""
    x = np.array([1.0, np.nan, 3.0, 2.0], F32)
    want, got = both(
        lambda tf: _run_one(tf, lambda tf, x: (tf.argmax(x), tf.argmin(x)), x)
    )
    assert [int(v) for v in want] == [2, 0]
    assert [int(v) for v in got] == [1, 1] == [np.argmax(x), np.argmin(x)]


def test_deliberate_cumprod_gradient_at_zero() -> None:
    """TF1's cumprod gradient divides by x, masked to 0 where x == 0, which is wrong
    there; jgraph's is the true derivative (equal elsewhere: the Cumprod row)."""
    x = np.array([2.0, 0.0, 3.0], F32)

    def build(tf, x):
        return tf.gradients(tf.cumprod(x), x)[0]

    want, got = both(lambda tf: _run_one(tf, build, x))
    np.testing.assert_allclose(want, [1.0, 0.0, 0.0])
    # d/dx of [x0, x0 x1, x0 x1 x2] summed: [1 + x1 + x1 x2, x0 + x0 x2, x0 x1]
    np.testing.assert_allclose(got, [1.0, 8.0, 0.0])


# -- divergences left for the core (static shape inference lives in the registry) ----


@pytest.mark.parametrize(
    "build",
    [
        lambda tf, x: tf.reshape(x, [4, -1]),
        lambda tf, x: tf.split(x, 2, axis=0),
    ],
    ids=["reshape", "split"],
)
def test_core_unknown_dims(build) -> None:
    block = BLOCK.reshape(4, 6)

    def program(tf):
        x = tf.placeholder(tf.float32, [None, None])
        out = build(tf, x)
        return static(out), tf.Session().run(out, {x: block})

    want, got = both(program)
    assert_same(want, got)


def test_unknown_image_size() -> None:
    def program(tf):
        x = tf.placeholder(tf.float32, [None, None, None, 3])
        out = tf.image.resize_bilinear(x, [7, 9])
        return static(out), tf.Session().run(out, {x: IMAGES})

    want, got = both(program)
    assert_same(want, got, tol=3)


def test_initialized_value_gradient_keeps_the_variable() -> None:
    """A run reading a variable only through ``initialized_value`` keeps it for the
    next run (a read-only variable is not donated to the run)."""

    def program(tf):
        v = tf.Variable(np.array([1.0, 2.0, 3.0], F32))
        x = tf.placeholder(tf.float32, [3])
        y = v.initialized_value() * x
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        first = sess.run(y, {x: VALUES3})
        (grad,) = tf.gradients(y, [x])
        return first, sess.run(grad, {x: VALUES3})

    want, got = both(program)
    assert_same(want, got)


def test_core_conv_unknown_dims() -> None:
    def program(tf):
        x = tf.placeholder(tf.float32, [None, None, None, None])
        w = tf.placeholder(tf.float32, [None, None, None, None])
        out = tf.nn.conv2d(x, w, [1, 2, 2, 1], "VALID")
        return static(out), tf.Session().run(out, {x: IMAGES, w: KERNEL})

    want, got = both(program)
    assert_same(want, got, tol=3)


def test_deliberate_no_gradient_through_scatter_update() -> None:
    """TF1 raises LookupError (no gradient registered); jgraph returns None, as it
    does for the other assignments (whose None TF1 shares: the table)."""

    def program(tf):
        v = tf.Variable(np.zeros(3, F32))
        x = tf.placeholder(tf.float32, [2])
        return tf.gradients(tf.scatter_update(v, [2, 0], x), [x])

    want, got = both(program)
    assert want == Raised("LookupError")
    assert got == [None]
