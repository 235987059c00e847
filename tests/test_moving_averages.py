"""tf.train.ExponentialMovingAverage against numpy: shadow values over steps, the
num_updates decay, names and collections, tensors with zero_debias, and the Saver
round trip through variables_to_restore."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf


def np_ema(values, decay, num_updates=None, start=None):
    """Shadow values after each of ``values`` (the averaged value at each step)."""
    shadow = np.array(values[0] if start is None else start, np.float64)
    out = []
    for i, value in enumerate(values):
        d = (
            decay
            if num_updates is None
            else min(decay, (1 + num_updates[i]) / (10 + num_updates[i]))
        )
        shadow = shadow - (1 - d) * (shadow - value)
        out.append(shadow.copy())
    return out


def test_apply_updates_shadows_from_the_variables_values():
    w = tf.Variable([1.0, -2.0], name="w")
    b = tf.Variable(3.0, name="b")
    noise = tf.placeholder(tf.float32, [2])
    step = tf.group(tf.assign_add(w, noise), tf.assign_sub(b, 0.5))
    ema = tf.train.ExponentialMovingAverage(decay=0.8)
    with tf.control_dependencies([step]):
        update = ema.apply([w, b])
    rng = np.random.RandomState(0)
    feeds = rng.randn(5, 2).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(ema.average(w)), [1.0, -2.0])
        shadows, ws = [], []
        for value in feeds:
            sess.run(update, {noise: value})
            ws.append(sess.run(w))
            shadows.append(sess.run([ema.average(w), ema.average(b)]))
    # The update runs after the train step: it averages the new values.
    expected_w = np_ema(ws, 0.8, start=[1.0, -2.0])
    expected_b = np_ema([3.0 - 0.5 * (i + 1) for i in range(5)], 0.8, start=3.0)
    np.testing.assert_allclose([s[0] for s in shadows], expected_w, rtol=1e-5)
    np.testing.assert_allclose([s[1] for s in shadows], expected_b, rtol=1e-5)


def test_num_updates_caps_the_decay_early_in_training():
    w = tf.Variable(0.0, name="w")
    global_step = tf.train.get_or_create_global_step()
    train = tf.group(tf.assign_add(w, 1.0), tf.assign_add(global_step, 1))
    ema = tf.train.ExponentialMovingAverage(0.99, num_updates=global_step)
    with tf.control_dependencies([train]):
        update = ema.apply([w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = []
        for _ in range(6):
            sess.run(update)
            got.append(sess.run(ema.average(w)))
    # num_updates is read after the train op: 1, 2, ...; w is 1, 2, ...
    steps = np.arange(1, 7)
    expected = np_ema(steps.astype(float), 0.99, num_updates=steps, start=0.0)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_names_collections_and_errors():
    with tf.variable_scope("net"):
        w = tf.get_variable("w", [3], initializer=tf.ones_initializer())
    counter = tf.Variable(0, name="counter", trainable=False)
    ema = tf.train.ExponentialMovingAverage(0.9)
    assert ema.name == "ExponentialMovingAverage"
    assert ema.average_name(w) == "net/w/ExponentialMovingAverage"
    assert ema.average(w) is None
    op = ema.apply()  # the trainable variables: net/w
    shadow = ema.average(w)
    assert shadow.op.name == "net/w/ExponentialMovingAverage"
    assert ema.average_name(w) == shadow.op.name
    assert op.name == "ExponentialMovingAverage"
    assert not shadow.trainable and shadow in tf.global_variables()
    assert tf.trainable_variables() == [w]
    assert tf.moving_average_variables() == [w]
    with pytest.raises(ValueError, match="already computed for: net/w:0"):
        ema.apply([w])
    with pytest.raises(TypeError, match="must be half, float, or double"):
        ema.apply([counter])
    other = tf.train.ExponentialMovingAverage(0.5, name="Slow")
    other.apply([w])
    assert other.average(w).op.name == "net/w/Slow"


def test_tensor_averages_start_at_zero_and_can_be_debiased():
    x = tf.placeholder(tf.float32, [2], name="x")
    loss = tf.identity(x * 1.0, name="loss")
    plain = tf.train.ExponentialMovingAverage(0.9, name="plain")
    debiased = tf.train.ExponentialMovingAverage(0.9, zero_debias=True, name="debiased")
    update = tf.group(plain.apply([loss]), debiased.apply([loss]))
    assert plain.average(loss).op.name == "loss/plain"
    assert tf.moving_average_variables() == []  # only Variables join it
    values = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_plain, got_debiased = [], []
        for value in values:
            sess.run(update, {x: value})
            got_plain.append(sess.run(plain.average(loss)))
            got_debiased.append(sess.run(debiased.average(loss)))
    np.testing.assert_allclose(
        got_plain, np_ema(values, 0.9, start=[0.0, 0.0]), rtol=1e-5
    )
    # Debiased: the zero-started average divided by 1 - decay**t.
    biased = np_ema(values, 0.9, start=[0.0, 0.0])
    expected = [b / (1 - 0.9 ** (t + 1)) for t, b in enumerate(biased)]
    np.testing.assert_allclose(got_debiased, expected, rtol=1e-5)
    np.testing.assert_allclose(got_debiased[0], values[0], rtol=1e-5)


def build_and_train(path):
    """A model with averaged weights, trained 4 steps and saved; returns the values."""
    w = tf.get_variable("w", [2], initializer=tf.zeros_initializer())
    step = tf.train.get_or_create_global_step()
    train = tf.group(tf.assign_add(w, [1.0, 2.0]), tf.assign_add(step, 1))
    ema = tf.train.ExponentialMovingAverage(0.5)
    with tf.control_dependencies([train]):
        train = ema.apply([w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(4):
            sess.run(train)
        tf.train.Saver().save(sess, path)
        return sess.run([w, ema.average(w), step])


def test_variables_to_restore_loads_the_averages_into_the_model(tmp_path):
    path = str(tmp_path / "model.ckpt")
    w_value, average_value, _ = build_and_train(path)
    assert not np.allclose(w_value, average_value)

    tf.reset_default_graph()
    w = tf.get_variable("w", [2])
    step = tf.train.get_or_create_global_step()
    ema = tf.train.ExponentialMovingAverage(0.5)
    to_restore = ema.variables_to_restore()
    assert to_restore == {"w/ExponentialMovingAverage": w, "global_step": step}
    with tf.Session() as sess:
        tf.train.Saver(to_restore).restore(sess, path)
        np.testing.assert_allclose(sess.run(w), average_value)
        assert sess.run(step) == 4
