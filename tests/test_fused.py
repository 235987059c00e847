"""Session.run_steps: N steps in one compiled call leave the state of N runs."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors
from jgraph.data import Dataset

RNG = np.random.default_rng(0)
XS = RNG.random((240, 6)).astype(np.float32)
YS = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 240)]


def _model(x, y):
    """A small MLP with dropout (so the RNG stream matters) trained with Adam."""
    w1 = tf.Variable(tf.truncated_normal([6, 8], stddev=0.5))
    w2 = tf.Variable(tf.truncated_normal([8, 3], stddev=0.5))
    b2 = tf.Variable(tf.zeros([3]))
    hidden = tf.nn.dropout(tf.nn.relu(tf.matmul(x, w1)), 0.7)
    logits = tf.matmul(hidden, w2) + b2
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    )
    return loss, tf.train.AdamOptimizer(0.01).minimize(loss)


def _weights(sess):
    return {v.op.name: sess.run(v) for v in tf.global_variables()}


def _assert_identical(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_fused_steps_with_an_iterator_match_separate_runs():
    def train(fused: bool):
        tf.reset_default_graph()
        tf.set_random_seed(1)
        x, y = (
            Dataset.from_tensor_slices((XS, YS))
            .repeat()
            .batch(20)
            .make_one_shot_iterator()
            .get_next()
        )
        loss, train_op = _model(x, y)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if fused:
                losses = sess.run_steps([train_op, loss], 12)[1]
                losses = np.concatenate(
                    [losses, sess.run_steps([train_op, loss], 12)[1]]
                )
            else:
                losses = np.array([sess.run([train_op, loss])[1] for _ in range(24)])
            return _weights(sess), losses

    separate, separate_losses = train(fused=False)
    fused, fused_losses = train(fused=True)
    _assert_identical(separate, fused)
    np.testing.assert_array_equal(separate_losses, fused_losses)


def test_fused_steps_with_stacked_feeds_match_separate_runs():
    def train(fused: bool):
        tf.reset_default_graph()
        tf.set_random_seed(2)
        x = tf.placeholder(tf.float32, [None, 6])
        y = tf.placeholder(tf.float32, [None, 3])
        loss, train_op = _model(x, y)
        bx, by = XS[:200].reshape(10, 20, 6), YS[:200].reshape(10, 20, 3)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if fused:
                last = sess.run_steps(
                    loss, 10, stacked_feed_dict={x: bx, y: by}, return_all=False
                )
                sess.run_steps(train_op, 10, stacked_feed_dict={x: bx, y: by})
            else:
                for i in range(10):
                    last = sess.run(loss, {x: bx[i], y: by[i]})
                for i in range(10):
                    sess.run(train_op, {x: bx[i], y: by[i]})
            return _weights(sess), last

    separate, last_separate = train(fused=False)
    fused, last_fused = train(fused=True)
    _assert_identical(separate, fused)
    assert last_separate == last_fused


def test_fixed_feeds_apply_to_every_step():
    v = tf.Variable(0.0)
    delta = tf.placeholder(tf.float32, [])
    bump = tf.assign_add(v, delta)
    with tf.Session() as sess:
        sess.run(v.initializer)
        values = sess.run_steps(bump, 4, feed_dict={delta: 2.5})
        np.testing.assert_array_equal(values, [2.5, 5.0, 7.5, 10.0])


def test_unrolled_loop_gives_the_same_steps():
    v = tf.Variable(0)
    bump = tf.assign_add(v, 3)
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(
            sess.run_steps(bump, 6, unroll=4), np.arange(1, 7) * 3
        )
        assert sess.run(v) == 18


def test_fused_steps_stop_at_the_end_of_the_data():
    v = tf.Variable(0, dtype=tf.int64)
    nxt = Dataset.range(5).make_one_shot_iterator().get_next()
    total = tf.assign_add(v, nxt)
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run_steps(total, 3), [0, 1, 3])
        with pytest.raises(errors.OutOfRangeError):
            sess.run_steps(total, 3)
        np.testing.assert_array_equal(sess.run_steps(total, 2), [6, 10])


def test_stacked_feed_needs_the_step_axis():
    x = tf.placeholder(tf.float32, [2], name="x")
    with tf.Session() as sess:
        with pytest.raises(
            errors.InvalidArgumentError, match="leading axis of length steps=3"
        ):
            sess.run_steps(x * 2.0, 3, stacked_feed_dict={x: np.zeros((2, 2))})
        with pytest.raises(
            errors.InvalidArgumentError, match=r"shape \[3\] for Tensor 'x:0'"
        ):
            sess.run_steps(x * 2.0, 2, stacked_feed_dict={x: np.zeros((2, 3))})
        with pytest.raises(ValueError, match="steps must be >= 1"):
            sess.run_steps(x * 2.0, 0)


def test_uninitialized_state_is_reported():
    v = tf.Variable(1.0, name="counter")
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="'counter'"):
            sess.run_steps(tf.assign_add(v, 1.0), 2)


def test_summaries_come_back_for_every_fused_step(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    v = tf.Variable(0.0)
    bump = tf.assign_add(v, 1.5)
    tf.summary.scalar("value", bump)
    merged = tf.summary.merge_all()
    with tf.Session() as sess:
        sess.run(v.initializer)
        _, summaries = sess.run_steps([bump, merged], 6)
        writer = tf.summary.FileWriter(str(tmp_path))
        for step, summary in enumerate(summaries):
            if step % 2 == 0:  # a hook every k = 2 steps
                writer.add_summary(summary, step)
        writer.close()
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    events = accumulator.Scalars("value")
    assert [e.step for e in events] == [0, 2, 4]
    assert [e.value for e in events] == [1.5, 4.5, 7.5]
