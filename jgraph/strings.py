"""``tf.strings``: ops on string tensors (computed on the host: XLA has none)."""

from jgraph.ops.string_ops import (
    as_string as as_string,
    join as join,
    length as length,
    reduce_join as reduce_join,
    strip as strip,
    to_number as to_number,
)

__all__ = ["as_string", "join", "length", "reduce_join", "strip", "to_number"]
