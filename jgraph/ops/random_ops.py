"""Random ops. Each draws from its own key: the session's run key folded with the
op's seed (or, without one, its creation index), so a graph seed set with
``set_random_seed`` makes a whole program reproducible bit for bit.

TF1 difference: an op-level ``seed`` without a graph-level seed does not make the
op reproducible across sessions (the session key is random then); set a graph seed.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph import _dtypes
from jgraph._graph import Tensor, get_default_graph
from jgraph._registry import _fold_static, convert_to_tensor, op

DEFAULT_GRAPH_SEED = 87654321


def set_random_seed(seed: int | None) -> None:
    """Sets the graph-level seed of the default graph (sessions created later use it)."""
    get_default_graph().seed = None if seed is None else int(seed)


def _shape(shape: Any) -> tuple[int, ...]:
    value = _fold_static(shape)
    if value is None:
        raise ValueError("Random op shapes must be known when the graph is built.")
    return tuple(int(d) for d in np.asarray(value).reshape(-1))


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


def _scalar(value: Any, dtype: _dtypes.DType) -> Tensor:
    return convert_to_tensor(value, dtype)


def random_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Normal samples of ``shape``."""
    dtype = _dtypes.as_dtype(dtype)
    return _normal_impl(
        _scalar(mean, dtype),
        _scalar(stddev, dtype),
        shape=_shape(shape),
        seed=seed,
        name=name or "random_normal",
    )


def random_uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (maxval 1 for floats)."""
    dtype = _dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    return _uniform_impl(
        _scalar(minval, dtype),
        _scalar(maxval, dtype),
        shape=_shape(shape),
        seed=seed,
        name=name or "random_uniform",
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
    return _truncated_normal_impl(
        _scalar(mean, dtype),
        _scalar(stddev, dtype),
        shape=_shape(shape),
        seed=seed,
        name=name or "truncated_normal",
    )


def random_shuffle(
    value: Any, seed: int | None = None, name: str | None = None
) -> Tensor:
    """``value`` with its first dimension randomly permuted."""
    return _shuffle_impl(value, seed=seed, name=name)
