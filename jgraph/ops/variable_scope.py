"""Variable scopes and ``get_variable``: TF1's name-based variable sharing.

Stage 1-2 of the pipeline: build-time naming and sharing, no lowering. Each
graph has a variable store (full variable name -> :class:`Variable`) and a
variable-scope stack. ``variable_scope("layer")`` opens a name scope *and* a
variable scope; ``get_variable("w", shape)`` creates ``layer/w`` or, in a reusing
scope, returns the existing one, raising TF1's errors for reuse mistakes. The
variables themselves are ordinary :class:`jgraph.Variable` s (session state keyed
by their name); this module only decides names and sharing, at build time.

Rules, as TF1:

- ``reuse`` is ``None`` (inherit; the root scope does not reuse), ``True`` (the
  variable must exist) or :data:`AUTO_REUSE` (create or return); ``False`` means
  ``None``. Reuse is inherited by sub-scopes.
- Variable names depend on variable scopes only; op names on name scopes. Entering
  a scope by string opens a fresh name scope (``foo_1/`` the second time) but
  keeps the variable scope ``foo``; re-entering a captured :class:`VariableScope`
  object likewise keeps its variable names and opens a new name scope named after
  its last component (use ``auxiliary_name_scope=False`` and
  ``tf.name_scope(scope.original_name_scope)`` to reuse the original one).
- ``default_name`` scopes are made unique among the variable scopes opened in the
  current scope (``dense``, ``dense_1``, ...); the counts of a scope's sub-scopes
  restart when it is closed, so re-entering ``net`` with ``reuse=True`` and
  rebuilding the same layers finds the same variables.

TF1 difference: the scope stack is per graph, not per thread; ``partitioner`` is
not supported (raises); ``caching_device`` and ``use_resource`` are accepted and
ignored (jgraph has one kind of variable).
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import weakref
from collections.abc import Callable, Sequence
from typing import Any, cast

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, GraphKeys, get_default_graph
from jgraph.graph.shape import TensorShape, as_shape
from jgraph.graph.tensor import Tensor
from jgraph.ops import init_ops
from jgraph.ops.variables import Variable


class _ReuseMode(enum.Enum):
    """Mode for variable access within a variable scope."""

    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE
"""``reuse=AUTO_REUSE``: ``get_variable`` creates a variable if it does not exist,
and returns it otherwise."""

_ALREADY_EXISTS = (
    "Variable {name} already exists, disallowed. Did you mean to set reuse=True or"
    " reuse=tf.AUTO_REUSE in VarScope?"
)
_DOES_NOT_EXIST = (
    "Variable {name} does not exist, or was not created with tf.get_variable(). Did"
    " you mean to set reuse=tf.AUTO_REUSE in VarScope?"
)


class VariableScope:
    """The state of one variable scope: its name, reuse flag and defaults.

    Obtained from ``with variable_scope(...) as scope`` or
    :func:`get_variable_scope`; entering it again (``variable_scope(scope)``) gives
    back its variables' names.
    """

    def __init__(
        self,
        reuse: Any,
        name: str = "",
        initializer: Any = None,
        regularizer: Any = None,
        caching_device: Any = None,
        partitioner: Any = None,
        custom_getter: Any = None,
        name_scope: str = "",
        dtype: Any = _dtypes.float32,
        use_resource: bool | None = None,
        constraint: Any = None,
    ) -> None:
        self._name = name
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = _dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._constraint = constraint

    # -- properties, as TF1 ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def original_name_scope(self) -> str:
        """The name scope opened when this scope was created (``"foo/"``)."""
        return self._name_scope

    @property
    def reuse(self) -> Any:
        return self._reuse

    @property
    def initializer(self) -> Any:
        return self._initializer

    @property
    def regularizer(self) -> Any:
        return self._regularizer

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def caching_device(self) -> Any:
        return self._caching_device

    @property
    def partitioner(self) -> Any:
        return self._partitioner

    @property
    def custom_getter(self) -> Any:
        return self._custom_getter

    @property
    def use_resource(self) -> bool | None:
        return self._use_resource

    @property
    def constraint(self) -> Any:
        return self._constraint

    def reuse_variables(self) -> None:
        """Makes this scope reuse variables from now on."""
        self._reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self._initializer = initializer

    def set_regularizer(self, regularizer: Any) -> None:
        self._regularizer = regularizer

    def set_dtype(self, dtype: Any) -> None:
        self._dtype = _dtypes.as_dtype(dtype)

    def set_caching_device(self, caching_device: Any) -> None:
        self._caching_device = caching_device

    def set_partitioner(self, partitioner: Any) -> None:
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter: Any) -> None:
        self._custom_getter = custom_getter

    def set_use_resource(self, use_resource: bool | None) -> None:
        self._use_resource = use_resource

    # -- collections ------------------------------------------------------------------
    def get_collection(self, name: str) -> list[Any]:
        """Items of collection ``name`` whose names start with this scope's."""
        scope = f"{self._name}/" if self._name else ""
        return get_default_graph().get_collection(name, scope)

    def global_variables(self) -> list[Any]:
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self) -> list[Any]:
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self) -> list[Any]:
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    # -- variables ------------------------------------------------------------------
    def get_variable(
        self,
        var_store: _VariableStore,
        name: str,
        shape: Any = None,
        dtype: Any = None,
        initializer: Any = None,
        regularizer: Any = None,
        reuse: Any = None,
        trainable: bool | None = None,
        collections: Sequence[str] | None = None,
        caching_device: Any = None,
        partitioner: Any = None,
        validate_shape: bool = True,
        use_resource: bool | None = None,
        custom_getter: Any = None,
        constraint: Any = None,
    ) -> Any:
        """``var_store.get_variable`` for ``name`` in this scope, with its defaults."""
        if regularizer is None:
            regularizer = self._regularizer
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        full_name = f"{self._name}/{name}" if self._name else name
        graph = get_default_graph()
        # Variable names depend on the variable scope only, never the name scope.
        with graph.name_scope(None):
            if (
                dtype is not None
                and initializer is not None
                and not callable(initializer)
            ):
                init_dtype = _value_dtype(initializer)
                if init_dtype != _dtypes.as_dtype(dtype):
                    raise ValueError(
                        f"Initializer type '{init_dtype.name}' and explicit dtype"
                        f" '{_dtypes.as_dtype(dtype).name}' don't match."
                    )
            if initializer is None:
                initializer = self._initializer
            if constraint is None:
                constraint = self._constraint
            if dtype is None:
                dtype = self._dtype
            return var_store.get_variable(
                full_name,
                shape=shape,
                dtype=dtype,
                initializer=initializer,
                regularizer=regularizer,
                reuse=reuse,
                trainable=trainable,
                collections=collections,
                partitioner=partitioner,
                validate_shape=validate_shape,
                custom_getter=custom_getter,
                constraint=constraint,
            )

    def __repr__(self) -> str:
        return f"<jgraph.VariableScope '{self._name}' reuse={self._reuse}>"


def _value_dtype(value: Any) -> _dtypes.DType:
    """The dtype a constant initial value will have (without adding ops)."""
    if isinstance(value, Tensor | Variable):
        return value.dtype
    return _dtypes.dtype_of_python_value(value)


class _VariableStore:
    """The variables ``get_variable`` created in one graph, by full name."""

    def __init__(self) -> None:
        self._vars: dict[str, Any] = {}

    def get_variable(
        self,
        name: str,
        shape: Any = None,
        dtype: Any = _dtypes.float32,
        initializer: Any = None,
        regularizer: Any = None,
        reuse: Any = None,
        trainable: bool | None = None,
        collections: Sequence[str] | None = None,
        partitioner: Any = None,
        validate_shape: bool = True,
        custom_getter: Any = None,
        constraint: Any = None,
    ) -> Any:
        """Creates or returns variable ``name`` by the reuse rules (module docstring)."""
        kwargs = {
            "name": name,
            "shape": shape,
            "dtype": dtype,
            "initializer": initializer,
            "regularizer": regularizer,
            "reuse": reuse,
            "trainable": trainable,
            "collections": collections,
            "partitioner": partitioner,
            "validate_shape": validate_shape,
            "constraint": constraint,
        }
        if custom_getter is not None:
            if not callable(custom_getter):
                raise ValueError(
                    f"Passed a custom_getter which is not callable: {custom_getter}"
                )
            return custom_getter(self._true_getter, **kwargs)
        return self._true_getter(**kwargs)

    def _true_getter(
        self,
        name: str,
        shape: Any = None,
        dtype: Any = _dtypes.float32,
        initializer: Any = None,
        regularizer: Any = None,
        reuse: Any = None,
        trainable: bool | None = None,
        collections: Sequence[str] | None = None,
        partitioner: Any = None,
        validate_shape: bool = True,
        constraint: Any = None,
        **unused: Any,
    ) -> Any:
        if partitioner is not None:
            raise NotImplementedError(
                f"Partitioned variables are not supported by jgraph (variable {name}"
                " has a partitioner); create it whole."
            )
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        dtype = _dtypes.as_dtype(dtype)
        shape = as_shape(shape)
        found = self._vars.get(name)
        if found is not None:
            return _check_reuse(found, name, shape, dtype, reuse)
        if reuse is True:
            raise ValueError(_DOES_NOT_EXIST.format(name=name))
        variable = self._create(
            name,
            shape,
            dtype,
            initializer,
            from_value,
            trainable=True if trainable is None else trainable,
            collections=collections,
            validate_shape=validate_shape,
            constraint=constraint,
        )
        self._vars[name] = variable
        if regularizer:
            _add_regularization_loss(variable, name, regularizer)
        return variable

    @staticmethod
    def _create(
        name: str,
        shape: TensorShape,
        dtype: _dtypes.DType,
        initializer: Any,
        from_value: bool,
        **variable_kwargs: Any,
    ) -> Variable:
        if initializer is None:
            initializer = _default_initializer(name, dtype)
        if from_value:
            initial_value: Any = initializer
            variable_dtype = None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape.is_fully_defined():
                # Fully defined: every dimension is an int.
                dims = cast(list[int], shape.as_list())
                initial_value = _bind_initializer(initializer, dims, dtype)
                variable_dtype = dtype
            elif _takes_no_arguments(initializer):
                initial_value = initializer
                variable_dtype = None
            else:
                raise ValueError(
                    f"Shape of a new variable ({name}) must be fully defined, but"
                    f" instead was {shape}."
                )
        graph = get_default_graph()
        # Like TF1's init_scope: the initializer does not depend on whatever
        # control dependencies surround the get_variable call.
        with graph.control_dependencies(None):
            return Variable(
                initial_value=initial_value,
                name=name,
                dtype=variable_dtype,
                **variable_kwargs,
            )


def _check_reuse(
    found: Any, name: str, shape: TensorShape, dtype: _dtypes.DType, reuse: Any
) -> Any:
    if reuse is not True and reuse is not AUTO_REUSE:
        raise ValueError(
            _ALREADY_EXISTS.format(name=name)
            + f" Originally defined at:\n\n  {found.op.traceback}"
        )
    if not shape.is_compatible_with(found.shape):
        raise ValueError(
            f"Trying to share variable {name}, but specified shape {shape} and found"
            f" shape {found.shape}."
        )
    if dtype != found.dtype:
        raise ValueError(
            f"Trying to share variable {name}, but specified dtype {dtype.name} and"
            f" found dtype {found.dtype.name}."
        )
    return found


def _default_initializer(name: str, dtype: _dtypes.DType) -> Any:
    """TF1's default: glorot_uniform for floats, zeros for ints and bools."""
    if dtype.is_floating:
        return init_ops.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_bool:
        return init_ops.zeros_initializer()
    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")


def _bind_initializer(
    initializer: Callable[..., Any], shape: list[int], dtype: _dtypes.DType
) -> Callable[[], Any]:
    """``initializer(shape, dtype=dtype[, partition_info=None])`` as a thunk."""
    try:
        params = inspect.signature(initializer).parameters
    except (TypeError, ValueError):
        params = {}
    takes_partition = "partition_info" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )
    if takes_partition:
        return lambda: initializer(shape, dtype=dtype, partition_info=None)
    return lambda: initializer(shape, dtype=dtype)


def _takes_no_arguments(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in params
    )


def _add_regularization_loss(variable: Variable, name: str, regularizer: Any) -> None:
    graph = get_default_graph()
    with graph.control_dependencies(None), graph.name_scope(f"{name}/Regularizer/"):
        loss = regularizer(variable)
    if loss is not None:
        graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


# -- per-graph stores ----------------------------------------------------------------------


class _VariableScopeStore:
    """The current variable scope of a graph and how often each scope was opened."""

    def __init__(self) -> None:
        self.current_scope = VariableScope(False)
        self.variable_scopes_count: dict[str, int] = {}

    def open_variable_scope(self, scope_name: str) -> None:
        self.variable_scopes_count[scope_name] = (
            self.variable_scopes_count.get(scope_name, 0) + 1
        )

    def close_variable_subscopes(self, scope_name: str | None) -> None:
        for key in self.variable_scopes_count:
            if scope_name is None or key.startswith(scope_name + "/"):
                self.variable_scopes_count[key] = 0

    def variable_scope_count(self, scope_name: str) -> int:
        return self.variable_scopes_count.get(scope_name, 0)


_STORES: weakref.WeakKeyDictionary[
    Graph, tuple[_VariableStore, _VariableScopeStore]
] = weakref.WeakKeyDictionary()


def _stores(graph: Graph | None = None) -> tuple[_VariableStore, _VariableScopeStore]:
    graph = graph or get_default_graph()
    stores = _STORES.get(graph)
    if stores is None:
        stores = _STORES[graph] = (_VariableStore(), _VariableScopeStore())
    return stores


def _get_default_variable_store() -> _VariableStore:
    return _stores()[0]


def get_variable_scope_store() -> _VariableScopeStore:
    return _stores()[1]


def get_variable_scope() -> VariableScope:
    """The current variable scope of the default graph.

    >>> get_variable_scope().name
    ''
    """
    return get_variable_scope_store().current_scope


def _get_unique_variable_scope(prefix: str) -> str:
    """``prefix``, or ``prefix_N``, unique among the current scope's sub-scopes."""
    store = get_variable_scope_store()
    current = store.current_scope
    name = f"{current.name}/{prefix}" if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(f"{name}_{idx}") > 0:
        idx += 1
    return f"{prefix}_{idx}"


# -- the scope context managers ----------------------------------------------------------


class _PureVariableScope:
    """Opens a variable scope (no name scope): TF1's ``_pure_variable_scope``."""

    def __init__(
        self,
        name_or_scope: str | VariableScope,
        reuse: Any = None,
        initializer: Any = None,
        regularizer: Any = None,
        caching_device: Any = None,
        partitioner: Any = None,
        custom_getter: Any = None,
        old_name_scope: str | None = None,
        dtype: Any = None,
        use_resource: bool | None = None,
        constraint: Any = None,
    ) -> None:
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._overrides = {
            "initializer": initializer,
            "regularizer": regularizer,
            "caching_device": caching_device,
            "partitioner": partitioner,
            "dtype": dtype,
            "use_resource": use_resource,
        }
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._constraint = constraint
        self._scope_store = get_variable_scope_store()
        self._last: VariableScope | None = None

    def __enter__(self) -> VariableScope:
        store = self._scope_store
        self._old = store.current_scope
        source = self._name_or_scope
        if isinstance(source, VariableScope):
            # Jumping to a captured scope: a copy of it, with any overrides.
            self._new_name = source.name
            scope = VariableScope(
                source.reuse if not self._reuse else self._reuse,
                name=self._new_name,
                initializer=source.initializer,
                regularizer=source.regularizer,
                caching_device=source.caching_device,
                partitioner=source.partitioner,
                dtype=source.dtype,
                custom_getter=source.custom_getter,
                name_scope=source.original_name_scope,
                use_resource=source.use_resource,
                constraint=self._constraint,
            )
            base_getter = source.custom_getter
            store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(store.variable_scopes_count)
        else:
            # Prolonging the current scope: inherit reuse and defaults.
            old = self._old
            self._new_name = f"{old.name}/{source}" if old.name else source
            reuse = self._reuse or old.reuse
            scope = VariableScope(
                reuse,
                name=self._new_name,
                initializer=old.initializer,
                regularizer=old.regularizer,
                caching_device=old.caching_device,
                partitioner=old.partitioner,
                dtype=old.dtype,
                use_resource=old.use_resource,
                custom_getter=old.custom_getter,
                name_scope=source
                if self._old_name_scope is None
                else self._old_name_scope,
                constraint=self._constraint,
            )
            base_getter = old.custom_getter
            store.open_variable_scope(self._new_name)
        for attr, value in self._overrides.items():
            if value is not None:
                getattr(scope, f"set_{attr}")(value)
        if self._custom_getter is not None:
            scope.set_custom_getter(_chain_getters(self._custom_getter, base_getter))
        store.current_scope = scope
        self._last = scope
        return scope

    def __exit__(self, *exc: Any) -> None:
        store = self._scope_store
        if store.current_scope is not self._last:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            store.variable_scopes_count = self._old_subscopes
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old


def _chain_getters(custom_getter: Any, old_getter: Any) -> Any:
    """A getter calling ``custom_getter`` with ``old_getter`` wrapped around the real one."""
    if old_getter is None:
        return custom_getter

    def wrapped(getter: Any, *args: Any, **kwargs: Any) -> Any:
        return custom_getter(
            lambda *a, **k: old_getter(getter, *a, **k), *args, **kwargs
        )

    return wrapped


class variable_scope:  # TF1 spells it in lower case
    """Opens a variable scope and a name scope, as TF1 ``tf.variable_scope``.

    Args:
      name_or_scope: a scope name, or a :class:`VariableScope` to re-enter.
      default_name: used (made unique) when ``name_or_scope`` is None.
      values: tensors the scope's ops use; their graph becomes the default.
      initializer: default initializer for ``get_variable`` inside.
      regularizer: default regularizer; its losses go to
        ``GraphKeys.REGULARIZATION_LOSSES``.
      caching_device: accepted and ignored.
      partitioner: not supported (``get_variable`` raises if one is in effect).
      custom_getter: ``getter_fn(getter, name, *args, **kwargs)`` wrapping
        variable creation (chained with an outer scope's getter).
      reuse: ``True``, :data:`AUTO_REUSE`, or ``None``/``False`` (inherit).
      dtype: default dtype of variables inside (default float32).
      use_resource: accepted and ignored.
      constraint: default constraint of variables inside.
      auxiliary_name_scope: if False, no new name scope is opened.

    >>> with variable_scope("foo"):
    ...     with variable_scope("bar"):
    ...         v = get_variable("v", [1])
    >>> v.name
    'foo/bar/v:0'
    """

    def __init__(
        self,
        name_or_scope: str | VariableScope | None,
        default_name: str | None = None,
        values: Sequence[Any] | None = None,
        initializer: Any = None,
        regularizer: Any = None,
        caching_device: Any = None,
        partitioner: Any = None,
        custom_getter: Any = None,
        reuse: Any = None,
        dtype: Any = None,
        use_resource: bool | None = None,
        constraint: Any = None,
        auxiliary_name_scope: bool = True,
    ) -> None:
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:  # TF1: False and None mean the same (inherit)
            reuse = None
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        if name_or_scope is not None and not isinstance(
            name_or_scope, VariableScope | str
        ):
            raise TypeError(
                "VariableScope: name_or_scope must be a string or VariableScope."
            )
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError(
                "The auxiliary_name_scope must be `True` or `False`, while get"
                f" {auxiliary_name_scope}"
            )
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values
        self._scope_args = {
            "initializer": initializer,
            "regularizer": regularizer,
            "caching_device": caching_device,
            "partitioner": partitioner,
            "custom_getter": custom_getter,
            "dtype": dtype,
            "use_resource": use_resource,
            "constraint": constraint,
        }
        self._reuse = reuse
        self._auxiliary_name_scope = auxiliary_name_scope
        self._exit_stacks: list[contextlib.ExitStack] = []

    def __enter__(self) -> VariableScope:
        stack = contextlib.ExitStack()
        try:
            scope = self._enter(stack)
        except BaseException:
            stack.close()
            raise
        self._exit_stacks.append(stack)
        return scope

    def __exit__(self, *exc: Any) -> None:
        self._exit_stacks.pop().__exit__(*exc)

    def _enter(self, stack: contextlib.ExitStack) -> VariableScope:
        graph = _graph_of_values(self._values) or get_default_graph()
        if graph is not get_default_graph():
            stack.enter_context(graph.as_default())
        current_name_scope = None
        if not self._auxiliary_name_scope:
            # Re-enter the current name scope instead of opening a new one.
            current = graph.get_name_scope()
            current_name_scope = graph.name_scope(f"{current}/" if current else "")
        source = self._name_or_scope
        if source is None:
            if self._reuse:
                raise ValueError("reuse=True cannot be used without a name_or_scope")
            assert self._default_name is not None
            name_scope = stack.enter_context(
                current_name_scope or graph.name_scope(self._default_name)
            )
            pure = _PureVariableScope(
                _get_unique_variable_scope(self._default_name),
                old_name_scope=name_scope,
                **self._scope_args,
            )
        else:
            short = source if isinstance(source, str) else source.name.split("/")[-1]
            if short or current_name_scope is not None:
                name_scope = stack.enter_context(
                    current_name_scope or graph.name_scope(short)
                )
                old_name_scope = (
                    name_scope
                    if isinstance(source, str)
                    else source.original_name_scope
                )
                pure = _PureVariableScope(
                    source,
                    reuse=self._reuse,
                    old_name_scope=old_name_scope,
                    **self._scope_args,
                )
            else:  # entering the root scope
                pure = _PureVariableScope(source, reuse=self._reuse, **self._scope_args)
        return stack.enter_context(pure)


def _graph_of_values(values: Sequence[Any] | None) -> Graph | None:
    for value in values or ():
        graph = getattr(value, "graph", None)
        if isinstance(graph, Graph):
            return graph
    return None


# -- public functions ------------------------------------------------------------------------


def get_variable(
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool | None = None,
    collections: Sequence[str] | None = None,
    caching_device: Any = None,
    partitioner: Any = None,
    validate_shape: bool = True,
    use_resource: bool | None = None,
    custom_getter: Any = None,
    constraint: Any = None,
    synchronization: Any = None,
    aggregation: Any = None,
) -> Variable:
    """Gets an existing variable or creates a new one, as TF1 ``tf.get_variable``.

    The variable is named ``<current variable scope>/<name>``. Whether an existing
    one is returned or a new one created follows the scope's ``reuse`` (module
    docstring).

    Args:
      name: the name within the current variable scope.
      shape: the shape of a new variable (fully defined unless the initializer
        takes no arguments); checked for compatibility when reusing.
      dtype: element type (default: the scope's, float32).
      initializer: an initializer (``init(shape, dtype, partition_info)``; a
        class is instantiated), or a tensor / Python value used as the initial
        value (then leave ``shape`` None). Default: the scope's initializer, else
        ``glorot_uniform_initializer`` for floats and zeros for ints and bools.
      regularizer: ``fn(variable) -> loss tensor or None``; the loss is added to
        ``GraphKeys.REGULARIZATION_LOSSES`` (default: the scope's).
      trainable: add the variable to ``TRAINABLE_VARIABLES`` (default True).
      collections: collections to add it to (default ``[GLOBAL_VARIABLES]``).
      caching_device: ignored.
      partitioner: not supported (raises ``NotImplementedError``).
      validate_shape: passed to :class:`Variable`.
      use_resource: ignored.
      custom_getter: wraps creation (see :class:`variable_scope`).
      constraint: stored on the variable (optimizers may project with it).
      synchronization: ignored.
      aggregation: ignored.

    Raises:
      ValueError: reuse mistakes (with TF1's messages), a shape or dtype
        mismatch when sharing, or a new variable without a full shape.
    """
    return get_variable_scope().get_variable(
        _get_default_variable_store(),
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=collections,
        caching_device=caching_device,
        partitioner=partitioner,
        validate_shape=validate_shape,
        use_resource=use_resource,
        custom_getter=custom_getter,
        constraint=constraint,
    )


def get_local_variable(
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool = False,
    collections: Sequence[str] | None = None,
    caching_device: Any = None,
    partitioner: Any = None,
    validate_shape: bool = True,
    use_resource: bool | None = None,
    custom_getter: Any = None,
    constraint: Any = None,
    synchronization: Any = None,
    aggregation: Any = None,
) -> Variable:
    """:func:`get_variable` for a non-trainable variable in ``LOCAL_VARIABLES``."""
    return get_variable(
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=[*(collections or []), GraphKeys.LOCAL_VARIABLES],
        caching_device=caching_device,
        partitioner=partitioner,
        validate_shape=validate_shape,
        use_resource=use_resource,
        custom_getter=custom_getter,
        constraint=constraint,
    )


def no_regularizer(_: Any) -> None:
    """A regularizer that adds no loss (turns off a scope's default regularizer)."""
    return None


__all__ = [
    "AUTO_REUSE",
    "VariableScope",
    "get_local_variable",
    "get_variable",
    "get_variable_scope",
    "no_regularizer",
    "variable_scope",
]
