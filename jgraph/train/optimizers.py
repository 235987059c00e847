"""TF1's optimizers, each a thin adapter naming an optax rule.

Where it sits: subclasses of :class:`~jgraph.train.optimizer.Optimizer`, which
builds the train op and keeps the optax state in variables. Each class here only
chooses the optax transformation (with TF1's defaults) and maps optax's state
fields to TF1's slot names. Every numeric difference from TF1 is stated in the
class docstring; unless one is stated, the optax rule computes TF1's formula.

Slot and counter variables (``<var>`` is the trained variable's op name):

- GradientDescent: none.
- Momentum: ``momentum`` = ``<var>/Momentum``.
- Adam: ``m`` = ``<var>/Adam``, ``v`` = ``<var>/Adam_1``; counter ``Adam/count``.
- Adagrad: ``accumulator`` = ``<var>/Adagrad``.
- RMSProp: ``rms`` = ``<var>/RMSProp``, then (if centered) ``mg``, then
  ``momentum``: ``<var>/RMSProp_1`` (``_2`` when centered).
- Adadelta: ``accum`` = ``<var>/Adadelta``, ``accum_update`` = ``<var>/Adadelta_1``.

(With a non-default optimizer ``name`` the suffix is that name.)
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
import optax

from jgraph.train.optimizer import Optimizer


def _number(value: Any, what: str, owner: str) -> float:
    """A Python number for a hyperparameter (only the learning rate may be a tensor)."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    ):
        return float(value)
    raise TypeError(
        f"{owner}: {what} must be a Python number, got {value!r}. (Only"
        " learning_rate may be a tensor or placeholder in jgraph.)"
    )


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent, ``var -= lr * grad`` (``optax.sgd``).

    >>> opt = GradientDescentOptimizer(0.1)
    """

    def __init__(
        self,
        learning_rate: Any,
        use_locking: bool = False,
        name: str = "GradientDescent",
    ) -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        return optax.sgd(learning_rate)


class MomentumOptimizer(Optimizer):
    """Momentum: ``accum = momentum * accum + grad; var -= lr * accum``
    (``optax.sgd(lr, momentum, nesterov)``); with ``use_nesterov``,
    ``var -= lr * (grad + momentum * accum)``, as TF1.

    Slot ``"momentum"`` (``<var>/Momentum``) holds ``accum`` exactly as TF1.

    >>> opt = MomentumOptimizer(0.1, momentum=0.9, use_nesterov=True)
    """

    _SLOTS = {"trace": "momentum"}  # noqa: RUF012 - class-level constant table

    def __init__(
        self,
        learning_rate: Any,
        momentum: float,
        use_locking: bool = False,
        name: str = "Momentum",
        use_nesterov: bool = False,
    ) -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = _number(momentum, "momentum", type(self).__name__)
        self._use_nesterov = bool(use_nesterov)

    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        return optax.sgd(
            learning_rate, momentum=self._momentum, nesterov=self._use_nesterov
        )


class AdamOptimizer(Optimizer):
    """Adam with TF1's defaults (``optax.adam``).

    TF1's update is ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t);
    var -= lr_t * m / (sqrt(v) + epsilon)``: its epsilon is added to the
    *uncorrected* ``sqrt(v)``. optax computes ``m_hat / (sqrt(v_hat) + eps)``
    with bias-corrected moments. The two are equal when optax's ``eps`` is
    ``epsilon / sqrt(1 - beta2^t)``, so by default (``tf1_exact=True``) jgraph
    hands optax that per-step ``eps`` (computed from optax's own step count):
    TF1's formula, to float rounding. ``tf1_exact=False`` uses optax's rule
    with a constant ``eps`` instead (it differs from TF1 mostly in the first
    steps and whenever ``sqrt(v)`` is near ``epsilon``).

    Slots: ``"m"`` (``<var>/Adam``) and ``"v"`` (``<var>/Adam_1``), as TF1.

    TF1 difference: the step is counted in one int32 variable ``Adam/count``
    (optax's ``count``) instead of TF1's float ``beta1_power``/``beta2_power``.

    >>> opt = AdamOptimizer()  # learning_rate=0.001, 0.9, 0.999, 1e-8
    """

    _SLOTS = {"mu": "m", "nu": "v"}  # noqa: RUF012 - class-level constant table

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        use_locking: bool = False,
        name: str = "Adam",
        *,
        tf1_exact: bool = True,
    ) -> None:
        super().__init__(use_locking, name)
        owner = type(self).__name__
        self._learning_rate = learning_rate
        self._beta1 = _number(beta1, "beta1", owner)
        self._beta2 = _number(beta2, "beta2", owner)
        self._epsilon = _number(epsilon, "epsilon", owner)
        self._tf1_exact = bool(tf1_exact)

    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        eps: Any = self._epsilon
        if self._tf1_exact and state is not None:
            adam_state = state[0]  # optax.adam = chain(scale_by_adam, scale by lr)
            if not isinstance(adam_state, optax.ScaleByAdamState):
                raise TypeError(f"unexpected optax.adam state layout: {state!r}")
            dtype = jnp.result_type(learning_rate)
            # count is a JAX int array (optax annotates it as any array-like).
            step = jnp.asarray(adam_state.count + 1).astype(dtype)
            eps = eps / jnp.sqrt(1 - jnp.asarray(self._beta2, dtype) ** step)
        return optax.adam(learning_rate, b1=self._beta1, b2=self._beta2, eps=eps)


class AdagradOptimizer(Optimizer):
    """Adagrad, ``accum += grad^2; var -= lr * grad / sqrt(accum)``, as TF1
    (``optax.adagrad`` with ``eps=0``: TF1 adds no epsilon).

    Slot ``"accumulator"`` (``<var>/Adagrad``), initialised to
    ``initial_accumulator_value``.

    >>> opt = AdagradOptimizer(0.1)
    """

    _SLOTS = {"sum_of_squares": "accumulator"}  # noqa: RUF012

    def __init__(
        self,
        learning_rate: Any,
        initial_accumulator_value: float = 0.1,
        use_locking: bool = False,
        name: str = "Adagrad",
    ) -> None:
        super().__init__(use_locking, name)
        value = _number(
            initial_accumulator_value, "initial_accumulator_value", type(self).__name__
        )
        if value <= 0.0:
            raise ValueError(
                f"initial_accumulator_value must be positive: {initial_accumulator_value}"
            )
        self._learning_rate = learning_rate
        self._initial_accumulator_value = value

    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        return optax.adagrad(
            learning_rate,
            initial_accumulator_value=self._initial_accumulator_value,
            eps=0.0,
        )


class RMSPropOptimizer(Optimizer):
    """RMSProp with TF1's formula and defaults (optax's ``rmsprop`` parts).

    ``ms = decay * ms + (1 - decay) * grad^2`` (``ms`` starts at 1, as TF1;
    centered: ``mg = decay * mg + (1 - decay) * grad`` and ``ms - mg^2`` below);
    ``mom = momentum * mom + lr * grad / sqrt(ms + epsilon); var -= mom``.

    Slots: ``"rms"`` (``<var>/RMSProp``), ``"mg"`` if centered, ``"momentum"``.

    >>> opt = RMSPropOptimizer(0.01)
    """

    _SLOTS = {"nu": "rms", "mu": "mg", "trace": "momentum"}  # noqa: RUF012

    def __init__(
        self,
        learning_rate: Any,
        decay: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-10,
        use_locking: bool = False,
        centered: bool = False,
        name: str = "RMSProp",
    ) -> None:
        super().__init__(use_locking, name)
        owner = type(self).__name__
        self._learning_rate = learning_rate
        self._decay = _number(decay, "decay", owner)
        self._momentum = _number(momentum, "momentum", owner)
        self._epsilon = _number(epsilon, "epsilon", owner)
        self._centered = bool(centered)

    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        # optax.rmsprop's chain, with the sign flipped after the momentum trace
        # instead of before it, so the "momentum" slot holds TF1's ``mom``.
        scale_by_second_moment = (
            optax.scale_by_stddev if self._centered else optax.scale_by_rms
        )
        return optax.chain(
            scale_by_second_moment(
                decay=self._decay,
                eps=self._epsilon,
                initial_scale=1.0,
                eps_in_sqrt=True,
            ),
            optax.scale_by_learning_rate(learning_rate, flip_sign=False),
            optax.trace(decay=self._momentum),
            optax.scale(-1.0),
        )


class AdadeltaOptimizer(Optimizer):
    """Adadelta with TF1's formula and defaults (``optax.adadelta``).

    ``accum = rho * accum + (1 - rho) * grad^2;
    update = sqrt(accum_update + eps) / sqrt(accum + eps) * grad;
    accum_update = rho * accum_update + (1 - rho) * update^2; var -= lr * update``.

    Slots: ``"accum"`` (``<var>/Adadelta``), ``"accum_update"``
    (``<var>/Adadelta_1``).

    >>> opt = AdadeltaOptimizer(1.0)
    """

    _SLOTS = {"e_g": "accum", "e_x": "accum_update"}  # noqa: RUF012

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-8,
        use_locking: bool = False,
        name: str = "Adadelta",
    ) -> None:
        super().__init__(use_locking, name)
        owner = type(self).__name__
        self._learning_rate = learning_rate
        self._rho = _number(rho, "rho", owner)
        self._epsilon = _number(epsilon, "epsilon", owner)

    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        return optax.adadelta(learning_rate, rho=self._rho, eps=self._epsilon)


class FtrlOptimizer(Optimizer):
    """TF1's FTRL-Proximal optimizer: not available (optax has no FTRL rule).

    Raises:
      NotImplementedError: always; jgraph only wraps optax rules.
    """

    def __init__(self, learning_rate: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "FtrlOptimizer is not available in jgraph: optax (which implements every"
            " jgraph optimizer) has no FTRL rule. Use AdagradOptimizer or"
            " AdamOptimizer instead."
        )


__all__ = [
    "AdadeltaOptimizer",
    "AdagradOptimizer",
    "AdamOptimizer",
    "FtrlOptimizer",
    "GradientDescentOptimizer",
    "MomentumOptimizer",
    "RMSPropOptimizer",
]
