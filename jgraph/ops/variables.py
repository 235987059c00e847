"""``Variable``: a named entry of the session state, with TF1's graph nodes around it.

``Variable(init, name="w")`` adds, under a name scope ``w/``, the ``VariableV2`` op
``w`` (its tensor ``w:0`` reads the value), ``w/initial_value`` (or whatever the
initial value's ops are), ``w/Assign`` (the initializer) and ``w/read``. The
variable's value lives in the session under the key ``"w"`` (its op name).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, Operation, get_default_graph
from jgraph.graph.shape import TensorShape, as_shape
from jgraph.graph.tensor import (
    Tensor,
    TensorOperators,
    bind_operators,
    get_default_session,
)
from jgraph.ops import state_ops
from jgraph.ops.array_ops import stack
from jgraph.ops.conversion import add_op, convert_to_tensor
from jgraph.ops.inference import with_unknown_dims
from jgraph.ops.math_ops import OPERATORS, cast, reduce_all
from jgraph.ops.registry import REGISTRY


class Variable(TensorOperators):
    """A TF1 variable: ``<jgraph.Variable 'Variable_4:0' shape=() dtype=int32>``.

    Args:
      initial_value: a Tensor or Python value, or a callable returning one.
      trainable: add it to ``TRAINABLE_VARIABLES`` (optimizers update it).
      collections: collections to add it to (default ``[GLOBAL_VARIABLES]``).
      validate_shape: if False, the shape may change by assignment (unknown dims).
      name: the name; made unique and scoped as every TF1 name.
      dtype: cast the initial value to this type.
      shape: the static shape, when it differs from the initial value's.
    """

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool = True,
        collections: Sequence[str] | None = None,
        validate_shape: bool = True,
        caching_device: Any = None,
        name: str | None = None,
        variable_def: Any = None,
        dtype: Any = None,
        expected_shape: Any = None,
        import_scope: str | None = None,
        constraint: Any = None,
        use_resource: bool | None = None,
        synchronization: Any = None,
        aggregation: Any = None,
        shape: Any = None,
    ) -> None:
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if variable_def is not None:
            raise NotImplementedError(
                "Variable(variable_def=...) is not supported by jgraph."
            )
        graph = get_default_graph()
        self._graph = graph
        self._trainable = trainable
        self.validate_shape = validate_shape
        self.constraint = constraint
        with graph.name_scope(name or "Variable") as scope:
            with graph.name_scope("Initializer"):
                value = initial_value() if callable(initial_value) else initial_value
            self._initial_value = _initial_tensor(value, dtype)
            dims = self._initial_value.dims
            if shape is not None:
                dims = _shape_dims(graph, shape)
            elif not validate_shape and dims is not None:
                dims = _shape_dims(graph, [None] * len(dims))
            if dims is None:
                raise ValueError(
                    f"initial_value of variable '{scope[:-1]}' must have a known rank;"
                    " give a shape or an initial value with a known shape."
                )
            self._dtype = self._initial_value.dtype
            self.dims = tuple(dims)
            state_name = scope[:-1]
            graph.variables[state_name] = self
            self._snapshot = add_op(
                REGISTRY["VariableV2"],
                [],
                {
                    "dtype": self._dtype,
                    "shape": TensorShape(self.dims),
                    "_dims": self.dims,
                    "var_names": (state_name,),
                },
                scope,
                graph=graph,
            )
            self._initializer_op = add_op(
                REGISTRY["Assign"],
                [self._initial_value],
                {
                    "var_names": (state_name,),
                    "validate_shape": validate_shape,
                    "initializer": True,
                },
                "Assign",
                graph=graph,
            ).op
            with graph.control_dependencies(None):
                self._read = state_ops.identity(self._snapshot, name="read")
        for key in (
            collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES]
        ):
            graph.add_to_collection(key, self)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in (collections or ()):
            graph.add_to_collection(GraphKeys.TRAINABLE_VARIABLES, self)

    # -- TF1 attributes ------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._snapshot.name

    @property
    def op(self) -> Operation:
        return self._snapshot.op

    @property
    def graph(self) -> Any:
        return self._graph

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self.dims)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def spec(self) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(self.dims, self._dtype.np)

    @property
    def device(self) -> str:
        return self.op.device

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def initializer(self) -> Operation:
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    def value(self) -> Tensor:
        """The variable's own tensor: an op consuming it reads the variable by the
        read rule (DESIGN.md); fetched, it is the value at the end of the run."""
        return self._snapshot

    def read_value(self) -> Tensor:
        """A fresh read of the current value; under control dependencies it sees them."""
        return add_op(
            REGISTRY["ReadVariable"],
            [],
            {
                "dtype": self._dtype,
                "_dims": self.dims,
                "var_names": (self.op.name,),
            },
            "read",
            graph=self._graph,
        )

    def initialized_value(self) -> Tensor:
        """The value if initialised, else the initial value (for dependent initializers)."""
        with self._graph.control_dependencies(None):
            return add_op(
                REGISTRY["InitializedValue"],
                [self._initial_value],
                {"var_names": (self.op.name,)},
                None,
                graph=self._graph,
            )

    def assign(
        self,
        value: Any,
        use_locking: bool = False,
        name: str | None = None,
        read_value: bool = True,
    ) -> Any:
        result = state_ops.assign(self, value, name=name)
        return result if read_value else result.op

    def assign_add(
        self,
        delta: Any,
        use_locking: bool = False,
        name: str | None = None,
        read_value: bool = True,
    ) -> Any:
        result = state_ops.assign_add(self, delta, name=name)
        return result if read_value else result.op

    def assign_sub(
        self,
        delta: Any,
        use_locking: bool = False,
        name: str | None = None,
        read_value: bool = True,
    ) -> Any:
        result = state_ops.assign_sub(self, delta, name=name)
        return result if read_value else result.op

    def load(self, value: Any, session: Any = None) -> None:
        """Writes ``value`` into the variable in ``session`` without adding ops."""
        session = session or get_default_session()
        if session is None:
            raise ValueError("Variable.load needs a session (none is the default).")
        session.load_variables({self.op.name: value})

    def eval(self, session: Any = None) -> Any:
        return self._snapshot.eval(session=session)

    def set_shape(self, shape: Any) -> None:
        self.dims = tuple(
            _shape_dims(self._graph, as_shape(self.shape.merge_with(shape)))
        )

    def _as_tensor(self) -> Tensor:
        return self._snapshot

    def _as_graph_element(self) -> Tensor:
        return self._snapshot

    def __repr__(self) -> str:
        return f"<jgraph.Variable '{self.name}' shape={self.shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    __hash__ = object.__hash__  # by identity, in C (fetch sets key the plan cache)

    __eq__ = object.__eq__
    __ne__ = object.__ne__

    def __bool__(self) -> bool:
        return Tensor.__bool__(self._snapshot)

    def __iter__(self) -> Any:
        return iter(self._snapshot)


def _initial_tensor(value: Any, dtype: Any) -> Tensor:
    tensor = (
        convert_to_tensor(value, dtype, name="initial_value")
        if not isinstance(value, Tensor | Variable)
        else convert_to_tensor(value)
    )
    if dtype is not None and tensor.dtype != _dtypes.as_dtype(dtype):
        tensor = cast(tensor, dtype)
    return tensor


def _shape_dims(graph: Any, shape: Any) -> tuple[Any, ...]:
    return with_unknown_dims(graph, as_shape(shape).as_list())


# -- collections and initializers -------------------------------------------------------


def global_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(
    var_list: Sequence[Variable], name: str = "init"
) -> Operation:
    """One op that runs the initializers of ``var_list`` (in dependency order)."""
    return state_ops.group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer() -> Operation:
    """``variables_initializer(global_variables())``, named ``init`` as in TF1."""
    return variables_initializer(global_variables())


def local_variables_initializer() -> Operation:
    return variables_initializer(local_variables(), name="init_1")


initialize_all_variables = global_variables_initializer
# TF1's deprecated name for global_variables, still common in tutorials.
all_variables = global_variables


def assert_variables_initialized(var_list: Sequence[Variable] | None = None) -> Any:
    """A bool tensor: all of ``var_list`` are initialised."""
    variables = var_list if var_list is not None else global_variables()
    if not variables:
        return convert_to_tensor(True)
    return reduce_all(stack([state_ops.is_variable_initialized(v) for v in variables]))


def variable_value_as_numpy(value: Any, variable: Variable) -> np.ndarray:
    """Checks a value meant for ``variable`` (dtype cast, exact shape) for ``load``."""
    array = np.asarray(value)
    if not variable.shape.is_compatible_with(array.shape):
        raise ValueError(
            f"Cannot load a value of shape {array.shape} into variable '{variable.op.name}'"
            f" of shape {variable.shape}."
        )
    return array.astype(variable.dtype.np, copy=False)


bind_operators(Variable, OPERATORS)
