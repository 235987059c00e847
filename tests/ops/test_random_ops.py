"""jgraph.ops.random_ops: a table of random ops checked by their statistics (values
cannot be compared with numpy), then seeding and reproducibility."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import jgraph as tf
from jgraph.ops import random_ops

N = 20000  # samples per check: the standard error of a mean is sd / 141


@dataclass(frozen=True)
class RandomCase:
    """One random op: how to build it for a dtype, and what its samples must satisfy."""

    type: str
    fn: Callable[[Any], Any]
    check: Callable[[np.ndarray], None]
    shape: tuple[int, ...]
    dtypes: tuple[Any, ...] = (tf.float32, tf.float64)
    out_dtype: Any = None
    id: str = ""


def _normal_stats(mean: float, sd: float) -> Callable[[np.ndarray], None]:
    def check(x: np.ndarray) -> None:
        assert abs(x.mean() - mean) < 5 * sd / np.sqrt(x.size)
        assert abs(x.std() - sd) < 0.03 * sd

    return check


def _uniform_stats(low: float, high: float) -> Callable[[np.ndarray], None]:
    def check(x: np.ndarray) -> None:
        assert x.min() >= low and x.max() < high
        width = high - low
        assert abs(x.mean() - (low + high) / 2) < 5 * width / np.sqrt(12 * x.size)
        assert abs(x.var() - width**2 / 12) < 0.05 * width**2 / 12

    return check


def _integer_stats(low: int, high: int) -> Callable[[np.ndarray], None]:
    def check(x: np.ndarray) -> None:
        counts = np.bincount(x.reshape(-1) - low, minlength=high - low)
        assert len(counts) == high - low  # nothing outside [low, high)
        expected = x.size / (high - low)
        assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))

    return check


def _truncated_stats(mean: float, sd: float) -> Callable[[np.ndarray], None]:
    def check(x: np.ndarray) -> None:
        assert np.all(np.abs(x - mean) <= 2 * sd)
        # The sd of a standard normal truncated to [-2, 2] is 0.8796.
        assert abs(x.std() - 0.8796 * sd) < 0.03 * sd
        assert abs(x.mean() - mean) < 5 * sd / np.sqrt(x.size)

    return check


def _is_permutation(x: np.ndarray) -> None:
    np.testing.assert_array_equal(np.sort(x), np.arange(len(x)))
    assert not np.array_equal(x, np.arange(len(x)))


def _frequencies(probabilities: list[float]) -> Callable[[np.ndarray], None]:
    def check(x: np.ndarray) -> None:
        counts = np.bincount(x.reshape(-1), minlength=len(probabilities))
        expected = np.asarray(probabilities) * x.size
        assert len(counts) == len(probabilities)
        assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected) + 1)

    return check


def _orthonormal_columns(q: np.ndarray) -> None:
    gram = q.astype(np.float64).T @ q.astype(np.float64)
    np.testing.assert_allclose(gram, np.eye(q.shape[1]), atol=1e-5)


RANDOM_CASES = [
    RandomCase(
        "RandomOrthogonal",
        lambda d: tf.orthogonal_initializer(dtype=d)([50, 8]),
        _orthonormal_columns,
        (50, 8),
    ),
    RandomCase(
        "RandomStandardNormal",
        lambda d: tf.random_normal([N], dtype=d),
        _normal_stats(0, 1),
        (N,),
    ),
    RandomCase(
        "RandomStandardNormal",
        lambda d: tf.random_normal([100, N // 100], 2.0, 3.0, d),
        _normal_stats(2, 3),
        (100, N // 100),
        id="mean-sd",
    ),
    RandomCase(
        "RandomUniform",
        lambda d: tf.random_uniform([N], dtype=d),
        _uniform_stats(0, 1),
        (N,),
    ),
    RandomCase(
        "RandomUniform",
        lambda d: tf.random_uniform([N], -1, 3, d),
        _uniform_stats(-1, 3),
        (N,),
        id="range",
    ),
    RandomCase(
        "RandomUniform",
        lambda d: tf.random_uniform([N], -2, 5, d),
        _integer_stats(-2, 5),
        (N,),
        (tf.int32, tf.int64),
        id="int",
    ),
    RandomCase(
        "TruncatedNormal",
        lambda d: tf.truncated_normal([N], 1.0, 2.0, d),
        _truncated_stats(1, 2),
        (N,),
    ),
    RandomCase(
        "RandomShuffle",
        lambda d: tf.random_shuffle(tf.range(100, dtype=d)),
        _is_permutation,
        (100,),
        (tf.int32, tf.float32),
    ),
    RandomCase(
        "Multinomial",
        lambda d: random_ops.multinomial(tf.log(tf.constant([[0.2, 0.8]], d)), N),
        _frequencies([0.2, 0.8]),
        (1, N),
        out_dtype=tf.int64,
    ),
    RandomCase(
        "Multinomial",
        lambda d: random_ops.categorical(tf.zeros([N // 10, 3], d), 10, dtype=tf.int32),
        _frequencies([1 / 3] * 3),
        (N // 10, 10),
        out_dtype=tf.int32,
        id="categorical",
    ),
]


@pytest.mark.parametrize(
    ("case", "dtype"),
    [
        pytest.param(c, d, id=f"{c.type}{'-' + c.id if c.id else ''}-{d.name}")
        for c in RANDOM_CASES
        for d in c.dtypes
    ],
)
def test_random_op_statistics(case: RandomCase, dtype) -> None:
    tf.set_random_seed(1234)
    samples = case.fn(dtype)
    want = tf.as_dtype(case.out_dtype or dtype)
    assert samples.dtype == want
    assert samples.shape.as_list() == list(case.shape)
    got = _run(samples)
    assert got.dtype == want.np and got.shape == case.shape
    case.check(got)


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def test_graph_seed_makes_sessions_reproducible_and_runs_differ() -> None:
    tf.set_random_seed(7)
    a = tf.random_normal([4])
    b = tf.random_uniform([4], seed=3)
    with tf.Session() as sess:
        first = sess.run([a, b])
        second = sess.run([a, b])
    with tf.Session() as sess:
        again = sess.run([a, b])
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], second[0])  # each run draws anew


def test_ops_draw_independent_numbers() -> None:
    tf.set_random_seed(7)
    x, y = tf.random_normal([8]), tf.random_normal([8])
    seeded_1, seeded_2 = tf.random_normal([8], seed=1), tf.random_normal([8], seed=2)
    got = _run([x, y, seeded_1, seeded_2])
    assert not np.array_equal(got[0], got[1])
    assert not np.array_equal(got[2], got[3])


def test_op_seed_keeps_numbers_when_the_graph_grows() -> None:
    def draw(extra_ops: int) -> np.ndarray:
        tf.reset_default_graph()
        tf.set_random_seed(11)
        for _ in range(extra_ops):
            tf.random_normal([2])
        return _run(tf.random_normal([3], seed=5))

    np.testing.assert_array_equal(draw(0), draw(3))


def test_random_op_names_and_tensor_arguments() -> None:
    mean = tf.placeholder(tf.float32, [])
    sample = tf.random_normal([2, 3], mean=mean)
    assert sample.name == "random_normal:0"
    assert tf.truncated_normal([1]).name == "truncated_normal:0"
    got = _run(sample, {mean: 100.0})
    assert np.all(got > 90)


BAD_INPUTS = [
    pytest.param(
        lambda: tf.random_uniform([2], dtype=tf.int32),
        ValueError,
        "Must specify maxval",
        id="uniform-int-maxval",
    ),
    pytest.param(
        lambda: tf.random_normal([2], dtype=tf.int32),
        TypeError,
        "float type",
        id="normal-int",
    ),
    pytest.param(
        lambda: tf.random_normal(tf.placeholder(tf.float32, [1])),
        TypeError,
        "shape",
        id="float-shape",
    ),
    pytest.param(
        lambda: tf.random_normal([-1]), ValueError, "negative", id="negative-shape"
    ),
    pytest.param(
        lambda: random_ops.multinomial(tf.ones([3]), 2),
        ValueError,
        "matrix",
        id="multinomial-rank",
    ),
    pytest.param(
        lambda: random_ops.multinomial(tf.ones([1, 3]), 2, output_dtype=tf.float32),
        TypeError,
        "output_dtype",
        id="multinomial-dtype",
    ),
]


@pytest.mark.parametrize(("build", "error", "match"), BAD_INPUTS)
def test_bad_inputs_raise_when_building(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()
