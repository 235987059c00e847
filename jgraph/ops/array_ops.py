"""Array ops, as TF1's ``array_ops``: shapes, reshaping, joining, slicing, filling.

Shape-like arguments (``reshape``'s shape, ``fill``'s dims, ...) are static inputs:
Python values, or tensors that fold to constants when the graph is built, or
tensors computed from shapes (``tf.shape(x)``), which are known when XLA traces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph import _dtypes
from jgraph._graph import Tensor, get_default_graph
from jgraph._registry import convert_to_tensor, fresh_dim, op


def _static(value: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(value).reshape(-1))


# -- shapes ----------------------------------------------------------------------------


def _shape_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    rank = None if specs[0] is None else len(specs[0].shape)
    dims = (fresh_dim(get_default_graph()),) if rank is None else (rank,)
    return [(_dtypes.as_dtype(attrs["out_type"]), dims)]


@op("Shape", same_dtype=False, shape_fn=_shape_spec)
def _shape_impl(input: Any, *, out_type: Any = _dtypes.int32) -> Any:
    # A numpy value: shapes are known when XLA traces, so this stays static.
    return np.asarray(input.shape, _dtypes.as_dtype(out_type).np)


def shape(input: Any, name: str | None = None, out_type: Any = _dtypes.int32) -> Tensor:
    """The shape of ``input`` as a 1-D int tensor."""
    return _shape_impl(input, out_type=_dtypes.as_dtype(out_type), name=name)


@op(
    "Size",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [(_dtypes.as_dtype(attrs["out_type"]), ())],
)
def _size_impl(input: Any, *, out_type: Any = _dtypes.int32) -> Any:
    return np.asarray(int(np.prod(input.shape)), _dtypes.as_dtype(out_type).np)


def size(input: Any, name: str | None = None, out_type: Any = _dtypes.int32) -> Tensor:
    """The number of elements of ``input``."""
    return _size_impl(input, out_type=_dtypes.as_dtype(out_type), name=name)


@op("Rank", same_dtype=False, shape_fn=lambda specs, attrs: [(_dtypes.int32, ())])
def _rank_impl(input: Any) -> Any:
    return np.asarray(np.ndim(input), np.int32)


def rank(input: Any, name: str | None = None) -> Tensor:
    """The number of dimensions of ``input``."""
    return _rank_impl(input, name=name)


# -- reshaping ---------------------------------------------------------------------------


@op(
    "Reshape",
    same_dtype=False,
    static_inputs=("shape",),
)
def _reshape_impl(tensor: Any, shape: Any = None) -> Any:
    return jnp.reshape(tensor, _static(shape))


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """``tensor`` with a new shape (one dim may be -1), as TF1 ``tf.reshape``."""
    return _reshape_impl(tensor, shape, name=name)


@op("Transpose", same_dtype=False)
def _transpose_impl(x: Any, *, perm: Any = None) -> Any:
    return jnp.transpose(x, perm)


def transpose(
    a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False
) -> Tensor:
    """Permutes dimensions (reverses them by default)."""
    perm = None if perm is None else _static(perm)
    return _transpose_impl(a, perm=perm, name=name)


@op("ExpandDims", same_dtype=False)
def _expand_dims_impl(input: Any, *, axis: int) -> Any:
    return jnp.expand_dims(input, axis)


def expand_dims(
    input: Any, axis: Any = None, name: str | None = None, dim: Any = None
) -> Tensor:
    """Inserts a dimension of size 1 at ``axis``."""
    axis = dim if axis is None else axis
    return _expand_dims_impl(input, axis=int(axis), name=name)


@op("Squeeze", same_dtype=False)
def _squeeze_impl(input: Any, *, axis: Any = None) -> Any:
    return jnp.squeeze(input, axis)


def squeeze(
    input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None
) -> Tensor:
    """Removes size-1 dimensions (all, or those in ``axis``)."""
    axis = squeeze_dims if axis is None else axis
    if axis is not None:
        axis = tuple(
            int(a) for a in (axis if isinstance(axis, list | tuple) else [axis])
        )
    return _squeeze_impl(input, axis=axis, name=name)


# -- joining and splitting ------------------------------------------------------------------


@op("Pack", list_input="values")
def _stack_impl(values: Sequence[Any], *, axis: int = 0) -> Any:
    return jnp.stack(values, axis)


def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Tensor:
    """Stacks same-shaped tensors along a new ``axis``."""
    return _stack_impl(list(values), axis=int(axis), name=name)


pack = stack


@op("ConcatV2", list_input="values")
def _concat_impl(values: Sequence[Any], *, axis: int) -> Any:
    return jnp.concatenate(values, axis)


def concat(values: Sequence[Any], axis: int, name: str = "concat") -> Tensor:
    """Joins tensors along an existing ``axis``."""
    values = list(values)
    if len(values) == 1:
        from jgraph.ops.state_ops import identity

        return identity(values[0], name=name)
    return _concat_impl(values, axis=int(axis), name=name)


def _unstack_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    spec = specs[0]
    axis = attrs["axis"] % len(spec.shape)
    dims = tuple(d for i, d in enumerate(spec.shape) if i != axis)
    return [(_dtypes.as_dtype(spec.dtype), dims)] * attrs["num"]


@op("Unpack", shape_fn=_unstack_spec, num_outputs=-1)
def _unstack_impl(value: Any, *, num: int, axis: int = 0) -> Any:
    return tuple(jnp.moveaxis(value, axis, 0))


def unstack(
    value: Any, num: int | None = None, axis: int = 0, name: str = "unstack"
) -> list[Tensor]:
    """Splits ``value`` along ``axis`` into a list of tensors."""
    tensor = convert_to_tensor(value)
    if num is None:
        num = tensor.shape.as_list()[axis]
        if num is None:
            raise ValueError(f"Cannot infer num from shape {tensor.shape}")
    return list(_unstack_impl(tensor, num=int(num), axis=int(axis), name=name))


unpack = unstack


def _split_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    spec = specs[0]
    axis = attrs["axis"] % len(spec.shape)
    dtype = _dtypes.as_dtype(spec.dtype)
    result = []
    for size_ in attrs["sizes"]:
        dims = list(spec.shape)
        dims[axis] = size_
        result.append((dtype, tuple(dims)))
    return result


@op("SplitV", shape_fn=_split_spec, num_outputs=-1)
def _split_impl(value: Any, *, sizes: tuple[int, ...], axis: int) -> Any:
    offsets = np.cumsum(sizes)[:-1]
    return tuple(jnp.split(value, offsets, axis))


def split(
    value: Any,
    num_or_size_splits: Any,
    axis: int = 0,
    num: int | None = None,
    name: str = "split",
) -> list[Tensor]:
    """Splits ``value`` into equal parts (an int) or parts of the given sizes."""
    tensor = convert_to_tensor(value)
    axis = int(axis)
    length = tensor.shape.as_list()[axis]
    if isinstance(num_or_size_splits, int | np.integer):
        if length is None:
            raise ValueError(
                f"Cannot split a dimension of unknown size ({tensor.name})."
            )
        if length % int(num_or_size_splits):
            raise ValueError(
                f"Dimension {axis} of size {length} is not divisible by {num_or_size_splits}"
                f" for '{name}' (op: 'Split')."
            )
        sizes = (length // int(num_or_size_splits),) * int(num_or_size_splits)
    else:
        sizes = tuple(int(s) for s in num_or_size_splits)
        if -1 in sizes and length is not None:
            known = sum(s for s in sizes if s != -1)
            sizes = tuple(length - known if s == -1 else s for s in sizes)
        if length is not None and sum(sizes) != length:
            raise ValueError(
                f"Split sizes {sizes} do not add up to dimension {axis} of size {length}."
            )
    return list(_split_impl(tensor, sizes=sizes, axis=axis, name=name))


@op("Tile", same_dtype=False, static_inputs=("multiples",))
def _tile_impl(input: Any, multiples: Any = None) -> Any:
    return jnp.tile(input, _static(multiples))


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:
    """Repeats ``input`` ``multiples[i]`` times along dimension i."""
    return _tile_impl(input, multiples, name=name)


@op("PadV2", same_dtype=("tensor", "constant_values"), static_inputs=("paddings",))
def _pad_impl(
    tensor: Any, paddings: Any, constant_values: Any, *, mode: str = "CONSTANT"
) -> Any:
    pads = [tuple(int(v) for v in row) for row in np.asarray(paddings).reshape(-1, 2)]
    if mode.upper() == "CONSTANT":
        return jnp.pad(tensor, pads, constant_values=constant_values)
    return jnp.pad(
        tensor,
        pads,
        mode={"REFLECT": "reflect", "SYMMETRIC": "symmetric"}[mode.upper()],
    )


def pad(
    tensor: Any,
    paddings: Any,
    mode: str = "CONSTANT",
    name: str | None = None,
    constant_values: Any = 0,
) -> Tensor:
    """Pads ``tensor`` with ``paddings[i] = [before, after]`` per dimension."""
    tensor = convert_to_tensor(tensor)
    return _pad_impl(tensor, paddings, constant_values, mode=mode.upper(), name=name)


@op("Reverse", same_dtype=False)
def _reverse_impl(tensor: Any, *, axis: tuple[int, ...]) -> Any:
    return jnp.flip(tensor, axis)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """Reverses ``tensor`` along the dimensions in ``axis``."""
    return _reverse_impl(tensor, axis=_static(axis), name=name)


reverse_v2 = reverse


# -- indexing ------------------------------------------------------------------------------


@op("GatherV2", same_dtype=False)
def _gather_impl(params: Any, indices: Any, *, axis: int = 0) -> Any:
    return jnp.take(params, indices, axis=axis, mode="clip")


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    name: str | None = None,
    axis: int = 0,
) -> Tensor:
    """Gathers slices of ``params`` along ``axis`` at ``indices``.

    TF1 difference: out-of-range indices are clipped (XLA has no run-time errors
    inside compiled code) instead of raising.
    """
    return _gather_impl(params, indices, axis=int(axis), name=name)


@op("GatherNd", same_dtype=False)
def _gather_nd_impl(params: Any, indices: Any) -> Any:
    index = tuple(jnp.moveaxis(indices, -1, 0))
    return params[index]


def gather_nd(params: Any, indices: Any, name: str | None = None) -> Tensor:
    """Gathers ``params[indices[..., :]]`` slices."""
    return _gather_nd_impl(params, indices, name=name)


@op("Slice", same_dtype=False)
def _slice_impl(input: Any, *, begin: tuple[int, ...], size: tuple[int, ...]) -> Any:
    size = tuple(
        input.shape[i] - b if s == -1 else s
        for i, (b, s) in enumerate(zip(begin, size, strict=True))
    )
    return jax.lax.slice(
        input, begin, tuple(b + s for b, s in zip(begin, size, strict=True))
    )


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:
    """``input_[begin[i] : begin[i] + size[i]]`` per dimension (size -1: to the end)."""
    from jgraph._registry import _fold_static

    return _slice_impl(
        input_, begin=_fold_static(begin), size=_fold_static(size), name=name
    )


class _TensorIndex:
    """Placeholder for a tensor inside a ``__getitem__`` key (filled at run time)."""

    __slots__ = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TensorIndex) and other.position == self.position

    def __hash__(self) -> int:
        return hash(("tensor-index", self.position))


def _encode_index(item: Any, tensors: list[Any]) -> Any:
    if isinstance(item, Tensor) or hasattr(item, "_as_tensor"):
        tensors.append(convert_to_tensor(item))
        return _TensorIndex(len(tensors) - 1)
    if isinstance(item, builtins_slice):
        return (
            "slice",
            _encode_index(item.start, tensors),
            _encode_index(item.stop, tensors),
            _encode_index(item.step, tensors),
        )
    if item is Ellipsis:
        return "..."
    if item is None:
        return None
    if isinstance(item, bool | np.bool_):
        raise TypeError("Boolean indices are not supported in jgraph tensor slicing.")
    if isinstance(item, int | np.integer):
        return int(item)
    if isinstance(item, list | tuple):
        return ("array", tuple(int(i) for i in np.asarray(item).reshape(-1)))
    raise TypeError(f"Unsupported index {item!r} for tensor slicing.")


def _decode_index(item: Any, values: Sequence[Any]) -> Any:
    if isinstance(item, _TensorIndex):
        return values[item.position]
    if isinstance(item, tuple) and item and item[0] == "slice":
        return builtins_slice(*(_decode_index(x, values) for x in item[1:]))
    if isinstance(item, tuple) and item and item[0] == "array":
        return np.asarray(item[1])
    if item == "...":
        return Ellipsis
    return item


builtins_slice = (
    __builtins__["slice"] if isinstance(__builtins__, dict) else __builtins__.slice
)


@op("StridedSlice", list_input="indices", same_dtype=False)
def _strided_slice_impl(
    input: Any, indices: Sequence[Any], *, spec: tuple[Any, ...]
) -> Any:
    key = tuple(_decode_index(item, indices) for item in spec)
    return input[key]


def strided_slice_index(tensor: Tensor, key: Any) -> Tensor:
    """``tensor[key]`` with Python/NumPy basic indexing (ints, slices, ``...``, ``None``)."""
    items = key if isinstance(key, tuple) else (key,)
    tensors: list[Any] = []
    spec = tuple(_encode_index(item, tensors) for item in items)
    return _strided_slice_impl(tensor, tensors, spec=spec, name="strided_slice")


newaxis = None


@op("OneHot", same_dtype=("on_value", "off_value"))
def _one_hot_impl(
    indices: Any, on_value: Any, off_value: Any, *, depth: int, axis: int = -1
) -> Any:
    hot = jax.nn.one_hot(indices, depth, axis=axis, dtype=jnp.bool_)
    return jnp.where(hot, on_value, off_value)


def one_hot(
    indices: Any,
    depth: int,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> Tensor:
    """One-hot vectors of length ``depth`` at ``indices`` (float32 by default)."""
    if dtype is None:
        for value in (on_value, off_value):
            tensor = value if isinstance(value, Tensor) else None
            if tensor is not None:
                dtype = tensor.dtype
                break
    dtype = _dtypes.as_dtype(dtype or _dtypes.float32)
    on = convert_to_tensor(1 if on_value is None else on_value, dtype)
    off = convert_to_tensor(0 if off_value is None else off_value, dtype)
    return _one_hot_impl(
        indices,
        on,
        off,
        depth=int(depth),
        axis=-1 if axis is None else int(axis),
        name=name,
    )


# -- filling -----------------------------------------------------------------------------------


@op("Fill", same_dtype=False, static_inputs=("dims",))
def _fill_impl(dims: Any, value: Any) -> Any:
    return jnp.full(_static(dims), value, dtype=value.dtype)


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value``."""
    return _fill_impl(dims, value, name=name)


def zeros(shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of zeros."""
    dtype = _dtypes.as_dtype(dtype)
    return _fill_or_const(shape, np.zeros((), dtype.np), name or "zeros")


def ones(shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of ones."""
    dtype = _dtypes.as_dtype(dtype)
    return _fill_or_const(shape, np.ones((), dtype.np), name or "ones")


def _fill_or_const(shape: Any, scalar: np.ndarray, name: str) -> Tensor:
    from jgraph._registry import _fold_static, constant

    static = _fold_static(shape)
    if static is not None:
        return constant(np.broadcast_to(scalar, _static(static)), name=name)
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        return fill(shape, constant(scalar, name="Const"), name=scope)


@op("ZerosLike", same_dtype=False)
def _zeros_like_impl(tensor: Any, *, dtype: Any = None) -> Any:
    return jnp.zeros_like(
        tensor, dtype=None if dtype is None else _dtypes.as_dtype(dtype).np
    )


@op("OnesLike", same_dtype=False)
def _ones_like_impl(tensor: Any, *, dtype: Any = None) -> Any:
    return jnp.ones_like(
        tensor, dtype=None if dtype is None else _dtypes.as_dtype(dtype).np
    )


def zeros_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``tensor``."""
    return _zeros_like_impl(
        tensor, dtype=None if dtype is None else _dtypes.as_dtype(dtype), name=name
    )


def ones_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``tensor``."""
    return _ones_like_impl(
        tensor, dtype=None if dtype is None else _dtypes.as_dtype(dtype), name=name
    )


@op("Range", same_dtype=False)
def _range_impl(*, start: Any, limit: Any, delta: Any, dtype: Any) -> Any:
    return jnp.arange(start, limit, delta, dtype=_dtypes.as_dtype(dtype).np)


def range(
    start: Any,
    limit: Any = None,
    delta: Any = 1,
    dtype: Any = None,
    name: str = "range",
) -> Tensor:
    """``[start, start + delta, ...)`` below ``limit``; arguments must be static."""
    from jgraph._registry import _fold_static

    if limit is None:
        start, limit = 0, start
    values = [_fold_static(v) for v in (start, limit, delta)]
    if any(v is None for v in values):
        raise ValueError(
            "jgraph's tf.range needs start, limit and delta known when the graph is built."
        )
    if dtype is None:
        dtype = (
            _dtypes.float32
            if any(isinstance(v, float) for v in values)
            else _dtypes.int32
        )
    return _range_impl(
        start=values[0],
        limit=values[1],
        delta=values[2],
        dtype=_dtypes.as_dtype(dtype),
        name=name,
    )


@op("LinSpace", same_dtype=False)
def _linspace_impl(*, start: float, stop: float, num: int, dtype: Any) -> Any:
    return jnp.linspace(start, stop, num, dtype=_dtypes.as_dtype(dtype).np)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive."""
    from jgraph._registry import _fold_static

    start_t = convert_to_tensor(start)
    return _linspace_impl(
        start=float(_fold_static(start)),
        stop=float(_fold_static(stop)),
        num=int(_fold_static(num)),
        dtype=start_t.dtype,
        name=name,
    )


lin_space = linspace


@op("Eye", same_dtype=False)
def _eye_impl(*, num_rows: int, num_columns: int, dtype: Any) -> Any:
    return jnp.eye(num_rows, num_columns, dtype=_dtypes.as_dtype(dtype).np)


def eye(
    num_rows: int,
    num_columns: int | None = None,
    batch_shape: Any = None,
    dtype: Any = _dtypes.float32,
    name: str | None = None,
) -> Tensor:
    """An identity matrix (``batch_shape`` is not supported)."""
    if batch_shape is not None:
        raise NotImplementedError("jgraph's tf.eye does not support batch_shape.")
    return _eye_impl(
        num_rows=int(num_rows),
        num_columns=int(num_columns or num_rows),
        dtype=_dtypes.as_dtype(dtype),
        name=name,
    )


@op("StopGradient", same_dtype=False)
def stop_gradient(input: Any) -> Any:
    """``input``, with no gradient flowing through it."""
    return jax.lax.stop_gradient(input)


@op("BroadcastTo", same_dtype=False, static_inputs=("shape",))
def _broadcast_to_impl(input: Any, shape: Any = None) -> Any:
    return jnp.broadcast_to(input, _static(shape))


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:
    return _broadcast_to_impl(input, shape, name=name)
