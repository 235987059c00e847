"""tf.losses against numpy: each loss, weights, every reduction, the collections."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import losses
from jgraph.compile.gradients import gradients
from jgraph.losses import Reduction

RNG = np.random.RandomState(0)


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def np_log_softmax(logits):
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


LABELS = RNG.rand(4, 3).astype(np.float32)
PREDICTIONS = RNG.randn(4, 3).astype(np.float32)
DIFF = PREDICTIONS - LABELS
HUBER = np.where(
    np.abs(DIFF) <= 0.5, 0.5 * DIFF**2, 0.5 * 0.25 + 0.5 * (np.abs(DIFF) - 0.5)
)
PROBS = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
BINARY = (RNG.rand(4, 3) > 0.5).astype(np.float32)

ELEMENTWISE_CASES = [
    (
        "absolute_difference",
        lambda: losses.absolute_difference(LABELS, PREDICTIONS),
        np.abs(DIFF),
    ),
    (
        "mean_squared_error",
        lambda: losses.mean_squared_error(LABELS, PREDICTIONS),
        DIFF**2,
    ),
    ("huber_loss", lambda: losses.huber_loss(LABELS, PREDICTIONS, delta=0.5), HUBER),
    (
        "log_loss",
        lambda: losses.log_loss(BINARY, PROBS),
        -BINARY * np.log(PROBS + 1e-7) - (1 - BINARY) * np.log(1 - PROBS + 1e-7),
    ),
    (
        "hinge_loss",
        lambda: losses.hinge_loss(BINARY, PREDICTIONS),
        np.maximum(0, 1 - (2 * BINARY - 1) * PREDICTIONS),
    ),
    (
        "sigmoid_cross_entropy",
        lambda: losses.sigmoid_cross_entropy(BINARY, PREDICTIONS),
        np.maximum(PREDICTIONS, 0)
        - PREDICTIONS * BINARY
        + np.log1p(np.exp(-np.abs(PREDICTIONS))),
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "elementwise"),
    ELEMENTWISE_CASES,
    ids=lambda c: c if isinstance(c, str) else "",
)
def test_elementwise_losses_match_numpy(name, build, elementwise):
    loss = build()
    assert loss.shape.as_list() == []
    assert loss.op.name.startswith(name) and loss.op.name.endswith("/value")
    assert tf.get_collection(tf.GraphKeys.LOSSES) == [loss]
    np.testing.assert_allclose(run(loss), elementwise.mean(), rtol=1e-5)


def test_cosine_distance():
    a = RNG.randn(4, 3).astype(np.float32)
    b = RNG.randn(4, 3).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    loss = losses.cosine_distance(a, b, axis=1)
    np.testing.assert_allclose(run(loss), (1 - (a * b).sum(1)).mean(), rtol=1e-5)


def test_softmax_cross_entropy_with_label_smoothing():
    logits = RNG.randn(5, 4).astype(np.float32)
    onehot = np.eye(4, dtype=np.float32)[[0, 3, 1, 1, 2]]
    plain = losses.softmax_cross_entropy(onehot, logits)
    smooth = losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.2)
    smoothed = onehot * 0.8 + 0.2 / 4
    got_plain, got_smooth = run([plain, smooth])
    np.testing.assert_allclose(
        got_plain, -(onehot * np_log_softmax(logits)).sum(1).mean(), rtol=1e-5
    )
    np.testing.assert_allclose(
        got_smooth, -(smoothed * np_log_softmax(logits)).sum(1).mean(), rtol=1e-5
    )


def test_softmax_cross_entropy_sends_no_gradient_to_labels():
    labels = tf.placeholder(tf.float32, [None, 3])
    logits = tf.placeholder(tf.float32, [None, 3])
    loss = losses.softmax_cross_entropy(labels, logits)
    g_labels, g_logits = gradients(loss, [labels, logits])
    assert g_labels is None
    lv = np.eye(3, dtype=np.float32)[[0, 2]]
    xv = RNG.randn(2, 3).astype(np.float32)
    softmax = np.exp(np_log_softmax(xv))
    np.testing.assert_allclose(
        run(g_logits, {labels: lv, logits: xv}),
        (softmax - lv) / 2,
        rtol=1e-5,
        atol=1e-6,
    )


def test_sigmoid_cross_entropy_label_smoothing():
    loss = losses.sigmoid_cross_entropy(BINARY, PREDICTIONS, label_smoothing=0.1)
    z = BINARY * 0.9 + 0.05
    x = PREDICTIONS
    expected = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    np.testing.assert_allclose(run(loss), expected.mean(), rtol=1e-5)


def test_sparse_softmax_cross_entropy_squeezes_labels_and_weights():
    logits = RNG.randn(4, 5).astype(np.float32)
    ids = np.array([[1], [4], [0], [2]], np.int64)
    weights = np.array([[1.0], [0.0], [2.0], [1.0]], np.float32)
    loss = losses.sparse_softmax_cross_entropy(ids, logits, weights=weights)
    per_example = -np_log_softmax(logits)[np.arange(4), ids[:, 0]]
    # SUM_BY_NONZERO_WEIGHTS: three non-zero weights.
    np.testing.assert_allclose(
        run(loss), (per_example * weights[:, 0]).sum() / 3, rtol=1e-5
    )


# -- weights and reductions ----------------------------------------------------------------

VALUES = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
WEIGHTS = np.array([[2.0], [0.0]], np.float32)  # broadcast over each row
WEIGHTED = VALUES * WEIGHTS


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        (Reduction.NONE, WEIGHTED),
        (Reduction.SUM, WEIGHTED.sum()),
        (Reduction.MEAN, WEIGHTED.sum() / (WEIGHTS * np.ones((2, 3))).sum()),
        (Reduction.SUM_OVER_BATCH_SIZE, WEIGHTED.sum() / 6),
        (Reduction.SUM_BY_NONZERO_WEIGHTS, WEIGHTED.sum() / 3),
    ],
)
def test_compute_weighted_loss_reductions(reduction, expected):
    loss = losses.compute_weighted_loss(VALUES, WEIGHTS, reduction=reduction)
    np.testing.assert_allclose(run(loss), expected, rtol=1e-6)


def test_default_reduction_is_sum_by_nonzero_weights():
    assert (
        losses.compute_weighted_loss.__defaults__[-1]
        == Reduction.SUM_BY_NONZERO_WEIGHTS
    )
    loss = losses.mean_squared_error(
        np.zeros(4), [1.0, 2.0, 3.0, 4.0], weights=[1.0, 0.0, 1.0, 0.0]
    )
    np.testing.assert_allclose(run(loss), (1 + 9) / 2)


def test_all_zero_weights_give_zero_not_nan():
    loss = losses.absolute_difference([1.0, 2.0], [0.0, 0.0], weights=0.0)
    assert run(loss) == 0.0


def test_weights_from_a_placeholder():
    w = tf.placeholder(tf.float32, [None])
    loss = losses.absolute_difference([1.0, 2.0, 4.0], [0.0, 0.0, 0.0], weights=w)
    np.testing.assert_allclose(run(loss, {w: [1.0, 0.0, 0.5]}), (1 + 2) / 2)


def test_result_keeps_the_input_dtype():
    loss = losses.compute_weighted_loss(np.array([1.0, 2.0]), 1.0)  # float64
    assert loss.dtype == tf.float64
    assert run(loss) == 1.5


def test_argument_errors():
    with pytest.raises(ValueError, match="Invalid Reduction Key mean"):
        losses.compute_weighted_loss([1.0], reduction="mean")
    with pytest.raises(ValueError, match="weights can not be broadcast to values"):
        losses.compute_weighted_loss(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="labels must not be None"):
        losses.mean_squared_error(None, [1.0])
    with pytest.raises(ValueError, match="predictions must not be None"):
        losses.mean_squared_error([1.0], None)
    with pytest.raises(ValueError, match=r"incompatible|not compatible"):
        losses.mean_squared_error(np.zeros((2, 3)), np.zeros((3, 2)))


# -- collections ---------------------------------------------------------------------------


def test_collections_and_totals():
    a = losses.mean_squared_error([0.0], [2.0])
    losses.absolute_difference([0.0], [1.0], loss_collection=None)  # not collected
    b = losses.absolute_difference([0.0], [3.0], scope="extra")
    assert losses.get_losses() == [a, b]
    assert losses.get_losses(scope="extra") == [b]
    assert run(losses.get_regularization_loss()) == 0.0
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, tf.constant(0.5))
    total = losses.get_total_loss()
    without_reg = losses.get_total_loss(
        add_regularization_losses=False, name="data_loss"
    )
    assert total.op.name == "total_loss"
    got_total, got_data, got_reg = run(
        [total, without_reg, losses.get_regularization_loss()]
    )
    assert (got_total, got_data, got_reg) == (7.5, 7.0, 0.5)
    manual = tf.constant(1.0)
    losses.add_loss(manual)
    assert losses.get_losses()[-1] is manual


def test_total_loss_without_losses_raises():
    with pytest.raises(ValueError, match="get_total_loss found no losses"):
        losses.get_total_loss()
