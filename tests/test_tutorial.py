"""The TF1 tutorial's examples (shared/seed/introduction-to-tensorflow.txt), written as
TF1 code against jgraph, checking the names and values the tutorial prints."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph.python.client import device_lib


def test_listing_devices_gives_tf1_names():
    names = [d.name for d in device_lib.list_local_devices()]
    assert names[0] == "/cpu:0"
    assert all(n.startswith(("/cpu:", "/gpu:", "/tpu:")) for n in names)


def test_three_kinds_of_tensor():
    a = tf.Variable([1, 2, 3], name="a")
    b = tf.constant([1, 2, 3], name="b")
    c = tf.placeholder(tf.int32, shape=[1, 2], name="myPlaceholder")
    assert (a.name, b.name, c.name) == ("a:0", "b:0", "myPlaceholder:0")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        res = sess.run(c, feed_dict={c: [[5, 6]]})
    np.testing.assert_array_equal(res, [[5, 6]])
    assert res.dtype == np.int32


@pytest.mark.parametrize("wildcard", [None, -1])
def test_shape_wildcards(wildcard):
    x = tf.placeholder(tf.float32, shape=[wildcard, 2])
    assert str(x.shape) == "(?, 2)"
    with tf.Session() as sess:
        assert sess.run(x * 2, {x: np.ones((3, 2))}).shape == (3, 2)
        assert sess.run(x * 2, {x: np.ones((5, 2))}).shape == (5, 2)


def _four_unnamed_variables():
    # The tutorial's notebook had made four unnamed variables before this cell.
    for _ in range(4):
        tf.Variable(0)


def test_basic_multiplication_names_and_value():
    _four_unnamed_variables()
    a = tf.Variable(3)
    b = tf.Variable(4)
    c = tf.multiply(a, b)
    assert str(c) == 'Tensor("Mul:0", shape=(), dtype=int32)'
    assert str(a) == "<jgraph.Variable 'Variable_4:0' shape=() dtype=int32>"
    assert str(b) == "<jgraph.Variable 'Variable_5:0' shape=() dtype=int32>"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(c)
    assert value == 12 and isinstance(value, np.int32)


def test_laziness_only_needed_ops_run():
    a = tf.Variable(3)
    b = tf.Variable(4)
    c = tf.multiply(a, b)
    d = tf.add(a, c)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        c_value = sess.run(c)
        d_value = sess.run(d)
    assert (c_value, d_value) == (12, 15)


def test_results_outlive_the_session():
    a = tf.Variable(3)
    b = tf.Variable(4)
    c = tf.multiply(a, b)
    for _ in range(2):  # the tutorial runs the same cell twice
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            res = sess.run(c)
        assert res == 12
        assert str(c) == 'Tensor("Mul:0", shape=(), dtype=int32)'


def test_device_blocks_are_accepted_and_recorded():
    with tf.device("/cpu:0"):
        a = tf.constant(2.0)
        with tf.device("/gpu:0"):
            b = tf.constant(3.0)
    assert a.device == "/device:CPU:0"
    assert b.device == "/device:GPU:0"


def test_name_scopes_and_reduce_mean():
    with tf.name_scope("primitives"):
        a = tf.Variable(5, name="a")
        b = tf.Variable(10, name="b")
    with tf.name_scope("fancy_pants_procedure"):
        c = tf.multiply(a, b)
        with tf.name_scope("very_mean_reduction"):
            d = tf.reduce_mean([a, b, c])
        e = tf.add(c, d)
    with tf.name_scope("not_so_fancy_procedure"):
        d = tf.add(a, b)
    assert a.name == "primitives/a:0"
    assert c.name == "fancy_pants_procedure/Mul:0"
    assert e.name == "fancy_pants_procedure/Add:0"
    assert d.name == "not_so_fancy_procedure/Add:0"
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert any(
        n.startswith("fancy_pants_procedure/very_mean_reduction/") for n in names
    )
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(c) == 50
        assert sess.run(e) == 50 + (5 + 10 + 50) // 3
        assert sess.run(d) == 15


def test_interactive_session_eval_and_run():
    a = tf.Variable(3)
    c = a * 2
    sess = tf.InteractiveSession()
    try:
        tf.global_variables_initializer().run()
        assert c.eval() == 6
    finally:
        sess.close()


def test_saving_and_loading_variables(tmp_path, caplog):
    a = tf.Variable(5)
    b = tf.Variable(4, name="my_variable")
    op = tf.assign(a, 3)
    saver = tf.train.Saver()
    path = str(tmp_path / "my_model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op)
        assert sess.run(a) == 3
        assert sess.run(b) == 4
        saver.save(sess, path)

    tf.reset_default_graph()
    a = tf.Variable(0)
    c = tf.Variable(0, name="my_variable")
    saver = tf.train.Saver()
    with caplog.at_level("INFO", logger="jgraph"), tf.Session() as sess:
        saver.restore(sess, path)  # no initializer: restored variables are initialised
        assert sess.run(a) == 3
        assert sess.run(c) == 4
    assert f"Restoring parameters from {path}" in caplog.text
