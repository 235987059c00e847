"""tf.metrics against numpy references: accumulation over batches, weights, the
reset by local_variables_initializer, variable names and collections, errors."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

RNG = np.random.RandomState(0)
BATCHES = 3


def stream(build, feeds_per_batch, placeholders):
    """Runs ``update_op`` once per batch; returns (update results, final value),
    then checks that the local initializer resets the metric."""
    value, update_op = build()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        initial = sess.run(value)
        updates = [
            sess.run(update_op, dict(zip(placeholders, feeds, strict=True)))
            for feeds in feeds_per_batch
        ]
        final = sess.run(value)
        sess.run(tf.local_variables_initializer())
        np.testing.assert_allclose(sess.run(value), initial)
        again = sess.run(
            update_op, dict(zip(placeholders, feeds_per_batch[0], strict=True))
        )
    np.testing.assert_allclose(again, updates[0], rtol=1e-6)
    return updates, final


def prefix_references(reference, batches):
    """``reference`` of the concatenation of the first i batches, for each i."""
    return [
        reference(
            *[np.concatenate(parts) for parts in zip(*batches[: i + 1], strict=True)]
        )
        for i in range(len(batches))
    ]


def float_batches(n=5, weighted=True):
    return [
        (
            RNG.randn(n).astype(np.float32),
            RNG.randn(n).astype(np.float32),
            (RNG.rand(n) * (RNG.rand(n) > 0.3)).astype(np.float32),
        )[: 3 if weighted else 2]
        for _ in range(BATCHES)
    ]


# -- means and errors ------------------------------------------------------------------------


def weighted_mean(values, weights):
    return np.sum(values * weights) / np.sum(weights)


REGRESSION_CASES = [
    ("mean_absolute_error", lambda y, p: np.abs(p - y)),
    ("mean_squared_error", lambda y, p: (p - y) ** 2),
]


@pytest.mark.parametrize(("metric", "error"), REGRESSION_CASES)
def test_regression_metrics_accumulate_weighted_errors_over_batches(metric, error):
    labels = tf.placeholder(tf.float32, [None])
    predictions = tf.placeholder(tf.float32, [None])
    weights = tf.placeholder(tf.float32, [None])
    batches = float_batches()
    updates, final = stream(
        lambda: getattr(tf.metrics, metric)(labels, predictions, weights),
        batches,
        [labels, predictions, weights],
    )
    expected = prefix_references(lambda y, p, w: weighted_mean(error(y, p), w), batches)
    np.testing.assert_allclose(updates, expected, rtol=1e-5)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-5)


def test_root_mean_squared_error_is_the_root_of_the_streamed_mse():
    labels = tf.placeholder(tf.float32, [None])
    predictions = tf.placeholder(tf.float32, [None])
    batches = float_batches(weighted=False)
    updates, final = stream(
        lambda: tf.metrics.root_mean_squared_error(labels, predictions),
        batches,
        [labels, predictions],
    )
    expected = prefix_references(lambda y, p: np.sqrt(np.mean((p - y) ** 2)), batches)
    np.testing.assert_allclose(updates, expected, rtol=1e-5)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-5)


def test_mean_with_broadcast_weights_and_no_weights():
    values = tf.placeholder(tf.float32, [None, 3])
    column_weights = tf.placeholder(tf.float32, [1, 3])
    weighted, weighted_update = tf.metrics.mean(values, column_weights)
    plain, plain_update = tf.metrics.mean(values)
    batches = [RNG.randn(2, 3).astype(np.float32), RNG.randn(4, 3).astype(np.float32)]
    w = np.array([[1.0, 0.0, 2.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for batch in batches:
            sess.run(
                [weighted_update, plain_update], {values: batch, column_weights: w}
            )
        got_weighted, got_plain = sess.run([weighted, plain])
    everything = np.concatenate(batches)
    np.testing.assert_allclose(
        got_weighted,
        weighted_mean(everything, np.broadcast_to(w, everything.shape)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(got_plain, everything.mean(), rtol=1e-6)


def test_mean_of_nothing_is_zero_and_zero_weights_mask():
    value, update = tf.metrics.mean([1.0, 5.0], weights=[1.0, 0.0])
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(value) == 0.0
        assert sess.run(update) == 1.0


def test_accuracy_accumulates_and_casts_predictions_to_the_labels_dtype():
    labels = tf.placeholder(tf.int32, [None])
    predictions = tf.placeholder(tf.int64, [None])
    weights = tf.placeholder(tf.float32, [None])
    batches = [
        (RNG.randint(0, 3, 6), RNG.randint(0, 3, 6), RNG.rand(6).astype(np.float32))
        for _ in range(BATCHES)
    ]
    updates, final = stream(
        lambda: tf.metrics.accuracy(labels, predictions, weights),
        batches,
        [labels, predictions, weights],
    )
    expected = prefix_references(lambda y, p, w: weighted_mean(y == p, w), batches)
    np.testing.assert_allclose(updates, expected, rtol=1e-6)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-6)


def test_accuracy_squeezes_a_trailing_unit_dimension():
    _, update = tf.metrics.accuracy(
        tf.constant([[1], [2], [3]]), tf.constant([1, 0, 3])
    )
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        np.testing.assert_allclose(sess.run(update), 2 / 3, rtol=1e-6)


# -- names, collections, errors -----------------------------------------------------------------


def test_metric_variables_are_local_non_trainable_and_scoped_by_metric_name():
    labels = tf.constant([1, 0])
    value, update = tf.metrics.accuracy(labels, labels)
    tf.metrics.accuracy(labels, labels)
    tf.metrics.mean(tf.constant([1.0]), name="my_mean")
    names = [v.op.name for v in tf.local_variables()]
    assert names == [
        "accuracy/total",
        "accuracy/count",
        "accuracy_1/total",
        "accuracy_1/count",
        "my_mean/total",
        "my_mean/count",
    ]
    assert tf.get_collection(tf.GraphKeys.METRIC_VARIABLES) == tf.local_variables()
    assert tf.global_variables() == [] and tf.trainable_variables() == []
    assert (value.op.name, update.op.name) == ("accuracy/value", "accuracy/update_op")


def test_auc_and_confusion_metrics_variable_names():
    labels = tf.constant([True, False])
    predictions = tf.constant([0.7, 0.2])
    tf.metrics.auc(labels, predictions)
    tf.metrics.precision(labels, predictions)
    tf.metrics.recall(labels, predictions)
    tf.metrics.mean_iou(tf.constant([0, 1]), tf.constant([0, 1]), num_classes=2)
    tf.metrics.mean_per_class_accuracy(
        tf.constant([0, 1]), tf.constant([0, 1]), num_classes=2
    )
    tf.metrics.recall_at_k(tf.constant([0, 1], tf.int64), tf.ones([2, 3]), k=2)
    tf.metrics.precision_at_k(
        tf.constant([0, 1], tf.int64), tf.ones([2, 3]), k=1, class_id=2
    )
    specs = {v.op.name: (v.shape.as_list(), v.dtype) for v in tf.local_variables()}
    assert specs == {
        "auc/true_positives": ([200], tf.float32),
        "auc/false_negatives": ([200], tf.float32),
        "auc/true_negatives": ([200], tf.float32),
        "auc/false_positives": ([200], tf.float32),
        "precision/true_positives/count": ([], tf.float32),
        "precision/false_positives/count": ([], tf.float32),
        "recall/true_positives/count": ([], tf.float32),
        "recall/false_negatives/count": ([], tf.float32),
        "mean_iou/total_confusion_matrix": ([2, 2], tf.float64),
        "mean_accuracy/total": ([2], tf.float32),
        "mean_accuracy/count": ([2], tf.float32),
        "recall_at_2/true_positive_at_2": ([], tf.float64),
        "recall_at_2/false_negative_at_2": ([], tf.float64),
        "precision_at_1_class2/true_positive_at_1_class2": ([], tf.float64),
        "precision_at_1_class2/false_positive_at_1_class2": ([], tf.float64),
    }


def test_metrics_and_updates_collections():
    value, update = tf.metrics.mean(
        tf.constant([1.0]), metrics_collections=["m"], updates_collections=["u"]
    )
    rmse, rmse_update = tf.metrics.root_mean_squared_error(
        tf.constant([1.0]),
        tf.constant([2.0]),
        metrics_collections=["m"],
        updates_collections=["u"],
    )
    assert tf.get_collection("m") == [value, rmse]
    assert tf.get_collection("u") == [update, rmse_update]


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="incompatible"):
        tf.metrics.accuracy(tf.constant([1, 2, 3]), tf.constant([1, 2]))
    with pytest.raises(ValueError, match="incompatible"):
        tf.metrics.mean_squared_error(tf.ones([2, 3]), tf.ones([3, 2]))
    with pytest.raises(ValueError, match="weights can not be broadcast"):
        tf.metrics.mean(tf.ones([2, 3]), weights=tf.ones([2, 2]))
    with pytest.raises(ValueError, match="incompatible"):
        tf.metrics.mean_iou(tf.constant([0, 1]), tf.constant([0]), num_classes=2)
    with pytest.raises(ValueError, match="Curve must be either ROC or PR"):
        tf.metrics.auc(tf.constant([True]), tf.constant([0.5]), curve="XY")
    with pytest.raises(ValueError, match="Invalid summation_method"):
        tf.metrics.auc(tf.constant([True]), tf.constant([0.5]), summation_method="x")
    with pytest.raises(ValueError, match="labels rank plus one"):
        tf.metrics.recall_at_k(tf.ones([2, 2, 2], tf.int64), tf.ones([2, 3]), k=1)


# -- counts, precision, recall --------------------------------------------------------------------


def binary_batches():
    return [
        (
            RNG.rand(8) > 0.5,
            RNG.rand(8).astype(np.float32),
            RNG.rand(8).astype(np.float32),
        )
        for _ in range(BATCHES)
    ]


COUNT_CASES = [
    ("true_positives", lambda y, p: y & p),
    ("false_positives", lambda y, p: ~y & p),
    ("true_negatives", lambda y, p: ~y & ~p),
    ("false_negatives", lambda y, p: y & ~p),
]


@pytest.mark.parametrize(("metric", "condition"), COUNT_CASES)
def test_confusion_counts_cast_predictions_to_bool(metric, condition):
    labels = tf.placeholder(tf.bool, [None])
    predictions = tf.placeholder(tf.float32, [None])
    weights = tf.placeholder(tf.float32, [None])
    # Predictions of exactly 0 are False, anything else True (cast to bool).
    batches = [
        (y, np.where(p < 0.4, 0.0, p).astype(np.float32), w)
        for y, p, w in binary_batches()
    ]
    updates, final = stream(
        lambda: getattr(tf.metrics, metric)(labels, predictions, weights),
        batches,
        [labels, predictions, weights],
    )
    expected = prefix_references(
        lambda y, p, w: np.sum(condition(y, p != 0) * w), batches
    )
    np.testing.assert_allclose(updates, expected, rtol=1e-5)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-5)


def np_ratio(tp, other):
    return tp / (tp + other) if tp + other > 0 else 0.0


@pytest.mark.parametrize("metric", ["precision", "recall"])
def test_precision_and_recall_over_batches(metric):
    labels = tf.placeholder(tf.bool, [None])
    predictions = tf.placeholder(tf.bool, [None])
    weights = tf.placeholder(tf.float32, [None])
    batches = [(y, p > 0.5, w) for y, p, w in binary_batches()]

    def reference(y, p, w):
        tp = np.sum((y & p) * w)
        other = np.sum((~y & p) * w) if metric == "precision" else np.sum((y & ~p) * w)
        return np_ratio(tp, other)

    updates, final = stream(
        lambda: getattr(tf.metrics, metric)(labels, predictions, weights),
        batches,
        [labels, predictions, weights],
    )
    expected = prefix_references(reference, batches)
    np.testing.assert_allclose(updates, expected, rtol=1e-5)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-5)


def test_precision_without_positive_predictions_is_zero():
    value, update = tf.metrics.precision(tf.constant([True]), tf.constant([False]))
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(update) == 0.0 and sess.run(value) == 0.0


# -- AUC ---------------------------------------------------------------------------------------------


def np_auc(labels, predictions, weights, num_thresholds, curve, method):
    """TF1's thresholded AUC, computed with numpy loops."""
    eps = 1e-7
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thresholds = np.array([-eps, *inner, 1 + eps], np.float32)
    counts = {key: [] for key in ("tp", "fn", "tn", "fp")}
    for t in thresholds:
        above = predictions > t
        counts["tp"].append(np.sum(weights * (labels & above)))
        counts["fn"].append(np.sum(weights * (labels & ~above)))
        counts["tn"].append(np.sum(weights * (~labels & ~above)))
        counts["fp"].append(np.sum(weights * (~labels & above)))
    tp, fn, tn, fp = (np.array(counts[k], np.float64) for k in ("tp", "fn", "tn", "fp"))
    rec = (tp + 1e-6) / (tp + fn + 1e-6)
    if curve == "ROC":
        x, y = fp / (fp + tn + 1e-6), rec
    else:
        x, y = rec, (tp + 1e-6) / (tp + fp + 1e-6)
    pick = {"trapezoidal": lambda a, b: (a + b) / 2, "minoring": np.minimum}
    pick["majoring"] = np.maximum
    return np.sum((x[:-1] - x[1:]) * pick[method](y[:-1], y[1:]))


def mann_whitney_auc(labels, predictions):
    pos, neg = predictions[labels], predictions[~labels]
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return greater + ties / 2


@pytest.mark.parametrize(
    ("curve", "method"),
    [
        ("ROC", "trapezoidal"),
        ("PR", "trapezoidal"),
        ("ROC", "minoring"),
        ("PR", "majoring"),
    ],
)
def test_auc_matches_the_thresholded_reference_over_batches(curve, method):
    labels = tf.placeholder(tf.bool, [None])
    predictions = tf.placeholder(tf.float32, [None])
    weights = tf.placeholder(tf.float32, [None])
    batches = binary_batches()
    updates, final = stream(
        lambda: tf.metrics.auc(
            labels, predictions, weights, curve=curve, summation_method=method
        ),
        batches,
        [labels, predictions, weights],
    )
    expected = prefix_references(
        lambda y, p, w: np_auc(y, p, w, 200, curve, method), batches
    )
    np.testing.assert_allclose(updates, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-4, atol=1e-6)


def test_roc_auc_approximates_the_exact_auc():
    rng = np.random.RandomState(1)
    labels = rng.rand(400) > 0.5
    predictions = np.clip(0.5 + 0.25 * (labels - 0.5) + 0.2 * rng.randn(400), 0, 1)
    _, update = tf.metrics.auc(labels, predictions.astype(np.float32))
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        got = sess.run(update)
    exact = mann_whitney_auc(labels, predictions)
    assert 0.6 < exact < 0.95
    np.testing.assert_allclose(got, exact, atol=5e-3)


def test_pr_auc_careful_interpolation_of_a_perfect_ranking_is_one():
    _, update = tf.metrics.auc(
        tf.constant([False, False, True, True]),
        tf.constant([0.1, 0.3, 0.6, 0.9]),
        curve="PR",
        summation_method="careful_interpolation",
    )
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        np.testing.assert_allclose(sess.run(update), 1.0, atol=1e-3)


# -- classes ---------------------------------------------------------------------------------------


def class_batches(num_classes, n=7):
    return [
        (
            RNG.randint(0, num_classes, n),
            RNG.randint(0, num_classes, n),
            RNG.rand(n).astype(np.float32),
        )
        for _ in range(BATCHES)
    ]


def np_confusion(labels, predictions, weights, num_classes):
    cm = np.zeros((num_classes, num_classes))
    for label, prediction, weight in zip(labels, predictions, weights, strict=True):
        cm[label, prediction] += weight
    return cm


def np_mean_iou(labels, predictions, weights, num_classes):
    cm = np_confusion(labels, predictions, weights, num_classes)
    ious = []
    for c in range(num_classes):
        union = cm[c, :].sum() + cm[:, c].sum() - cm[c, c]
        if union > 0:
            ious.append(cm[c, c] / union)
    return np.mean(ious) if ious else 0.0


def test_mean_iou_accumulates_the_confusion_matrix():
    num_classes = 4
    labels = tf.placeholder(tf.int32, [None])
    predictions = tf.placeholder(tf.int32, [None])
    weights = tf.placeholder(tf.float32, [None])
    batches = class_batches(num_classes)
    updates, final = stream(
        lambda: tf.metrics.mean_iou(labels, predictions, num_classes, weights),
        batches,
        [labels, predictions, weights],
    )
    # As TF1, update_op returns the confusion matrix.
    expected_cms = prefix_references(
        lambda y, p, w: np_confusion(y, p, w, num_classes), batches
    )
    np.testing.assert_allclose(updates, expected_cms, rtol=1e-6)
    everything = [np.concatenate(parts) for parts in zip(*batches, strict=True)]
    np.testing.assert_allclose(final, np_mean_iou(*everything, num_classes), rtol=1e-5)


def test_mean_iou_leaves_out_absent_classes():
    value, update = tf.metrics.mean_iou(
        tf.constant([0, 0, 1]), tf.constant([0, 1, 1]), num_classes=5
    )
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        sess.run(update)
        np.testing.assert_allclose(sess.run(value), (1 / 2 + 1 / 2) / 2)


def test_mean_per_class_accuracy_counts_unseen_classes_as_zero():
    num_classes = 4
    labels = tf.placeholder(tf.int64, [None])
    predictions = tf.placeholder(tf.int64, [None])
    weights = tf.placeholder(tf.float32, [None])
    batches = class_batches(num_classes - 1)  # class 3 never appears

    def per_class(y, p, w):
        total = np.array([w[y == c].sum() for c in range(num_classes)])
        correct = np.array([w[(y == c) & (p == c)].sum() for c in range(num_classes)])
        return np.divide(correct, total, out=np.zeros(num_classes), where=total > 0)

    updates, final = stream(
        lambda: tf.metrics.mean_per_class_accuracy(
            labels, predictions, num_classes, weights
        ),
        batches,
        [labels, predictions, weights],
    )
    expected = prefix_references(per_class, batches)
    np.testing.assert_allclose(updates, expected, rtol=1e-5)
    np.testing.assert_allclose(final, expected[-1].mean(), rtol=1e-5)


# -- top k ------------------------------------------------------------------------------------------


def np_top_k_counts(labels, scores, k, class_id=None):
    """(tp, fp, fn) per row with TF1's set semantics."""
    counts = []
    for row_labels, row_scores in zip(labels, scores, strict=True):
        top = set(np.argsort(-row_scores, kind="stable")[:k].tolist())
        wanted = set(np.atleast_1d(row_labels).tolist())
        if class_id is not None:
            top &= {class_id}
            wanted &= {class_id}
        counts.append((len(top & wanted), len(top - wanted), len(wanted - top)))
    return np.array(counts, np.float64)


@pytest.mark.parametrize(
    ("metric", "k", "class_id", "multi_label"),
    [
        ("recall_at_k", 2, None, False),
        ("precision_at_k", 2, None, False),
        ("recall_at_k", 3, None, True),
        ("precision_at_k", 1, 2, True),
        ("recall_at_k", 2, 1, False),
    ],
)
def test_top_k_metrics_against_set_counts(metric, k, class_id, multi_label):
    num_classes = 5
    label_shape = [None, 3] if multi_label else [None]
    labels = tf.placeholder(tf.int64, label_shape)
    scores = tf.placeholder(tf.float32, [None, num_classes])
    weights = tf.placeholder(tf.float32, [None])
    rng = np.random.RandomState(k + 10 * (class_id or 0))
    batches = []
    for _ in range(BATCHES):
        shape = (6, 3) if multi_label else (6,)
        # -1 is outside [0, num_classes): a label never predicted.
        batches.append(
            (
                rng.randint(-1, num_classes, shape),
                rng.rand(6, num_classes).astype(np.float32),
                rng.rand(6).astype(np.float32),
            )
        )

    def reference(y, s, w):
        tp, fp, fn = (np_top_k_counts(y, s, k, class_id) * w[:, None]).sum(0)
        with np.errstate(invalid="ignore"):  # 0/0 is NaN, as TF1
            return tp / (tp + (fp if metric == "precision_at_k" else fn))

    updates, final = stream(
        lambda: getattr(tf.metrics, metric)(
            labels, scores, k, class_id=class_id, weights=weights
        ),
        batches,
        [labels, scores, weights],
    )
    expected = prefix_references(reference, batches)
    assert np.isfinite(expected[-1])
    np.testing.assert_allclose(updates, expected, rtol=1e-6)
    np.testing.assert_allclose(final, expected[-1], rtol=1e-6)
