"""The compiled executables of one lowered function: one per feed shapes, at most
``max_size`` of them, least recently used evicted first.

Where it sits: :meth:`Placement.jit` returns an :class:`Executables` for every
function the session runs on the state (``Session.run``, ``run_steps``).

Why not one plain ``jax.jit``: XLA compiles per input shape, and ``jax.jit``
keeps every executable it compiled for as long as the function lives, so a loop
that feeds a new batch size every step grows memory without bound (about 1.7 MiB
per shape for a small model). Here each feed-shape signature gets a ``jax.jit`` of
its own fresh wrapper function; evicting the entry drops the wrapper and, as JAX's
caches hold that wrapper weakly, what JAX cached for it; what JAX cached for
its own functions at those shapes goes each time the executables turned over
(:func:`_drop_staging_caches`). Calls take
``jax.jit``'s C++ dispatch (an ahead-of-time ``Compiled`` call costs ~10 us more
per run).

A second property the session relies on: tracing and compiling (where warnings,
shape errors and ``KeyboardInterrupt`` can happen) run before the function is
called (``lower(...).compile()`` fills the caches the call then hits), so no
Python code of ours runs between the moment the donated state buffers are
consumed and the moment the new state is returned to ``State.call``. (The first
call of each wrapper takes JAX's Python path once: after executing it only
records the C++ fast path, with ``SIGINT`` held back by ``State.exclusive``.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
from jax._src import util as jax_util

from jgraph.compile.shape_feeds import StaticFeed


class Executables:
    """``fn`` jitted with ``donate_argnums``, one jitted wrapper per shapes of the
    fed values, at most ``max_size`` of them.

    ``fn(ro, rw, *feeds, key, constants)`` takes tuples of fed values between the
    state and the key; only their shapes change between calls (``State`` checks
    every value it stores, the key's shape is fixed and a plan's constants are
    its own).

    Attributes:
      evictions: executables dropped to stay within ``max_size``.
    """

    __slots__ = ("_cache", "_donate", "_fn", "_options", "evictions", "max_size")

    def __init__(
        self,
        fn: Callable[..., Any],
        donate_argnums: Sequence[int],
        max_size: int,
        compiler_options: Mapping[str, str] | None = None,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"max_compiled_shapes must be >= 1, got {max_size}")
        self._fn = fn
        self._donate = tuple(donate_argnums)
        self._options = dict(compiler_options) if compiler_options else None
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self.max_size = max_size
        self.evictions = 0

    def __call__(self, *args: Any) -> Any:
        key = tuple([_shape(v) for feeds in args[2:-2] for v in feeds])
        jitted = self._cache.get(key)
        if jitted is None:
            jitted = self._compile(key, args)
        else:
            self._cache.move_to_end(key)
        return jitted(*args)

    def __len__(self) -> int:
        return len(self._cache)

    def _compile(self, key: tuple, args: tuple) -> Any:
        fn = self._fn

        def run(*run_args: Any) -> Any:
            return fn(*run_args)

        jitted = jax.jit(
            run, donate_argnums=self._donate, compiler_options=self._options
        )
        jitted.lower(*args).compile()
        self._cache[key] = jitted
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_size:
            self._cache.popitem(last=False)
            self.evictions += 1
            if self.evictions % self.max_size == 0:
                _drop_staging_caches()
        return jitted


def _drop_staging_caches() -> None:
    """Empties JAX's tracing, lowering and compilation caches (not the executables
    live ``jax.jit`` functions dispatch to: those stay compiled).

    Why: JAX keeps what it traced for every function at every shape it met, some
    of it in caches without a bound (``trace_to_jaxpr`` keyed on ``jnp``'s own
    module-level functions), so a run fed a new shape every step grows memory
    for good even after its executable is dropped. Called once the bounded
    executables turned over entirely, it costs at most a re-trace of a shape
    seen again; ``jax.clear_caches()`` would also drop every live executable of
    the process (user code included), so the narrower ``util`` call is used.
    """
    jax_util.clear_all_caches()


def _shape(value: Any) -> Any:
    """What keys a fed value's executable: its shape; a feed that sets shapes is
    static, so its value is part of the key."""
    return value if type(value) is StaticFeed else getattr(value, "shape", None)
