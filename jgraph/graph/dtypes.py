"""TF1 dtype objects (``tf.float32``, ...) and their numpy/JAX equivalents.

The graph stores :class:`DType` objects; lowering hands their ``as_numpy_dtype`` to
``jnp``. Python scalars follow TF1: ``int`` -> int32, ``float`` -> float32.
"""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np


class DType:
    """A TF1 element type, e.g. ``jg.float32``. Compares equal to its name's numpy dtype."""

    __slots__ = ("_np", "name")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self.name = name
        self._np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self) -> type:
        """The numpy scalar type, as TF1's ``DType.as_numpy_dtype``."""
        return self._np.type

    @property
    def np(self) -> np.dtype:
        """The numpy dtype object."""
        return self._np

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f" or self is bfloat16

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_64bit(self) -> bool:
        """True for types that need JAX's x64 mode (float64, int64, uint64)."""
        return self._np.itemsize == 8 and self._np.kind in "fiu"

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self) -> Any:
        info = ml_dtypes.finfo(self._np) if self.is_floating else np.iinfo(self._np)
        return info.min

    @property
    def max(self) -> Any:
        info = ml_dtypes.finfo(self._np) if self.is_floating else np.iinfo(self._np)
        return info.max

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self is other
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self) -> tuple[Any, ...]:
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
bfloat16 = DType("bfloat16", ml_dtypes.bfloat16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool_ = DType("bool", np.bool_)
string = DType("string", np.object_)
half = float16
double = float64

ALL = (
    float16,
    bfloat16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
    bool_,
    string,
)
_BY_NAME = {d.name: d for d in ALL} | {"half": float16, "double": float64}
_BY_NP = {d.np: d for d in ALL}


def as_dtype(value: Any) -> DType:
    """Converts a DType, name, numpy dtype or Python type to a :class:`DType`.

    >>> as_dtype("float32")
    tf.float32
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is int:
        return int32
    if value is float:
        return float32
    if value is bool:
        return bool_
    if value in (str, bytes):
        return string
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        np_dtype = None
    if np_dtype is not None and np_dtype.kind in "SUO":
        return string
    if np_dtype is not None and np_dtype in _BY_NP:
        return _BY_NP[np_dtype]
    raise TypeError(f"Cannot convert {value!r} to a jgraph dtype.")


def dtype_of_python_value(value: Any) -> DType:
    """TF1's dtype for a Python value or numpy array: int -> int32, float -> float32."""
    if isinstance(value, np.ndarray | np.generic):
        return as_dtype(value.dtype)
    array = np.asarray(value)
    if array.dtype.kind == "i":
        return int32
    if array.dtype.kind == "f":
        return float32
    return as_dtype(array.dtype)
