"""``tf.losses``: TF1's loss functions, their weighting and reduction, and the
``LOSSES`` / ``REGULARIZATION_LOSSES`` collections.

A client of the graph builders. Every loss computes per-element losses, then
:func:`compute_weighted_loss` multiplies them by ``weights`` and reduces them,
by default with ``SUM_BY_NONZERO_WEIGHTS`` (the sum divided by the number of
elements with a non-zero weight, as TF1), and adds the result to
``GraphKeys.LOSSES``; :func:`get_total_loss` sums that collection and the
regularization losses. Losses are computed in float32 and cast back to the input
dtype, as TF1.
"""

from __future__ import annotations

from typing import Any

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops, math_ops, nn_ops
from jgraph.ops.conversion import convert_to_tensor


class Reduction:
    """How :func:`compute_weighted_loss` reduces weighted losses (TF1 names).

    - ``NONE``: no reduction; the weighted losses keep their shape.
    - ``SUM``: their sum.
    - ``MEAN``: their sum divided by the sum of the weights.
    - ``SUM_OVER_BATCH_SIZE``: their sum divided by the number of elements.
    - ``SUM_BY_NONZERO_WEIGHTS`` (TF1's default): their sum divided by the number
      of elements with a non-zero weight.
    """

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (
            cls.NONE,
            cls.SUM,
            cls.MEAN,
            cls.SUM_OVER_BATCH_SIZE,
            cls.SUM_OVER_NONZERO_WEIGHTS,
            cls.SUM_BY_NONZERO_WEIGHTS,
        )

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


# -- collections ------------------------------------------------------------------------


def add_loss(loss: Any, loss_collection: str | None = GraphKeys.LOSSES) -> None:
    """Adds ``loss`` to ``loss_collection`` (nothing if the collection is None)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(
    scope: str | None = None, loss_collection: str = GraphKeys.LOSSES
) -> list[Tensor]:
    """The losses in ``loss_collection`` (names matching ``scope``, if given)."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope: str | None = None) -> list[Tensor]:
    """The losses in ``GraphKeys.REGULARIZATION_LOSSES``."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(
    scope: str | None = None, name: str = "total_regularization_loss"
) -> Tensor:
    """The sum of the regularization losses (a float32 zero if there are none)."""
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return convert_to_tensor(0.0, _dtypes.float32, name=name)


def get_total_loss(
    add_regularization_losses: bool = True,
    name: str = "total_loss",
    scope: str | None = None,
) -> Tensor:
    """The sum of ``get_losses()`` and (by default) the regularization losses.

    Raises:
      ValueError: there are no losses to sum.
    """
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError(
            "get_total_loss found no losses: add some with a tf.losses function or"
            " tf.losses.add_loss first."
        )
    return math_ops.add_n(losses, name=name)


# -- weighting and reduction ----------------------------------------------------------


def check_broadcastable(weights: Tensor, losses: Tensor) -> None:
    """TF1's rule: weights are a scalar or have the losses' rank, each dimension 1
    or equal (checked here at build time where the shapes are known)."""
    w_dims = weights.shape.as_list() if weights.shape.ndims is not None else None
    l_dims = losses.shape.as_list() if losses.shape.ndims is not None else None
    if w_dims is None or l_dims is None or not w_dims:
        return
    ok = len(w_dims) == len(l_dims) and all(
        w in (1, None) or v is None or w == v
        for w, v in zip(w_dims, l_dims, strict=True)
    )
    if not ok:
        raise ValueError(
            f"weights can not be broadcast to values. values.rank={len(l_dims)}."
            f" weights.rank={len(w_dims)}. values.shape={losses.shape}."
            f" weights.shape={weights.shape}."
        )


def _safe_mean(total: Tensor, count: Tensor) -> Tensor:
    return math_ops.div_no_nan(total, count, name="value")


def _num_elements(losses: Tensor) -> Tensor:
    with get_default_graph().name_scope("num_elements") as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), losses.dtype)


def _num_present(losses: Tensor, weights: Any) -> Tensor:
    """The number of elements of ``losses`` whose (broadcast) weight is non-zero."""
    if isinstance(weights, float | int) and weights != 0:
        return _num_elements(losses)
    with get_default_graph().name_scope("num_present") as scope:
        weights = math_ops.cast(weights, _dtypes.float32)
        present = math_ops.where_v2(
            math_ops.equal(weights, convert_to_tensor(0.0, _dtypes.float32)),
            array_ops.zeros_like(weights),
            array_ops.ones_like(weights),
        )
        present = present * array_ops.ones_like(losses)
        return math_ops.reduce_sum(present, name=scope)


def compute_weighted_loss(
    losses: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weights ``losses`` and reduces them, as TF1 ``tf.losses.compute_weighted_loss``.

    Args:
      losses: per-element losses.
      weights: a scalar, or a tensor of the losses' rank whose dimensions are 1
        or equal to the losses'.
      scope: name scope of the ops (default ``weighted_loss``).
      loss_collection: where to add the result (None: nowhere).
      reduction: a :class:`Reduction` key.

    Returns:
      The reduced loss (a scalar unless ``reduction`` is ``NONE``), in the losses'
      dtype.

    >>> import jgraph as jg
    >>> loss = compute_weighted_loss([1.0, 3.0], weights=[1.0, 0.0])
    >>> with jg.Session() as sess:
    ...     float(sess.run(loss))
    1.0
    """
    Reduction.validate(reduction)
    graph = get_default_graph()
    with graph.name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses = math_ops.cast(losses, _dtypes.float32)
        weights_t = math_ops.cast(convert_to_tensor(weights), _dtypes.float32)
        check_broadcastable(weights_t, losses)
        weighted = math_ops.multiply(losses, weights_t)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = math_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = _safe_mean(
                    loss,
                    math_ops.reduce_sum(array_ops.ones_like(losses) * weights_t),
                )
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = _safe_mean(loss, _num_present(losses, weights))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_mean(loss, _num_elements(losses))
        loss = math_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


# -- the losses --------------------------------------------------------------------------


def _check_args(labels: Any, predictions: Any, what: str = "predictions") -> None:
    if labels is None:
        raise ValueError("labels must not be None.")
    if predictions is None:
        raise ValueError(f"{what} must not be None.")


def _float_pair(labels: Any, predictions: Any) -> tuple[Tensor, Tensor]:
    """Both as float32 tensors of compatible shapes (TF1 checks the shapes)."""
    predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
    labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return labels, predictions


def absolute_difference(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted ``|predictions - labels|``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "absolute_difference") as name:
        labels, predictions = _float_pair(labels, predictions)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted ``(predictions - labels) ** 2``.

    >>> import jgraph as jg
    >>> loss = mean_squared_error([0.0, 0.0], [1.0, 3.0])
    >>> with jg.Session() as sess:
    ...     float(sess.run(loss))
    5.0
    """
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "mean_squared_error") as name:
        labels, predictions = _float_pair(labels, predictions)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def huber_loss(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    delta: float = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted Huber loss: ``0.5 * e**2`` for ``|e| <= delta``, else
    ``0.5 * delta**2 + delta * (|e| - delta)``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "huber_loss") as name:
        labels, predictions = _float_pair(labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        delta_t = convert_to_tensor(float(delta), _dtypes.float32)
        quadratic = math_ops.minimum(abs_error, delta_t)
        # abs_error - quadratic rather than max(abs_error - delta, 0): the gradient
        # at abs_error == delta matches TF1.
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(
            math_ops.multiply(
                convert_to_tensor(0.5, _dtypes.float32),
                math_ops.multiply(quadratic, quadratic),
            ),
            math_ops.multiply(delta_t, linear),
        )
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def log_loss(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    epsilon: float = 1e-7,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted ``-labels * log(p + eps) - (1 - labels) * log(1 - p + eps)``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "log_loss") as name:
        labels, predictions = _float_pair(labels, predictions)
        eps = convert_to_tensor(float(epsilon), _dtypes.float32)
        one = convert_to_tensor(1.0, _dtypes.float32)
        losses = -math_ops.multiply(labels, math_ops.log(predictions + eps)) - (
            math_ops.multiply(one - labels, math_ops.log(one - predictions + eps))
        )
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def hinge_loss(
    labels: Any,
    logits: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted ``max(0, 1 - (2 * labels - 1) * logits)`` for 0/1 ``labels``."""
    _check_args(labels, logits, "logits")
    with get_default_graph().name_scope(scope or "hinge_loss") as name:
        labels, logits = _float_pair(labels, logits)
        one = convert_to_tensor(1.0, _dtypes.float32)
        signs = math_ops.subtract(2.0 * labels, one)
        losses = nn_ops.relu(math_ops.subtract(one, math_ops.multiply(signs, logits)))
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def cosine_distance(
    labels: Any,
    predictions: Any,
    axis: int | None = None,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
    dim: int | None = None,
) -> Tensor:
    """Weighted ``1 - sum(labels * predictions, axis)`` for unit-normalised inputs."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "cosine_distance_loss") as name:
        labels, predictions = _float_pair(labels, predictions)
        products = math_ops.multiply(predictions, labels)
        losses = convert_to_tensor(1.0, _dtypes.float32) - math_ops.reduce_sum(
            products, axis=axis, keepdims=True
        )
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def sigmoid_cross_entropy(
    multi_class_labels: Any,
    logits: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted elementwise logistic loss; labels in [0, 1] are smoothed towards
    0.5 by ``label_smoothing``."""
    _check_args(multi_class_labels, logits, "logits")
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as name:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(multi_class_labels), logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if label_smoothing > 0:
            labels = labels * convert_to_tensor(
                1.0 - label_smoothing, logits.dtype
            ) + convert_to_tensor(0.5 * label_smoothing, logits.dtype)
        losses = nn_ops.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits, name="xentropy"
        )
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def softmax_cross_entropy(
    onehot_labels: Any,
    logits: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted cross entropy of ``softmax(logits)`` against one-hot labels.

    ``label_smoothing`` moves the labels towards ``1 / num_classes``. As TF1, no
    gradient flows into the labels. ``weights`` is a scalar or ``[batch]``.

    >>> import jgraph as jg
    >>> loss = softmax_cross_entropy([[0.0, 1.0]], [[0.0, 0.0]])
    >>> with jg.Session() as sess:
    ...     round(float(sess.run(loss)), 4)
    0.6931
    """
    _check_args(onehot_labels, logits, "logits")
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss") as name:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(onehot_labels), logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if label_smoothing > 0:
            num_classes = math_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            positives = convert_to_tensor(1.0 - label_smoothing, logits.dtype)
            negatives = convert_to_tensor(float(label_smoothing), logits.dtype) / (
                num_classes
            )
            labels = labels * positives + negatives
        losses = nn_ops.softmax_cross_entropy_with_logits(
            labels=array_ops.stop_gradient(labels), logits=logits, name="xentropy"
        )
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def sparse_softmax_cross_entropy(
    labels: Any,
    logits: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """Weighted cross entropy of ``softmax(logits)`` against integer class labels
    ``[batch]`` (a trailing dimension of size 1 is squeezed, as TF1)."""
    _check_args(labels, logits, "logits")
    with get_default_graph().name_scope(
        scope or "sparse_softmax_cross_entropy_loss"
    ) as name:
        logits = convert_to_tensor(logits)
        labels = convert_to_tensor(labels)
        labels, weights = _remove_squeezable_dimensions(labels, logits, weights)
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits, name="xentropy"
        )
        return compute_weighted_loss(
            losses, weights, name, loss_collection, reduction=reduction
        )


def _remove_squeezable_dimensions(
    labels: Tensor, logits: Tensor, weights: Any
) -> tuple[Tensor, Any]:
    """Squeezes a trailing size-1 dimension of ``labels`` (and of ``weights``) so
    they have rank ``rank(logits) - 1``."""
    logits_rank = logits.shape.ndims
    if labels.shape.ndims is not None and logits_rank is not None:
        if labels.shape.ndims == logits_rank and labels.shape.as_list()[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])
    if not isinstance(weights, float | int):
        weights_t = convert_to_tensor(weights)
        dims = weights_t.shape.as_list() if weights_t.shape.ndims else []
        if logits_rank is not None and len(dims) == logits_rank and dims[-1] == 1:
            weights = array_ops.squeeze(weights_t, [-1])
    return labels, weights


__all__ = [
    "Reduction",
    "absolute_difference",
    "add_loss",
    "compute_weighted_loss",
    "cosine_distance",
    "get_losses",
    "get_regularization_loss",
    "get_regularization_losses",
    "get_total_loss",
    "hinge_loss",
    "huber_loss",
    "log_loss",
    "mean_squared_error",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]
