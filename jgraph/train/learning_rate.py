"""TF1's learning-rate schedules: tensors computed from the global step.

Where it sits: ops on the graph, like any other. A schedule's tensor is usually
the ``learning_rate`` of an optimizer; it is computed in the same run as the
train op, from the global step's value at the start of that run (as TF1). Where
optax has the same formula (``exponential_decay``, ``cosine_decay``) the op
calls the optax schedule; the others are TF1's one-line formulas.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
import optax

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.registry import op


def _progress(step: Any, decay_steps: float, staircase: bool) -> Any:
    p = step / decay_steps
    return jnp.floor(p) if staircase else p


@op("ExponentialDecay", same_dtype=False)
def _exponential_decay_impl(
    learning_rate: Any,
    global_step: Any,
    *,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
) -> Any:
    dtype = learning_rate.dtype
    # optax annotates transition_steps as int; it only divides by it, and TF1
    # allows a float decay_steps.
    schedule = optax.exponential_decay(
        1.0,
        decay_steps,  # pyright: ignore[reportArgumentType]
        decay_rate,
        staircase=staircase,
    )
    return (learning_rate * schedule(global_step.astype(dtype))).astype(dtype)


@op("CosineDecay", same_dtype=False)
def _cosine_decay_impl(
    learning_rate: Any, global_step: Any, *, decay_steps: float, alpha: float = 0.0
) -> Any:
    dtype = learning_rate.dtype
    # optax annotates decay_steps as int; a float works (TF1 allows one).
    schedule = optax.cosine_decay_schedule(
        1.0,
        decay_steps,  # pyright: ignore[reportArgumentType]
        alpha,
    )
    return (learning_rate * schedule(global_step.astype(dtype))).astype(dtype)


@op("InverseTimeDecay", same_dtype=False)
def _inverse_time_decay_impl(
    learning_rate: Any,
    global_step: Any,
    *,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
) -> Any:
    dtype = learning_rate.dtype
    p = _progress(global_step.astype(dtype), decay_steps, staircase)
    return (learning_rate / (1 + decay_rate * p)).astype(dtype)


@op("NaturalExpDecay", same_dtype=False)
def _natural_exp_decay_impl(
    learning_rate: Any,
    global_step: Any,
    *,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
) -> Any:
    dtype = learning_rate.dtype
    p = _progress(global_step.astype(dtype), decay_steps, staircase)
    return (learning_rate * jnp.exp(-decay_rate * p)).astype(dtype)


@op("PolynomialDecay", same_dtype=False)
def _polynomial_decay_impl(
    learning_rate: Any,
    global_step: Any,
    *,
    decay_steps: float,
    end_learning_rate: float,
    power: float,
    cycle: bool = False,
) -> Any:
    dtype = learning_rate.dtype
    step = global_step.astype(dtype)
    if cycle:
        # TF1: restart the decay every decay_steps (the first period includes 0).
        multiplier = jnp.where(step == 0, 1.0, jnp.ceil(step / decay_steps))
        steps = decay_steps * multiplier
    else:
        step = jnp.minimum(step, decay_steps)
        steps = decay_steps
    fraction = 1 - step / steps
    decayed = (learning_rate - end_learning_rate) * fraction**power
    return (decayed + end_learning_rate).astype(dtype)


@op("PiecewiseConstant", list_input="values", same_dtype=("values",))
def _piecewise_constant_impl(
    x: Any, values: Sequence[Any], *, boundaries: tuple[Any, ...]
) -> Any:
    index = jnp.searchsorted(jnp.asarray(boundaries, x.dtype), x, side="left")
    return jnp.stack(values)[index]


def _schedule(
    impl: Callable[..., Any],
    scope_name: str,
    fn_name: str,
    learning_rate: Any,
    global_step: Any,
    decay_steps: Any,
    name: str | None,
    **attrs: Any,
) -> Tensor:
    """Converts the inputs and builds one schedule op inside TF1's name scope."""
    if global_step is None:
        raise ValueError(f"global_step is required for {fn_name}.")
    if isinstance(decay_steps, Tensor) or not float(decay_steps) > 0:
        raise ValueError(
            f"{fn_name}: decay_steps must be a positive Python number, got"
            f" {decay_steps!r}."
        )
    steps = float(decay_steps)
    graph = get_default_graph()
    with graph.name_scope(name or scope_name) as scope:
        lr = convert_to_tensor(learning_rate, _python_float(learning_rate))
        if not lr.dtype.is_floating:
            raise TypeError(
                f"{fn_name}: learning_rate must be floating, got"
                f" {lr.dtype.name} ({lr.name})."
            )
        step = convert_to_tensor(global_step)
        return build(impl, lr, step, decay_steps=steps, name=scope, **attrs)


def _python_float(value: Any) -> Any:
    return _dtypes.float32 if isinstance(value, int | float) else None


def exponential_decay(
    learning_rate: Any,
    global_step: Any,
    decay_steps: Any,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Tensor:
    """``learning_rate * decay_rate ^ (global_step / decay_steps)``, as TF1
    (with ``staircase``, the exponent is floored).

    Args:
      learning_rate: a float or floating scalar tensor.
      global_step: the step (a tensor or variable, e.g. the global step).
      decay_steps: positive number of steps per decay period.
      decay_rate: the decay per period.
      staircase: decay in discrete jumps.
      name: name scope (default ``ExponentialDecay``).

    Raises:
      ValueError: ``global_step`` is None or ``decay_steps`` is not positive.

    >>> import jgraph as tf
    >>> lr = exponential_decay(0.1, tf.constant(10), 10, 0.5)
    >>> round(float(tf.Session().run(lr)), 6)
    0.05
    """
    return _schedule(
        _exponential_decay_impl,
        "ExponentialDecay",
        "exponential_decay",
        learning_rate,
        global_step,
        decay_steps,
        name,
        decay_rate=float(decay_rate),
        staircase=bool(staircase),
    )


def inverse_time_decay(
    learning_rate: Any,
    global_step: Any,
    decay_steps: Any,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Tensor:
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)``, as TF1."""
    return _schedule(
        _inverse_time_decay_impl,
        "InverseTimeDecay",
        "inverse_time_decay",
        learning_rate,
        global_step,
        decay_steps,
        name,
        decay_rate=float(decay_rate),
        staircase=bool(staircase),
    )


def natural_exp_decay(
    learning_rate: Any,
    global_step: Any,
    decay_steps: Any,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Tensor:
    """``learning_rate * exp(-decay_rate * global_step / decay_steps)``, as TF1."""
    return _schedule(
        _natural_exp_decay_impl,
        "NaturalExpDecay",
        "natural_exp_decay",
        learning_rate,
        global_step,
        decay_steps,
        name,
        decay_rate=float(decay_rate),
        staircase=bool(staircase),
    )


def polynomial_decay(
    learning_rate: Any,
    global_step: Any,
    decay_steps: Any,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
    name: str | None = None,
) -> Tensor:
    """``(lr - end) * (1 - step / decay_steps) ^ power + end``, step capped at
    ``decay_steps`` (or, with ``cycle``, ``decay_steps`` stretched to the next
    multiple of itself), as TF1."""
    return _schedule(
        _polynomial_decay_impl,
        "PolynomialDecay",
        "polynomial_decay",
        learning_rate,
        global_step,
        decay_steps,
        name,
        end_learning_rate=float(end_learning_rate),
        power=float(power),
        cycle=bool(cycle),
    )


def cosine_decay(
    learning_rate: Any,
    global_step: Any,
    decay_steps: Any,
    alpha: float = 0.0,
    name: str | None = None,
) -> Tensor:
    """``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) /
    decay_steps)) + alpha)``, as TF1 (``optax.cosine_decay_schedule``)."""
    return _schedule(
        _cosine_decay_impl,
        "CosineDecay",
        "cosine_decay",
        learning_rate,
        global_step,
        decay_steps,
        name,
        alpha=float(alpha),
    )


def piecewise_constant(
    x: Any, boundaries: Sequence[Any], values: Sequence[Any], name: str | None = None
) -> Tensor:
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < x <= boundaries[i]``, ``values[-1]`` after, as TF1.

    Args:
      x: a scalar tensor (typically the global step).
      boundaries: increasing Python numbers, compared in ``x``'s dtype.
      values: one more value than boundaries (numbers or scalar tensors of one
        dtype).
      name: name scope (default ``PiecewiseConstant``).

    Raises:
      ValueError: the lengths do not fit, or a boundary does not fit ``x``'s dtype.

    >>> import jgraph as tf
    >>> lr = piecewise_constant(tf.constant(5), [3, 8], [1.0, 0.5, 0.1])
    >>> float(tf.Session().run(lr))
    0.5
    """
    if len(boundaries) != len(values) - 1:
        raise ValueError(
            "The length of boundaries should be 1 less than the length of values"
            f" (got {len(boundaries)} boundaries and {len(values)} values)."
        )
    graph = get_default_graph()
    with graph.name_scope(name or "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        bounds = []
        for b in boundaries:
            if isinstance(b, Tensor):
                raise TypeError(
                    "piecewise_constant: boundaries must be Python numbers in jgraph,"
                    f" got tensor {b.name}."
                )
            value = np.asarray(b).item()
            if x.dtype.is_integer and value != int(value):
                raise ValueError(
                    f"Boundaries ({boundaries}) must have the same dtype as x"
                    f" ({x.dtype.name})."
                )
            bounds.append(int(value) if x.dtype.is_integer else float(value))
        if any(b2 <= b1 for b1, b2 in itertools.pairwise(bounds)):
            raise ValueError(f"Boundaries must be increasing, got {boundaries}.")
        tensors = [
            v if isinstance(v, Tensor) else convert_to_tensor(v, _python_float(v))
            for v in values
        ]
        if len({t.dtype for t in tensors}) > 1:
            raise ValueError(
                "Values must have elements all with the same dtype"
                f" ({[t.dtype.name for t in tensors]})."
            )
        return build(
            _piecewise_constant_impl, x, tensors, boundaries=tuple(bounds), name=scope
        )


__all__ = [
    "cosine_decay",
    "exponential_decay",
    "inverse_time_decay",
    "natural_exp_decay",
    "piecewise_constant",
    "polynomial_decay",
]
