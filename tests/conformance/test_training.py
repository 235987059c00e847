"""Whole programs against TF1: small training runs give TF1's loss curve.

Each model is built by one function of ``tf``; TF1 runs it first, then jgraph runs
it from TF1's initial values (copied in with ``Session.load_variables``, by
variable name, so the names must match too) and both train 50 steps on the same
data. The curves agree within float32 tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

import jgraph

from ._harness import tf1

STEPS = 50
RNG = np.random.default_rng(0)
FEATURES = RNG.standard_normal((32, 6)).astype(np.float32)
BINARY = (FEATURES @ RNG.standard_normal((6, 1)) > 0).astype(np.float32)
CLASSES = RNG.integers(0, 3, 32).astype(np.int32)
IMAGES = RNG.standard_normal((8, 6, 6, 1)).astype(np.float32)
IMAGE_CLASSES = RNG.integers(0, 3, 8).astype(np.int32)
SEQUENCES = RNG.standard_normal((4, 5, 3)).astype(np.float32)
TARGETS = RNG.standard_normal((4, 1)).astype(np.float32)


def logistic_regression(tf):
    """From zeros: every logit starts at exactly 0, the kink of the loss formula."""
    x = tf.placeholder(tf.float32, [None, 6])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([6, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
    )
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return loss, train, {x: FEATURES, y: BINARY}


def mlp(tf):
    x = tf.placeholder(tf.float32, [None, 6])
    y = tf.placeholder(tf.int32, [None])
    hidden = tf.layers.dense(x, 16, activation=tf.nn.relu)
    logits = tf.layers.dense(hidden, 3)
    loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    )
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    return loss, train, {x: FEATURES, y: CLASSES}


def cnn(tf):
    x = tf.placeholder(tf.float32, [None, 6, 6, 1])
    y = tf.placeholder(tf.int32, [None])
    h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.reshape(h, [-1, 3 * 3 * 4]), 3)
    loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    )
    train = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)
    return loss, train, {x: IMAGES, y: IMAGE_CLASSES}


def lstm(tf):
    x = tf.placeholder(tf.float32, [None, 5, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    cell = tf.nn.rnn_cell.LSTMCell(8)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    prediction = tf.layers.dense(outputs[:, -1], 1)
    loss = tf.reduce_mean(tf.square(prediction - y))
    train = tf.train.RMSPropOptimizer(0.01).minimize(loss)
    return loss, train, {x: SEQUENCES, y: TARGETS}


def _train(tf, model, initial=None):
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        loss, train, feed = model(tf)
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        if initial is not None:
            sess.load_variables(initial)
        trainable = {v.op.name: sess.run(v) for v in tf.trainable_variables()}
        curve = [sess.run([train, loss], feed)[1] for _ in range(STEPS)]
        return trainable, np.array(curve)


@pytest.mark.parametrize("model", [logistic_regression, mlp, cnn, lstm])
def test_loss_curve_matches_tf1(model) -> None:
    initial, want = _train(tf1, model)
    copied, got = _train(jgraph, model, initial)
    assert sorted(copied) == sorted(initial), "variable names differ from TF1's"
    assert got.dtype == want.dtype
    assert not np.allclose(want[0], want[-1]), "the model should learn something"
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5)
