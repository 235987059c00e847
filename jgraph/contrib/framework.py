"""``tf.contrib.framework``: ``arg_scope``, the global step, variable helpers.

A client of the graph: ``arg_scope`` sets default keyword arguments for the
functions decorated with :func:`add_arg_scope` (the ``tf.contrib.layers``
functions are), the rest are aliases of ``tf.train`` and of the collections.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.ops import variable_scope as vs
from jgraph.ops.variables import Variable, global_variables
from jgraph.train.global_step import (
    assert_global_step as assert_global_step,
    create_global_step as create_global_step,
    get_global_step as get_global_step,
    get_or_create_global_step as get_or_create_global_step,
)

__all__ = [
    "add_arg_scope",
    "arg_scope",
    "arg_scoped_arguments",
    "assert_global_step",
    "create_global_step",
    "get_global_step",
    "get_model_variables",
    "get_or_create_global_step",
    "get_variables",
    "get_variables_by_name",
    "get_variables_to_restore",
    "has_arg_scope",
    "model_variable",
    "variable",
]

# One stack of {function key: default kwargs} per thread, as TF1.
_LOCAL = threading.local()


def _stack() -> list[dict[Any, dict[str, Any]]]:
    if not hasattr(_LOCAL, "stack"):
        _LOCAL.stack = [{}]
    return _LOCAL.stack


def _key(func: Any) -> Any:
    return getattr(func, "_key_op", func)


def has_arg_scope(func: Any) -> bool:
    """Whether ``func`` was decorated with :func:`add_arg_scope`."""
    return hasattr(func, "_key_op")


def arg_scoped_arguments(func: Any) -> list[str]:
    """The argument names ``func`` takes (those an ``arg_scope`` may set)."""
    return list(getattr(func, "_arg_names", []))


def add_arg_scope(func: Callable[..., Any]) -> Callable[..., Any]:
    """Lets :func:`arg_scope` set default keyword arguments of ``func``; explicit
    arguments win."""

    @functools.wraps(func)
    def func_with_args(*args: Any, **kwargs: Any) -> Any:
        defaults = _stack()[-1].get(func_with_args._key_op, {})  # type: ignore[attr-defined]
        return func(*args, **{**defaults, **kwargs})

    func_with_args._key_op = (func.__module__, func.__qualname__)  # type: ignore[attr-defined]
    func_with_args._arg_names = func.__code__.co_varnames[: func.__code__.co_argcount]  # type: ignore[attr-defined]
    return func_with_args


@contextlib.contextmanager
def arg_scope(
    list_ops_or_scope: Sequence[Any] | dict[Any, dict[str, Any]], **kwargs: Any
) -> Iterator[dict[Any, dict[str, Any]]]:
    """Sets default ``kwargs`` for the functions in ``list_ops_or_scope`` inside
    the block (nested scopes add to the outer ones), as TF1
    ``tf.contrib.framework.arg_scope``; yields the scope (a dict that can be
    re-entered with ``arg_scope(scope)``).

    Raises:
      ValueError: a function is not decorated with :func:`add_arg_scope`, or a
        re-entered scope is given keyword arguments.
      TypeError: ``list_ops_or_scope`` is neither a list/tuple nor a scope dict.
    """
    stack = _stack()
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError(
                "When attempting to re-use a scope by suppling a dictionary, kwargs must be empty."
            )
        current = dict(list_ops_or_scope)
    else:
        if not isinstance(list_ops_or_scope, list | tuple):
            raise TypeError(
                "list_ops_or_scope must either be a list/tuple or reused scope (i.e. dict)"
            )
        current = dict(stack[-1])
        for func in list_ops_or_scope:
            if not has_arg_scope(func):
                raise ValueError(
                    f"{getattr(func, '__name__', func)} is not decorated with"
                    " @add_arg_scope: arg_scope can only set the arguments of"
                    " tf.contrib.layers functions and functions decorated with"
                    " tf.contrib.framework.add_arg_scope."
                )
            key = _key(func)
            current[key] = {**current.get(key, {}), **kwargs}
    stack.append(current)
    try:
        yield current
    finally:
        stack.pop()


def get_variables(
    scope: str | None = None,
    suffix: str | None = None,
    collection: str = GraphKeys.GLOBAL_VARIABLES,
) -> list[Variable]:
    """Variables of ``collection`` whose name starts with ``scope`` and (op name)
    ends with ``suffix``."""
    if isinstance(scope, vs.VariableScope):
        scope = scope.name
    found = get_default_graph().get_collection(collection, scope)
    if suffix is not None:
        found = [v for v in found if v.op.name.endswith(suffix)]
    return found


def get_model_variables(
    scope: str | None = None, suffix: str | None = None
) -> list[Variable]:
    """The ``GraphKeys.MODEL_VARIABLES`` (filtered as :func:`get_variables`)."""
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_variables_by_name(given_name: str, scope: str | None = None) -> list[Variable]:
    """Global variables whose last name part is ``given_name``."""
    return [v for v in get_variables(scope) if v.op.name.split("/")[-1] == given_name]


def get_variables_to_restore(
    include: Sequence[str] | None = None, exclude: Sequence[str] | None = None
) -> list[Variable]:
    """Global (model) variables under the ``include`` scopes and not under the
    ``exclude`` ones (all of them by default)."""
    candidates = (
        global_variables()
        if include is None
        else [v for scope in include for v in get_variables(scope)]
    )
    excluded = {id(v) for scope in exclude or () for v in get_variables(scope)}
    return [v for v in candidates if id(v) not in excluded]


def variable(
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool = True,
    collections: Sequence[str] | None = None,
    **kwargs: Any,
) -> Variable:
    """``get_variable`` in the global collection (plus ``collections``)."""
    keys = list(collections or [])
    if GraphKeys.GLOBAL_VARIABLES not in keys:
        keys.insert(0, GraphKeys.GLOBAL_VARIABLES)
    if dtype is not None:
        kwargs["dtype"] = dtype
    return vs.get_variable(
        name,
        shape=shape,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=keys,
        **kwargs,
    )


def model_variable(
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool = True,
    collections: Sequence[str] | None = None,
    **kwargs: Any,
) -> Variable:
    """:func:`variable` that also joins ``GraphKeys.MODEL_VARIABLES``."""
    keys = [GraphKeys.MODEL_VARIABLES, *(collections or [])]
    return variable(
        name, shape, dtype, initializer, regularizer, trainable, keys, **kwargs
    )
