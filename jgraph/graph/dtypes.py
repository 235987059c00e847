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

    def __str__(self) -> str:
        # TF1's str (what print shows); repr stays tf.float32, as TF1's.
        return f"<dtype: '{self.name}'>"

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
# TF1's ``DataType`` enum values (``types_pb2``), which ``as_dtype`` also accepts.
_BY_ENUM: dict[Any, DType] = {
    1: float32,
    2: float64,
    3: int32,
    4: uint8,
    5: int16,
    6: int8,
    7: string,
    9: int64,
    10: bool_,
    14: bfloat16,
    17: uint16,
    19: float16,
    22: uint32,
    23: uint64,
}
# TF1's names: the canonical ones plus its aliases "float", "double" and "half".
_BY_NAME: dict[Any, DType] = {d.name: d for d in ALL} | {
    "float": float32,
    "double": float64,
    "half": float16,
}
# numpy scalar types (what ``np.dtype(x).type`` gives), as TF1's ``_NP_TO_TF``.
_BY_NP_TYPE: dict[Any, DType] = {d.np.type: d for d in ALL if d is not string} | {
    np.object_: string,
    np.bytes_: string,
    np.str_: string,
    np.longlong: int64,
    np.ulonglong: uint64,
}
# Python types: TF1 maps only these three (``int``, ``str`` and ``bytes`` are refused).
_BY_PYTHON_TYPE: dict[Any, DType] = {float: float32, bool: bool_, object: string}
# Everything TF1 looks up by hashing, in TF1's order of precedence.
_BY_KEY: dict[Any, DType] = _BY_ENUM | _BY_NAME | _BY_NP_TYPE | _BY_PYTHON_TYPE

# Names TF1 knows but jgraph has no type for (TF1's complex, quantized, 8-bit and
# 4-bit float, handle types, and every ``*_ref`` name).
_UNSUPPORTED_NAMES = frozenset(
    {
        "complex64",
        "complex128",
        "qint8",
        "quint8",
        "qint16",
        "quint16",
        "qint32",
        "resource",
        "variant",
        "int2",
        "uint2",
        "int4",
        "uint4",
        "float4_e2m1fn",
        "float8_e5m2",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e4m3b11fnuz",
        "float8_e5m2fnuz",
    }
)
_UNSUPPORTED_ENUMS = frozenset({8, 11, 12, 13, 15, 16, 18, 20, 21, *range(24, 34)})


def _unsupported(value: Any) -> str | None:
    """Why ``value`` names a TF1 dtype that jgraph lacks, or ``None``."""
    if isinstance(value, str):
        base = value.removesuffix("_ref")
        if value.endswith("_ref") and (base in _BY_NAME or base in _UNSUPPORTED_NAMES):
            return (
                f"TF1's reference dtype {value!r} has no jgraph counterpart (variables"
                f" hold plain values); use {base!r}."
            )
        if value in _UNSUPPORTED_NAMES:
            return f"TF1's dtype {value!r} is not supported by jgraph."
    if isinstance(value, np.dtype) and value.kind == "c":
        return f"complex dtype {value} is not supported by jgraph."
    if value in (np.complex64, np.complex128):
        return f"complex dtype {np.dtype(value)} is not supported by jgraph."
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        if int(value) in _UNSUPPORTED_ENUMS or 101 <= int(value) <= 133:
            return f"TF1's DataType enum value {int(value)} is not supported by jgraph."
    return None


_ACCEPTED = (
    "a jgraph DType, a TF1 name ('float32', or 'float', 'double', 'half', "
    "'int32', 'bool', 'string', ...), a numpy dtype or scalar type, float, bool, "
    "object, or a TF1 DataType enum value"
)


def as_dtype(value: Any) -> DType:
    """Converts ``value`` to a :class:`DType` by TF1's ``tf.as_dtype`` table.

    Accepted, as in TF1: a ``DType``; a name (``"float32"``, and TF1's aliases
    ``"float"`` -> float32, ``"double"`` -> float64, ``"half"`` -> float16); a
    numpy dtype or scalar type (``np.float32``; string and object kinds ->
    string); the Python types ``float`` -> float32, ``bool`` -> bool and
    ``object`` -> string; a ``DataType`` enum value (``1`` -> float32); an object
    with a numpy ``dtype`` attribute. Refused, as in TF1: ``int``, ``str``,
    ``bytes``, ``complex``, numpy's shorthand codes (``"f4"``), ``None``.

    >>> as_dtype("float")
    tf.float32

    Raises:
      TypeError: ``value`` is not a dtype by TF1's table, or is a TF1 dtype
        jgraph does not have (complex, quantized, ``*_ref``, ...).
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, np.dtype):
        found = _BY_NP_TYPE.get(value.type)
        if found is not None:
            return found
    try:
        found = _BY_KEY.get(value)
    except TypeError:  # unhashable
        found = None
    if found is not None:
        return found
    if not isinstance(value, type) and hasattr(value, "dtype"):
        try:
            found = _BY_NP_TYPE.get(np.dtype(getattr(value, "dtype")).type)  # noqa: B009
        except TypeError:
            found = None
        if found is not None:
            return found
    why = _unsupported(value)
    if why is not None:
        raise TypeError(f"Cannot convert {value!r} to a jgraph dtype: {why}")
    hint = ""
    if value is int:
        hint = " TF1 refuses the Python type int too: write tf.int32 or tf.int64."
    elif value in (str, bytes):
        hint = " TF1 refuses it too: write tf.string."
    raise TypeError(
        f"Cannot convert {value!r} to a jgraph dtype; expected {_ACCEPTED}.{hint}"
    )


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
