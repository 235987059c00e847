"""TF1's execution-mode switches. jgraph has one mode: TF1 graph mode.

Programs built with ``import jgraph as tf`` (or ``tf.compat.v1``) build a graph
and run it in a ``tf.Session``; there is no eager execution and no TF2 behaviour.
So the switches that ask for graph mode do nothing, and those that ask for
another mode raise ``NotImplementedError``.
"""

from __future__ import annotations

from typing import Any

_GRAPH_ONLY = (
    "jgraph is the TF1 graph API only: build the graph and run it with tf.Session."
    " For eager array code, use JAX (jax.numpy) directly."
)


def disable_v2_behavior() -> None:
    """Does nothing: jgraph always behaves as TF1 (graph mode, sessions)."""


def enable_v2_behavior() -> None:
    """Raises ``NotImplementedError``: jgraph has no TF2 behaviour."""
    raise NotImplementedError(f"tf.enable_v2_behavior: {_GRAPH_ONLY}")


def disable_eager_execution() -> None:
    """Does nothing: jgraph only builds graphs (eager execution never is on)."""


def enable_eager_execution(
    config: Any = None, device_policy: Any = None, execution_mode: Any = None
) -> None:
    """Raises ``NotImplementedError``: jgraph has no eager execution."""
    raise NotImplementedError(f"tf.enable_eager_execution: {_GRAPH_ONLY}")


def executing_eagerly() -> bool:
    """``False``: jgraph ops always build a graph."""
    return False


__all__ = [
    "disable_eager_execution",
    "disable_v2_behavior",
    "enable_eager_execution",
    "enable_v2_behavior",
    "executing_eagerly",
]
