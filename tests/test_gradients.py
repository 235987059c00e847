"""``tf.gradients``: analytic results, finite differences, connectivity, stops, errors."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph.compile.gradients import gradients


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def test_analytic_matmul_gradients() -> None:
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
    y = tf.matmul(x, w)  # non-scalar: summed, as TF1
    gw, gx = gradients(y, [w, x])
    assert gw.shape.as_list() == [3, 2]
    assert gx.shape.as_list() == [None, 3]
    xv = np.arange(12, dtype=np.float32).reshape(4, 3)
    got_w, got_x = run([gw, gx], {x: xv})
    np.testing.assert_allclose(got_w, xv.T @ np.ones((4, 2)))
    np.testing.assert_allclose(got_x, np.ones((4, 2)) @ run(w).T)


def test_matches_finite_differences() -> None:
    x = tf.placeholder(tf.float64, [5])
    y = tf.reduce_sum(tf.tanh(x) * tf.exp(0.5 * x) + tf.sin(x * x))
    (gx,) = gradients(y, x)
    point = np.linspace(-1.0, 1.5, 5)
    with tf.Session() as sess:
        got = sess.run(gx, {x: point})
        eps = 1e-6
        numeric = np.array(
            [
                (sess.run(y, {x: point + eps * e}) - sess.run(y, {x: point - eps * e}))
                / (2 * eps)
                for e in np.eye(5)
            ]
        )
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


def test_list_of_ys_is_summed_and_grad_ys_weight_them() -> None:
    x = tf.constant([1.0, 2.0])
    y1 = x * x
    y2 = 3.0 * x
    (g,) = gradients([y1, y2], x)
    (weighted,) = gradients([y1, y2], x, grad_ys=[tf.constant([1.0, 0.0]), None])
    got, got_weighted = run([g, weighted])
    np.testing.assert_allclose(got, 2 * np.array([1.0, 2.0]) + 3.0)
    np.testing.assert_allclose(got_weighted, [2.0 + 3.0, 3.0])


def test_unconnected_gives_none_or_zeros() -> None:
    x = tf.constant([1.0, 2.0])
    z = tf.constant(5.0)
    v = tf.Variable(1.0, name="unused")
    grads = gradients(x * 2.0, [x, z, v])
    assert grads[1] is None and grads[2] is None
    zeros = gradients(x * 2.0, [z, v], unconnected_gradients="zero")
    assert run(zeros) == [0.0, 0.0]


def test_stop_gradient_and_stop_gradients() -> None:
    x = tf.constant(3.0)
    (g,) = gradients(x * tf.stop_gradient(x * x), x)
    assert run(g) == 9.0  # d/dx [x * c] with c = x^2 held constant
    assert gradients(tf.stop_gradient(x), x) == [None]
    a = x * x
    b = a * x
    (held,) = gradients(b, x, stop_gradients=[a])
    assert run(held) == 9.0  # a is a constant: db/dx = a


def test_integer_tensors_have_no_gradient() -> None:
    i = tf.constant([1, 2])
    f = tf.cast(i, tf.float32)
    assert gradients(tf.reduce_sum(f * f), i) == [None]
    x = tf.constant(2.0)
    assert gradients(tf.cast(x, tf.int32), x) == [None]


def test_variable_reads_are_all_differentiated() -> None:
    v = tf.Variable(2.0, name="v")
    y = v * v.read_value() + 3.0 * v.value()
    (g,) = gradients(y, v)
    assert run(g) == pytest.approx(2 * 2.0 + 3.0)


def test_second_order() -> None:
    x = tf.constant([1.0, 2.0])
    (dx,) = gradients(tf.reduce_sum(x * x * x), x)
    (ddx,) = gradients(dx, x)
    np.testing.assert_allclose(run(ddx), 6 * np.array([1.0, 2.0]))


def test_dropout_gradient_uses_the_forward_mask() -> None:
    tf.set_random_seed(3)
    x = tf.constant(np.ones(64, np.float32))
    y = tf.nn.dropout(x, keep_prob=0.5)
    (g,) = gradients(tf.reduce_sum(y), x)
    yv, gv = run([y, g])
    np.testing.assert_array_equal(gv, yv)  # x = 1: y is mask / keep_prob


def test_grad_ys_errors() -> None:
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="Passed 2 grad_ys for 1 ys"):
        gradients(x * x, x, grad_ys=[None, None])
    with pytest.raises(TypeError, match="Gradient type int32 generated for op"):
        gradients(x * x, x, grad_ys=[tf.constant([1, 1])])
    with pytest.raises(ValueError, match="Incompatible shapes"):
        gradients(x * x, x, grad_ys=[tf.constant([1.0, 2.0, 3.0])])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        gradients(x, x, unconnected_gradients="ones")


def test_gradient_op_is_one_named_op() -> None:
    x = tf.constant(1.0)
    (g,) = gradients(x * x, x)
    (g2,) = gradients(x * x, x, name="grads")
    assert g.op.name == "gradients" and g.op.type == "SymbolicGradient"
    assert g2.op.name == "grads"
