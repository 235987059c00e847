"""Array ops, as TF1's ``array_ops``: shapes, reshaping, joining, slicing, filling.

Stage 2 of the pipeline (ops). Shape-like arguments (``reshape``'s shape,
``fill``'s dims, axes, ...) must be known when XLA compiles: Python values, tensors
that fold to constants when the graph is built, or tensors computed from shapes
(``tf.shape(x)``), which are known when XLA traces.

TF1 difference: ops whose output *size* depends on data values (``tf.range`` with a
fed limit, ``tf.where(cond)``) cannot be compiled by XLA and raise while building.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import core as jax_core

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import as_shape, format_shape, is_known
from jgraph.graph.tensor import Tensor, as_tensor_or_none, contains_tensor
from jgraph.ops.conversion import (
    build,
    check_dtype,
    constant,
    convert_to_tensor,
    pack_tensors,
)
from jgraph.ops.folding import (
    constant_value,
    fold_static,
    partial_shape,
    partial_value,
)
from jgraph.ops.inference import fresh_dim
from jgraph.ops.registry import Fold, Strings, op
from jgraph.ops.state_ops import identity as identity

_INDEX_DTYPES = frozenset({_dtypes.uint8, _dtypes.int32, _dtypes.int64})


# -- static arguments ------------------------------------------------------------------


def static_value(value: Any, what: str) -> np.ndarray:
    """``value`` (a Python value, or a tensor that folds to a constant) as numpy.

    Raises:
      ValueError: ``value`` is only known at run time.

    >>> static_value([1, 2], "shape")
    array([1, 2])
    """
    folded = fold_static(value)
    if folded is None:
        raise ValueError(
            f"{what} must be known when the graph is built (XLA compiles static"
            f" shapes), got {value}."
        )
    return np.asarray(folded)


def static_ints(value: Any, what: str) -> tuple[int, ...]:
    """``value`` folded to a flat tuple of ints (see :func:`static_value`)."""
    return tuple(int(v) for v in static_value(value, what).reshape(-1))


def static_int(value: Any, what: str) -> int:
    """``value`` folded to one int (see :func:`static_value`)."""
    array = static_value(value, what)
    if array.size != 1:
        raise ValueError(f"{what} must be a scalar, got {array.tolist()}.")
    return int(array.reshape(()))


def dtype_of(value: Any) -> _dtypes.DType:
    """The dtype ``value`` has (a tensor) or would get (a Python value), as TF1."""
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return convert_to_tensor(value).dtype
    return _dtypes.dtype_of_python_value(value)


def _check_index_dtype(tensor: Tensor, op_type: str, param: str) -> None:
    if tensor.dtype not in _INDEX_DTYPES:
        raise TypeError(
            f"Value passed to parameter '{param}' of '{op_type}' ({tensor.name}) has"
            f" DataType {tensor.dtype.name} not in list of allowed values: uint8, int32,"
            " int64"
        )


# -- shapes ----------------------------------------------------------------------------


def _shape_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    rank = None if specs[0] is None else len(specs[0].shape)
    dims = (fresh_dim(get_default_graph()),) if rank is None else (rank,)
    return [(_dtypes.as_dtype(attrs["out_type"]), dims)]


@op(
    "Shape",
    same_dtype=False,
    shape_fn=_shape_spec,
    fold=Fold.SHAPES,
    strings=Strings.BY_POSITION,
)
def _shape_impl(input: Any, *, out_type: Any = _dtypes.int32) -> Any:
    # A numpy value: shapes are known when XLA traces, so this stays static.
    return np.asarray(input.shape, _dtypes.as_dtype(out_type).np)


def shape(input: Any, name: str | None = None, out_type: Any = _dtypes.int32) -> Tensor:
    """The shape of ``input`` as a 1-D int tensor."""
    return build(_shape_impl, input, out_type=_dtypes.as_dtype(out_type), name=name)


@op(
    "Size",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [(_dtypes.as_dtype(attrs["out_type"]), ())],
    fold=Fold.SHAPES,
    strings=Strings.BY_POSITION,
)
def _size_impl(input: Any, *, out_type: Any = _dtypes.int32) -> Any:
    return np.asarray(int(np.prod(input.shape)), _dtypes.as_dtype(out_type).np)


def size(input: Any, name: str | None = None, out_type: Any = _dtypes.int32) -> Tensor:
    """The number of elements of ``input``."""
    return build(_size_impl, input, out_type=_dtypes.as_dtype(out_type), name=name)


@op(
    "Rank",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [(_dtypes.int32, ())],
    fold=Fold.SHAPES,
    strings=Strings.BY_POSITION,
)
def _rank_impl(input: Any) -> Any:
    return np.asarray(np.ndim(input), np.int32)


def rank(input: Any, name: str | None = None) -> Tensor:
    """The number of dimensions of ``input``."""
    return build(_rank_impl, input, name=name)


# -- reshaping ---------------------------------------------------------------------------


def _known_dims(tensor: Tensor) -> list[int | None] | None:
    """``tensor``'s static shape as a list (``None`` for unknown sizes), or
    ``None`` when its rank is unknown."""
    if tensor.dims is None:
        return None
    return [int(d) if is_known(d) else None for d in tensor.dims]


def _reshape_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """TF1's Reshape shape function: the target's known sizes, and a ``-1`` worked
    out when the input's size and the target's other sizes are known."""
    tensor, shape = args
    target = partial_value(shape)
    if target is None or target.ndim != 1:
        return [(tensor.dtype, None)]
    dims = [None if d is None else int(d) for d in target.tolist()]
    if dims.count(-1) > 1:
        raise ValueError(f"Reshape: shape {format_shape(dims)} holds more than one -1.")
    elements = tensor.shape.num_elements()
    rest = [d for d in dims if d is not None and d != -1]
    if len(rest) + dims.count(-1) == len(dims) and elements is not None:
        wanted = int(np.prod(rest))
        if -1 in dims:
            if (wanted == 0 and elements) or (wanted and elements % wanted):
                raise ValueError(
                    f"Cannot reshape a tensor with {elements} elements to shape"
                    f" {format_shape(dims)}"
                )
            dims[dims.index(-1)] = elements // wanted if wanted else 0
        elif wanted != elements:
            raise ValueError(
                f"Cannot reshape a tensor with {elements} elements to shape"
                f" {format_shape(dims)} ({wanted} elements)"
            )
    return [(tensor.dtype, tuple(None if d == -1 else d for d in dims))]


@op(
    "Reshape",
    same_dtype=False,
    static_inputs=("shape",),
    shape_rule=_reshape_rule,
    strings=Strings.BY_POSITION,
)
def _reshape_impl(tensor: Any, shape: Any = None) -> Any:
    dims = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    known = [d for d in tensor.shape if is_known(d)]
    if len(known) == tensor.ndim and -1 not in dims:
        elements, wanted = int(np.prod(known)), int(np.prod(dims))
        if elements != wanted:
            raise ValueError(
                f"Cannot reshape a tensor with {elements} elements to shape"
                f" {format_shape(dims)} ({wanted} elements)"
            )
    return jnp.reshape(tensor, dims)


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """``tensor`` with a new shape (one dim may be -1), as TF1 ``tf.reshape``."""
    return build(_reshape_impl, tensor, shape, name=name)


def _transpose_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """An input of unknown rank: a known ``perm`` gives the rank, as TF1."""
    (x,) = args
    perm = attrs["perm"]
    if x.dims is not None or perm is None:
        return None
    return [(x.dtype, (None,) * len(perm))]


@op(
    "Transpose",
    same_dtype=False,
    shape_rule=_transpose_rule,
    strings=Strings.BY_POSITION,
)
def _transpose_impl(x: Any, *, perm: Any = None) -> Any:
    if perm is not None and sorted(perm) != list(builtins.range(x.ndim)):
        raise ValueError(f"perm {list(perm)} is not a permutation of 0..{x.ndim - 1}")
    return jnp.transpose(x, perm)


def transpose(
    a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False
) -> Tensor:
    """Permutes dimensions (reverses them by default)."""
    perm = None if perm is None else static_ints(perm, "transpose perm")
    return build(_transpose_impl, a, perm=perm, name=name)


@op("ExpandDims", same_dtype=False, strings=Strings.BY_POSITION)
def _expand_dims_impl(input: Any, *, axis: int) -> Any:
    return jnp.expand_dims(input, axis)


def expand_dims(
    input: Any, axis: Any = None, name: str | None = None, dim: Any = None
) -> Tensor:
    """Inserts a dimension of size 1 at ``axis`` (``dim`` is TF1's old name)."""
    if (axis is None) == (dim is None):
        raise ValueError("Specify exactly one of 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    return build(_expand_dims_impl, input, axis=static_int(axis, "axis"), name=name)


def _squeeze_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    spec = specs[0]
    dtype = _dtypes.as_dtype(spec.dtype) if spec is not None else attrs["_dtype"]
    if spec is None:
        return [(dtype, None)]
    dims = spec.shape
    axis = attrs["axis"]
    if axis is None:
        if not all(is_known(d) for d in dims):
            return [(dtype, None)]  # which dims go is known at run time only (as TF1)
        return [(dtype, tuple(d for d in dims if d != 1))]
    squeezed = set()
    for a in axis:
        if not -len(dims) <= a < len(dims):
            raise ValueError(
                f"Squeeze: axis {a} is out of range for a tensor of shape"
                f" {format_shape(dims)}."
            )
        a %= len(dims)
        if is_known(dims[a]) and dims[a] != 1:
            raise ValueError(
                f"Can not squeeze dim[{a}], expected a dimension of 1, got {dims[a]}"
                f" (input shape {format_shape(dims)})."
            )
        squeezed.add(a)
    return [(dtype, tuple(d for i, d in enumerate(dims) if i not in squeezed))]


@op(
    "Squeeze",
    same_dtype=False,
    shape_fn=_squeeze_spec,
    fold=Fold.VALUES,
    strings=Strings.BY_POSITION,
)
def _squeeze_impl(input: Any, *, axis: Any = None) -> Any:
    return jnp.squeeze(input, axis)


def squeeze(
    input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None
) -> Tensor:
    """Removes size-1 dimensions (all, or those in ``axis``).

    Without ``axis``, an input with unknown dims gets an output of unknown rank,
    as in TF1.
    """
    axis = squeeze_dims if axis is None else axis
    if axis is not None:
        axis = static_ints(axis, "squeeze axis")
    tensor = convert_to_tensor(input)
    return build(_squeeze_impl, tensor, axis=axis, _dtype=tensor.dtype, name=name)


# -- joining and splitting ------------------------------------------------------------------


def stack(values: Sequence[Any], axis: Any = 0, name: str = "stack") -> Tensor:
    """Stacks same-shaped tensors along a new ``axis``."""
    return pack_tensors(list(values), static_int(axis, "axis"), name)


pack = stack


@op("ConcatV2", list_input="values", strings=Strings.BY_POSITION)
def _concat_impl(values: Sequence[Any], *, axis: int) -> Any:
    return jnp.concatenate(values, axis)


def concat(values: Sequence[Any], axis: Any, name: str = "concat") -> Tensor:
    """Joins tensors along an existing ``axis``."""
    values = list(values)
    axis = static_int(axis, "axis")
    if len(values) == 1:  # TF1 returns an identity of the single input
        return identity(values[0], name=name)
    return build(_concat_impl, values, axis=axis, name=name)


def _unstack_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    dims = specs[0].shape
    axis = attrs["axis"] % len(dims)
    rest = tuple(d for i, d in enumerate(dims) if i != axis)
    return [(_dtypes.as_dtype(specs[0].dtype), rest)] * attrs["num"]


@op("Unpack", shape_fn=_unstack_spec, num_outputs=-1, strings=Strings.BY_POSITION)
def _unstack_impl(value: Any, *, num: int, axis: int = 0) -> Any:
    return tuple(jnp.moveaxis(value, axis, 0))


def unstack(
    value: Any, num: int | None = None, axis: Any = 0, name: str = "unstack"
) -> list[Tensor]:
    """Splits ``value`` along ``axis`` into a list of tensors of one rank less."""
    tensor = convert_to_tensor(value)
    axis = static_int(axis, "axis")
    dims = tensor.dims
    if dims is None:
        raise ValueError(f"Cannot unstack {tensor.name}: its rank is unknown.")
    if not -len(dims) <= axis < len(dims):
        raise ValueError(
            f"axis = {axis} not in [{-len(dims)}, {len(dims)}) for unstack of"
            f" {tensor.name} with shape {format_shape(dims)}."
        )
    length = dims[axis]
    if num is None:
        if not is_known(length):
            raise ValueError(
                f"Cannot infer num from shape {format_shape(dims)} of {tensor.name}."
            )
        num = int(length)
    elif is_known(length) and int(num) != length:
        raise ValueError(
            f"Dimension {axis} of {tensor.name} has size {length}, but num is {num}."
        )
    return list(build(_unstack_impl, tensor, num=int(num), axis=axis, name=name))


unpack = unstack


def _split_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    # A part of a dimension of unknown size (``num_split`` parts, or the -1 of
    # the sizes) is unknown, as TF1's; the run splits the fed size.
    spec = specs[0]
    axis = attrs["axis"] % len(spec.shape)
    dtype = _dtypes.as_dtype(spec.dtype)
    graph = get_default_graph()
    result = []
    for size_ in np.asarray(attrs["size_splits"]).reshape(-1).tolist():
        dims = list(spec.shape)
        dims[axis] = fresh_dim(graph) if size_ == -1 else size_
        result.append((dtype, tuple(dims)))
    return result


def _split_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """TF1's SplitV shape function for sizes known only when the run is traced:
    ``count`` parts, of unknown size along ``axis``."""
    if "size_splits" in attrs:
        return None  # sizes known when built: ``_split_spec``
    value = args[0]
    dims = _known_dims(value)
    if dims is not None:
        dims[attrs["axis"] % len(dims)] = None
    return [(value.dtype, None if dims is None else tuple(dims))] * attrs["count"]


@op(
    "SplitV",
    same_dtype=False,
    static_inputs=("size_splits",),
    shape_fn=_split_spec,
    shape_rule=_split_rule,
    num_outputs=-1,
    strings=Strings.BY_POSITION,
)
def _split_impl(
    value: Any,
    size_splits: Any = None,
    *,
    axis: int,
    num_split: int | None = None,
    count: int | None = None,
) -> Any:
    """``size_splits`` (-1: the rest) may be known only when the run is traced
    (built with ``count``, the number of parts); ``num_split`` equal parts of a
    dimension of unknown size come with ``size_splits`` all -1."""
    length = value.shape[axis]
    sizes = tuple(int(s) for s in np.asarray(size_splits).reshape(-1))
    if count is not None and len(sizes) != count:
        raise ValueError(
            f"split was built for num={count} parts, but size_splits has"
            f" {len(sizes)} entries: {list(sizes)}"
        )
    if num_split is not None:  # the dimension's size was unknown when built
        if length % num_split:
            raise ValueError(
                f"Number of ways to split should evenly divide the split dimension,"
                f" but got split_dim {axis} (size = {length}) and num_split"
                f" {num_split}"
            )
        sizes = (length // num_split,) * num_split
    if sizes.count(-1) > 1:
        raise ValueError(f"Split sizes {list(sizes)} hold more than one -1.")
    if -1 in sizes:
        rest = sum(s for s in sizes if s != -1)
        sizes = tuple(length - rest if s == -1 else s for s in sizes)
    if sum(sizes) != length or any(s < 0 for s in sizes):
        raise ValueError(
            f"Split sizes {list(sizes)} do not add up to the size of dimension"
            f" {axis}, {length}"
        )
    return tuple(jnp.split(value, np.cumsum(sizes)[:-1], axis))


def split(
    value: Any,
    num_or_size_splits: Any,
    axis: Any = 0,
    num: int | None = None,
    name: str = "split",
) -> list[Tensor]:
    """Splits ``value`` along ``axis`` into ``n`` equal parts (an int) or parts of
    the given sizes (one of them may be -1). On a dimension of unknown size the
    parts are unknown, and the run splits the fed size."""
    tensor = convert_to_tensor(value)
    axis = static_int(axis, "axis")
    if tensor.dims is None:
        raise ValueError(f"Cannot split {tensor.name}: its rank is unknown.")
    rank_ = len(tensor.dims)
    if not -rank_ <= axis < rank_:
        raise ValueError(f"axis = {axis} not in [{-rank_}, {rank_}) for split.")
    length = tensor.shape.as_list()[axis]
    if fold_static(num_or_size_splits) is None:
        return _split_by_tensor(tensor, num_or_size_splits, axis, num, name)
    splits = static_value(num_or_size_splits, "num_or_size_splits")
    if splits.ndim == 0:
        count = int(splits)
        if count <= 0 or (length is not None and length % count):
            raise ValueError(
                f"Dimension {axis} of {tensor.name} has size {length}, which is not"
                f" divisible by num_split = {count} (op: 'Split')."
            )
        if length is None:  # split when the run knows the size
            unknown = (-1,) * count
            return list(
                build(
                    _split_impl, tensor, unknown, num_split=count, axis=axis, name=name
                )
            )
        sizes = (length // count,) * count
    else:
        sizes = tuple(int(s) for s in splits)
        if sizes.count(-1) > 1:
            raise ValueError(f"Split sizes {list(sizes)} hold more than one -1.")
        if -1 in sizes and length is not None:
            known = sum(s for s in sizes if s != -1)
            sizes = tuple(length - known if s == -1 else s for s in sizes)
        if any(s < -1 for s in sizes) or (length is not None and sum(sizes) != length):
            raise ValueError(
                f"Split sizes {list(sizes)} do not add up to dimension {axis} of"
                f" {tensor.name}, of size {length}."
            )
    return list(build(_split_impl, tensor, sizes, axis=axis, name=name))


def _split_by_tensor(
    tensor: Tensor, size_splits: Any, axis: int, num: int | None, name: str
) -> list[Tensor]:
    """``split`` with sizes known only at run time (TF1's SplitV on a tensor):
    ``num`` parts, or as many as ``size_splits`` has entries; compiled once per
    value of the sizes (a static input)."""
    sizes = convert_to_tensor(size_splits, name="size_splits")
    check_dtype(sizes, (_dtypes.int32, _dtypes.int64), "SplitV", "size_splits")
    if sizes.dims is not None and len(sizes.dims) == 0:
        raise ValueError(
            "Rank-0 tensors are not supported as the num_or_size_splits argument to"
            f" split. Argument provided: {sizes}"
        )
    if num is None:
        length = None if sizes.dims is None else sizes.dims[0]
        if length is None or not is_known(length):
            raise ValueError(f"Cannot infer argument `num` from shape {sizes}")
        num = int(length)
    return list(build(_split_impl, tensor, sizes, axis=axis, count=int(num), name=name))


def _tile_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """TF1's Tile shape function: known sizes times known multiples."""
    input, multiples = args
    reps = partial_shape(multiples)
    dims = _known_dims(input)
    if reps is None:
        return [(input.dtype, None if dims is None else (None,) * len(dims))]
    if dims is None:
        dims = [None] * len(reps)
    if len(dims) != len(reps):
        raise ValueError(
            f"Shape must be rank {len(dims)} (one multiple per dimension), but"
            f" multiples are {format_shape(reps)}"
        )
    return [
        (
            input.dtype,
            tuple(
                None if d is None or m is None else d * m
                for d, m in zip(dims, reps, strict=True)
            ),
        )
    ]


@op(
    "Tile",
    same_dtype=False,
    static_inputs=("multiples",),
    shape_rule=_tile_rule,
    strings=Strings.BY_POSITION,
)
def _tile_impl(input: Any, multiples: Any = None) -> Any:
    reps = tuple(int(m) for m in np.asarray(multiples).reshape(-1))
    if len(reps) != input.ndim:
        raise ValueError(
            f"Shape must be rank {input.ndim} (one multiple per dimension), but"
            f" multiples are {list(reps)}"
        )
    return jnp.tile(input, reps)


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:
    """Repeats ``input`` ``multiples[i]`` times along dimension ``i``."""
    return build(_tile_impl, input, multiples, name=name)


_PAD_MODES = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}


def _pad_widths(rank: int, paddings: Any) -> list[tuple[int, int]]:
    pads = np.asarray(paddings)
    if pads.shape != (rank, 2):
        raise ValueError(
            f"paddings must have shape [{rank}, 2] (one [before, after] per"
            f" dimension), got {pads.tolist()}"
        )
    return [(int(before), int(after)) for before, after in pads]


def _pad_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    # Plain size arithmetic: jnp.pad cannot trace "reflect"/"symmetric" on unknown dims.
    spec = specs[0]
    if spec is None:
        return [(attrs["_dtype"], None)]
    widths = _pad_widths(len(spec.shape), attrs["paddings"])
    dims = tuple(d + b + a for d, (b, a) in zip(spec.shape, widths, strict=True))
    return [(_dtypes.as_dtype(spec.dtype), dims)]


def _pad_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """Paddings known only when the run is traced: the known sums (TF1)."""
    tensor, paddings, _ = args
    if "paddings" in attrs:
        return None  # the shape function
    pads = partial_value(paddings)
    dims = _known_dims(tensor)
    if pads is None or pads.ndim != 2 or pads.shape[1] != 2:
        return [(tensor.dtype, None if dims is None else (None,) * len(dims))]
    if dims is None:
        dims = [None] * pads.shape[0]
    if len(dims) != pads.shape[0]:
        raise ValueError(
            f"paddings must have shape [{len(dims)}, 2] (one [before, after] per"
            f" dimension), got {pads.tolist()}"
        )
    out = []
    for d, (before, after) in zip(dims, pads.tolist(), strict=True):
        if d is None or before is None or after is None:
            out.append(None)
        else:
            out.append(int(d) + int(before) + int(after))
    return [(tensor.dtype, tuple(out))]


@op(
    "PadV2",
    same_dtype=("tensor", "constant_values"),
    static_inputs=("paddings",),
    shape_fn=_pad_spec,
    shape_rule=_pad_rule,
)
def _pad_impl(
    tensor: Any, paddings: Any, constant_values: Any, *, mode: str = "CONSTANT"
) -> Any:
    widths = _pad_widths(tensor.ndim, paddings)
    if mode == "CONSTANT":
        return jnp.pad(tensor, widths, constant_values=constant_values)
    return jnp.pad(tensor, widths, mode=_PAD_MODES[mode])


def pad(
    tensor: Any,
    paddings: Any,
    mode: str = "CONSTANT",
    name: str | None = None,
    constant_values: Any = 0,
) -> Tensor:
    """Pads ``tensor`` with ``paddings[i] = [before, after]`` per dimension.

    ``mode`` is ``"CONSTANT"`` (with ``constant_values``), ``"REFLECT"`` or
    ``"SYMMETRIC"``, as TF1.
    """
    if mode.upper() not in _PAD_MODES:
        raise ValueError(f"Unknown padding mode: {mode} (want one of {[*_PAD_MODES]})")
    tensor = convert_to_tensor(tensor)
    mode = mode.upper()
    # One op type, TF1's default names: MirrorPad, Pad (constant 0), PadV2.
    if mode != "CONSTANT":
        default = "MirrorPad"
    elif isinstance(constant_values, int | float) and constant_values == 0:
        default = "Pad"
    else:
        default = "PadV2"
    return build(
        _pad_impl,
        tensor,
        paddings,
        constant_values,
        mode=mode,
        _dtype=tensor.dtype,
        name=name or default,
    )


@op("ReverseV2", same_dtype=False, strings=Strings.BY_POSITION)
def _reverse_impl(tensor: Any, *, axis: tuple[int, ...]) -> Any:
    return jnp.flip(tensor, axis)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """Reverses ``tensor`` along the dimensions in ``axis``."""
    return build(_reverse_impl, tensor, axis=static_ints(axis, "axis"), name=name)


reverse_v2 = reverse


@op("ReverseSequence", same_dtype=False, strings=Strings.BY_POSITION)
def _reverse_sequence_impl(
    input: Any, seq_lengths: Any, *, seq_dim: int, batch_dim: int
) -> Any:
    if seq_lengths.ndim != 1:
        raise ValueError(f"seq_lengths must be a vector, got rank {seq_lengths.ndim}")
    x = jnp.moveaxis(input, (batch_dim, seq_dim), (0, 1))
    steps = jnp.arange(x.shape[1])
    lengths = seq_lengths.astype(steps.dtype)[:, None]
    # Step t of sequence b comes from step len_b - 1 - t while t < len_b.
    source = jnp.where(steps < lengths, lengths - 1 - steps, steps)
    source = source.reshape(source.shape + (1,) * (x.ndim - 2))
    return jnp.moveaxis(
        jnp.take_along_axis(x, source, axis=1, mode="clip"),
        (0, 1),
        (batch_dim, seq_dim),
    )


def reverse_sequence(
    input: Any,
    seq_lengths: Any,
    seq_axis: int | None = None,
    batch_axis: int | None = None,
    name: str | None = None,
    seq_dim: int | None = None,
    batch_dim: int | None = None,
) -> Tensor:
    """Reverses the first ``seq_lengths[b]`` steps (along ``seq_axis``) of each
    slice ``b`` along ``batch_axis``, as TF1 ``tf.reverse_sequence``; later steps
    stay where they are. (``seq_dim``/``batch_dim`` are TF1's older names.)

    >>> import jgraph as jg
    >>> x = jg.constant([[1, 2, 3], [4, 5, 6]])
    >>> jg.Session().run(reverse_sequence(x, [2, 3], seq_axis=1, batch_axis=0))
    array([[2, 1, 3],
           [6, 5, 4]], dtype=int32)
    """
    seq = seq_axis if seq_axis is not None else seq_dim
    batch = batch_axis if batch_axis is not None else (batch_dim or 0)
    if seq is None:
        raise ValueError("tf.reverse_sequence needs seq_axis.")
    tensor = convert_to_tensor(input)
    rank = tensor.shape.ndims
    if rank is not None:
        seq, batch = seq % rank, batch % rank
    if seq == batch:
        raise ValueError(
            f"tf.reverse_sequence: seq_axis and batch_axis must differ, both are {seq}."
        )
    lengths = convert_to_tensor(seq_lengths)
    if lengths.dtype not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(
            f"tf.reverse_sequence: seq_lengths must be int32 or int64, got"
            f" {lengths.dtype.name} ({lengths.name})."
        )
    return build(
        _reverse_sequence_impl, tensor, lengths, seq_dim=seq, batch_dim=batch, name=name
    )


# -- indexing ------------------------------------------------------------------------------


def _gather_strings(params: Any, indices: Any, *, axis: int = 0) -> Any:
    """GatherV2 of strings, on the host: with TF1's range check (the compiled
    gather clips)."""
    indices = np.asarray(indices)
    size = params.shape[axis]
    bad = np.argwhere((indices < 0) | (indices >= size))
    if bad.size or (indices.ndim == 0 and not 0 <= indices < size):
        at = tuple(bad[0]) if indices.ndim else ()
        where = f"[{','.join(str(i) for i in at)}]" if at else ""
        raise ValueError(f"indices{where} = {indices[at]} is not in [0, {size})")
    return np.take(params, indices, axis=axis)


@op("GatherV2", same_dtype=False, strings=_gather_strings)
def _gather_impl(params: Any, indices: Any, *, axis: int = 0) -> Any:
    return jnp.take(params, indices, axis=axis, mode="clip")


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    name: str | None = None,
    axis: Any = None,
    batch_dims: int = 0,
) -> Tensor:
    """Gathers slices of ``params`` along ``axis`` (default 0) at ``indices``.

    TF1 difference: out-of-range indices are clipped to the valid range (XLA has
    no run-time errors inside compiled code) instead of raising.
    """
    if batch_dims:
        raise NotImplementedError("jgraph's tf.gather does not support batch_dims.")
    indices = convert_to_tensor(indices)
    _check_index_dtype(indices, "GatherV2", "indices")
    axis = 0 if axis is None else static_int(axis, "axis")
    return build(_gather_impl, params, indices, axis=axis, name=name)


def _gather_nd_strings(params: Any, indices: Any) -> Any:
    """GatherNd of strings, on the host: with TF1's range check (the compiled
    gather clips)."""
    indices = np.asarray(indices)
    depth = indices.shape[-1]
    rows = indices.reshape(-1, depth)
    limits = np.asarray(params.shape[:depth])
    bad = np.flatnonzero(((rows < 0) | (rows >= limits)).any(axis=1))
    if bad.size:
        row = ", ".join(str(i) for i in rows[bad[0]])
        raise ValueError(
            f"indices[{bad[0]}] = [{row}] does not index into param shape"
            f" [{','.join(str(d) for d in params.shape)}]"
        )
    return params[tuple(np.moveaxis(indices, -1, 0))]


@op("GatherNd", same_dtype=False, strings=_gather_nd_strings)
def _gather_nd_impl(params: Any, indices: Any) -> Any:
    index = tuple(jnp.moveaxis(indices, -1, 0))
    return params[index]


def gather_nd(params: Any, indices: Any, name: str | None = None) -> Tensor:
    """Gathers ``params[tuple(indices[..., :])]`` slices (out-of-range: clipped)."""
    indices = convert_to_tensor(indices)
    _check_index_dtype(indices, "GatherNd", "indices")
    return build(_gather_nd_impl, params, indices, name=name)


# -- masking (TF1 composites of the ops above) -----------------------------------------


def boolean_mask(
    tensor: Any, mask: Any, name: str = "boolean_mask", axis: Any = None
) -> Tensor:
    """The entries of ``tensor`` where ``mask`` is true, as TF1 ``tf.boolean_mask``.

    ``mask`` (bool, rank ``k >= 1``) covers dimensions ``axis .. axis + k - 1`` of
    ``tensor``; in the result they become one dimension, as long as the number of
    true entries.

    That number sets the output shape. A mask known when the graph is built (a
    constant, or ops on constants) becomes the constant indices of a ``gather``
    (``gather_nd`` for ``k > 1``). A mask known only at run time (fed, computed)
    is TF1's composite: the covered dimensions reshaped into one, the true
    positions found on the host (``tf.where``, a host step between compiled
    segments), and a ``gather`` along ``axis``; the gradient flows through the
    ``gather`` as in TF1. A mask whose shape does not fit ``tensor`` at run time
    raises ``InvalidArgumentError``.

    Raises:
      ValueError: ``mask`` is a scalar, has unknown rank, or does not fit ``tensor``.
      TypeError: ``mask`` is not bool.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "boolean_mask"):
        tensor = convert_to_tensor(tensor, name="tensor")
        mask = convert_to_tensor(mask, name="mask")
        check_dtype(mask, (_dtypes.bool_,), "boolean_mask", "mask")
        mask_dims, dims = mask.dims, tensor.dims
        if mask_dims is None:
            raise ValueError(
                f"boolean_mask: the rank of mask {mask.name} must be known when the"
                " graph is built (shape=[None] is fine, shape=None is not)."
            )
        if not mask_dims:
            raise ValueError(f"boolean_mask: mask {mask.name} cannot be scalar.")
        if dims is None:
            raise ValueError(
                f"boolean_mask: the rank of tensor {tensor.name} must be known."
            )
        k = len(mask_dims)
        first = 0 if axis is None else static_int(axis, "boolean_mask axis")
        first = first + len(dims) if first < 0 else first
        covered = tensor.shape[first : first + k]
        if first + k > len(dims) or not covered.is_compatible_with(mask.shape):
            raise ValueError(
                f"boolean_mask: mask {mask.name} of shape {mask.shape} does not fit"
                f" dimensions {first}..{first + k - 1} of tensor {tensor.name} of"
                f" shape {tensor.shape}."
            )
        value = constant_value(mask)
        if value is None:
            return _boolean_mask_at_run_time(tensor, mask, first, k)
        positions = np.argwhere(value)
        index_type = np.int32 if value.size < np.iinfo(np.int32).max else np.int64
        if k == 1:
            indices = constant(positions[:, 0].astype(index_type), name="indices")
            return gather(tensor, indices, axis=first)
        indices = constant(positions.astype(index_type), name="indices")
        if first == 0:
            return gather_nd(tensor, indices)
        # The covered dims go first for gather_nd, and the result's dim back to axis.
        rest = [d for d in builtins.range(len(dims)) if not first <= d < first + k]
        front = transpose(tensor, [*builtins.range(first, first + k), *rest])
        picked = gather_nd(front, indices)
        order = [
            *builtins.range(1, first + 1),
            0,
            *builtins.range(first + 1, len(rest) + 1),
        ]
        return transpose(picked, order)


def _boolean_mask_at_run_time(
    tensor: Tensor, mask: Tensor, first: int, k: int
) -> Tensor:
    """TF1's boolean_mask for a mask known at run time (see :func:`boolean_mask`)."""
    dims = tensor.dims
    assert dims is not None
    covered = shape(tensor)[first : first + k]
    indices = build(_boolean_mask_indices_impl, mask, covered, name="indices")
    if k > 1:
        flat_shape = concat(
            [shape(tensor)[:first], [-1], shape(tensor)[first + k :]], 0
        )
        tensor = reshape(tensor, flat_shape)
    return gather(tensor, indices, axis=first)


# -- data-dependent shapes: host steps between compiled segments --------------------
#
# These ops' output shapes depend on their inputs' values, which XLA must know when
# it compiles: they declare ``host_step`` and run in numpy between the compiled
# segments of the run (``compile/segments.py``); the ops after them are compiled
# per shape of what they receive.


def _where_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    spec = specs[0]
    graph = get_default_graph()
    if spec is not None and not spec.shape:
        raise ValueError(
            "tf.where(condition) needs a condition of rank >= 1; got a scalar."
        )
    rank = fresh_dim(graph) if spec is None else len(spec.shape)
    return [(_dtypes.int64, (fresh_dim(graph), rank))]


@op("Where", same_dtype=False, shape_fn=_where_spec, host_step=True, fold=Fold.VALUES)
def _where_impl(condition: Any) -> Any:
    value = np.asarray(condition)
    if value.ndim == 0:
        raise ValueError(
            "tf.where(condition) needs a condition of rank >= 1; got a scalar."
        )
    return np.argwhere(value).astype(np.int64)


def where_indices(condition: Any, name: str | None = None) -> Tensor:
    """The coordinates of the true (non-zero) entries of ``condition``, as TF1's
    one-argument ``tf.where``: int64 of shape ``[number of true entries, rank]``,
    in row-major order. Computed on the host (a host step: the number sets the
    shape)."""
    condition = convert_to_tensor(condition, name="condition")
    return build(_where_impl, condition, name=name)


def _mask_indices_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    return [(_dtypes.int64, (fresh_dim(get_default_graph()),))]


@op(
    "BooleanMaskIndices",
    same_dtype=False,
    shape_fn=_mask_indices_spec,
    host_step=True,
    fold=Fold.VALUES,
)
def _boolean_mask_indices_impl(mask: Any, covered: Any) -> Any:
    """The flat positions of ``mask``'s true entries, after checking that ``mask``
    has the shape ``covered`` of the dimensions it masks."""
    value = np.asarray(mask)
    wanted = tuple(int(d) for d in np.asarray(covered))
    if value.shape != wanted:
        raise ValueError(
            f"boolean_mask: the mask has shape {format_shape(value.shape)} but the"
            f" dimensions of the tensor it masks are {format_shape(wanted)}."
        )
    return np.flatnonzero(value).astype(np.int64)


def _slice_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    spec = specs[0]
    size_ = attrs["size"]
    begin = attrs.get("begin")  # absent when it is only known at run time
    if len(size_) != len(spec.shape) or (
        begin is not None and len(begin) != len(size_)
    ):
        raise ValueError(
            f"Slice: begin {begin} and size {list(size_)} must have one entry per"
            f" dimension of the input, of shape {format_shape(spec.shape)}."
        )
    dims = []
    for i, (d, s) in enumerate(zip(spec.shape, size_, strict=True)):
        b = None if begin is None else begin[i]
        last = b if s == -1 else None if b is None else b + s  # the end it needs
        if (
            s < -1
            or (b is not None and b < 0)
            or (last is not None and is_known(d) and last > d)
        ):
            raise ValueError(
                f"Slice: begin {list(begin or [])} and size {list(size_)} do not fit"
                f" in the input shape {format_shape(spec.shape)} (dimension {i})."
            )
        if s != -1:
            dims.append(s)
        elif b is not None and is_known(d):
            dims.append(int(d) - b)
        else:
            dims.append(fresh_dim(get_default_graph()))
    return [(_dtypes.as_dtype(spec.dtype), tuple(dims))]


@op(
    "Slice",
    same_dtype=False,
    static_inputs=("begin",),
    shape_fn=_slice_spec,
    fold=Fold.VALUES,
    strings=Strings.BY_POSITION,
)
def _slice_impl(input: Any, begin: Any, *, size: tuple[int, ...]) -> Any:
    if isinstance(begin, tuple):  # folded when the graph was built
        limits = tuple(
            input.shape[i] if s == -1 else b + s
            for i, (b, s) in enumerate(zip(begin, size, strict=True))
        )
        return jax.lax.slice(input, begin, limits)
    starts = [begin[i] for i in builtins.range(input.ndim)]
    return jax.lax.dynamic_slice(input, starts, size)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:
    """``input_[begin[i] : begin[i] + size[i]]`` per dimension (size -1: to the end).

    ``begin`` may be a run-time tensor (then ``size`` may not hold -1).

    TF1 difference: a run-time ``begin`` that runs past the end is moved back so
    the slice fits (XLA's dynamic_slice), where TF1 raises.
    """
    sizes = static_ints(size, "slice size")
    if fold_static(begin) is None:
        begin = convert_to_tensor(begin)
        _check_index_dtype(begin, "Slice", "begin")
        if -1 in sizes:
            raise NotImplementedError(
                f"tf.slice with a begin known only at run time ({begin.name}) needs"
                f" explicit sizes, got {list(sizes)}: the output shape must be static."
            )
    # A run-time begin sets no shape (a dynamic slice): no shape inputs.
    return build(_slice_impl, input_, begin, size=sizes, _shape_inputs=(), name=name)


class _TensorIndex:
    """Stands for a tensor inside a ``__getitem__`` key (its value comes at run time)."""

    __slots__ = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TensorIndex) and other.position == self.position

    def __hash__(self) -> int:
        return hash(("tensor-index", self.position))

    def __repr__(self) -> str:
        return f"<tensor index {self.position}>"


def _encode_index(item: Any, tensors: list[Tensor]) -> Any:
    """One item of a ``__getitem__`` key as a hashable attr; tensors go to ``tensors``."""
    if isinstance(item, Tensor) or hasattr(item, "_as_tensor"):
        tensor = convert_to_tensor(item)
        _check_index_dtype(tensor, "StridedSlice", "index")
        folded = fold_static(tensor)
        if folded is not None and np.ndim(folded) == 0:
            return int(folded)
        tensors.append(tensor)
        return _TensorIndex(len(tensors) - 1)
    if isinstance(item, builtins.slice):
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
    raise TypeError(
        f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and"
        f" scalar int32/int64 tensors are valid indices, got {item!r}"
    )


def _decode_index(item: Any, values: Sequence[Any]) -> Any:
    if isinstance(item, _TensorIndex):
        return values[item.position]
    if isinstance(item, tuple) and item and item[0] == "slice":
        # Tensor bounds are shape inputs: concrete when the run is traced.
        bounds = (_decode_index(x, values) for x in item[1:])
        return builtins.slice(*(_as_bound(b) for b in bounds))
    if item == "...":
        return Ellipsis
    return item


def _as_bound(bound: Any) -> Any:
    if bound is None or isinstance(bound, int | jax_core.Tracer):
        return bound
    return int(np.asarray(bound))


def _slice_bounds(spec: tuple[Any, ...]) -> tuple[int, ...]:
    """The flat input slots (after the sliced tensor) of tensor slice bounds."""
    return tuple(
        1 + bound.position
        for item in spec
        if isinstance(item, tuple)
        for bound in item[1:]
        if isinstance(bound, _TensorIndex)
    )


def _strided_slice_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """TF1's StridedSlice shape function for tensor slice bounds (known when the
    run is traced): a slice with a tensor bound, or of an unknown size, is
    unknown; a slice of a known size with static bounds has its length. Without
    tensor bounds, the impl's own inference (and its index checks) answers."""
    input, _ = args
    dims = _known_dims(input)
    if dims is None:
        return [(input.dtype, None)]
    spec = attrs["spec"]
    if not _slice_bounds(spec):
        return None
    consumed = sum(1 for item in spec if item is not None and item != "...")
    if consumed > len(dims) or sum(1 for item in spec if item == "...") > 1:
        return None  # the impl reports it
    out: list[int | None] = []
    position = 0
    for item in spec:
        if item is None:
            out.append(1)
        elif item == "...":
            count = len(dims) - consumed
            out.extend(dims[position : position + count])
            position += count
        elif isinstance(item, tuple):
            size = dims[position]
            position += 1
            bounds = item[1:]
            if size is None or any(isinstance(b, _TensorIndex) for b in bounds):
                out.append(None)
            else:
                out.append(len(builtins.range(*builtins.slice(*bounds).indices(size))))
        else:
            position += 1  # an index: the dimension goes
    out.extend(dims[position:])
    return [(input.dtype, tuple(out))]


@op(
    "StridedSlice",
    list_input="indices",
    same_dtype=False,
    shape_rule=_strided_slice_rule,
    strings=Strings.BY_POSITION,
)
def _strided_slice_impl(
    input: Any, indices: Sequence[Any], *, spec: tuple[Any, ...]
) -> Any:
    key = tuple(_decode_index(item, indices) for item in spec)
    _check_int_indices(input.shape, key)
    return input[key]


def _check_int_indices(shape: tuple[Any, ...], key: tuple[Any, ...]) -> None:
    """TF1's error for a Python int index out of range (JAX would clamp it)."""
    consumed = [item for item in key if item is not None and item is not Ellipsis]
    if len(consumed) > len(shape):
        raise ValueError(
            f"Index {key} has {len(consumed)} entries, but the tensor has rank"
            f" {len(shape)}"
        )
    split = key.index(Ellipsis) if Ellipsis in key else len(key)
    dim = 0
    for item in key[:split]:
        dim = _check_int_index(shape, dim, item)
    dim = len(shape) - sum(1 for item in key[split + 1 :] if item is not None)
    for item in key[split + 1 :]:
        dim = _check_int_index(shape, dim, item)


def _check_int_index(shape: tuple[Any, ...], dim: int, item: Any) -> int:
    if item is None:
        return dim
    if isinstance(item, int) and is_known(shape[dim]):
        if not -shape[dim] <= item < shape[dim]:
            raise ValueError(
                f"slice index {item} of dimension {dim} out of bounds (size"
                f" {shape[dim]})"
            )
    return dim + 1


def strided_slice_index(tensor: Tensor, key: Any) -> Tensor:
    """``tensor[key]`` with Python basic indexing: ints (negative too), slices with
    steps, ``...``, ``tf.newaxis``; scalar int tensors as indices or slice bounds.

    A tensor slice bound sets the output shape: it must be known when the run is
    traced, so the run compiles once per value of the feeds it comes from
    (``x[i:i + 1]`` with a fed ``i``; see ``Session.stats``).

    TF1 difference: a run-time tensor index out of range is clamped (XLA), where
    TF1 raises.
    """
    items = key if isinstance(key, tuple) else (key,)
    tensors: list[Tensor] = []
    spec = tuple(_encode_index(item, tensors) for item in items)
    bounds = _slice_bounds(spec)
    marks = {"_shape_inputs": bounds} if bounds else {}
    return build(
        _strided_slice_impl, tensor, tensors, spec=spec, name="strided_slice", **marks
    )


newaxis = None


@op("OneHot", same_dtype=("on_value", "off_value"))
def _one_hot_impl(
    indices: Any, on_value: Any, off_value: Any, *, depth: int, axis: int = -1
) -> Any:
    hot = jax.nn.one_hot(indices, depth, axis=axis, dtype=jnp.bool_)
    return jnp.where(hot, on_value, off_value)


def one_hot(
    indices: Any,
    depth: Any,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> Tensor:
    """One-hot vectors of length ``depth`` at ``indices`` (rows of ``off_value``
    for indices outside ``[0, depth)``).

    The dtype is ``dtype``, else that of ``on_value``/``off_value``, else float32.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "one_hot") as scope:
        indices = convert_to_tensor(indices)
        _check_index_dtype(indices, "OneHot", "indices")
        given = [v for v in (on_value, off_value) if v is not None]
        if dtype is None:
            dtype = dtype_of(given[0]) if given else _dtypes.float32
        dtype = _dtypes.as_dtype(dtype)
        on = convert_to_tensor(1 if on_value is None else on_value, dtype, "on_value")
        off = convert_to_tensor(
            0 if off_value is None else off_value, dtype, "off_value"
        )
        return build(
            _one_hot_impl,
            indices,
            on,
            off,
            depth=static_int(depth, "depth"),
            axis=-1 if axis is None else int(axis),
            name=scope,
        )


# -- filling -----------------------------------------------------------------------------------


def _fill_fold(dims: Any, value: Any) -> np.ndarray:
    """A Fill's value when the graph is built: a read-only view, no memory."""
    return np.broadcast_to(np.asarray(value), _dims_tuple(dims))


def _dims_tuple(dims: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.asarray(dims).reshape(-1))


def _fill_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """TF1's Fill shape function: the known sizes of ``dims``."""
    dims, value = args
    return [(value.dtype, partial_shape(dims))]


@op(
    "Fill",
    same_dtype=False,
    static_inputs=("dims",),
    fold_value=_fill_fold,
    shape_rule=_fill_rule,
    strings=Strings.BY_POSITION,
)
def _fill_impl(dims: Any, value: Any) -> Any:
    if np.ndim(value) != 0:
        raise ValueError(f"value must be a scalar, got shape {list(np.shape(value))}")
    return jnp.full(_dims_tuple(dims), value)


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value`` (of its dtype).

    Built as TF1 builds it (``Fill/dims``, ``Fill/value``, ``Fill``) and computed
    inside the compiled run, so a big fill takes no memory when the graph is built.
    A ``dims`` known at build time is an attribute of the ``Fill`` op (the
    ``dims`` constant exists by name, as in TF1, but is not an input edge).
    """
    graph = get_default_graph()
    with graph.name_scope(name or "Fill") as scope:
        if as_tensor_or_none(dims) is None:
            dims = convert_to_tensor(dims, name="dims")
        return build(_fill_impl, dims, value, name=scope)


# TF1 builds zeros/ones of fewer elements as a Const, bigger ones as a Fill.
_CONST_MAX_ELEMENTS = 1000


def _filled(shape: Any, dtype: Any, one: bool, name: str) -> Tensor:
    """``tf.zeros``/``tf.ones``, built as TF1 builds them."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype is _dtypes.string:
        if one:
            raise TypeError("Expected string, got 1 of type 'int' instead.")
        scalar: Any = np.array(b"", dtype=object)
    else:
        scalar = np.ones((), dtype.np) if one else np.zeros((), dtype.np)
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        if as_tensor_or_none(shape) is None and not (
            isinstance(shape, list | tuple) and contains_tensor(shape)
        ):
            dims = _static_dims(shape)
            # Strings cannot be computed inside a run: they stay host constants.
            if int(np.prod(dims)) < _CONST_MAX_ELEMENTS or dtype is _dtypes.string:
                return constant(scalar, dtype=dtype, shape=dims, name=scope)
            shape = constant(dims, name="shape_as_tensor")
        else:
            shape = convert_to_tensor(shape)
        if shape.shape.ndims == 0:
            shape = reshape(shape, [-1])
        return fill(shape, constant(scalar, dtype=dtype, name="Const"), name=scope)


def _static_dims(shape: Any) -> list[int]:
    """A shape given as Python values (ints, a TensorShape, numpy) as a list."""
    if isinstance(shape, numbers.Integral) or (
        isinstance(shape, np.ndarray) and shape.ndim == 0
    ):
        shape = [int(shape)]
    static = as_shape(shape)
    if not static.is_fully_defined():
        raise ValueError(
            f"Cannot make a tensor of the partially known shape {shape}; pass the"
            " shape as a tensor (e.g. tf.shape(x)) to fill it when the graph runs."
        )
    return [int(d) for d in static.as_list() if d is not None]


def zeros(shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of zeros of ``shape`` (a list, or a tensor such as ``tf.shape(x)``).

    As TF1: a ``Const`` below 1000 elements, else a ``Fill`` computed inside the
    compiled run (no memory taken when the graph is built).
    """
    return _filled(shape, dtype, False, name or "zeros")


def ones(shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of ones of ``shape`` (a list, or a tensor such as ``tf.shape(x)``).

    As TF1: a ``Const`` below 1000 elements, else a ``Fill`` computed inside the
    compiled run (no memory taken when the graph is built).
    """
    return _filled(shape, dtype, True, name or "ones")


def _zeros_like_fold(tensor: Any) -> np.ndarray:
    return np.broadcast_to(np.zeros((), np.asarray(tensor).dtype), np.shape(tensor))


@op(
    "ZerosLike",
    same_dtype=False,
    differentiable=False,
    fold_value=_zeros_like_fold,
    strings=lambda tensor: np.full(np.shape(tensor), b"", object),  # TF1's zero
)
def _zeros_like_impl(tensor: Any) -> Any:
    return jnp.zeros_like(tensor)


def zeros_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``tensor``.

    As TF1: with ``optimize`` and a fully known shape, ``tf.zeros`` of that shape
    (independent of ``tensor``'s value); else a ``ZerosLike`` op, or a ``Fill``
    of ``tf.shape(tensor)`` when ``dtype`` differs.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "zeros_like") as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        out_dtype = tensor.dtype if dtype is None else _dtypes.as_dtype(dtype)
        if optimize and tensor.shape.is_fully_defined():
            return zeros(tensor.shape.as_list(), out_dtype, name=scope)
        if out_dtype != tensor.dtype:
            return zeros(shape(tensor), out_dtype, name=scope)
        return build(_zeros_like_impl, tensor, name=scope)


def ones_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``tensor``.

    As TF1: a ``Fill`` of ``tensor``'s shape -- a constant when the shape is
    fully known and ``optimize`` (``ones_like/Shape/shape_as_tensor``), else
    ``tf.shape(tensor)``.
    """
    graph = get_default_graph()
    with graph.name_scope(name or "ones_like") as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        out_dtype = tensor.dtype if dtype is None else _dtypes.as_dtype(dtype)
        if optimize and tensor.shape.is_fully_defined():
            with graph.name_scope("Shape"):
                dims = constant(tensor.shape.as_list(), name="shape_as_tensor")
        else:
            dims = shape(tensor)
        result = ones(dims, out_dtype, name=scope)
    result.set_shape(tensor.shape)
    return result


def _range_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """Bounds known only when the run is traced: a vector of unknown length,
    unless the graph says what they are (``tf.shape(x)[1]`` of a known dim)."""
    known = [partial_value(v) for v in args]
    length = None
    if all(v is not None and v.size == 1 and None not in v.ravel() for v in known):
        first, last, step = (v.ravel()[0] for v in known)  # type: ignore[union-attr]
        if step != 0:  # numpy's (and TF1's) arange length
            length = max(0, int(np.ceil((last - first) / step)))
    return [(_dtypes.as_dtype(attrs["dtype"]), (length,))]


@op(
    "Range",
    same_dtype=False,
    static_inputs=("start", "limit", "delta"),
    shape_rule=_range_rule,
)
def _range_impl(start: Any, limit: Any, delta: Any, *, dtype: Any) -> Any:
    dtype = _dtypes.as_dtype(dtype)
    first, last, step = (np.asarray(v).item() for v in (start, limit, delta))
    _check_range(first, last, step)
    return jnp.arange(first, last, step, dtype=dtype.np)


def _check_range(first: Any, last: Any, step: Any) -> None:
    if step == 0:
        raise ValueError("Requires delta != 0 in tf.range.")
    if (step > 0 and first > last) or (step < 0 and first < last):
        raise ValueError(
            f"Requires start <= limit when delta > 0 (start >= limit when delta < 0):"
            f" got start {first}, limit {last}, delta {step}."
        )


_RANGE_TYPES = (_dtypes.int32, _dtypes.int64, _dtypes.float32, _dtypes.float64)


def range(
    start: Any,
    limit: Any = None,
    delta: Any = 1,
    dtype: Any = None,
    name: str = "range",
) -> Tensor:
    """``[start, start + delta, ...)`` up to ``limit`` (exclusive), as TF1.

    Without ``dtype``, the widest of the arguments' types (int32 < int64 <
    float32 < float64) is used.

    The arguments may be tensors known only when the run is traced
    (``tf.range(tf.shape(x)[0])``, a fed ``n``): the length is a shape, so the
    run compiles once per value of the feeds they come from (``Session.stats``).
    """
    if limit is None:
        start, limit = 0, start
    args = (start, limit, delta)
    if dtype is None:
        kinds = [dtype_of(v) for v in args]
        dtype = max(
            kinds, key=lambda d: _RANGE_TYPES.index(d) if d in _RANGE_TYPES else 0
        )
    dtype = _dtypes.as_dtype(dtype)
    folded = [fold_static(v) for v in args]
    if any(v is None for v in folded):
        return build(_range_impl, *args, dtype=dtype, name=name)
    first, last, step = (float(np.asarray(v)) for v in folded)
    _check_range(first, last, step)
    if dtype.is_integer:
        first, last, step = int(first), int(last), int(step)
    return build(_range_impl, first, last, step, dtype=dtype, name=name)


@op("LinSpace")
def _linspace_impl(start: Any, stop: Any, *, num: int) -> Any:
    return jnp.linspace(start, stop, num, dtype=start.dtype)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop``, both included."""
    dtype = dtype_of(start)
    if not dtype.is_floating:
        raise TypeError(
            f"Value passed to parameter 'start' of 'LinSpace' has DataType"
            f" {dtype.name} not in list of allowed values: bfloat16, float32, float64"
        )
    count = static_int(num, "linspace num")
    if count <= 0:
        raise ValueError(f"Requires num > 0 in tf.linspace, got {count}.")
    return build(_linspace_impl, start, stop, num=count, name=name)


lin_space = linspace


@op("Eye", same_dtype=False)
def _eye_impl(
    *, num_rows: int, num_columns: int, batch_shape: tuple[int, ...] = (), dtype: Any
) -> Any:
    matrix = jnp.eye(num_rows, num_columns, dtype=_dtypes.as_dtype(dtype).np)
    return jnp.broadcast_to(matrix, (*batch_shape, num_rows, num_columns))


def eye(
    num_rows: Any,
    num_columns: Any = None,
    batch_shape: Any = None,
    dtype: Any = _dtypes.float32,
    name: str | None = None,
) -> Tensor:
    """An identity matrix ``[num_rows, num_columns]``, repeated over ``batch_shape``."""
    rows = static_int(num_rows, "num_rows")
    columns = rows if num_columns is None else static_int(num_columns, "num_columns")
    batch = () if batch_shape is None else static_ints(batch_shape, "batch_shape")
    return build(
        _eye_impl,
        num_rows=rows,
        num_columns=columns,
        batch_shape=batch,
        dtype=_dtypes.as_dtype(dtype),
        name=name,
    )


@op(
    "StopGradient",
    same_dtype=False,
    differentiable=False,
    strings=Strings.BY_POSITION,
)
def _stop_gradient_impl(input: Any) -> Any:
    return jax.lax.stop_gradient(input)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:
    """``input``, with no gradient flowing through it."""
    return build(_stop_gradient_impl, input, name=name)


def _broadcast_to_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    # TF1: the output shape is ``shape``, whatever the input's unknown dims are.
    data = specs[0]
    dtype = _dtypes.as_dtype(data.dtype) if data is not None else attrs["_dtype"]
    if "shape" not in attrs:  # only known at run time
        target = specs[-1]
        if target is None or not is_known(target.shape[0]):
            raise ValueError("BroadcastTo: the length of shape must be known.")
        graph = get_default_graph()
        return [
            (dtype, tuple(fresh_dim(graph) for _ in builtins.range(target.shape[0])))
        ]
    dims = tuple(int(d) for d in np.asarray(attrs["shape"]).reshape(-1))
    if data is not None:
        try:
            np.broadcast_shapes(
                tuple(d if is_known(d) else 1 for d in data.shape), dims
            )
        except ValueError as err:
            raise ValueError(
                f"BroadcastTo: cannot broadcast shape {format_shape(data.shape)} to"
                f" {format_shape(dims)}."
            ) from err
        if len(data.shape) > len(dims):
            raise ValueError(
                f"BroadcastTo: shape {format_shape(dims)} has fewer dims than the"
                f" input's {format_shape(data.shape)}."
            )
    return [(dtype, dims)]


@op(
    "BroadcastTo",
    same_dtype=False,
    static_inputs=("shape",),
    shape_fn=_broadcast_to_spec,
    fold=Fold.VALUES,
    strings=Strings.BY_POSITION,
)
def _broadcast_to_impl(input: Any, shape: Any = None) -> Any:
    return jnp.broadcast_to(input, tuple(int(d) for d in np.asarray(shape).reshape(-1)))


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """``input`` broadcast (numpy rules) to ``shape``."""
    tensor = convert_to_tensor(input)
    return build(_broadcast_to_impl, tensor, shape, _dtype=tensor.dtype, name=name)
