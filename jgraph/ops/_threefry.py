"""Uniform random numbers equal to ``jax.random.uniform``'s, in a form XLA:CPU runs
fast.

Stage 2 of the pipeline (ops), private to the random ops (``random_ops``,
``nn_ops.dropout``). On the CPU, JAX compiles its Threefry-2x32 hash as a rolled
loop of five passes over the whole array of counters, each reading and writing
both halves; written out as the 20 rounds of plain integer arithmetic (what JAX
emits on other backends) XLA fuses the hash, the conversion to floats and the
consumer (dropout's compare and select) into one loop: the masks of the tutorial
CNN's four dropouts took 3 ms instead of 12 ms (2-core AVX2 machine). The numbers
are the same bits as ``jax.random.bits``/``uniform`` for the same key (tests
compare them), so the random streams of a graph do not change.

The fast form applies where JAX's own is the partitionable Threefry on a raw
``uint32[2]`` key (jgraph's keys; JAX's defaults) and the dtype is float32; any
other key, dtype, symbolic shape or array of 2**32 elements or more goes to
``jax.random``, as does every draw under ``JGRAPH_CPU_KERNELS=xla`` (which keeps
JAX's own lowerings, see ``_conv_cpu.enabled``).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jgraph.ops import _conv_cpu

# Threefry-2x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"):
# the rotation distances of the even and odd groups of four rounds, and the key
# schedule's parity constant.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def _rotate_left(x: Any, distance: int) -> Any:
    return lax.shift_left(x, np.uint32(distance)) | lax.shift_right_logical(
        x, np.uint32(32 - distance)
    )


def threefry2x32(k0: Any, k1: Any, x0: Any, x1: Any) -> tuple[Any, Any]:
    """The Threefry-2x32 hash (20 rounds) of the counter pairs ``(x0, x1)`` under
    the key ``(k0, k1)``: all ``uint32``, the counters of any one shape."""
    keys = (k0, k1, k0 ^ k1 ^ _PARITY)
    x0, x1 = x0 + keys[0], x1 + keys[1]
    for group in range(5):
        for distance in _ROTATIONS[group % 2]:
            x0 = x0 + x1
            x1 = _rotate_left(x1, distance) ^ x0
        # Key injection after every four rounds.
        x0 = x0 + keys[(group + 1) % 3]
        x1 = x1 + keys[(group + 2) % 3] + np.uint32(group + 1)
    return x0, x1


def _fast(key: Any, shape: tuple[Any, ...]) -> bool:
    if not all(isinstance(d, int | np.integer) for d in shape):
        return False
    return (
        _conv_cpu.enabled()
        and jax.config.jax_threefry_partitionable  # pyright: ignore[reportAttributeAccessIssue]
        and jax.config.jax_default_prng_impl == "threefry2x32"  # pyright: ignore[reportAttributeAccessIssue]
        and key.dtype == jnp.uint32
        and key.shape == (2,)
        and math.prod(shape) < 2**32
    )


def random_bits(key: Any, shape: tuple[int, ...]) -> Any:
    """``jax.random.bits(key, shape)`` (``uint32``): the hash of each element's
    row-major index (high word 0, low word the index), its two halves xor-ed."""
    shape = tuple(shape)
    if not _fast(key, shape):
        return jax.random.bits(key, shape)
    index = lax.iota(jnp.uint32, math.prod(shape)).reshape(shape)
    high, low = threefry2x32(key[0], key[1], jnp.zeros_like(index), index)
    return high ^ low


def uniform(
    key: Any, shape: tuple[int, ...], dtype: Any, minval: Any = 0.0, maxval: Any = 1.0
) -> Any:
    """``jax.random.uniform(key, shape, dtype, minval, maxval)``, the same numbers:
    23 random bits as the mantissa of a float in [1, 2), minus 1, scaled."""
    shape = tuple(shape)
    if jnp.dtype(dtype) != jnp.float32 or not _fast(key, shape):
        return jax.random.uniform(key, shape, dtype, minval, maxval)
    minval = lax.convert_element_type(minval, jnp.float32)
    maxval = lax.convert_element_type(maxval, jnp.float32)
    mantissa = lax.shift_right_logical(random_bits(key, shape), np.uint32(32 - 23))
    one = np.array(1.0, np.float32).view(np.uint32)
    floats = lax.bitcast_convert_type(mantissa | one, jnp.float32) - np.float32(1)
    return lax.max(minval, floats * (maxval - minval) + minval)
