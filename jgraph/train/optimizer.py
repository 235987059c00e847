"""``tf.train.Optimizer``: TF1's optimizer API over an optax ``GradientTransformation``.

Where it sits: a client of the op registry and of the lowering context. Building
(``minimize`` / ``apply_gradients``) creates the optimizer's state variables and
ONE ``ApplyOptax`` op; running that op, inside the run's single jitted function,
computes the gradients (``jax.grad`` of ``ctx.recompute([loss], params)`` for
``minimize``; the fed-in gradient tensors for ``apply_gradients``), applies the
optax update and writes parameters, optimizer state and global step back into
the session state. No update rule is written here: subclasses only say which
optax transformation to use (``optimizers.py``).

Optimizer state as variables. The optax state for the parameters being trained
is a pytree; it is flattened (``jax.tree_util``) and each leaf becomes a real,
non-trainable ``Variable`` in ``GLOBAL_VARIABLES`` (so
``global_variables_initializer()`` initialises it and the Saver saves it):

- A leaf that belongs to one parameter (it sits under that parameter's key in
  optax's params-shaped subtree, e.g. ``ScaleByAdamState.mu['w']``) is a *slot*.
  Its TF1 slot name comes from the subclass's ``_SLOTS`` table (optax field ->
  TF1 slot name, in TF1's creation order, e.g. Adam ``{"mu": "m", "nu": "v"}``)
  and its variable is named as TF1 names slots: ``<var>/<optimizer name>`` for
  the first slot of that variable, ``<var>/<optimizer name>_1`` for the second,
  ... (``w/Adam`` holds ``m``, ``w/Adam_1`` holds ``v``). Names depend only on the
  variable, the optimizer's name and the slot order, never on unrelated graph
  contents.
- Any other leaf (a step counter such as Adam's ``count``) is shared by every
  variable the optimizer trains, and is named ``<optimizer name>/<field>``
  (``Adam/count``).

Each leaf's initial value is optax's ``init`` evaluated on a scalar stand-in for
each parameter, then filled to the parameter's shape: this holds for every
wrapped rule (their ``init`` fills constants; none reads parameter values).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jgraph.compile.gradients import gradients, reached_tensors, variables_read
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, GraphKeys, Operation, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops
from jgraph.ops.conversion import add_op, constant, convert_to_tensor
from jgraph.ops.registry import REGISTRY, op
from jgraph.ops.variables import Variable, trainable_variables

_FLOAT_TYPES = "[float16, bfloat16, float32, float64]"


@dataclasses.dataclass(frozen=True, eq=False)
class ApplyPlan:
    """Static description of one train op (its ``plan`` attr); hashed by identity.

    Attributes:
      transform: ``(learning_rate, state) -> optax.GradientTransformation``.
      params: state names of the trained variables, in order.
      treedef: the optax state's tree structure for ``params``.
      leaves: state name of the variable holding each leaf of that structure.
      global_step: state name of the step variable to increment, or ``None``.
      from_loss: True for ``minimize`` (inputs: lr, loss[, grad_loss]); False
        for ``apply_gradients`` (inputs: lr, one gradient per param).
      has_grad_loss: ``minimize`` got ``grad_loss``.
    """

    transform: Callable[[Any, Any], optax.GradientTransformation]
    params: tuple[str, ...]
    treedef: Any
    leaves: tuple[str, ...]
    global_step: str | None
    from_loss: bool
    has_grad_loss: bool = False

    def __repr__(self) -> str:
        return f"ApplyPlan(params={list(self.params)}, leaves={list(self.leaves)})"


@op(
    "ApplyOptax",
    needs_context=True,
    list_input="tensors",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [],
)
def _apply_optax_impl(
    ctx: Any,
    tensors: Sequence[Any],
    *,
    plan: ApplyPlan,
) -> None:
    """One optimizer step: gradients, optax update, state written back.

    The op's ``var_names`` attr (not passed here) declares every variable it
    reads or writes: the parameters, the optax state leaves and the global step.
    """
    params = {name: ctx.variable_value(name) for name in plan.params}
    dtype = jnp.result_type(*params.values())
    learning_rate = jnp.asarray(tensors[0], dtype)
    if plan.from_loss:
        loss = ctx.op.inputs[1]
        weights = tensors[2] if plan.has_grad_loss else None

        def loss_fn(values: dict[str, Any]) -> Any:
            (value,) = ctx.recompute([loss], values)
            # A vector loss is summed, as TF1's implicit grad_ys of ones.
            return jnp.sum(value if weights is None else value * weights)

        grads = jax.grad(loss_fn)(params)
    else:
        grads = dict(zip(plan.params, tensors[1:], strict=True))
    leaves = [ctx.variable_value(name) for name in plan.leaves]
    state = jax.tree_util.tree_unflatten(plan.treedef, leaves)
    updates, new_state = plan.transform(learning_rate, state).update(
        grads, state, params
    )
    # apply_updates maps over the params tree: the result is a dict like ``params``.
    new_params = cast(dict[str, Any], optax.apply_updates(params, updates))
    for name, value in new_params.items():
        ctx.write_state(name, value)
    for name, value in zip(
        plan.leaves, jax.tree_util.tree_leaves(new_state), strict=True
    ):
        ctx.write_state(name, value)
    if plan.global_step is not None:
        ctx.write_state(plan.global_step, ctx.variable_value(plan.global_step) + 1)


@dataclasses.dataclass(frozen=True)
class _Leaf:
    """Where one optax state leaf lives: its parameter (None if shared) and field."""

    param: str | None
    field: str  # the optax field name, e.g. "mu", "count"
    key: str  # the leaf's path without the parameter key: stable per optimizer


class Optimizer:
    """Base class of TF1 optimizers; a subclass names its optax rule.

    Subclasses implement :meth:`_optax` and set ``_SLOTS``. Users call
    :meth:`minimize`, or :meth:`compute_gradients` then :meth:`apply_gradients`
    (to clip or edit the gradients in between).

    TF1 difference: ``use_locking``, ``gate_gradients``, ``aggregation_method``
    and ``colocate_gradients_with_ops`` are accepted and ignored: a run is one
    pure function, so updates never race.
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    # optax state field -> TF1 slot name, in TF1's slot creation order.
    _SLOTS: ClassVar[dict[str, str]] = {}

    def __init__(self, use_locking: bool, name: str) -> None:
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._learning_rate: Any = None
        self._slots: dict[str, dict[Variable, Variable]] = {}
        self._leaf_variables: dict[tuple[Variable, str], Variable] = {}
        self._non_slots: dict[tuple[Graph, str], Variable] = {}

    # -- what subclasses provide --------------------------------------------------
    def _optax(self, learning_rate: Any, state: Any) -> optax.GradientTransformation:
        """The optax rule for one step.

        Args:
          learning_rate: the step's learning rate (a JAX scalar at run time).
          state: the current optax state, or ``None`` when only ``init`` is used.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement _optax(learning_rate, state)."
        )

    # -- TF1 API --------------------------------------------------------------------
    def get_name(self) -> str:
        return self._name

    def minimize(
        self,
        loss: Any,
        global_step: Any = None,
        var_list: Sequence[Any] | None = None,
        gate_gradients: int = GATE_OP,
        aggregation_method: Any = None,
        colocate_gradients_with_ops: bool = False,
        name: str | None = None,
        grad_loss: Any = None,
    ) -> Operation:
        """An op that takes one step on ``loss``, as TF1 ``Optimizer.minimize``.

        Gradients, the optax update and the global-step increment all happen in
        this one op, inside the run's jitted function.

        Args:
          loss: the tensor to minimise; a non-scalar loss is summed (as TF1).
          global_step: an integer ``Variable`` to increment by one per step.
          var_list: variables to train (default: ``trainable_variables()``).
          name: name of the returned op (default: the optimizer's name).
          grad_loss: optional tensor holding the gradient of ``loss`` itself.

        Returns:
          The train ``Operation``.

        Raises:
          ValueError: no variable receives a gradient from ``loss``.
          TypeError: ``var_list`` holds something other than ``Variable`` s.
        """
        del gate_gradients, aggregation_method, colocate_gradients_with_ops
        loss = self._check_loss(loss)
        variables = self._var_list(var_list)
        reached = variables_read(reached_tensors([loss]))
        trained = [v for v in variables if v.op.name in reached]
        if not trained:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops"
                " that do not support gradients, between variables"
                f" {[str(v) for v in variables]} and loss {loss}."
            )
        self._check_dtypes(trained)
        extra = []
        if grad_loss is not None:
            extra.append(convert_to_tensor(grad_loss, loss.dtype))
        return self._build_apply(trained, [loss, *extra], global_step, name, True)

    def compute_gradients(
        self,
        loss: Any,
        var_list: Sequence[Any] | None = None,
        gate_gradients: int = GATE_OP,
        aggregation_method: Any = None,
        colocate_gradients_with_ops: bool = False,
        grad_loss: Any = None,
    ) -> list[tuple[Tensor | None, Variable]]:
        """``(gradient, variable)`` pairs for ``loss``, built with ``tf.gradients``.

        A variable ``loss`` does not depend on gets ``None``, as TF1.
        """
        del gate_gradients, aggregation_method, colocate_gradients_with_ops
        loss = self._check_loss(loss)
        variables = self._var_list(var_list)
        grads = gradients(
            loss, variables, grad_ys=None if grad_loss is None else [grad_loss]
        )
        self._check_dtypes(
            [v for g, v in zip(grads, variables, strict=True) if g is not None]
        )
        return list(zip(grads, variables, strict=True))

    def apply_gradients(
        self,
        grads_and_vars: Any,
        global_step: Any = None,
        name: str | None = None,
    ) -> Operation:
        """An op applying the given gradients with the optax rule, as TF1.

        Args:
          grads_and_vars: ``(gradient, variable)`` pairs, e.g. from
            :meth:`compute_gradients`; pairs with a ``None`` gradient are skipped.
          global_step: an integer ``Variable`` to increment by one per step.
          name: name of the returned op (default: the optimizer's name).

        Raises:
          ValueError: the list is empty, or every gradient is ``None``.
          TypeError: a pair's variable is not a ``Variable``.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError("No variables provided.")
        seen: set[Variable] = set()
        for grad, var in pairs:
            if not isinstance(var, Variable):
                raise TypeError(
                    f"apply_gradients: expected (gradient, Variable) pairs, got"
                    f" variable {var!r} (with gradient {grad!r})."
                )
            if var in seen:
                raise ValueError(f"Variable {var} appears twice in grads_and_vars.")
            seen.add(var)
        present = [(g, v) for g, v in pairs if g is not None]
        if not present:
            raise ValueError(
                f"No gradients provided for any variable: {[str(v) for _, v in pairs]}."
            )
        grads = []
        for grad, var in present:
            grad = convert_to_tensor(grad)
            if grad.dtype != var.dtype:
                raise TypeError(
                    f"Gradient {grad.name} has dtype {grad.dtype.name} but variable"
                    f" {var.op.name} has dtype {var.dtype.name}."
                )
            if not var.shape.is_compatible_with(grad.shape):
                raise ValueError(
                    f"Gradient {grad.name} has shape {grad.shape} but variable"
                    f" {var.op.name} has shape {var.shape}."
                )
            grads.append(grad)
        variables = [v for _, v in present]
        self._check_dtypes(variables)
        return self._build_apply(variables, grads, global_step, name, False)

    def get_slot(self, var: Variable, name: str) -> Variable | None:
        """The slot variable ``name`` (e.g. ``"m"``) created for ``var``, or None."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self) -> list[str]:
        """The names of the slots this optimizer has created, sorted."""
        return sorted(self._slots)

    def variables(self) -> list[Variable]:
        """The optimizer's own variables (slots and counters) in the default graph."""
        graph = get_default_graph()
        owned = [v for v in self._leaf_variables.values() if v.graph is graph]
        owned += [v for (g, _), v in self._non_slots.items() if g is graph]
        return sorted(owned, key=lambda v: v.name)

    # -- building -----------------------------------------------------------------------
    def _check_loss(self, loss: Any) -> Tensor:
        loss = convert_to_tensor(loss)
        if not loss.dtype.is_floating:
            raise ValueError(
                f"Invalid type {loss.dtype.name} for {loss.name}, expected:"
                f" {_FLOAT_TYPES}."
            )
        return loss

    @staticmethod
    def _var_list(var_list: Sequence[Any] | None) -> list[Variable]:
        if var_list is None:
            variables = trainable_variables()
        else:
            if isinstance(var_list, Variable | Tensor):
                raise TypeError(
                    f"var_list must be a list of Variables, got a single {var_list!r};"
                    " wrap it in a list."
                )
            variables = list(var_list)
        for position, var in enumerate(variables):
            if not isinstance(var, Variable):
                raise TypeError(
                    f"var_list must contain only jgraph Variables; item {position}"
                    f" is {var!r} of type {type(var).__name__}."
                )
        if not variables:
            raise ValueError("No variables to optimize.")
        return variables

    @staticmethod
    def _check_dtypes(variables: Sequence[Variable]) -> None:
        for var in variables:
            if not var.dtype.is_floating:
                raise ValueError(
                    f"Invalid type {var.dtype.name} for {var.name}, expected:"
                    f" {_FLOAT_TYPES}."
                )

    def _learning_rate_tensor(self) -> Tensor:
        value: Any = self._learning_rate
        if callable(value) and not isinstance(value, Tensor | Variable):
            value = value()
        if isinstance(value, Tensor | Variable):
            tensor = convert_to_tensor(value)
            if not tensor.dtype.is_floating:
                raise TypeError(
                    f"{type(self).__name__}: learning_rate {tensor.name} must be a"
                    f" floating tensor, got {tensor.dtype.name}."
                )
            if tensor.shape.ndims not in (None, 0):
                raise ValueError(
                    f"{type(self).__name__}: learning_rate {tensor.name} must be a"
                    f" scalar, got shape {tensor.shape}."
                )
            return tensor
        return constant(float(value), _dtypes.float32, name="learning_rate")

    def _build_apply(
        self,
        variables: list[Variable],
        inputs: list[Tensor],
        global_step: Any,
        name: str | None,
        from_loss: bool,
    ) -> Operation:
        graph = variables[0].graph
        step = _step_variable(global_step)
        treedef, leaf_names = self._state_variables(graph, variables)
        var_names = tuple(v.op.name for v in variables)
        plan = ApplyPlan(
            transform=self._optax,
            params=var_names,
            treedef=treedef,
            leaves=leaf_names,
            global_step=None if step is None else step.op.name,
            from_loss=from_loss,
            has_grad_loss=from_loss and len(inputs) > 1,
        )
        declared = (
            var_names + leaf_names + (() if step is None else (plan.global_step,))
        )
        with graph.name_scope(name or self._name) as scope:
            learning_rate = self._learning_rate_tensor()
            train_op = add_op(
                REGISTRY["ApplyOptax"],
                [[learning_rate, *inputs]],
                {"plan": plan, "var_names": declared},
                scope,
                graph=graph,
            )
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if train_op not in train_ops:
            train_ops.append(train_op)
        return train_op

    def _state_variables(
        self, graph: Graph, variables: list[Variable]
    ) -> tuple[Any, tuple[str, ...]]:
        """Creates (or reuses) the variables holding the optax state for ``variables``.

        Returns the state's treedef and the state name of each leaf's variable.
        """
        for var in variables:
            if any(not isinstance(d, int | np.integer) for d in var.dims):
                raise ValueError(
                    f"{type(self).__name__} needs a fully known shape for variable"
                    f" {var.op.name}, got {var.shape}."
                )
        by_name = {v.op.name: v for v in variables}
        # Scalar stand-ins: the structure is the same and every per-parameter leaf
        # is a scalar holding its fill value. x64 keeps float64 variables float64.
        with jax.enable_x64(True):
            sample = self._optax(0.0, None).init(
                {name: jnp.zeros((), v.dtype.np) for name, v in by_name.items()}
            )
            flat, treedef = jax.tree_util.tree_flatten_with_path(sample)
            described = [
                (_describe(path, by_name), np.asarray(leaf)) for path, leaf in flat
            ]
        order = {field: i for i, field in enumerate(self._SLOTS)}

        def creation_key(i: int) -> tuple[bool, int, int, int]:
            param = described[i][0].param
            return (
                param is not None,
                variables.index(by_name[param]) if param is not None else 0,
                order.get(described[i][0].field, len(order)),
                i,
            )

        creation = sorted(range(len(described)), key=creation_key)
        names: list[str | None] = [None] * len(described)
        with (
            graph.as_default(),
            graph.name_scope(None),
            graph.control_dependencies(None),
        ):
            for i in creation:
                leaf, value = described[i]
                names[i] = self._leaf_variable(graph, leaf, value, by_name).op.name
        return treedef, tuple(n for n in names if n is not None)

    def _leaf_variable(
        self, graph: Graph, leaf: _Leaf, value: np.ndarray, by_name: dict[str, Variable]
    ) -> Variable:
        if leaf.param is None:
            existing = self._non_slots.get((graph, leaf.key))
            if existing is None:
                existing = Variable(
                    lambda: constant(value, name="initial_value"),
                    trainable=False,
                    name=f"{self._name}/{leaf.field}",
                )
                self._non_slots[(graph, leaf.key)] = existing
            return existing
        var = by_name[leaf.param]
        existing = self._leaf_variables.get((var, leaf.key))
        if existing is None:
            if value.shape != ():
                raise NotImplementedError(
                    f"{type(self).__name__}: the optax state field '{leaf.field}' is"
                    " not a per-parameter fill value; jgraph cannot create its slot."
                )
            with graph.device(var.device or None):
                existing = Variable(
                    lambda: array_ops.fill(list(var.dims), constant(value)),
                    trainable=False,
                    name=f"{var.op.name}/{self._name}",
                )
            self._leaf_variables[(var, leaf.key)] = existing
            slot = self._SLOTS.get(leaf.field, leaf.field)
            self._slots.setdefault(slot, {})[var] = existing
        return existing


def _describe(path: tuple[Any, ...], params: dict[str, Variable]) -> _Leaf:
    """Which parameter (if any) and field an optax state leaf belongs to."""
    param = None
    field = "state"
    key_parts = []
    for entry in path:
        if isinstance(entry, jax.tree_util.DictKey) and entry.key in params:
            param = entry.key
            continue
        if isinstance(entry, jax.tree_util.GetAttrKey) and param is None:
            field = entry.name
        key_parts.append(str(entry))
    return _Leaf(param, field, "".join(key_parts))


def _step_variable(global_step: Any) -> Variable | None:
    """The Variable behind ``global_step`` (a Variable or its tensor), checked."""
    if global_step is None:
        return None
    variable = global_step
    if isinstance(global_step, Tensor):
        reads = global_step.op.attrs.get("_reads_variable")
        variable = global_step.graph.variables.get(reads) if reads else None
    if not isinstance(variable, Variable):
        raise TypeError(
            f"global_step must be an integer Variable (or its tensor), got"
            f" {global_step!r}."
        )
    if not variable.dtype.is_integer:
        raise TypeError(
            f'Existing "global_step" does not have integer type: {variable.dtype.name}'
            f" ({variable.op.name})."
        )
    return variable


__all__ = ["ApplyPlan", "Optimizer"]
