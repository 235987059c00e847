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
from jgraph.ops.registry import REGISTRY


def constant_value(tensor: Any) -> np.ndarray | None:
    """The value of ``tensor`` if it can be computed when the graph is built, else None.

    Folds constants and pure ops on them (and ``Shape`` of fully known shapes).
    Fills (``tf.zeros`` of a big shape, ...) fold to read-only broadcast views, so
    folding them takes no memory.
    """
    tensor = as_tensor_or_none(tensor)
    if tensor is None:
        return None
    op_ = tensor.op
    if op_.type == "Const":
        return op_.attrs["value"]
    opdef = REGISTRY.get(op_.type)
    if (
        opdef is None
        or not opdef.pure
        or op_.type in ("Placeholder", "PlaceholderWithDefault")
        or op_.control_inputs
    ):
        return None
    if opdef.shape_fn is not None and op_.type not in _FOLDABLE_WITH_SHAPE_FN:
        return None
    if op_.type in _SHAPE_OPS:
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
        result = opdef.call(None, values, op_.attrs, opdef.fold)
    result = result[tensor.value_index] if isinstance(result, tuple | list) else result
    return np.asarray(result)


_SHAPE_OPS = frozenset({"Shape", "Size", "Rank"})
# Pure ops with a shape_fn that fold like the others (shape arithmetic uses them).
_FOLDABLE_WITH_SHAPE_FN = _SHAPE_OPS | {"Slice", "Squeeze", "BroadcastTo"}


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
