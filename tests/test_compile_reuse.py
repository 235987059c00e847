"""Fetch sets rebuilt under new names reuse one compiled executable (the planner
keys compiled runs by a structural fingerprint, ``compile/fingerprint.py``), and
only where the rebuilt ops compute the same function."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import jax
import numpy as np

import jgraph as tf

BACKEND_COMPILE = "/jax/core/compile/backend_compile_duration"


@contextlib.contextmanager
def xla_compiles() -> Iterator[list[str]]:
    """The XLA compiles made inside the block (one entry each)."""
    seen: list[str] = []

    def listener(event: str, duration: float, **kwargs: object) -> None:
        del duration, kwargs
        if event == BACKEND_COMPILE:
            seen.append(event)

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield seen
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


def compiles(sess: tf.Session) -> int:
    return sum(s.compiles for s in sess.stats())


def test_a_graph_rebuilt_every_iteration_compiles_once() -> None:
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(np.arange(3, dtype=np.float32))
    with tf.Session() as sess:
        sess.run(w.initializer)
        batch = np.ones((4, 3), np.float32)
        values = []
        with xla_compiles() as seen:
            for i in range(5):
                # New ops (new names) each iteration, as evaluation loops build them.
                y = tf.reduce_sum(x * w + 1.0, axis=1, name=f"score_{i}")
                values.append(sess.run(y, {x: batch * i}))
        assert compiles(sess) == 2  # the initializer, then one for all five
        assert len(seen) == 1
    for i, value in enumerate(values):
        np.testing.assert_allclose(value, np.full(4, 3.0 * i + 3.0))


def test_different_constants_compile_apart() -> None:
    x = tf.placeholder(tf.float32, [2])
    with tf.Session() as sess:
        a = sess.run(x * 2.0, {x: [1.0, 2.0]})
        b = sess.run(x * 3.0, {x: [1.0, 2.0]})
        c = sess.run(x * 3, {x: [1.0, 2.0]})  # same value, built the same way
        assert compiles(sess) == 2
    np.testing.assert_allclose(a, [2.0, 4.0])
    np.testing.assert_allclose(b, [3.0, 6.0])
    np.testing.assert_allclose(c, [3.0, 6.0])


def test_big_constants_are_arguments_so_their_values_may_differ() -> None:
    # Constants of 64 KiB and more are passed into the run: one executable serves
    # every value, and each run gets its own.
    with tf.Session() as sess:
        results = [
            sess.run(tf.reduce_sum(tf.constant(np.full(20000, v, np.float32))))
            for v in (1.0, 2.0, 3.0)
        ]
        assert compiles(sess) == 1
    assert results == [20000.0, 40000.0, 60000.0]


def test_other_variables_compile_apart() -> None:
    u = tf.Variable([1.0, 2.0])
    v = tf.Variable([10.0, 20.0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = compiles(sess)
        first = sess.run(u * 2.0)
        second = sess.run(v * 2.0)
        assert compiles(sess) - before == 2
    np.testing.assert_allclose(first, [2.0, 4.0])
    np.testing.assert_allclose(second, [20.0, 40.0])


def test_attr_types_count() -> None:
    # An int and a float attr of equal value build different programs.
    x = tf.placeholder(tf.float32, [4])
    with tf.Session() as sess:
        a = sess.run(tf.nn.leaky_relu(x, alpha=0.5), {x: [-2.0, -1.0, 0.0, 1.0]})
        b = sess.run(tf.nn.leaky_relu(x, alpha=0.25), {x: [-2.0, -1.0, 0.0, 1.0]})
        assert compiles(sess) == 2
    np.testing.assert_allclose(a, [-1.0, -0.5, 0.0, 1.0])
    np.testing.assert_allclose(b, [-0.5, -0.25, 0.0, 1.0])


def test_a_rebuilt_random_op_draws_its_own_stream() -> None:
    # TF1: an op without an op seed gets its stream from its place in the graph, so
    # the same op built again draws other numbers than the first would have drawn.
    tf.set_random_seed(1)
    first_op = tf.random_uniform([5])
    rebuilt_op = tf.random_uniform([5])
    with tf.Session() as sess:
        first = sess.run(first_op)
        rebuilt = sess.run(rebuilt_op)  # the second run of the session
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(first_op), first)
        first_again = sess.run(first_op)  # the same op in the second run
    assert not np.allclose(rebuilt, first_again)


def test_a_rebuilt_seeded_random_op_starts_its_own_stream_as_tf1() -> None:
    # TF1: each op has its own stream; two ops with the same op seed draw the same
    # numbers, each advancing only when it runs. So the rebuilt op's first draw is
    # the first op's first draw, not its second. (Each stream is a slot of the
    # session's random state, so the rebuilt op compiles a run of its own.)
    first_op = tf.random_normal([3], seed=7)
    rebuilt_op = tf.random_normal([3], seed=7)
    with tf.Session() as sess:
        drawn = sess.run(first_op)
        second = sess.run(first_op)
        rebuilt = sess.run(rebuilt_op)
    np.testing.assert_array_equal(rebuilt, drawn)
    assert not np.array_equal(second, drawn)
