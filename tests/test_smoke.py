"""End to end in a few seconds: placeholder -> dense -> Adam -> save -> restore."""

from __future__ import annotations

import numpy as np

import jgraph as tf


def test_train_save_restore(tmp_path):
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 3)).astype(np.float32)
    ys = xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3

    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    prediction = tf.layers.dense(x, 1, name="dense")
    loss = tf.losses.mean_squared_error(y, prediction)
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    saver = tf.train.Saver()
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, y: ys})
        for _ in range(200):
            sess.run(train, {x: xs, y: ys})
        trained = sess.run(loss, {x: xs, y: ys})
        saver.save(sess, path)
    assert trained < first / 100

    with tf.Session() as sess:
        saver.restore(sess, path)
        assert sess.run(loss, {x: xs, y: ys}) == trained
