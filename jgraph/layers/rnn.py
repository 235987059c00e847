"""``tf.nn.dynamic_rnn``, ``tf.nn.static_rnn`` and ``tf.nn.bidirectional_dynamic_rnn``.

A client of :mod:`jgraph.layers.rnn_cell` and of ``tf.scan``: ``dynamic_rnn`` traces
the cell once into a graph function (so its variables are created once, in
TF1's scope ``rnn/<cell name>/...``) and runs every time step in one
``lax.scan``; ``static_rnn`` unrolls a Python loop over a list of steps.

With ``sequence_length``, as TF1: outputs at and past a sequence's length are
zeros, and the state stops changing there, so the final state is the one after
the sequence's last step.

TF1 differences: ``parallel_iterations`` and ``swap_memory`` are accepted and
ignored (XLA schedules the loop); the loop's ops are named ``rnn/while/...`` but
are not TF1's ``TensorArray`` ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import as_shape
from jgraph.graph.tensor import Tensor
from jgraph.layers.rnn_cell import (
    check_rnn_cell,
    flatten,
    pack_as,
    zero_state_tensors,
)
from jgraph.ops import array_ops, control_flow_ops, math_ops, variable_scope as vs
from jgraph.ops.conversion import constant, convert_to_tensor

__all__ = ["bidirectional_dynamic_rnn", "dynamic_rnn", "static_rnn"]


# -- checks ----------------------------------------------------------------------------------


def _check_inputs(flat: Sequence[Tensor], min_rank: int, what: str) -> None:
    """Inputs must have a known rank >= ``min_rank`` and known depth dims."""
    layout = "[batch, time, depth]" if min_rank == 3 else "[batch, depth]"
    for x in flat:
        ndims = x.shape.ndims
        if ndims is None or ndims < min_rank:
            raise ValueError(
                f"{what}: inputs must have a known rank of at least {min_rank}"
                f" ({layout}), got {x.name} with shape {x.shape}."
            )
        if any(d is None for d in x.shape.as_list()[min_rank - 1 :]):
            raise ValueError(
                f"{what}: input size (depth of inputs) must be accessible via shape"
                f" inference, but saw value None ({x.name} with shape {x.shape})."
            )


def _static_dim(flat: Sequence[Tensor], axis: int, what: str, name: str) -> int | None:
    """The size of ``axis`` shared by all ``flat`` inputs (None when unknown)."""
    merged = as_shape([None])
    for x in flat:
        dim = x.shape[axis : axis + 1]
        if not merged.is_compatible_with(dim):
            raise ValueError(
                f"{what}: {name} is not the same for all the elements in the input:"
                f" {[str(t.shape) for t in flat]}."
            )
        merged = merged.merge_with(dim)
    return merged.as_list()[0]


def _sequence_length(sequence_length: Any, batch: int | None, what: str) -> Any:
    if sequence_length is None:
        return None
    lengths = math_ops.cast(sequence_length, _dtypes.int32)
    if lengths.shape.ndims not in (None, 1):
        raise ValueError(
            f"{what}: sequence_length must be a vector of length batch_size, but saw"
            f" shape: {lengths.shape}"
        )
    if not lengths.shape.is_compatible_with([batch]):
        raise ValueError(
            f"{what}: sequence_length has shape {lengths.shape}, but the inputs have"
            f" batch size {batch}."
        )
    return array_ops.identity(lengths, name="sequence_length")


def _check_state(cell: Any, state: Any, batch: int | None, what: str) -> None:
    """``state`` must match ``cell.state_size``: one ``[batch, *size]`` tensor per
    size."""
    try:
        sizes = flatten(cell.state_size)
    except NotImplementedError:  # a cell without state_size: nothing to check
        return
    leaves = [convert_to_tensor(s) for s in flatten(state)]
    if len(leaves) != len(sizes):
        raise ValueError(
            f"{what}: initial_state has {len(leaves)} tensor(s), but the cell's"
            f" state_size {cell.state_size} needs {len(sizes)}."
        )
    for tensor, size in zip(leaves, sizes, strict=True):
        dims = [size] if isinstance(size, int) else as_shape(size).as_list()
        expected = as_shape([batch, *dims])
        if not tensor.shape.is_compatible_with(expected):
            raise ValueError(
                f"{what}: initial_state tensor {tensor.name} has shape {tensor.shape},"
                f" but the cell's state_size {cell.state_size} with batch size"
                f" {batch} needs {expected}."
            )


def _initial_state(
    cell: Any, initial_state: Any, dtype: Any, batch: Any, static_batch: Any, what: str
) -> Any:
    if initial_state is not None:
        _check_state(cell, initial_state, static_batch, what)
        return initial_state
    if not dtype:
        raise ValueError(
            f"{what}: If there is no initial_state, you must give a dtype."
        )
    if getattr(cell, "get_initial_state", None) is not None:
        return cell.get_initial_state(inputs=None, batch_size=batch, dtype=dtype)
    return cell.zero_state(batch, dtype)


def _copy_through(done: Tensor, old: Any, new: Any) -> Any:
    """``old`` where ``done`` (a ``[batch]`` bool), else ``new`` (TF1's ``_rnn_step``)."""
    picked = [
        math_ops.where(done, convert_to_tensor(o), convert_to_tensor(n))
        for o, n in zip(flatten(old), flatten(new), strict=True)
    ]
    return pack_as(new, picked)


def _transpose_batch_time(x: Tensor) -> Tensor:
    """Swaps the first two dimensions."""
    rank = x.shape.ndims
    assert rank is not None
    return array_ops.transpose(x, [1, 0, *range(2, rank)])


def _zero_output(cell: Any, batch: Any, dtype: Any) -> Any:
    with get_default_graph().name_scope("zero_output"):
        return zero_state_tensors(cell.output_size, batch, dtype)


# -- dynamic_rnn -----------------------------------------------------------------------------


def dynamic_rnn(
    cell: Any,
    inputs: Any,
    sequence_length: Any = None,
    initial_state: Any = None,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
) -> tuple[Any, Any]:
    """Runs ``cell`` over the time steps of ``inputs``, as TF1 ``tf.nn.dynamic_rnn``.

    Args:
      cell: an ``RNNCell``; its variables go in ``<scope>/<cell name>/...``.
      inputs: ``[batch, time, depth]`` (``[time, batch, depth]`` with
        ``time_major``), or a nested structure of such tensors.
      sequence_length: optional ``[batch]`` int lengths; outputs past a length
        are zeros and the state stops there.
      initial_state: the cell's initial state (default: its zero state).
      dtype: the state's dtype; required without ``initial_state``.
      parallel_iterations: ignored.
      swap_memory: ignored.
      time_major: whether ``inputs`` and ``outputs`` are time-major.
      scope: the variable scope (default ``"rnn"``).

    Returns:
      ``(outputs, final_state)``: every step's output, in the layout of
      ``inputs``, and the state after the last (valid) step.

    Raises:
      ValueError: inputs of rank < 3 or unknown depth, no ``initial_state`` and
        no ``dtype``, or an ``initial_state`` that does not fit the cell.
    """
    del parallel_iterations, swap_memory
    what = "dynamic_rnn"
    check_rnn_cell("cell", cell)
    with vs.variable_scope(scope or "rnn"):
        flat = [convert_to_tensor(x) for x in flatten(inputs)]
        if not flat:
            raise ValueError(f"{what}: inputs must hold at least one tensor.")
        _check_inputs(flat, 3, what)
        if not time_major:
            flat = [_transpose_batch_time(x) for x in flat]
        _static_dim(flat, 0, what, "time steps")
        static_batch = _static_dim(flat, 1, what, "batch size")
        batch = (
            static_batch if static_batch is not None else array_ops.shape(flat[0])[1]
        )
        lengths = _sequence_length(sequence_length, static_batch, what)
        state = _initial_state(cell, initial_state, dtype, batch, static_batch, what)
        state_dtype = dtype or convert_to_tensor(flatten(state)[0]).dtype
        zero_output = _zero_output(cell, batch, state_dtype)

        def step(acc: Any, element: Any) -> Any:
            time, _, old_state = acc
            output, new_state = cell(element, old_state)
            if lengths is not None:
                done = math_ops.greater_equal(time, lengths)
                zeros = [array_ops.zeros_like(o) for o in flatten(output)]
                output = _copy_through(done, zeros, output)
                new_state = _copy_through(done, old_state, new_state)
            return time + 1, output, new_state

        start = (constant(0, _dtypes.int32, name="time"), zero_output, state)
        _, outputs, states = control_flow_ops.scan(
            step, pack_as(inputs, flat), initializer=start, name="while"
        )
        final_state = pack_as(states, [s[-1] for s in flatten(states)])
        if not time_major:
            outputs = pack_as(
                outputs, [_transpose_batch_time(o) for o in flatten(outputs)]
            )
        return outputs, final_state


# -- static_rnn ------------------------------------------------------------------------------


def static_rnn(
    cell: Any,
    inputs: Sequence[Any],
    initial_state: Any = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """Runs ``cell`` over a Python list of ``[batch, depth]`` inputs (one per time
    step), as TF1 ``tf.nn.static_rnn``: the graph is unrolled, the variables
    created at the first step and reused after.

    Returns ``(outputs, final_state)``, ``outputs`` a list with one output per
    step. ``sequence_length`` works as in :func:`dynamic_rnn`.

    Raises:
      TypeError: ``inputs`` is not a list or tuple.
      ValueError: ``inputs`` is empty or has unknown depth, or as
        :func:`dynamic_rnn` for the state.
    """
    what = "static_rnn"
    check_rnn_cell("cell", cell)
    if not isinstance(inputs, list | tuple):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs: list[Any] = []
    with vs.variable_scope(scope or "rnn") as varscope:
        steps = [[convert_to_tensor(x) for x in flatten(step)] for step in inputs]
        flat = [x for step in steps for x in step]
        if flat[0].shape.ndims != 1:
            _check_inputs(flat, 2, what)
        static_batch = _static_dim(flat, 0, what, "batch size")
        batch = (
            static_batch if static_batch is not None else array_ops.shape(flat[0])[0]
        )
        state = _initial_state(cell, initial_state, dtype, batch, static_batch, what)
        lengths = _sequence_length(sequence_length, static_batch, what)
        zero_output = None
        if lengths is not None:
            state_dtype = dtype or convert_to_tensor(flatten(state)[0]).dtype
            zero_output = _zero_output(cell, batch, state_dtype)
        for time, (step, leaves) in enumerate(zip(inputs, steps, strict=True)):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(pack_as(step, leaves), state)
            if lengths is not None:
                done = math_ops.greater_equal(time, lengths)
                output = _copy_through(done, zero_output, output)
                new_state = _copy_through(done, state, new_state)
            state = new_state
            outputs.append(output)
    return outputs, state


# -- bidirectional_dynamic_rnn -----------------------------------------------------------


def _reverse_sequence(
    x: Tensor, lengths: Tensor | None, seq_axis: int, batch_axis: int
) -> Tensor:
    """``x`` with each sequence's first ``lengths[b]`` steps reversed; all steps
    without ``lengths``."""
    if lengths is None:
        return array_ops.reverse(x, [seq_axis])
    return array_ops.reverse_sequence(x, lengths, seq_axis, batch_axis)


def bidirectional_dynamic_rnn(
    cell_fw: Any,
    cell_bw: Any,
    inputs: Any,
    sequence_length: Any = None,
    initial_state_fw: Any = None,
    initial_state_bw: Any = None,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """A forward and a backward :func:`dynamic_rnn` over ``inputs``, as TF1
    ``tf.nn.bidirectional_dynamic_rnn``, in scopes ``<scope>/fw`` and
    ``<scope>/bw`` (default scope ``"bidirectional_rnn"``).

    The backward cell reads each sequence reversed within its
    ``sequence_length``, and its outputs are reversed back, so both outputs are
    aligned with ``inputs``.

    Returns:
      ``((output_fw, output_bw), (output_state_fw, output_state_bw))``.
    """
    check_rnn_cell("cell_fw", cell_fw)
    check_rnn_cell("cell_bw", cell_bw)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    lengths = (
        None
        if sequence_length is None
        else math_ops.cast(sequence_length, _dtypes.int32)
    )

    def reverse(structure: Any) -> Any:
        leaves = [convert_to_tensor(x) for x in flatten(structure)]
        _check_inputs(leaves, 3, "bidirectional_dynamic_rnn")
        return pack_as(
            structure,
            [_reverse_sequence(x, lengths, time_axis, batch_axis) for x in leaves],
        )

    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw,
                inputs,
                sequence_length=lengths,
                initial_state=initial_state_fw,
                dtype=dtype,
                time_major=time_major,
                scope=fw_scope,
            )
        with vs.variable_scope("bw") as bw_scope:
            reversed_output, state_bw = dynamic_rnn(
                cell_bw,
                reverse(inputs),
                sequence_length=lengths,
                initial_state=initial_state_bw,
                dtype=dtype,
                time_major=time_major,
                scope=bw_scope,
            )
    output_bw = reverse(reversed_output)
    return (output_fw, output_bw), (state_fw, state_bw)
