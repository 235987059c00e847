"""Initializers: shapes, dtypes, the distributions TF1 documents, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

import jgraph as tf
from jgraph.ops import init_ops


def value(init, shape, dtype=None, seed: int | None = 7):
    if seed is not None:
        tf.set_random_seed(seed)
    tensor = init(shape) if dtype is None else init(shape, dtype=dtype)
    with tf.Session() as sess:
        return sess.run(tensor)


def test_constant_initializers():
    np.testing.assert_array_equal(
        value(init_ops.zeros_initializer(), [2, 3]), np.zeros((2, 3))
    )
    np.testing.assert_array_equal(value(init_ops.ones_initializer(), [4]), np.ones(4))
    got = value(init_ops.constant_initializer(2.5), [2, 2])
    np.testing.assert_array_equal(got, np.full((2, 2), 2.5, np.float32))
    got = value(init_ops.constant_initializer([1, 2, 3, 4]), [2, 2])
    np.testing.assert_array_equal(got, [[1, 2], [3, 4]])
    ints = value(init_ops.zeros_initializer(dtype=tf.int32), [3])
    assert ints.dtype == np.int32
    with pytest.raises(TypeError, match="Expected Tensor's shape"):
        init_ops.constant_initializer([1, 2, 3], verify_shape=True)([3, 1])


def test_call_dtype_overrides_the_default():
    got = value(init_ops.glorot_uniform_initializer(), [3, 4], dtype=tf.float64)
    assert got.dtype == np.float64
    got = value(init_ops.random_uniform_initializer(0, 10, dtype=tf.int32), [50])
    assert got.dtype == np.int32 and got.min() >= 0 and got.max() < 10


@pytest.mark.parametrize(
    "make",
    [
        init_ops.random_normal_initializer,
        init_ops.truncated_normal_initializer,
        init_ops.glorot_uniform_initializer,
        init_ops.glorot_normal_initializer,
        init_ops.variance_scaling_initializer,
        init_ops.orthogonal_initializer,
    ],
)
def test_float_only_initializers_reject_int_dtypes(make):
    with pytest.raises(ValueError, match="Expected floating point type, got int32"):
        make(dtype=tf.int32)


def test_random_normal_and_truncated_normal_statistics():
    normal = value(init_ops.random_normal_initializer(1.0, 2.0), [200, 100])
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 2.0) < 0.05
    truncated = value(init_ops.truncated_normal_initializer(1.0, 2.0), [200, 100])
    assert truncated.min() >= 1.0 - 4.0 and truncated.max() <= 1.0 + 4.0
    # A standard normal truncated at +-2 has standard deviation 0.8796.
    assert abs(truncated.std() - 2.0 * 0.8796) < 0.05


def test_random_uniform_range():
    got = value(init_ops.random_uniform_initializer(-3.0, -1.0), [20000])
    assert got.min() >= -3.0 and got.max() < -1.0
    assert abs(got.mean() + 2.0) < 0.03
    default = value(init_ops.random_uniform_initializer(), [1000])
    assert default.min() >= 0.0 and default.max() < 1.0


def test_glorot_uniform_limit_and_variance():
    fan_in, fan_out = 200, 300
    got = value(init_ops.glorot_uniform_initializer(), [fan_in, fan_out])
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    assert got.min() >= -limit and got.max() <= limit
    assert got.max() > 0.95 * limit  # the whole range is used
    assert abs(got.std() - limit / math.sqrt(3.0)) < 0.02 * limit


def test_glorot_normal_variance():
    fan_in, fan_out = 200, 300
    got = value(init_ops.glorot_normal_initializer(), [fan_in, fan_out])
    stddev = math.sqrt(2.0 / (fan_in + fan_out))
    assert abs(got.std() - stddev) < 0.02 * stddev
    assert np.abs(got).max() <= 2 * stddev / 0.87962566103423978 + 1e-6


@pytest.mark.parametrize(
    ("mode", "fan"),
    [("fan_in", 3 * 3 * 16), ("fan_out", 3 * 3 * 32), ("fan_avg", 3 * 3 * 24)],
)
@pytest.mark.parametrize(
    "distribution", ["truncated_normal", "untruncated_normal", "uniform"]
)
def test_variance_scaling_modes_on_conv_kernels(mode, fan, distribution):
    init = init_ops.variance_scaling_initializer(2.0, mode, distribution)
    got = value(init, [3, 3, 16, 32])
    assert got.shape == (3, 3, 16, 32)
    np.testing.assert_allclose(got.var(), 2.0 / fan, rtol=0.06)


def test_variance_scaling_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`scale` must be positive float"):
        init_ops.variance_scaling_initializer(0.0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: fan_sum"):
        init_ops.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: cauchy"):
        init_ops.variance_scaling_initializer(distribution="cauchy")


def test_compute_fans():
    assert init_ops.compute_fans([]) == (1.0, 1.0)
    assert init_ops.compute_fans([5]) == (5.0, 5.0)
    assert init_ops.compute_fans([3, 4]) == (3.0, 4.0)
    assert init_ops.compute_fans([2, 3, 4, 5]) == (24.0, 30.0)


@pytest.mark.parametrize("shape", [[6, 4], [4, 6], [2, 3, 5]])
def test_orthogonal(shape):
    got = value(init_ops.orthogonal_initializer(gain=2.0), shape)
    flat = got.reshape(-1, shape[-1])
    small = min(flat.shape)
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-4)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        init_ops.orthogonal_initializer()([3])


def test_same_graph_seed_gives_the_same_values():
    first = value(init_ops.glorot_uniform_initializer(), [3, 3], seed=5)
    tf.reset_default_graph()
    second = value(init_ops.glorot_uniform_initializer(), [3, 3], seed=5)
    tf.reset_default_graph()
    third = value(init_ops.glorot_uniform_initializer(), [3, 3], seed=6)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, third)


def test_without_graph_seed_sessions_draw_differently():
    tensor = init_ops.random_normal_initializer()([8])
    with tf.Session() as sess:
        first = sess.run(tensor)
    with tf.Session() as sess:
        second = sess.run(tensor)
    assert not np.array_equal(first, second)


def test_op_seed_pins_one_initializer():
    tf.set_random_seed(1)
    a = init_ops.random_normal_initializer(seed=3)([5])
    b = init_ops.random_normal_initializer()([5])
    c = init_ops.random_normal_initializer(seed=3)([5])
    with tf.Session() as sess:
        got_a, got_b, got_c = sess.run([a, b, c])
    np.testing.assert_array_equal(got_a, got_c)
    assert not np.array_equal(got_a, got_b)


def test_config_round_trip():
    init = init_ops.variance_scaling_initializer(2.0, "fan_out", "uniform", seed=4)
    clone = type(init).from_config(init.get_config())
    assert (clone.scale, clone.mode, clone.distribution, clone.seed) == (
        2.0,
        "fan_out",
        "uniform",
        4,
    )
    glorot = init_ops.glorot_uniform_initializer(seed=1)
    assert type(glorot).from_config(glorot.get_config()).seed == 1


def test_initializer_needs_a_static_shape():
    with pytest.raises(ValueError, match="fully defined shape"):
        init_ops.zeros_initializer()([None, 3])
