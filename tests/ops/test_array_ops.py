"""jgraph.ops.array_ops against numpy: one table, one checker; then slicing details,
TF1 differences and bad inputs."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import jgraph as tf

from ._check import (
    FLOATS,
    INTS,
    NUMBERS,
    Case,
    check_op,
    indices,
    normal,
    params,
    small,
)

# Strings: the ops run on the host (OpDef.strings); values as TF1's (2.21).
ANY = (tf.float32, tf.int64, tf.bool, tf.string)
NOT_STRINGS = (tf.float32, tf.int64, tf.bool)  # TF1 refuses strings too
INDEX_INPUTS = (None, tf.int32)


def _one_hot_ref(depth, on=1.0, off=0.0, axis=-1, dtype=np.float32):
    def ref(i):
        hot = i[..., None] == np.arange(depth)
        return np.moveaxis(np.where(hot, on, off).astype(dtype), -1, axis)

    return ref


def _zeros_like_ref(x):
    """numpy's zeros, and TF1's zero string b""."""
    return np.full(x.shape, b"", object) if x.dtype == object else np.zeros_like(x)


def _shape_ref(x, dtype=np.int32):
    return np.array(x.shape, dtype)


# Masks for tf.boolean_mask (constants: the number of true entries is the shape).
MASK_ROWS = np.array([True, False, True, True, False])
MASK_COLUMNS = np.array([False, True, True, False])
MASK_GRID = np.array(
    [[True, False, True, True], [False, False, True, False], [True, True, False, True]]
)
LENGTHS = np.array([[1, 4], [0, 2], [3, 3]])


def _sequence_mask_ref(maxlen, dtype=bool):
    def ref(lengths):
        return (np.arange(maxlen) < lengths[..., None]).astype(dtype)

    return ref


def _unique_ref(x):
    """TF1's unique_with_counts, the plain way: values in order of first appearance."""
    seen: dict = {}
    for value in x.tolist():
        seen.setdefault(value, len(seen))
    y = np.array(list(seen), x.dtype)
    idx = np.array([seen[v] for v in x.tolist()])
    return y, idx, np.bincount(idx, minlength=len(y))


ARRAY_CASES = [
    # -- shapes ---------------------------------------------------------------------------
    Case("Shape", tf.shape, _shape_ref, ((3, 4, 1),), ANY, out_dtype=tf.int32),
    Case(
        "Shape",
        partial(tf.shape, out_type=tf.int64),
        partial(_shape_ref, dtype=np.int64),
        ((2, 3),),
        FLOATS,
        out_dtype=tf.int64,
        id="int64",
    ),
    Case(
        "Size", tf.size, lambda x: np.int32(x.size), ((3, 4),), ANY, out_dtype=tf.int32
    ),
    Case(
        "Rank",
        tf.rank,
        lambda x: np.int32(x.ndim),
        ((3, 4, 2),),
        ANY,
        out_dtype=tf.int32,
    ),
    # -- reshaping ----------------------------------------------------------------------------
    Case(
        "Reshape",
        lambda x: tf.reshape(x, [4, -1]),
        lambda x: x.reshape(4, -1),
        ((2, 3, 4),),
        ANY,
    ),
    Case(
        "Reshape",
        lambda x: tf.reshape(x, [-1]),
        lambda x: x.reshape(-1),
        ((3, 4),),
        FLOATS,
        id="flatten",
    ),
    Case(
        "Reshape",
        lambda x: tf.reshape(x, []),
        lambda x: x.reshape(()),
        ((1,),),
        FLOATS,
        id="scalar",
    ),
    Case(
        "Reshape",
        lambda x, y: tf.reshape(x, tf.shape(y)),
        lambda x, y: x.reshape(y.shape),
        ((2, 6), (3, 4)),
        FLOATS,
        id="from-shape",
    ),
    Case("Transpose", tf.transpose, np.transpose, ((2, 3, 4),), ANY),
    Case(
        "Transpose",
        partial(tf.transpose, perm=[1, 0, 2]),
        partial(np.transpose, axes=(1, 0, 2)),
        ((2, 3, 4),),
        NUMBERS,
        id="perm",
    ),
    Case(
        "ExpandDims",
        partial(tf.expand_dims, axis=0),
        partial(np.expand_dims, axis=0),
        ((3, 4),),
        ANY,
    ),
    Case(
        "ExpandDims",
        partial(tf.expand_dims, axis=-1),
        partial(np.expand_dims, axis=-1),
        ((3, 4),),
        FLOATS,
        id="last",
    ),
    Case(
        "ExpandDims",
        partial(tf.expand_dims, dim=1),
        partial(np.expand_dims, axis=1),
        ((3, 4),),
        INTS,
        id="dim",
    ),
    Case("Squeeze", tf.squeeze, np.squeeze, ((1, 3, 1),), ANY),
    Case(
        "Squeeze",
        partial(tf.squeeze, axis=[2]),
        partial(np.squeeze, axis=2),
        ((3, 2, 1),),
        FLOATS,
        id="axis",
    ),
    Case(
        "Squeeze",
        partial(tf.squeeze, squeeze_dims=[-1]),
        partial(np.squeeze, axis=-1),
        ((3, 1),),
        INTS,
        id="squeeze-dims",
    ),
    # -- joining and splitting ------------------------------------------------------------------
    Case(
        "Pack", lambda *xs: tf.stack(xs), lambda *xs: np.stack(xs), ((3, 4),) * 3, ANY
    ),
    Case(
        "Pack",
        lambda *xs: tf.stack(xs, axis=-1),
        lambda *xs: np.stack(xs, -1),
        ((3, 4),) * 2,
        FLOATS,
        id="last",
    ),
    Case(
        "Pack",
        lambda x, y: tf.stack([x, y, 1.0]),
        lambda x, y: np.stack([x, y, np.ones_like(x)]),
        ((), ()),
        FLOATS,
        id="scalars",
    ),
    Case(
        "ConcatV2",
        lambda *xs: tf.concat(xs, 0),
        lambda *xs: np.concatenate(xs, 0),
        ((2, 4), (3, 4), (1, 4)),
        ANY,
    ),
    Case(
        "ConcatV2",
        lambda *xs: tf.concat(xs, axis=-1),
        lambda *xs: np.concatenate(xs, -1),
        ((3, 2), (3, 1)),
        NUMBERS,
        id="last",
    ),
    Case(
        "Identity",
        lambda x: tf.concat([x], 1),
        lambda x: x,
        ((2, 3),),
        FLOATS,
        id="concat-one",
    ),
    Case(
        "Unpack",
        partial(tf.unstack, axis=1),
        lambda x: list(np.moveaxis(x, 1, 0)),
        ((2, 3),),
        ANY,
    ),
    Case("Unpack", tf.unstack, list, ((3, 2),), FLOATS, id="axis0", unknown_dims=False),
    Case(
        "Unpack",
        partial(tf.unstack, num=2, axis=-1),
        lambda x: [x[..., 0], x[..., 1]],
        ((3, 2),),
        FLOATS,
        id="num",
    ),
    Case(
        "SplitV",
        lambda x: tf.split(x, 3, axis=1),
        lambda x: np.split(x, 3, axis=1),
        ((2, 6),),
        ANY,
    ),
    Case(
        "SplitV",
        lambda x: tf.split(x, [1, -1, 2], 1),
        lambda x: np.split(x, [1, 3], axis=1),
        ((2, 5),),
        FLOATS,
        id="sizes",
    ),
    Case(
        "SplitV",
        lambda x: tf.split(x, 2),
        lambda x: np.split(x, 2),
        ((4, 3),),
        INTS,
        id="axis0",
        unknown_dims=False,
    ),
    Case(
        "Tile",
        lambda x: tf.tile(x, [2, 1, 3]),
        lambda x: np.tile(x, (2, 1, 3)),
        ((2, 3, 1),),
        ANY,
    ),
    Case(
        "Tile",
        lambda x: tf.tile(x, tf.constant([1, 2])),
        lambda x: np.tile(x, (1, 2)),
        ((2, 3),),
        FLOATS,
        id="tensor",
    ),
    Case(
        "PadV2",
        lambda x: tf.pad(x, [[1, 0], [2, 1]]),
        lambda x: np.pad(x, [(1, 0), (2, 1)]),
        ((2, 3),),
        NUMBERS,
    ),
    Case(
        "PadV2",
        lambda x: tf.pad(x, [[0, 1], [1, 1]], constant_values=7),
        lambda x: np.pad(x, [(0, 1), (1, 1)], constant_values=7),
        ((2, 3),),
        NUMBERS,
        id="value",
    ),
    Case(
        "PadV2",
        lambda x: tf.pad(x, [[1, 1], [2, 2]], "REFLECT"),
        lambda x: np.pad(x, [(1, 1), (2, 2)], "reflect"),
        ((3, 4),),
        FLOATS,
        id="reflect",
    ),
    Case(
        "PadV2",
        lambda x: tf.pad(x, [[1, 2], [2, 1]], mode="symmetric"),
        lambda x: np.pad(x, [(1, 2), (2, 1)], "symmetric"),
        ((3, 4),),
        INTS,
        id="symmetric",
    ),
    Case("ReverseV2", lambda x: tf.reverse(x, [0]), lambda x: x[::-1], ((3, 4),), ANY),
    Case(
        "ReverseV2",
        lambda x: tf.reverse(x, [0, -1]),
        lambda x: x[::-1, :, ::-1],
        ((2, 3, 4),),
        FLOATS,
        id="two",
    ),
    Case(
        "ReverseSequence",
        partial(tf.reverse_sequence, seq_axis=1, batch_axis=0),
        lambda x, n: np.stack(
            [
                np.concatenate([row[:k][::-1], row[k:]])
                for row, k in zip(x, n, strict=True)
            ]
        ),
        ((3, 5, 2), (3,)),
        ANY,
        (normal, indices(6)),
        INDEX_INPUTS,
    ),
    Case(
        "ReverseSequence",
        partial(tf.reverse_sequence, seq_axis=0, batch_axis=2),
        lambda x, n: np.stack(
            [np.concatenate([x[:k, :, b][::-1], x[k:, :, b]]) for b, k in enumerate(n)],
            axis=2,
        ),
        ((4, 2, 3), (3,)),
        FLOATS,
        (normal, indices(5)),
        INDEX_INPUTS,
        unknown_dims=False,
        id="seq0_batch2",
    ),
    # -- indexing -------------------------------------------------------------------------------
    Case(
        "GatherV2",
        tf.gather,
        lambda p, i: p[i],
        ((5, 3), (4,)),
        NUMBERS,
        (normal, indices(5)),
        INDEX_INPUTS,
    ),
    Case(
        "GatherV2",
        partial(tf.gather, axis=1),
        lambda p, i: p[:, i],
        ((2, 3), (2, 2)),
        FLOATS,
        (normal, indices(3)),
        INDEX_INPUTS,
        id="axis",
    ),
    Case(
        "GatherV2",
        tf.gather,
        lambda p, i: p[i],
        ((4, 2), (3,)),
        FLOATS,
        (normal, indices(4)),
        (None, tf.int64),
        id="int64",
    ),
    Case(
        "GatherNd",
        tf.gather_nd,
        lambda p, i: p[i[:, 0], i[:, 1]],
        ((3, 4), (5, 2)),
        NUMBERS,
        (normal, indices(3)),
        INDEX_INPUTS,
    ),
    Case(
        "GatherV2",
        lambda x: tf.boolean_mask(x, MASK_ROWS),
        lambda x: x[MASK_ROWS],
        ((5, 3),),
        ANY,
        id="boolean-mask",
    ),
    Case(
        "GatherV2",
        lambda x: tf.boolean_mask(x, MASK_COLUMNS, axis=1),
        lambda x: x[:, MASK_COLUMNS],
        ((2, 4, 3),),
        NUMBERS,
        id="boolean-mask-axis",
    ),
    Case(
        "GatherV2",
        lambda x: tf.boolean_mask(x, tf.constant([3, 0, -1]) > 0, axis=-1),
        lambda x: x[..., :1],
        ((4, 3),),
        FLOATS,
        id="boolean-mask-folded",
    ),
    Case(
        "GatherV2",
        lambda x: tf.boolean_mask(x, [False, False]),
        lambda x: x[:0],
        ((2, 3),),
        FLOATS,
        id="boolean-mask-none-true",
    ),
    Case(
        "GatherNd",
        lambda x: tf.boolean_mask(x, MASK_GRID),
        lambda x: x[MASK_GRID],
        ((3, 4, 2),),
        ANY,
        id="boolean-mask-2d",
    ),
    Case(
        "Transpose",
        lambda x: tf.boolean_mask(x, MASK_GRID, axis=1),
        lambda x: x[:, MASK_GRID],
        ((2, 3, 4, 5),),
        FLOATS,
        id="boolean-mask-2d-axis",
    ),
    Case(
        "Slice",
        lambda x: tf.slice(x, [1, 0], [2, -1]),
        lambda x: x[1:3, :],
        ((4, 3),),
        ANY,
    ),
    Case(
        "Slice",
        lambda x: tf.slice(x, [0, 1, 1], [-1, 1, 2]),
        lambda x: x[:, 1:2, 1:3],
        ((2, 3, 4),),
        FLOATS,
        id="three",
    ),
    Case(
        "Slice",
        lambda x, b: tf.slice(x, b, [2, 2]),
        lambda x, b: x[b[0] : b[0] + 2, b[1] : b[1] + 2],
        ((4, 5), (2,)),
        FLOATS,
        (normal, indices(3)),
        INDEX_INPUTS,
        id="fed-begin",
    ),
    Case("StridedSlice", lambda x: x[1:, ::-1], lambda x: x[1:, ::-1], ((4, 3),), ANY),
    Case(
        "StridedSlice",
        lambda x: x[..., tf.newaxis, -1],
        lambda x: x[..., None, -1],
        ((2, 3, 4),),
        FLOATS,
        id="ellipsis-newaxis",
    ),
    Case(
        "StridedSlice", lambda x: x[-1], lambda x: x[-1], ((4, 3),), INTS, id="negative"
    ),
    Case(
        "StridedSlice",
        lambda x: x[::2, 1:3],
        lambda x: x[::2, 1:3],
        ((5, 4),),
        FLOATS,
        id="step",
    ),
    Case(
        "StridedSlice",
        lambda x: x[:, tf.constant(1)],
        lambda x: x[:, 1],
        ((3, 4),),
        FLOATS,
        id="const-index",
    ),
    Case(
        "StridedSlice",
        lambda x: x[-3:-1, ::-2],
        lambda x: x[-3:-1, ::-2],
        ((4, 5),),
        FLOATS,
        id="negative-step",
    ),
    Case(
        "StridedSlice",
        lambda x, i: x[i],
        lambda x, i: x[i],
        ((4, 3), ()),
        FLOATS,
        (normal, indices(4)),
        INDEX_INPUTS,
        id="tensor-index",
    ),
    Case(
        "StridedSlice",
        lambda x, i: x[:, i - 3],
        lambda x, i: x[:, i - 3],
        ((2, 3), ()),
        FLOATS,
        (normal, indices(3)),
        INDEX_INPUTS,
        id="tensor-negative",
    ),
    Case(
        "Less",
        lambda lengths: tf.sequence_mask(lengths, 5),
        _sequence_mask_ref(5),
        ((4,),),
        INTS,
        indices(7, low=-1),
        out_dtype=tf.bool,
        id="sequence-mask",
    ),
    Case(
        "Cast",
        lambda lengths: tf.sequence_mask(lengths, tf.constant(3), dtype=tf.float32),
        _sequence_mask_ref(3, np.float32),
        ((2, 3),),
        INTS,
        indices(4),
        out_dtype=tf.float32,
        id="sequence-mask-dtype",
    ),
    Case(
        "Less",
        lambda: tf.sequence_mask(LENGTHS),
        lambda: _sequence_mask_ref(4)(LENGTHS),
        (),
        (tf.int32,),
        out_dtype=tf.bool,
        id="sequence-mask-no-maxlen",
    ),
    Case(
        "OneHot",
        partial(tf.one_hot, depth=4),
        _one_hot_ref(4),
        ((2, 3),),
        INTS,
        indices(5, low=-1),
        out_dtype=tf.float32,
    ),
    Case(
        "OneHot",
        partial(tf.one_hot, depth=3, on_value=5.0, off_value=-1.0, axis=0),
        _one_hot_ref(3, 5.0, -1.0, axis=0),
        ((4,),),
        INTS,
        indices(3),
        out_dtype=tf.float32,
        id="values-axis",
    ),
    Case(
        "OneHot",
        partial(tf.one_hot, depth=3, on_value=2, off_value=0),
        _one_hot_ref(3, 2, 0, dtype=np.int32),
        ((4,),),
        INTS,
        indices(3),
        out_dtype=tf.int32,
        id="int",
    ),
    Case(
        "OneHot",
        partial(tf.one_hot, depth=2, dtype=tf.float64),
        _one_hot_ref(2, dtype=np.float64),
        ((3,),),
        (tf.int32,),
        indices(2),
        out_dtype=tf.float64,
        id="dtype",
    ),
    # -- filling ----------------------------------------------------------------------------------
    Case(
        "Fill", lambda v: tf.fill([2, 3], v), lambda v: np.full((2, 3), v), ((),), ANY
    ),
    Case(
        "Fill",
        lambda x, v: tf.fill(tf.shape(x), v),
        lambda x, v: np.full(x.shape, v),
        ((2, 3), ()),
        FLOATS,
        id="shape-of",
    ),
    Case(
        "Fill",
        lambda x: tf.zeros(tf.shape(x)),
        lambda x: np.zeros(x.shape, np.float32),
        ((2, 3),),
        FLOATS,
        out_dtype=tf.float32,
        id="zeros-shape-of",
    ),
    Case(
        "Const",
        lambda: tf.zeros([2, 3], tf.int32),
        lambda: np.zeros((2, 3), np.int32),
        (),
        (tf.int32,),
        id="zeros",
    ),
    Case(
        "Const",
        lambda: tf.ones([3]),
        lambda: np.ones(3, np.float32),
        (),
        (tf.float32,),
        id="ones",
    ),
    # Known shapes: a Fill (or Const); the unknown-dims build makes the ZerosLike op.
    Case("ZerosLike", tf.zeros_like, _zeros_like_ref, ((2, 3),), ANY),
    Case(
        "Fill",
        partial(tf.zeros_like, dtype=tf.int64),
        lambda x: np.zeros(x.shape, np.int64),
        ((2, 3),),
        FLOATS,
        out_dtype=tf.int64,
        id="zeros-like-dtype",
    ),
    Case("Fill", tf.ones_like, np.ones_like, ((2, 3),), NOT_STRINGS, id="ones-like"),
    Case(
        "Fill",
        partial(tf.ones_like, dtype=tf.bool),
        lambda x: np.ones(x.shape, bool),
        ((3,),),
        INTS,
        out_dtype=tf.bool,
        id="ones-like-dtype",
    ),
    Case(
        "Range",
        lambda: tf.range(2, 11, 3),
        lambda: np.arange(2, 11, 3, np.int32),
        (),
        (tf.int32,),
    ),
    Case(
        "Range",
        lambda: tf.range(5),
        lambda: np.arange(5, dtype=np.int32),
        (),
        (tf.int32,),
        id="limit",
    ),
    Case(
        "Range",
        lambda: tf.range(5, 0, -2),
        lambda: np.arange(5, 0, -2, dtype=np.int32),
        (),
        (tf.int32,),
        id="negative",
    ),
    Case(
        "Range",
        lambda: tf.range(0.0, 1.0, 0.25),
        lambda: np.arange(0, 1, 0.25, np.float32),
        (),
        (tf.float32,),
        id="float",
    ),
    Case(
        "Range",
        lambda: tf.range(tf.constant(3, tf.int64)),
        lambda: np.arange(3, dtype=np.int64),
        (),
        (tf.int64,),
        id="int64",
    ),
    Case(
        "Range",
        lambda: tf.range(1, 4, dtype=tf.float64),
        lambda: np.arange(1, 4, dtype=np.float64),
        (),
        (tf.float64,),
        id="dtype",
    ),
    Case(
        "LinSpace",
        lambda: tf.linspace(0.0, 1.0, 5),
        lambda: np.linspace(0, 1, 5, dtype=np.float32),
        (),
        (tf.float32,),
    ),
    Case(
        "LinSpace",
        lambda: tf.lin_space(tf.constant(-1.0, tf.float64), 2.0, 4),
        lambda: np.linspace(-1, 2, 4),
        (),
        (tf.float64,),
        id="float64",
    ),
    Case(
        "Eye", lambda: tf.eye(3), lambda: np.eye(3, dtype=np.float32), (), (tf.float32,)
    ),
    Case(
        "Eye",
        lambda: tf.eye(2, 4, dtype=tf.int32),
        lambda: np.eye(2, 4, dtype=np.int32),
        (),
        (tf.int32,),
        id="rect",
    ),
    Case(
        "Eye",
        lambda: tf.eye(2, batch_shape=[3], dtype=tf.float64),
        lambda: np.broadcast_to(np.eye(2), (3, 2, 2)),
        (),
        (tf.float64,),
        id="batch",
    ),
    Case("StopGradient", tf.stop_gradient, lambda x: x, ((2, 3),), ANY),
    Case(
        "BroadcastTo",
        lambda x: tf.broadcast_to(x, [2, 3, 4]),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        ((3, 1),),
        ANY,
    ),
    # Data-dependent shapes: host steps between compiled segments.
    Case(
        "Where",
        tf.where,
        np.argwhere,
        ((3, 4),),
        (tf.bool, tf.int32, tf.float32),
        out_dtype=tf.int64,
        data_dependent=True,
    ),
    Case(
        "Where",
        tf.where,
        np.argwhere,
        ((2, 3, 2),),
        (tf.bool,),
        out_dtype=tf.int64,
        id="rank-3",
        data_dependent=True,
    ),
    Case(
        "BooleanMaskIndices",
        tf.boolean_mask,
        lambda x, m: x[m],
        ((5, 3), (5,)),
        ANY,
        (normal, normal),
        input_dtypes=(None, tf.bool),
        data_dependent=True,
    ),
    Case(
        "BooleanMaskIndices",
        lambda x, m: tf.boolean_mask(x, m, axis=1),
        lambda x, m: x[:, m],
        ((2, 3, 4), (3, 4)),
        (tf.float32,),
        (normal, normal),
        input_dtypes=(None, tf.bool),
        id="2d-axis",
        data_dependent=True,
    ),
    Case(
        "Unique",
        tf.unique,
        lambda x: _unique_ref(x)[:2],
        ((12,),),
        (tf.int32, tf.int64, tf.float32),
        small,
        out_dtype=(None, tf.int32),
        data_dependent=True,
    ),
    Case(
        "Unique",
        tf.unique,
        lambda x: _unique_ref(x)[:2],
        ((12,),),
        (tf.string,),
        lambda rng, shape, dtype: np.array([b"x", b"y", b"z"], object)[
            rng.integers(0, 3, shape)
        ],
        out_dtype=(None, tf.int32),
        data_dependent=True,
        id="strings",
    ),
    Case(
        "UniqueWithCounts",
        lambda x: tf.unique_with_counts(x, out_idx=tf.int64),
        _unique_ref,
        ((12,),),
        (tf.int32,),
        small,
        out_dtype=(None, tf.int64, tf.int64),
        data_dependent=True,
    ),
    Case(
        "DynamicPartition",
        lambda d, p: tf.dynamic_partition(d, p, 4),
        lambda d, p: [d[p == i] for i in range(4)],
        ((7, 2), (7,)),
        NUMBERS,
        (normal, indices(4)),
        input_dtypes=(None, tf.int32),
        data_dependent=True,
    ),
]


@pytest.mark.parametrize("case", params(ARRAY_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def test_slicing_names_and_static_shapes() -> None:
    x = tf.placeholder(tf.float32, [None, 784])
    first = x[0]
    assert first.name == "strided_slice:0" and first.shape.as_list() == [784]
    assert x[:, tf.newaxis, 2:10:2].shape.as_list() == [None, 1, 4]
    assert x[..., -1].shape.as_list() == [None]


def test_shape_and_squeeze_of_unknown_dims_are_known_at_run_time() -> None:
    x = tf.placeholder(tf.float32, [None, 1, 3])
    squeezed = tf.squeeze(x)
    assert squeezed.shape.ndims is None  # which dims go depends on the fed shape
    shape, got = _run([tf.shape(x), squeezed], {x: np.ones((2, 1, 3))})
    np.testing.assert_array_equal(shape, [2, 1, 3])
    assert got.shape == (2, 3)


def test_zeros_and_concat_of_one_are_named_like_tf1() -> None:
    assert tf.zeros([2]).name == "zeros:0"
    assert tf.concat([tf.ones([2])], 0).op.type == "Identity"
    assert tf.one_hot([0, 1], 2).name == "one_hot:0"


def test_masks_have_static_shapes_and_tf1_names() -> None:
    images = tf.placeholder(tf.float32, [None, 3, 4, 5])
    masked = tf.boolean_mask(images, MASK_GRID, axis=1)
    assert masked.shape.as_list() == [None, int(MASK_GRID.sum()), 5]
    rows = tf.boolean_mask(tf.placeholder(tf.int32, [5, None]), MASK_ROWS)
    assert rows.name == "boolean_mask_1/GatherV2:0"
    assert rows.shape.as_list() == [3, None]
    lengths = tf.placeholder(tf.int64, [None])
    mask = tf.sequence_mask(lengths, 6)
    assert mask.name == "SequenceMask/Less:0" and mask.shape.as_list() == [None, 6]
    assert tf.sequence_mask([2, 0]).shape.as_list() == [2, 2]
    assert tf.sequence_mask([], dtype=tf.int32).shape.as_list() == [0, 0]


def test_gather_clips_out_of_range_indices() -> None:
    # TF1 difference (documented on tf.gather): XLA cannot raise, so indices clip.
    params = tf.constant([10, 20, 30])
    np.testing.assert_array_equal(_run(tf.gather(params, [-1, 1, 5])), [10, 20, 30])


def test_fed_begin_slice_moves_back_to_fit() -> None:
    # TF1 difference (documented on tf.slice): a fed begin past the end is clamped.
    begin = tf.placeholder(tf.int32, [1])
    got = _run(tf.slice(tf.range(5), begin, [2]), {begin: [4]})
    np.testing.assert_array_equal(got, [3, 4])


BAD_INPUTS = [
    pytest.param(
        lambda: tf.reshape(tf.ones([4, 3]), [5]),
        ValueError,
        r"Cannot reshape a tensor with 12 elements to shape \[5\] \(5 elements\) for 'Reshape'",
        id="reshape-size",
    ),
    pytest.param(
        lambda: tf.reshape(tf.ones([4, 3]), [-1, -1]),
        ValueError,
        "Reshape",
        id="reshape-two-unknown",
    ),
    pytest.param(
        lambda: tf.split(tf.ones([2, 5]), 2, axis=1),
        ValueError,
        "size 5, which is not divisible by num_split = 2",
        id="split-not-divisible",
    ),
    pytest.param(
        lambda: tf.split(tf.ones([2, 5]), [2, 2], axis=1),
        ValueError,
        "do not add up",
        id="split-sizes",
    ),
    pytest.param(
        lambda: tf.squeeze(tf.ones([2, 3]), [1]),
        ValueError,
        r"Can not squeeze dim\[1\], expected a dimension of 1, got 3",
        id="squeeze-not-one",
    ),
    pytest.param(
        lambda: tf.unstack(tf.ones([2, 3]), num=3),
        ValueError,
        "has size 2, but num is 3",
        id="unstack-num",
    ),
    pytest.param(
        lambda: tf.unstack(tf.placeholder(tf.float32, [None, 2])),
        ValueError,
        "Cannot infer num",
        id="unstack-unknown",
    ),
    pytest.param(
        lambda: tf.tile(tf.ones([2, 3]), [2]),
        ValueError,
        "one multiple per dimension",
        id="tile-multiples",
    ),
    pytest.param(
        lambda: tf.pad(tf.ones([2, 3]), [[1, 1]]),
        ValueError,
        r"paddings must have shape \[2, 2\]",
        id="pad-shape",
    ),
    pytest.param(
        lambda: tf.pad(tf.ones([2]), [[1, 1]], mode="WRAP"),
        ValueError,
        "Unknown padding mode",
        id="pad-mode",
    ),
    pytest.param(
        lambda: tf.concat([tf.ones([2, 3]), tf.ones([2, 4])], 0),
        ValueError,
        "ConcatV2",
        id="concat-shapes",
    ),
    pytest.param(
        lambda: tf.concat([tf.ones([2]), tf.ones([2], tf.int32)], 0),
        TypeError,
        "must all match",
        id="concat-dtypes",
    ),
    pytest.param(
        lambda: tf.stack([tf.ones([2]), tf.ones([3])]),
        ValueError,
        "Pack",
        id="stack-shapes",
    ),
    pytest.param(
        lambda: tf.transpose(tf.ones([2, 3]), [0, 0]),
        ValueError,
        "not a permutation",
        id="transpose-perm",
    ),
    pytest.param(
        lambda: tf.expand_dims(tf.ones([2]), 3),
        ValueError,
        "ExpandDims",
        id="expand-dims-axis",
    ),
    pytest.param(
        lambda: tf.one_hot(tf.constant([0.0, 1.0]), 2),
        TypeError,
        r"'OneHot'.*float32 not in list",
        id="one-hot-float",
    ),
    pytest.param(
        lambda: tf.gather(tf.ones([3]), tf.constant([0.0])),
        TypeError,
        r"'GatherV2'.*float32",
        id="gather-float",
    ),
    pytest.param(
        lambda: tf.gather(tf.ones([3, 2]), [[0]], batch_dims=1),
        NotImplementedError,
        "batch_dims",
        id="gather-batch-dims",
    ),
    pytest.param(
        lambda: tf.slice(tf.ones([3, 2]), [2, 0], [2, -1]),
        ValueError,
        "do not fit",
        id="slice-bounds",
    ),
    pytest.param(
        lambda: tf.slice(tf.ones([3]), tf.placeholder(tf.int32, [1]), [-1]),
        NotImplementedError,
        "explicit sizes",
        id="slice-fed-begin-to-end",
    ),
    pytest.param(
        lambda: tf.ones([3])[5], ValueError, "StridedSlice", id="index-out-of-range"
    ),
    pytest.param(
        lambda: tf.ones([3])[1.5], TypeError, "valid indices", id="index-float"
    ),
    pytest.param(
        lambda: tf.ones([3])[True], TypeError, "Boolean indices", id="index-bool"
    ),
    pytest.param(
        lambda: tf.ones([3])[tf.constant(1.0)],
        TypeError,
        "float32",
        id="index-float-tensor",
    ),
    pytest.param(
        lambda: tf.boolean_mask(tf.ones([3]), True),
        ValueError,
        "cannot be scalar",
        id="boolean-mask-scalar",
    ),
    pytest.param(
        lambda: tf.boolean_mask(tf.ones([3, 2]), [True, False]),
        ValueError,
        r"mask .* of shape \(2,\) does not fit dimensions 0..0 of tensor",
        id="boolean-mask-shape",
    ),
    pytest.param(
        lambda: tf.boolean_mask(tf.ones([3, 2]), [True, False], axis=2),
        ValueError,
        "does not fit",
        id="boolean-mask-axis",
    ),
    pytest.param(
        lambda: tf.boolean_mask(tf.ones([2]), [1, 0]),
        TypeError,
        r"'mask' of 'boolean_mask'.*int32",
        id="boolean-mask-int",
    ),
    pytest.param(
        lambda: tf.boolean_mask(tf.ones([2]), tf.placeholder(tf.bool)),
        ValueError,
        "rank of mask",
        id="boolean-mask-unknown-rank",
    ),
    pytest.param(
        lambda: tf.sequence_mask(tf.placeholder(tf.int32, [2])),
        NotImplementedError,
        r"max\(lengths\).*Pass maxlen",
        id="sequence-mask-fed-lengths",
    ),
    pytest.param(
        lambda: tf.sequence_mask([1, 2], tf.placeholder(tf.int32, [])),
        ValueError,
        "sequence_mask maxlen must be known when the graph is built",
        id="sequence-mask-fed-maxlen",
    ),
    pytest.param(
        lambda: tf.sequence_mask([1, 2], [3, 4]),
        ValueError,
        "must be a scalar",
        id="sequence-mask-maxlen-vector",
    ),
    pytest.param(
        lambda: tf.sequence_mask(["a"], 2),
        TypeError,
        r"'lengths' of 'SequenceMask'.*string",
        id="sequence-mask-strings",
    ),
    pytest.param(lambda: tf.range(0, 5, 0), ValueError, "delta != 0", id="range-delta"),
    pytest.param(
        lambda: tf.range(5, 0), ValueError, "start <= limit", id="range-order"
    ),
    pytest.param(
        lambda: tf.linspace(0, 1, 3), TypeError, r"'LinSpace'.*int32", id="linspace-int"
    ),
    pytest.param(
        lambda: tf.fill([2], tf.ones([2])),
        ValueError,
        "must be a scalar",
        id="fill-value",
    ),
    pytest.param(
        lambda: tf.broadcast_to(tf.ones([3]), [2, 4]),
        ValueError,
        "BroadcastTo",
        id="broadcast-to",
    ),
]


@pytest.mark.parametrize(("build", "error", "match"), BAD_INPUTS)
def test_bad_inputs_raise_when_building(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()


def test_reverse_sequence_bad_input():
    x = tf.zeros([2, 3])
    with pytest.raises(ValueError, match="must differ, both are 1"):
        tf.reverse_sequence(x, [1, 2], seq_axis=1, batch_axis=-1)
    with pytest.raises(TypeError, match="int32 or int64, got float32"):
        tf.reverse_sequence(x, [1.0, 2.0], seq_axis=1)
    with pytest.raises(ValueError, match="needs seq_axis"):
        tf.reverse_sequence(x, [1, 2])
