"""Clipping ops, as TF1's ``clip_ops``: ``global_norm``, ``clip_by_global_norm``,
``clip_by_norm``.

Where it sits: ordinary ops; typically used between ``compute_gradients`` and
``apply_gradients`` to clip gradients. The global norm is ``optax.tree.norm``;
the scaling follows TF1's formulas (including NaN results for a non-finite norm).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import optax

from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.registry import op


@op("GlobalNorm", list_input="t_list")
def _global_norm_impl(t_list: Sequence[Any]) -> Any:
    return optax.tree.norm(list(t_list)).astype(t_list[0].dtype)


@op("ClipByGlobalNorm", list_input="t_list", num_outputs=-1)
def _clip_by_global_norm_impl(
    t_list: Sequence[Any], clip_norm: Any, use_norm: Any
) -> tuple[Any, ...]:
    # jnp, not numpy, even for constant inputs: inf - inf must give NaN silently.
    use_norm = jnp.asarray(use_norm)
    scale = clip_norm * jnp.minimum(1.0 / use_norm, 1.0 / clip_norm)
    # TF1: a non-finite norm makes every output NaN (inf - inf), not a silent pass.
    scale = scale + (use_norm - use_norm)
    return tuple(t * scale for t in t_list)


@op("ClipByNorm")
def _clip_by_norm_impl(t: Any, clip_norm: Any, *, axes: Any = None) -> Any:
    l2sum = jnp.sum(t * t, axis=axes, keepdims=True)
    positive = l2sum > 0
    # Differentiable at zero: the sqrt never sees a 0 (TF1's trick).
    safe = jnp.where(positive, l2sum, jnp.ones_like(l2sum))
    l2norm = jnp.where(positive, jnp.sqrt(safe), l2sum)
    return t * clip_norm / jnp.maximum(l2norm, clip_norm)


def _tensor_list(t_list: Any, what: str) -> list[Tensor | None]:
    if isinstance(t_list, Tensor) or not isinstance(t_list, Sequence):
        raise TypeError(
            f"{what}: t_list should be a sequence of tensors, got {t_list!r}."
        )
    tensors = [None if t is None else convert_to_tensor(t) for t in t_list]
    if all(t is None for t in tensors):
        raise ValueError(f"{what}: t_list holds no tensors (all entries are None).")
    return tensors


def global_norm(t_list: Sequence[Any], name: str | None = None) -> Tensor:
    """``sqrt(sum(||t||^2 for t in t_list))``; ``None`` entries are ignored.

    >>> import jgraph as tf
    >>> float(tf.Session().run(global_norm([tf.constant([3.0]), tf.constant([4.0])])))
    5.0
    """
    tensors = [t for t in _tensor_list(t_list, "global_norm") if t is not None]
    return build(_global_norm_impl, tensors, name=name or "global_norm")


def clip_by_global_norm(
    t_list: Sequence[Any],
    clip_norm: Any,
    use_norm: Any = None,
    name: str | None = None,
) -> tuple[list[Tensor | None], Tensor]:
    """Scales all of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``, as TF1.

    Args:
      t_list: tensors (``None`` entries are passed through), e.g. gradients.
      clip_norm: the largest global norm allowed (a number or scalar tensor).
      use_norm: a precomputed global norm to use instead of computing it.
      name: name scope (default ``clip_by_global_norm``).

    Returns:
      ``(clipped_list, global_norm)``; when the norm is not finite every clipped
      tensor is NaN, as TF1.

    Raises:
      TypeError: ``t_list`` is not a sequence.
      ValueError: ``t_list`` holds no tensors.

    >>> import jgraph as tf
    >>> (c,), n = clip_by_global_norm([tf.constant([3.0, 4.0])], 1.0)
    >>> print(tf.Session().run(c))
    [0.6 0.8]
    """
    tensors = _tensor_list(t_list, "clip_by_global_norm")
    present = [t for t in tensors if t is not None]
    graph = get_default_graph()
    with graph.name_scope(name or "clip_by_global_norm") as scope:
        norm = (
            global_norm(present)
            if use_norm is None
            else convert_to_tensor(use_norm, present[0].dtype)
        )
        clipped = iter(
            build(_clip_by_global_norm_impl, present, clip_norm, norm, name=scope)
        )
    return [None if t is None else next(clipped) for t in tensors], norm


def clip_by_norm(
    t: Any, clip_norm: Any, axes: Any = None, name: str | None = None
) -> Tensor:
    """``t * clip_norm / max(||t||, clip_norm)``, the L2 norm over ``axes`` (all
    by default), as TF1.

    >>> import jgraph as tf
    >>> print(tf.Session().run(clip_by_norm(tf.constant([3.0, 4.0]), 1.0)))
    [0.6 0.8]
    """
    if axes is not None:
        axes = tuple(
            int(a) for a in (axes if isinstance(axes, list | tuple) else [axes])
        )
    return build(
        _clip_by_norm_impl, t, clip_norm, axes=axes, name=name or "clip_by_norm"
    )


__all__ = ["clip_by_global_norm", "clip_by_norm", "global_norm"]
