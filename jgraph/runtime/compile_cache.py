"""The opt-in persistent compilation cache: a second run of the same script loads
its compiled runs from disk instead of compiling them again.

Where it sits: the session calls :func:`configure` when it is created. The cache is
JAX's own (``jax_compilation_cache_dir``): XLA executables keyed by the compiled
program, the JAX/XLA versions and the device, so a changed graph, shape or jgraph
version simply misses. It is set from ``ConfigProto(compilation_cache_dir=...)`` or
the environment variable ``JGRAPH_COMPILATION_CACHE_DIR`` (the ``ConfigProto``
field wins); JAX's own ``JAX_COMPILATION_CACHE_DIR`` works as well.

The setting is per process, as JAX's is: the last directory configured is used by
every session from then on. Runs that compile in less than
:data:`MIN_COMPILE_SECONDS` are not written (JAX's default threshold is one second,
which would leave out most of a small model's runs).

JAX's warning holds: the cache is trusted code; do not use a directory that others
can write.
"""

from __future__ import annotations

import os
from typing import Any

import jax
from jax.experimental.compilation_cache import compilation_cache

ENV = "JGRAPH_COMPILATION_CACHE_DIR"
MIN_COMPILE_SECONDS = 0.1
_JAX_DEFAULT_MIN_COMPILE_SECONDS = 1.0


def cache_dir(config: Any) -> str | None:
    """The directory ``config`` (a ``ConfigProto``, or None) or the environment asks
    for, or ``None``."""
    path = getattr(config, "compilation_cache_dir", None) or os.environ.get(ENV)
    return os.path.abspath(os.path.expanduser(path)) if path else None


def configure(config: Any) -> str | None:
    """Points JAX's persistent compilation cache at the directory ``config`` or the
    environment names (made if missing); returns it, or ``None`` when none is
    named (JAX's own setting is then left as it is)."""
    path = cache_dir(config)
    # jax.config's options are dynamic attributes (pyright cannot see them).
    cfg: Any = jax.config
    if path is None or cfg.jax_compilation_cache_dir == path:
        return path
    os.makedirs(path, exist_ok=True)
    previous = cfg.jax_compilation_cache_dir
    jax.config.update("jax_compilation_cache_dir", path)
    if (
        cfg.jax_persistent_cache_min_compile_time_secs
        == _JAX_DEFAULT_MIN_COMPILE_SECONDS
    ):
        jax.config.update(
            "jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS
        )
    if previous:
        # JAX opens its cache once, at the first compile: re-open it at the new place.
        compilation_cache.reset_cache()
    return path
