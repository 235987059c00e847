"""Shapes known late: placeholders of unknown rank, and shapes computed in the graph.

The static shapes pinned here are TF1's (recorded with tensorflow 2.21's
``compat.v1`` in graph mode); values are checked against numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors
from jgraph.ops.folding import partial_shape, partial_value


@pytest.fixture
def sess():
    with tf.Session() as session:
        yield session


def shapes(*tensors: tf.Tensor) -> list[str]:
    return [str(t.shape) for t in tensors]


# -- placeholders of unknown rank --------------------------------------------------------


def test_unknown_rank_placeholder_builds_and_runs(sess):
    x = tf.placeholder(tf.float32, name="X")
    w = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    y, total, plus, mean = (
        tf.matmul(x, w),
        tf.reduce_sum(x),
        x + 1.0,
        tf.reduce_mean(x, axis=1),
    )
    # TF1: no shape part when the rank is unknown.
    assert str(x) == 'Tensor("X:0", dtype=float32)'
    assert str(y) == 'Tensor("MatMul:0", dtype=float32)'
    assert str(total) == 'Tensor("Sum:0", shape=(), dtype=float32)'
    assert shapes(plus, mean) == ["<unknown>", "<unknown>"]
    assert shapes(tf.shape(x), tf.reshape(x, [-1, 784]), tf.transpose(x, [1, 0])) == [
        "(?,)",
        "(?, 784)",
        "(?, ?)",
    ]
    assert shapes(x[0], tf.nn.relu(x), tf.cast(x, tf.int32)) == ["<unknown>"] * 3
    fed = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    got = sess.run([y, total, mean], {x: fed})
    np.testing.assert_allclose(got[0], fed @ w.eval(session=sess))
    assert got[1] == fed.sum()
    np.testing.assert_allclose(got[2], fed.mean(axis=1))
    # Another rank on the same graph: the run checks, not the builder.
    assert sess.run(total, {x: np.ones((2, 3, 4))}) == 24.0


def test_unknown_rank_mismatch_is_reported_by_the_run(sess):
    x = tf.placeholder(tf.float32)
    y = tf.matmul(x, tf.ones([3, 2]), name="product")
    with pytest.raises(errors.InvalidArgumentError, match=r"product.*\[2,4\], \[3,2\]"):
        sess.run(y, {x: np.ones((2, 4))})


# -- shapes computed in the graph --------------------------------------------------------


def test_shapes_from_tf_shape(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    batch = tf.shape(x)[0]
    made = [
        tf.zeros(tf.shape(x)),
        tf.ones([batch, 10]),
        tf.fill(tf.shape(x), 2.0),
        tf.range(0, batch),
        tf.random_normal(tf.shape(x)),
        tf.random_uniform([batch, 5]),
        tf.tile(tf.constant([[1.0, 2.0]]), [batch, 1]),
    ]
    assert shapes(*made) == [
        "(?, 3)",
        "(?, 10)",
        "(?, 3)",
        "(?,)",
        "(?, 3)",
        "(?, 5)",
        "(?, 2)",
    ]
    zeros, ones, full, indices, normal, uniform, tiled = sess.run(
        made, {x: np.ones((4, 3))}
    )
    np.testing.assert_array_equal(zeros, np.zeros((4, 3)))
    np.testing.assert_array_equal(ones, np.ones((4, 10)))
    np.testing.assert_array_equal(full, np.full((4, 3), 2.0))
    np.testing.assert_array_equal(indices, np.arange(4))
    assert normal.shape == (4, 3) and uniform.shape == (4, 5)
    assert ((uniform >= 0) & (uniform < 1)).all()
    np.testing.assert_array_equal(tiled, np.tile([[1.0, 2.0]], [4, 1]))
    # A known dim of tf.shape is known (TF1 folds it): tf.range of it too.
    assert shapes(tf.range(tf.shape(x)[1])) == ["(3,)"]


def test_reshape_of_unknown_dims(sess):
    x = tf.placeholder(tf.float32, [None])
    m = tf.reshape(x, [-1, 4])
    y = tf.placeholder(tf.float32, [None, 6])
    grid = tf.placeholder(tf.float32, [None, None])
    made = [
        tf.reshape(y, [-1, 2, 3]),
        tf.reshape(y, tf.stack([tf.shape(y)[0], 3, 2])),
        tf.reshape(grid, [4, -1]),
    ]
    assert shapes(m, *made) == ["(?, 4)", "(?, 2, 3)", "(?, 3, 2)", "(4, ?)"]
    np.testing.assert_array_equal(
        sess.run(m, {x: np.arange(8)}), np.arange(8).reshape(2, 4)
    )
    np.testing.assert_array_equal(
        sess.run(made[1], {y: np.arange(12).reshape(2, 6)}),
        np.arange(12).reshape(2, 3, 2),
    )
    with pytest.raises(errors.InvalidArgumentError, match="Reshape"):
        sess.run(m, {x: np.arange(6)})  # 6 elements do not make rows of 4
    with pytest.raises(ValueError, match="more than one -1"):
        tf.reshape(x, tf.stack([-1, tf.shape(x)[0], -1]))


def test_split_on_unknown_dims(sess):
    grid = tf.placeholder(tf.float32, [None, None])
    halves = tf.split(grid, 2, axis=0)
    parts = tf.split(grid, [1, -1], axis=1)
    assert shapes(*halves, *parts) == ["(?, ?)", "(?, ?)", "(?, 1)", "(?, ?)"]
    block = np.arange(24, dtype=np.float32).reshape(4, 6)
    top, bottom, first, rest = sess.run([*halves, *parts], {grid: block})
    np.testing.assert_array_equal(top, block[:2])
    np.testing.assert_array_equal(bottom, block[2:])
    np.testing.assert_array_equal(first, block[:, :1])
    np.testing.assert_array_equal(rest, block[:, 1:])
    with pytest.raises(errors.InvalidArgumentError, match="evenly divide"):
        sess.run(halves, {grid: block[:3]})


def test_split_with_sizes_known_only_at_run_time(sess):
    # TF1's SplitV on a tensor: as many parts as size_splits has entries (or
    # num), unknown along the axis; the sizes are checked when the run is traced.
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.placeholder(tf.float32, [4, 6])
    sizes = tf.placeholder(tf.int32, [2])
    unsized = tf.placeholder(tf.int32, [None])
    parts = tf.split(x, sizes, axis=1)
    assert parts[0].op.type == "SplitV"
    assert shapes(*parts) == ["(?, ?)", "(?, ?)"]
    assert shapes(*tf.split(y, sizes, axis=1)) == ["(4, ?)", "(4, ?)"]
    with pytest.raises(ValueError, match="Cannot infer argument `num`"):
        tf.split(y, unsized, axis=1)
    # TF1 runs sizes of unknown length with num=2; jgraph compiles once per fed
    # value, so a fed shape must be a short vector of known length.
    by_num = tf.split(y, unsized, num=2, axis=1)
    assert shapes(*by_num) == ["(4, ?)", "(4, ?)"]
    with pytest.raises(errors.UnimplementedError, match="at most 16 entries"):
        sess.run(by_num, {y: np.ones((4, 6)), unsized: [2, 4]})
    block = np.arange(10, dtype=np.float32).reshape(2, 5)
    left, right = sess.run(parts, {x: block, sizes: [2, 3]})
    np.testing.assert_array_equal(left, block[:, :2])
    np.testing.assert_array_equal(right, block[:, 2:])
    left, right = sess.run(parts, {x: block, sizes: [-1, 1]})
    np.testing.assert_array_equal(left, block[:, :4])
    np.testing.assert_array_equal(right, block[:, 4:])
    for bad in ([2, 2], [-1, 6]):
        with pytest.raises(errors.InvalidArgumentError, match="do not add up"):
            sess.run(parts, {x: block, sizes: bad})
    # Sizes computed from a fed shape: known when the run is traced.
    batch = tf.shape(x)[0]
    computed = tf.split(x, tf.stack([batch, 5 - batch]), axis=1)
    assert shapes(*computed) == ["(?, ?)", "(?, ?)"]
    left, right = sess.run(computed, {x: block})  # sizes [2, 3]
    np.testing.assert_array_equal(right, block[:, 2:])


def test_fed_values_that_set_shapes_compile_once_per_value(sess):
    x = tf.placeholder(tf.float32, [None, 2])
    i = tf.placeholder(tf.int32, [])
    n = tf.placeholder(tf.int32, [])
    row = x[i : i + 1]
    made = tf.ones([n, 10])
    counted = tf.range(n)
    assert shapes(row, made, counted, tf.fill([2, n], 1.0)) == [
        "(?, 2)",
        "(?, 10)",
        "(?,)",
        "(2, ?)",
    ]
    data = np.arange(8, dtype=np.float32).reshape(4, 2)
    for index in (2, 0, 2):
        np.testing.assert_array_equal(sess.run(row, {x: data, i: index}), data[[index]])
    (stats,) = [s for s in sess.stats() if s.fetches == (row.name,)]
    assert (stats.calls, stats.compiles) == (3, 2)  # once per value of i
    assert sess.run(tf.reduce_sum(made), {n: 3}) == 30.0
    np.testing.assert_array_equal(sess.run(counted, {n: 5}), np.arange(5))


def test_shape_from_a_variable_is_an_honest_error(sess):
    v = tf.Variable(3)
    made = tf.ones([v, 2], name="from_variable")
    sess.run(tf.global_variables_initializer())
    with pytest.raises(
        errors.UnimplementedError, match=r"from_variable.*inside the run"
    ):
        sess.run(made)


def test_shape_from_a_fed_batch_is_refused(sess):
    lengths = tf.placeholder(tf.int32, [None])
    steps = tf.range(tf.reduce_max(lengths), name="steps")
    with pytest.raises(errors.UnimplementedError, match=r"steps.*at most 16 entries"):
        sess.run(steps, {lengths: [1, 2, 3]})
    any_rank = tf.placeholder(tf.int32)
    made = tf.zeros(any_rank)
    with pytest.raises(errors.InvalidArgumentError, match="sets a shape"):
        sess.run(made, {any_rank: np.ones(20, np.int32)})
    np.testing.assert_array_equal(sess.run(made, {any_rank: [2, 1]}), np.zeros((2, 1)))


def test_random_shape_must_be_integers():
    with pytest.raises(TypeError, match="shape"):
        tf.random_normal(tf.placeholder(tf.float32, [2]))


# -- static inference of unknown dims ----------------------------------------------------


def test_conv_of_unknown_kernel_keeps_unknown_dims(sess):
    images = tf.placeholder(tf.float32, [None, None, None, None])
    kernel = tf.placeholder(tf.float32, [None, None, None, None])
    out = tf.nn.conv2d(images, kernel, [1, 2, 2, 1], "VALID")
    # A shared stand-in for the unknown sizes would say (s - s) // 2 + 1 = 1.
    assert shapes(out) == ["(?, ?, ?, ?)"]
    got = sess.run(out, {images: np.ones((1, 7, 7, 2)), kernel: np.ones((3, 3, 2, 4))})
    assert got.shape == (1, 3, 3, 4)


def test_resize_of_unknown_height_and_width(sess):
    images = tf.placeholder(tf.float32, [None, None, None, 3])
    out = tf.image.resize_nearest_neighbor(images, [4, 6])
    assert shapes(out) == ["(?, 4, 6, 3)"]
    fed = np.arange(2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 2, 3, 3)
    np.testing.assert_array_equal(
        sess.run(out, {images: fed}), fed[:, [0, 0, 1, 1], :][:, :, [0, 0, 1, 1, 2, 2]]
    )


def test_partial_values_say_what_the_graph_knows():
    x = tf.placeholder(tf.float32, [None, 3, None])
    fed = tf.placeholder(tf.int32, [])
    assert partial_value(tf.shape(x)).tolist() == [None, 3, None]
    assert partial_shape([tf.shape(x)[0], 10]) == (None, 10)
    assert partial_shape([fed, 10]) == (None, 10)
    assert partial_shape(tf.concat([tf.shape(x)[:2], [4]], 0)) == (None, 3, 4)
    assert partial_shape(tf.shape(x) * 2) == (None, 6, None)
    assert partial_shape(tf.placeholder(tf.int32, [None])) is None
