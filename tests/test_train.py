"""Training end to end: convergence, reproducibility, learning rates, global step,
clipping, and TF1's error messages."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
import jgraph.train  # registers tf.train
from jgraph.ops.clip_ops import clip_by_global_norm, clip_by_norm, global_norm


def linear_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 3).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 3.0], np.float32) + 0.5
    return x, y


def test_linear_regression_converges() -> None:
    xs, ys = linear_data()
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None])
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(tf.reshape(tf.matmul(x, w), [-1]) + b - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(200):
            sess.run(train, {x: xs, y: ys})
        np.testing.assert_allclose(sess.run(w).ravel(), [1.0, -2.0, 3.0], atol=1e-3)
        assert abs(sess.run(b) - 0.5) < 1e-3
        assert sess.run(loss, {x: xs, y: ys}) < 1e-5
        (stats,) = [s for s in sess.stats() if s.calls == 200]
        assert stats.traces == 1  # one jitted train step, reused


def test_logistic_regression_learns() -> None:
    rng = np.random.RandomState(1)
    xs = rng.randn(256, 2).astype(np.float32)
    labels = (xs[:, 0] - 2 * xs[:, 1] > 0.3).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.placeholder(tf.float32, [None])
    w = tf.Variable(tf.zeros([2, 1]))
    b = tf.Variable(tf.zeros([1]))
    logits = tf.reshape(tf.matmul(x, w) + b, [-1])
    loss = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
    )
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    accuracy = tf.reduce_mean(
        tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), y), tf.float32)
    )
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss, {x: xs, y: labels})
        for _ in range(150):
            sess.run(train, {x: xs, y: labels})
        after, acc = sess.run([loss, accuracy], {x: xs, y: labels})
    assert after < 0.3 * before
    assert acc > 0.95


def _seeded_run(seed: int) -> list[np.ndarray]:
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        xs, ys = linear_data(16)
        # Randomness from dropout only: it is drawn from the run's key every step.
        w = tf.Variable(np.full([3, 4], 0.1, np.float32), name="w")
        hidden = tf.nn.dropout(tf.tanh(tf.matmul(xs, w)), keep_prob=0.7)
        loss = tf.reduce_mean(tf.square(tf.reduce_sum(hidden, 1) - ys))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
            return sess.run(w)


def test_same_seed_gives_identical_weights() -> None:
    first, second, other = _seeded_run(7), _seeded_run(7), _seeded_run(8)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_learning_rate_placeholder_fed_per_step() -> None:
    w = tf.Variable([1.0, 2.0], name="w")
    lr = tf.placeholder(tf.float32, [])
    train = tf.train.GradientDescentOptimizer(lr).minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {lr: 0.0})
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
        sess.run(train, {lr: 0.25})  # w - 0.25 * 2w = w / 2
        np.testing.assert_allclose(sess.run(w), [0.5, 1.0])


def test_exponential_decay_with_global_step() -> None:
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.5, step, decay_steps=2, decay_rate=0.5)
    w = tf.Variable(1.0, name="w")
    train = tf.train.GradientDescentOptimizer(lr).minimize(w, global_step=step)
    expected_w = 1.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for k in range(5):
            # The learning rate of step k is computed from the step before it.
            assert sess.run(lr) == pytest.approx(0.5 * 0.5 ** (k / 2))
            sess.run(train)
            expected_w -= 0.5 * 0.5 ** (k / 2)
            assert sess.run(step) == k + 1
            assert sess.run(w) == pytest.approx(expected_w, rel=1e-6)
        assert tf.train.global_step(sess, step) == 5


def _at(step_value: int, make) -> float:
    graph = tf.Graph()
    with graph.as_default():
        tensor = make(tf.constant(step_value, tf.int64))
        return float(tf.Session(graph=graph).run(tensor))


@pytest.mark.parametrize("step", [0, 1, 5, 10, 13, 40])
def test_schedules_match_tf1_formulas(step: int) -> None:
    approx = lambda v: pytest.approx(v, rel=1e-6)  # noqa: E731
    train = tf.train
    assert _at(
        step, lambda s: train.exponential_decay(0.1, s, 10, 0.5, staircase=True)
    ) == approx(0.1 * 0.5 ** (step // 10))
    assert _at(step, lambda s: train.inverse_time_decay(0.1, s, 10, 0.5)) == approx(
        0.1 / (1 + 0.5 * step / 10)
    )
    assert _at(step, lambda s: train.natural_exp_decay(0.1, s, 10, 0.5)) == approx(
        0.1 * np.exp(-0.5 * step / 10)
    )
    capped = min(step, 10)
    assert _at(
        step, lambda s: train.polynomial_decay(0.1, s, 10, 0.01, power=2.0)
    ) == approx((0.1 - 0.01) * (1 - capped / 10) ** 2 + 0.01)
    period = 10 * max(1, int(np.ceil(step / 10)))
    assert _at(
        step, lambda s: train.polynomial_decay(0.1, s, 10, 0.01, cycle=True)
    ) == approx((0.1 - 0.01) * (1 - step / period) + 0.01)
    assert _at(step, lambda s: train.cosine_decay(0.1, s, 10, alpha=0.1)) == approx(
        0.1 * (0.9 * 0.5 * (1 + np.cos(np.pi * capped / 10)) + 0.1)
    )
    pieces = [1.0, 0.5, 0.1]
    expected = pieces[0] if step <= 5 else pieces[1] if step <= 10 else pieces[2]
    assert _at(step, lambda s: train.piecewise_constant(s, [5, 10], pieces)) == approx(
        expected
    )


def test_schedule_errors() -> None:
    with pytest.raises(
        ValueError, match="global_step is required for exponential_decay"
    ):
        tf.train.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        tf.train.piecewise_constant(tf.constant(1), [1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="must have the same dtype as x"):
        tf.train.piecewise_constant(tf.constant(1), [1.5], [0.1, 0.2])


def test_global_step_helpers() -> None:
    assert tf.train.get_global_step() is None
    step = tf.train.create_global_step()
    assert step.op.name == "global_step" and step.dtype == tf.int64
    assert not step.trainable and step in tf.global_variables()
    assert tf.train.get_or_create_global_step() is step
    assert tf.train.get_global_step() is step
    with pytest.raises(ValueError, match='"global_step" already exists'):
        tf.train.create_global_step()


def test_global_step_must_be_integer() -> None:
    w = tf.Variable(1.0)
    with pytest.raises(TypeError, match="does not have integer type"):
        tf.train.GradientDescentOptimizer(0.1).minimize(
            w * w, global_step=tf.Variable(0.0)
        )


def test_clip_by_global_norm_between_compute_and_apply() -> None:
    w = tf.Variable([3.0, 4.0], name="w")
    b = tf.Variable(12.0, name="b")
    unused = tf.Variable(1.0, name="unused")
    opt = tf.train.GradientDescentOptimizer(1.0)
    grads_and_vars = opt.compute_gradients(
        tf.reduce_sum(w * w) / 2 + b * b / 2, var_list=[w, b, unused]
    )
    assert grads_and_vars[2][0] is None
    grads, variables = zip(*grads_and_vars, strict=True)
    clipped, norm = clip_by_global_norm(list(grads), 1.0)
    assert clipped[2] is None
    train = opt.apply_gradients(zip(clipped, variables, strict=True))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(norm) == pytest.approx(13.0)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [3.0 - 3 / 13, 4.0 - 4 / 13], rtol=1e-6)
        assert sess.run(b) == pytest.approx(12.0 - 12 / 13)
        assert sess.run(unused) == 1.0


def test_clip_ops_match_numpy() -> None:
    t = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    by_rows = clip_by_norm(t, 2.0, axes=[1])
    by_all = clip_by_norm(t, 100.0)
    norm = global_norm([t, None, tf.constant([2.0])])
    (nan_clip,), _ = clip_by_global_norm([tf.constant([1.0])], 1.0, use_norm=np.inf)
    got_rows, got_all, got_norm, got_nan = tf.Session().run(
        [by_rows, by_all, norm, nan_clip]
    )
    row_norms = np.linalg.norm(t, axis=1, keepdims=True)
    np.testing.assert_allclose(
        got_rows, t * 2.0 / np.maximum(row_norms, 2.0), rtol=1e-6
    )
    np.testing.assert_array_equal(got_all, t)
    assert got_norm == pytest.approx(np.sqrt((t**2).sum() + 4.0))
    assert np.isnan(got_nan).all()


def test_vector_loss_is_summed() -> None:
    def final(reduce: bool) -> np.ndarray:
        graph = tf.Graph()
        with graph.as_default():
            w = tf.Variable([1.0, -2.0])
            loss = w * w * tf.constant([1.0, 3.0])
            loss = tf.reduce_sum(loss) if reduce else loss
            train = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)
            with tf.Session(graph=graph) as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(3):
                    sess.run(train)
                return sess.run(w)

    np.testing.assert_array_equal(final(False), final(True))


def test_var_list_and_non_trainable_variables() -> None:
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    frozen = tf.Variable(3.0, name="frozen", trainable=False)
    loss = a * a + b * b + frozen * frozen
    only_a = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[a])
    default = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(only_a)
        assert sess.run([a, b, frozen]) == pytest.approx([0.8, 2.0, 3.0])
        sess.run(default)
        assert sess.run([a, b, frozen]) == pytest.approx([0.64, 1.6, 3.0])


def test_update_ops_run_with_the_train_step() -> None:
    w = tf.Variable(1.0, name="w")
    counter = tf.Variable(0, name="counter", trainable=False)
    update = tf.assign_add(counter, 1)
    with tf.control_dependencies([update]):
        train = tf.train.GradientDescentOptimizer(0.5).minimize(w * w, name="train")
    assert train.name == "train"
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP) == [train]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        sess.run(train)
        assert sess.run([w, counter]) == [0.0, 2]


def test_no_gradients_errors() -> None:
    w = tf.Variable(1.0, name="w")
    constant_loss = tf.constant(2.0) * 3.0
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(
        ValueError,
        match=r"No gradients provided for any variable, check your graph for ops that"
        r" do not support gradients, between variables .*'w:0'.* and loss",
    ):
        opt.minimize(constant_loss)
    with pytest.raises(
        ValueError, match=r"No gradients provided for any variable: .*'w:0'"
    ):
        opt.apply_gradients([(None, w)])
    with pytest.raises(ValueError, match="No variables provided"):
        opt.apply_gradients([])


def test_wrong_var_list_and_loss_types() -> None:
    w = tf.Variable(1.0, name="w")
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(
        TypeError, match=r"var_list must contain only jgraph Variables; item 1"
    ):
        opt.minimize(w * w, var_list=[w, w * 2.0])
    with pytest.raises(TypeError, match="var_list must be a list of Variables"):
        opt.minimize(w * w, var_list=w)
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.minimize(w * w, var_list=[])
    with pytest.raises(ValueError, match=r"Invalid type int32 for .*expected"):
        opt.minimize(tf.constant(1))
    with pytest.raises(TypeError, match=r"expected \(gradient, Variable\) pairs"):
        opt.apply_gradients([(tf.constant(1.0), w.value())])
    with pytest.raises(ValueError, match=r"Gradient .* has shape"):
        opt.apply_gradients([(tf.constant([1.0, 2.0]), w)])


def test_minimize_a_loss_built_with_gradients() -> None:
    from jgraph.compile.gradients import gradients

    w = tf.Variable(1.0, name="w")
    (dw,) = gradients(w * w * w, w)  # 3 w^2
    train = tf.train.GradientDescentOptimizer(0.01).minimize(dw * dw)  # d/dw: 36 w^3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert sess.run(w) == pytest.approx(1.0 - 0.36)


def test_grad_loss_weights_a_vector_loss() -> None:
    w = tf.Variable([1.0, 1.0], name="w")
    loss = w * tf.constant([3.0, 5.0])
    train = tf.train.GradientDescentOptimizer(0.1).minimize(
        loss, grad_loss=tf.constant([2.0, 0.0])
    )
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [1.0 - 0.1 * 6.0, 1.0])
