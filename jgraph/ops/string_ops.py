"""String ops: ``tf.string_to_number``, ``tf.string_join``, ``tf.as_string``
(and their ``tf.strings`` names).

XLA has no strings, so these are host steps (``OpDef.host_step``): a run is cut
around them (``compile/segments.py``) and their impls run on numpy values,
strings as object arrays of ``bytes`` (UTF-8, as TF1 keeps them). Ops that take
strings among other dtypes (``reshape``, ``concat``, ``gather``, ``equal``, ...)
declare it in their own ``OpDef.strings``, next to their compiled impls.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import format_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.registry import op

_STRINGS = (_dtypes.string,)

# -- string_to_number ---------------------------------------------------------------

_SPACE = b" \t\n\v\f\r"  # what C's strtod/strtol skip around a number
_INTEGER = re.compile(rb"[+-]?[0-9]+")
_HEX_FLOAT = re.compile(
    rb"[+-]?0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(p[+-]?[0-9]+)?", re.IGNORECASE
)


def _number(text: bytes, dtype: _dtypes.DType) -> Any:
    """``text`` parsed as TF1's StringToNumber does (C's strtod/strtol on the
    whole string, blanks around it allowed); ``ValueError`` where TF1 fails."""
    stripped = text.strip(_SPACE)
    if dtype.is_integer:
        if _INTEGER.fullmatch(stripped):
            value = int(stripped)
            if dtype.min <= value <= dtype.max:
                return value
    elif stripped.isascii() and b"_" not in stripped:  # Python's float takes more
        try:
            return float(stripped)
        except ValueError:
            if _HEX_FLOAT.fullmatch(stripped):
                return float.fromhex(stripped.decode())
    raise ValueError(
        f"StringToNumberOp could not correctly convert string: {_text(text)}"
    )


def _text(value: bytes) -> str:
    return value.decode("utf-8", "backslashreplace")


def _same_shape(dtype: Any) -> Any:
    """A shape function: one output of ``dtype`` (an attr's name, or a dtype) and
    the input's shape."""

    def spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
        out = _dtypes.as_dtype(attrs[dtype] if isinstance(dtype, str) else dtype)
        return [(out, None if specs[0] is None else tuple(specs[0].shape))]

    return spec


@op(
    "StringToNumber",
    dtypes=_STRINGS,
    host_step=True,
    shape_fn=_same_shape("out_type"),
)
def _string_to_number_impl(string_tensor: Any, *, out_type: Any) -> np.ndarray:
    dtype = _dtypes.as_dtype(out_type)
    strings = np.asarray(string_tensor, object)
    values = [_number(s, dtype) for s in strings.reshape(-1)]
    with np.errstate(over="ignore"):  # beyond float32: infinity, as TF1
        return np.array(values, dtype.np).reshape(strings.shape)


_NUMBER_TYPES = (_dtypes.float32, _dtypes.float64, _dtypes.int32, _dtypes.int64)


def string_to_number(
    string_tensor: Any, out_type: Any = _dtypes.float32, name: str | None = None
) -> Tensor:
    """Each string of ``string_tensor`` parsed as a number of ``out_type``
    (float32, float64, int32 or int64), as TF1 ``tf.string_to_number``: blanks
    around it are allowed; floats take ``inf``, ``nan`` and hex forms; a string
    that is not a whole number of the type fails the run
    (``InvalidArgumentError``)."""
    dtype = _dtypes.as_dtype(out_type)
    if dtype not in _NUMBER_TYPES:
        raise TypeError(
            f"Value passed to parameter 'out_type' has DataType {dtype.name} not in"
            " list of allowed values: float32, float64, int32, int64"
        )
    return build(_string_to_number_impl, string_tensor, out_type=dtype, name=name)


def to_number(
    input: Any, out_type: Any = _dtypes.float32, name: str | None = None
) -> Tensor:
    """``tf.strings.to_number``: :func:`string_to_number`."""
    return string_to_number(input, out_type, name)


# -- string_join --------------------------------------------------------------------


def _join_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    """TF1's shape function: the inputs that are not scalars share one shape."""
    if any(s is None for s in specs):
        return [(_dtypes.string, None)]
    shapes = [tuple(s.shape) for s in specs if s is not None and s.shape != ()]
    if not shapes:
        return [(_dtypes.string, ())]
    dims = list(shapes[0])
    for shape in shapes[1:]:
        if len(shape) != len(dims):
            raise ValueError(
                f"Shapes must be equal rank, but are {len(dims)} and {len(shape)}"
                " (StringJoin)."
            )
        for axis, size in enumerate(shape):
            if not is_known(dims[axis]):
                dims[axis] = size
            elif is_known(size) and size != dims[axis]:
                raise ValueError(
                    f"Dimension {axis} in both shapes must be equal, but are"
                    f" {dims[axis]} and {size}. Shapes are {format_shape(dims)} and"
                    f" {format_shape(shape)} (StringJoin)."
                )
    return [(_dtypes.string, tuple(dims))]


@op(
    "StringJoin",
    list_input="inputs",
    dtypes=_STRINGS,
    host_step=True,
    shape_fn=_join_spec,
)
def _string_join_impl(inputs: Sequence[Any], *, separator: str = "") -> np.ndarray:
    arrays = [np.asarray(v, object) for v in inputs]
    shapes = {a.shape for a in arrays if a.ndim}
    if len(shapes) > 1:
        raise ValueError(
            "Input shapes do not match: "
            + " vs. ".join(format_shape(s) for s in sorted(shapes))
        )
    separator_bytes = separator.encode()
    # Object arrays of bytes add as bytes do: concatenated, scalars broadcast.
    joined = functools.reduce(lambda a, b: a + separator_bytes + b, arrays)
    return np.asarray(joined, object)


def string_join(
    inputs: Sequence[Any], separator: str = "", name: str | None = None
) -> Tensor:
    """The strings of ``inputs`` joined elementwise with ``separator``, as TF1
    ``tf.string_join``: the inputs have one shape, or are scalars."""
    tensors = [convert_to_tensor(v) for v in inputs]
    if not tensors:
        raise ValueError("string_join needs at least one input.")
    return build(_string_join_impl, tensors, separator=str(separator), name=name)


def join(inputs: Sequence[Any], separator: str = "", name: str | None = None) -> Tensor:
    """``tf.strings.join``: :func:`string_join`."""
    return string_join(inputs, separator, name)


# -- length, strip, reduce_join ----------------------------------------------------


@op(
    "StringLength",
    dtypes=_STRINGS,
    host_step=True,
    shape_fn=_same_shape(_dtypes.int32),
)
def _string_length_impl(input: Any, *, unit: str = "BYTE") -> np.ndarray:
    strings = np.asarray(input, object)
    if unit == "BYTE":
        lengths = [len(s) for s in strings.reshape(-1)]
    else:  # TF1 counts UTF-8 characters by their lead bytes
        lengths = [len(s) - sum(0x80 <= b < 0xC0 for b in s) for s in strings.flat]
    return np.array(lengths, np.int32).reshape(strings.shape)


def length(input: Any, name: str | None = None, unit: str = "BYTE") -> Tensor:
    """The length of each string of ``input`` in bytes (``unit="BYTE"``) or
    UTF-8 characters (``"UTF8_CHAR"``), as TF1 ``tf.strings.length``."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(
            f"Attr 'unit' of 'StringLength' Op passed string '{unit}' not in:"
            ' "BYTE", "UTF8_CHAR".'
        )
    return build(_string_length_impl, input, unit=unit, name=name)


@op(
    "StringStrip",
    dtypes=_STRINGS,
    host_step=True,
    shape_fn=_same_shape(_dtypes.string),
)
def _string_strip_impl(input: Any) -> np.ndarray:
    strings = np.asarray(input, object)
    stripped = [s.strip(_SPACE) for s in strings.reshape(-1)]
    return np.array(stripped, object).reshape(strings.shape)


def strip(input: Any, name: str | None = None) -> Tensor:
    """Each string of ``input`` without leading and trailing ASCII blanks, as TF1
    ``tf.strings.strip`` (``tf.string_strip``)."""
    return build(_string_strip_impl, input, name=name)


string_strip = strip  # TF1's older name


def _reduce_join_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    (spec,) = specs
    if spec is None:
        return [(_dtypes.string, None)]
    axes = set(attrs["axes"])
    dims = [
        1 if axis in axes else size
        for axis, size in enumerate(spec.shape)
        if attrs["keep_dims"] or axis not in axes
    ]
    return [(_dtypes.string, tuple(dims))]


@op("ReduceJoin", dtypes=_STRINGS, host_step=True, shape_fn=_reduce_join_spec)
def _reduce_join_impl(
    inputs: Any, *, axes: tuple[int, ...], keep_dims: bool, separator: str
) -> np.ndarray:
    strings = np.asarray(inputs, object)
    kept = [a for a in range(strings.ndim) if a not in axes]
    # TF1 joins with the first listed axis varying fastest.
    moved = np.transpose(strings, (*kept, *reversed(axes)))
    rows = moved.reshape(*(strings.shape[a] for a in kept), -1)
    sep = separator.encode()
    joined = np.empty(rows.shape[:-1], object)
    for index in np.ndindex(joined.shape):
        joined[index] = sep.join(rows[index])
    if keep_dims:
        joined = joined.reshape(
            [1 if a in axes else n for a, n in enumerate(strings.shape)]
        )
    return joined


def reduce_join(
    inputs: Any,
    axis: Any = None,
    keep_dims: bool | None = None,
    separator: str = "",
    name: str | None = None,
    reduction_indices: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The strings of ``inputs`` joined with ``separator`` along ``axis`` (all
    axes when ``None``), as TF1 ``tf.reduce_join``: several axes join with the
    first listed varying fastest; ``keep_dims`` keeps them as size 1."""
    graph = get_default_graph()
    with graph.name_scope(name or "ReduceJoin"):
        tensor = convert_to_tensor(inputs)
        rank = tensor.shape.ndims
        given = axis if axis is not None else reduction_indices
        if rank is None:
            raise ValueError("tf.reduce_join needs an input of known rank.")
        if given is None:
            axes = tuple(reversed(range(rank)))
        else:
            axes = tuple(int(a) for a in np.asarray(given).reshape(-1))
            for a in axes:
                if not -rank <= a < rank:
                    raise ValueError(
                        f"Invalid reduction dimension {a} for input with {rank}"
                        " dimensions."
                    )
            axes = tuple(a % rank for a in axes)
        keep = bool(keepdims if keepdims is not None else keep_dims)
        return build(
            _reduce_join_impl,
            tensor,
            axes=axes,
            keep_dims=keep,
            separator=str(separator),
            name="ReduceJoin",
        )


# -- as_string ----------------------------------------------------------------------

_FILLS = ("", " ", "+", "-", "0", "#")  # printf flags TF1 takes as ``fill``


def _format(
    dtype: _dtypes.DType,
    precision: int,
    scientific: bool,
    shortest: bool,
    width: int,
    fill: str,
) -> str:
    """TF1's printf format for one element of ``dtype`` (``ValueError`` for the
    attributes TF1 refuses)."""
    if len(fill) > 1 or fill not in _FILLS:
        raise ValueError(f'Fill argument not supported: "{fill}"')
    if scientific and shortest:
        raise ValueError("Cannot select both scientific and shortest notation")
    spec = "%" + fill + (str(width) if width > -1 else "")
    if dtype.is_integer:
        if precision > -1:
            raise ValueError(f"precision not supported for datatype {dtype.name}")
        if scientific or shortest:
            raise ValueError(f"scientific/shortest not supported for {dtype.name}")
        return spec + "d"
    if precision > -1:
        spec += f".{precision}"
    return spec + ("e" if scientific else "g" if shortest else "f")


@op("AsString", host_step=True, shape_fn=_same_shape(_dtypes.string))
def _as_string_impl(
    input: Any,
    *,
    precision: int = -1,
    scientific: bool = False,
    shortest: bool = False,
    width: int = -1,
    fill: str = "",
) -> np.ndarray:
    values = np.asarray(input)
    if values.dtype == object:
        return values  # strings stay as they are (TF1)
    flat = values.reshape(-1)
    dtype = _dtypes.as_dtype(values.dtype)
    if dtype.is_bool:
        texts = [b"true" if v else b"false" for v in flat]
    else:
        form = _format(dtype, precision, scientific, shortest, width, fill)
        if dtype.is_integer:
            texts = [(form % int(v)).encode() for v in flat]
        else:
            # C pads nan and inf with blanks even under the 0 flag; Python with 0s.
            blank = form.replace("%0", "%", 1)
            texts = [
                ((form if np.isfinite(v) else blank) % float(v)).encode() for v in flat
            ]
    return np.array(texts, object).reshape(values.shape)


def as_string(
    input: Any,
    precision: int = -1,
    scientific: bool = False,
    shortest: bool = False,
    width: int = -1,
    fill: str = "",
    name: str | None = None,
) -> Tensor:
    """Each element of ``input`` as a string, as TF1 ``tf.as_string`` (printf's
    ``%f``/``%e``/``%g`` for floats, ``%d`` for integers, ``true``/``false`` for
    bools; ``fill`` is one of printf's flags, ``" "``, ``"0"``, ...)."""
    return build(
        _as_string_impl,
        input,
        precision=int(precision),
        scientific=bool(scientific),
        shortest=bool(shortest),
        width=int(width),
        fill=str(fill),
        name=name,
    )


__all__ = [
    "as_string",
    "join",
    "length",
    "reduce_join",
    "string_join",
    "string_strip",
    "string_to_number",
    "strip",
    "to_number",
]
