"""Random ops, as TF1's ``random_ops``: normal, uniform, truncated normal, shuffle,
multinomial.

Stage 2 of the pipeline (ops). Each random op draws from its own key: the
session's run key folded with the op's seed (or, without one, its creation index).
TF1's seeding rules hold (see ``compile/rng.py``): a graph seed set with
``set_random_seed`` makes a whole program reproducible bit for bit, an op seed alone
makes that op reproducible, and each run draws new numbers. The numbers themselves
differ from TF1's (another generator).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.array_ops import static_int, static_ints
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.math_ops import FLOATS, INTEGERS, check_dtype
from jgraph.ops.registry import op


def set_random_seed(seed: int | None) -> None:
    """Sets the graph-level seed of the default graph (sessions created later use it)."""
    get_default_graph().seed = None if seed is None else int(seed)


def _shape(shape: Any) -> tuple[int, ...]:
    dims = static_ints(shape, "The shape of a random op")
    if any(d < 0 for d in dims):
        raise ValueError(f"Random op shapes must not be negative, got {list(dims)}.")
    return dims


def _scalar(value: Any, dtype: _dtypes.DType, name: str) -> Tensor:
    return convert_to_tensor(value, dtype, name=name)


@op("RandomStandardNormal", random=True, same_dtype=False)
def _normal_impl(
    key: Any, mean: Any, stddev: Any, *, shape: tuple[int, ...], seed: int | None = None
) -> Any:
    return mean + stddev * jax.random.normal(key, shape, mean.dtype)


@op("RandomUniform", random=True, same_dtype=False)
def _uniform_impl(
    key: Any,
    minval: Any,
    maxval: Any,
    *,
    shape: tuple[int, ...],
    seed: int | None = None,
) -> Any:
    if jnp.issubdtype(minval.dtype, jnp.integer):
        return jax.random.randint(key, shape, minval, maxval, minval.dtype)
    return jax.random.uniform(key, shape, minval.dtype, minval, maxval)


@op("TruncatedNormal", random=True, same_dtype=False)
def _truncated_normal_impl(
    key: Any, mean: Any, stddev: Any, *, shape: tuple[int, ...], seed: int | None = None
) -> Any:
    # TF1 redraws values more than two standard deviations from the mean.
    return mean + stddev * jax.random.truncated_normal(
        key, -2.0, 2.0, shape, mean.dtype
    )


@op("RandomShuffle", random=True, same_dtype=False)
def _shuffle_impl(key: Any, value: Any, *, seed: int | None = None) -> Any:
    return jax.random.permutation(key, value, axis=0)


@op("Multinomial", random=True, same_dtype=False)
def _multinomial_impl(
    key: Any,
    logits: Any,
    *,
    num_samples: int,
    output_dtype: Any = _dtypes.int64,
    seed: int | None = None,
) -> Any:
    batch = logits.shape[0]
    samples = jax.random.categorical(
        key, logits[:, None, :], axis=-1, shape=(batch, num_samples)
    )
    return samples.astype(_dtypes.as_dtype(output_dtype).np)


def random_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Normal samples of ``shape`` (``mean`` and ``stddev`` may be tensors)."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise TypeError(f"random_normal: dtype must be a float type, got {dtype.name}")
    graph = get_default_graph()
    with graph.name_scope(name or "random_normal") as scope:
        return build(
            _normal_impl,
            _scalar(mean, dtype, "mean"),
            _scalar(stddev, dtype, "stddev"),
            shape=_shape(shape),
            seed=seed,
            name=scope,
        )


def random_uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats;
    integer dtypes need it)."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in FLOATS | INTEGERS:
        raise TypeError(f"random_uniform: dtype must be numeric, got {dtype.name}")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    graph = get_default_graph()
    with graph.name_scope(name or "random_uniform") as scope:
        return build(
            _uniform_impl,
            _scalar(minval, dtype, "min"),
            _scalar(maxval, dtype, "max"),
            shape=_shape(shape),
            seed=seed,
            name=scope,
        )


def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Normal samples of ``shape``, redrawn beyond two standard deviations."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise TypeError(
            f"truncated_normal: dtype must be a float type, got {dtype.name}"
        )
    graph = get_default_graph()
    with graph.name_scope(name or "truncated_normal") as scope:
        return build(
            _truncated_normal_impl,
            _scalar(mean, dtype, "mean"),
            _scalar(stddev, dtype, "stddev"),
            shape=_shape(shape),
            seed=seed,
            name=scope,
        )


def random_shuffle(
    value: Any, seed: int | None = None, name: str | None = None
) -> Tensor:
    """``value`` with its first dimension randomly permuted."""
    return build(_shuffle_impl, value, seed=seed, name=name)


def multinomial(
    logits: Any,
    num_samples: Any,
    seed: int | None = None,
    name: str | None = None,
    output_dtype: Any = _dtypes.int64,
) -> Tensor:
    """``num_samples`` class indices per row of ``logits`` ``[batch, classes]``, drawn
    from ``softmax(logits)``: ``[batch, num_samples]`` of ``output_dtype``."""
    logits = convert_to_tensor(logits)
    check_dtype(logits, FLOATS, "Multinomial", "logits")
    if logits.dims is not None and len(logits.dims) != 2:
        raise ValueError(
            f"logits should be a matrix [batch, classes], got shape {logits.shape}"
        )
    output_dtype = _dtypes.as_dtype(output_dtype)
    if output_dtype not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"output_dtype must be int32 or int64, got {output_dtype}")
    return build(
        _multinomial_impl,
        logits,
        num_samples=static_int(num_samples, "num_samples"),
        output_dtype=output_dtype,
        seed=seed,
        name=name,
    )


def categorical(
    logits: Any,
    num_samples: Any,
    dtype: Any = None,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """As :func:`multinomial` (``tf.random.categorical``'s argument order)."""
    return multinomial(
        logits, num_samples, seed, name, _dtypes.int64 if dtype is None else dtype
    )
