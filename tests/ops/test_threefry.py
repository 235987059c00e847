"""jgraph's unrolled Threefry gives the numbers ``jax.random`` gives for the same
key (so the fast CPU form changes no random stream), and falls back to
``jax.random`` where it does not apply."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jgraph.ops import _threefry

SHAPES = [(), (1,), (3,), (5, 7), (2, 3, 4, 5), (128, 7, 7, 64), (0, 4)]
KEYS = [
    jax.random.PRNGKey(0),
    jax.random.fold_in(jax.random.PRNGKey(7), 3),
    jnp.array([0xFFFFFFFF, 0x80000000], jnp.uint32),
]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("key_index", range(len(KEYS)))
def test_bits_and_uniform_equal_jax_random(shape, key_index):
    key = KEYS[key_index]
    bits = jax.jit(_threefry.random_bits, static_argnums=1)(key, shape)
    expected = jax.random.bits(key, shape)
    assert bits.dtype == expected.dtype == jnp.uint32
    np.testing.assert_array_equal(bits, expected)
    got = jax.jit(_threefry.uniform, static_argnums=(1, 2))(
        key, shape, jnp.float32, -2.0, 3.5
    )
    want = jax.random.uniform(key, shape, jnp.float32, -2.0, 3.5)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_hash_matches_a_known_answer():
    # Threefry-2x32, 20 rounds, key and counters all 0xFFFFFFFF: the published
    # known-answer vector (Random123's kat_vectors).
    ones = np.uint32(0xFFFFFFFF)
    x0, x1 = _threefry.threefry2x32(ones, ones, jnp.uint32(ones), jnp.uint32(ones))
    assert (int(x0), int(x1)) == (0x1CB996FC, 0xBB002BE7)


def test_other_dtypes_and_keys_fall_back_to_jax_random():
    key = jax.random.PRNGKey(1)
    half = _threefry.uniform(key, (4, 5), jnp.float16)
    np.testing.assert_array_equal(half, jax.random.uniform(key, (4, 5), jnp.float16))
    typed = jax.random.key(1, impl="rbg")
    np.testing.assert_array_equal(
        _threefry.uniform(typed, (6,), jnp.float32),
        jax.random.uniform(typed, (6,), jnp.float32),
    )


def _traced(fn, *args):
    return str(jax.make_jaxpr(fn)(*args))  # nested jaxprs included


def test_the_fast_form_is_used_unless_the_environment_switches_it_off(monkeypatch):
    # Same numbers either way, so the test looks at what is traced: jgraph's own
    # rounds (no random_bits primitive), or JAX's under JGRAPH_CPU_KERNELS=xla.
    def draw(key):
        return _threefry.uniform(key, (8, 3), jnp.float32)

    key = jax.random.PRNGKey(2)
    assert "random_bits" not in _traced(draw, key)
    monkeypatch.setenv("JGRAPH_CPU_KERNELS", "xla")
    # A new function: JAX caches a function's trace.
    assert "random_bits" in _traced(lambda k: draw(k), key)


def test_dropout_draws_jax_random_uniform_numbers():
    # The op's keep mask is jax.random.uniform(key) < keep_prob for its key.
    from jgraph.ops.nn_ops import _dropout_impl

    key = jax.random.PRNGKey(11)
    x = jnp.arange(1.0, 61.0, dtype=jnp.float32).reshape(6, 10)
    got = _dropout_impl(key, x, jnp.float32(0.7))
    keep = jax.random.uniform(key, (6, 10), jnp.float32) < 0.7
    np.testing.assert_array_equal(got, np.where(keep, x / np.float32(0.7), 0))
