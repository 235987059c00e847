"""The session's random state: TF1's seeding rules on JAX keys.

TF1 (``tf.set_random_seed``, ``tf.random_*(seed=...)``) fixes each random op's pair
``(graph seed, op seed)`` when the op is built (``Graph.random_op``): an op seed
alone takes TF1's default graph seed; a graph seed alone gives the op the count of
the graph's random ops built so before it; with neither the op has no pair and its
numbers differ from session to session. Each op has its own stream: two ops with
one pair draw the same numbers, and an op's stream advances only when that op runs.

So the session's random state (:class:`RngState`) is two root keys and one run
counter per random op (by its slot in the graph, ``Graph.random_op``): the key of
one op in one run is its pair (or, without one, the session's own root and the
op's slot) folded with the number of runs that op drew in before
(:func:`op_key`); each run advances the counters of the ops it ran
(:func:`advance`). The numbers differ from TF1's (another generator).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

_UNSEEDED, _SEEDED = 0, 1
_CAPACITY_STEP = 64  # counters grow by this many, so a growing graph rarely retraces
_SEEDED_ROOT = 0  # the root of seeded streams: the same in every session


class RngState(NamedTuple):
    """The random state of a session.

    Attributes:
      roots: ``[unseeded root, seeded root]``: ops without a seed pair draw from
        the first (the session's own, from the OS), ops with one from the second
        (the same in every session).
      counts: ``uint32[capacity]``: how many runs each random op (by its slot)
        drew in; slots past the end have not run.
    """

    roots: jax.Array
    counts: jax.Array


def initial_state(random_ops: int = 0) -> RngState:
    """The random state of a new session on a graph with ``random_ops`` random ops."""
    unseeded = int.from_bytes(os.urandom(4), "little")
    roots = jnp.stack([jax.random.PRNGKey(unseeded), jax.random.PRNGKey(_SEEDED_ROOT)])
    return RngState(roots, jnp.zeros(_capacity(random_ops), jnp.uint32))


def as_state(key: Any) -> RngState:
    """``key`` as a session's random state: an :class:`RngState` stays as it is;
    a single key (``jax.random.PRNGKey(n)``) becomes both roots, counters at zero;
    a pair of keys becomes the roots."""
    if isinstance(key, RngState):
        return key
    key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
    single_ndim = 0 if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else 1
    if key.ndim == single_ndim:
        key = jnp.stack([key, key])
    elif not (key.ndim == single_ndim + 1 and key.shape[0] == 2):
        raise ValueError(
            f"Expected a JAX PRNG key or a session key pair, got an array of shape"
            f" {list(key.shape)} and dtype {key.dtype}."
        )
    return RngState(key, jnp.zeros(_CAPACITY_STEP, jnp.uint32))


def op_key(
    state: RngState, slot: int, seeds: tuple[int, int] | None, folds: Iterable[Any]
) -> jax.Array:
    """The key of the random op in ``slot`` (seed pair ``seeds``) in this run;
    ``folds`` (loop counters) give each iteration its own numbers."""
    if seeds is None:
        base = jax.random.fold_in(state.roots[_UNSEEDED], slot)
    else:
        base = _fold_int(_fold_int(state.roots[_SEEDED], seeds[0]), seeds[1])
    runs = state.counts[slot] if slot < state.counts.shape[0] else 0
    key = jax.random.fold_in(base, runs)
    for data in folds:
        key = jax.random.fold_in(key, data)
    return key


def advance(state: RngState, slots: tuple[int, ...]) -> RngState:
    """The state after a run that ran the random ops in ``slots``."""
    counts = grown(state, slots).counts
    if slots:
        counts = counts.at[np.asarray(slots)].add(jnp.uint32(1))
    return RngState(state.roots, counts)


def grown(state: RngState, slots: tuple[int, ...]) -> RngState:
    """``state`` with a counter for every slot in ``slots``."""
    needed = _capacity(max(slots, default=-1) + 1)
    have = state.counts.shape[0]
    if needed <= have:
        return state
    counts = jnp.concatenate(
        [state.counts, jnp.zeros(needed - have, state.counts.dtype)]
    )
    return RngState(state.roots, counts)


def _capacity(count: int) -> int:
    return max(1, -(-count // _CAPACITY_STEP)) * _CAPACITY_STEP


def _fold_int(key: jax.Array, value: int) -> jax.Array:
    """``key`` folded with a Python int of up to 64 bits (TF1 seeds are int64)."""
    value &= (1 << 64) - 1
    key = jax.random.fold_in(key, value & 0xFFFFFFFF)
    high = value >> 32
    return jax.random.fold_in(key, high) if high else key
