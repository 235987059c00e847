"""``tf.bitwise``: bitwise ops on integer tensors."""

from jgraph.ops.math_ops import (
    bitwise_and as bitwise_and,
    bitwise_or as bitwise_or,
    bitwise_xor as bitwise_xor,
    invert as invert,
)

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert"]
