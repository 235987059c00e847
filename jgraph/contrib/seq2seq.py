"""``tf.contrib.seq2seq``: ``sequence_loss`` (the decoders are not provided)."""

from __future__ import annotations

from typing import Any

from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops, math_ops, nn_ops
from jgraph.ops.conversion import convert_to_tensor

__all__ = ["sequence_loss"]


def sequence_loss(
    logits: Any,
    targets: Any,
    weights: Any,
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    softmax_loss_function: Any = None,
    name: str | None = None,
) -> Tensor:
    """Weighted cross entropy of a batch of sequences, as TF1
    ``tf.contrib.seq2seq.sequence_loss``.

    Args:
      logits: ``[batch, time, classes]``.
      targets: ``[batch, time]`` int class ids.
      weights: ``[batch, time]`` float weights (0 masks a step out).
      average_across_timesteps: divide the sum over time by the summed weights.
      average_across_batch: divide the sum over the batch by the summed weights.
      softmax_loss_function: ``fn(labels=, logits=)`` replacing sparse softmax
        cross entropy.

    Returns:
      A scalar with both averages, ``[batch]`` or ``[time]`` with one, or
      ``[batch, time]`` with neither. Averages divide by the summed weights
      (0 where they sum to 0, as TF1's ``div_no_nan``).

    Raises:
      ValueError: ranks other than 3 (logits) and 2 (targets, weights).
    """
    logits = convert_to_tensor(logits)
    targets = convert_to_tensor(targets)
    weights = convert_to_tensor(weights)
    for tensor, rank, what in (
        (logits, 3, "Logits"),
        (targets, 2, "Targets"),
        (weights, 2, "Weights"),
    ):
        if tensor.shape.ndims != rank:
            raise ValueError(
                f"{what} must be a [batch_size x sequence_length"
                f"{' x num_decoder_symbols' if rank == 3 else ''}] tensor, got"
                f" shape {tensor.shape}."
            )
    with get_default_graph().name_scope(name or "sequence_loss"):
        classes = logits.shape.as_list()[-1]
        flat_logits = array_ops.reshape(logits, [-1, classes])
        flat_targets = array_ops.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = nn_ops.sparse_softmax_cross_entropy_with_logits(
                labels=flat_targets, logits=flat_logits
            )
        else:
            crossent = softmax_loss_function(labels=flat_targets, logits=flat_logits)
        crossent = crossent * array_ops.reshape(weights, [-1])
        if average_across_timesteps and average_across_batch:
            return math_ops.div_no_nan(
                math_ops.reduce_sum(crossent), math_ops.reduce_sum(weights)
            )
        crossent = array_ops.reshape(crossent, array_ops.shape(targets))
        if average_across_timesteps:
            return math_ops.div_no_nan(
                math_ops.reduce_sum(crossent, axis=1),
                math_ops.reduce_sum(weights, axis=1),
            )
        if average_across_batch:
            return math_ops.div_no_nan(
                math_ops.reduce_sum(crossent, axis=0),
                math_ops.reduce_sum(weights, axis=0),
            )
        return crossent


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"tf.contrib.seq2seq.{name} is not provided by jgraph (only sequence_loss is);"
        " write the decoder loop with tf.nn.dynamic_rnn or tf.while_loop."
    )
