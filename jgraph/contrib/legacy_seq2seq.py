"""``tf.contrib.legacy_seq2seq``: ``rnn_decoder`` and the sequence losses, as TF1
(the char-RNN idiom); the attention and bucketed models are not provided."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops, math_ops, nn_ops, variable_scope as vs
from jgraph.ops.conversion import convert_to_tensor

__all__ = ["rnn_decoder", "sequence_loss", "sequence_loss_by_example"]


def rnn_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    cell: Any,
    loop_function: Callable[[Any, int], Any] | None = None,
    scope: Any = None,
) -> tuple[list[Tensor], Any]:
    """Runs ``cell`` over a list of ``[batch, depth]`` inputs from
    ``initial_state`` (in scope ``rnn_decoder``), as TF1; with ``loop_function``
    the input of step ``i > 0`` is ``loop_function(previous_output, i)``.

    Returns ``(outputs, state)``: a list of outputs and the final state.
    """
    with vs.variable_scope(scope or "rnn_decoder"):
        state = initial_state
        outputs: list[Tensor] = []
        prev = None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with vs.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                vs.get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def sequence_loss_by_example(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    softmax_loss_function: Any = None,
    name: str | None = None,
) -> Tensor:
    """``[batch]`` weighted cross entropy summed over the steps (lists of
    ``[batch, classes]`` logits, ``[batch]`` targets and weights), divided by the
    summed weights (plus ``1e-12``) with ``average_across_timesteps``, as TF1.

    Raises:
      ValueError: the three lists differ in length.
    """
    if not len(logits) == len(targets) == len(weights):
        raise ValueError(
            "Lengths of logits, weights, and targets must be the same "
            f"{len(logits)}, {len(weights)}, {len(targets)}."
        )
    with get_default_graph().name_scope(name or "sequence_loss_by_example"):
        terms = []
        for logit, target, weight in zip(logits, targets, weights, strict=True):
            target = array_ops.reshape(convert_to_tensor(target), [-1])
            if softmax_loss_function is None:
                crossent = nn_ops.sparse_softmax_cross_entropy_with_logits(
                    labels=target, logits=logit
                )
            else:
                crossent = softmax_loss_function(labels=target, logits=logit)
            terms.append(crossent * weight)
        log_perps = math_ops.add_n(terms)
        if average_across_timesteps:
            total = math_ops.add_n([convert_to_tensor(w) for w in weights]) + 1e-12
            log_perps = log_perps / total
        return log_perps


def sequence_loss(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    softmax_loss_function: Any = None,
    name: str | None = None,
) -> Tensor:
    """The scalar sum of :func:`sequence_loss_by_example`, divided by the batch
    size with ``average_across_batch``, as TF1."""
    with get_default_graph().name_scope(name or "sequence_loss"):
        cost = math_ops.reduce_sum(
            sequence_loss_by_example(
                logits,
                targets,
                weights,
                average_across_timesteps=average_across_timesteps,
                softmax_loss_function=softmax_loss_function,
            )
        )
        if average_across_batch:
            batch = array_ops.shape(convert_to_tensor(targets[0]))[0]
            return cost / math_ops.cast(batch, cost.dtype)
        return cost


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"tf.contrib.legacy_seq2seq.{name} is not provided by jgraph (only rnn_decoder,"
        " sequence_loss and sequence_loss_by_example are); build the model from"
        " tf.contrib.rnn cells with rnn_decoder or tf.nn.dynamic_rnn."
    )
