"""The session's random state: TF1's seeding rules on JAX keys.

TF1 (``tf.set_random_seed``): with a graph seed, every random op is reproducible (its
op seed, or else its creation order, picks its stream); with only an op seed the op
is reproducible too (under a fixed default graph seed); with neither, numbers differ
from program to program. So the state is a *pair* of key chains, both advancing once
per run:

- chain 0 serves ops without a seed: it starts from the graph seed, or from the OS's
  randomness when there is none;
- chain 1 serves ops with a seed: it starts from the graph seed, or from
  :data:`DEFAULT_GRAPH_SEED`.

An op's key for one run is its chain's run key folded with the op's seed or id.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp

DEFAULT_GRAPH_SEED = 87654321  # TF1's, used when only op seeds are set
_UNSEEDED, _SEEDED = 0, 1


def initial_key(graph_seed: int | None) -> jax.Array:
    """The state key of a new session on a graph with seed ``graph_seed``."""
    if graph_seed is None:
        unseeded = int.from_bytes(os.urandom(4), "little")
        seeded = DEFAULT_GRAPH_SEED
    else:
        unseeded = seeded = graph_seed
    return jnp.stack([jax.random.PRNGKey(unseeded), jax.random.PRNGKey(seeded)])


def as_state_key(key: Any) -> jax.Array:
    """``key`` as a state key: a pair from :func:`initial_key` stays as it is; a
    single key (``jax.random.PRNGKey(n)``) seeds both chains."""
    key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
    single_ndim = 0 if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else 1
    if key.ndim == single_ndim:
        return jnp.stack([key, key])
    if key.ndim == single_ndim + 1 and key.shape[0] == 2:
        return key
    raise ValueError(
        f"Expected a JAX PRNG key or a session key pair, got an array of shape"
        f" {list(key.shape)} and dtype {key.dtype}."
    )


def split(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(run_keys, next_key)``: the keys this run's ops use, and the next state."""
    halves = jax.vmap(jax.random.split)(key)  # (chain, half, *key shape)
    return halves[:, 0], halves[:, 1]


def fold(run_keys: jax.Array, data: Any) -> jax.Array:
    """``run_keys`` with ``data`` (a loop counter) folded into both chains."""
    return jax.vmap(jax.random.fold_in, in_axes=(0, None))(run_keys, data)


def op_key(run_keys: jax.Array, op_id: int, seed: int | None) -> jax.Array:
    """The key of one random op in one run."""
    if seed is None:
        return jax.random.fold_in(
            jax.random.fold_in(run_keys[_UNSEEDED], _UNSEEDED), op_id
        )
    return jax.random.fold_in(jax.random.fold_in(run_keys[_SEEDED], _SEEDED), seed)
