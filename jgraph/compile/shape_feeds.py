"""Stage 3 (compile): the feeds whose values set shapes, compiled per value.

XLA compiles static shapes. An op that takes a shape as a *value* --
``tf.reshape(x, s)``, ``tf.ones([n, 10])``, ``tf.range(n)``, ``x[i:i + 1]``,
``tf.random_normal(tf.shape(z))`` -- needs that value when the run is traced
(its ``OpDef.shape_inputs``). A value computed from shapes and constants is
known then: the trace knows every shape, and the interpreter evaluates pure ops
on known values while tracing, so ``tf.shape(x)[0] * 2`` is a number. A value
that comes from a feed is known to the session, not the trace:
:func:`shape_feed_positions` finds those *shape-setting feeds*, and the session
passes their values as :class:`StaticFeed` s, which JAX treats as static (part
of the compiled function's cache key). Such a run compiles once per value of its
shape-setting feeds, as it compiles once per feed shape; ``Session.stats``
counts both.

A shape computed from values known only inside the run (a variable, a random
draw) cannot be compiled: :func:`shape_feed_positions` raises
``UnimplementedError`` naming the op and the value. So does a shape computed from
a fed *batch* (``tf.range(tf.reduce_max(lengths))``): compiling per value of a
whole batch would compile every step; only scalars and short vectors (at most
:data:`MAX_SHAPE_FEED_SIZE` entries) may set shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np

from jgraph import errors
from jgraph.graph.graph import Operation
from jgraph.graph.shape import format_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import Fold, opdef_for

MAX_SHAPE_FEED_SIZE = 16

SHAPE_HELP = (
    "XLA compiles static shapes, so a shape must come from constants, from"
    " tf.shape(...) of tensors, or from fed scalars or short vectors (the run"
    " compiles once per fed value)."
)


def shape_feed_positions(
    ops: Sequence[Operation], feeds: Sequence[Tensor]
) -> tuple[int, ...]:
    """Positions in ``feeds`` of the feeds whose values set shapes in ``ops``.

    Raises:
      UnimplementedError: a shape comes from a value known only inside the run,
        or from a fed tensor too big to compile per value.
    """
    fed = {t: i for i, t in enumerate(feeds)}
    found: set[int] = set()
    seen: set[Tensor] = set()
    for op in ops:
        for slot in opdef_for(op).shape_inputs(op.attrs):
            stack = [op.inputs[slot]]
            while stack:
                tensor = stack.pop()
                if tensor in seen:
                    continue
                seen.add(tensor)
                if tensor in fed:
                    _check_feed_may_set_shapes(tensor, op)
                    found.add(fed[tensor])
                    continue
                opdef = opdef_for(tensor.op)
                if opdef.fold is Fold.SHAPES or opdef.host_value is not None:
                    continue  # known when traced, whatever its inputs' values
                if not opdef.pure:
                    raise _unknowable(op, tensor)
                stack.extend(tensor.op.inputs)
    return tuple(sorted(found))


def _check_feed_may_set_shapes(tensor: Tensor, user: Operation) -> None:
    dims = tensor.dims
    if dims is None:
        return  # checked when a value comes (static_feeds)
    if len(dims) > 1 or not all(map(is_known, dims)):
        raise _too_big(tensor, user, format_shape(dims))
    if int(np.prod([int(d) for d in dims])) > MAX_SHAPE_FEED_SIZE:
        raise _too_big(tensor, user, format_shape(dims))


def _unknowable(user: Operation, tensor: Tensor) -> errors.OpError:
    return errors.UnimplementedError(
        None,
        user,
        f"'{user.name}' (op: '{user.type}') takes a shape from the value of"
        f" '{tensor.name}', computed by {tensor.op.describe()}, which is known only"
        f" inside the run. {SHAPE_HELP}\n  ({user.describe()})",
    )


def _too_big(tensor: Tensor, user: Operation, shape: str) -> errors.OpError:
    return errors.UnimplementedError(
        None,
        user,
        f"'{user.name}' (op: '{user.type}') takes a shape from the value fed to"
        f" '{tensor.name}', of shape {shape}: the run would compile once per fed"
        f" value, and only scalars and vectors of at most {MAX_SHAPE_FEED_SIZE}"
        f" entries may set shapes. {SHAPE_HELP}\n  ({user.describe()})",
    )


class StaticFeed:
    """A fed value the compiled function takes as a static argument: a JAX pytree
    with no leaves, so the value is part of the function's cache key."""

    __slots__ = ("_key", "value")

    def __init__(self, value: np.ndarray) -> None:
        self.value = value
        self._key = (value.dtype.str, value.shape, value.tobytes())

    @property
    def shape(self) -> tuple[int, ...]:
        """The fed value's shape (``np.shape`` of a feed works on it)."""
        return self.value.shape

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaticFeed) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"StaticFeed({self.value.tolist()!r})"


jax.tree_util.register_pytree_node(
    StaticFeed, lambda feed: ((), feed), lambda feed, _: feed
)


def static_feeds(
    feeds: Sequence[Tensor], values: tuple, positions: Sequence[int]
) -> tuple:
    """``values`` with those at ``positions`` (shape-setting feeds) made static.

    Raises:
      InvalidArgumentError: such a value is not a scalar or a short vector.
    """
    result = list(values)
    for i in positions:
        value = np.asarray(values[i])
        if value.ndim > 1 or value.size > MAX_SHAPE_FEED_SIZE:
            tensor = feeds[i]
            raise errors.InvalidArgumentError(
                None,
                tensor.op,
                f"The value fed to '{tensor.name}' sets a shape in this run, so it"
                f" must be a scalar or a vector of at most {MAX_SHAPE_FEED_SIZE}"
                f" entries (the run compiles once per value); got shape"
                f" {format_shape(value.shape)}.\n  ({tensor.op.describe()})",
            )
        result[i] = StaticFeed(value)
    return tuple(result)


def unwrap(values: tuple) -> tuple:
    """Fed values as the ops see them (a static feed's numpy value)."""
    return tuple(v.value if isinstance(v, StaticFeed) else v for v in values)
