"""Constant folding: the value of a tensor when the graph alone determines it.

Where it sits: used by the builder (``conversion.add_op``) for static inputs (a
shape, an axis list given as a tensor) and by op builders that check values when
the graph is built. Folds constants and pure ops on them, with the ops' own
implementations.
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
    with jax.enable_x64(True), jax.ensure_compile_time_eval():
        result = opdef.call(None, values, op_.attrs, opdef.fold_value)
    result = result[tensor.value_index] if isinstance(result, tuple | list) else result
    return np.asarray(result)


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
