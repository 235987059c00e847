"""``tf.metrics``: TF1's streaming evaluation metrics.

A client of the graph builders. Each metric creates non-trainable *local*
variables (collections ``LOCAL_VARIABLES`` and ``METRIC_VARIABLES``) under a
variable scope named after it (``accuracy/total``, ``accuracy/count``, ...) and
returns ``(value, update_op)``: running ``update_op`` adds one batch to the
variables and returns the updated value; ``value`` reads them without changing
them; ``sess.run(tf.local_variables_initializer())`` starts over. As TF1, fetching
both in one run reads ``value`` from the variables as they were before the run.

``weights`` (default 1) is a scalar or a tensor of the values' rank whose
dimensions are 1 or equal to the values'; a weight of 0 masks an element.
``metrics_collections`` and ``updates_collections`` name collections to add the
value and the update op to.

TF1 differences: TF1's run-time checks (predictions in ``[0, 1]`` for ``auc``,
labels in ``[0, num_classes)`` for ``mean_iou`` and ``mean_per_class_accuracy``)
are not made (XLA cannot raise inside a run): out-of-range class ids count for no
class. Labels are dense tensors (no ``SparseTensor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.losses import check_broadcastable
from jgraph.ops import array_ops, math_ops, nn_ops, state_ops
from jgraph.ops.conversion import constant, convert_to_tensor
from jgraph.ops.variable_scope import variable_scope
from jgraph.ops.variables import Variable

Collections = Sequence[str] | str | None


# -- shared pieces ------------------------------------------------------------------------


def metric_variable(
    shape: Any, dtype: Any, validate_shape: bool = True, name: str | None = None
) -> Variable:
    """A zero-initialised, non-trainable variable in ``LOCAL_VARIABLES`` and
    ``METRIC_VARIABLES``, as TF1's ``metric_variable``."""
    dtype = _dtypes.as_dtype(dtype)
    with get_default_graph().control_dependencies(None):
        return Variable(
            lambda: array_ops.zeros(shape, dtype),
            trainable=False,
            collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
            validate_shape=validate_shape,
            name=name,
        )


def _add_to(collections: Collections, value: Any) -> None:
    if collections:
        get_default_graph().add_to_collections(collections, value)


def _finish(
    value: Tensor,
    update_op: Tensor,
    metrics_collections: Collections,
    updates_collections: Collections,
) -> tuple[Tensor, Tensor]:
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def _rank(tensor: Tensor) -> int | None:
    return tensor.shape.ndims


def _last_dim_is_one(tensor: Tensor) -> bool:
    dims = tensor.shape.as_list()
    return bool(dims) and dims[-1] == 1


def _remove_squeezable_dimensions(
    predictions: Any, labels: Any, weights: Any
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """TF1's rule: squeeze a trailing size-1 dimension of ``predictions`` or
    ``labels`` when their ranks differ by one (then check their shapes), and
    squeeze or expand the last dimension of ``weights`` when its rank differs by
    one from the predictions'. Uses static ranks only."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels = convert_to_tensor(labels)
        p_rank, l_rank = _rank(predictions), _rank(labels)
        if p_rank is not None and l_rank is not None:
            if p_rank - l_rank == 1 and _last_dim_is_one(predictions):
                predictions = array_ops.squeeze(predictions, [-1])
            elif l_rank - p_rank == 1 and _last_dim_is_one(labels):
                labels = array_ops.squeeze(labels, [-1])
        predictions.shape.assert_is_compatible_with(labels.shape)
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    w_rank, p_rank = _rank(weights), _rank(predictions)
    if w_rank and p_rank is not None:
        if w_rank - p_rank == 1 and _last_dim_is_one(weights):
            weights = array_ops.squeeze(weights, [-1])
        elif p_rank - w_rank == 1:
            weights = array_ops.expand_dims(weights, -1)
    return predictions, labels, weights


def _broadcast_weights(weights: Any, values: Tensor) -> Tensor:
    """``weights`` as float32 with the shape of ``values`` (checked first)."""
    weights = math_ops.cast(convert_to_tensor(weights), _dtypes.float32)
    check_broadcastable(weights, values)
    if weights.shape.is_fully_defined() and weights.shape == values.shape:
        return weights
    return weights * array_ops.ones_like(values, dtype=_dtypes.float32)


def _flat_weights(weights: Any, like: Tensor) -> Tensor | None:
    """Weights broadcast to ``like`` (labels before flattening), flattened."""
    if weights is None:
        return None
    return array_ops.reshape(_broadcast_weights(weights, like), [-1])


# -- means ----------------------------------------------------------------------------------


def mean(
    values: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The (weighted) mean of ``values`` over all batches so far.

    Creates ``total`` (the sum of ``values * weights``) and ``count`` (the sum of
    the weights), and returns ``(total / count, update_op)``.

    >>> import jgraph as jg
    >>> value, update = mean([1.0, 2.0, 3.0])
    >>> with jg.Session() as sess:
    ...     sess.run(jg.local_variables_initializer())
    ...     float(sess.run(update))
    2.0
    """
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(convert_to_tensor(values), _dtypes.float32)
        total = metric_variable([], _dtypes.float32, name="total")
        count = metric_variable([], _dtypes.float32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), _dtypes.float32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = state_ops.assign_add(total, math_ops.reduce_sum(values))
        update_count = state_ops.assign_add(count, num_values)
        value = _safe_div(total, count, "value")
        update_op = _safe_div(update_total, update_count, "update_op")
        return _finish(value, update_op, metrics_collections, updates_collections)


def _safe_div(numerator: Any, denominator: Any, name: str) -> Tensor:
    """``numerator / max(denominator, 0)``, 0 where that is 0 (TF1's metric mean)."""
    return math_ops.div_no_nan(numerator, math_ops.maximum(denominator, 0.0), name=name)


def accuracy(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """How often ``predictions`` equals ``labels`` (weighted), over all batches.

    Raises:
      ValueError: the shapes of ``labels`` and ``predictions`` (or ``weights``)
        do not match.
    """
    predictions, labels, weights = _remove_squeezable_dimensions(
        predictions, labels, weights
    )
    assert labels is not None
    if labels.dtype != predictions.dtype:
        predictions = math_ops.cast(predictions, labels.dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), _dtypes.float32)
    return mean(
        is_correct,
        weights,
        metrics_collections,
        updates_collections,
        name or "accuracy",
    )


def mean_absolute_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The (weighted) mean of ``|predictions - labels|`` over all batches."""
    predictions, labels, weights = _remove_squeezable_dimensions(
        predictions, labels, weights
    )
    errors = math_ops.abs(predictions - labels)
    return mean(
        errors,
        weights,
        metrics_collections,
        updates_collections,
        name or "mean_absolute_error",
    )


def mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The (weighted) mean of ``(predictions - labels)**2`` over all batches."""
    predictions, labels, weights = _remove_squeezable_dimensions(
        predictions, labels, weights
    )
    errors = math_ops.squared_difference(labels, predictions)
    return mean(
        errors,
        weights,
        metrics_collections,
        updates_collections,
        name or "mean_squared_error",
    )


def root_mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The square root of :func:`mean_squared_error`."""
    predictions, labels, weights = _remove_squeezable_dimensions(
        predictions, labels, weights
    )
    mse, update_mse = mean(
        math_ops.squared_difference(labels, predictions),
        weights,
        None,
        None,
        name or "root_mean_squared_error",
    )
    return _finish(
        math_ops.sqrt(mse),
        math_ops.sqrt(update_mse),
        metrics_collections,
        updates_collections,
    )


# -- counts -----------------------------------------------------------------------------------


def _count_condition(
    values: Tensor,
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
) -> tuple[Tensor, Tensor]:
    """The summed weights where the bool ``values`` are True (variable ``count``)."""
    count = metric_variable([], _dtypes.float32, name="count")
    values = math_ops.cast(values, _dtypes.float32)
    if weights is not None:
        values = math_ops.multiply(values, _broadcast_weights(weights, values))
    update_op = state_ops.assign_add(count, math_ops.reduce_sum(values))
    return _finish(count.value(), update_op, metrics_collections, updates_collections)


def _bool_pair(
    labels: Any, predictions: Any, weights: Any
) -> tuple[Tensor, Tensor, Tensor | None]:
    predictions, labels, weights = _remove_squeezable_dimensions(
        math_ops.cast(convert_to_tensor(predictions), _dtypes.bool_),
        math_ops.cast(convert_to_tensor(labels), _dtypes.bool_),
        weights,
    )
    assert labels is not None
    return labels, predictions, weights


def _count_metric(
    kind: str,
    label_value: bool,
    prediction_value: bool,
    labels: Any,
    predictions: Any,
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
    name: str | None,
) -> tuple[Tensor, Tensor]:
    """The summed weight where bool labels equal ``label_value`` and bool
    predictions equal ``prediction_value``, in variable ``<kind>/count``."""
    with variable_scope(name, kind, (predictions, labels, weights)):
        labels_b, predictions_b, weights = _bool_pair(labels, predictions, weights)
        if not label_value:
            labels_b = math_ops.logical_not(labels_b)
        if not prediction_value:
            predictions_b = math_ops.logical_not(predictions_b)
        return _count_condition(
            math_ops.logical_and(labels_b, predictions_b),
            weights,
            metrics_collections,
            updates_collections,
        )


def true_positives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The summed weight where labels and predictions (cast to bool) are both True."""
    return _count_metric(
        "true_positives",
        True,
        True,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def false_positives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The summed weight where predictions are True and labels False (as bool)."""
    return _count_metric(
        "false_positives",
        False,
        True,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def true_negatives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The summed weight where labels and predictions (cast to bool) are both False."""
    return _count_metric(
        "true_negatives",
        False,
        False,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def false_negatives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The summed weight where labels are True and predictions False (as bool)."""
    return _count_metric(
        "false_negatives",
        True,
        False,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def _ratio(tp: Tensor, other: Tensor, name: str) -> Tensor:
    """``tp / (tp + other)``, 0 where that sum is 0."""
    total = tp + other
    return math_ops.where(
        math_ops.greater(total, 0.0),
        math_ops.div_no_nan(tp, total),
        array_ops.zeros_like(total),
        name=name,
    )


def precision(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """``true_positives / (true_positives + false_positives)`` (0 when there are
    none); labels and predictions are cast to bool."""
    with variable_scope(name, "precision", (predictions, labels, weights)):
        labels, predictions, weights = _bool_pair(labels, predictions, weights)
        tp, tp_update = true_positives(labels, predictions, weights)
        fp, fp_update = false_positives(labels, predictions, weights)
        return _finish(
            _ratio(tp, fp, "value"),
            _ratio(tp_update, fp_update, "update_op"),
            metrics_collections,
            updates_collections,
        )


def recall(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """``true_positives / (true_positives + false_negatives)`` (0 when there are
    none); labels and predictions are cast to bool."""
    with variable_scope(name, "recall", (predictions, labels, weights)):
        labels, predictions, weights = _bool_pair(labels, predictions, weights)
        tp, tp_update = true_positives(labels, predictions, weights)
        fn, fn_update = false_negatives(labels, predictions, weights)
        return _finish(
            _ratio(tp, fn, "value"),
            _ratio(tp_update, fn_update, "update_op"),
            metrics_collections,
            updates_collections,
        )


# -- thresholds and AUC -------------------------------------------------------------------------

_CONFUSION_KEYS = ("tp", "fn", "tn", "fp")
_CONFUSION_NAMES = {
    "tp": "true_positives",
    "fn": "false_negatives",
    "tn": "true_negatives",
    "fp": "false_positives",
}


def _confusion_matrix_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    includes: Sequence[str] = _CONFUSION_KEYS,
) -> tuple[dict[str, Variable], dict[str, Tensor]]:
    """Variables of shape ``[len(thresholds)]`` counting, per threshold, the
    (weighted) true/false positives/negatives of ``predictions > threshold``."""
    for key in includes:
        if key not in _CONFUSION_KEYS:
            raise ValueError(f"Invalid key: {key}")
    predictions, labels, weights = _remove_squeezable_dimensions(
        math_ops.cast(convert_to_tensor(predictions), _dtypes.float32),
        math_ops.cast(convert_to_tensor(labels), _dtypes.bool_),
        weights,
    )
    assert labels is not None
    thresholds_t = constant(np.asarray(thresholds, np.float32).reshape(-1, 1))
    # [num_thresholds, num_predictions]
    pred_is_pos = math_ops.greater(
        array_ops.reshape(predictions, [1, -1]), thresholds_t
    )
    label_is_pos = array_ops.reshape(labels, [1, -1])
    weights_row = None
    if weights is not None:
        weights_row = array_ops.reshape(
            _broadcast_weights(weights, predictions), [1, -1]
        )
    conditions = {
        "tp": (label_is_pos, pred_is_pos),
        "fn": (label_is_pos, math_ops.logical_not(pred_is_pos)),
        "tn": (math_ops.logical_not(label_is_pos), math_ops.logical_not(pred_is_pos)),
        "fp": (math_ops.logical_not(label_is_pos), pred_is_pos),
    }
    values: dict[str, Variable] = {}
    update_ops: dict[str, Tensor] = {}
    for key in _CONFUSION_KEYS:
        if key not in includes:
            continue
        variable = metric_variable(
            [len(thresholds)], _dtypes.float32, name=_CONFUSION_NAMES[key]
        )
        hits = math_ops.cast(math_ops.logical_and(*conditions[key]), _dtypes.float32)
        if weights_row is not None:
            hits = hits * weights_row
        update_ops[key] = state_ops.assign_add(
            variable, math_ops.reduce_sum(hits, axis=1)
        )
        values[key] = variable
    return values, update_ops


_SUMMATION_METHODS = ("trapezoidal", "careful_interpolation", "minoring", "majoring")


def auc(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    num_thresholds: int = 200,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    curve: str = "ROC",
    name: str | None = None,
    summation_method: str = "trapezoidal",
    thresholds: Sequence[float] | None = None,
) -> tuple[Tensor, Tensor]:
    """The area under the ROC or precision-recall curve, approximated on
    ``num_thresholds`` thresholds evenly spaced in ``[0, 1]`` (as TF1).

    Args:
      labels: cast to bool.
      predictions: floats in ``[0, 1]``.
      weights: as the other metrics.
      num_thresholds: how many thresholds (including the two end points).
      curve: ``"ROC"`` or ``"PR"``.
      summation_method: ``"trapezoidal"``, ``"careful_interpolation"``,
        ``"minoring"`` or ``"majoring"`` (TF1's Riemann sums).
      thresholds: explicit thresholds in ``[0, 1]`` instead of ``num_thresholds``
        (the end points are added).

    Raises:
      ValueError: an unknown ``curve`` or ``summation_method``, or mismatched
        shapes.
    """
    if curve not in ("ROC", "PR"):
        raise ValueError(f"Curve must be either ROC or PR. Curve {curve} is unknown.")
    if summation_method not in _SUMMATION_METHODS:
        raise ValueError(
            f"Invalid summation_method: {summation_method} summation_method should be"
            " 'trapezoidal', 'careful_interpolation', 'minoring', or 'majoring'."
        )
    with variable_scope(name, "auc", (labels, predictions, weights)):
        epsilon_t = 1e-7  # the end points catch predictions of exactly 0 and 1
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds < 2:
                raise ValueError(f"num_thresholds must be > 1, got {num_thresholds}.")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        all_thresholds = [0.0 - epsilon_t, *inner, 1.0 + epsilon_t]
        values, update_ops = _confusion_matrix_at_thresholds(
            labels, predictions, all_thresholds, weights
        )
        count = len(all_thresholds)

        def compute(c: dict[str, Any], name: str) -> Tensor:
            return _auc_from_counts(
                c["tp"], c["fn"], c["tn"], c["fp"], count, curve, summation_method, name
            )

        return _finish(
            compute({k: v.value() for k, v in values.items()}, "value"),
            compute(update_ops, "update_op"),
            metrics_collections,
            updates_collections,
        )


def _auc_from_counts(
    tp: Tensor,
    fn: Tensor,
    tn: Tensor,
    fp: Tensor,
    n: int,
    curve: str,
    summation_method: str,
    name: str,
) -> Tensor:
    """TF1's ``compute_auc``: a Riemann sum over the ``n`` thresholds' counts."""
    epsilon = 1.0e-6
    if curve == "PR" and summation_method == "careful_interpolation":
        return _interpolate_pr_auc(tp, fp, fn, n, name)
    rec = math_ops.truediv(tp + epsilon, tp + fn + epsilon)
    if curve == "ROC":
        x, y = math_ops.truediv(fp, fp + tn + epsilon), rec
    else:
        x, y = rec, math_ops.truediv(tp + epsilon, tp + fp + epsilon)
    dx = x[: n - 1] - x[1:]
    if summation_method in ("trapezoidal", "careful_interpolation"):
        height = (y[: n - 1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        height = math_ops.minimum(y[: n - 1], y[1:])
    else:
        height = math_ops.maximum(y[: n - 1], y[1:])
    return math_ops.reduce_sum(math_ops.multiply(dx, height), name=name)


def _interpolate_pr_auc(
    tp: Tensor, fp: Tensor, fn: Tensor, n: int, name: str
) -> Tensor:
    """TF1's PR-AUC interpolation (Davis & Goadrich 2006): precision varies as
    ``TP / P`` with ``TP`` linear in ``P = TP + FP`` between thresholds."""
    dtp = tp[: n - 1] - tp[1:]
    p = tp + fp
    prec_slope = math_ops.div_no_nan(dtp, math_ops.maximum(p[: n - 1] - p[1:], 0.0))
    intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
    both_positive = math_ops.logical_and(
        math_ops.greater(p[: n - 1], 0.0), math_ops.greater(p[1:], 0.0)
    )
    safe_p_ratio = math_ops.where(
        both_positive,
        math_ops.div_no_nan(p[: n - 1], math_ops.maximum(p[1:], 0.0)),
        array_ops.ones_like(p[1:]),
    )
    return math_ops.reduce_sum(
        math_ops.div_no_nan(
            prec_slope * (dtp + intercept * math_ops.log(safe_p_ratio)),
            math_ops.maximum(tp[1:] + fn[1:], 0.0),
        ),
        name=name,
    )


# -- classes ------------------------------------------------------------------------------------


def _class_ids(labels: Any, predictions: Any) -> tuple[Tensor, Tensor]:
    """Both as flat int64 vectors (checked for compatible shapes first)."""
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return (
        array_ops.reshape(math_ops.cast(labels, _dtypes.int64), [-1]),
        array_ops.reshape(math_ops.cast(predictions, _dtypes.int64), [-1]),
    )


def mean_iou(
    labels: Any,
    predictions: Any,
    num_classes: int,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The mean over classes of intersection-over-union, from a (weighted)
    confusion matrix accumulated over all batches (variable
    ``total_confusion_matrix``, float64, rows are labels).

    Classes absent from both labels and predictions are left out of the mean.
    As TF1, ``update_op`` returns the updated confusion matrix.
    """
    with variable_scope(name, "mean_iou", (predictions, labels, weights)):
        labels_t = convert_to_tensor(labels)
        flat_labels, flat_predictions = _class_ids(labels_t, predictions)
        total_cm = metric_variable(
            [num_classes, num_classes], _dtypes.float64, name="total_confusion_matrix"
        )
        rows = array_ops.one_hot(flat_labels, num_classes, dtype=_dtypes.float64)
        flat_weights = _flat_weights(weights, labels_t)
        if flat_weights is not None:
            rows = rows * array_ops.expand_dims(
                math_ops.cast(flat_weights, _dtypes.float64), -1
            )
        columns = array_ops.one_hot(
            flat_predictions, num_classes, dtype=_dtypes.float64
        )
        current_cm = math_ops.matmul(rows, columns, transpose_a=True)
        update_op = state_ops.assign_add(total_cm, current_cm)

        cm = math_ops.cast(total_cm.value(), _dtypes.float32)
        diagonal = math_ops.reduce_sum(cm * np.eye(num_classes, dtype=np.float32), 1)
        denominator = math_ops.reduce_sum(cm, 0) + math_ops.reduce_sum(cm, 1) - diagonal
        present = math_ops.cast(math_ops.not_equal(denominator, 0.0), _dtypes.float32)
        num_valid = math_ops.reduce_sum(present)
        iou = math_ops.div_no_nan(diagonal, denominator)
        value = math_ops.div_no_nan(math_ops.reduce_sum(iou), num_valid, name="value")
        return _finish(value, update_op, metrics_collections, updates_collections)


def mean_per_class_accuracy(
    labels: Any,
    predictions: Any,
    num_classes: int,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """The mean over all ``num_classes`` classes of each class's (weighted)
    accuracy; a class never seen counts as 0, as TF1.

    Variables ``total`` (weight per label class) and ``count`` (correct weight per
    class). ``update_op`` returns the updated per-class accuracies.
    """
    with variable_scope(name, "mean_accuracy", (predictions, labels, weights)):
        labels_t = convert_to_tensor(labels)
        flat_labels, flat_predictions = _class_ids(labels_t, predictions)
        total = metric_variable([num_classes], _dtypes.float32, name="total")
        count = metric_variable([num_classes], _dtypes.float32, name="count")
        per_label = array_ops.one_hot(flat_labels, num_classes, dtype=_dtypes.float32)
        flat_weights = _flat_weights(weights, labels_t)
        if flat_weights is not None:
            per_label = per_label * array_ops.expand_dims(flat_weights, -1)
        is_correct = math_ops.cast(
            math_ops.equal(flat_labels, flat_predictions), _dtypes.float32
        )
        update_total = state_ops.assign_add(total, math_ops.reduce_sum(per_label, 0))
        update_count = state_ops.assign_add(
            count,
            math_ops.reduce_sum(per_label * array_ops.expand_dims(is_correct, -1), 0),
        )
        per_class = math_ops.div_no_nan(count, math_ops.maximum(total, 0.0))
        value = math_ops.reduce_mean(per_class, name="mean_accuracy")
        update_op = _safe_div(update_count, update_total, "update_op")
        return _finish(value, update_op, metrics_collections, updates_collections)


# -- top k ------------------------------------------------------------------------------------


def _at_k_name(name: str, k: int | None, class_id: int | None) -> str:
    name = f"{name}_at_{k}" if k is not None else f"{name}_at_k"
    return f"{name}_class{class_id}" if class_id is not None else name


def _top_k_counts(
    labels: Any,
    predictions_idx: Tensor,
    k: int | None,
    class_id: int | None,
    weights: Any,
    kinds: tuple[str, str],
) -> dict[str, tuple[Variable, Tensor]]:
    """float64 variables ``<kind>_at_<k>`` summing, per row, the (weighted) sizes
    of TF1's set operations between the top-k ids and the label ids."""
    labels = convert_to_tensor(labels)
    l_rank, p_rank = labels.shape.ndims, predictions_idx.shape.ndims
    if l_rank is None or p_rank is None:
        raise ValueError("top-k metrics need labels and predictions of known rank.")
    if p_rank == l_rank + 1:
        labels = array_ops.expand_dims(labels, -1)
    elif p_rank != l_rank:
        raise ValueError(
            f"Unexpected labels shape {labels.shape} for predictions shape"
            f" {predictions_idx.shape}. Predictions rank should be the same rank as"
            " labels rank or labels rank plus one ."
        )
    num_labels = labels.shape.as_list()[-1]
    if num_labels is None:
        raise ValueError(f"labels need a known last dimension, got {labels.shape}.")
    ids = math_ops.cast(labels, _dtypes.int64)
    top = math_ops.cast(predictions_idx, _dtypes.int64)
    # [..., k, num_labels]: top-k id j equals label id i.
    same = math_ops.equal(
        array_ops.expand_dims(top, -1), array_ops.expand_dims(ids, -2)
    )
    label_ok: Any = True
    top_ok: Any = True
    if class_id is not None:
        label_ok = math_ops.equal(ids, np.int64(class_id))
        top_ok = math_ops.equal(top, np.int64(class_id))
        same = math_ops.logical_and(same, array_ops.expand_dims(label_ok, -2))
        same = math_ops.logical_and(same, array_ops.expand_dims(top_ok, -1))
    top_in_labels = math_ops.reduce_any(same, axis=-1)
    labels_in_top = math_ops.reduce_any(same, axis=-2)
    # A label id repeated in a row is one element of the row's set.
    earlier = np.tril(np.ones((num_labels, num_labels), bool), -1)
    repeated = math_ops.reduce_any(
        math_ops.logical_and(
            math_ops.equal(
                array_ops.expand_dims(ids, -1), array_ops.expand_dims(ids, -2)
            ),
            earlier,
        ),
        axis=-1,
    )
    hits = {
        "true_positive": top_in_labels,
        "false_positive": math_ops.logical_and(
            math_ops.logical_not(top_in_labels), top_ok
        ),
        "false_negative": math_ops.logical_and(
            math_ops.logical_and(math_ops.logical_not(labels_in_top), label_ok),
            math_ops.logical_not(repeated),
        ),
    }
    graph = get_default_graph()
    result = {}
    for kind in kinds:
        with graph.name_scope(_at_k_name(kind, k, class_id)) as scope:
            per_row = math_ops.reduce_sum(
                math_ops.cast(hits[kind], _dtypes.float32), -1
            )
            if weights is not None:
                per_row = per_row * _broadcast_weights(weights, per_row)
            variable = metric_variable([], _dtypes.float64, name=scope)
            batch = math_ops.cast(math_ops.reduce_sum(per_row), _dtypes.float64)
            result[kind] = (
                variable,
                state_ops.assign_add(variable, batch, name="update"),
            )
    return result


def _top_k_metric(
    kind: str,
    other: str,
    labels: Any,
    predictions_idx: Any,
    k: int | None,
    class_id: int | None,
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
    name: str | None,
) -> tuple[Tensor, Tensor]:
    graph = get_default_graph()
    with graph.name_scope(name or _at_k_name(kind, k, class_id)) as scope:
        predictions_idx = convert_to_tensor(predictions_idx)
        counts = _top_k_counts(
            labels, predictions_idx, k, class_id, weights, ("true_positive", other)
        )
        (tp, tp_update), (rest, rest_update) = counts["true_positive"], counts[other]
        value = math_ops.truediv(tp.value(), tp.value() + rest.value(), name=scope)
        update = math_ops.truediv(tp_update, tp_update + rest_update, name="update")
        return _finish(value, update, metrics_collections, updates_collections)


def recall_at_top_k(
    labels: Any,
    predictions_idx: Any,
    k: int | None = None,
    class_id: int | None = None,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """Recall of given top-k class ids (``[D1, ... DN, k]``) against the label ids
    (``[D1, ... DN]`` or ``[D1, ... DN, num_labels]``); see :func:`recall_at_k`."""
    return _top_k_metric(
        "recall",
        "false_negative",
        labels,
        predictions_idx,
        k,
        class_id,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def recall_at_k(
    labels: Any,
    predictions: Any,
    k: int,
    class_id: int | None = None,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """How many label ids appear among the ``k`` largest ``predictions``, as TF1.

    Per row, true positives are the label ids in the top k and false negatives
    the other label ids (ids outside ``[0, num_classes)`` always count as false
    negatives); with ``class_id``, only that class counts. Variables
    ``true_positive_at_<k>`` and ``false_negative_at_<k>`` (float64). The value
    is NaN until some row has a label (TF1's 0/0).

    Args:
      labels: int ids, ``[D1, ... DN]`` or ``[D1, ... DN, num_labels]``.
      predictions: scores ``[D1, ... DN, num_classes]``.
      k: how many top predictions count.
      class_id: compute the recall of this class only.
      weights: per row, broadcastable to ``[D1, ... DN]``.
    """
    graph = get_default_graph()
    with graph.name_scope(name or _at_k_name("recall", k, class_id)) as scope:
        _, top_k_idx = nn_ops.top_k(predictions, k)
        return recall_at_top_k(
            labels,
            top_k_idx,
            k,
            class_id,
            weights,
            metrics_collections,
            updates_collections,
            scope,
        )


def precision_at_top_k(
    labels: Any,
    predictions_idx: Any,
    k: int | None = None,
    class_id: int | None = None,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """Precision of given top-k class ids; see :func:`precision_at_k`."""
    return _top_k_metric(
        "precision",
        "false_positive",
        labels,
        predictions_idx,
        k,
        class_id,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def precision_at_k(
    labels: Any,
    predictions: Any,
    k: int,
    class_id: int | None = None,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """How many of the ``k`` largest ``predictions`` are label ids, as TF1.

    Per row, true positives are the top-k ids among the labels and false
    positives the other top-k ids; with ``class_id``, only that class counts.
    Variables ``true_positive_at_<k>`` and ``false_positive_at_<k>`` (float64).
    Arguments as :func:`recall_at_k`.
    """
    graph = get_default_graph()
    with graph.name_scope(name or _at_k_name("precision", k, class_id)) as scope:
        _, top_k_idx = nn_ops.top_k(predictions, k)
        return precision_at_top_k(
            labels,
            top_k_idx,
            k,
            class_id,
            weights,
            metrics_collections,
            updates_collections,
            scope,
        )


__all__ = [
    "accuracy",
    "auc",
    "false_negatives",
    "false_positives",
    "mean",
    "mean_absolute_error",
    "mean_iou",
    "mean_per_class_accuracy",
    "mean_squared_error",
    "precision",
    "precision_at_k",
    "precision_at_top_k",
    "recall",
    "recall_at_k",
    "recall_at_top_k",
    "root_mean_squared_error",
    "true_negatives",
    "true_positives",
]
