"""Constant folding: the value of a tensor when the graph alone determines it.

Where it sits: used by the builder (``conversion.add_op``) for static inputs (a
shape, an axis list given as a tensor) and by op builders that check values when
the graph is built. Folds constants and pure ops on them, with the ops' own
implementations. :func:`partial_value` says what is known of a value that does not
fold (``tf.shape(x)`` of an ``x`` with unknown dims): the static shapes of ops that
take such a value as a shape come from it, as TF1's do.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jgraph.graph.shape import is_known
from jgraph.graph.tensor import as_tensor_or_none, contains_tensor
from jgraph.ops.registry import REGISTRY, Fold


def constant_value(tensor: Any) -> np.ndarray | None:
    """The value of ``tensor`` if it can be computed when the graph is built, else None.

    Folds the ops whose ``OpDef.fold`` allows it: constants and pure ops on folded
    values, and ``Shape``-like ops of fully known shapes. Fills (``tf.zeros`` of a
    big shape, ...) fold to read-only broadcast views (``OpDef.fold_value``), so
    folding them takes no memory.
    """
    tensor = as_tensor_or_none(tensor)
    if tensor is None:
        return None
    op_ = tensor.op
    opdef = REGISTRY.get(op_.type)
    if opdef is None or opdef.fold is Fold.NEVER or op_.control_inputs:
        return None
    if opdef.fold is Fold.SHAPES:
        dims = op_.inputs[0].dims
        if dims is None or not all(is_known(d) for d in dims):
            return None
        # A stand-in of the right shape that takes no memory (zero strides).
        values = [np.broadcast_to(np.zeros((), op_.inputs[0].dtype.np), dims)]
    else:
        values = [constant_value(t) for t in op_.inputs]
        if any(v is None for v in values):
            return None
    if opdef.strings is not None and opdef.touches_strings(op_):
        result = opdef.call_on_strings(op_, values)
    else:
        with jax.enable_x64(True), jax.ensure_compile_time_eval():
            result = opdef.call(None, values, op_.attrs, opdef.fold_value)
    result = result[tensor.value_index] if isinstance(result, tuple | list) else result
    return np.asarray(result)


# Two sizes for the unknown dims, and two values for the other unknown values, in
# the two evaluations of :func:`partial_value`: entries equal in both are known.
_TRIAL_SIZES = (7919, 7907)
_TRIAL_VALUES = (11, 13)
_MAX_TRIAL_OPS = 64
_MAX_UNKNOWN_ENTRIES = 16


def partial_value(value: Any) -> np.ndarray | None:
    """What the graph alone says of a value: an array (dtype ``object``, ``None``
    for entries known only at run time), or ``None`` when its shape is unknown.

    TF1's ``constant_value_as_shape``, for any pure computation: constants fold;
    ``tf.shape(x)`` gives ``x``'s known dims. The value is evaluated twice, with
    different sizes for the unknown dims and different values for the unknown
    inputs (a fed batch size); entries equal both times are known. So
    ``tf.ones([tf.shape(z)[0], 10])`` has shape ``(?, 10)``.

    >>> from jgraph.ops.conversion import constant
    >>> partial_value([constant(2), 3]).tolist()
    [2, 3]
    """
    tensor = as_tensor_or_none(value)
    if tensor is None:
        if isinstance(value, list | tuple) and contains_tensor(value):
            parts = [partial_value(v) for v in value]
            known = [p for p in parts if p is not None]
            if len(known) < len(parts) or len({p.shape for p in known}) > 1:
                return None
            return np.stack([np.asarray(p, object) for p in known])
        return np.asarray(value)
    folded = constant_value(tensor)
    if folded is not None:
        return folded
    dims = tensor.dims
    if dims is None or not all(is_known(d) for d in dims):
        return None
    trials = [_trial_value(tensor, trial, {}, [_MAX_TRIAL_OPS]) for trial in (0, 1)]
    unknown = np.full(tuple(int(d) for d in dims), None, object)
    first, second = trials
    if first is None or second is None or first.shape != unknown.shape:
        return unknown
    same = first == second
    return np.where(same, first.astype(object), unknown)


def _trial_value(
    tensor: Any, trial: int, memo: dict[Any, Any], budget: list[int]
) -> np.ndarray | None:
    """``tensor``'s value with the trial's sizes for unknown dims and values for
    the inputs that do not fold; ``None`` when it cannot be evaluated."""
    if tensor in memo:
        return memo[tensor]
    memo[tensor] = result = _evaluate_trial(tensor, trial, memo, budget)
    return result


def _evaluate_trial(
    tensor: Any, trial: int, memo: dict[Any, Any], budget: list[int]
) -> np.ndarray | None:
    folded = constant_value(tensor)
    if folded is not None:
        return folded
    op_ = tensor.op
    opdef = REGISTRY.get(op_.type)
    values: list[Any] | None = None
    budget[0] -= 1
    if opdef is not None and not op_.control_inputs and budget[0] > 0:
        if opdef.fold is Fold.SHAPES and op_.inputs[0].dims is not None:
            source = op_.inputs[0]
            dims = tuple(
                int(d) if is_known(d) else _TRIAL_SIZES[trial] for d in source.dims
            )
            # A broadcast view: the trial sizes cost no memory.
            values = [np.broadcast_to(np.zeros((), source.dtype.np), dims)]
        elif opdef.fold is Fold.VALUES:
            values = [_trial_value(t, trial, memo, budget) for t in op_.inputs]
            if any(v is None for v in values):
                values = None
    if values is None or opdef is None:  # an input of the computation: a trial value
        dims = tensor.dims
        if dims is None or not all(is_known(d) for d in dims):
            return None
        size = int(np.prod([int(d) for d in dims]))
        if size > _MAX_UNKNOWN_ENTRIES or tensor.dtype.np.kind not in "iuf":
            return None
        shape = tuple(int(d) for d in dims)
        return np.full(shape, _TRIAL_VALUES[trial], tensor.dtype.np)
    try:
        with jax.enable_x64(True), jax.ensure_compile_time_eval():
            result = opdef.call(None, values, op_.attrs)
    except Exception:
        return None
    result = result[tensor.value_index] if isinstance(result, tuple | list) else result
    return np.asarray(result)


def partial_shape(value: Any) -> tuple[int | None, ...] | None:
    """A shape given as a value (a list, ``tf.shape(x)``, ``[batch, 10]``), with
    ``None`` for sizes known only at run time (and for ``-1``), as TF1's
    ``constant_value_as_shape``; ``None`` when even its length is unknown."""
    known = partial_value(value)
    if known is None or known.ndim > 1:
        return None
    return tuple(
        None if d is None or int(d) < 0 else int(d) for d in known.reshape(-1).tolist()
    )


def fold_static(value: Any) -> Any:
    """A static input's value as a hashable Python value, or None if only known at run time."""
    tensor = as_tensor_or_none(value)
    if tensor is None:
        if isinstance(value, list | tuple) and contains_tensor(value):
            folded = [fold_static(v) for v in value]
            return None if any(f is None for f in folded) else tuple(folded)
        return _static_value(value) if value is not None else None
    folded = constant_value(tensor)
    return None if folded is None else _static_value(folded)


def _static_value(value: Any) -> Any:
    """A hashable form of a static value (lists become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_static_value(v) for v in value)
    if isinstance(value, np.ndarray):
        return _static_value(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
