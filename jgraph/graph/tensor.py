"""Symbolic values: :class:`Tensor`, the output of an ``Operation``, and the default
session that ``Tensor.eval`` and ``Operation.run`` use.

Where it sits: stage 1 (the graph as pure data), below ``graph.py``, which makes
the tensors of each operation it creates. The Python operators of tensors
(``a + b``) are bound by ``jgraph.ops.math_ops`` (:func:`bind_operators`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from jgraph.graph import dtypes as _dtypes, traversal
from jgraph.graph.shape import Shape, TensorShape, as_shape

if TYPE_CHECKING:
    # Annotations only: an Operation makes its Tensors (graph.py imports this module).
    from jgraph.graph.graph import Graph, Operation


class TensorOperators:
    """Python operators, shared by :class:`Tensor` and ``Variable``."""

    # Bound by jgraph.ops.math_ops (see bind_operators); these annotations only
    # tell type checkers what they return.
    __add__: Callable[[Any], Tensor]
    __radd__: Callable[[Any], Tensor]
    __sub__: Callable[[Any], Tensor]
    __rsub__: Callable[[Any], Tensor]
    __mul__: Callable[[Any], Tensor]
    __rmul__: Callable[[Any], Tensor]
    __truediv__: Callable[[Any], Tensor]
    __rtruediv__: Callable[[Any], Tensor]
    __floordiv__: Callable[[Any], Tensor]
    __rfloordiv__: Callable[[Any], Tensor]
    __mod__: Callable[[Any], Tensor]
    __rmod__: Callable[[Any], Tensor]
    __pow__: Callable[[Any], Tensor]
    __rpow__: Callable[[Any], Tensor]
    __matmul__: Callable[[Any], Tensor]
    __rmatmul__: Callable[[Any], Tensor]
    __and__: Callable[[Any], Tensor]
    __rand__: Callable[[Any], Tensor]
    __or__: Callable[[Any], Tensor]
    __ror__: Callable[[Any], Tensor]
    __xor__: Callable[[Any], Tensor]
    __rxor__: Callable[[Any], Tensor]
    __lt__: Callable[[Any], Tensor]
    __le__: Callable[[Any], Tensor]
    __gt__: Callable[[Any], Tensor]
    __ge__: Callable[[Any], Tensor]
    __getitem__: Callable[[Any], Tensor]
    __neg__: Callable[[], Tensor]
    __abs__: Callable[[], Tensor]
    __invert__: Callable[[], Tensor]


class Tensor(TensorOperators):
    """A symbolic output of an :class:`Operation`: ``Tensor("Mul:0", shape=(), dtype=int32)``.

    ``_dims`` is JAX's view of the static shape (ints, and symbolic dims for
    unknown sizes); :attr:`shape` is the TF1 view, with ``None`` for those.
    """

    # Make numpy defer to our reflected operators (np.float32(2) * tensor).
    __array_priority__ = 100

    def __init__(
        self, op: Operation, value_index: int, dtype: _dtypes.DType, dims: Shape | None
    ) -> None:
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self.dims = None if dims is None else tuple(dims)  # None: unknown rank
        self._user_shape: TensorShape | None = None

    @property
    def op(self) -> Operation:
        return self._op

    @property
    def value_index(self) -> int:
        return self._value_index

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def graph(self) -> Graph:
        return self._op.graph

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    @property
    def device(self) -> str:
        return self._op.device

    @property
    def shape(self) -> TensorShape:
        shape = TensorShape(self.dims)
        if self._user_shape is not None:
            shape = shape.merge_with(self._user_shape)
        return shape

    def get_shape(self) -> TensorShape:
        return self.shape

    def set_shape(self, shape: Any) -> None:
        """Refines the static shape, as TF1: raises ``ValueError`` when incompatible."""
        self._user_shape = self.shape.merge_with(as_shape(shape))

    def consumers(self) -> list[Operation]:
        """The ops that take this tensor as an input, in creation order."""
        return traversal.consumers(self)

    def eval(self, feed_dict: dict | None = None, session: Any = None) -> Any:
        """Runs this tensor in ``session`` (default: the default session)."""
        return run_in_session(self, feed_dict, session)

    def __repr__(self) -> str:
        return (
            f"<jgraph.Tensor '{self.name}' shape={self.shape} dtype={self._dtype.name}>"
        )

    def __str__(self) -> str:
        # As TF1: no shape part when the rank is unknown.
        shape = "" if self.dims is None else f", shape={self.shape}"
        return f'Tensor("{self.name}"{shape}, dtype={self._dtype.name})'

    __hash__ = object.__hash__  # by identity, in C (fetch sets key the plan cache)

    def __bool__(self) -> bool:
        raise TypeError(
            "Using a `jgraph.Tensor` as a Python `bool` is not allowed. Use `if t is not"
            " None:` instead of `if t:`, or run the graph and test the fetched value."
        )

    def __len__(self) -> int:
        raise TypeError(
            f"len is not well defined for symbolic Tensors ({self.name}). Use"
            " `tensor.shape[0]` or `jg.shape(tensor)[0]`."
        )

    def __iter__(self) -> Iterator[Tensor]:
        first = self.shape.as_list()[0] if self.shape.ndims else None
        if first is None:
            raise TypeError(
                f"Cannot iterate over a tensor whose first dimension is unknown: {self}."
            )
        for i in range(first):
            yield self[i]

    __eq__ = object.__eq__  # TF1: tensors compare by identity, usable as dict keys
    __ne__ = object.__ne__


_OPERATOR_NAMES = (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__"
    " __floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__"
    " __rmatmul__ __neg__ __abs__ __invert__ __lt__ __le__ __gt__ __ge__ __and__"
    " __rand__ __or__ __ror__ __xor__ __rxor__ __getitem__"
).split()


def bind_operators(cls: type, implementations: dict[str, Callable[..., Any]]) -> None:
    """Installs Python operator methods on ``cls`` (Tensor and Variable share this)."""
    missing = set(_OPERATOR_NAMES) - set(implementations)
    if missing:
        raise RuntimeError(f"operators without implementation: {sorted(missing)}")
    for name, fn in implementations.items():
        setattr(cls, name, fn)


def as_tensor_or_none(value: Any) -> Tensor | None:
    """``value`` as a Tensor if it is one or stands for one (a ``Variable``), else None."""
    if isinstance(value, Tensor):
        return value
    as_tensor = getattr(value, "_as_tensor", None)
    return as_tensor() if as_tensor is not None else None


def contains_tensor(values: Any) -> bool:
    """Whether a (nested) list or tuple holds a tensor."""
    return any(
        as_tensor_or_none(v) is not None
        or (isinstance(v, list | tuple) and contains_tensor(v))
        for v in values
    )


def run_in_session(fetch: Any, feed_dict: dict | None, session: Any) -> Any:
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError(
                "Cannot evaluate tensor using `eval()` or `run()`: No default session is"
                " registered. Use `with sess.as_default()` or pass an explicit session"
                " to `eval(session=sess)`."
            )
    if session.graph is not fetch.graph:
        raise ValueError(
            "Cannot use the given session to evaluate tensor: the tensor's graph is"
            " different from the session's graph."
        )
    return session.run(fetch, feed_dict)


_default_session_stack: list[Any] = []  # innermost last


def get_default_session() -> Any:
    """The session of the innermost ``with sess.as_default()`` (or InteractiveSession)."""
    return _default_session_stack[-1] if _default_session_stack else None


@contextlib.contextmanager
def default_session(session: Any) -> Iterator[Any]:
    """Makes ``session`` the default session inside the block (``Session.as_default``)."""
    _default_session_stack.append(session)
    try:
        yield session
    finally:
        _default_session_stack.remove(session)
