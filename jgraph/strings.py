"""``tf.strings``: ops on string tensors (computed on the host: XLA has none)."""

from jgraph.ops.string_ops import (
    as_string as as_string,
    join as join,
    to_number as to_number,
)

__all__ = ["as_string", "join", "to_number"]
