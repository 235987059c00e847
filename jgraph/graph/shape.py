"""TF1's ``TensorShape`` and ``Dimension``: static shapes with unknown (``?``) dims.

The graph keeps JAX's view of a shape (ints plus symbolic dims for unknown sizes);
users see this class, where every non-constant dim is ``None`` and prints as ``?``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np


class Dimension:
    """One dimension of a :class:`TensorShape`: an int, or unknown (``value is None``)."""

    __slots__ = ("value",)

    def __init__(self, value: int | None) -> None:
        self.value = None if value is None else int(value)

    def __int__(self) -> int:
        if self.value is None:
            raise ValueError("Cannot convert an unknown Dimension to an int.")
        return self.value

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        other_value = other.value if isinstance(other, Dimension) else other
        if self.value is None or other_value is None:
            return False
        return self.value == other_value

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"Dimension({self.value})"

    def __str__(self) -> str:
        return "?" if self.value is None else str(self.value)


def is_known(dim: Any) -> bool:
    """Whether a dim of the graph's (JAX) view of a shape is a number, not symbolic."""
    return isinstance(dim, int | np.integer)


def _as_dim(value: Any) -> int | None:
    if isinstance(value, Dimension):
        return value.value
    if value is None:
        return None
    if isinstance(value, int) or hasattr(value, "__index__"):
        try:
            result = int(value)
        except Exception:  # a JAX symbolic dimension is not an int
            return None
        return None if result < 0 else result
    return None


class TensorShape:
    """A static shape, TF1 style: ``TensorShape([None, 784])`` prints ``(?, 784)``.

    >>> TensorShape([None, 784])
    TensorShape([Dimension(None), Dimension(784)])
    >>> print(TensorShape([None, 784]))
    (?, 784)
    """

    __slots__ = ("_dims",)

    def __init__(self, dims: Iterable[Any] | None) -> None:
        self._dims = None if dims is None else tuple(_as_dim(d) for d in dims)

    @property
    def dims(self) -> list[Dimension] | None:
        return None if self._dims is None else [Dimension(d) for d in self._dims]

    @property
    def ndims(self) -> int | None:
        return None if self._dims is None else len(self._dims)

    rank = ndims

    def as_list(self) -> list[int | None]:
        """The dims as ints, ``None`` for unknown ones."""
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        result = 1
        for d in self._dims or ():
            result *= d  # type: ignore[operator]
        return result

    def is_compatible_with(self, other: Any) -> bool:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(
            a is None or b is None or a == b
            for a, b in zip(self._dims, other._dims, strict=True)
        )

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def merge_with(self, other: Any) -> TensorShape:
        other = as_shape(other)
        self.assert_is_compatible_with(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        return TensorShape(
            a if a is not None else b
            for a, b in zip(self._dims, other._dims, strict=True)
        )

    def __len__(self) -> int:
        if self._dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self._dims)

    def __iter__(self) -> Iterator[Dimension]:
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(Dimension(d) for d in self._dims)

    def __getitem__(self, key: int | slice) -> Any:
        if self._dims is None:
            raise ValueError("Cannot index a shape with unknown rank.")
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return Dimension(self._dims[key])

    def __eq__(self, other: object) -> bool:
        try:
            other_shape = as_shape(other)
        except TypeError:
            return NotImplemented
        return self._dims == other_shape._dims

    def __hash__(self) -> int:
        return hash(self._dims)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({[Dimension(d) for d in self._dims]})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        parts = ["?" if d is None else str(d) for d in self._dims]
        if len(parts) == 1:
            return f"({parts[0]},)"
        return "(" + ", ".join(parts) + ")"


def as_shape(value: Any) -> TensorShape:
    """Converts a list/tuple of ints and ``None`` (or a ``TensorShape``) to a TensorShape."""
    if isinstance(value, TensorShape):
        return value
    if value is None:
        return TensorShape(None)
    try:
        return TensorShape(list(value))
    except TypeError as err:
        raise TypeError(f"Cannot convert {value!r} to a TensorShape.") from err


def format_shape(dims: Iterable[Any] | None) -> str:
    """Writes a shape TF1's way for error messages: ``[?,784]``; ``<unknown>`` rank."""
    if dims is None:
        return "<unknown>"
    return (
        "["
        + ",".join("?" if _as_dim(d) is None else str(_as_dim(d)) for d in dims)
        + "]"
    )


Shape = tuple[Any, ...]
