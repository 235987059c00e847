"""Sampled losses, as TF1's ``nn_impl``: ``tf.nn.nce_loss`` and
``tf.nn.sampled_softmax_loss``.

Stage 2 of the pipeline (graph building helpers): composed from existing ops, no
new op type. The candidates come from the samplers in ``random_ops`` (log-uniform
by default, as TF1); the logits follow TF1's ``_compute_sampled_logits``: true
and sampled logits from the class embeddings, accidental hits removed by adding
``-FLOAT_MAX``, and ``log Q`` (the log of each class's expected count)
subtracted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops, math_ops, nn_ops, random_ops
from jgraph.ops.conv_ops import embedding_lookup
from jgraph.ops.conversion import convert_to_tensor

__all__ = ["compute_accidental_hits_mask", "nce_loss", "sampled_softmax_loss"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def compute_accidental_hits_mask(true_classes: Any, sampled: Any) -> Tensor:
    """``[batch, num_sampled]`` bools: sampled class ``j`` is one of row ``i``'s
    true classes (TF1's ``compute_accidental_hits``, as a dense mask)."""
    true_classes = math_ops.cast(true_classes, _dtypes.int64)
    sampled = math_ops.cast(sampled, _dtypes.int64)
    hits = math_ops.equal(
        array_ops.expand_dims(true_classes, 2), array_ops.reshape(sampled, [1, 1, -1])
    )
    return math_ops.reduce_any(hits, axis=1)


def _sum_rows(x: Tensor) -> Tensor:
    return math_ops.reduce_sum(x, axis=1)


def _compute_sampled_logits(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int,
    sampled_values: Any,
    subtract_log_q: bool,
    remove_accidental_hits: bool,
    partition_strategy: str,
    seed: int | None,
) -> tuple[Tensor, Tensor]:
    """TF1's ``_compute_sampled_logits``: ``(logits, labels)``, each
    ``[batch, num_true + num_sampled]``."""
    inputs = convert_to_tensor(inputs, name="inputs")
    labels = math_ops.cast(labels, _dtypes.int64)
    if labels.shape.ndims != 2:
        raise ValueError(
            f"labels must be a [batch_size, num_true={num_true}] int tensor, got"
            f" shape {labels.shape}."
        )
    labels_flat = array_ops.reshape(labels, [-1])
    if sampled_values is None:
        sampled_values = random_ops.log_uniform_candidate_sampler(
            labels, num_true, num_sampled, True, num_classes, seed=seed
        )
    sampled, true_expected, sampled_expected = (
        array_ops.stop_gradient(convert_to_tensor(s)) for s in sampled_values
    )
    sampled = math_ops.cast(sampled, _dtypes.int64)
    true_w = embedding_lookup(weights, labels_flat, partition_strategy)
    sampled_w = embedding_lookup(weights, sampled, partition_strategy)
    true_b = embedding_lookup(biases, labels_flat, partition_strategy)
    sampled_b = embedding_lookup(biases, sampled, partition_strategy)
    dim = true_w.shape.as_list()[1]
    # [batch, num_true]: each row's input dotted with each of its true classes.
    true_w = array_ops.reshape(true_w, [-1, num_true, dim])
    true_logits = math_ops.reduce_sum(
        math_ops.multiply(array_ops.expand_dims(inputs, 1), true_w), axis=2
    )
    true_logits += array_ops.reshape(true_b, [-1, num_true])
    sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True) + sampled_b
    if remove_accidental_hits:
        hits = compute_accidental_hits_mask(labels, sampled)
        sampled_logits += math_ops.cast(hits, sampled_logits.dtype) * -_FLOAT32_MAX
    if subtract_log_q:
        true_logits -= math_ops.log(math_ops.cast(true_expected, true_logits.dtype))
        sampled_logits -= math_ops.log(
            math_ops.cast(sampled_expected, sampled_logits.dtype)
        )
    out_logits = array_ops.concat([true_logits, sampled_logits], 1)
    out_labels = array_ops.concat(
        [
            array_ops.ones_like(true_logits) / float(num_true),
            array_ops.zeros_like(sampled_logits),
        ],
        1,
    )
    return out_logits, out_labels


def nce_loss(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values: Any = None,
    remove_accidental_hits: bool = False,
    partition_strategy: str = "mod",
    name: str = "nce_loss",
) -> Tensor:
    """Noise-contrastive estimation loss per example, as TF1 ``tf.nn.nce_loss``.

    Args:
      weights: ``[num_classes, dim]`` class embeddings (or a list of shards).
      biases: ``[num_classes]`` class biases.
      labels: ``[batch, num_true]`` int target classes.
      inputs: ``[batch, dim]`` activations.
      num_sampled: negative classes drawn per batch.
      num_classes: number of classes.
      num_true: target classes per example.
      sampled_values: ``(sampled, true_expected_count, sampled_expected_count)``
        to use instead of drawing (default: the log-uniform sampler, unique).
      remove_accidental_hits: drop sampled classes that equal a true class.
      partition_strategy: ``"mod"`` or ``"div"`` for sharded ``weights``.

    Returns:
      ``[batch]``: the sigmoid cross entropy of the true classes against 1 and
      of the sampled ones against 0, with ``log Q`` subtracted from the logits.
    """
    with get_default_graph().name_scope(name):
        logits, targets = _compute_sampled_logits(
            weights,
            biases,
            labels,
            inputs,
            num_sampled,
            num_classes,
            num_true,
            sampled_values,
            True,
            remove_accidental_hits,
            partition_strategy,
            None,
        )
        losses = nn_ops.sigmoid_cross_entropy_with_logits(
            labels=targets, logits=logits, name="sampled_losses"
        )
        return _sum_rows(losses)


def sampled_softmax_loss(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values: Any = None,
    remove_accidental_hits: bool = True,
    partition_strategy: str = "mod",
    name: str = "sampled_softmax_loss",
    seed: int | None = None,
) -> Tensor:
    """Sampled softmax loss per example, as TF1 ``tf.nn.sampled_softmax_loss``:
    the softmax cross entropy over the true classes (label ``1 / num_true`` each)
    and the sampled ones (label 0), accidental hits removed by default.

    Arguments as :func:`nce_loss`; ``seed`` seeds the default sampler.
    """
    with get_default_graph().name_scope(name):
        logits, targets = _compute_sampled_logits(
            weights,
            biases,
            labels,
            inputs,
            num_sampled,
            num_classes,
            num_true,
            sampled_values,
            True,
            remove_accidental_hits,
            partition_strategy,
            seed,
        )
        return nn_ops.softmax_cross_entropy_with_logits_v2(
            labels=array_ops.stop_gradient(targets),
            logits=logits,
            name="sampled_losses",
        )
