"""Neural-network ops, as TF1's ``tf.nn``: activations, softmax, bias_add, dropout,
and the cross-entropy losses. (Convolutions and pooling live here too.)"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jgraph._graph import Tensor, get_default_graph
from jgraph._registry import convert_to_tensor, op
from jgraph.ops.math_ops import (
    elu,
    relu,
    relu6,
    selu,
    sigmoid,
    softplus,
    softsign,
    tanh,
)


@op("Softmax")
def _softmax_impl(logits: Any, *, axis: int = -1) -> Any:
    return jax.nn.softmax(logits, axis=axis)


@op("LogSoftmax")
def _log_softmax_impl(logits: Any, *, axis: int = -1) -> Any:
    return jax.nn.log_softmax(logits, axis=axis)


def softmax(
    logits: Any,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Tensor:
    """``exp(logits) / sum(exp(logits))`` along ``axis`` (default last)."""
    axis = dim if axis is None else axis
    return _softmax_impl(logits, axis=-1 if axis is None else int(axis), name=name)


def log_softmax(
    logits: Any,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Tensor:
    """``logits - log(sum(exp(logits)))`` along ``axis`` (default last)."""
    axis = dim if axis is None else axis
    return _log_softmax_impl(logits, axis=-1 if axis is None else int(axis), name=name)


@op("BiasAdd")
def _bias_add_impl(value: Any, bias: Any, *, data_format: str = "NHWC") -> Any:
    if data_format.startswith("NC") and value.ndim > 2:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def bias_add(
    value: Any, bias: Any, data_format: str | None = None, name: str | None = None
) -> Tensor:
    """Adds a 1-D ``bias`` along the channel dimension."""
    return _bias_add_impl(value, bias, data_format=data_format or "NHWC", name=name)


@op("LeakyRelu")
def _leaky_relu_impl(features: Any, *, alpha: float = 0.2) -> Any:
    return jax.nn.leaky_relu(features, alpha)


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    return _leaky_relu_impl(features, alpha=float(alpha), name=name)


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
    keep = jax.random.uniform(key, shape, x.dtype) < keep_prob
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
    """Zeroes elements with probability ``1 - keep_prob`` and scales the rest up.

    ``keep_prob`` (TF1) or ``rate`` (= 1 - keep_prob) may be a float or a tensor,
    e.g. a placeholder fed 0.5 in training and 1.0 in evaluation.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "dropout") as scope:
        x = convert_to_tensor(x)
        if (keep_prob is None) == (rate is None):
            raise ValueError("Specify exactly one of keep_prob and rate.")
        if rate is not None:
            keep = (
                1 - convert_to_tensor(rate, x.dtype)
                if isinstance(rate, Tensor)
                else convert_to_tensor(1 - float(rate), x.dtype)
            )
        else:
            keep = (
                keep_prob
                if isinstance(keep_prob, Tensor)
                else convert_to_tensor(float(keep_prob), x.dtype, name="keep_prob")
            )
        shape = None if noise_shape is None else tuple(int(d) for d in noise_shape)
        return _dropout_impl(x, keep, noise_shape=shape, seed=seed, name=scope)


@op("SoftmaxCrossEntropyWithLogits")
def _softmax_xent_impl(labels: Any, logits: Any, *, axis: int = -1) -> Any:
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)


def softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    dim: int = -1,
    name: str | None = None,
    axis: int | None = None,
) -> Tensor:
    """Per-example cross entropy of ``softmax(logits)`` against ``labels`` (a
    distribution per row). Gradients flow into labels too (``_v2`` semantics);
    wrap labels in ``stop_gradient`` for the TF1 ``_v1`` behaviour."""
    if _sentinel is not None:
        raise ValueError(
            "Only call softmax_cross_entropy_with_logits with named arguments (labels=..., logits=..., ...)"
        )
    return _softmax_xent_impl(
        labels, logits, axis=int(dim if axis is None else axis), name=name
    )


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


@op("SparseSoftmaxCrossEntropyWithLogits", same_dtype=False)
def _sparse_xent_impl(labels: Any, logits: Any) -> Any:
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(
        log_probs, labels[..., None].astype(jnp.int32), axis=-1
    )[..., 0]


def sparse_softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    name: str | None = None,
) -> Tensor:
    """Per-example cross entropy of ``softmax(logits)`` against integer class ``labels``."""
    if _sentinel is not None:
        raise ValueError(
            "Only call sparse_softmax_cross_entropy_with_logits with named arguments."
        )
    return _sparse_xent_impl(labels, logits, name=name)


@op("SigmoidCrossEntropyWithLogits")
def _sigmoid_xent_impl(labels: Any, logits: Any) -> Any:
    # The stable form TF1 documents: max(x, 0) - x * z + log(1 + exp(-|x|)).
    return (
        jnp.maximum(logits, 0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    )


def sigmoid_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    name: str | None = None,
) -> Tensor:
    """Elementwise logistic loss of ``logits`` against 0/1 ``labels``."""
    if _sentinel is not None:
        raise ValueError(
            "Only call sigmoid_cross_entropy_with_logits with named arguments."
        )
    return _sigmoid_xent_impl(labels, logits, name=name)


@op("L2Loss")
def l2_loss(t: Any) -> Any:
    """``sum(t ** 2) / 2``."""
    return jnp.sum(jnp.square(t)) / 2


__all__ = [
    "bias_add",
    "dropout",
    "elu",
    "l2_loss",
    "leaky_relu",
    "log_softmax",
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
    "tanh",
]
