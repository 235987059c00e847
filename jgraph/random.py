"""``tf.random``: the random ops under their TF1 ``tf.random.*`` names."""

from jgraph.ops.random_ops import (
    categorical as categorical,
    multinomial as multinomial,
    random_normal as normal,
    random_shuffle as shuffle,
    random_uniform as uniform,
    set_random_seed as set_random_seed,
    truncated_normal as truncated_normal,
)

__all__ = [
    "categorical",
    "multinomial",
    "normal",
    "set_random_seed",
    "shuffle",
    "truncated_normal",
    "uniform",
]
