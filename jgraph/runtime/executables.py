"""The compiled executables of one lowered function: one per feed shapes, at most
``max_size`` of them, least recently used evicted first.

Where it sits: :meth:`Placement.jit` returns an :class:`Executables` for every
function the session runs on the state (``Session.run``, ``run_steps``).

Why not a plain ``jax.jit``: XLA compiles per input shape, and ``jax.jit`` keeps
every executable it compiled for as long as the function lives, so a loop that
feeds a new batch size every step grows memory without bound (about 1.7 MiB per
shape for a small model). Here each feed-shape signature gets its own
ahead-of-time compiled executable of a fresh wrapper function; evicting the entry
drops the executable and, as JAX's caches hold that wrapper weakly, what JAX
cached for it.

A second property the session relies on: tracing and compiling (where warnings,
shape errors and ``KeyboardInterrupt`` can happen) run before the executable is
called, and calling it is a single C++ call, so no Python code runs between the
moment the donated state buffers are consumed and the moment the new state is
returned to ``State.call``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import jax

from jgraph.compile.shape_feeds import StaticFeed


class Executables:
    """``fn`` jitted with ``donate_argnums``, one compiled executable per shapes of
    the arguments after the first two (the state), at most ``max_size`` of them.

    Attributes:
      evictions: executables dropped to stay within ``max_size``.
    """

    __slots__ = ("_cache", "_donate", "_fn", "evictions", "max_size")

    def __init__(
        self, fn: Callable[..., Any], donate_argnums: Sequence[int], max_size: int
    ) -> None:
        if max_size < 1:
            raise ValueError(f"max_compiled_shapes must be >= 1, got {max_size}")
        self._fn = fn
        self._donate = tuple(donate_argnums)
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self.max_size = max_size
        self.evictions = 0

    def __call__(self, *args: Any) -> Any:
        key = _shapes(args)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = self._compile(key, args)
        else:
            self._cache.move_to_end(key)
        try:
            return compiled(*args)
        except TypeError:
            # Same shapes, other types (a committed array, another x64 mode): the
            # check runs before anything executes, so nothing was donated yet.
            return self._compile(key, args)(*args)

    def __len__(self) -> int:
        return len(self._cache)

    def _compile(self, key: tuple, args: tuple) -> Any:
        fn = self._fn

        def run(*run_args: Any) -> Any:
            return fn(*run_args)

        compiled = jax.jit(run, donate_argnums=self._donate).lower(*args).compile()
        self._cache[key] = compiled
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_size:
            self._cache.popitem(last=False)
            self.evictions += 1
        return compiled


def _shapes(args: tuple) -> tuple:
    """The shapes of the arguments after the state (feeds, key, constants): the
    state's own shapes never change (``State`` checks every value it stores). A
    feed that sets shapes is static: its value is part of the key."""
    shapes: list[Any] = []
    for arg in args[2:]:
        if type(arg) is tuple:
            shapes.extend([_signature(v) for v in arg])
        else:
            shapes.append(_signature(arg))
    return tuple(shapes)


def _signature(value: Any) -> Any:
    return value if isinstance(value, StaticFeed) else getattr(value, "shape", None)
