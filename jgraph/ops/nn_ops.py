"""Neural-network ops, as TF1's ``tf.nn``: activations, softmax, bias_add, dropout,
top-k and the cross-entropy losses.

Stage 2 of the pipeline (ops). The elementwise activations are defined once in
``math_ops`` and re-exported here; convolutions and pooling live in ``conv_ops``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops import _threefry
from jgraph.ops.array_ops import (
    concat,
    identity,
    reshape,
    static_int,
    static_ints,
    stop_gradient,
)
from jgraph.ops.conversion import build, builder_of, convert_to_tensor
from jgraph.ops.folding import constant_value
from jgraph.ops.inference import fresh_dim
from jgraph.ops.math_ops import (
    FLOATS,
    NUMBERS,
    abs,
    add,
    cast,
    check_dtype,
    equal,
    exp,
    greater_equal,
    less_equal,
    log,
    log1p,
    log_sigmoid,
    logical_and,
    matmul,
    multiply,
    negative,
    reduce_mean,
    sigmoid,
    subtract,
    tanh,
    tf1_gradient,
    unary_gradient,
    where,
)
from jgraph.ops.registry import op


def _check_same_shape(a: Any, b: Any, what: str) -> None:
    if a.ndim != b.ndim or any(
        is_known(x) and is_known(y) and x != y
        for x, y in zip(a.shape, b.shape, strict=True)
    ):
        raise ValueError(
            f"{what} must have the same shape, got {list(a.shape)} and {list(b.shape)}"
        )


def _check_static_shapes(a: Tensor, b: Tensor, what: str) -> None:
    """``_check_same_shape`` on build-time shapes, for composite functions."""
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(
            f"{what} must have the same shape, got {a.shape} and {b.shape}"
        )


# -- softmax -------------------------------------------------------------------------


@op("Softmax", dtypes=FLOATS)
def _softmax_impl(logits: Any, *, axis: int = -1) -> Any:
    return jax.nn.softmax(logits, axis=axis)


@op("LogSoftmax", dtypes=FLOATS)
def _log_softmax_impl(logits: Any, *, axis: int = -1) -> Any:
    return jax.nn.log_softmax(logits, axis=axis)


def _softmax_axis(axis: Any, dim: Any) -> int:
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    return -1 if axis is None else static_int(axis, "axis")


def softmax(
    logits: Any,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Tensor:
    """``exp(logits) / sum(exp(logits))`` along ``axis`` (default: the last)."""
    return build(_softmax_impl, logits, axis=_softmax_axis(axis, dim), name=name)


def log_softmax(
    logits: Any,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Tensor:
    """``logits - log(sum(exp(logits)))`` along ``axis`` (default: the last)."""
    return build(_log_softmax_impl, logits, axis=_softmax_axis(axis, dim), name=name)


# -- activations -----------------------------------------------------------------------


def _selu_rule(t: Any, x: Any, y: Any) -> Any:
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    # The factor is selected, not the product: where() of t * inf would give NaN.
    return t * jnp.where(y < 0, y + scale * alpha, scale)


# JAX's derivatives at 0 (and at relu6's 6) differ from TF1's registered gradients;
# these carry TF1's.
_relu = unary_gradient(jax.nn.relu, lambda t, x, y: jnp.where(x > 0, t, 0))
# jnp.clip keeps integer dtypes (jax.nn.relu6 would promote them to float).
_relu6 = unary_gradient(
    lambda x: jnp.clip(x, 0, 6), lambda t, x, y: jnp.where((x > 0) & (x < 6), t, 0)
)
_elu = unary_gradient(jax.nn.elu, lambda t, x, y: t * jnp.where(y < 0, y + 1, 1))
_selu = unary_gradient(jax.nn.selu, _selu_rule)
_softsign = unary_gradient(
    jax.nn.soft_sign, lambda t, x, y: t / jnp.square(1 + jnp.abs(x))
)


@op("Relu", dtypes=NUMBERS)
def _relu_impl(features: Any) -> Any:
    """max(features, 0), elementwise; its gradient is 0 at 0 (TF1)."""
    return _relu(features)


@op("Relu6", dtypes=NUMBERS)
def _relu6_impl(features: Any) -> Any:
    """min(max(features, 0), 6); its gradient is 0 at both bounds (TF1)."""
    return _relu6(features)


@op("Elu", dtypes=FLOATS)
def _elu_impl(features: Any) -> Any:
    """features if features > 0 else exp(features) - 1, elementwise."""
    return _elu(features)


@op("Selu", dtypes=FLOATS)
def _selu_impl(features: Any) -> Any:
    """Scaled ELU; its gradient at 0 is the linear side's (TF1)."""
    return _selu(features)


@op("Softplus", dtypes=FLOATS)
def _softplus_impl(features: Any) -> Any:
    """log(exp(features) + 1), elementwise."""
    return jax.nn.softplus(features)


@op("Softsign", dtypes=FLOATS)
def _softsign_impl(features: Any) -> Any:
    """features / (|features| + 1), elementwise."""
    return _softsign(features)


relu = builder_of(_relu_impl)
relu6 = builder_of(_relu6_impl)
elu = builder_of(_elu_impl)
selu = builder_of(_selu_impl)
softplus = builder_of(_softplus_impl)
softsign = builder_of(_softsign_impl)


# -- bias, leaky relu ------------------------------------------------------------------


@op("BiasAdd", dtypes=NUMBERS)
def _bias_add_impl(value: Any, bias: Any, *, data_format: str = "NHWC") -> Any:
    if bias.ndim != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {bias.ndim} (bias)")
    if value.ndim < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {value.ndim}")
    channels_first = data_format.startswith("NC")
    channels = value.shape[1] if channels_first else value.shape[-1]
    if is_known(channels) and is_known(bias.shape[0]) and channels != bias.shape[0]:
        raise ValueError(
            f"Dimensions must be equal, but are {channels} and {bias.shape[0]}"
        )
    if channels_first:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def bias_add(
    value: Any, bias: Any, data_format: str | None = None, name: str | None = None
) -> Tensor:
    """Adds the 1-D ``bias`` along the channel dimension of ``value`` (the last one,
    or the second with ``data_format="NCHW"``/``"NC..."``)."""
    data_format = data_format or "NHWC"
    if data_format[:2] not in ("NC", "NH", "NW", "ND", "N"):
        raise ValueError(f"Unknown data_format {data_format!r}")
    return build(_bias_add_impl, value, bias, data_format=data_format, name=name)


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """``matmul(x, weights) + biases``, as TF1 ``tf.nn.xw_plus_b``."""
    graph = get_default_graph()
    with graph.name_scope(name or "xw_plus_b") as scope:
        return bias_add(matmul(x, weights), biases, name=scope)


@op("LeakyRelu", dtypes=FLOATS)
def _leaky_relu_impl(features: Any, *, alpha: float = 0.2) -> Any:
    # alpha is a float32 attribute in TF1, in float64 kernels too; its gradient at 0
    # is alpha's side (TF1: features > 0).
    slope = float(np.float32(alpha))

    def rule(t: Any, x: Any, y: Any) -> Any:
        return t * jnp.where(x > 0, 1, slope).astype(t.dtype)

    return unary_gradient(lambda x: jax.nn.leaky_relu(x, slope), rule)(features)


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """``x if x > 0 else alpha * x``."""
    return build(_leaky_relu_impl, features, alpha=float(alpha), name=name)


def swish(features: Any, name: str | None = None) -> Tensor:
    """``features * sigmoid(features)``, as TF 1.15 ``tf.nn.swish``."""
    graph = get_default_graph()
    with graph.name_scope(name or "swish") as scope:
        features = convert_to_tensor(features, name="features")
        return multiply(features, sigmoid(features), name=scope)


def crelu(features: Any, name: str | None = None, axis: int = -1) -> Tensor:
    """``relu(concat([features, -features], axis))``, as TF1 ``tf.nn.crelu`` (the
    result has twice ``features``' size along ``axis``)."""
    graph = get_default_graph()
    with graph.name_scope(name or "CRelu") as scope:
        features = convert_to_tensor(features, name="features")
        c = concat([features, negative(features)], axis)
        return relu(c, name=scope)


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """The fraction of zeros in ``value`` (float32), as TF1 ``tf.nn.zero_fraction``."""
    graph = get_default_graph()
    with graph.name_scope(name or "zero_fraction") as scope:
        value = convert_to_tensor(value)
        zero = convert_to_tensor(0, value.dtype, name="zero")
        return reduce_mean(cast(equal(value, zero), _dtypes.float32), name=scope)


# -- dropout ------------------------------------------------------------------------------


@op("Dropout", random=True, same_dtype=False)
def _dropout_impl(
    key: Any,
    x: Any,
    keep_prob: Any,
    *,
    noise_shape: Any = None,
    seed: int | None = None,
) -> Any:
    shape = x.shape if noise_shape is None else noise_shape
    keep_prob = keep_prob.astype(x.dtype)
    keep = _threefry.uniform(key, shape, x.dtype) < keep_prob
    # keep_prob == 1 is exactly the identity (no 0 * inf, no rounding).
    return jnp.where(
        keep_prob >= 1, x, jnp.where(keep, x / keep_prob, jnp.zeros_like(x))
    )


def dropout(
    x: Any,
    keep_prob: Any = None,
    noise_shape: Any = None,
    seed: int | None = None,
    name: str | None = None,
    rate: Any = None,
) -> Tensor:
    """Zeroes elements with probability ``1 - keep_prob`` and scales the rest by
    ``1 / keep_prob``, so the expected value is unchanged.

    ``keep_prob`` (TF1) or ``rate`` (= 1 - keep_prob) may be a float or a tensor,
    e.g. a placeholder fed 0.5 in training and 1.0 in evaluation. ``noise_shape``
    (broadcastable to ``x``'s shape) shares one decision along dims of size 1.
    """
    if (keep_prob is None) == (rate is None):
        raise ValueError("Specify exactly one of keep_prob and rate.")
    for value, low_open in ((keep_prob, True), (rate, False)):
        folded = constant_value(value) if isinstance(value, Tensor) else value
        if folded is None or not jnp.ndim(folded) == 0:
            continue
        number = float(folded)
        if (low_open and not 0 < number <= 1) or (not low_open and not 0 <= number < 1):
            kind = "keep_prob" if low_open else "rate"
            interval = "(0, 1]" if low_open else "[0, 1)"
            raise ValueError(f"{kind} must be in the range {interval}, got {number}")
    graph = get_default_graph()
    with graph.name_scope(name or "dropout") as scope:
        x = convert_to_tensor(x)
        check_dtype(x, FLOATS, "Dropout", "x")
        if rate is not None:
            keep = subtract(1, convert_to_tensor(rate, x.dtype, name="rate"))
        else:
            keep = convert_to_tensor(keep_prob, x.dtype, name="keep_prob")
        if keep.dims is None:
            # TF1 takes a scalar keep_prob (often a shapeless placeholder): say so, so
            # the output keeps x's static shape.
            keep = reshape(keep, [])
        shape = None if noise_shape is None else static_ints(noise_shape, "noise_shape")
        return build(_dropout_impl, x, keep, noise_shape=shape, seed=seed, name=scope)


# -- top k ---------------------------------------------------------------------------------


class TopKV2(NamedTuple):
    """What :func:`top_k` returns (TF1's namedtuple of the same name)."""

    values: Tensor
    indices: Tensor


def _top_k_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    # lax.top_k cannot compare k with an unknown last dim when the graph is built.
    (spec,) = specs
    dtype = _dtypes.as_dtype(spec.dtype)
    if len(spec.shape) == 0:
        raise ValueError("input must have rank >= 1 for top_k")
    last = spec.shape[-1]
    if is_known(last) and attrs["k"] > last:
        raise ValueError(
            f"input must have at least k={attrs['k']} columns, got {spec.shape}"
        )
    dims = (*spec.shape[:-1], attrs["k"])
    return [(dtype, dims), (_dtypes.int32, dims)]


@op("TopKV2", num_outputs=2, dtypes=NUMBERS, shape_fn=_top_k_spec)
def _top_k_impl(input: Any, *, k: int, sorted: bool = True) -> Any:
    if is_known(input.shape[-1]) and k > input.shape[-1]:
        raise ValueError(f"input must have at least k={k} columns, got {input.shape}")
    values, indices = jax.lax.top_k(input, k)
    return values, indices.astype(jnp.int32)


def top_k(
    input: Any, k: Any = 1, sorted: bool = True, name: str | None = None
) -> TopKV2:
    """The ``k`` largest entries of the last dimension and their (int32) indices.

    Ties go to the lower index, as TF1. ``sorted=False`` still returns them sorted.
    """
    values, indices = build(
        _top_k_impl, input, k=static_int(k, "k"), sorted=sorted, name=name
    )
    return TopKV2(values, indices)


@op("InTopKV2", same_dtype=False)
def _in_top_k_impl(predictions: Any, targets: Any, *, k: int) -> Any:
    target = jnp.take_along_axis(
        predictions, targets[:, None].astype(jnp.int32), axis=1
    )
    larger = jnp.sum(predictions > target, axis=1)
    in_range = (targets >= 0) & (targets < predictions.shape[1])
    return (larger < k) & in_range & jnp.isfinite(target[:, 0])


def in_top_k(predictions: Any, targets: Any, k: Any, name: str | None = None) -> Tensor:
    """Whether ``targets[i]`` is among the ``k`` largest of ``predictions[i]`` (ties
    at the boundary count as in, as TF1)."""
    predictions = convert_to_tensor(predictions)
    targets = convert_to_tensor(targets)
    check_dtype(predictions, {_dtypes.float32}, "InTopKV2", "predictions")
    check_dtype(targets, {_dtypes.int32, _dtypes.int64}, "InTopKV2", "targets")
    return build(_in_top_k_impl, predictions, targets, k=static_int(k, "k"), name=name)


# -- losses -------------------------------------------------------------------------------


def _softmax_xent(labels: Any, logits: Any, axis: int) -> Any:
    def loss(labels: Any, logits: Any) -> Any:
        return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)

    def rule(ts: tuple[Any, Any], xs: tuple[Any, Any], out: Any) -> Any:
        # TF1's gradient: softmax - labels for the logits (exact only when the
        # labels sum to 1), -log_softmax for the labels.
        (t_labels, t_logits), (labels, logits) = ts, xs
        log_p = jax.nn.log_softmax(logits, axis=axis)
        return jnp.sum(
            t_logits * (jnp.exp(log_p) - labels) - t_labels * log_p, axis=axis
        )

    return tf1_gradient(loss, rule)(labels, logits)


@op("SoftmaxCrossEntropyWithLogits", dtypes=FLOATS)
def _softmax_xent_impl(labels: Any, logits: Any, *, axis: int = -1) -> Any:
    _check_same_shape(labels, logits, "logits and labels")
    return _softmax_xent(labels, logits, axis)


def softmax_cross_entropy_with_logits_v2(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    dim: int = -1,
    name: str | None = None,
    axis: int | None = None,
) -> Tensor:
    """Per-example cross entropy of ``softmax(logits)`` against ``labels`` (one
    distribution per row); gradients flow into both."""
    if _sentinel is not None:
        raise ValueError(
            "Only call softmax_cross_entropy_with_logits with named arguments"
            " (labels=..., logits=..., ...)"
        )
    axis = dim if axis is None else axis
    return build(
        _softmax_xent_impl, labels, logits, axis=static_int(axis, "axis"), name=name
    )


def softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    dim: int = -1,
    name: str | None = None,
    axis: int | None = None,
) -> Tensor:
    """As :func:`softmax_cross_entropy_with_logits_v2`, but, as TF1's (deprecated)
    original, no gradient flows into ``labels``."""
    if _sentinel is not None:
        raise ValueError(
            "Only call softmax_cross_entropy_with_logits with named arguments"
            " (labels=..., logits=..., ...)"
        )
    graph = get_default_graph()
    with graph.name_scope(name or "softmax_cross_entropy_with_logits_sg") as scope:
        labels = stop_gradient(
            convert_to_tensor(labels, preferred_dtype=_dtype_hint(logits)),
            name="labels_stop_gradient",
        )
        return softmax_cross_entropy_with_logits_v2(
            labels=labels, logits=logits, dim=dim, axis=axis, name=scope
        )


def _dtype_hint(value: Any) -> Any:
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return convert_to_tensor(value).dtype
    return None


@op("SparseSoftmaxCrossEntropyWithLogits", same_dtype=False)
def _sparse_xent_impl(labels: Any, logits: Any) -> Any:
    expected = logits.shape[:-1]
    if labels.ndim != len(expected) or any(
        is_known(a) and is_known(b) and a != b
        for a, b in zip(labels.shape, expected, strict=True)
    ):
        raise ValueError(
            f"labels shape {list(labels.shape)} must equal logits shape"
            f" {list(logits.shape)} without its last dimension"
        )
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(log_probs, labels[..., None].astype(jnp.int32), -1)
    # TF1 raises for labels outside [0, classes); inside XLA they give NaN instead.
    valid = (labels >= 0) & (labels < logits.shape[-1])
    return jnp.where(valid, -picked[..., 0], jnp.nan)


def sparse_softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    name: str | None = None,
) -> Tensor:
    """Per-example cross entropy of ``softmax(logits)`` against int class ``labels``.

    TF1 difference: a label outside ``[0, num_classes)`` gives NaN for its example
    (XLA cannot raise inside compiled code) where TF1 raises.
    """
    if _sentinel is not None:
        raise ValueError(
            "Only call sparse_softmax_cross_entropy_with_logits with named arguments."
        )
    labels, logits = convert_to_tensor(labels), convert_to_tensor(logits)
    check_dtype(labels, {_dtypes.int32, _dtypes.int64}, "SparseSoftmaxXent", "labels")
    check_dtype(logits, FLOATS, "SparseSoftmaxXent", "logits")
    return build(_sparse_xent_impl, labels, logits, name=name)


@op("SigmoidCrossEntropyWithLogits", dtypes=FLOATS)
def _sigmoid_xent_impl(labels: Any, logits: Any) -> Any:
    _check_same_shape(labels, logits, "logits and labels")
    return _sigmoid_xent(labels, logits)


def _sigmoid_xent_rule(ts: tuple[Any, Any], xs: tuple[Any, Any], out: Any) -> Any:
    # The loss is smooth: its derivative is sigmoid(x) - z everywhere, x == 0 too
    # (the formula's kinks at 0 would give -z), and -x for the labels.
    (t_labels, t_logits), (labels, logits) = ts, xs
    return t_logits * (jax.nn.sigmoid(logits) - labels) - t_labels * logits


# The stable form TF1 documents: max(x, 0) - x * z + log(1 + exp(-|x|)).
_sigmoid_xent = tf1_gradient(
    lambda z, x: jnp.maximum(x, 0) - x * z + jnp.log1p(jnp.exp(-jnp.abs(x))),
    _sigmoid_xent_rule,
)


def sigmoid_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    name: str | None = None,
) -> Tensor:
    """Elementwise logistic loss of ``logits`` against ``labels`` in [0, 1]."""
    if _sentinel is not None:
        raise ValueError(
            "Only call sigmoid_cross_entropy_with_logits with named arguments."
        )
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, preferred_dtype=logits.dtype)
    return build(_sigmoid_xent_impl, labels, logits, name=name)


def weighted_cross_entropy_with_logits(
    labels: Any = None,
    logits: Any = None,
    pos_weight: Any = None,
    name: str | None = None,
    targets: Any = None,
) -> Tensor:
    """Elementwise logistic loss with positives weighted by ``pos_weight``, as TF1
    ``tf.nn.weighted_cross_entropy_with_logits``:
    ``(1 - z) * x + (1 + (q - 1) * z) * (log(1 + exp(-|x|)) + max(-x, 0))``.

    ``targets`` is TF1's older name of ``labels``."""
    if labels is not None and targets is not None:
        raise ValueError("Cannot specify both 'labels' and 'targets'")
    labels = targets if labels is None else labels
    if labels is None or logits is None or pos_weight is None:
        raise ValueError(
            "weighted_cross_entropy_with_logits needs labels, logits and pos_weight."
        )
    graph = get_default_graph()
    with graph.name_scope(name or "logistic_loss") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, logits.dtype, name="labels")
        _check_static_shapes(labels, logits, "logits and labels")
        one = convert_to_tensor(1, logits.dtype)
        log_weight = add(one, multiply(subtract(pos_weight, one), labels))
        softplus_neg = add(log1p(exp(negative(abs(logits)))), relu(negative(logits)))
        return add(
            multiply(subtract(one, labels), logits),
            multiply(log_weight, softplus_neg),
            name=scope,
        )


def log_poisson_loss(
    targets: Any,
    log_input: Any,
    compute_full_loss: bool = False,
    name: str | None = None,
) -> Tensor:
    """Elementwise Poisson negative log likelihood, as TF1 ``tf.nn.log_poisson_loss``:
    ``exp(log_input) - log_input * targets``, plus (``compute_full_loss``) the
    Stirling term ``t * log(t) - t + 0.5 * log(2 * pi * t)`` where ``targets > 1``."""
    graph = get_default_graph()
    with graph.name_scope(name or "log_poisson_loss") as scope:
        log_input = convert_to_tensor(log_input, name="log_input")
        targets = convert_to_tensor(targets, log_input.dtype, name="targets")
        _check_static_shapes(targets, log_input, "log_input and targets")
        result = subtract(exp(log_input), multiply(log_input, targets))
        if not compute_full_loss:
            return identity(result, name=scope)
        half = convert_to_tensor(0.5, targets.dtype)
        two_pi = convert_to_tensor(2 * np.pi, targets.dtype)
        stirling = add(
            subtract(multiply(targets, log(targets)), targets),
            multiply(half, log(multiply(two_pi, targets))),
        )
        zero = convert_to_tensor(0, targets.dtype)
        one = convert_to_tensor(1, targets.dtype)
        small = logical_and(less_equal(targets, one), greater_equal(targets, zero))
        return add(result, where(small, zero * targets, stirling), name=scope)


# -- normalisation ops ----------------------------------------------------------------------


@op("LRN", dtypes={_dtypes.float16, _dtypes.bfloat16, _dtypes.float32})
def _lrn_impl(
    input: Any,
    *,
    depth_radius: int = 5,
    bias: float = 1.0,
    alpha: float = 1.0,
    beta: float = 0.5,
) -> Any:
    if input.ndim != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {input.ndim} (input)")
    zero = np.array(0, input.dtype)  # concrete: JAX's summing window primitive
    window = 2 * depth_radius + 1
    sqr_sum = lax.reduce_window(
        jnp.square(input),
        zero,
        lax.add,
        (1, 1, 1, window),
        (1, 1, 1, 1),
        ((0, 0), (0, 0), (0, 0), (depth_radius, depth_radius)),
    )
    scale = jnp.asarray(bias, input.dtype) + jnp.asarray(alpha, input.dtype) * sqr_sum
    return input / scale ** jnp.asarray(beta, input.dtype)


def local_response_normalization(
    input: Any,
    depth_radius: int = 5,
    bias: float = 1.0,
    alpha: float = 1.0,
    beta: float = 0.5,
    name: str | None = None,
) -> Tensor:
    """Local response normalisation over the last axis of a 4-D ``input``, as TF1
    ``tf.nn.local_response_normalization`` (op ``LRN``)::

        sqr_sum[a, b, c, d] = sum(input[a, b, c, d - r : d + r + 1] ** 2)
        output = input / (bias + alpha * sqr_sum) ** beta
    """
    return build(
        _lrn_impl,
        input,
        depth_radius=static_int(depth_radius, "depth_radius"),
        bias=float(bias),
        alpha=float(alpha),
        beta=float(beta),
        name=name,
    )


lrn = local_response_normalization


def _fused_batch_norm_spec(specs: Any, attrs: dict[str, Any]) -> Any:
    """TF1's shape checks and outputs ``y`` (``x``'s shape) and two ``[depth]``
    vectors (unknown vector lengths are taken to be the channel count)."""
    x = specs[0]
    if x is None:
        return [
            (_dtypes.float32, None),
            *[(_dtypes.float32, (fresh_dim(get_default_graph()),))] * 2,
        ]
    if len(x.shape) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(x.shape)} (x)")
    depth = x.shape[3 if attrs["data_format"] == "NHWC" else 1]
    names = ["scale", "offset"] + ([] if attrs["is_training"] else ["mean", "variance"])
    for what, v in zip(names, specs[1:], strict=False):
        if v is None:
            continue
        if len(v.shape) != 1 or (
            is_known(v.shape[0]) and is_known(depth) and v.shape[0] != depth
        ):
            raise ValueError(
                f"{what} must be a 1-D tensor of the {depth} channels, got shape"
                f" {list(v.shape)}"
            )
    return [(_dtypes.float32, tuple(x.shape)), *[(_dtypes.float32, (depth,))] * 2]


@op(
    "FusedBatchNorm",
    num_outputs=3,
    dtypes={_dtypes.float32},
    shape_fn=_fused_batch_norm_spec,
)
def _fused_batch_norm_impl(
    x: Any,
    scale: Any,
    offset: Any,
    mean: Any,
    variance: Any,
    *,
    epsilon: float = 1e-4,
    data_format: str = "NHWC",
    is_training: bool = True,
) -> Any:
    channel = 3 if data_format == "NHWC" else 1
    axes = tuple(a for a in range(4) if a != channel)
    shape = [1, 1, 1, 1]
    shape[channel] = -1

    def per_channel(v: Any) -> Any:
        return jnp.reshape(v, shape)

    if is_training:
        mean = jnp.mean(x, axis=axes)
        variance = jnp.mean(jnp.square(x - per_channel(mean)), axis=axes)
    inv = lax.rsqrt(variance + jnp.asarray(epsilon, x.dtype)) * scale
    y = (x - per_channel(mean)) * per_channel(inv) + per_channel(offset)
    if not is_training:
        return y, mean, variance
    # TF1 returns the unbiased (Bessel-corrected) batch variance. Its gradient
    # ignores the batch statistics' cotangents (they are for moving averages).
    count = np.prod([x.shape[a] for a in axes])
    unbiased = variance * jnp.asarray(count / max(count - 1, 1), x.dtype)
    return y, lax.stop_gradient(mean), lax.stop_gradient(unbiased)


def fused_batch_norm(
    x: Any,
    scale: Any,
    offset: Any,
    mean: Any = None,
    variance: Any = None,
    epsilon: float = 0.001,
    data_format: str = "NHWC",
    is_training: bool = True,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Batch normalisation of a 4-D ``x`` over all but its channel axis, as TF1
    ``tf.nn.fused_batch_norm``; returns ``(y, batch_mean, batch_var)``.

    Training: normalises with the batch's mean and (population) variance and
    returns them, the variance Bessel-corrected (``n / (n - 1)``) as TF1; ``mean``
    and ``variance`` are ignored. Inference: normalises with ``mean`` and
    ``variance`` (both needed) and returns them. ``epsilon`` is raised to at
    least ``1.001e-5``, as TF1 (cuDNN's minimum).

    TF1 difference: one ``FusedBatchNorm`` op with these 3 outputs (TF's op also
    has two reserve-space outputs).
    """
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}.")
    if not is_training and (mean is None or variance is None):
        raise ValueError(
            "Both 'mean' and 'variance' must be a 1D tensor when is_training is False."
        )
    x = convert_to_tensor(x, name="input")
    empty = np.zeros([0], np.float32)
    return build(
        _fused_batch_norm_impl,
        x,
        scale,
        offset,
        empty if is_training or mean is None else mean,
        empty if is_training or variance is None else variance,
        epsilon=max(float(epsilon), 1.001e-5),
        data_format=data_format,
        is_training=bool(is_training),
        name=name or "FusedBatchNorm",
    )


@op("L2Loss", dtypes=FLOATS)
def _l2_loss_impl(t: Any) -> Any:
    return jnp.sum(jnp.square(t)) / 2


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """``sum(t ** 2) / 2``, a scalar of ``t``'s dtype."""
    return build(_l2_loss_impl, t, name=name)


__all__ = [
    "TopKV2",
    "bias_add",
    "crelu",
    "dropout",
    "elu",
    "fused_batch_norm",
    "in_top_k",
    "l2_loss",
    "leaky_relu",
    "local_response_normalization",
    "log_poisson_loss",
    "log_sigmoid",
    "log_softmax",
    "lrn",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "sigmoid_cross_entropy_with_logits",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2",
    "softplus",
    "softsign",
    "sparse_softmax_cross_entropy_with_logits",
    "swish",
    "tanh",
    "top_k",
    "weighted_cross_entropy_with_logits",
    "xw_plus_b",
    "zero_fraction",
]
