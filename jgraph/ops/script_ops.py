"""Python functions inside the graph: ``tf.py_func``, ``tf.numpy_function``,
``tf.py_function``.

The op declares ``host_step``: a run is cut around it (``compile/segments.py``),
the compiled segment before it hands over its inputs, the user's function runs
in Python on numpy values, and the segment after it is compiled for the shapes
the function returned (once per new shape). It runs every time a run needs it,
stateful or not (TF1 may fold or dedupe a ``stateful=False`` one; jgraph never
does), in the run's op order. A ``jax.pure_callback`` inside one compiled call
was measured as the alternative for outputs of static shape and was no faster
on CPU (``experiments/host_steps.py``), so every Python function is a host step.

TF1 behaviour kept: a scalar argument is a numpy scalar (a string one
``bytes``), other arguments numpy arrays (strings: object arrays of ``bytes``);
the returned values must have exactly the declared dtypes (``py_func``,
``numpy_function``; ``py_function`` converts them; a string output takes
``bytes``, ``str`` or arrays of them, ``str`` UTF-8 encoded), a list or
tuple is several outputs, and an exception becomes TF1's error class (ValueError
and TypeError: ``InvalidArgumentError``; StopIteration: ``OutOfRangeError``;
NotImplementedError: ``UnimplementedError``; MemoryError:
``ResourceExhaustedError``; anything else: ``UnknownError``), naming the op,
with the Python exception as its cause. A failed run changes no variable: the
session state is what it was before the run (TF1 keeps what ops before the
failure wrote).

Gradients are TF1's for ``py_func``/``numpy_function``: none (``NotDifferentiable``).
TF1 differentiates ``py_function`` by running it eagerly under a tape; jgraph has
no eager mode, so ``tf.gradients`` through it raises ``LookupError``.

TF1 difference: ``py_function`` passes numpy arrays (with a ``.numpy()`` method,
as eager tensors have), so TF ops cannot be called on them inside the function.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from jgraph import errors
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.registry import op

if TYPE_CHECKING:
    from jgraph.compile.interpreter import Interpreter

_tokens = itertools.count()

# TF1's status for an exception the function raises (the first match wins; any
# other exception, a tf.errors one included, is UNKNOWN as in TF1).
_ERROR_CLASSES: tuple[tuple[type[BaseException], type[errors.OpError]], ...] = (
    (errors.OpError, errors.UnknownError),
    (ValueError, errors.InvalidArgumentError),
    (TypeError, errors.InvalidArgumentError),
    (StopIteration, errors.OutOfRangeError),
    (MemoryError, errors.ResourceExhaustedError),
    (NotImplementedError, errors.UnimplementedError),
)


class EagerValue(np.ndarray):
    """A ``py_function`` argument: a numpy array with TF eager tensors' ``.numpy()``."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


def _py_func_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    return [(dtype, None) for dtype in attrs["Tout"]]


def _run_python(ctx: Interpreter, inp: Sequence[Any], *, eager: bool) -> tuple:
    """Calls the op's Python function on its input values; checks and converts
    what it returns (TF1's rules, see the module docstring)."""
    op_ = ctx.op
    func: Callable[..., Any] = op_.attrs["_func"]
    args = [np.asarray(v) for v in inp]
    if eager:
        args = [a.view(EagerValue) for a in args]
    else:  # a scalar as TF1 passes it: a numpy scalar, a string as bytes
        args = [a[()] if a.ndim == 0 else a for a in args]
    try:
        result = func(*args)
    except Exception as err:
        raise _python_error(op_, err) from err
    if isinstance(result, list | tuple):
        values = list(result)
    else:
        values = [] if result is None else [result]
    tout: tuple[_dtypes.DType, ...] = op_.attrs["Tout"]
    if len(values) != len(tout):
        raise errors.InvalidArgumentError(
            None,
            op_,
            f"The Python function of {op_.type} '{op_.name}' returned"
            f" {len(values)} values, but Tout declares {len(tout)}.",
        )
    outputs = []
    for i, (value, dtype) in enumerate(zip(values, tout, strict=True)):
        if dtype is _dtypes.string:
            outputs.append(_returned_strings(op_, i, value))
            continue
        array = np.asarray(value, dtype.np) if eager else np.asarray(value)
        if array.dtype != dtype.np:
            got = (
                _dtypes.as_dtype(array.dtype).name
                if array.dtype != object
                else "object"
            )
            raise errors.InvalidArgumentError(
                None,
                op_,
                f"Value {i} returned by the Python function of {op_.type}"
                f" '{op_.name}' is {got}, but Tout declares {dtype.name} (return"
                f" {np.dtype(dtype.np).name} arrays; py_func does not convert).",
            )
        outputs.append(array)
    return tuple(outputs)


def _returned_strings(op_: Operation, index: int, value: Any) -> np.ndarray:
    """Value ``index`` the Python function returned for a string output, as TF1
    takes it: ``bytes`` and ``str`` (UTF-8 encoded), or arrays of them, as an
    object array of ``bytes``."""
    array = np.asarray(value)
    if array.dtype.kind not in "SUO":
        raise errors.InvalidArgumentError(
            None,
            op_,
            f"Value {index} returned by the Python function of {op_.type}"
            f" '{op_.name}' is {_dtypes.as_dtype(array.dtype).name}, but Tout"
            " declares string (return bytes, str or arrays of them).",
        )
    strings = np.empty(array.shape, object)
    for position, item in np.ndenumerate(array):
        if isinstance(item, str):
            item = item.encode("utf-8")
        elif not isinstance(item, bytes):
            raise errors.InternalError(  # TF1's class
                None,
                op_,
                f"Unsupported object type {type(item).__name__} in value {index}"
                f" returned by the Python function of {op_.type} '{op_.name}'"
                " (a string output takes bytes or str).",
            )
        strings[position] = bytes(item)
    return strings


def _python_error(op_: Operation, err: Exception) -> errors.OpError:
    error_class = next(
        (ours for theirs, ours in _ERROR_CLASSES if isinstance(err, theirs)),
        errors.UnknownError,
    )
    return error_class(
        None,
        op_,
        f"{type(err).__name__}: {err}\n  raised by the Python function of {op_.type}"
        f" '{op_.name}' ({op_.describe()})",
    )


def _python_op(op_type: str, no_gradient: str | None = None) -> Callable[[Any], Any]:
    """Registers one of the three op types that call the user's Python: not
    differentiable (TF1's ``NotDifferentiable``) unless it says why it has no
    gradient."""
    return op(
        op_type,
        list_input="inp",
        same_dtype=False,
        needs_context=True,
        host_step=True,
        differentiable=no_gradient is not None,
        no_gradient=no_gradient,
        shape_fn=_py_func_spec,
        num_outputs=-1,
    )


@_python_op("PyFunc")
def _py_func_impl(
    ctx: Interpreter, inp: Sequence[Any], *, Tout: tuple, token: str
) -> tuple:
    return _run_python(ctx, inp, eager=False)


@_python_op("PyFuncStateless")
def _py_func_stateless_impl(
    ctx: Interpreter, inp: Sequence[Any], *, Tout: tuple, token: str
) -> tuple:
    return _run_python(ctx, inp, eager=False)


@_python_op(
    "EagerPyFunc",
    no_gradient="TF1 differentiates tf.py_function by running it eagerly under a"
    " tape; jgraph has no eager mode. Write the function with jgraph ops instead,"
    " or wrap its inputs in tf.stop_gradient.",
)
def _eager_py_func_impl(
    ctx: Interpreter, inp: Sequence[Any], *, Tout: tuple, token: str
) -> tuple:
    return _run_python(ctx, inp, eager=True)


def _build(
    impl: Callable[..., Any], func: Any, inp: Any, Tout: Any, name: str | None
) -> Any:
    if not callable(func):
        raise TypeError(f"func must be callable, got {func!r}.")
    several = isinstance(Tout, list | tuple)
    tout = tuple(_dtypes.as_dtype(t) for t in (Tout if several else [Tout]))
    items = inp if isinstance(inp, list | tuple) else [inp]
    graph = get_default_graph()
    tensors = [convert_to_tensor(item, graph=graph) for item in items]
    result = build(
        impl,
        tensors,
        Tout=tout,
        token=f"pyfunc_{next(_tokens)}",
        _func=func,
        name=name,
    )
    if isinstance(result, Operation):  # Tout=[]: TF1 returns the op
        return result
    outputs = [result] if isinstance(result, Tensor) else list(result)
    return outputs if several else outputs[0]


def py_func(
    func: Callable[..., Any],
    inp: Any,
    Tout: Any,
    stateful: bool = True,
    name: str | None = None,
) -> Any:
    """Wraps the Python function ``func`` (numpy arrays in, numpy arrays out) as
    an op, as TF1 ``tf.py_func``.

    Args:
      func: called with the values of ``inp``; returns one array (``Tout`` a
        dtype) or a list/tuple of arrays (``Tout`` a list), of exactly those
        dtypes.
      inp: the input tensors (a list).
      Tout: the output dtype, or a list of them (``[]``: no outputs; the op is
        returned).
      stateful: TF1's op type ``PyFunc`` (True) or ``PyFuncStateless``; jgraph
        runs both every time a run needs them.
      name: op name.

    Returns:
      A tensor (``Tout`` a dtype), a list of tensors, or the op. Their shapes are
      unknown, as in TF1 (``set_shape`` them if later ops need one).
    """
    impl = _py_func_impl if stateful else _py_func_stateless_impl
    return _build(impl, func, inp, Tout, name)


# ``tf.numpy_function``: the same op, the same arguments.
numpy_function = py_func


def py_function(
    func: Callable[..., Any], inp: Any, Tout: Any, name: str | None = None
) -> Any:
    """``tf.py_function`` (op type ``EagerPyFunc``): as :func:`py_func`, but the
    returned values are converted to ``Tout`` and the arguments are numpy arrays
    with a ``.numpy()`` method (TF1 passes eager tensors: see the module
    docstring)."""
    return _build(_eager_py_func_impl, func, inp, Tout, name)
