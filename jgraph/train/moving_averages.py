"""``tf.train.ExponentialMovingAverage``: shadow variables tracking moving averages.

A client of the graph builders: ``apply`` creates one shadow variable per averaged
value (``<name>/ExponentialMovingAverage``, non-trainable, in
``GLOBAL_VARIABLES`` so the Saver writes it) and returns one op that updates them
all inside the run's jitted function. ``variables_to_restore`` maps the shadow
names to the model's variables, so a ``Saver`` built from it loads the averages
into the model (evaluation with averaged weights), as TF1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, Operation, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops, math_ops, state_ops
from jgraph.ops.conversion import convert_to_tensor
from jgraph.ops.variables import (
    Variable,
    global_variables,
    moving_average_variables,
    trainable_variables,
)

_AVERAGE_DTYPES = (
    _dtypes.bfloat16,
    _dtypes.float16,
    _dtypes.float32,
    _dtypes.float64,
)


def assign_moving_average(
    variable: Variable,
    value: Any,
    decay: Any,
    zero_debias: bool = True,
    name: str | None = None,
) -> Tensor:
    """``variable -= (1 - decay) * (variable - value)``; returns the new value.

    With ``zero_debias`` (as TF1) the average of ``value`` is kept in a companion
    variable ``<variable>/biased`` started at zero and divided by
    ``1 - decay ** <variable>/local_step``, which removes the bias towards the
    zero start.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "AssignMovingAvg") as scope:
        one_minus_decay = math_ops.cast(
            1.0 - convert_to_tensor(decay), variable.dtype, name="decay"
        )
        value = convert_to_tensor(value, variable.dtype)
        if not zero_debias:
            return state_ops.assign_sub(
                variable, (variable - value) * one_minus_decay, name=scope
            )
        biased, local_step = _zero_debias_variables(variable)
        update_biased = state_ops.assign_sub(biased, (biased - value) * one_minus_decay)
        update_step = state_ops.assign_add(local_step, 1.0)
        bias_factor = 1.0 - math_ops.pow(1.0 - one_minus_decay, update_step)
        return state_ops.assign(variable, update_biased / bias_factor, name=scope)


def _zero_debias_variables(variable: Variable) -> tuple[Variable, Variable]:
    graph = get_default_graph()
    dims = list(variable.shape.as_list())
    with graph.name_scope(None), graph.control_dependencies(None):
        biased = Variable(
            lambda: array_ops.zeros(dims, variable.dtype),
            trainable=False,
            name=f"{variable.op.name}/biased",
        )
        local_step = Variable(
            lambda: array_ops.zeros([], variable.dtype),
            trainable=False,
            name=f"{variable.op.name}/local_step",
        )
    return biased, local_step


class ExponentialMovingAverage:
    """Maintains exponential moving averages of variables, as TF1.

    ``apply(var_list)`` creates a shadow variable per item and returns an op
    that, each time it runs, sets ``shadow -= (1 - decay) * (shadow - value)``.
    With ``num_updates`` the decay is ``min(decay, (1 + num_updates) / (10 +
    num_updates))``: averages move faster early in training.

    Args:
      decay: the decay, e.g. 0.999 (a float or a scalar tensor).
      num_updates: an optional count of updates, usually the global step.
      zero_debias: debias the averages of tensors (not variables), as TF1.
      name: the shadow variables' suffix and the op's name.

    Typical use:

        ema = tf.train.ExponentialMovingAverage(0.999, global_step)
        with tf.control_dependencies([train_op]):
            train_op = ema.apply(tf.trainable_variables())
        ...
        eval_saver = tf.train.Saver(ema.variables_to_restore())
    """

    def __init__(
        self,
        decay: Any,
        num_updates: Any = None,
        zero_debias: bool = False,
        name: str = "ExponentialMovingAverage",
    ) -> None:
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages: dict[Any, Variable] = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list: Sequence[Any] | None = None) -> Operation:
        """Creates the shadow variables of ``var_list`` (default: the trainable
        variables) and returns the op updating them all.

        A Variable's shadow starts at the variable's (initial) value and the
        variable joins ``MOVING_AVERAGE_VARIABLES``; a Tensor's shadow starts at
        zero (debiased when ``zero_debias``).

        Raises:
          TypeError: an item is not a half, float, double or bfloat16 value.
          ValueError: an item already has an average here.
        """
        graph = get_default_graph()
        items = list(var_list) if var_list is not None else trainable_variables()
        debiased = set()
        for item in items:
            if item.dtype not in _AVERAGE_DTYPES:
                raise TypeError(
                    f"The variables must be half, float, or double: {item.name}"
                )
            if item in self._averages:
                raise ValueError(f"Moving average already computed for: {item.name}")
            with graph.name_scope(None), graph.control_dependencies(None):
                if isinstance(item, Variable):
                    initial: Any = item.initialized_value()
                    graph.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, item)
                else:
                    dims = item.shape.as_list()
                    if any(d is None for d in dims):
                        raise ValueError(
                            f"The shape of {item.name} must be fully defined to"
                            f" average it, got {item.shape}."
                        )
                    initial = array_ops.zeros(dims, item.dtype)
                    if self._zero_debias:
                        debiased.add(item)
                with graph.device(item.device or None):
                    average = Variable(
                        initial,
                        trainable=False,
                        name=f"{item.op.name}/{self._name}",
                    )
            self._averages[item] = average
        with graph.name_scope(self._name) as scope:
            decay: Any = convert_to_tensor(self._decay, _dtypes.float32, name="decay")
            if self._num_updates is not None:
                count = self._num_updates
                if isinstance(count, Variable):  # read after the control inputs
                    count = count.read_value()
                num_updates = math_ops.cast(count, _dtypes.float32, name="num_updates")
                decay = math_ops.minimum(
                    decay, (1.0 + num_updates) / (10.0 + num_updates)
                )
            # A fresh read: under control dependencies (``apply`` after the train
            # op) it sees the updated value, as TF1's reads of a ref variable.
            updates = [
                assign_moving_average(
                    self._averages[item],
                    item.read_value() if isinstance(item, Variable) else item,
                    decay,
                    zero_debias=item in debiased,
                )
                for item in items
            ]
            return state_ops.group(*updates, name=scope)

    def average(self, var: Any) -> Variable | None:
        """The shadow variable of ``var``, or None if it has none."""
        return self._averages.get(var)

    def average_name(self, var: Any) -> str:
        """The name of ``var``'s shadow variable (for a ``Saver`` map), also before
        ``apply`` creates it."""
        average = self._averages.get(var)
        if average is not None:
            return average.op.name
        return get_default_graph().unique_name(
            f"{var.op.name}/{self._name}", mark_as_used=False
        )

    def variables_to_restore(
        self, moving_avg_variables: Sequence[Variable] | None = None
    ) -> dict[str, Variable]:
        """``{checkpoint name: variable}`` restoring each averaged variable from its
        shadow and every other global variable from itself, as TF1.

        Args:
          moving_avg_variables: the averaged variables (default: the trainable
            variables and ``MOVING_AVERAGE_VARIABLES``).
        """
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + moving_average_variables()
        averaged = list(dict.fromkeys(moving_avg_variables))
        name_map = {self.average_name(v): v for v in averaged}
        averaged_names = {v.name for v in averaged}
        for v in global_variables():
            if v.name not in averaged_names and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map


__all__ = ["ExponentialMovingAverage", "assign_moving_average"]
