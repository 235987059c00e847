"""Where the session's state and feeds live, and how its functions are compiled.

The session asks its :class:`Placement` three things: how to jit a lowered pure
function, where to put a state array, and how to hand feeds to the compiled
function. The default places everything on JAX's default device; data-parallel
and multi-device placements (``distribute.py``) give shardings instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax


class Placement:
    """Single-device placement: JAX's default device, plain ``jax.jit``."""

    def jit(self, fn: Callable[..., Any], donate_argnums: Sequence[int]) -> Callable[..., Any]:
        """Compiles a lowered ``(ro_vars, rw_vars, feeds, key)`` function."""
        return jax.jit(fn, donate_argnums=tuple(donate_argnums))

    def put_state(self, name: str, value: Any) -> jax.Array:
        """The array that holds state entry ``name`` (a variable) in the session."""
        del name
        return jax.device_put(value)

    def put_feeds(self, feeds: Sequence[Any], values: tuple) -> tuple:
        """Feed values as the compiled function takes them (here: as given)."""
        del feeds
        return values
